//! `yinling seal`: migrates, once and offline, a log written before personal data was sealed
//! into a new log where every name, year of birth and phone digits is sealed under its
//! person's own key, and writes a statement that links the two: both heads, and for every
//! old event the seqs it became. `yinling seal --check` walks both logs with the statement
//! and shows that nothing but the personal fields changed (opening each sealed blob with the
//! new key store and comparing it with the old plain text). The old directory is then
//! retired by the operator (see the README).

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde::{Deserialize, Serialize};
use yinling_app::mint::MINT_KEY_FILE;
use yinling_ledger::log::{EnvelopeIter, VerifyDepth};
use yinling_ledger::personal::{Keyring, PersonalFields};
use yinling_ledger::{
    codec, Envelope, Event, EventId, EventLog, Hash, Head, OpenMode, PersonalDataSealed, SledLog,
    StreamId, VolunteerRegistered,
};

use super::copy::Copier;
use super::progress::Progress;

/// The statement's file name in the new directory.
pub const STATEMENT_FILE: &str = "sealing-statement.ndjson";

/// Options of `seal`.
#[derive(Debug, clap::Args)]
pub struct SealArgs {
    /// The data directory written before sealing (no server may be running on it).
    #[arg(long)]
    pub from_data: PathBuf,
    /// The new data directory (must not exist yet, or be empty).
    #[arg(long)]
    pub to_data: PathBuf,
    /// Check a migration done before instead of doing one: walk both logs with the
    /// statement in the new directory.
    #[arg(long)]
    pub check: bool,
}

/// The statement's first line: both heads.
#[derive(Debug, Serialize, Deserialize)]
struct Heads {
    old_head_seq: u64,
    old_head_hash: String,
    new_head_seq: u64,
    new_head_hash: String,
}

/// One line per old event: the seqs it became (one, or two for a registration).
#[derive(Debug, Serialize, Deserialize)]
struct Mapping {
    old: u64,
    new: Vec<u64>,
}

/// Runs `seal`.
pub fn run(args: SealArgs) -> Result<ExitCode, String> {
    if args.check {
        return check(&args.from_data, &args.to_data);
    }
    super::backup::refuse_unfinished(&args.from_data)?;
    let source = SledLog::open(&args.from_data, OpenMode::MustExist).map_err(|e| e.to_string())?;
    if args.to_data.exists()
        && std::fs::read_dir(&args.to_data)
            .map(|mut d| d.next().is_some())
            .unwrap_or(true)
    {
        return Err(format!(
            "--to-data {} already exists and is not empty; seal into a new directory",
            args.to_data.display()
        ));
    }
    let target =
        SledLog::open(&args.to_data, OpenMode::CreateIfMissing).map_err(|e| e.to_string())?;
    // The source's keys first: a log the service went on writing after the upgrade already
    // holds blobs sealed under them, copied below as they are; a key made afresh here would
    // leave those unreadable.
    super::backup::copy_keys(&source, &target)?;
    target
        .checkpoint()
        .map_err(|e| format!("cannot make the copied keys durable: {e}"))?;
    let keys = target.keyring().map_err(|e| e.to_string())?;
    let mut copier = Copier::new(&target);
    let mut head = Head::default();
    let mut versions: HashMap<StreamId, u64> = HashMap::new();
    let mut lines = Vec::new();
    let mut progress = Progress::new("sealing", source.head().seq);
    for old in EnvelopeIter::checked(&source, Head::default()) {
        let old = old.map_err(|e| e.to_string())?;
        let mut new_seqs = Vec::new();
        for (k, payload) in sealed(&old.payload, keys.as_ref())?.into_iter().enumerate() {
            let version = versions.entry(old.stream.clone()).or_default();
            *version += 1;
            let mut e = Envelope {
                seq: head.seq + 1,
                // The old event keeps its id; an added one gets its own.
                id: if k == 0 { old.id } else { EventId::generate() },
                stream: old.stream.clone(),
                stream_version: *version,
                recorded_at: old.recorded_at,
                actor: old.actor,
                idempotency_key: old.idempotency_key.clone(),
                schema_version: old.schema_version,
                payload,
                prev_hash: head.hash,
                hash: Hash::GENESIS,
            };
            let canonical = codec::canonical_bytes(&e).map_err(|x| x.to_string())?;
            e.hash = Hash::link(&head.hash, &canonical);
            head = Head {
                seq: e.seq,
                hash: e.hash,
            };
            new_seqs.push(e.seq);
            copier.push(e)?;
        }
        lines.push(Mapping {
            old: old.seq,
            new: new_seqs,
        });
        progress.inc(1);
    }
    let end = copier.finish()?;
    progress.finish();
    let key = args.from_data.join(MINT_KEY_FILE);
    if key.exists() {
        std::fs::copy(&key, args.to_data.join(MINT_KEY_FILE))
            .map_err(|e| format!("cannot copy the token key: {e}"))?;
    }
    let old_head = source.head();
    let heads = Heads {
        old_head_seq: old_head.seq,
        old_head_hash: old_head.hash.to_hex(),
        new_head_seq: end.seq,
        new_head_hash: end.hash.to_hex(),
    };
    let mut text = serde_json::to_string(&heads).map_err(|e| e.to_string())?;
    text.push('\n');
    for m in &lines {
        text.push_str(&serde_json::to_string(m).map_err(|e| e.to_string())?);
        text.push('\n');
    }
    let path = args.to_data.join(STATEMENT_FILE);
    let mut file = std::fs::File::create(&path).map_err(|e| e.to_string())?;
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    let report = yinling_ledger::log::verify(&target, VerifyDepth::Full, &mut |_| {})
        .map_err(|e| e.to_string())?;
    if !report.is_ok() {
        return Err("the sealed log does not verify; do not rely on it".into());
    }
    say!(
        "sealed {} events into {} (old head seq {} hash {}; new head seq {} hash {}); the statement is {}",
        old_head.seq,
        end.seq,
        old_head.seq,
        old_head.hash,
        end.seq,
        end.hash,
        path.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// What an old event becomes: itself, or with its personal fields sealed.
fn sealed(payload: &Event, keys: &dyn Keyring) -> Result<Vec<Event>, String> {
    let seal = |id, fields: PersonalFields| -> Result<Event, String> {
        Ok(Event::PersonalDataSealed(PersonalDataSealed {
            volunteer_id: id,
            sealed: keys.seal(&id, &fields).map_err(|e| e.to_string())?,
        }))
    };
    Ok(match payload {
        Event::VolunteerRegistered(e) if !e.name.is_empty() => vec![
            Event::VolunteerRegistered(VolunteerRegistered {
                name: String::new(),
                birth_year: None,
                ..e.clone()
            }),
            seal(
                e.volunteer_id,
                PersonalFields {
                    name: Some(e.name.clone()),
                    birth_year: e.birth_year,
                    ..PersonalFields::default()
                },
            )?,
        ],
        Event::VolunteerCorrected(e) => vec![seal(
            e.volunteer_id,
            PersonalFields {
                name: Some(e.name.clone()),
                birth_year: e.birth_year,
                note: Some(e.note.clone()).filter(|n| !n.is_empty()),
                ..PersonalFields::default()
            },
        )?],
        Event::VolunteerPhoneRecorded(e) => vec![seal(
            e.volunteer_id,
            PersonalFields {
                phone_last_four: Some(e.last_four.clone()),
                ..PersonalFields::default()
            },
        )?],
        other => vec![other.clone()],
    })
}

/// Walks both logs with the statement: the heads are the ones it names, every old event is
/// where it says with the same id, time, actor and stream, unchanged unless personal, each
/// sealed blob opens with the new key store to exactly the old plain text, and a blob the
/// old log already held opens with the new key store as it did with the old.
fn check(old_dir: &Path, new_dir: &Path) -> Result<ExitCode, String> {
    super::backup::refuse_unfinished(old_dir)?;
    super::backup::refuse_unfinished(new_dir)?;
    let old = SledLog::open(old_dir, OpenMode::MustExist).map_err(|e| e.to_string())?;
    let new = SledLog::open(new_dir, OpenMode::MustExist).map_err(|e| e.to_string())?;
    let old_keys = old.keyring().map_err(|e| e.to_string())?;
    let keys = new.keyring().map_err(|e| e.to_string())?;
    let path = new_dir.join(STATEMENT_FILE);
    let file = std::fs::File::open(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut lines = BufReader::new(file).lines();
    let first = lines
        .next()
        .ok_or("the statement is empty")?
        .map_err(|e| e.to_string())?;
    let heads: Heads =
        serde_json::from_str(&first).map_err(|e| format!("statement line 1: {e}"))?;
    let (oh, nh) = (old.head(), new.head());
    if (oh.seq, oh.hash.to_hex()) != (heads.old_head_seq, heads.old_head_hash.clone()) {
        return Err(format!("the old log's head (seq {} hash {}) is not the one the statement names (seq {} hash {})", oh.seq, oh.hash, heads.old_head_seq, heads.old_head_hash));
    }
    if (nh.seq, nh.hash.to_hex()) != (heads.new_head_seq, heads.new_head_hash.clone()) {
        return Err(format!("the new log's head (seq {} hash {}) is not the one the statement names (seq {} hash {})", nh.seq, nh.hash, heads.new_head_seq, heads.new_head_hash));
    }
    let mut new_events = EnvelopeIter::checked(&new, Head::default());
    let mut olds = EnvelopeIter::checked(&old, Head::default());
    let mut checked = 0u64;
    for (i, line) in lines.enumerate() {
        let line = line.map_err(|e| e.to_string())?;
        let m: Mapping =
            serde_json::from_str(&line).map_err(|e| format!("statement line {}: {e}", i + 2))?;
        let o = olds
            .next()
            .ok_or("the statement names more events than the old log holds")?
            .map_err(|e| e.to_string())?;
        let mut became = Vec::new();
        for seq in &m.new {
            let n = new_events
                .next()
                .ok_or("the statement names more events than the new log holds")?
                .map_err(|e| e.to_string())?;
            if n.seq != *seq {
                return Err(format!(
                    "old seq {}: the statement says new seq {seq}, the new log has {} there",
                    o.seq, n.seq
                ));
            }
            became.push(n);
        }
        if o.seq != m.old {
            return Err(format!(
                "statement line {}: names old seq {}, the old log has seq {} there",
                i + 2,
                m.old,
                o.seq
            ));
        }
        same_but_sealed(&o, &became, (old_keys.as_ref(), keys.as_ref()))?;
        checked += 1;
    }
    if olds.next().is_some() || new_events.next().is_some() {
        return Err("a log holds events the statement does not name".into());
    }
    say!(
        "ok: {checked} events; nothing but the personal fields changed; old head seq {} hash {}, new head seq {} hash {}",
        oh.seq, oh.hash, nh.seq, nh.hash
    );
    Ok(ExitCode::SUCCESS)
}

/// The events `old` became are it, its personal fields sealed (`keys`: the old log's key
/// store and the new one's).
fn same_but_sealed(
    old: &Envelope,
    became: &[Envelope],
    (old_keys, keys): (&dyn Keyring, &dyn Keyring),
) -> Result<(), String> {
    let fail = |what: &str| Err(format!("old seq {}: {what}", old.seq));
    let Some(first) = became.first() else {
        return fail("it became nothing");
    };
    if first.id != old.id
        || first.recorded_at != old.recorded_at
        || first.actor != old.actor
        || first.stream != old.stream
        || became
            .iter()
            .any(|b| b.idempotency_key != old.idempotency_key)
    {
        return fail("its id, time, actor, stream or idempotency key changed");
    }
    let opened = |n: &Envelope| -> Result<PersonalFields, String> {
        match &n.payload {
            Event::PersonalDataSealed(s) => keys
                .open(&s.volunteer_id, &s.sealed)
                .map_err(|e| e.to_string())?
                .ok_or_else(|| format!("new seq {}: no key opens it", n.seq)),
            _ => Err(format!("new seq {}: expected the sealed fields", n.seq)),
        }
    };
    let expect = |n: &Envelope, want: PersonalFields| -> Result<(), String> {
        if opened(n)? != want {
            return Err(format!(
                "new seq {}: the sealed fields differ from the old plain text",
                n.seq
            ));
        }
        Ok(())
    };
    match (&old.payload, became) {
        (Event::VolunteerRegistered(e), [r, s]) if !e.name.is_empty() => {
            let blank = Event::VolunteerRegistered(VolunteerRegistered {
                name: String::new(),
                birth_year: None,
                ..e.clone()
            });
            if r.payload != blank {
                return fail("the registration changed beyond its personal fields");
            }
            expect(
                s,
                PersonalFields {
                    name: Some(e.name.clone()),
                    birth_year: e.birth_year,
                    ..PersonalFields::default()
                },
            )
        }
        (Event::VolunteerCorrected(e), [s]) => expect(
            s,
            PersonalFields {
                name: Some(e.name.clone()),
                birth_year: e.birth_year,
                note: Some(e.note.clone()).filter(|n| !n.is_empty()),
                ..PersonalFields::default()
            },
        ),
        (Event::VolunteerPhoneRecorded(e), [s]) => expect(
            s,
            PersonalFields {
                phone_last_four: Some(e.last_four.clone()),
                ..PersonalFields::default()
            },
        ),
        // Sealed already (written after the upgrade): copied as it was, and it must open in
        // the new directory to what it opened to in the old (an erased volunteer's to nothing
        // in both).
        (Event::PersonalDataSealed(s), [n]) if old.payload == n.payload => {
            let before = old_keys
                .open(&s.volunteer_id, &s.sealed)
                .map_err(|e| e.to_string())?;
            let after = keys
                .open(&s.volunteer_id, &s.sealed)
                .map_err(|e| e.to_string())?;
            if before != after {
                return fail("its sealed fields no longer open as they did in the old directory");
            }
            Ok(())
        }
        (payload, [n]) if *payload == n.payload => Ok(()),
        _ => fail("it changed"),
    }
}
