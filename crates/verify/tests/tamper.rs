//! A log rewritten after a watcher collected a checkpoint is exposed by that checkpoint, even
//! when the rewrite re-hashes the whole chain so that the chain itself holds: the root of the
//! rewritten log's first events is not the root the service signed.

use std::path::Path;
use std::process::Command;

use ed25519_dalek::SigningKey;
use yinling_ledger::chain::{Chain, Draft, Sealed};
use yinling_ledger::checkpoint::{verifier_key, Checkpoint};
use yinling_ledger::log::AppendBatch;
use yinling_ledger::merkle::MerkleTree;
use yinling_ledger::*;

/// Teams registered one after another: a log whose event `i` names team `names[i]`.
fn sealed(names: &[String]) -> Vec<Sealed> {
    sealed_after(Head::default(), names)
}

/// [`sealed`], the log going on after `head`.
fn sealed_after(head: Head, names: &[String]) -> Vec<Sealed> {
    let mut chain = Chain::after(head);
    let first = head.seq as usize;
    names
        .iter()
        .enumerate()
        .skip(first)
        .map(|(i, name)| {
            let team = TeamId(uuid::Uuid::from_u128(i as u128 + 1));
            chain
                .seal(Draft {
                    stream: team.stream(),
                    stream_version: 1,
                    recorded_at: Timestamp(1_796_000_000_000_000 + i as i64),
                    actor: Actor::SYSTEM,
                    idempotency_key: None,
                    payload: Event::TeamRegistered(TeamRegistered {
                        team_id: team,
                        name: name.clone(),
                        district: "南浔区".into(),
                        category: Category::Mediation,
                    }),
                })
                .expect("seal")
        })
        .collect()
}

fn write(dir: &Path, events: Vec<Sealed>) {
    let log = SledLog::open(dir, OpenMode::CreateIfMissing).expect("log");
    log.append(&AppendBatch {
        expected_head: Head::default(),
        events,
        stream_runs: Vec::new(),
        idempotency: Vec::new(),
    })
    .expect("append");
}

fn checkpoint(events: &[Sealed], size: usize, key: &SigningKey) -> String {
    let mut tree = MerkleTree::new();
    for s in &events[..size] {
        tree.push(&s.envelope.hash.0);
    }
    Checkpoint {
        origin: "yinling-test".into(),
        size: size as u64,
        root: tree.root(),
        time: Timestamp(1_796_000_000_000_000 + size as i64 * 1_000_000),
    }
    .sign(key)
}

fn verify(checkpoints: &Path, key: &str, data: &Path) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_yinling-verify"))
        .arg("--checkpoints")
        .arg(checkpoints)
        .args(["--key", key, "--data"])
        .arg(data)
        .output()
        .expect("run yinling-verify");
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

/// Every file under `dir` with its bytes, by path.
fn contents(dir: &Path) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for entry in std::fs::read_dir(&d).expect("read dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                todo.push(path);
            } else {
                let bytes = std::fs::read(&path).expect("read");
                files.push((path, bytes));
            }
        }
    }
    files.sort();
    files
}

#[test]
fn a_checkpoint_collected_before_a_rewrite_exposes_it() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let key = SigningKey::from_bytes(&[7; 32]);
    let key_line = verifier_key("yinling-test", &key.verifying_key());
    let names: Vec<String> = (0..10).map(|i| format!("第{i}队")).collect();
    let honest = sealed(&names);

    // A watcher collected two checkpoints: at 6 events and at 10.
    let file = tmp.path().join("checkpoints.txt");
    std::fs::write(
        &file,
        format!(
            "{}\n\n{}\n\n",
            checkpoint(&honest, 6, &key),
            checkpoint(&honest, 10, &key)
        ),
    )
    .expect("write");
    let original = tmp.path().join("original");
    write(&original, honest);
    let before = contents(&original);
    let (ok, said) = verify(&file, &key_line, &original);
    assert!(ok, "{said}");
    // The copy handed over is evidence: checked, never written (its journal not replayed
    // into it, its witness not rewritten, nothing added).
    assert_eq!(contents(&original), before, "the verifier changed the copy");
    assert!(
        said.contains("2 checkpoints") && said.contains("10 events"),
        "{said}"
    );

    // Someone rewrites event 3 and re-hashes the chain from there: the chain holds, the
    // checkpoints do not.
    let mut names = names;
    names[2] = "被改过的队".into();
    let rewritten = tmp.path().join("rewritten");
    write(&rewritten, sealed(&names));
    let (ok, said) = verify(&file, &key_line, &rewritten);
    assert!(!ok, "{said}");
    assert!(
        !said.contains("hash chain is broken"),
        "the rewrite is consistent: {said}"
    );
    assert!(
        said.contains("does not match the log") && said.contains("first 6 events"),
        "{said}"
    );

    // A backup cut short (its mark still there) holds part of the log: refused as such,
    // never reported as a rewrite.
    let partial = tmp.path().join("partial");
    write(&partial, sealed(&names[..4]));
    std::fs::write(
        partial.join(yinling_ledger::store::INCOMPLETE_BACKUP_MARK),
        b"a backup is being written here; it is not whole\n",
    )
    .expect("mark");
    let (ok, said) = verify(&file, &key_line, &partial);
    assert!(!ok, "{said}");
    assert!(
        said.contains("never finished") && !said.contains("removed"),
        "{said}"
    );

    // Another key, or a checkpoint edited by hand: named.
    let other = verifier_key(
        "yinling-test",
        &SigningKey::from_bytes(&[8; 32]).verifying_key(),
    );
    let (ok, said) = verify(&file, &other, &original);
    assert!(!ok && said.contains("not signed by"), "{said}");
    let edited = tmp.path().join("edited.txt");
    let text = std::fs::read_to_string(&file).expect("read");
    std::fs::write(&edited, text.replacen("\n6\n", "\n5\n", 1)).expect("write");
    let (ok, said) = verify(&edited, &key_line, &original);
    assert!(!ok && said.contains("checkpoint 1"), "{said}");
}

#[test]
fn checkpoints_one_blank_line_apart_are_each_checked() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let key = SigningKey::from_bytes(&[7; 32]);
    let key_line = verifier_key("yinling-test", &key.verifying_key());
    let names: Vec<String> = (0..10).map(|i| format!("第{i}队")).collect();
    let honest = sealed(&names);
    let (at_6, at_10) = (checkpoint(&honest, 6, &key), checkpoint(&honest, 10, &key));

    // Events 8 to 10 rewritten and re-hashed after the first 7: only the checkpoint at 10
    // can tell.
    let mut names = names;
    names[8] = "被改过的队".into();
    let kept = &honest[..7];
    let head = Head {
        seq: 7,
        hash: kept[6].envelope.hash,
    };
    let mut events = kept.to_vec();
    events.extend(sealed_after(head, &names));
    let rewritten = tmp.path().join("rewritten");
    write(&rewritten, events);
    for gap in ["\n", ""] {
        let file = tmp.path().join("checkpoints.txt");
        std::fs::write(&file, format!("{at_6}{gap}{at_10}")).expect("write");
        let (ok, said) = verify(&file, &key_line, &rewritten);
        assert!(!ok, "gap {gap:?}: {said}");
        assert!(said.contains("first 10 events"), "gap {gap:?}: {said}");
    }
}
