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

/// A horizontal bar chart (long labels such as team names fit on the left).
pub fn horizontal(id: &str, title: &str, bars: &[Bar]) -> Markup {
    let row = 38.0;
    let label_width = 320.0;
    let bar_width = 300.0;
    let height = row * bars.len() as f64 + 10.0;
    let max = bars
        .iter()
        .map(|b| b.value)
        .fold(0.0_f64, f64::max)
        .max(1e-9);
    let mut svg = format!(
        r#"<svg class="chart" id="{id}" role="img" aria-labelledby="{id}-title {id}-desc" viewBox="0 0 {} {height}" xmlns="http://www.w3.org/2000/svg"><title id="{id}-title">{}</title><desc id="{id}-desc">"#,
        label_width + bar_width + 110.0,
        escape(title)
    );
    for b in bars {
        let _ = write!(svg, "{}: {}; ", escape(&b.label), escape(&b.shown));
    }
    svg.push_str("</desc>");
    for (i, b) in bars.iter().enumerate() {
        let y = i as f64 * row + 5.0;
        let w = (b.value.max(0.0) / max * bar_width).max(2.0);
        let label: String = b.label.chars().take(16).collect();
        let _ = write!(
            svg,
            r##"<text x="{}" y="{}" text-anchor="end">{}</text><rect x="{}" y="{}" width="{w:.1}" height="{}" fill="#0b3d91"/><text x="{}" y="{}">{}</text>"##,
            label_width - 8.0,
            y + row * 0.62,
            escape(&label),
            label_width,
            y + 4.0,
            row - 10.0,
            label_width + w + 6.0,
            y + row * 0.62,
            escape(&b.shown)
        );
    }
    svg.push_str("</svg>");
    html! { figure { (PreEscaped(svg)) } }
}

/// A vertical bar chart over time (months).
pub fn columns(id: &str, title: &str, bars: &[Bar]) -> Markup {
    let col = 44.0;
    let height = 240.0;
    let top = 30.0;
    let max = bars
        .iter()
        .map(|b| b.value)
        .fold(0.0_f64, f64::max)
        .max(1e-9);
    let width = col * bars.len().max(1) as f64 + 20.0;
    let mut svg = format!(
        r#"<svg class="chart" id="{id}" role="img" aria-labelledby="{id}-title {id}-desc" viewBox="0 0 {width} {}" xmlns="http://www.w3.org/2000/svg"><title id="{id}-title">{}</title><desc id="{id}-desc">"#,
        height + 40.0,
        escape(title)
    );
    for b in bars {
        let _ = write!(svg, "{}: {}; ", escape(&b.label), escape(&b.shown));
    }
    svg.push_str("</desc>");
    for (i, b) in bars.iter().enumerate() {
        let x = i as f64 * col + 10.0;
        let h = (b.value.max(0.0) / max * (height - top)).max(1.0);
        let _ = write!(
            svg,
            r##"<rect x="{}" y="{}" width="{}" height="{h:.1}" fill="#0b3d91"/><text x="{}" y="{}" text-anchor="middle" font-size="15">{}</text><text x="{}" y="{}" text-anchor="middle">{}</text>"##,
            x + 4.0,
            height - h,
            col - 8.0,
            x + col / 2.0,
            height - h - 6.0,
            escape(&b.shown),
            x + col / 2.0,
            height + 22.0,
            escape(&b.label)
        );
    }
    svg.push_str("</svg>");
    html! { figure { (PreEscaped(svg)) } }
}
