//! `yinling backup`: a consistent copy of a data directory that `verify` accepts, with what
//! lives beside the log: the key store, the token key, the access log, the published
//! checkpoints and the notices' outbox.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use yinling_app::mint::MINT_KEY_FILE;
use yinling_ledger::access_log::ACCESS_LOG_DIR;
use yinling_ledger::log::{self, EnvelopeIter, VerifyDepth};
use yinling_ledger::outbox::OUTBOX_DIR;
use yinling_ledger::published::PUBLISHED_DIR;
use yinling_ledger::{EventLog, Head, OpenMode, SledLog, VolunteerId};

use super::copy::Copier;
use super::progress::Progress;

/// Options of `backup`.
#[derive(Debug, clap::Args)]
pub struct BackupArgs {
    /// The data directory to copy (no server may be running on it; for a running server use
    /// `yinling export --from URL`).
    #[arg(long, default_value = "./data")]
    pub data: PathBuf,
    /// The new directory to write (must not exist yet, or be empty).
    #[arg(long)]
    pub out: PathBuf,
}

/// Runs `backup`.
pub fn run(args: BackupArgs) -> Result<ExitCode, String> {
    if args.out.exists()
        && std::fs::read_dir(&args.out)
            .map(|mut d| d.next().is_some())
            .unwrap_or(true)
    {
        return Err(format!(
            "{} already exists and is not empty; back up into a new directory",
            args.out.display()
        ));
    }
    refuse_unfinished(&args.data)?;
    let source = SledLog::open(&args.data, OpenMode::MustExist).map_err(|e| {
        format!("{e}. To back up a running server use `yinling export --from http://HOST:PORT --what events`")
    })?;
    let (head, copied) = if args.out.exists() {
        // An empty directory given (a mounted disk, one made by root for the operator): the
        // backup is written in it, marked incomplete until it is whole and verified
        // (`verify` refuses it while the mark is there).
        in_place(&args.data, &source, &args.out)?
    } else {
        // Written beside the destination and renamed into place once whole and verified: a
        // backup stopped half way (Ctrl-C, a full disk) leaves no directory at `--out`.
        beside(&args.data, &source, &args.out)?
    };
    drop(source);
    say!(
        "backed up {} events and {copied} volunteers' data keys to {}; head seq {} hash {}",
        head.seq,
        args.out.display(),
        head.seq,
        head.hash
    );
    Ok(ExitCode::SUCCESS)
}

/// A file in a backup being written: while it is there, the directory is no backup yet.
pub(super) const INCOMPLETE_MARK: &str = yinling_ledger::store::INCOMPLETE_BACKUP_MARK;

/// Refuses a data directory that holds a backup never finished (its mark is there): every
/// command that reads or writes a ledger asks this first, so a half-written copy is never
/// served, exported, sealed, migrated or written on as if it were whole.
pub(crate) fn refuse_unfinished(data: &Path) -> Result<(), String> {
    let mark = data.join(INCOMPLETE_MARK);
    if mark.exists() {
        return Err(format!(
            "{} holds a backup or a migration that was never finished ({} is there): do not rely on it; back up again into a new directory, or run the same `yinling migrate` again to finish the migration",
            data.display(),
            mark.display()
        ));
    }
    Ok(())
}

/// Writes the backup into the empty directory `out`, under the mark.
fn in_place(data: &Path, source: &SledLog, out: &Path) -> Result<(Head, usize), String> {
    mark_unfinished(out, "a backup")?;
    let written = write(data, source, out)?;
    unmark(out, "backup")?;
    Ok(written)
}

/// Puts the mark in `dir` (synced, and the directory with it) before `what` ("a backup", "a
/// migration") writes there: until [`unmark`], every tool refuses the directory.
pub(super) fn mark_unfinished(dir: &Path, what: &str) -> Result<(), String> {
    let mark = dir.join(INCOMPLETE_MARK);
    std::fs::write(
        &mark,
        format!("{what} is being written here; it is not whole\n"),
    )
    .and_then(|()| std::fs::File::open(&mark)?.sync_all())
    .and_then(|()| std::fs::File::open(dir)?.sync_all())
    .map_err(|e| format!("cannot write in {}: {e}", dir.display()))
}

/// Takes the mark away once the copy in `dir` is whole and verified (`what`: "backup",
/// "migration", for the message when it cannot be).
pub(super) fn unmark(dir: &Path, what: &str) -> Result<(), String> {
    let mark = dir.join(INCOMPLETE_MARK);
    std::fs::remove_file(&mark)
        .and_then(|()| std::fs::File::open(dir)?.sync_all())
        .map_err(|e| {
            format!(
                "the {what} in {} is whole but {} cannot be removed: {e}",
                dir.display(),
                mark.display()
            )
        })
}

/// Writes the backup beside `out` and renames it into place.
fn beside(data: &Path, source: &SledLog, out: &Path) -> Result<(Head, usize), String> {
    let partial = partial_of(out)?;
    if partial.exists() {
        return Err(format!(
            "{} exists (left from a backup that was stopped?): remove it, then back up again",
            partial.display()
        ));
    }
    let written = write(data, source, &partial);
    if written.is_err() {
        let _ = std::fs::remove_dir_all(&partial);
    }
    let written = written?;
    std::fs::rename(&partial, out).map_err(|e| {
        format!(
            "the backup is whole in {} but cannot be renamed to {}: {e}",
            partial.display(),
            out.display()
        )
    })?;
    sync_parent(out)
        .map_err(|e| format!("cannot sync the directory holding {}: {e}", out.display()))?;
    Ok(written)
}

/// `OUT.partial`, beside `OUT`.
fn partial_of(out: &Path) -> Result<PathBuf, String> {
    let name = out
        .file_name()
        .ok_or_else(|| format!("{} names no directory to write", out.display()))?;
    let mut partial = name.to_os_string();
    partial.push(".partial");
    Ok(out.with_file_name(partial))
}

/// Syncs the directory that holds `path`, so a rename into it survives a power cut.
fn sync_parent(path: &Path) -> std::io::Result<()> {
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    std::fs::File::open(parent)?.sync_all()
}

/// Writes the whole backup of `source` (in `data`) into `out`, verified; its head and the
/// number of data keys copied.
fn write(data: &Path, source: &SledLog, out: &Path) -> Result<(Head, usize), String> {
    let target = SledLog::open(out, OpenMode::CreateIfMissing).map_err(|e| e.to_string())?;
    let mut copier = Copier::new(&target);
    let mut progress = Progress::new("copying", source.head().seq);
    // Checked against the chain as it is read: a damaged source stops the backup.
    for envelope in EnvelopeIter::checked(source, Head::default()) {
        copier.push(envelope.map_err(|e| e.to_string())?)?;
        progress.inc(1);
    }
    let head = copier.finish()?;
    progress.finish();
    let newest = source
        .snapshot_seqs()
        .map_err(|e| e.to_string())?
        .into_iter()
        .find(|s| *s <= head.seq);
    // A snapshot of the changes since a whole one is copied with that one, first.
    let base = match newest {
        Some(seq) => source.snapshot_base(seq).map_err(|e| e.to_string())?,
        None => None,
    };
    for seq in [base, newest].into_iter().flatten() {
        // Copied as it is read: a province's snapshot is over a gigabyte.
        if let Some((mut bytes, _)) = source.snapshot_reader(seq).map_err(|e| e.to_string())? {
            target
                .put_snapshot_with(seq, &mut |sink| {
                    std::io::copy(&mut bytes, sink).map(|_| ()).map_err(|e| {
                        yinling_ledger::LedgerError::Storage(format!(
                            "cannot copy the snapshot: {e}"
                        ))
                    })
                })
                .map_err(|e| e.to_string())?;
        }
    }
    // The key store is data too: without it the names are lost (never the points).
    let copied = copy_keys(source, &target)?;
    let key = data.join(MINT_KEY_FILE);
    if key.exists() {
        let to = out.join(MINT_KEY_FILE);
        std::fs::copy(&key, &to)
            .and_then(|_| std::fs::File::open(&to)?.sync_all())
            .map_err(|e| format!("cannot copy the token key: {e}"))?;
    } else if head.seq > 0 {
        eprintln!(
            "warning: {} is missing, so the backup holds no token key: a restored copy will not start without it (or with --new-token-key, every card printed again)",
            key.display()
        );
    }
    // What lives beside the log is data too: who read whose records (kept a year), the
    // checkpoints the service published (a restored copy is checked against them), the
    // notices not yet delivered. The service is stopped, so their files are at rest.
    for dir in [ACCESS_LOG_DIR, PUBLISHED_DIR, OUTBOX_DIR] {
        let from = data.join(dir);
        if from.is_dir() {
            copy_dir(&from, &out.join(dir))
                .map_err(|e| format!("cannot copy {}: {e}", from.display()))?;
        }
    }
    // A sealed log's statement ties it to the log it was sealed from (`seal --check`): the
    // old log is destroyed after sealing, so the statement lives only here and in backups.
    let statement = data.join(super::seal::STATEMENT_FILE);
    if statement.is_file() {
        let to = out.join(super::seal::STATEMENT_FILE);
        std::fs::copy(&statement, &to)
            .and_then(|_| std::fs::File::open(&to)?.sync_all())
            .map_err(|e| format!("cannot copy {}: {e}", statement.display()))?;
    }
    let report = log::verify(&target, VerifyDepth::Full, &mut |_| {}).map_err(|e| e.to_string())?;
    if !report.is_ok() || report.verified != source.head() {
        return Err(format!(
            "the copy in {} does not verify; do not rely on it",
            out.display()
        ));
    }
    // Durable, then closed, so everything sled holds is in its files before the rename (a
    // failure to sync is the backup's failure, not a warning at the close).
    target
        .checkpoint()
        .map_err(|e| format!("cannot make the copy durable: {e}"))?;
    drop(target);
    Ok((head, copied))
}

/// Copies the directory `from` into `to`, file by file, each file synced.
fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target)?;
            std::fs::File::open(&target)?.sync_all()?;
        }
    }
    Ok(())
}

/// Copies every data key of `source`'s key store to `target`'s; a damaged key stops the
/// backup, named. Returns how many were copied. The key of everyone erased in `source` is
/// destroyed in `target` too: a migration continued after an erasure holds the key its
/// first run copied (the service would destroy it at its next load; the copy does not wait).
pub(super) fn copy_keys(source: &dyn EventLog, target: &dyn EventLog) -> Result<usize, String> {
    let erased = erased_in(source)?;
    let keys = keys_except(source, &erased)?;
    let to = target.keyring().map_err(|e| e.to_string())?;
    to.put_all(&keys).map_err(|e| e.to_string())?;
    for id in &erased {
        to.destroy(id).map_err(|e| e.to_string())?;
    }
    Ok(keys.len())
}

/// Volunteers' data keys, as a key store or a key file holds them.
pub(super) type DataKeys = Vec<(
    yinling_ledger::VolunteerId,
    yinling_ledger::personal::DataKey,
)>;

/// Every data key of the key store beside `log`, each record checked; a damaged one stops
/// the caller, named (for `backup`, `migrate` and `export --what keys`).
pub(super) fn read_keys(log: &dyn EventLog) -> Result<DataKeys, String> {
    let erased = erased_in(log)?;
    keys_except(log, &erased)
}

/// [`read_keys`] without the keys of `erased`.
fn keys_except(
    log: &dyn EventLog,
    erased: &std::collections::BTreeSet<VolunteerId>,
) -> Result<DataKeys, String> {
    let keys = log.keyring().map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    for (id, checked) in keys.check_all().map_err(|e| e.to_string())? {
        checked.map_err(|e| e.to_string())?;
        if erased.contains(&id) {
            continue;
        }
        if let Some(key) = keys.key(&id).map_err(|e| e.to_string())? {
            out.push((id, key));
        }
    }
    Ok(out)
}

/// The volunteers erased in `log`. Their keys never leave the store, whatever it holds: a
/// key destroyed at the erasure can be put back by the journal after a crash (the service
/// destroys it again when it loads, but a copy made before that would keep it).
fn erased_in(log: &dyn EventLog) -> Result<std::collections::BTreeSet<VolunteerId>, String> {
    erased_among(EnvelopeIter::new(log, 0).map(|e| e.map_err(|e| e.to_string())))
}

/// The volunteers erased among `envelopes` (a log's, or an events file's for `import`).
pub(super) fn erased_among(
    envelopes: impl Iterator<Item = Result<yinling_ledger::Envelope, String>>,
) -> Result<std::collections::BTreeSet<VolunteerId>, String> {
    let mut out = std::collections::BTreeSet::new();
    for envelope in envelopes {
        if let yinling_ledger::Event::VolunteerErased(e) = envelope?.payload {
            out.insert(e.volunteer_id);
        }
    }
    Ok(out)
}
