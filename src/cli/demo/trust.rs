//! The trust loop in the demo city: public notice and disputes, confirmation by the people
//! served, and where a few volunteers' notices go.

use std::collections::HashMap;

use yinling_app::App;
use yinling_ledger::personal::Relative;
use yinling_ledger::*;
use yinling_projections::{Command, Principal};

use super::summary::Made;
use super::{submit_all, Generator, Progress};

/// The trust loop as a city runs it: mediation on public notice for seven days from now on,
/// and three volunteers disputing their latest entry through their coordinator, the first
/// answered after the hours were checked.
pub(super) async fn trust_loop(
    app: &App,
    gen: &mut Generator,
    admin: &Principal,
    coordinators: &HashMap<TeamId, Principal>,
    made: &mut Made,
) {
    let mut commands = vec![(
        admin.clone(),
        Command::SetPolicy {
            change: PolicyChange::NoticePeriod {
                category: Category::Mediation,
                days: 7,
            },
            note: "调解类服务公示七天，无异议后积分可用".into(),
        },
    )];
    let mut latest: Vec<(VolunteerId, ActivityId, TeamId)> = {
        let state = app.engine.read();
        state
            .volunteers
            .values()
            .filter_map(|v| {
                v.statement
                    .newest_first(state.stamps())
                    .find_map(|e| match e.reference {
                        yinling_projections::volunteers::EntryRef::Activity(a)
                            if e.kind == yinling_projections::volunteers::EntryKind::Service =>
                        {
                            Some((v.id, a, v.team_id))
                        }
                        _ => None,
                    })
            })
            .collect()
    };
    latest.sort();
    let reasons = [
        "那天我从早上八点做到中午，登记少了一个小时",
        "这次活动我没有去，不该记在我名下",
        "那次我带了两位邻居一起去，时长记少了",
    ];
    let mut opened = Vec::new();
    for ((v, a, team), reason) in latest.into_iter().take(reasons.len()).zip(reasons) {
        let Some(coordinator) = coordinators.get(&team) else {
            continue;
        };
        let dispute_id = DisputeId(gen.uuid());
        opened.push((coordinator.clone(), dispute_id));
        commands.push((
            coordinator.clone(),
            Command::OpenDispute {
                dispute_id,
                volunteer_id: v,
                activity_id: Some(a),
                kind: DisputeKind::Contested,
                reason: reason.into(),
            },
        ));
    }
    let mut progress = Progress::new("notices and disputes", commands.len() as u64 + 1);
    submit_all(app, commands, &mut progress, made).await;
    if let Some((coordinator, dispute_id)) = opened.into_iter().next() {
        let answer = vec![(
            coordinator,
            Command::ResolveDispute {
                dispute_id,
                outcome: DisputeOutcome::Rejected,
                reason: "核对了签到表：那天签到九点、签退十一点，登记无误".into(),
            },
        )];
        submit_all(app, answer, &mut progress, made).await;
    }
    progress.finish();
}

/// The parties served who confirm in the demo, with the name and role they give.
const CONFIRMERS: [(&str, &str, &str); 3] = [
    ("荻港村村委会", "沈国强", "村委会主任"),
    ("南浔镇东大街社区", "朱美华", "社区书记"),
    ("和孚镇新荻村张家", "张阿大", "家属"),
];

/// Confirmation by the people served: the latest activities of the city get a slip each
/// from their coordinator; two of every three are confirmed. A few volunteers name where
/// their notices go (their own mobile, a daughter or son as well).
pub(super) async fn confirmations(
    app: &App,
    coordinators: &HashMap<TeamId, Principal>,
    made: &mut Made,
) {
    let latest: Vec<(ActivityId, TeamId)> = {
        let state = app.engine.read();
        let mut all: Vec<_> = state
            .activities
            .values()
            .filter(|a| a.reversal().is_none())
            .map(|a| (a.seq, a.id, a.team_id))
            .collect();
        all.sort_unstable();
        all.into_iter()
            .rev()
            .take(crate::cli::limits::DEMO_CONFIRMATION_SLIPS)
            .map(|(_, a, t)| (a, t))
            .collect()
    };
    let mut progress = Progress::new("confirmations", latest.len() as u64 + 1);
    for (i, (activity, team)) in latest.into_iter().enumerate() {
        progress.inc(1);
        let Some(coordinator) = coordinators.get(&team) else {
            continue;
        };
        let (party, name, role) = CONFIRMERS[i % CONFIRMERS.len()];
        let given = app
            .give_confirmation_code(coordinator, activity, party, None)
            .await;
        let result = match given {
            Ok((slip, _)) if i % 3 != 2 => app
                .confirm_activity(&slip.code, (name, role), None, None)
                .await
                .map(|_| ()),
            Ok(_) => Ok(()),
            Err(e) => Err(e),
        };
        if let Err(e) = result {
            made.refused += 1;
            eprintln!("demo: a confirmation was refused: {}", e.detail());
        }
    }
    let people: Vec<(VolunteerId, TeamId)> = {
        let state = app.engine.read();
        let mut ids: Vec<_> = state
            .volunteers
            .values()
            .map(|v| (v.id, v.team_id))
            .collect();
        ids.sort_unstable();
        ids.into_iter()
            .take(crate::cli::limits::DEMO_CONTACTS)
            .collect()
    };
    let relatives = [("女儿", "沈丽"), ("儿子", "陈建华"), ("女儿", "朱晓燕")];
    let commands = people
        .into_iter()
        .enumerate()
        .filter_map(|(i, (v, team))| {
            let coordinator = coordinators.get(&team)?.clone();
            let (relation, name) = relatives[i % relatives.len()];
            Some((
                coordinator,
                Command::SetNoticeContacts {
                    volunteer_id: v,
                    phone: (i % 2 == 0).then(|| format!("1380000{:04}", i)),
                    relative: Some(Relative {
                        name: name.into(),
                        relation: relation.into(),
                        phone: format!("1390000{:04}", i),
                    }),
                },
            ))
        })
        .collect();
    submit_all(app, commands, &mut progress, made).await;
    progress.finish();
}
