//! Token secrets: minted from a key kept beside the log, hashed before they reach the log.
//!
//! A token's secret is `yl_` + base64url(HMAC-SHA256(mint key, token id)). Deriving it, rather
//! than drawing it at random, is what lets a retried `POST /v1/tokens` (or a re-submitted
//! card form) with the same Idempotency-Key return the very same secret. The log only ever
//! holds SHA-256 of a secret; the mint key never leaves the data directory (or, on a NATS
//! log, the cluster's bucket).

use std::path::Path;

use base64::Engine as _;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use yinling_ledger::{ActivityId, Hash, RedemptionId, TokenId};

/// File name of the mint key inside the data directory.
pub const MINT_KEY_FILE: &str = "token-mint.key";

/// Prefix of every minted secret (helps secret scanners recognise a leaked token).
pub const SECRET_PREFIX: &str = "yl_";

/// Derives token secrets.
#[derive(Clone)]
pub struct TokenMint {
    key: [u8; 32],
}

impl TokenMint {
    /// A mint on a key shared by several nodes (kept beside a replicated log).
    pub fn from_key(key: [u8; 32]) -> Self {
        TokenMint { key }
    }

    /// Loads the key from the data directory, creating it (mode 0600) on first use.
    pub fn load_or_create(data_dir: &Path) -> std::io::Result<Self> {
        let mut fresh = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut fresh);
        yinling_ledger::keyfile::load_or_create(&data_dir.join(MINT_KEY_FILE), fresh)
            .map(|key| TokenMint { key })
    }

    /// The secret of a token.
    pub fn secret(&self, token_id: &TokenId) -> String {
        let mut mac = match <Hmac<Sha256> as Mac>::new_from_slice(&self.key) {
            Ok(mac) => mac,
            Err(_) => unreachable!("HMAC accepts keys of any length"),
        };
        mac.update(token_id.0.as_bytes());
        let tag = mac.finalize().into_bytes();
        format!(
            "{SECRET_PREFIX}{}",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(tag)
        )
    }
}

impl TokenMint {
    /// The code of a rate voucher: fifteen digits of HMAC-SHA256(mint key, "voucher" and the
    /// redemption id), then a Luhn check digit. Derived, like a token's secret, so the
    /// volunteer's page can show it again and a retried hand-over issues the same code;
    /// whoever reads the log sees only its keyed digest ([`TokenMint::voucher_code_digest`]).
    pub fn voucher_code(&self, redemption: &RedemptionId) -> String {
        let mut mac = match <Hmac<Sha256> as Mac>::new_from_slice(&self.key) {
            Ok(mac) => mac,
            Err(_) => unreachable!("HMAC accepts keys of any length"),
        };
        mac.update(b"voucher");
        mac.update(redemption.0.as_bytes());
        let tag = mac.finalize().into_bytes();
        let mut n = [0u8; 16];
        n.copy_from_slice(&tag[..16]);
        let body = format!("{:015}", u128::from_le_bytes(n) % 10u128.pow(15));
        format!("{body}{}", crate::vouchers::luhn_digit(&body))
    }
}

impl TokenMint {
    fn mac(&self) -> Hmac<Sha256> {
        match <Hmac<Sha256> as Mac>::new_from_slice(&self.key) {
            Ok(mac) => mac,
            Err(_) => unreachable!("HMAC accepts keys of any length"),
        }
    }

    /// The one-time code of an activity's `number`th confirmation request: twelve digits of
    /// HMAC-SHA256(mint key, "confirm", the activity id, the number). Derived, so a retried
    /// request shows the same code; the log holds only [`TokenMint::code_digest`] of it.
    pub fn confirmation_code(&self, activity: &ActivityId, number: u32) -> String {
        let mut mac = self.mac();
        mac.update(b"confirm");
        mac.update(activity.0.as_bytes());
        mac.update(&number.to_le_bytes());
        let tag = mac.finalize().into_bytes();
        let mut n = [0u8; 16];
        n.copy_from_slice(&tag[..16]);
        format!(
            "{:012}",
            u128::from_le_bytes(n) % 10u128.pow(crate::limits::CONFIRMATION_CODE_DIGITS)
        )
    }

    /// The six digits a volunteer shows to collect the hold `redemption`:
    /// HMAC-SHA256(mint key, "pickup", the id). A station's queue lists the ids of the holds
    /// waiting there, so a code read off the id would let a clerk hand a reward over without
    /// its volunteer; derived, so a retried request draws the same code.
    pub fn pickup_code(&self, redemption: &yinling_ledger::RedemptionId) -> String {
        let mut mac = self.mac();
        mac.update(b"pickup");
        mac.update(redemption.0.as_bytes());
        let tag = mac.finalize().into_bytes();
        let mut n = [0u8; 16];
        n.copy_from_slice(&tag[..16]);
        let digits = yinling_projections::limits::PICKUP_CODE_DIGITS;
        format!(
            "{:0width$}",
            u128::from_le_bytes(n) % 10u128.pow(digits),
            width = digits as usize
        )
    }

    /// The digest the log keeps of a hold's pickup code, and a typed code is compared by:
    /// HMAC-SHA256(mint key, "pickup-digest", the id, the digits). Keyed, so whoever reads
    /// the log cannot try the million codes of a waiting hold against it; bound to the hold,
    /// so two holds with the same digits do not share a digest.
    pub fn pickup_code_digest(
        &self,
        redemption: &yinling_ledger::RedemptionId,
        code: &str,
    ) -> [u8; 32] {
        let mut mac = self.mac();
        mac.update(b"pickup-digest");
        mac.update(redemption.0.as_bytes());
        mac.update(code.as_bytes());
        mac.finalize().into_bytes().into()
    }

    /// The code a volunteer shows to collect a hold, as the log has it: written out in the
    /// holds recorded before the log kept digests, derived again under this key otherwise.
    /// `None` for a hold from before pickup codes.
    pub fn shown_pickup_code(
        &self,
        redemption: &yinling_ledger::RedemptionId,
        kept: Option<&yinling_projections::redemptions::PickupCode>,
    ) -> Option<String> {
        use yinling_projections::redemptions::PickupCode;
        match kept? {
            PickupCode::Written(code) => Some(code.clone()),
            PickupCode::Digest(_) => Some(self.pickup_code(redemption)),
        }
    }

    /// A PIN as typed for `volunteer`, with the keyed digest the log keeps of it:
    /// HMAC-SHA256(mint key, "pin-digest", the volunteer's id, the digits). Keyed so that
    /// whoever reads the log (an auditor, a copy of the log) cannot try the million PINs of
    /// six digits against it; bound to the volunteer so two who chose the same PIN do not
    /// show it.
    pub fn typed_pin(
        &self,
        volunteer: &yinling_ledger::VolunteerId,
        digits: &str,
    ) -> yinling_projections::TypedPin {
        let mut mac = self.mac();
        mac.update(b"pin-digest");
        mac.update(volunteer.0.as_bytes());
        mac.update(digits.as_bytes());
        yinling_projections::TypedPin {
            digits: digits.to_owned(),
            keyed: Hash(mac.finalize().into_bytes().into()),
        }
    }

    /// The digest kept with the idempotency key of a request that carries a PIN:
    /// HMAC-SHA256(mint key, "request-digest", the request's own digest). The request's own
    /// digest is SHA-256 of its bytes, all of them known from the log but the PIN.
    pub fn keyed_request_digest(&self, digest: &Hash) -> Hash {
        let mut mac = self.mac();
        mac.update(b"request-digest");
        mac.update(&digest.0);
        Hash(mac.finalize().into_bytes().into())
    }

    /// The keyed digest a rate voucher's code is recorded (`VoucherHandedOver`) and looked up
    /// by: HMAC-SHA256(mint key, "voucher-digest", the sixteen digits). Not bound to the
    /// redemption, because the bank looks a voucher up by its code alone; keyed, so whoever
    /// reads the log cannot try the codes' fifteen digits against every voucher at once.
    pub fn voucher_code_digest(&self, code: &str) -> Hash {
        let mut mac = self.mac();
        mac.update(b"voucher-digest");
        mac.update(code.as_bytes());
        Hash(mac.finalize().into_bytes().into())
    }

    /// The keyed digest a confirmation code is recorded and looked up by: whoever reads the
    /// log cannot try every twelve-digit code against it without the mint key.
    pub fn code_digest(&self, code: &str) -> [u8; 32] {
        let mut mac = self.mac();
        mac.update(b"confirm-digest");
        mac.update(code.as_bytes());
        mac.finalize().into_bytes().into()
    }
}

impl TokenMint {
    /// The key the log's checkpoints are signed with: an ed25519 key whose seed is
    /// HMAC-SHA256(mint key, "checkpoint"), so every node of a cluster (which shares the mint
    /// key) signs with the same key, and it lives wherever the mint key lives.
    pub fn checkpoint_key(&self) -> ed25519_dalek::SigningKey {
        let mut mac = self.mac();
        mac.update(b"yinling checkpoint signing key");
        ed25519_dalek::SigningKey::from_bytes(&mac.finalize().into_bytes().into())
    }
}

/// SHA-256 of a presented secret, as stored in `TokenIssued`.
pub fn secret_hash(secret: &str) -> [u8; 32] {
    Hash::of(secret.as_bytes()).0
}

/// A fresh random secret (for the first admin token when none is given).
pub fn random_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!(
        "{SECRET_PREFIX}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}
