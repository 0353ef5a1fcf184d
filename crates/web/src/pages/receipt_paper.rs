//! The paper a counter's receipts print on: a 58 mm or 80 mm receipt-printer roll, or A5.
//! A counter has one printer, so the paper chosen once is remembered by that counter's
//! browser (a cookie) and used for every receipt after, the one a hand-over opens included;
//! a choice in the link (`?paper=`) wins and is remembered in turn.

use axum::http::{HeaderMap, HeaderValue};
use maud::{html, Markup};
use serde::Deserialize;
use yinling_ledger::RedemptionId;

use crate::i18n::Lang;
use crate::limits::PAPER_REMEMBERED_SECONDS;
use crate::session::cookie;

/// Name of the cookie that remembers the receipt paper.
pub const PAPER_COOKIE: &str = "yl_paper";

/// `?paper=` of a receipt.
#[derive(Debug, Default, Deserialize)]
pub struct Paper {
    /// `58`, `80` (receipt printer roll widths, mm) or `a5`.
    pub paper: Option<String>,
}

/// A paper by its name in a link or the cookie; `None` for anything else.
fn named(name: &str) -> Option<&'static str> {
    match name {
        "58" => Some("58"),
        "80" => Some("80"),
        "a5" | "A5" => Some("a5"),
        _ => None,
    }
}

/// The paper to print on: the link's choice (with the cookie that remembers it), else the
/// one this browser remembers, else A5 (any printer takes it).
pub fn chosen(p: &Paper, headers: &HeaderMap) -> (&'static str, Option<HeaderValue>) {
    if let Some(paper) = p.paper.as_deref().and_then(named) {
        let remember = HeaderValue::from_str(&format!(
            "{PAPER_COOKIE}={paper}; Path=/counter; HttpOnly; SameSite=Strict; Max-Age={PAPER_REMEMBERED_SECONDS}"
        ))
        .ok();
        return (paper, remember);
    }
    let remembered = cookie(headers, PAPER_COOKIE).and_then(named);
    (remembered.unwrap_or("a5"), None)
}

/// The page size and text size each paper prints at. A roll is cut where the page ends, so
/// a roll's page is as long as the longest receipt (a receipt printer feeds no more).
pub fn css(paper: &str) -> &'static str {
    match paper {
        "58" => "@page { size: 58mm 170mm; margin: 2mm; } @media print { .receipt { width: 54mm; font-size: 12pt; } .receipt .big { font-size: 16pt; } }",
        "80" => "@page { size: 80mm 150mm; margin: 3mm; } @media print { .receipt { width: 74mm; font-size: 14pt; } .receipt .big { font-size: 20pt; } }",
        _ => "@page { size: A5 portrait; margin: 12mm; } @media print { .receipt { width: 124mm; font-size: 18pt; } .receipt .big { font-size: 26pt; } }",
    }
}

/// The links to the receipt on each paper, the one in use (`current`, empty for none)
/// marked as such.
pub fn print_links(l: Lang, id: &RedemptionId, current: &str) -> Markup {
    let papers = [("58", "58 mm"), ("80", "80 mm"), ("a5", "A5")];
    html! {
        p.no-print {
            (l.t("打印凭条：", "Print the receipt: "))
            @for (i, (paper, label)) in papers.iter().enumerate() {
                @if i > 0 { " " }
                @if *paper == current {
                    a.button.plain href={ "/counter/receipts/" (id) "?paper=" (paper) } aria-current="true" { (label) " ✓" }
                } @else {
                    a.button.plain href={ "/counter/receipts/" (id) "?paper=" (paper) } { (label) }
                }
            }
        }
    }
}
