//! Signed checkpoints: the log's size, its Merkle root and the time, signed with ed25519 in
//! the plain-text checkpoint format transparency logs use (C2SP `tlog-checkpoint` in a
//! `signed-note`), so a checkpoint printed on a noticeboard or in a newspaper can be checked
//! by anyone holding the log's public key, and compared with anyone else's.
//!
//! ```text
//! yinling.example.gov.cn/log
//! 1060281
//! 0aBc...base64 root...=
//! Time: 2026-11-30T18:30:00Z
//!
//! — yinling.example.gov.cn/log AbCd...base64(key id || signature)...
//! ```

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use ed25519_dalek::{
    Signature, Signer as _, SigningKey, Verifier as _, VerifyingKey, SIGNATURE_LENGTH,
};
use sha2::{Digest as _, Sha256};

use crate::digest::Hash;
use crate::limits::NOTE_KEY_ID_BYTES;
use crate::time::Timestamp;

/// The signature algorithm byte of ed25519 in a note's key id.
const ED25519: u8 = 0x01;

/// Why a checkpoint does not read or verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckpointError {
    /// The text is not a checkpoint.
    #[error("not a checkpoint: {0}")]
    Malformed(String),
    /// No signature by the key named, or a signature that does not verify.
    #[error("the checkpoint is not signed by {0}")]
    Unsigned(String),
}

/// What a checkpoint says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    /// The log's name (its origin line), e.g. `yinling.example.gov.cn/log`.
    pub origin: String,
    /// Events in the log.
    pub size: u64,
    /// The Merkle root of the log of that size.
    pub root: Hash,
    /// When it was signed.
    pub time: Timestamp,
}

/// The 4-byte id of a note key: the first bytes of SHA-256(name, a newline, 0x01, the key).
pub fn key_id(name: &str, key: &VerifyingKey) -> [u8; NOTE_KEY_ID_BYTES] {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update(b"\n");
    h.update([ED25519]);
    h.update(key.as_bytes());
    let mut id = [0u8; NOTE_KEY_ID_BYTES];
    id.copy_from_slice(&h.finalize()[..NOTE_KEY_ID_BYTES]);
    id
}

/// The public key as a note verifier key: `name+hex(key id)+base64(0x01 || key)`, the one
/// line a verifier is given.
pub fn verifier_key(name: &str, key: &VerifyingKey) -> String {
    let mut bytes = vec![ED25519];
    bytes.extend_from_slice(key.as_bytes());
    format!(
        "{name}+{}+{}",
        hex::encode(key_id(name, key)),
        B64.encode(bytes)
    )
}

/// Reads a verifier key line back (name and key).
pub fn parse_verifier_key(text: &str) -> Result<(String, VerifyingKey), CheckpointError> {
    let bad = |why: &str| CheckpointError::Malformed(format!("verifier key: {why}"));
    // The name cannot hold a '+', the base64 key can: split from the left.
    let mut parts = text.trim().splitn(3, '+');
    let (Some(name), Some(id), Some(key)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(bad("expected name+id+key"));
    };
    let bytes = B64.decode(key).map_err(|_| bad("the key is not base64"))?;
    let Some((&ED25519, raw)) = bytes.split_first() else {
        return Err(bad("not an ed25519 key"));
    };
    let raw: [u8; 32] = raw
        .try_into()
        .map_err(|_| bad("an ed25519 key is 32 bytes"))?;
    let key = VerifyingKey::from_bytes(&raw).map_err(|_| bad("not a valid ed25519 key"))?;
    if hex::encode(key_id(name, &key)) != id {
        return Err(bad("the id does not match the name and key"));
    }
    Ok((name.to_owned(), key))
}

impl Checkpoint {
    /// The signed text's body: origin, size, root (base64), the time as an extension line.
    pub fn body(&self) -> String {
        format!(
            "{}\n{}\n{}\nTime: {}\n",
            self.origin,
            self.size,
            B64.encode(self.root.0),
            self.time.to_rfc3339()
        )
    }

    /// The checkpoint signed by `key` under the log's name (its origin).
    pub fn sign(&self, key: &SigningKey) -> String {
        let body = self.body();
        let signature: Signature = key.sign(body.as_bytes());
        let mut blob = key_id(&self.origin, &key.verifying_key()).to_vec();
        blob.extend_from_slice(&signature.to_bytes());
        format!("{body}\n\u{2014} {} {}\n", self.origin, B64.encode(blob))
    }

    /// The checkpoints of a collected file, one piece each: a body, a blank line, its signature
    /// lines. A piece ends where its signature lines do, however many blank lines (none, one or
    /// more) follow, so that no checkpoint is read as part of the one before it and never checked.
    pub fn split_collected(text: &str) -> Vec<String> {
        let mut pieces = Vec::new();
        let mut piece = String::new();
        let mut signatures = false;
        for line in text.lines() {
            let line = line.trim_end_matches('\r');
            if signatures {
                if line.starts_with("\u{2014} ") {
                    piece.push_str(line);
                    piece.push('\n');
                    continue;
                }
                pieces.push(std::mem::take(&mut piece));
                signatures = false;
            }
            if line.trim().is_empty() {
                if !piece.is_empty() {
                    piece.push('\n');
                    signatures = true;
                }
                continue;
            }
            piece.push_str(line);
            piece.push('\n');
        }
        if !piece.is_empty() {
            pieces.push(piece);
        }
        pieces
    }

    /// Reads a signed checkpoint and checks its signature by `name`'s `key`.
    pub fn verify(
        text: &str,
        name: &str,
        key: &VerifyingKey,
    ) -> Result<Checkpoint, CheckpointError> {
        let Some((body, signatures)) = text.split_once("\n\n") else {
            return Err(CheckpointError::Malformed(
                "no blank line before the signatures".into(),
            ));
        };
        let body = format!("{body}\n");
        let checkpoint = Checkpoint::parse_body(&body)?;
        // The origin is the one line of the signed body that names the log: a checkpoint the
        // same key signed for another log (a training copy restored from a backup) is not
        // this log's, however good its signature.
        if checkpoint.origin != name {
            return Err(CheckpointError::Malformed(format!(
                "it was signed for the log {:?}, not {name:?}",
                checkpoint.origin
            )));
        }
        let id = key_id(name, key);
        // Anything but a signature line after the blank line may be another checkpoint that
        // would otherwise go unchecked: refused, not skipped.
        if let Some(line) = signatures
            .lines()
            .find(|l| !l.trim().is_empty() && !l.starts_with("\u{2014} "))
        {
            return Err(CheckpointError::Malformed(format!(
                "after the blank line only signature lines may follow, not {line:?}"
            )));
        }
        for line in signatures.lines() {
            let Some(rest) = line.strip_prefix("\u{2014} ") else {
                continue;
            };
            let Some((signer, blob)) = rest.rsplit_once(' ') else {
                continue;
            };
            let Ok(blob) = B64.decode(blob) else {
                continue;
            };
            let Some((blob_id, signature)) = blob.split_at_checked(NOTE_KEY_ID_BYTES) else {
                continue;
            };
            if signer != name || blob_id != id {
                continue;
            }
            let Ok(bytes) = <[u8; SIGNATURE_LENGTH]>::try_from(signature) else {
                continue;
            };
            if key
                .verify(body.as_bytes(), &Signature::from_bytes(&bytes))
                .is_ok()
            {
                return Ok(checkpoint);
            }
        }
        Err(CheckpointError::Unsigned(name.to_owned()))
    }

    /// What a checkpoint says, its signature not checked: for showing one the service
    /// signed itself (a statement's footer). Anyone checking uses [`Checkpoint::verify`].
    pub fn read_unchecked(text: &str) -> Result<Checkpoint, CheckpointError> {
        let body = text.split_once("\n\n").map(|(b, _)| b).unwrap_or(text);
        Checkpoint::parse_body(&format!("{}\n", body.trim_end()))
    }

    fn parse_body(body: &str) -> Result<Checkpoint, CheckpointError> {
        let bad = |why: String| CheckpointError::Malformed(why);
        let mut lines = body.lines();
        let origin = lines
            .next()
            .filter(|l| !l.is_empty())
            .ok_or_else(|| bad("no origin line".into()))?;
        let size = lines
            .next()
            .and_then(|l| l.parse::<u64>().ok())
            .ok_or_else(|| bad("the second line is not the log size".into()))?;
        let root = lines
            .next()
            .and_then(|l| B64.decode(l).ok())
            .and_then(|b| Hash::from_bytes(&b))
            .ok_or_else(|| bad("the third line is not a base64 root hash".into()))?;
        let time = lines
            .find_map(|l| l.strip_prefix("Time: "))
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
            .map(|t| Timestamp::from_datetime(&t))
            .ok_or_else(|| bad("no Time: line".into()))?;
        Ok(Checkpoint {
            origin: origin.to_owned(),
            size,
            root,
            time,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(n: u8) -> SigningKey {
        SigningKey::from_bytes(&[n; 32])
    }

    fn checkpoint() -> Checkpoint {
        Checkpoint {
            origin: "yinling.example/log".into(),
            size: 1_060_281,
            root: Hash::of(b"root"),
            time: Timestamp(1_796_000_000_000_000),
        }
    }

    #[test]
    fn a_signed_checkpoint_reads_back_and_only_its_key_verifies_it() {
        let c = checkpoint();
        let text = c.sign(&key(1));
        assert!(text.starts_with("yinling.example/log\n1060281\n"), "{text}");
        assert!(text.contains("\n\n\u{2014} yinling.example/log "), "{text}");
        let public = key(1).verifying_key();
        assert_eq!(Checkpoint::verify(&text, &c.origin, &public), Ok(c.clone()));
        assert!(Checkpoint::verify(&text, &c.origin, &key(2).verifying_key()).is_err());
        // A changed size or root, or the right key under another name: refused.
        let forged = text.replacen("1060281", "1060282", 1);
        assert!(Checkpoint::verify(&forged, &c.origin, &public).is_err());
        assert!(Checkpoint::verify(&text, "another/log", &public).is_err());
    }

    #[test]
    fn a_checkpoint_the_same_key_signed_for_another_log_is_not_this_logs() {
        // A training copy restored from a backup signs with production's key under its own
        // name; its signature line renamed to production's still carries a good signature
        // over a body that names the training log.
        let training = Checkpoint {
            origin: "training.example/log".into(),
            ..checkpoint()
        };
        let text = training.sign(&key(1));
        let public = key(1).verifying_key();
        let (body, _) = text.split_once("\n\n").expect("body");
        let signature = key(1).sign(format!("{body}\n").as_bytes());
        let mut blob = key_id("yinling.example/log", &public).to_vec();
        blob.extend_from_slice(&signature.to_bytes());
        let renamed = format!(
            "{body}\n\n\u{2014} yinling.example/log {}\n",
            B64.encode(blob)
        );
        assert!(matches!(
            Checkpoint::verify(&renamed, "yinling.example/log", &public),
            Err(CheckpointError::Malformed(why)) if why.contains("training.example/log")
        ));
    }

    #[test]
    fn a_collected_file_splits_after_each_checkpoints_signatures_whatever_the_blank_lines() {
        let one = checkpoint().sign(&key(1));
        let two = Checkpoint {
            size: 1_060_300,
            ..checkpoint()
        }
        .sign(&key(1));
        for gap in ["", "\n", "\n\n", "\r\n\n\n\n"] {
            let file = format!("\n{one}{gap}{two}{gap}");
            assert_eq!(
                Checkpoint::split_collected(&file),
                vec![one.clone(), two.clone()],
                "{gap:?}"
            );
        }
        // Read as one piece, the second would have gone unchecked: refused instead.
        let joined = format!("{one}{two}");
        assert!(matches!(
            Checkpoint::verify(&joined, "yinling.example/log", &key(1).verifying_key()),
            Err(CheckpointError::Malformed(_))
        ));
    }

    #[test]
    fn every_verifier_key_line_round_trips_whatever_its_base64_holds() {
        for n in 0..=255u8 {
            let public = key(n).verifying_key();
            let line = verifier_key("yinling", &public);
            assert_eq!(
                parse_verifier_key(&line),
                Ok(("yinling".to_owned(), public)),
                "{line}"
            );
        }
    }

    #[test]
    fn a_verifier_key_line_round_trips_and_a_wrong_id_is_named() {
        let public = key(3).verifying_key();
        let line = verifier_key("yinling.example/log", &public);
        assert_eq!(
            parse_verifier_key(&line),
            Ok(("yinling.example/log".to_owned(), public))
        );
        let wrong = line.replacen('+', "+00", 1);
        assert!(parse_verifier_key(&wrong).is_err());
    }
}
