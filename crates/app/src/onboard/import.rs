//! Writing a checked roster: its commands sent sheet by sheet, one roster at a time.

use yinling_projections::Command;

use super::{plan, read, Outcome, Plan};

/// Sends a plan's commands as `who` (the administrator who uploaded the file, so the log
/// says who imported it; the command line on a data directory is the system), each sheet's
/// after the sheet before (a volunteer's team must exist first), many at a time within a
/// sheet; `tick` is called once per command.
pub async fn apply(
    app: &crate::App,
    who: &yinling_projections::Principal,
    plan: &Plan,
    mut tick: impl FnMut(),
) -> Outcome {
    let mut out = Outcome::default();
    let mut start = 0;
    while start < plan.commands.len() {
        let kind = |c: &Command| match c {
            Command::Import { row, .. } => Some(std::mem::discriminant(row)),
            _ => None,
        };
        let first = kind(&plan.commands[start]);
        let end = plan.commands[start..]
            .iter()
            .position(|c| kind(c) != first)
            .map_or(plan.commands.len(), |n| start + n);
        let mut set = tokio::task::JoinSet::new();
        for chunk in plan.commands[start..end].chunks(crate::limits::ONBOARD_IN_FLIGHT) {
            for command in chunk {
                let app = app.clone();
                let command = command.clone();
                let who = who.clone();
                // A refusal names its sheet and row, as the check's problems do.
                let place = match &command {
                    Command::Import { source, .. } => {
                        format!(
                            "{} 第 {} 行 (row {}): ",
                            source.sheet, source.row, source.row
                        )
                    }
                    _ => String::new(),
                };
                set.spawn(async move {
                    app.submit::<()>(&who, command, None)
                        .await
                        .err()
                        .map(|e| format!("{place}{}", e.detail()))
                });
            }
            while let Some(done) = set.join_next().await {
                tick();
                match done {
                    Ok(None) => out.imported += 1,
                    Ok(Some(detail)) => out.refused.push(detail),
                    Err(e) => out.refused.push(e.to_string()),
                }
            }
        }
        start = end;
    }
    out
}

/// Checks a roster against the ledger and imports it when `write` says so of the check, one
/// roster at a time: two uploads of one file checked side by side (two administrators, two
/// tabs, a client retrying a slow upload) would each find its people new and register them
/// twice, each with their balance. Dry runs wait their turn too (a check is of the ledger
/// as it stands, and an import under way changes it).
///
/// It runs to its end on a task of its own: a caller that stops waiting (a request past its
/// timeout, a browser closed) does not cut an import off between two rows.
pub async fn check_and_apply(
    app: &crate::App,
    who: &yinling_projections::Principal,
    file_name: &str,
    bytes: Vec<u8>,
    write: impl FnOnce(&Plan) -> bool + Send + 'static,
) -> Result<(Plan, Option<Outcome>), read::Unreadable> {
    let (app, who, file_name) = (app.clone(), who.clone(), file_name.to_owned());
    let task =
        tokio::spawn(
            async move { checked_and_applied(&app, &who, &file_name, &bytes, write).await },
        );
    task.await.unwrap_or_else(|e| {
        tracing::error!(error = %e, "a roster's import stopped");
        Err(read::Unreadable {
            zh: "导入中途出错，已记录下来；请看账本里已有哪些人后再导入一次（已登记的人不会重复登记）。".into(),
            en: "the import stopped on an error, which was logged; look at who is in the ledger now and import again (people already registered are not registered twice)".into(),
        })
    })
}

async fn checked_and_applied(
    app: &crate::App,
    who: &yinling_projections::Principal,
    file_name: &str,
    bytes: &[u8],
    write: impl FnOnce(&Plan) -> bool,
) -> Result<(Plan, Option<Outcome>), read::Unreadable> {
    let _one_at_a_time = app.onboarding.lock().await;
    let plan = {
        let state = app.engine.read();
        plan(&state, file_name, bytes)?
    };
    let outcome = if write(&plan) {
        Some(apply(app, who, &plan, || {}).await)
    } else {
        None
    };
    Ok((plan, outcome))
}
