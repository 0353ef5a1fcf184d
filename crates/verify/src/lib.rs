//! The checks of `yinling-verify`, a library so that the service's own tests can run them on
//! the statements and checkpoints it hands out; the binary only reads its arguments.
//!
//! Given the checkpoints a watcher collected over time and the key they trust, it checks every
//! signature and that the log never shrank; given a copy of the log, that every checkpoint's
//! root is the root of the log of that size; given a volunteer's statement (the CSV from the
//! web, the JSON of the API) or a bank's voucher check, that each line's event is in the
//! checkpoint it names, by its inclusion proof.

mod statement;

use std::path::PathBuf;

use yinling_ledger::checkpoint::{parse_verifier_key, Checkpoint};
use yinling_ledger::log::{verify_each, VerifyDepth};
use yinling_ledger::merkle::Frontier;
use yinling_ledger::{OpenMode, SledLog};

/// What to check.
#[derive(Debug, Default)]
pub struct Args {
    /// The file of checkpoints collected (one after another, any number of blank lines between).
    pub checkpoints: PathBuf,
    /// The verifier key line trusted.
    pub key: String,
    /// A copy of the log (a data directory).
    pub data: Option<PathBuf>,
    /// Statements or voucher checks to check line by line.
    pub statements: Vec<PathBuf>,
}

/// What of a data directory is not the log: snapshots, notices, the access log, published
/// checkpoints and keys are neither needed to check the log nor copied.
const NOT_THE_LOG: &[&str] = &["snapshots", "outbox", "access-log", "checkpoints"];

/// A scratch copy of a log's files, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn copy_of(dir: &std::path::Path) -> Result<Scratch, String> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let to =
            std::env::temp_dir().join(format!("yinling-verify-{}-{nanos}", std::process::id()));
        // A backup or a migration never finished holds part of a log: checked, it would look
        // rewritten.
        let mark = dir.join(yinling_ledger::store::INCOMPLETE_BACKUP_MARK);
        if mark.exists() {
            return Err(format!(
                "{} holds a backup or a migration that was never finished ({} is there): its log is partial and says nothing about the service's; check a whole backup or the finished migration",
                dir.display(),
                mark.display()
            ));
        }
        // What is not a log is named as before, not copied first.
        if !dir.join("conf").exists() {
            return Err(format!(
                "cannot open the log in {}: {}",
                dir.display(),
                if dir.exists() {
                    "it holds no Yinling log (no sled `conf` file)"
                } else {
                    "there is no such directory"
                }
            ));
        }
        // Sled's own file holds the volunteers' data keys: the copy is the verifier's user's
        // alone, and a directory of the same name is never reused.
        let mut builder = std::fs::DirBuilder::new();
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(&to).map_err(|e| {
            format!(
                "cannot make the scratch directory {} to check the log in: {e}",
                to.display()
            )
        })?;
        let scratch = Scratch(to.clone());
        copy_dir(dir, &to, true).map_err(|e| {
            format!(
                "cannot copy the log in {} to {} to check it there (the verifier never writes to the copy it is given): {e}",
                dir.display(),
                to.display()
            )
        })?;
        Ok(scratch)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path, top: bool) -> std::io::Result<()> {
    if !top {
        std::fs::create_dir(to)?;
    }
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let name = entry.file_name();
        let text = name.to_string_lossy();
        if top && (NOT_THE_LOG.contains(&text.as_ref()) || text.ends_with(".key")) {
            continue;
        }
        // Followed through a link: a journal or `db` linked from elsewhere is part of the
        // log, and leaving it out would report events removed that are not.
        let kind = std::fs::metadata(entry.path())?;
        if kind.is_dir() {
            copy_dir(&entry.path(), &to.join(&name), false)?;
        } else if kind.is_file() {
            std::fs::copy(entry.path(), to.join(&name))?;
        } else {
            return Err(std::io::Error::other(format!(
                "{} is neither a file nor a directory",
                entry.path().display()
            )));
        }
    }
    Ok(())
}

/// Every check, with what it found; `Err` names the first thing that fails.
pub fn check(args: &Args) -> Result<Vec<String>, String> {
    let mut said = Vec::new();
    let (name, key) = parse_verifier_key(&args.key).map_err(|e| format!("--key: {e}"))?;
    let text = std::fs::read_to_string(&args.checkpoints)
        .map_err(|e| format!("cannot read {}: {e}", args.checkpoints.display()))?;
    let mut checkpoints = Vec::new();
    for (i, piece) in Checkpoint::split_collected(&text).iter().enumerate() {
        let c = Checkpoint::verify(piece, &name, &key).map_err(|e| {
            format!(
                "checkpoint {} in {}: {e}",
                i + 1,
                args.checkpoints.display()
            )
        })?;
        checkpoints.push(c);
    }
    if checkpoints.is_empty() {
        return Err(format!(
            "{} holds no checkpoint",
            args.checkpoints.display()
        ));
    }
    said.push(format!(
        "{} checkpoints signed by {name}",
        checkpoints.len()
    ));
    for pair in checkpoints.windows(2) {
        if pair[1].size < pair[0].size {
            return Err(format!(
                "the log shrank: {} events at {}, {} at {}",
                pair[0].size, pair[0].time, pair[1].size, pair[1].time
            ));
        }
        if pair[1].size == pair[0].size && pair[1].root != pair[0].root {
            return Err(format!(
                "two histories of {} events: the checkpoints of {} and {} have different roots",
                pair[0].size, pair[0].time, pair[1].time
            ));
        }
    }
    let mut lines = Vec::new();
    let mut carried = Vec::new();
    for file in &args.statements {
        let found = statement::check(file, &name, &key, &mut checkpoints)?;
        said.extend(found.said);
        lines.extend(found.lines);
        carried.extend(found.carried);
    }
    let Some(dir) = &args.data else {
        // A checkpoint only the statement carries is one nobody else was shown: its lines are
        // proven against a root that may be a history made for this statement alone.
        if let Some(c) = carried.first() {
            return Err(format!(
                "{c}; without a copy of the log (--data) a statement can only be checked against checkpoints you collected yourself: pull checkpoints (yinling checkpoints pull) and check again"
            ));
        }
        said.push("no log given (--data): signatures and sizes checked only".to_owned());
        return Ok(said);
    };
    // Opening a log replays its journal into sled and rewrites its witness: the copy handed
    // over is read, never written (an auditor may have read access only, and a copy changed
    // by its first check is no longer the evidence it was). The log's own files are copied
    // aside and the copy is opened.
    let scratch = Scratch::copy_of(dir)?;
    let log = SledLog::open(&scratch.0, OpenMode::MustExist)
        .map_err(|e| format!("cannot open the log in {}: {e}", dir.display()))?;
    // The roots of the checkpoints' sizes, taken as the walk passes them: the walk keeps
    // log2(n) hashes (a whole tree would keep 64 bytes an event).
    let mut sizes: Vec<u64> = checkpoints.iter().map(|c| c.size).collect();
    sizes.sort_unstable();
    sizes.dedup();
    let mut roots = std::collections::HashMap::new();
    let mut frontier = Frontier::default();
    let mut next = sizes.iter().peekable();
    if next.next_if_eq(&&0).is_some() {
        roots.insert(0, frontier.root());
    }
    // Every record decoded, its own seq and previous hash checked beside the links: a record
    // that does not decode is not an event, whatever its hash.
    let report = verify_each(&log, VerifyDepth::Full, &mut |_| {}, &mut |h| {
        if h.seq == frontier.len() + 1 {
            frontier.push(&h.hash.0);
            if next.next_if_eq(&&frontier.len()).is_some() {
                roots.insert(frontier.len(), frontier.root());
            }
        }
    })
    .map_err(|e| format!("cannot read the log in {}: {e}", dir.display()))?;
    if let Some(bad) = &report.first_bad {
        return Err(format!(
            "the log's hash chain is broken at event {}: {}",
            bad.seq, bad.detail
        ));
    }
    said.push(format!("the hash chain holds: {} events", frontier.len()));
    for c in &checkpoints {
        let root = roots.get(&c.size).ok_or_else(|| {
            format!(
                "the log has {} events but the checkpoint of {} says {}: events were removed",
                frontier.len(),
                c.time,
                c.size
            )
        })?;
        if *root != c.root {
            return Err(format!(
                "the checkpoint of {} does not match the log: the log's first {} events have root {}, the checkpoint signed {}; the history was rewritten after it was collected",
                c.time,
                c.size,
                root.to_hex(),
                c.root.to_hex()
            ));
        }
    }
    said.push("every checkpoint's root is the root of the log of its size".to_owned());
    if !lines.is_empty() {
        statement::against_log(&log, &lines)?;
        said.push(format!(
            "the {} statement lines proven name the events the log holds at their numbers",
            lines.len()
        ));
    }
    Ok(said)
}
