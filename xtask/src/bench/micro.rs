//! The criterion micro-benchmarks in `benches/`, run briefly; medians read from criterion's
//! own estimates.

use std::path::Path;
use std::process::Command;

/// (benchmark id, median nanoseconds).
pub type Micro = Vec<(String, f64)>;

/// Runs `cargo bench --bench micro` and collects each benchmark's median.
pub fn measure(root: &Path, quick: bool) -> Result<Micro, String> {
    let (warm, measure) = if quick { ("0.3", "1") } else { ("1", "3") };
    let status = Command::new("cargo")
        .args([
            "bench",
            "-q",
            "--bench",
            "micro",
            "--",
            "--warm-up-time",
            warm,
            "--measurement-time",
            measure,
            "--noplot",
        ])
        .current_dir(root)
        .stdout(std::process::Stdio::null())
        .status()
        .map_err(|e| e.to_string())?;
    if !status.success() {
        return Err("cargo bench --bench micro failed".into());
    }
    let mut out = Vec::new();
    let criterion = root.join("target/criterion");
    let mut stack = vec![criterion.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir)
            .map_err(|e| e.to_string())?
            .flatten()
        {
            let path = entry.path();
            if path.is_dir() {
                if path.ends_with("new") {
                    let estimates = path.join("estimates.json");
                    if let Ok(text) = std::fs::read_to_string(&estimates) {
                        let value: serde_json::Value =
                            serde_json::from_str(&text).map_err(|e| e.to_string())?;
                        let median = value["median"]["point_estimate"].as_f64().unwrap_or(0.0);
                        let id = path
                            .parent()
                            .and_then(|p| p.strip_prefix(&criterion).ok())
                            .map(|p| p.display().to_string())
                            .unwrap_or_default();
                        out.push((id, median));
                    }
                } else if !path.ends_with("report") {
                    stack.push(path);
                }
            }
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}
