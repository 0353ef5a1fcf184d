//! The stylesheet and the small script, compiled into the binary.

use axum::http::header;
use axum::response::IntoResponse;

/// Styles for older eyes and thumbs: 20 px text and up, line height 1.6, contrast above WCAG
/// AAA (near-black on white, white on deep blue), touch targets of 56 px, visible focus, one
/// column that works from 320 px wide.
pub const CSS: &str = r#"
:root { --ink: #111; --paper: #fff; --blue: #0b3d91; --blue-dark: #082a66; --line: #555; --soft: #f3f5f9; --warn: #7a2e00; --ok: #0b5a1f; }
* { box-sizing: border-box; }
html { font-size: 125%; }
body { margin: 0; font-family: "PingFang SC", "Noto Sans CJK SC", "Microsoft YaHei", system-ui, sans-serif; color: var(--ink); background: var(--paper); line-height: 1.6; }
a { color: var(--blue); text-underline-offset: 0.2em; }
a:focus, button:focus, input:focus, select:focus, summary:focus { outline: 4px solid #b35c00; outline-offset: 3px; }
.skip { position: absolute; left: -999px; } .skip:focus { left: 0.5rem; top: 0.5rem; background: var(--paper); padding: 0.5rem; z-index: 10; }
header.bar { display: flex; flex-wrap: wrap; gap: 0.5rem; align-items: center; padding: 0.5rem; border-bottom: 2px solid var(--line); background: var(--soft); }
header.bar .spacer { flex: 1; }
main { max-width: 46rem; margin: 0 auto; padding: 0.75rem; }
h1 { font-size: 1.6rem; margin: 0.5rem 0; } h2 { font-size: 1.3rem; margin: 1.2rem 0 0.5rem; }
.button, button { display: inline-flex; align-items: center; justify-content: center; gap: 0.3em; min-height: 56px; min-width: 56px; padding: 0.4rem 1rem; font: inherit; font-weight: 600; border-radius: 10px; border: 2px solid var(--blue); background: var(--blue); color: #fff; text-decoration: none; cursor: pointer; }
.button.plain, button.plain { background: var(--paper); color: var(--blue); }
.button.big, button.big { width: 100%; font-size: 1.2rem; margin: 0.4rem 0; }
button:disabled { background: #ddd; color: #333; border-color: #999; cursor: not-allowed; }
.balance { font-size: 3.2rem; font-weight: 800; line-height: 1.1; margin: 0.2rem 0; }
.stars { font-size: 1.6rem; letter-spacing: 0.15em; }
.notice { font-size: 1.25rem; line-height: 1.7; }
.sheet { border-top: 2px solid #999; margin-top: 1.5rem; padding-top: 0.5rem; } .sheet .big { font-size: 2.4rem; margin: 0.2rem 0; } .sheet .proof, .sheet .fingerprint { font-size: 0.75rem; margin: 0.2rem 0; }
.card { border: 2px solid var(--line); border-radius: 12px; padding: 0.8rem 1rem; margin: 0.8rem 0; }
.note { background: #fff7d6; border: 2px solid #8a6d00; border-radius: 10px; padding: 0.6rem 0.8rem; }
.error { background: #fde8e4; border: 2px solid var(--warn); border-radius: 10px; padding: 0.6rem 0.8rem; color: #5a1f00; }
.success { background: #e6f4e9; border: 2px solid var(--ok); border-radius: 10px; padding: 0.6rem 0.8rem; color: #053811; }
.list { list-style: none; padding: 0; margin: 0; } .list > li { border-bottom: 1px solid #999; padding: 0.6rem 0; }
.row { display: flex; flex-wrap: wrap; justify-content: space-between; gap: 0.5rem; align-items: center; }
.amount { font-weight: 700; white-space: nowrap; } .plus { color: var(--ok); } .minus { color: var(--warn); }
.muted { color: #3d3d3d; }
label { display: block; font-weight: 600; margin: 0.8rem 0 0.2rem; }
input, select, textarea { font: inherit; min-height: 56px; width: 100%; padding: 0.4rem 0.6rem; border: 2px solid var(--line); border-radius: 8px; background: #fff; color: var(--ink); }
input[type=checkbox] { width: 32px; height: 32px; min-height: 32px; }
input[type=radio] { width: 48px; height: 48px; min-height: 48px; margin: 0; }
.pick { display: grid; grid-template-columns: auto 1fr 6.5rem; gap: 0.5rem; align-items: center; padding: 0.3rem 0; border-bottom: 1px solid #bbb; }
.pick label { margin: 0; font-weight: 400; min-height: 48px; display: flex; align-items: center; }
summary { min-height: 48px; padding: 0.5rem 0; cursor: pointer; font-weight: 600; }
.choice { display: grid; grid-template-columns: auto 1fr; gap: 0.5rem; align-items: center; padding: 0.3rem 0; border-bottom: 1px solid #bbb; }
.choice label { margin: 0; font-weight: 400; min-height: 48px; display: flex; align-items: center; }
.scroll { overflow-x: auto; margin: 0.5rem 0; } .scroll table { min-width: 36rem; }
table { border-collapse: collapse; width: 100%; } th, td { text-align: left; padding: 0.4rem; border-bottom: 1px solid #999; vertical-align: top; }
figure { margin: 0 0 1rem; } .chart { width: 100%; max-width: 24rem; height: auto; } .chart text { font-size: 18px; fill: #111; }
.qr-card { border: 2px dashed #333; border-radius: 12px; padding: 0.8rem; margin: 0.8rem 0; text-align: center; break-inside: avoid; }
.qr-card svg { width: 200px; height: 200px; }
p.big { font-size: 1.5rem; font-weight: 700; }
.slip { font-size: 1.3rem; line-height: 1.6; border: 2px dashed #333; text-align: center; break-inside: avoid; }
.slip .big { font-size: 1.6rem; font-weight: 700; } .slip .code { font-family: ui-monospace, monospace; font-size: 2.4rem; font-weight: 700; letter-spacing: 0.1em; margin: 0.4rem 0; }
.slip .qr svg { width: 50mm; height: 50mm; }
pre.checkpoint { font-size: 1.1rem; line-height: 1.5; white-space: pre-wrap; overflow-wrap: anywhere; text-align: left; }
code, .hash, .fingerprint { font-family: ui-monospace, monospace; word-break: break-all; font-size: 0.9rem; }
footer { text-align: center; padding: 1.5rem 0.5rem; color: #3d3d3d; }
.counter-name { font-size: 2.2rem; font-weight: 700; margin: 0.2rem 0; }
.counter-balance { font-size: 1.6rem; } .counter-balance strong { font-size: 2.6rem; }
.receipt { font-size: 1.4rem; line-height: 1.45; max-width: 34rem; border: 2px solid #333; border-radius: 8px; padding: 0.8rem; }
.receipt .receipt-title { font-weight: 700; text-align: center; margin: 0 0 0.4rem; }
.receipt .big { font-size: 2rem; font-weight: 700; margin: 0.2rem 0; }
.receipt dl { display: grid; grid-template-columns: auto 1fr; gap: 0.2rem 0.8rem; margin: 0; }
.receipt-qr svg { width: 40mm; height: 40mm; }
.receipt dt { font-weight: 600; } .receipt dd { margin: 0; overflow-wrap: anywhere; }
@media print { header.bar, footer, .no-print, .skip { display: none; } body { margin: 0; } main { padding: 0; margin: 0; max-width: none; } h1 { font-size: 1rem; margin: 0 0 2mm; } .receipt { border: none; padding: 0; max-width: none; } }
"#;

/// Progressive comfort only; every page works without it.
pub const JS: &str = r#"
document.addEventListener('DOMContentLoaded', function () {
  var search = document.getElementById('picker-search');
  if (search) {
    search.hidden = false;
    search.addEventListener('input', function () {
      var q = search.value.trim().toLowerCase();
      document.querySelectorAll('.pick').forEach(function (row) {
        row.hidden = q !== '' && row.getAttribute('data-name').toLowerCase().indexOf(q) < 0;
      });
    });
  }
  document.querySelectorAll('form[data-busy]').forEach(function (form) {
    form.addEventListener('submit', function () {
      var note = document.getElementById(form.getAttribute('data-busy'));
      if (note) { note.hidden = false; var t = 0; setInterval(function () { t += 1; note.querySelector('.seconds').textContent = t; }, 1000); }
      form.querySelectorAll('button').forEach(function (b) { b.disabled = true; });
    });
  });
  document.querySelectorAll('[data-print]').forEach(function (b) { b.hidden = false; b.addEventListener('click', function () { window.print(); }); });
});
"#;

/// The stylesheet.
pub async fn css() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        CSS,
    )
}

/// The script.
pub async fn js() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        JS,
    )
}
