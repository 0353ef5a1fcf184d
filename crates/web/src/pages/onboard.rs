//! `/onboard`: an administrator uploads a roster (`.xlsx` or CSV); the page shows the check
//! of every row (problems by sheet, row and column; likely duplicates) before anything is
//! written, and imports only when asked and clean (or asked to skip the bad rows). The
//! template is at `/onboard/template.xlsx`.

use axum::extract::{Multipart, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use maud::html;
use yinling_app::onboard::{self, template};
use yinling_app::{App, AppError};
use yinling_projections::access::Write;

use super::may_write;
use crate::i18n::Lang;
use crate::layout::{not_for_you, page, refusal, Frame};
use crate::session::Viewer;

const HERE: &str = "/onboard";

/// `/onboard`: the upload form.
pub async fn form(viewer: Viewer) -> Response {
    if let Err(r) = may_write(&viewer, &Write::Administer("import rosters")) {
        return r;
    }
    let l = viewer.lang;
    let csrf = viewer.csrf();
    page(
        Frame { viewer: &viewer, title: l.t("导入名册", "Import a roster").into(), back: Some("/counter"), as_of: None },
        html! {
            p { (l.t("上传 Excel（.xlsx）或 CSV 名册。先检查每一行，有问题的行会列出来；检查无误后再勾选“写入”。", "Upload an Excel (.xlsx) or CSV roster. Every row is checked first and problems are listed; tick “write” once it is clean.")) }
            a.button.big.plain href="/onboard/template.xlsx" { (l.t("下载名册模板", "Download the template")) }
            a.button.big.plain href="/onboard/roster.xlsx" { (l.t("导出现有名册（改后可再导入）", "Export the roster (edit it and import it again)")) }
            form method="post" action=(HERE) enctype="multipart/form-data" {
                input type="hidden" name="csrf" value=(csrf);
                label for="file" { (l.t("名册文件", "Roster file")) }
                input #file name="file" type="file" accept=".xlsx,.xls,.csv,.txt" required;
                div.choice {
                    input #write name="write" type="checkbox" value="yes";
                    label for="write" { (l.t("检查无误就写入", "Write it if it is clean")) }
                }
                div.choice {
                    input #skip name="skip" type="checkbox" value="yes";
                    label for="skip" { (l.t("跳过有问题的行，写入其余的", "Skip the bad rows, write the others")) }
                }
                button.big type="submit" { (l.t("检查", "Check")) }
            }
        },
    )
    .into_response()
}

/// Checks the uploaded roster, and imports it when asked.
pub async fn upload(State(app): State<App>, viewer: Viewer, mut form: Multipart) -> Response {
    if let Err(r) = may_write(&viewer, &Write::Administer("import rosters")) {
        return r;
    }
    let Some(session) = viewer.session.as_ref() else {
        return not_for_you(&viewer);
    };
    let l = viewer.lang;
    let (mut csrf, mut write, mut skip, mut file) = (String::new(), false, false, None);
    loop {
        match form.next_field().await {
            Ok(Some(field)) => match field.name().unwrap_or_default() {
                "csrf" => csrf = field.text().await.unwrap_or_default(),
                "write" => write = true,
                "skip" => skip = true,
                "file" => {
                    let name = field.file_name().unwrap_or("roster").to_owned();
                    match field.bytes().await {
                        Ok(b) => file = Some((name, b.to_vec())),
                        Err(e) => {
                            return refusal(
                                &viewer,
                                HERE,
                                &AppError::invalid(
                                    "bad_upload",
                                    format!("the file cannot be read: {e}"),
                                ),
                            )
                        }
                    }
                }
                _ => {}
            },
            Ok(None) => break,
            Err(e) => {
                return refusal(
                    &viewer,
                    HERE,
                    &AppError::invalid("bad_upload", format!("the upload cannot be read: {e}")),
                )
            }
        }
    }
    if viewer.cross_site || !session.check_csrf(&csrf) {
        return not_for_you(&viewer);
    }
    let Some((name, bytes)) = file else {
        return refusal(
            &viewer,
            HERE,
            &AppError::invalid("no_file", "choose the roster file"),
        );
    };
    let checked = onboard::check_and_apply(&app, &session.principal, &name, bytes, move |plan| {
        write && (plan.clean() || skip)
    })
    .await;
    let (plan, outcome) = match checked {
        Ok(done) => done,
        Err(u) => {
            return refusal(
                &viewer,
                HERE,
                &AppError::invalid("unreadable_roster", if l == Lang::Zh { u.zh } else { u.en }),
            )
        }
    };
    page(
        Frame { viewer: &viewer, title: l.t("名册检查结果", "The roster, checked").into(), back: Some(HERE), as_of: None },
        html! {
            @match &outcome {
                Some(o) if o.refused.is_empty() => { p.success role="status" { (l.s(format!("已写入 {} 条记录。", o.imported), format!("{} records written.", o.imported))) } }
                Some(o) => {
                    p.error role="alert" { (l.s(format!("已写入 {} 条记录，另有 {} 条没有写入（可能别人刚刚改过同一条记录）：", o.imported, o.refused.len()), format!("{} records written; {} were not (someone may have just changed the same record):", o.imported, o.refused.len()))) }
                    ul { @for why in &o.refused { li { (why) } } }
                }
                None if write && !plan.clean() => { p.error role="alert" { (l.t("表里还有问题，所以什么都没有写入。请改好下面列出的行再传一次，或勾选“跳过有问题的行，写入其余的”。", "The file still has problems, so nothing was written: fix the rows listed below and upload it again, or tick \"Skip the bad rows, write the others\".")) } }
                None => { p.note role="status" { (l.t("这次只是检查，什么都没有写入。", "This was a check; nothing was written.")) } }
            }
            table {
                thead { tr { th { (l.t("工作表", "Sheet")) } th { (l.t("行数", "Rows")) } th { (l.t("新的", "New")) } th { (l.t("改过的", "Edited")) } th { (l.t("已有", "Already there")) } } }
                tbody { @for (sheet, n) in &plan.rows { tr { td { (sheet) } td { (n) } td { (plan.new.get(sheet).copied().unwrap_or(0)) } td { (plan.edited.get(sheet).copied().unwrap_or(0)) } td { (plan.already.get(sheet).copied().unwrap_or(0)) } } } }
            }
            @if !plan.problems.is_empty() {
                h2 { (l.s(format!("有问题的行（{}）", plan.problems.len()), format!("Problems ({})", plan.problems.len()))) }
                div.scroll { table {
                    thead { tr { th { (l.t("工作表", "Sheet")) } th { (l.t("行", "Row")) } th { (l.t("列", "Column")) } th { (l.t("问题", "Problem")) } } }
                    tbody { @for p in &plan.problems { tr { td { (p.sheet) } td { (p.row) } td { (p.column) } td { (if l == Lang::Zh { &p.zh } else { &p.en }) } } } }
                } }
            }
            @if !plan.read_as.is_empty() {
                h2 { (l.t("按模板列名读的列", "Columns read under the template's names")) }
                p { (l.t("这些列的标题和模板不一样，但意思相同，已经按模板的列读了。请看一眼对不对。", "These columns' headers differ from the template's but mean the same; they were read as the template's columns. Check that each is right.")) }
                ul { @for (sheet, renamed) in &plan.read_as { li { (sheet) "：" @for (i, (h, c)) in renamed.iter().enumerate() { @if i > 0 { "、" } "“" (h) "”读作“" (c) "”" } } } }
            }
            @if !plan.ignored_columns.is_empty() {
                h2 { (l.t("没有读的列", "Columns not read")) }
                p { (l.t("这些列的标题不是名册认得的列名（或者同一项已经从别的列读了），里面的内容不会导入。如果要导入，请把标题改成模板里的列名（例如“手机号”），再传一次。", "These columns' headers are not ones the roster knows (or the same item was already read from another column), so nothing in them is imported. To import one, rename its header as the template names it (手机号, say) and upload again.")) }
                ul { @for (sheet, headers) in &plan.ignored_columns { li { (sheet) "：" (headers.join("、")) } } }
            }
            @if !plan.duplicates.is_empty() {
                h2 { (l.t("可能是同一个人", "Possibly the same person")) }
                ul { @for d in &plan.duplicates { li { (d.name) "（" (d.birth_year) "，" (d.district) "）：" (d.places.join(" / ")) } } }
            }
            a.button.big href=(HERE) { (l.t("再传一次", "Upload again")) }
        },
    )
    .into_response()
}

/// `/onboard/roster.xlsx`: the ledger's roster in the template's layout, with ids.
pub async fn roster_file(State(app): State<App>, viewer: Viewer) -> Response {
    if let Err(r) = may_write(&viewer, &Write::Administer("import rosters")) {
        return r;
    }
    let bytes = template::roster(&app.engine.read());
    xlsx(&viewer, bytes, "roster.xlsx")
}

/// `/onboard/template.xlsx`.
pub async fn template_file(viewer: Viewer) -> Response {
    if let Err(r) = may_write(&viewer, &Write::Administer("import rosters")) {
        return r;
    }
    xlsx(&viewer, template::template(), "roster-template.xlsx")
}

/// A workbook as a download.
fn xlsx(viewer: &Viewer, bytes: Result<Vec<u8>, impl std::fmt::Display>, name: &str) -> Response {
    match bytes {
        Ok(bytes) => (
            [
                (
                    header::CONTENT_TYPE,
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_owned(),
                ),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{name}\""),
                ),
            ],
            bytes,
        )
            .into_response(),
        Err(e) => refusal(viewer, HERE, &AppError::internal(&e)),
    }
}
