//! Notices: the log's events told to the volunteers they concern, in plain words, through an
//! outbox that survives restarts and delivers at least once.
//!
//! The runner ([`spawn`]) reads the log past the outbox's cursor, composes the notices of
//! each event ([`compose`]), addresses them (the volunteer's own mobile, a relative they
//! named), stores them with a stable key, and moves the cursor, in that order; then it hands
//! the notices that are due to the delivery adapter ([`deliver`]): a webhook an SMS or WeChat
//! gateway takes, or a file. A failed attempt is retried with a doubling wait up to a cap; a
//! notice without an address, or with no adapter configured, is kept for the volunteer's
//! page and their printed statement.

pub mod compose;
pub mod deliver;

use std::sync::Arc;
use std::time::Duration;

use yinling_ledger::outbox::{DeliveryStatus, Outbox, OutboxEntry, Recipient};
use yinling_ledger::personal::NoticeContacts;
use yinling_ledger::{Timestamp, VolunteerId};
use yinling_projections::access::Read;
use yinling_projections::{Principal, State};

pub use deliver::Adapter;

use crate::error::AppError;
use crate::limits::{NOTICE_BATCH_EVENTS, NOTICE_DUE_BATCH};
use crate::App;

/// How notices are delivered.
#[derive(Clone, Debug)]
pub struct NoticeConfig {
    /// Where they go (none: kept for paper and the volunteer's page only).
    pub adapter: Adapter,
    /// How often the runner looks for new events and due notices.
    pub interval: Duration,
    /// The wait before the first retry; each retry waits twice the one before.
    pub retry_base: Duration,
    /// The longest wait between attempts.
    pub retry_cap: Duration,
    /// Attempts before a notice is given up on.
    pub max_attempts: u32,
    /// How long before a hold lapses its volunteer is reminded.
    pub hold_warning: Duration,
}

impl Default for NoticeConfig {
    fn default() -> Self {
        NoticeConfig {
            adapter: Adapter::None,
            interval: Duration::from_secs(crate::limits::NOTICE_INTERVAL_SECONDS),
            retry_base: Duration::from_secs(crate::limits::NOTICE_RETRY_BASE_SECONDS),
            retry_cap: Duration::from_secs(crate::limits::NOTICE_RETRY_CAP_SECONDS),
            max_attempts: crate::limits::NOTICE_MAX_ATTEMPTS,
            hold_warning: Duration::from_secs(crate::limits::HOLD_WARNING_SECONDS),
        }
    }
}

/// A mobile number as it is shown back: 138****5678 (never whole on a page or an answer).
pub fn masked_phone(p: &str) -> String {
    match (p.get(..3), p.get(7..)) {
        (Some(head), Some(tail)) if p.len() == 11 => format!("{head}****{tail}"),
        _ => "****".into(),
    }
}

/// Where a volunteer's notices go now: their own mobile and a relative's, opened with their
/// key (`None` for someone erased, whose key is gone, or whose key record is damaged). A key
/// store that cannot answer right now (a cluster's key-value store electing its leader) is
/// an error, never "nobody": a notice is then tried again later instead of being failed for
/// good or kept for paper.
pub fn contacts_of(state: &State, v: &VolunteerId) -> Result<Option<NoticeContacts>, AppError> {
    let Some(v) = state.volunteers.get(v) else {
        return Ok(None);
    };
    if v.personal.erased {
        return Ok(None);
    }
    match &v.personal.contacts {
        None => Ok(Some(NoticeContacts::default())),
        Some(sealed) => match state.keys.0.open_contacts(&v.id, sealed) {
            Ok(found) => Ok(found),
            // A store that cannot answer now: tried again later.
            Err(cause @ yinling_ledger::personal::KeyError::Storage(_)) => {
                tracing::error!(%cause, "a volunteer's notice contacts could not be opened");
                Err(AppError::Unavailable(
                    "the notice contacts cannot be read right now (the key store did not \
                     answer; the failure was logged); retry shortly"
                        .into(),
                ))
            }
            // One damaged key record is that volunteer's alone: their notices are kept for
            // paper, everyone else's go on.
            Err(cause) => {
                tracing::error!(%cause, "a volunteer's notice contacts cannot be opened");
                Ok(None)
            }
        },
    }
}

/// Whether `v` may be sent notices by text message: not when they withdrew a consent that
/// covers them ([`NOTICE_PURPOSES`](yinling_projections::personal::NOTICE_PURPOSES)).
pub fn messages_consented(state: &State, v: &VolunteerId) -> bool {
    state.volunteers.get(v).is_none_or(|v| {
        !yinling_projections::personal::NOTICE_PURPOSES
            .iter()
            .any(|p| v.personal.withdrew(p))
    })
}

/// The outbox entries of drafts from the event `seq` (0 for the clock's): one for the
/// volunteer (kept for paper when they have no mobile or no adapter is configured) and one
/// for a relative they named.
fn address(
    state: &State,
    drafts: Vec<compose::Draft>,
    seq: u64,
    send: bool,
) -> Result<Vec<OutboxEntry>, AppError> {
    let now = Timestamp::now();
    let mut out = Vec::new();
    for d in drafts {
        // Withdrawn consent: kept for the page and the paper statement, sent to nobody.
        let contacts = if messages_consented(state, &d.volunteer_id) {
            contacts_of(state, &d.volunteer_id)?.unwrap_or_default()
        } else {
            NoticeContacts::default()
        };
        let entry = |recipient: Recipient, reachable: bool| OutboxEntry {
            key: format!(
                "{}:{}",
                d.key,
                if recipient == Recipient::Volunteer {
                    "v"
                } else {
                    "r"
                }
            ),
            volunteer_id: d.volunteer_id,
            recipient,
            kind: d.kind.to_owned(),
            text_zh: d.zh.clone(),
            text_en: d.en.clone(),
            seq,
            created_at: now,
            attempts: 0,
            next_at: now,
            status: if send && reachable {
                DeliveryStatus::Pending
            } else {
                DeliveryStatus::Paper
            },
            last_error: None,
        };
        out.push(entry(Recipient::Volunteer, contacts.phone.is_some()));
        if contacts.relative.is_some() {
            out.push(entry(Recipient::Relative, true));
        }
    }
    Ok(out)
}

/// The outbox entries of events: their notices, addressed (to be sent when `send`, else
/// kept for paper). An error leaves the events to be read again (the cursor stays).
pub fn entries_of(
    state: &State,
    mint: &crate::mint::TokenMint,
    events: &[yinling_ledger::Envelope],
    send: bool,
) -> Result<Vec<OutboxEntry>, AppError> {
    // About one notice an event: sized once, not doubled through a thousand.
    let mut entries = Vec::with_capacity(events.len());
    let composer = compose::Composer::new(state, mint);
    for e in events {
        entries.extend(address(state, composer.of_event(e), e.seq, send)?);
    }
    Ok(entries)
}

/// The notices' store failed: the cause goes to the operator's log, the caller is told the
/// notices cannot be read or kept just now (the ledger itself is not concerned).
fn outbox_unavailable(cause: yinling_ledger::LedgerError) -> AppError {
    tracing::error!(%cause, "the notices' store failed");
    AppError::Unavailable(
        "the notices cannot be read or kept right now (their store failed; the ledger is not \
         affected and the failure was logged); retry shortly"
            .into(),
    )
}

/// One pass: new events become notices (the cursor starts at the head the first time, so
/// switching notices on does not tell anyone about the past), holds about to lapse get
/// their reminder, and due notices are delivered.
async fn pass(app: &App, outbox: &Arc<Outbox>, config: &NoticeConfig) -> Result<(), AppError> {
    let send = !matches!(config.adapter, Adapter::None);
    let mut cursor = match outbox.cursor().map_err(outbox_unavailable)? {
        Some(c) => c,
        None => {
            let head = app.engine.log().head().seq;
            outbox
                .enqueue(&[], Some(head))
                .map_err(outbox_unavailable)?;
            head
        }
    };
    // Only events the state has folded: the log is written before the state moves on, and
    // a notice composed against a state without its event would be lost.
    let folded = app.engine.read().head.seq;
    let behind = usize::try_from(folded.saturating_sub(cursor)).unwrap_or(usize::MAX);
    let mut events = Vec::with_capacity(behind.min(NOTICE_BATCH_EVENTS));
    while cursor < folded {
        events.clear();
        yinling_ledger::log::read_into(app.engine.log(), cursor, NOTICE_BATCH_EVENTS, &mut events)
            .map_err(outbox_unavailable)?;
        events.retain(|e| e.seq <= folded);
        let Some(last) = events.last().map(|e| e.seq) else {
            break;
        };
        let entries = entries_of(&app.engine.read(), &app.mint, &events, send)?;
        outbox
            .enqueue(&entries, Some(last))
            .map_err(outbox_unavailable)?;
        cursor = last;
    }
    let reminders = {
        let state = app.engine.read();
        let drafts = compose::expiring_holds(
            &state,
            Timestamp::now(),
            config.hold_warning.as_secs() as i64,
        );
        let fresh: Vec<_> = drafts
            .into_iter()
            .filter(|d| {
                !outbox
                    .contains(&d.volunteer_id, &format!("{}:v", d.key))
                    .unwrap_or(true)
            })
            .collect();
        address(&state, fresh, 0, send)?
    };
    if !reminders.is_empty() {
        outbox
            .enqueue(&reminders, None)
            .map_err(outbox_unavailable)?;
    }
    deliver_due(app, outbox, config).await
}

async fn deliver_due(
    app: &App,
    outbox: &Arc<Outbox>,
    config: &NoticeConfig,
) -> Result<(), AppError> {
    let due = outbox
        .due(Timestamp::now(), NOTICE_DUE_BATCH)
        .map_err(outbox_unavailable)?;
    for entry in due {
        // Consent withdrawn after it was queued: kept for paper, never sent.
        if !messages_consented(&app.engine.read(), &entry.volunteer_id) {
            let mut after = entry.clone();
            after.status = DeliveryStatus::Paper;
            after.last_error = Some("consent withdrawn: kept for the paper statement".into());
            outbox.settle(&entry, &after).map_err(outbox_unavailable)?;
            continue;
        }
        let contacts = contacts_of(&app.engine.read(), &entry.volunteer_id);
        let outcome = match contacts {
            _ if !still_applies(app, &entry) => Err(deliver::Failure::Permanent(
                "no longer applies: the reward was collected, cancelled or its hold lapsed".into(),
            )),
            Ok(None) => Err(deliver::Failure::Permanent(
                "the volunteer was erased or their key is gone".into(),
            )),
            Ok(Some(c)) => config.adapter.deliver(&entry, &c).await,
            Err(e) => Err(deliver::Failure::Retry(e.detail())),
        };
        let gateway_down = matches!(outcome, Err(deliver::Failure::Gateway(_)));
        let mut after = entry.clone();
        after.attempts += 1;
        match outcome {
            Ok(()) => {
                after.status = DeliveryStatus::Delivered {
                    at: Timestamp::now(),
                };
                after.last_error = None;
            }
            Err(deliver::Failure::Permanent(why)) => {
                tracing::warn!(key = %entry.key, "a notice was refused for good: {why}");
                after.status = DeliveryStatus::Failed {
                    reason: why.clone(),
                };
                after.last_error = Some(why);
            }
            Err(deliver::Failure::Retry(why) | deliver::Failure::Gateway(why)) => {
                if after.attempts >= config.max_attempts {
                    tracing::warn!(key = %entry.key, attempts = after.attempts, "a notice was given up on: {why}");
                    after.status = DeliveryStatus::Failed {
                        reason: why.clone(),
                    };
                } else {
                    let wait = config
                        .retry_base
                        .saturating_mul(1u32 << (after.attempts - 1).min(20))
                        .min(config.retry_cap);
                    after.next_at = Timestamp(Timestamp::now().0 + wait.as_micros() as i64);
                    tracing::debug!(key = %entry.key, attempts = after.attempts, "a notice will be retried: {why}");
                }
                after.last_error = Some(why);
            }
        }
        outbox.settle(&entry, &after).map_err(outbox_unavailable)?;
        if gateway_down {
            // The rest wait for the next pass (a gateway that does not answer would hold
            // this one for a timeout a notice, and new events with it).
            break;
        }
    }
    Ok(())
}

/// Whether a notice about a hold is still true when its turn comes: "your reward is ready"
/// or "your hold lapses soon" told after the reward was collected, cancelled or the hold
/// had lapsed (the gateway down for a day, a backlog after a stop) would mislead.
fn still_applies(app: &App, entry: &OutboxEntry) -> bool {
    let redemption = match entry.kind.as_str() {
        // Its key names the hold: `hold:{id}:hold_expiring:{volunteer}`.
        "hold_expiring" => entry
            .key
            .strip_prefix("hold:")
            .and_then(|k| k.split(':').next())
            .and_then(|id| id.parse::<yinling_ledger::RedemptionId>().ok()),
        // Its event is the hold.
        "reward_ready" => {
            yinling_ledger::log::read(app.engine.log(), entry.seq.saturating_sub(1), 1)
                .ok()
                .and_then(|events| events.into_iter().next())
                .and_then(|e| match e.payload {
                    yinling_ledger::Event::RedemptionHeldAt(h) => Some(h.held.redemption_id),
                    yinling_ledger::Event::RedemptionHeldForPickup(h) => Some(h.held.redemption_id),
                    _ => None,
                })
        }
        _ => return true,
    };
    let Some(id) = redemption else {
        return true;
    };
    app.engine
        .read()
        .redemptions
        .get(&id)
        .is_none_or(|r| r.status == yinling_projections::redemptions::RedemptionStatus::Held)
}

/// The running outbox: stopped between passes, so a delivery under way is settled first.
pub struct Runner {
    stop: Arc<tokio::sync::Notify>,
    handle: tokio::task::JoinHandle<()>,
}

impl Runner {
    /// Stops after the pass under way (waiting at most a webhook's timeout and a little).
    pub async fn stop(self) {
        self.stop.notify_one();
        let mut handle = self.handle;
        let grace = Duration::from_secs(crate::limits::NOTICE_WEBHOOK_TIMEOUT_SECONDS + 2);
        if tokio::time::timeout(grace, &mut handle).await.is_err() {
            handle.abort();
        }
    }
}

/// Runs the outbox every `config.interval` until stopped, on the node that writes (a
/// replica's outbox waits: the writer tells).
pub fn spawn(app: App, outbox: Arc<Outbox>, config: NoticeConfig) -> Runner {
    let stop = Arc::new(tokio::sync::Notify::new());
    let stopped = stop.clone();
    let handle = tokio::spawn(async move {
        loop {
            if app.engine.is_writer() {
                if let Err(e) = pass(&app, &outbox, &config).await {
                    tracing::warn!("notices paused: {e}");
                }
            }
            tokio::select! {
                _ = stopped.notified() => return,
                _ = tokio::time::sleep(config.interval) => {}
            }
        }
    });
    Runner { stop, handle }
}

impl App {
    /// A volunteer's notices stored between two instants, oldest first (whoever may read
    /// their statement).
    pub async fn notices_of(
        &self,
        who: &Principal,
        volunteer: VolunteerId,
        (from, to): (Timestamp, Timestamp),
        limit: usize,
    ) -> Result<Vec<OutboxEntry>, AppError> {
        {
            let state = self.engine.read();
            let v = state.volunteers.get(&volunteer).ok_or_else(|| {
                AppError::Rejected(yinling_projections::Rejection::not_found(
                    "unknown_volunteer",
                    format!("no volunteer {volunteer}"),
                ))
            })?;
            yinling_projections::access::may_read(who, &Read::Account(v))?;
            // A clerk may read any account at the counter, but a notice of a reward ready
            // carries the pickup code the volunteer shows there: with it, a clerk could hand
            // the reward over without them.
            if matches!(who, Principal::StationClerk(..)) {
                return Err(AppError::Rejected(
                    yinling_projections::Rejection::forbidden(
                        "notices_not_at_the_counter",
                        "a station clerk does not read a volunteer's notices: they carry the pickup codes the volunteer shows at the counter",
                    ),
                ));
            }
        }
        let Some(outbox) = &self.outbox else {
            return Ok(Vec::new());
        };
        let mut entries = outbox
            .of_volunteer(volunteer, (from, to), limit)
            .map_err(outbox_unavailable)?;
        if !matches!(who, Principal::Volunteer(_, me) if *me == volunteer) {
            entries.iter_mut().for_each(hide_pickup_codes);
        }
        Ok(entries)
    }

    /// The outbox, of one status (its word) or all, with the counts (administrators and
    /// auditors).
    pub fn outbox_entries(
        &self,
        who: &Principal,
        status: Option<&str>,
        limit: usize,
    ) -> Result<(Vec<OutboxEntry>, yinling_ledger::outbox::OutboxCounts), AppError> {
        yinling_projections::access::may_read(who, &Read::Audit)?;
        let Some(outbox) = &self.outbox else {
            return Ok((Vec::new(), Default::default()));
        };
        let (mut entries, counts) = outbox.list(status, limit).map_err(outbox_unavailable)?;
        entries.iter_mut().for_each(hide_pickup_codes);
        Ok((entries, counts))
    }
}

/// An entry as the staff read it: its pickup codes blanked (only its volunteer collects).
pub fn hide_pickup_codes(entry: &mut OutboxEntry) {
    entry.text_zh = compose::without_pickup_codes(&entry.text_zh);
    entry.text_en = compose::without_pickup_codes(&entry.text_en);
}
