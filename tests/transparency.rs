//! The log checked from outside, without a token: the Merkle tree head, an event's inclusion
//! proof checked against it with the ledger's own verifier (not the server's word), and a
//! consistency proof from a tree head written down earlier, across a restart that rebuilds
//! the tree from the log.

mod common;

use common::*;
use serde_json::{json, Value};
use yinling_ledger::merkle::{leaf_hash, verify_consistency, verify_inclusion};
use yinling_ledger::Hash;

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
    anyone
        .get(&format!(
            "/v1/log/proofs/consistency?from={}&to={size}",
            later_size
        ))
        .await
        .problem(404);
    anyone
        .get("/v1/log/proofs/inclusion?seq=x")
        .await
        .problem(400);
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
        second.status.success() && said.contains("consistent with the last one kept"),
        "{said}"
    );
    let kept = std::fs::read_to_string(&file).expect("file");
    assert_eq!(kept.matches("\u{2014} ").count(), 2, "{kept}");

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
}
