//! Server-rendered SVG charts, readable without colour: every bar carries its value as text,
//! the bars are one dark tone on white, and each chart has a title and a text description.

use std::fmt::Write as _;

use maud::{html, Markup, PreEscaped};

/// One bar: its label, its value and how the value is written.
pub struct Bar {
    /// The label (a team, a district, a month).
    pub label: String,
    /// The value.
    pub value: f64,
    /// The value as shown.
    pub shown: String,
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Drawing units across a chart: about a phone's width, so its 18-unit text is drawn at 16
/// to 18 pixels on a 390-pixel phone (the chart is as wide as the page, up to 24rem).
const CHART_WIDTH: f64 = 400.0;

/// A bar chart, one row a bar: the label on its own line above the bar (a team's long name
/// fits whole), the value beside the bar's end. Rows, not columns, for a year of months too
/// (oldest first): it reads on a phone as well as a ranking does.
pub fn horizontal(id: &str, title: &str, bars: &[Bar]) -> Markup {
    let row = 62.0;
    let bar_width = 270.0;
    let height = row * bars.len() as f64 + 6.0;
    let max = bars
        .iter()
        .map(|b| b.value)
        .fold(0.0_f64, f64::max)
        .max(1e-9);
    let mut svg = format!(
        r#"<svg class="chart" id="{id}" role="img" aria-labelledby="{id}-title {id}-desc" viewBox="0 0 {CHART_WIDTH} {height}" xmlns="http://www.w3.org/2000/svg"><title id="{id}-title">{}</title><desc id="{id}-desc">"#,
        escape(title)
    );
    for b in bars {
        let _ = write!(svg, "{}: {}; ", escape(&b.label), escape(&b.shown));
    }
    svg.push_str("</desc>");
    for (i, b) in bars.iter().enumerate() {
        let y = i as f64 * row;
        let w = (b.value.max(0.0) / max * bar_width).max(2.0);
        let label: String = b.label.chars().take(21).collect();
        let _ = write!(
            svg,
            r##"<text x="0" y="{}">{}</text><rect x="0" y="{}" width="{w:.1}" height="24" fill="#0b3d91"/><text x="{}" y="{}">{}</text>"##,
            y + 22.0,
            escape(&label),
            y + 30.0,
            w + 6.0,
            y + 49.0,
            escape(&b.shown)
        );
    }
    svg.push_str("</svg>");
    html! { figure { (PreEscaped(svg)) } }
}
