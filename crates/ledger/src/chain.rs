//! The hash chain: sealing drafts into envelopes, and checking records link up.
//!
//! `hash_n = SHA-256(hash_{n-1} || canonical_bytes_n)`, with `hash_0` all zeros. Because each
//! link covers the previous hash, changing any stored byte changes every later hash, so the
//! head `(seq, hash)` an auditor wrote down can no longer be reproduced.

use crate::codec::{self, CodecError};
use crate::digest::Hash;
use crate::envelope::{Actor, Envelope, Head, StreamId, CURRENT_SCHEMA_VERSION};
use crate::event::Event;
use crate::ids::EventId;
use crate::time::Timestamp;

/// An event ready to be sealed: everything but its position in the log.
#[derive(Clone, Debug)]
pub struct Draft {
    /// Target stream.
    pub stream: StreamId,
    /// Version within the stream.
    pub stream_version: u64,
    /// When it is recorded.
    pub recorded_at: Timestamp,
    /// Who caused it.
    pub actor: Actor,
    /// The command's idempotency key, if any.
    pub idempotency_key: Option<String>,
    /// The fact.
    pub payload: Event,
}

impl Draft {
    /// A system event recorded now as the first version of its stream, with no idempotency
    /// key: what the benchmarks' generated logs are made of.
    pub fn system(stream: StreamId, payload: Event) -> Self {
        Draft {
            stream,
            stream_version: 1,
            recorded_at: Timestamp::now(),
            actor: Actor::SYSTEM,
            idempotency_key: None,
            payload,
        }
    }
}

/// A sealed event: the envelope and its stored bytes.
#[derive(Clone, Debug)]
pub struct Sealed {
    /// The envelope, with seq and hash set.
    pub envelope: Envelope,
    /// The record bytes as they will be stored.
    pub record: Vec<u8>,
}

/// The writer's end of the chain: assigns seqs and hashes.
#[derive(Clone, Copy, Debug)]
pub struct Chain {
    head: Head,
}

impl Chain {
    /// Continues the chain after `head`.
    pub fn after(head: Head) -> Self {
        Chain { head }
    }

    /// The last sealed position.
    pub fn head(&self) -> Head {
        self.head
    }

    /// Seals a draft as the next event.
    pub fn seal(&mut self, draft: Draft) -> Result<Sealed, CodecError> {
        let mut envelope = Envelope {
            seq: self.head.seq + 1,
            id: EventId::generate(),
            stream: draft.stream,
            stream_version: draft.stream_version,
            recorded_at: draft.recorded_at,
            actor: draft.actor,
            idempotency_key: draft.idempotency_key,
            schema_version: CURRENT_SCHEMA_VERSION,
            payload: draft.payload,
            prev_hash: self.head.hash,
            hash: Hash::GENESIS,
        };
        let mut record = codec::canonical_bytes(&envelope)?;
        let hash = Hash::link(&self.head.hash, &record);
        record.extend_from_slice(&hash.0);
        envelope.hash = hash;
        self.head = Head {
            seq: envelope.seq,
            hash,
        };
        Ok(Sealed { envelope, record })
    }
}

/// Checks records one after another against the chain.
#[derive(Clone, Copy, Debug)]
pub struct ChainCheck {
    expected: Head,
}

/// A record that does not belong where it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Broken {
    /// The seq at which the record was expected.
    pub seq: u64,
    /// What is wrong.
    pub detail: String,
}

impl Broken {
    /// A stored group that does not start where the chain goes on (`expected`).
    pub fn missing(expected: u64, found: u64) -> Self {
        Broken {
            seq: expected,
            detail: format!("missing: the next stored group starts at seq {found}"),
        }
    }

    /// A group whose records cannot be read, from the record expected at `seq` on.
    pub fn unreadable(seq: u64, e: &CodecError) -> Self {
        Broken {
            seq,
            detail: format!("segment unreadable: {e}"),
        }
    }

    /// A record whose stored hash is not the link of the record before and its bytes.
    pub fn mismatch(seq: u64, stored: &Hash, computed: &Hash) -> Self {
        Broken {
            seq,
            detail: format!(
                "stored hash {stored} does not match the computed {computed}: the record or one before it was altered"
            ),
        }
    }

    /// The chain ends at `verified` but the log claims `claimed`; `None` when they agree.
    pub fn short_of(claimed: Head, verified: Head) -> Option<Self> {
        (verified != claimed).then(|| Broken {
            seq: verified.seq + 1,
            detail: format!(
                "the log claims head seq {} but the chain ends at seq {}",
                claimed.seq, verified.seq
            ),
        })
    }
}

impl ChainCheck {
    /// Starts after `head` (use `Head::default()` for the whole log).
    pub fn after(head: Head) -> Self {
        ChainCheck { expected: head }
    }

    /// The last record accepted.
    pub fn head(&self) -> Head {
        self.expected
    }

    /// Accepts the next record if its hash links to the previous one (bytes are not decoded).
    pub fn check_hash(&mut self, record: &[u8]) -> Result<Head, Broken> {
        let seq = self.expected.seq + 1;
        let (canonical, stored) = codec::split_record(record).map_err(|e| Broken {
            seq,
            detail: e.to_string(),
        })?;
        let computed = Hash::link(&self.expected.hash, canonical);
        if computed != stored {
            return Err(Broken::mismatch(seq, &stored, &computed));
        }
        self.expected = Head { seq, hash: stored };
        Ok(self.expected)
    }

    /// Accepts the next record if it links, decodes, and its fields match its place. A
    /// record that links but fails the rest is not accepted: the check stays before it, so
    /// a report's last verified event is never the damaged one.
    pub fn check_full(&mut self, record: &[u8]) -> Result<Envelope, Broken> {
        let seq = self.expected.seq + 1;
        let prev = self.expected.hash;
        let mut linked = ChainCheck::after(self.expected);
        linked.check_hash(record)?;
        let envelope = codec::decode_record(record).map_err(|e| Broken {
            seq,
            detail: format!("does not decode: {e}"),
        })?;
        if envelope.seq != seq {
            return Err(Broken {
                seq,
                detail: format!("record says seq {}", envelope.seq),
            });
        }
        if envelope.prev_hash != prev {
            return Err(Broken {
                seq,
                detail: "record's prev_hash does not match the previous event".into(),
            });
        }
        *self = linked;
        Ok(envelope)
    }
}
