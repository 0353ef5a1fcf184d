//! Notices in plain words, Chinese first, composed from the log's events (and, for a hold
//! about to lapse, from the clock): what a volunteer is told when points are credited or
//! pending, when pending points become usable, when a reward waits at a station, when a hold
//! is about to lapse, when their dispute is answered and when they reach a star; and, so that
//! nobody spends their points behind their back, when staff set their counter PIN or issue
//! them another card.
//!
//! A notice names no one: the text is the same whoever reads it over the volunteer's
//! shoulder, and the outbox holds no personal data (the phone is looked up at delivery).

use chrono::NaiveDate;
use rust_decimal::Decimal;
use yinling_ledger::*;
use yinling_projections::State;

use crate::mint::TokenMint;

/// A notice to one volunteer, before it is addressed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Draft {
    /// Whose.
    pub volunteer_id: VolunteerId,
    /// What about (see [`yinling_ledger::outbox::OutboxEntry::kind`]).
    pub kind: &'static str,
    /// The text in Chinese.
    pub zh: String,
    /// The text in English.
    pub en: String,
    /// The stable part of its key: the same event or hold gives the same key.
    pub key: String,
}

/// The sign every text starts with, so a text message is recognised at a glance.
pub const SIGN: &str = "【银领积分】";

fn num(d: Decimal) -> String {
    d.normalize().to_string()
}

fn day(d: NaiveDate) -> String {
    d.format("%Y年%-m月%-d日").to_string()
}

fn draft(
    e: &Envelope,
    volunteer_id: VolunteerId,
    kind: &'static str,
    zh: String,
    en: String,
) -> Draft {
    Draft {
        volunteer_id,
        kind,
        zh: format!("{SIGN}{zh}"),
        en,
        key: format!("{}:{kind}:{volunteer_id}", e.seq),
    }
}

/// Whether a volunteer can be told anything (an erased person has no one to tell).
fn reachable(state: &State, v: &VolunteerId) -> bool {
    state.volunteers.get(v).is_some_and(|v| !v.personal.erased)
}

/// The notices an event gives, read against the state as it stands now (a hold's code
/// derived under `mint`, as the volunteer's page shows it).
pub fn of_event(state: &State, mint: &TokenMint, e: &Envelope) -> Vec<Draft> {
    Composer::new(state, mint).of_event(e)
}

/// Composes the notices of a stretch of events against one state, with what several
/// events ask of the whole state (when each volunteer's first card was issued) worked out
/// once, the first time an event asks: printing ten thousand cards does not scan every
/// token ten thousand times.
pub struct Composer<'a> {
    state: &'a State,
    mint: &'a TokenMint,
    first_cards: std::cell::OnceCell<std::collections::HashMap<VolunteerId, Timestamp>>,
}

impl<'a> Composer<'a> {
    /// A composer reading `state`, deriving holds' pickup codes under `mint` (the log
    /// keeps only their digests).
    pub fn new(state: &'a State, mint: &'a TokenMint) -> Self {
        Composer {
            state,
            mint,
            first_cards: std::cell::OnceCell::new(),
        }
    }

    /// When the volunteer's first card (volunteer token) was issued, if ever.
    fn first_card(&self, v: &VolunteerId) -> Option<Timestamp> {
        self.first_cards
            .get_or_init(|| {
                let mut first = std::collections::HashMap::new();
                for t in self.state.tokens.by_id.values() {
                    if let (Role::Volunteer, Some(v)) = (t.role, t.volunteer_id) {
                        first
                            .entry(v)
                            .and_modify(|at: &mut Timestamp| *at = (*at).min(t.issued_at))
                            .or_insert(t.issued_at);
                    }
                }
                first
            })
            .get(v)
            .copied()
    }

    /// The notices an event gives.
    pub fn of_event(&self, e: &Envelope) -> Vec<Draft> {
        let state = self.state;
        let drafts = match &e.payload {
            Event::ServiceLogged(s) => service_logged(state, e, s).into_iter().collect(),
            Event::NoticeEnded(n) => released(
                state,
                e,
                &n.activity_id,
                "公示期满",
                "The public notice ended",
            ),
            Event::ActivityConfirmed(c) => released(
                state,
                e,
                &c.activity_id,
                "服务对象已确认",
                "Those served confirmed it",
            ),
            Event::RedemptionHeldAt(h) => {
                reward_ready(state, e, (&h.held, h.station_id), h.pickup_code.clone())
                    .into_iter()
                    .collect()
            }
            Event::RedemptionHeldForPickup(h) => {
                let code = self.mint.pickup_code(&h.held.redemption_id);
                reward_ready(state, e, (&h.held, h.station_id), code)
                    .into_iter()
                    .collect()
            }
            Event::DisputeResolved(r) => dispute_resolved(state, e, r).into_iter().collect(),
            Event::StarReached(s) => vec![star_reached(e, s)],
            Event::VolunteerPinSet(p) => pin_set(e, p).into_iter().collect(),
            Event::TokenIssued(t) => self.card_issued(e, t).into_iter().collect(),
            _ => Vec::new(),
        };
        drafts
            .into_iter()
            .filter(|d| reachable(state, &d.volunteer_id))
            .collect()
    }

    /// A volunteer's card issued by staff when they had one before (a second card, or one
    /// replacing a card reported lost): a card spends the same points, so the volunteer
    /// hears of it. The first card, given at enrolment, is not news.
    fn card_issued(&self, e: &Envelope, t: &TokenIssued) -> Option<Draft> {
        let volunteer_id = t.volunteer_id.filter(|_| t.role == Role::Volunteer)?;
        let (who, who_en) = staff_words(&e.actor)?;
        if self.first_card(&volunteer_id)? >= e.recorded_at {
            return None;
        }
        Some(draft(
            e,
            volunteer_id,
            "card_issued",
            format!(
                "{who}刚为您新办了一张积分卡。如果不是您本人要求的（例如挂失补办），请马上告诉队里或打电话给管理员，以免积分被冒用。"
            ),
            format!(
                "{who_en} just issued you a new points card. If you did not ask for one (to replace a lost card, say), tell your team or the administrator at once, so nobody else spends your points."
            ),
        ))
    }
}

fn service_logged(state: &State, e: &Envelope, s: &ServiceLogged) -> Option<Draft> {
    let a = state.activities.get(&s.activity_id)?;
    let v = state.volunteers.get(&s.volunteer_id)?;
    let what = format!(
        "您{}参加“{}”服务 {} 小时，记入 {} 积分",
        day(s.date),
        a.title,
        num(s.hours),
        num(s.points)
    );
    let what_en = format!(
        "Your {} hours of \"{}\" on {} earned {} points",
        num(s.hours),
        a.title,
        s.date,
        num(s.points)
    );
    let pending = a.notice.is_some() || a.confirmation_required;
    if !pending {
        return Some(draft(
            e,
            s.volunteer_id,
            "points_credited",
            format!("{what}，现在可用积分 {} 分。", num(v.balance.available())),
            format!(
                "{what_en}; {} points are yours to use now.",
                num(v.balance.available())
            ),
        ));
    }
    let (when, when_en) = match (a.notice, a.confirmation_required) {
        (Some(n), false) => {
            // The day after the last (a date read from the log is not trusted to have one).
            let usable = n.ends_on.succ_opt().unwrap_or(n.ends_on);
            (
                format!("正在公示，{}起可以使用", day(usable)),
                format!("on public notice, usable from {usable}"),
            )
        }
        (Some(n), true) => (
            format!(
                "正在公示，公示期满（{}）并经服务对象确认后可以使用",
                day(n.ends_on)
            ),
            format!(
                "on public notice until {} and usable once those served confirm it",
                n.ends_on
            ),
        ),
        _ => (
            "待服务对象确认后可以使用".to_owned(),
            "usable once those served confirm it".to_owned(),
        ),
    };
    Some(draft(
        e,
        s.volunteer_id,
        "points_pending",
        format!("{what}，{when}。"),
        format!("{what_en}, {when_en}."),
    ))
}

/// Each participant of an activity whose held points this event made usable is told so.
fn released(
    state: &State,
    e: &Envelope,
    activity: &ActivityId,
    why: &str,
    why_en: &str,
) -> Vec<Draft> {
    let Some(a) = state.activities.get(activity) else {
        return Vec::new();
    };
    // Told once, by the event that made the points usable (not by every event after which
    // they happen to be free, when the outbox reads a stretch of the log late).
    if a.released_seq.map(std::num::NonZeroU64::get) != Some(e.seq) || a.reversal().is_some() {
        return Vec::new();
    }
    a.participants
        .iter()
        .filter(|p| p.points > Decimal::ZERO)
        .filter_map(|p| Some((state.volunteer_id_of(p.number)?, p)))
        .map(|(volunteer_id, p)| {
            draft(
                e,
                volunteer_id,
                "points_available",
                format!(
                    "“{}”{}，您的 {} 积分现在可以使用了。",
                    a.title,
                    why,
                    num(p.points)
                ),
                format!(
                    "{why_en}: your {} points for \"{}\" are yours to use now.",
                    num(p.points),
                    a.title
                ),
            )
        })
        .collect()
}

/// What comes right before a pickup code in a notice, in Chinese and in English.
const CODE_ZH: &str = "取货码 ";
const CODE_EN: &str = "pickup code ";

/// A notice's text with the pickup codes it carries blanked out, for anyone who reads it
/// but its volunteer: with the code, anyone on the staff who may hand rewards over (an
/// administrator) or who knows a clerk could collect the reward without them. The copy sent
/// to the volunteer keeps it.
pub fn without_pickup_codes(text: &str) -> String {
    let digits = yinling_projections::limits::PICKUP_CODE_DIGITS as usize;
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    loop {
        let next = [CODE_ZH, CODE_EN]
            .iter()
            .filter_map(|m| rest.find(m).map(|i| (i, m.len())))
            .min();
        let Some((i, len)) = next else {
            out.push_str(rest);
            return out;
        };
        let (before, after) = rest.split_at(i + len);
        out.push_str(before);
        let code_len = after.bytes().take_while(u8::is_ascii_digit).count();
        if code_len == digits {
            out.push_str(&"•".repeat(digits));
            rest = &after[code_len..];
        } else {
            rest = after;
        }
    }
}

fn reward_ready(
    state: &State,
    e: &Envelope,
    (held, station_id): (&RedemptionHeld, StationId),
    code: String,
) -> Option<Draft> {
    let reward = state.rewards.get(&held.reward_id)?;
    let station = state.stations.get(&station_id)?;
    let until = held.expires_at.local_date();
    // A station recorded without an address is named alone, not followed by empty brackets.
    let (at_zh, at_en) = if station.address.trim().is_empty() {
        (station.name.to_string(), station.name.to_string())
    } else {
        (
            format!("{}（{}）", station.name, station.address),
            format!("{} ({})", station.name, station.address),
        )
    };
    Some(draft(
        e,
        held.volunteer_id,
        "reward_ready",
        format!(
            "您兑换的{}×{}已在{at_zh}为您留好，{CODE_ZH}{}，请在{}前凭取货码领取。",
            reward.name,
            held.quantity,
            code,
            day(until)
        ),
        format!(
            "Your {} x{} waits for you at {at_en}; show {CODE_EN}{} there by {}.",
            reward.name, held.quantity, code, until
        ),
    ))
}

fn dispute_resolved(state: &State, e: &Envelope, r: &DisputeResolved) -> Option<Draft> {
    let d = state.disputes.get(&r.dispute_id)?;
    let (zh, en) = match r.outcome {
        DisputeOutcome::Upheld => ("您的意见被采纳", "upheld"),
        DisputeOutcome::Corrected => ("记录已更正", "the entry was corrected"),
        DisputeOutcome::Rejected => ("记录维持不变", "the entry stands"),
    };
    Some(draft(
        e,
        d.volunteer_id,
        "dispute_resolved",
        format!(
            "您{}提出的异议已有答复：{}。理由：{}",
            day(d.opened_on),
            zh,
            r.reason
        ),
        format!(
            "Your dispute of {} was answered: {en}. Reason: {}",
            d.opened_on, r.reason
        ),
    ))
}

fn star_reached(e: &Envelope, s: &StarReached) -> Draft {
    let review = if s.awaiting_review {
        "，待审核确认后生效"
    } else {
        ""
    };
    let review_en = if s.awaiting_review {
        " (it counts once reviewed)"
    } else {
        ""
    };
    draft(
        e,
        s.volunteer_id,
        "star_reached",
        format!(
            "恭喜！您的志愿服务已满 {} 小时，达到{}星级志愿者{}。感谢您的奉献！",
            num(s.threshold_hours),
            s.level,
            review
        ),
        format!(
            "Congratulations: {} hours of service make you a {}-star volunteer{}.",
            num(s.threshold_hours),
            s.level,
            review_en
        ),
    )
}

/// Who did something to a volunteer's means of spending points, in words, when it was
/// staff: what the volunteer did themself, or the service did (a roster imported, the demo),
/// is not news to them. The role only, as everywhere else: never the token's label, which
/// may name a person.
fn staff_words(actor: &Actor) -> Option<(&'static str, &'static str)> {
    matches!(
        actor.role,
        Role::Coordinator | Role::GroupCoordinator | Role::DistrictCoordinator | Role::Admin
    )
    .then(|| crate::reports::provenance::role_words(actor.role))
}

/// A PIN set or cleared by staff: the PIN spends the volunteer's points at a counter, so
/// they hear of it at once, and can say so if they did not ask for it.
fn pin_set(e: &Envelope, p: &VolunteerPinSet) -> Option<Draft> {
    let (who, who_en) = staff_words(&e.actor)?;
    let (done, done_en) = if p.pin_sha256.is_some() {
        ("设置了新的兑换密码", "set a new counter PIN")
    } else {
        ("取消了兑换密码", "cleared the counter PIN")
    };
    Some(draft(
        e,
        p.volunteer_id,
        "pin_set",
        format!(
            "{who}刚为您{done}。如果不是您本人要求的，请马上告诉队里或打电话给管理员，以免积分被冒用。"
        ),
        format!(
            "{who_en} just {done_en} for you. If you did not ask for this, tell your team or the administrator at once, so nobody else spends your points."
        ),
    ))
}

/// A notice for every hold that lapses within `within_seconds` of `now` (each hold is told
/// once: its key names the hold).
pub fn expiring_holds(state: &State, now: Timestamp, within_seconds: i64) -> Vec<Draft> {
    let until = now.plus_seconds(within_seconds);
    state
        .holds_by_expiry
        .iter()
        .take_while(|(at, _)| *at <= until)
        .filter(|(at, _)| *at > now)
        .filter_map(|(at, id)| {
            let r = state.redemptions.get(id)?;
            // A hold not much longer than the warning is reminded halfway through its life,
            // not in the same minute as "your reward is ready" (a one-day hold, a day's
            // warning).
            let half_life = (at.0 - r.held_at.0) / 2;
            if at.0 - now.0 > half_life.min(within_seconds.saturating_mul(1_000_000)) {
                return None;
            }
            if !reachable(state, &r.volunteer_id) {
                return None;
            }
            let reward = state.rewards.get(&r.reward_id)?;
            let station = state
                .stations
                .get(&r.station_id)
                .map(|s| s.name.clone())
                .unwrap_or_default();
            Some(Draft {
                volunteer_id: r.volunteer_id,
                kind: "hold_expiring",
                zh: format!(
                    "{SIGN}您在{}留的{}×{}将于{}到期，请尽快领取；过期未领，积分自动退回。",
                    station,
                    reward.name,
                    r.quantity,
                    at.local_minute()
                ),
                en: format!(
                    "The {} x{} held for you at {} lapses at {}; collect it soon, or the points come back to you.",
                    reward.name,
                    r.quantity,
                    station,
                    at.local_minute()
                ),
                key: format!("hold:{id}:hold_expiring:{}", r.volunteer_id),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pickup_codes_are_blanked_for_the_staff_and_nothing_else_is() {
        let zh = format!(
            "您兑换的茶叶×1已在南浔 e站为您留好，{CODE_ZH}042917，请在3月14日前凭取货码领取。"
        );
        assert_eq!(
            without_pickup_codes(&zh),
            "您兑换的茶叶×1已在南浔 e站为您留好，取货码 ••••••，请在3月14日前凭取货码领取。"
        );
        let en = format!("show {CODE_EN}042917 there by 2026-03-14; {CODE_EN}12 stays");
        assert_eq!(
            without_pickup_codes(&en),
            "show pickup code •••••• there by 2026-03-14; pickup code 12 stays"
        );
        for plain in [
            "调解邻里纠纷，记入 40 积分",
            "取货码",
            "",
            "pickup code 1234567",
        ] {
            assert_eq!(without_pickup_codes(plain), plain);
        }
    }
}
