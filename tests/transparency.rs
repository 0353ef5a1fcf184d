//! The log checked from outside, without a token: the Merkle tree head, an event's inclusion
//! proof checked against it with the ledger's own verifier (not the server's word), and a
//! consistency proof from a tree head written down earlier, across a restart that rebuilds
//! the tree from the log.

mod common;

use common::*;
use serde_json::{json, Value};
use yinling_ledger::merkle::{leaf_hash, verify_consistency, verify_inclusion, MerkleTree};
use yinling_ledger::{Hash, OpenMode, SledLog};

fn hash(v: &Value) -> Hash {
    Hash::from_hex(v.as_str().expect("hex")).expect("a hash")
}

/// A page or route that answers plain text (a checkpoint, a key line, a page).
async fn text_of(client: &Client, path: &str) -> String {
    client
        .raw(reqwest::Method::GET, path, "text/plain", Vec::new())
        .await
        .text
}

fn path(v: &Value) -> Vec<Hash> {
    v.as_array().expect("proof").iter().map(hash).collect()
}

#[tokio::test]
async fn anyone_checks_an_event_and_that_the_log_only_grew_across_a_restart() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = tmp.path().join("data");
    let mut server = Server::start_in(&data, &[]);
    let city = City::build(&server, 3).await;
    let anyone = server.anonymous();

    // The tree head matches the chain head an auditor sees.
    let head = city.auditor.get("/v1/audit/head").await.ok();
    let tree = anyone.get("/v1/log/tree").await.ok();
    let size = tree["size"].as_u64().expect("size");
    assert_eq!(Some(size), head["seq"].as_u64());
    let root = hash(&tree["root"]);

    // Every event's proof, checked against that head with the event hash the feed shows.
    let feed = common::demo::feed(&city.auditor).await;
    for e in &feed {
        let seq = e["seq"].as_u64().expect("seq");
        let p = anyone
            .get(&format!("/v1/log/proofs/inclusion?seq={seq}&size={size}"))
            .await
            .ok();
        assert_eq!(p["hash"], e["hash"], "seq {seq}");
        assert_eq!(hash(&p["root"]), root);
        verify_inclusion(
            &leaf_hash(&hash(&e["hash"]).0),
            seq - 1,
            size,
            &path(&p["proof"]),
            &root,
        )
        .unwrap_or_else(|err| panic!("seq {seq}: {err}"));
    }

    // The world moves on; the head written down earlier is a prefix of the new one.
    city.coordinator
        .post("/v1/activities", json!({"team_id": city.team, "category": "mediation", "date": days_ago(0), "title": "调解", "participants": [{"volunteer_id": city.volunteers[0], "hours": "1"}]}))
        .await
        .ok();
    let key_before = text_of(&anyone, "/v1/log/checkpoint-key").await;
    server.terminate();
    let server = Server::start_in(&data, &[]);
    let anyone = server.anonymous();
    let later = anyone.get("/v1/log/tree").await.ok();
    let later_size = later["size"].as_u64().expect("size");
    assert!(later_size > size);
    let c = anyone
        .get(&format!("/v1/log/proofs/consistency?from={size}"))
        .await
        .ok();
    assert_eq!(
        hash(&c["from_root"]),
        root,
        "the tree rebuilt at start has the same old root"
    );
    verify_consistency(
        (size, &root),
        (later_size, &hash(&later["root"])),
        &path(&c["proof"]),
    )
    .expect("the log only grew");
    // A head that was never the log's is refused by the same proof.
    let forged = Hash::of(b"another history");
    assert!(verify_consistency(
        (size, &forged),
        (later_size, &hash(&later["root"])),
        &path(&c["proof"])
    )
    .is_err());

    // A signed checkpoint of the log now, checked with the published key: the same size and
    // root as the tree head; a checkpoint with a changed size no longer verifies.
    let key_line = text_of(&anyone, "/v1/log/checkpoint-key").await;
    assert_eq!(key_line, key_before, "the same key after a restart");
    let (name, key) = yinling_ledger::checkpoint::parse_verifier_key(&key_line).expect("a key");
    let text = text_of(&anyone, "/v1/log/checkpoint").await;
    let checkpoint = yinling_ledger::checkpoint::Checkpoint::verify(&text, &name, &key)
        .unwrap_or_else(|e| panic!("{e}: {text}"));
    let now = anyone.get("/v1/log/tree").await.ok();
    assert_eq!(Some(checkpoint.size), now["size"].as_u64());
    assert_eq!(checkpoint.root, hash(&now["root"]));
    // The printable page shows the same signed text, for a noticeboard.
    let page = text_of(&anyone, "/checkpoint").await;
    assert!(
        page.contains("class=\"checkpoint\"") && page.contains(&format!("\n{}\n", checkpoint.size)),
        "{page}"
    );
    assert!(
        page.contains(key_line.trim()),
        "the key is printed beside it"
    );
    let forged = text.replacen(
        &format!("\n{}\n", checkpoint.size),
        &format!("\n{}\n", checkpoint.size + 1),
        1,
    );
    assert!(yinling_ledger::checkpoint::Checkpoint::verify(&forged, &name, &key).is_err());

    // Bad requests, in words.
    anyone
        .get("/v1/log/proofs/inclusion?seq=0")
        .await
        .problem(422);
    let beyond = anyone
        .get(&format!("/v1/log/proofs/inclusion?seq={}", later_size + 1))
        .await;
    assert!(beyond.problem(404)["detail"]
        .as_str()
        .expect("detail")
        .contains("not in a tree"));
    // A question that cannot be asked (from past to) is a bad request, not a size the log
    // has not reached.
    let backwards = anyone
        .get(&format!(
            "/v1/log/proofs/consistency?from={}&to={size}",
            later_size
        ))
        .await;
    assert_eq!(backwards.problem(400)["code"], "bad_window");
    anyone
        .get(&format!(
            "/v1/log/proofs/consistency?from={}",
            later_size + 10
        ))
        .await
        .problem(404);
    anyone
        .get("/v1/log/proofs/inclusion?seq=x")
        .await
        .problem(400);
}

/// A log longer than the part of the tree the service keeps whole (below its floor it keeps
/// the newest events only): every proof it serves is the proof of a tree built here from the
/// log's own chain hashes, keeping every level.
#[tokio::test]
async fn proofs_reach_events_whose_lower_subtrees_the_tree_dropped() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = tmp.path().join("data");
    let dir = data.to_str().expect("a path in UTF-8");
    let (done, out) = yinling(&["demo", "--data", dir, "--volunteers", "200", "--seed", "3"]);
    assert!(done, "{out}");
    let hashes: Vec<Hash> = {
        let log = SledLog::open(&data, OpenMode::MustExist).expect("the demo's log");
        yinling_ledger::log::read(&log, 0, usize::MAX)
            .expect("its events")
            .iter()
            .map(|e| e.hash)
            .collect()
    };
    let n = hashes.len() as u64;
    let floor = 1u64 << yinling_app::limits::TREE_FLOOR;
    assert!(n > 3 * floor, "{n} events: too few to drop a chunk");
    let mut full = MerkleTree::new();
    for h in &hashes {
        full.push_leaf_hash(leaf_hash(&h.0));
    }

    let server = Server::start_in(&data, &[]);
    let anyone = server.anonymous();
    let tree = anyone.get("/v1/log/tree").await.ok();
    assert_eq!(tree["size"].as_u64(), Some(n));
    assert_eq!(hash(&tree["root"]), full.root());
    for seq in [
        1,
        2,
        floor - 1,
        floor,
        floor + 1,
        2 * floor + 7,
        n / 2,
        n - 1,
        n,
    ] {
        let p = anyone
            .get(&format!("/v1/log/proofs/inclusion?seq={seq}"))
            .await
            .ok();
        let proof = path(&p["proof"]);
        assert_eq!(
            proof,
            full.inclusion_proof(seq - 1, n).expect("proof"),
            "seq {seq}"
        );
        verify_inclusion(
            &leaf_hash(&hashes[seq as usize - 1].0),
            seq - 1,
            n,
            &proof,
            &full.root(),
        )
        .unwrap_or_else(|e| panic!("seq {seq}: {e}"));
    }
    // Against an older size that ends inside a dropped chunk.
    let older = 2 * floor + 3;
    let p = anyone
        .get(&format!("/v1/log/proofs/inclusion?seq=5&size={older}"))
        .await
        .ok();
    let older_root = full.root_at(older).expect("root");
    assert_eq!(hash(&p["root"]), older_root);
    verify_inclusion(
        &leaf_hash(&hashes[4].0),
        4,
        older,
        &path(&p["proof"]),
        &older_root,
    )
    .expect("seq 5 in the log of an older size");
    let c = anyone
        .get(&format!("/v1/log/proofs/consistency?from=7&to={older}"))
        .await
        .ok();
    verify_consistency(
        (7, &full.root_at(7).expect("root")),
        (older, &older_root),
        &path(&c["proof"]),
    )
    .expect("between two sizes in dropped chunks");
    for from in [1, 100, floor, floor + 1, 3 * floor - 5, n - 1] {
        let c = anyone
            .get(&format!("/v1/log/proofs/consistency?from={from}"))
            .await
            .ok();
        let old_root = full.root_at(from).expect("root");
        assert_eq!(hash(&c["from_root"]), old_root, "from {from}");
        verify_consistency((from, &old_root), (n, &full.root()), &path(&c["proof"]))
            .unwrap_or_else(|e| panic!("from {from}: {e}"));
    }
}

#[tokio::test]
async fn a_watcher_keeps_checkpoints_and_a_rewritten_log_stops_it() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let server = Server::start();
    let city = City::build(&server, 1).await;
    let file = tmp.path().join("checkpoints.txt");
    let pull = |base: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_yinling"))
            .args(["checkpoints", "pull", "--from", base, "--file"])
            .arg(&file)
            .output()
            .expect("run yinling")
    };
    // First pull: the key is taken and kept (trust on first use), the checkpoint kept.
    let first = pull(&server.base);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert!(String::from_utf8_lossy(&first.stdout).contains("trusting the key"));
    // The log grows; the second pull checks the new checkpoint against the first.
    city.coordinator
        .post("/v1/activities", json!({"team_id": city.team, "category": "mediation", "date": days_ago(0), "title": "调解", "participants": [{"volunteer_id": city.volunteers[0], "hours": "1"}]}))
        .await
        .ok();
    let second = pull(&server.base);
    let said = String::from_utf8_lossy(&second.stdout).into_owned();
    assert!(
        second.status.success() && said.contains("consistent with the one before"),
        "{said}"
    );
    let kept = std::fs::read_to_string(&file).expect("file");
    let published = server.anonymous().get("/v1/log/checkpoints").await.ok();
    let published = published["items"].as_array().map_or(0, Vec::len);
    assert!(published >= 1);
    assert!(
        kept.matches("\u{2014} ").count() > published,
        "every published one and the heads: {kept}"
    );

    // Another service (another history, another key) at the same address is refused, and
    // nothing is appended.
    let other = Server::start();
    City::build(&other, 2).await;
    let refused = pull(&other.base);
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("does not verify"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    assert_eq!(std::fs::read_to_string(&file).expect("file"), kept);

    // A write cut short (a full disk, a power cut) leaves half a checkpoint at the end: the
    // next pull says so, drops it and goes on, instead of stopping for good.
    let last = kept
        .trim_end()
        .rsplit("\n\n\n")
        .next()
        .expect("a last one")
        .to_owned();
    let cut = last.char_indices().nth(60).map_or(last.len(), |(i, _)| i);
    std::fs::write(&file, format!("{kept}{}", &last[..cut])).expect("torn");
    let again = pull(&server.base);
    let warned = String::from_utf8_lossy(&again.stderr).into_owned();
    assert!(
        again.status.success() && warned.contains("cut short"),
        "{warned}"
    );
    let now = std::fs::read_to_string(&file).expect("file");
    assert!(now.starts_with(&kept) && now.ends_with("\n\n\n"), "{now}");
}

/// The watcher's file after one pull from `base`.
fn pull_into(base: &str, file: &std::path::Path) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_yinling"))
        .args(["checkpoints", "pull", "--from", base, "--file"])
        .arg(file)
        .output()
        .expect("run yinling");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// What `yinling-verify` says of `statements` against the watcher's checkpoints.
fn verify(
    checkpoints: &std::path::Path,
    key: &str,
    statements: &[&std::path::Path],
) -> Result<Vec<String>, String> {
    yinling_verify::check(&yinling_verify::Args {
        checkpoints: checkpoints.to_owned(),
        key: key.to_owned(),
        data: None,
        statements: statements.iter().map(|p| p.to_path_buf()).collect(),
    })
}

#[tokio::test]
async fn a_statement_and_a_voucher_check_carry_proofs_that_anyone_checks_against_the_noticeboard() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let server = Server::start();
    let city = City::build(&server, 2).await;
    let anyone = server.anonymous();
    let key = text_of(&anyone, "/v1/log/checkpoint-key").await;
    let watched = tmp.path().join("checkpoints.txt");

    // A checkpoint is published at start. Anyone may ask for the head signed now; that
    // writes nothing: the list of published checkpoints does not grow.
    let before = anyone.get("/v1/log/checkpoints").await.ok();
    let now = text_of(&anyone, "/v1/log/checkpoint").await;
    assert!(now.contains("\u{2014} "), "{now}");
    text_of(&anyone, "/v1/log/checkpoint").await;
    assert_eq!(anyone.get("/v1/log/checkpoints").await.ok(), before);

    // The volunteer's statement from the API: its newest line is newer than the checkpoint
    // published at start, so one covering it is published for it; every line carries its
    // proof against that checkpoint, checked here with the ledger's own verifier.
    let me = &city.volunteers[0];
    let statement = city
        .coordinator
        .get(&format!("/v1/volunteers/{me}/statement"))
        .await
        .ok();
    let listed = anyone.get("/v1/log/checkpoints").await.ok();
    let items = listed["items"].as_array().expect("items");
    assert!(items.len() >= 2, "{listed}");
    assert_eq!(items.last().expect("last")["text"], statement["checkpoint"]);
    let sizes: Vec<u64> = items.iter().filter_map(|i| i["size"].as_u64()).collect();
    assert!(sizes.windows(2).all(|w| w[0] < w[1]), "{sizes:?}");
    let page = anyone.get("/v1/log/checkpoints?limit=1").await.ok();
    assert_eq!(page["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(page["next_after"], items[0]["size"]);
    anyone.get("/v1/log/checkpoints?limit=0").await.problem(400);

    // The watcher pulls every published checkpoint, each checked against the one before,
    // then the head.
    pull_into(&server.base, &watched);
    let kept = std::fs::read_to_string(&watched).expect("kept");
    for item in items {
        let text = item["text"].as_str().expect("text");
        assert!(kept.contains(text.trim_end()), "{kept}");
    }
    let (name, vkey) = yinling_ledger::checkpoint::parse_verifier_key(&key).expect("key");
    let checkpoint = yinling_ledger::checkpoint::Checkpoint::verify(
        statement["checkpoint"].as_str().expect("checkpoint"),
        &name,
        &vkey,
    )
    .expect("a checkpoint signed by the log's key");
    let entries = statement["entries"].as_array().expect("entries");
    assert!(!entries.is_empty());
    for e in entries {
        let p = &e["proof"];
        assert_eq!(p["seq"], e["seq"]);
        assert_eq!(p["checkpoint_size"].as_u64(), Some(checkpoint.size));
        verify_inclusion(
            &leaf_hash(&hash(&p["event_hash"]).0),
            p["seq"].as_u64().expect("seq") - 1,
            checkpoint.size,
            &path(&p["path"]),
            &checkpoint.root,
        )
        .unwrap_or_else(|err| panic!("{e}: {err}"));
    }
    // Saved as a file, the independent verifier says the same against the watcher's
    // checkpoints; one changed hash is named.
    let json_file = tmp.path().join("statement.json");
    std::fs::write(&json_file, statement.to_string()).expect("write");
    pull_into(&server.base, &watched);
    let said = verify(&watched, &key, &[&json_file]).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        said.iter()
            .any(|s| s.contains("each line's event (its number and hash) in a signed checkpoint")),
        "{said:?}"
    );
    let first_hash = entries[0]["proof"]["event_hash"].as_str().expect("hash");
    let forged = statement.to_string().replace(first_hash, &"0".repeat(64));
    std::fs::write(&json_file, forged).expect("write");
    let refused = verify(&watched, &key, &[&json_file]).expect_err("a forged line");
    assert!(refused.contains("is NOT in the checkpoint"), "{refused}");

    // The same statement downloaded on the web, as Excel opens it: a byte-order mark,
    // Chinese headers, the proof in its own columns; checked line by line by the verifier.
    let volunteer_token = token(
        &city.admin,
        json!({"role": "volunteer", "volunteer_id": me}),
    )
    .await;
    let browser = common::web::Browser::new(&server, &volunteer_token);
    let page_text = browser
        .get("/me/statement")
        .await
        .text()
        .await
        .expect("page");
    assert!(page_text.contains("/me/statement.csv"), "{page_text}");
    assert!(page_text.contains("签名公示的账本检查点"), "{page_text}");
    let reply = browser.get("/me/statement.csv").await;
    assert_eq!(reply.status().as_u16(), 200);
    let bytes = reply.bytes().await.expect("csv").to_vec();
    assert!(
        bytes.starts_with(b"\xEF\xBB\xBF"),
        "a byte-order mark for Excel"
    );
    let csv_text = String::from_utf8(bytes.clone()).expect("utf-8");
    let header = csv_text.lines().next().expect("header");
    for column in ["序号", "事件哈希", "检查点条数", "包含证明"] {
        assert!(header.contains(column), "{header}");
    }
    let csv_file = tmp.path().join("statement.csv");
    std::fs::write(&csv_file, &bytes).expect("write");
    pull_into(&server.base, &watched);
    let said = verify(&watched, &key, &[&csv_file]).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        said.iter().any(|s| s.contains(&format!(
            "{} lines, each line's event (its number and hash) in a signed checkpoint",
            entries.len()
        ))),
        "{said:?}"
    );
    // A line moved to another event's proof is refused, naming the line.
    let mut rows: Vec<String> = csv_text.split("\r\n").map(str::to_owned).collect();
    let cells: Vec<&str> = rows[1].split(',').collect();
    let moved = rows[1].replacen(
        cells[0],
        &(cells[0].parse::<u64>().expect("seq") + 1).to_string(),
        1,
    );
    rows[1] = moved;
    std::fs::write(&csv_file, rows.join("\r\n")).expect("write");
    let refused = verify(&watched, &key, &[&csv_file]).expect_err("a moved line");
    assert!(refused.contains("line 2"), "{refused}");
    // A genuine line copied below itself would count its points twice: refused.
    let mut rows: Vec<String> = csv_text.split("\r\n").map(str::to_owned).collect();
    rows.insert(2, rows[1].clone());
    std::fs::write(&csv_file, rows.join("\r\n")).expect("write");
    let refused = verify(&watched, &key, &[&csv_file]).expect_err("a line twice");
    assert!(refused.contains("repeats line 2 exactly"), "{refused}");

    // Opened in Excel and saved again, as a Chinese Windows saves "CSV" (GB18030, no mark)
    // and "Unicode text" (UTF-16 with its mark, tabs between cells): the same lines verify.
    let (gbk, _, _) = encoding_rs::GB18030.encode(csv_text.trim_start_matches('\u{feff}'));
    assert!(
        std::str::from_utf8(&gbk).is_err(),
        "Chinese headers in GB18030"
    );
    let mut unicode = vec![0xFF, 0xFE];
    let tabbed = {
        let mut out = csv::WriterBuilder::new()
            .delimiter(b'\t')
            .from_writer(Vec::new());
        for record in csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(csv_text.trim_start_matches('\u{feff}').as_bytes())
            .records()
        {
            out.write_record(&record.expect("a record"))
                .expect("written");
        }
        String::from_utf8(out.into_inner().expect("flushed")).expect("utf-8")
    };
    unicode.extend(tabbed.encode_utf16().flat_map(u16::to_le_bytes));
    for (how, saved) in [("GB18030", gbk.into_owned()), ("UTF-16", unicode)] {
        std::fs::write(&csv_file, &saved).expect("write");
        let said = verify(&watched, &key, &[&csv_file]).unwrap_or_else(|e| panic!("{how}: {e}"));
        assert!(
            said.iter()
                .any(|s| s.contains(&format!("{} lines, each line's event", entries.len()))),
            "{how}: {said:?}"
        );
    }

    // A checkpoint the watcher never saw is named, not trusted silently.
    let lonely = tmp.path().join("lonely.txt");
    std::fs::write(
        &lonely,
        format!(
            "{}\n\n\n",
            kept.split("\n\n\n").next().expect("first").trim_end()
        ),
    )
    .expect("write");
    std::fs::write(&csv_file, &bytes).expect("write");
    let missing = verify(&lonely, &key, &[&csv_file]).expect_err("not among them");
    assert!(
        missing.contains("not among the checkpoints given"),
        "{missing}"
    );
    // The API's statement carries its own signed checkpoint; one the watcher never collected
    // is not trusted on its signature alone (nobody else may have been shown that history).
    std::fs::write(&json_file, statement.to_string()).expect("write");
    let carried = verify(&lonely, &key, &[&json_file]).expect_err("carried, not collected");
    assert!(carried.contains("that you had not collected"), "{carried}");
}
