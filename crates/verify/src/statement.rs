//! A statement or a voucher check, line by line: each line's event is in the checkpoint it
//! names, by its inclusion proof (RFC 9162), against a checkpoint the holder trusts.
//!
//! Two shapes are read. The spreadsheet a volunteer downloads (`/me/statement.csv`, or `yinling
//! export --what statement`): UTF-8 with or without a byte-order mark, or as Excel saves it
//! again (GB18030 CSV, UTF-16 text with tabs), headers in English or
//! Chinese, the columns `seq`/`序号`, `event_hash`/`事件哈希`, `checkpoint_size`/`检查点条数`
//! and `inclusion_proof`/`包含证明` (hashes separated by spaces); a cell may carry the `'`
//! Excel's formula guard puts in front. The JSON of the API (a statement page, a voucher
//! check): every object with `seq`, `event_hash`, `checkpoint_size` and `path`, and the signed
//! `checkpoint` text it carries, which is checked with the trusted key like any other.

use std::path::{Path, PathBuf};

use ed25519_dalek::VerifyingKey;
use yinling_ledger::checkpoint::Checkpoint;
use yinling_ledger::merkle::{leaf_hash, verify_inclusion};
use yinling_ledger::{EventLog, Hash};

/// One line's proof, as read.
#[derive(Debug)]
pub struct Line {
    /// Where it was read: the file and the line or item.
    pub at: String,
    /// The event.
    pub seq: u64,
    /// Its chain hash.
    pub event_hash: Hash,
    /// The checkpoint size it is proven against.
    pub size: u64,
    /// The inclusion proof.
    pub path: Vec<Hash>,
}

/// What a statement check found.
pub struct Found {
    /// What was checked, in words.
    pub said: Vec<String>,
    /// The lines proven (checked against a copy of the log when one is given).
    pub lines: Vec<Line>,
    /// The checkpoints the file carried that were not among those collected, in words: their
    /// roots are trusted only once a copy of the log shows them.
    pub carried: Vec<String>,
}

fn hash(at: &str, what: &str, text: &str) -> Result<Hash, String> {
    let text = text.trim().trim_start_matches('\'');
    Hash::from_hex(text)
        .ok_or_else(|| format!("{at}: the {what} {text:?} is not a SHA-256 hash in hex"))
}

fn number(at: &str, what: &str, text: &str) -> Result<u64, String> {
    let text = text.trim().trim_start_matches('\'');
    text.parse()
        .map_err(|_| format!("{at}: the {what} {text:?} is not a whole number"))
}

/// A statement's text as it was saved: UTF-8 as the service hands it out (with its
/// byte-order mark), or as Excel saves it again once opened: "CSV" on a Chinese Windows is
/// GB18030 without a mark, "Unicode text" is UTF-16 with one. The proofs are hex digits and
/// numbers, the same in every encoding.
fn decode(raw: &[u8]) -> String {
    if let Some((encoding, _)) = encoding_rs::Encoding::for_bom(raw) {
        if encoding != encoding_rs::UTF_8 {
            return encoding.decode_with_bom_removal(raw).0.into_owned();
        }
    }
    match std::str::from_utf8(raw) {
        Ok(t) => t.to_owned(),
        Err(_) => encoding_rs::GB18030.decode(raw).0.into_owned(),
    }
}

/// The lines of a spreadsheet; a line without a proof (newer than the checkpoint) is counted
/// apart. Cells are separated by commas, or by tabs as Excel's "Unicode text" saves them.
fn from_csv(file: &Path, text: &str) -> Result<(Vec<Line>, usize), String> {
    let name = file.display();
    let first_line = text.lines().next().unwrap_or_default();
    let delimiter = if first_line.matches('\t').count() > first_line.matches(',').count() {
        b'\t'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| format!("{name} is not a spreadsheet (CSV): {e}"))?
        .clone();
    let column = |en: &str, zh: &str| {
        headers
            .iter()
            .position(|h| {
                let h = h.trim();
                h == en || h == zh
            })
            .ok_or_else(|| {
                format!("{name} has no column {en:?} or {zh:?}: it is not a statement with proofs")
            })
    };
    let seq_col = column("seq", "序号")?;
    let hash_col = column("event_hash", "事件哈希")?;
    let size_col = column("checkpoint_size", "检查点条数")?;
    let path_col = column("inclusion_proof", "包含证明")?;
    let (mut lines, mut unproven) = (Vec::new(), 0);
    let mut rows = std::collections::HashMap::new();
    for (i, record) in reader.records().enumerate() {
        let at = format!("{name}, line {}", i + 2);
        let record = record.map_err(|e| format!("{at}: {e}"))?;
        // One event may give a volunteer two lines (a correction and the pending points it
        // moves), but never two identical ones: a genuine line copied below itself would
        // prove twice.
        let row: Vec<String> = record.iter().map(|c| c.trim().to_owned()).collect();
        if let Some(first) = rows.insert(row, i + 2) {
            return Err(format!(
                "{at}: this line repeats line {first} exactly; a statement gives each line once"
            ));
        }
        let cell = |c: usize| record.get(c).unwrap_or("").trim();
        if cell(size_col).is_empty() {
            unproven += 1;
            continue;
        }
        lines.push(Line {
            seq: number(&at, "seq", cell(seq_col))?,
            event_hash: hash(&at, "event hash", cell(hash_col))?,
            size: number(&at, "checkpoint size", cell(size_col))?,
            path: cell(path_col)
                .trim_start_matches('\'')
                .split_whitespace()
                .map(|h| hash(&at, "proof hash", h))
                .collect::<Result<_, _>>()?,
            at,
        });
    }
    Ok((lines, unproven))
}

/// Every proof object and every checkpoint text in a JSON answer.
fn walk(
    value: &serde_json::Value,
    name: &str,
    lines: &mut Vec<Line>,
    texts: &mut Vec<String>,
) -> Result<(), String> {
    match value {
        serde_json::Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                // As in a spreadsheet: two lines of one event are allowed, two identical
                // ones are a line copied.
                if item.is_object() && items[..i].contains(item) {
                    return Err(format!(
                        "{name}: item {} of a list repeats an earlier one exactly; a statement gives each line once",
                        i + 1
                    ));
                }
                walk(item, name, lines, texts)?;
            }
        }
        serde_json::Value::Object(map) => {
            if let Some(serde_json::Value::String(t)) = map.get("checkpoint") {
                texts.push(t.clone());
            }
            if let (Some(seq), Some(h), Some(size), Some(path)) = (
                map.get("seq").and_then(|v| v.as_u64()),
                map.get("event_hash").and_then(|v| v.as_str()),
                map.get("checkpoint_size").and_then(|v| v.as_u64()),
                map.get("path").and_then(|v| v.as_array()),
            ) {
                let at = format!("{name}, the proof of event {seq}");
                lines.push(Line {
                    seq,
                    event_hash: hash(&at, "event hash", h)?,
                    size,
                    path: path
                        .iter()
                        .map(|p| hash(&at, "proof hash", p.as_str().unwrap_or("")))
                        .collect::<Result<_, _>>()?,
                    at,
                });
                return Ok(());
            }
            for v in map.values() {
                walk(v, name, lines, texts)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// Checks every line of `file` against `checkpoints` (the collected ones, with any signed
/// checkpoint the file carries added once its signature holds).
pub fn check(
    file: &PathBuf,
    name: &str,
    key: &VerifyingKey,
    checkpoints: &mut Vec<Checkpoint>,
) -> Result<Found, String> {
    let shown = file.display().to_string();
    let raw = std::fs::read(file).map_err(|e| format!("cannot read {shown}: {e}"))?;
    let text = decode(&raw);
    let text = text.trim_start_matches('\u{feff}');
    let mut said = Vec::new();
    let mut carried = Vec::new();
    let (lines, unproven) = if text.trim_start().starts_with(['{', '[']) {
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| format!("{shown} is not JSON: {e}"))?;
        let (mut lines, mut texts) = (Vec::new(), Vec::new());
        walk(&value, &shown, &mut lines, &mut texts)?;
        for t in texts {
            let c = Checkpoint::verify(&t, name, key)
                .map_err(|e| format!("the checkpoint {shown} carries: {e}"))?;
            if let Some(held) = checkpoints.iter().find(|h| h.size == c.size) {
                if held.root != c.root {
                    return Err(format!(
                        "two histories of {} events: the checkpoint {shown} carries and the one of {} you collected have different roots",
                        c.size, held.time
                    ));
                }
            } else {
                carried.push(format!(
                    "{shown} carries a checkpoint of {} events signed by {name} that you had not collected",
                    c.size
                ));
                checkpoints.push(c);
            }
        }
        (lines, 0)
    } else {
        from_csv(file, text)?
    };
    if lines.is_empty() {
        return Err(format!("{shown} holds no line with a proof"));
    }
    for line in &lines {
        let Some(c) = checkpoints.iter().find(|c| c.size == line.size) else {
            let mut sizes: Vec<u64> = checkpoints.iter().map(|c| c.size).collect();
            sizes.sort_unstable();
            sizes.dedup();
            return Err(format!(
                "{}: event {} is proven against the checkpoint of {} events, which is not among the checkpoints given (their sizes: {sizes:?}); pull the service's checkpoints (yinling checkpoints pull) and check again",
                line.at, line.seq, line.size
            ));
        };
        if line.seq == 0 {
            return Err(format!("{}: events are numbered from 1", line.at));
        }
        verify_inclusion(
            &leaf_hash(&line.event_hash.0),
            line.seq - 1,
            line.size,
            &line.path,
            &c.root,
        )
        .map_err(|e| {
            format!(
                "{}: event {} with hash {} is NOT in the checkpoint of {} events signed {}: {e}",
                line.at,
                line.seq,
                line.event_hash.to_hex(),
                c.size,
                c.time
            )
        })?;
    }
    said.push(format!(
        "{shown}: {} lines, each line's event (its number and hash) in a signed checkpoint; the figures written beside it (points, hours, balance, dates) are the service's account of that event and are not what the proof covers{}",
        lines.len(),
        if unproven > 0 {
            format!("; {unproven} newer lines are not in a checkpoint yet (in the next one)")
        } else {
            String::new()
        }
    ));
    Ok(Found {
        said,
        lines,
        carried,
    })
}

/// Checks that each proven line names the event the log holds at its number (a statement
/// line's hash is the event's chain hash, so a line cannot be moved to another event).
pub fn against_log(log: &dyn EventLog, lines: &[Line]) -> Result<(), String> {
    for line in lines {
        let event = yinling_ledger::log::get(log, line.seq)
            .map_err(|e| format!("cannot read event {} of the log: {e}", line.seq))?
            .ok_or_else(|| format!("{}: the log has no event {}", line.at, line.seq))?;
        if event.hash != line.event_hash {
            return Err(format!(
                "{}: event {} has hash {} in the log, the statement says {}",
                line.at,
                line.seq,
                event.hash.to_hex(),
                line.event_hash.to_hex()
            ));
        }
    }
    Ok(())
}
