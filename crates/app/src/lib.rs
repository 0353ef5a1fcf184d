//! The application layer of Yinling: everything the front ends (the HTTP API, the web app,
//! the command line) share, written once.
//!
//! It opens the log and runs the ledger ([`engine`]: the group-commit writer and its state
//! machine, snapshots, replays as of a past seq), takes part in a cluster ([`cluster`]),
//! mints token secrets ([`mint`]), submits commands and returns typed results built only
//! from their own events ([`answers`]), refuses with typed errors ([`error`]), checks what a
//! person typed ([`input`]), builds the reports every front end shows ([`reports`]) and
//! writes every spreadsheet through one guarded CSV writer ([`csv`]). Who may read and
//! write what is `yinling_projections::access`, applied here and inside `decide`.
//!
//! What this crate must never do: speak HTTP or HTML (no status codes, no pages), touch the
//! filesystem itself (the ledger keeps the files), or name a storage engine's types.

pub mod answers;
pub mod cluster;
pub mod code_guesses;
pub mod confirmations;
pub mod counter;
pub mod csv;
pub mod engine;
pub mod error;
pub mod huge_pages;
pub mod idempotency;
pub mod input;
pub mod limits;
pub mod load;
pub mod machine;
pub mod metrics;
pub mod mint;
pub mod node;
pub mod notices;
pub mod onboard;
pub mod pin_attempts;
pub mod privacy;
pub mod public_url;
pub mod reports;
pub mod snapshot_check;
mod state_digest;
pub mod tree;
pub mod vouchers;
pub mod wire;
pub mod xlsx;

use std::sync::Arc;

use yinling_ledger::access_log::{AccessEntry, AccessLog};
use yinling_ledger::writer::Idempotency;
use yinling_ledger::{Timestamp, TokenId, VolunteerId};
use yinling_projections::access::{self, Read};
use yinling_projections::{Command, Principal, State};

pub use answers::{Answer, Receipt, Written};
pub use engine::{Engine, EngineConfig, EngineError, StartCheck, View};
pub use error::AppError;
pub use node::{NatsNode, Node, NodeConfig, OpenError};
pub use public_url::PublicUrl;

use crate::cluster::Cluster;
use crate::metrics::Metrics;
use crate::mint::{secret_hash, TokenMint};

/// A running ledger as every front end uses it: cheap to clone, shared by all requests.
///
/// One pointer to its parts, so that the clone every request takes (the router hands each
/// handler its own) is one shared count, not one per part: with a count per part, the two
/// cores passed the parts' counters back and forth on every request, 4% of the request
/// threads' time in a profile of the HTTP load.
#[derive(Clone)]
pub struct App(Arc<AppParts>);

impl std::ops::Deref for App {
    type Target = AppParts;

    fn deref(&self) -> &AppParts {
        &self.0
    }
}

/// What an [`App`] holds.
#[derive(Clone)]
pub struct AppParts {
    /// The ledger.
    pub engine: Arc<Engine>,
    /// Metrics of the ledger (front ends add theirs).
    pub metrics: Arc<Metrics>,
    /// Token secret derivation.
    pub mint: TokenMint,
    /// Where people reach the service, when the operator said so.
    pub public_url: Option<PublicUrl>,
    /// This node's part in a cluster, on a replicated log.
    pub cluster: Option<Arc<Cluster>>,
    /// When each token was last presented to this node since it started (kept in memory,
    /// outside the points chain; a lost card that is still being tried shows here).
    last_used: Arc<std::sync::RwLock<std::collections::HashMap<TokenId, Timestamp>>>,
    /// Who looked at whose record, outside the chain (a node opens it in its data directory).
    pub access_log: Option<Arc<AccessLog>>,
    /// Notices waiting for delivery and delivered, outside the chain (a node opens it in its
    /// data directory).
    pub outbox: Option<Arc<yinling_ledger::outbox::Outbox>>,
    /// The signed checkpoints handed out, by size, outside the chain (a node opens it in its
    /// data directory; without it checkpoints are signed but not kept).
    pub published: Option<Arc<yinling_ledger::published::PublishedCheckpoints>>,
    /// Wrong counter PINs of the last minutes, by volunteer and by caller (in memory).
    pub pin_attempts: Arc<pin_attempts::PinAttempts>,
    /// Wrong confirmation codes of this minute, node-wide (in memory).
    pub code_guesses: Arc<code_guesses::CodeGuesses>,
    /// Held while a roster is checked and imported: one import at a time (see
    /// [`onboard::check_and_apply`]).
    pub(crate) onboarding: Arc<tokio::sync::Mutex<()>>,
}

impl App {
    /// An application on an open engine (no cluster, no public URL).
    pub fn new(engine: Arc<Engine>, metrics: Arc<Metrics>, mint: TokenMint) -> App {
        App(Arc::new(AppParts {
            engine,
            metrics,
            mint,
            public_url: None,
            cluster: None,
            last_used: Arc::default(),
            access_log: None,
            outbox: None,
            published: None,
            pin_attempts: Arc::default(),
            code_guesses: Arc::default(),
            onboarding: Arc::default(),
        }))
    }

    /// The parts, to set one while the application is assembled (a clone taken before keeps
    /// the parts it was taken with).
    pub fn parts_mut(&mut self) -> &mut AppParts {
        Arc::make_mut(&mut self.0)
    }

    /// Records that `who` looked at `volunteer`'s record from `from` (a route or a page),
    /// unless it is the volunteer themself. A failure to record is logged, never shown: the
    /// reader already had the right to read.
    pub fn note_access(&self, who: &Principal, volunteer: VolunteerId, from: &str) {
        if matches!(who, Principal::Volunteer(_, me) if *me == volunteer) {
            return;
        }
        let Some(log) = &self.access_log else {
            return;
        };
        let actor = who.actor();
        let entry = AccessEntry {
            at: Timestamp::now(),
            token_id: actor.token_id,
            role: actor.role,
            volunteer_id: volunteer,
            from: from.to_owned(),
        };
        if let Err(e) = log.record(&entry) {
            tracing::warn!(error = %e, "the access log could not record a read");
        }
    }

    /// The access log between two instants, of one person or everyone (auditors only).
    pub fn access_entries(
        &self,
        who: &Principal,
        (from, to): (Timestamp, Timestamp),
        volunteer: Option<VolunteerId>,
        limit: usize,
    ) -> Result<Vec<AccessEntry>, AppError> {
        access::may_read(who, &Read::AccessLog)?;
        let Some(log) = &self.access_log else {
            return Ok(Vec::new());
        };
        log.entries(from, to, volunteer, limit)
            .map_err(|e| AppError::internal(&e))
    }

    /// The newest entries of the access log between two instants, newest first (auditors
    /// only).
    pub fn latest_access(
        &self,
        who: &Principal,
        (from, to): (Timestamp, Timestamp),
        limit: usize,
    ) -> Result<Vec<AccessEntry>, AppError> {
        access::may_read(who, &Read::AccessLog)?;
        let Some(log) = &self.access_log else {
            return Ok(Vec::new());
        };
        log.latest(from, to, limit)
            .map_err(|e| AppError::internal(&e))
    }

    /// Submits `command` as `who` and waits until its events are durable; the answer is read
    /// off those events alone (on a retry with the same key, off the first attempt's).
    pub async fn submit<A: Answer>(
        &self,
        who: &Principal,
        mut command: Command,
        key: Option<Idempotency>,
    ) -> Result<Written<A>, AppError> {
        // A hold's pickup code is drawn under the mint key, never read off its id, and the
        // log keeps only its digest; a code typed at the hand-over is digested the same way.
        match &mut command {
            Command::HoldRedemption {
                redemption_id,
                pickup_code_digest,
                ..
            } => {
                let code = self.mint.pickup_code(redemption_id);
                *pickup_code_digest = Some(self.mint.pickup_code_digest(redemption_id, &code));
            }
            Command::FulfilRedemption {
                redemption_id,
                pickup_code: Some(code),
                pickup_code_digest,
                ..
            } => {
                *pickup_code_digest =
                    Some(self.mint.pickup_code_digest(redemption_id, code.trim()));
            }
            _ => {}
        }
        // A PIN or pickup code typed at the counter is counted: too many wrong ones pause it.
        let guess = pin_attempts::guessed(who, &command);
        if let Some((secret, caller)) = &guess {
            self.pin_attempts.reserve(secret, *caller)?;
        }
        // A PIN set again or cleared (by the volunteer or their coordinator) starts afresh.
        let pin_set = match &command {
            Command::SetPin { volunteer_id, .. } => Some(*volunteer_id),
            _ => None,
        };
        // The digest kept with an idempotency key (in the index, the journal and a cluster's
        // messages, and never pruned) is keyed: a request's body is short and guessable (a
        // PIN, a pickup code, a phone's last four digits, a name and year of birth), and a
        // plain digest of it could be reversed by trying them all, after an erasure too.
        let plain = key.clone();
        let key = key.map(|mut k| {
            k.request_digest = self.mint.keyed_request_digest(&k.request_digest);
            k
        });
        // A retry of a request first sent before digests were keyed finds its entry under
        // the plain digest: asked again with that one, it gets its first answer, not a
        // refusal that would have the client send it again under a new key.
        let again = plain.is_some().then(|| command.clone());
        let mut submitted = self.engine.submit(who, command, key).await;
        if let (Err(AppError::KeyReused), Some(command)) = (&submitted, again) {
            submitted = self.engine.submit(who, command, plain).await;
        }
        if let Some((secret, caller)) = &guess {
            let how = pin_attempts::settled(secret, &submitted);
            self.pin_attempts.settle(secret, *caller, how);
        }
        if let (Some(volunteer), Ok(_)) = (pin_set, &submitted) {
            self.pin_attempts.forget(&volunteer);
        }
        let envelopes = submitted?;
        let answer = A::from_events(&envelopes).ok_or_else(|| {
            AppError::internal(&format!(
                "the events of this command do not make a {}",
                std::any::type_name::<A>()
            ))
        })?;
        Ok(Written {
            answer,
            receipt: Receipt::of(&envelopes),
        })
    }

    /// The state to answer a read from: live, or as it stood after `as_of`.
    pub async fn view(&self, as_of: Option<u64>) -> Result<View, AppError> {
        self.engine.view(as_of).await
    }

    /// Runs `f` on the state as of `as_of` once `who` passes the access check of `what`.
    pub async fn read<R>(
        &self,
        who: &Principal,
        as_of: Option<u64>,
        what: Read<'_>,
        f: impl FnOnce(&State) -> Result<R, AppError>,
    ) -> Result<R, AppError> {
        access::may_read(who, &what)?;
        self.view(as_of).await?.with(f)
    }

    /// How long this node, a read replica of a cluster, has not heard from the log, when
    /// longer than three leases' time to live (see [`Cluster::out_of_touch_for`]); `None` on a
    /// single node, on the writer, and while in touch.
    pub fn out_of_touch(&self) -> Option<std::time::Duration> {
        self.cluster.as_ref().and_then(|c| c.out_of_touch_for())
    }

    /// The principal a presented token secret grants (live tokens only).
    pub fn authenticate(&self, secret: &str) -> Option<Principal> {
        let principal = {
            let state = self.engine.read();
            let today = state.policies.date_of(Timestamp::now());
            state
                .tokens
                .authenticate(&secret_hash(secret))
                .filter(|t| t.live_on(today))
                .and_then(|t| Principal::from_token(t, &state))
        }?;
        if let Some(id) = principal.actor().token_id {
            self.touch(id);
        }
        Some(principal)
    }

    /// Why a presented secret does not authenticate, in words its holder can act on: stopped,
    /// past its last day, or not a token at all.
    pub fn why_not_authenticated(&self, secret: &str) -> String {
        let state = self.engine.read();
        let today = state.policies.date_of(Timestamp::now());
        match state.tokens.find(&secret_hash(secret)) {
            Some(t) if t.revoked_at.is_some() => {
                "this access token has been stopped; ask an administrator for a new one".to_owned()
            }
            Some(t) if t.past_last_day(today) => format!(
                "this access token's last day was {}; ask an administrator for a new one or a later last day",
                t.last_day.map(|d| d.to_string()).unwrap_or_default()
            ),
            _ => "this access token is not valid: it is unknown or has been revoked".to_owned(),
        }
    }

    /// Notes that a token was used now (at most once a minute per token, so a busy token
    /// does not make every request take the write lock).
    fn touch(&self, id: TokenId) {
        let now = Timestamp::now();
        let fresh = self
            .last_used
            .read()
            .ok()
            .and_then(|m| m.get(&id).copied())
            .is_some_and(|at| now.0 - at.0 < limits::LAST_USED_RESOLUTION_MICROS);
        if !fresh {
            if let Ok(mut m) = self.last_used.write() {
                m.insert(id, now);
            }
        }
    }

    /// The command that stops `token_id` and starts its replacement, whose secret this mint
    /// derives from the new id (so a retry answers the same secret).
    pub fn replace_token(&self, token_id: TokenId, label: String) -> Command {
        let new_token_id = TokenId::generate();
        Command::ReplaceToken {
            token_id,
            new_token_id,
            secret_sha256: secret_hash(&self.mint.secret(&new_token_id)),
            label,
        }
    }

    /// When this node last saw the token presented, since it started.
    pub fn last_used(&self, id: &TokenId) -> Option<Timestamp> {
        self.last_used.read().ok()?.get(id).copied()
    }

    /// The category with this code (`field` names the input in the refusal).
    pub fn category(&self, field: &str, code: &str) -> Result<yinling_ledger::Category, AppError> {
        Ok(input::category(&self.engine.read(), field, code)?)
    }

    /// Per-category rates keyed by code, each code checked against the registry.
    pub fn category_rates<'a>(
        &self,
        field: &str,
        rates: impl IntoIterator<Item = (&'a String, rust_decimal::Decimal)>,
    ) -> Result<Vec<yinling_ledger::CategoryRate>, AppError> {
        Ok(input::category_rates(&self.engine.read(), field, rates)?)
    }

    /// Per-category rates keyed by code, as the API and the exports show them.
    pub fn rates_out(
        &self,
        rates: &[yinling_ledger::CategoryRate],
    ) -> std::collections::BTreeMap<String, crate::wire::Amount> {
        let state = self.engine.read();
        rates
            .iter()
            .map(|r| (state.categories.code(&r.category), r.points_per_hour.into()))
            .collect()
    }

    /// A category's code (codes never change once registered).
    pub fn category_code(&self, category: &yinling_ledger::Category) -> String {
        self.engine.read().categories.code(category)
    }

    /// The volunteers a clerk finds at the counter, as the counter shows them: only those
    /// whose account the caller may read, and each one shown is in the access log (`from`
    /// names the route or page).
    pub fn counter_lookup(
        &self,
        who: &Principal,
        how: &counter::Lookup,
        from: &str,
    ) -> Result<Vec<reports::stations::CounterMatch>, AppError> {
        access::may_read(who, &Read::CounterLookup)?;
        let found: Vec<(VolunteerId, reports::stations::CounterMatch)> = {
            let state = self.engine.read();
            counter::find(&state, how)?
                .into_iter()
                .filter(|v| access::can_read(who, &Read::Account(v)))
                .map(|v| (v.id, reports::stations::counter_match(&state, v)))
                .collect()
        };
        for (id, _) in &found {
            self.note_access(who, *id, from);
        }
        Ok(found.into_iter().map(|(_, m)| m).collect())
    }

    /// One volunteer as the counter's lookup shows them, found again by id after their PIN or
    /// card was refused (the clerk asks again rather than search again); in the access log
    /// like a lookup.
    pub fn counter_match_of(
        &self,
        who: &Principal,
        volunteer_id: &VolunteerId,
        from: &str,
    ) -> Result<Option<reports::stations::CounterMatch>, AppError> {
        access::may_read(who, &Read::CounterLookup)?;
        let found = {
            let state = self.engine.read();
            state
                .volunteers
                .get(volunteer_id)
                .filter(|v| access::can_read(who, &Read::Account(v)))
                .map(|v| reports::stations::counter_match(&state, v))
        };
        if found.is_some() {
            self.note_access(who, *volunteer_id, from);
        }
        Ok(found)
    }

    /// The command that hands a held redemption over: a rate voucher's code is derived here
    /// from the mint key, and only its keyed digest goes to the ledger.
    pub fn fulfil_command(
        &self,
        redemption_id: yinling_ledger::RedemptionId,
        pickup_code: Option<String>,
        card_sha256: Option<[u8; 32]>,
    ) -> Command {
        Command::FulfilRedemption {
            redemption_id,
            pickup_code,
            pickup_code_digest: None,
            card_sha256,
            voucher_code_digest: Some(
                self.mint
                    .voucher_code_digest(&self.mint.voucher_code(&redemption_id)),
            ),
        }
    }

    /// The digest the ledger knows a typed voucher code by (see [`vouchers::kept_digest`]):
    /// what the bank's use and refusal of a voucher carry.
    pub fn voucher_code_digest(&self, code: &str) -> yinling_ledger::Hash {
        vouchers::kept_digest(
            &self.engine.read().vouchers,
            self.mint.voucher_code_digest(code),
            code,
        )
    }

    /// The link printed on a points card: signs the phone that opens it in. Refused when the
    /// operator has not said where people reach the service.
    pub fn card_link(&self, secret: &str) -> Result<String, AppError> {
        let base = self.public_url.as_ref().ok_or_else(|| {
            AppError::invalid(
                "no_public_url",
                "points cards need the address people reach this service at: start it with `yinling serve --public-url https://...`",
            )
        })?;
        Ok(base.link(&format!("/card/{secret}")))
    }
}
