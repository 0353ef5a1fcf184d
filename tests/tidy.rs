//! The claims of ARCHITECTURE.md, checked on the source tree (in the manner of
//! rust-analyzer's tidy tests): which crate may depend on which, which crates may touch the
//! filesystem or name a storage engine's types, that every limit is a named constant in its
//! crate's `limits.rs`, that every sled database names its cache's size, that no crate's modules import each other in a circle, and that no
//! file or function outgrows what one reader holds.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Longest source file, in lines.
const FILE_BUDGET_LINES: usize = 800;

/// Longest function, in lines (the demo city's generator is a script and is measured apart).
const FUNCTION_BUDGET_LINES: usize = 170;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every `.rs` file under `dir`, recursively.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// The library crates by directory name, and the source trees of every crate.
fn source_trees() -> Vec<(String, PathBuf)> {
    let mut out: Vec<(String, PathBuf)> =
        ["ledger", "nats-log", "projections", "app", "api", "web"]
            .iter()
            .map(|c| (c.to_string(), root().join("crates").join(c).join("src")))
            .collect();
    out.push(("yinling".into(), root().join("src")));
    out.push(("verify".into(), root().join("crates/verify/src")));
    out.push(("alloc".into(), root().join("crates/alloc/src")));
    out.push(("xtask".into(), root().join("xtask/src")));
    out
}

/// The code of a file without its `#[cfg(test)]` module (tests may do what code may not); a
/// module's tests kept in a file of their own (`statement/tests.rs`) are all test.
fn code_of(path: &Path) -> String {
    if path.file_name().is_some_and(|name| name == "tests.rs") {
        return String::new();
    }
    let text = std::fs::read_to_string(path).expect("source");
    match text.find("#[cfg(test)]") {
        Some(at) => text[..at].to_owned(),
        None => text,
    }
}

/// The crates a manifest depends on (normal and dev dependencies; not the workspace's table
/// of versions).
fn dependency_names(manifest: &Path) -> BTreeSet<String> {
    let text = std::fs::read_to_string(manifest).expect("manifest");
    let mut section = String::new();
    let mut out = BTreeSet::new();
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            section = line.to_owned();
            continue;
        }
        if section == "[dependencies]" || section == "[dev-dependencies]" {
            if let Some(name) = line
                .split(['.', '=', ' '])
                .next()
                .filter(|n| !n.is_empty() && !n.starts_with('#'))
            {
                out.insert(name.to_owned());
            }
        }
    }
    out
}

/// The `yinling-*` crates a manifest depends on.
fn internal_deps(manifest: &Path) -> BTreeSet<String> {
    dependency_names(manifest)
        .into_iter()
        .filter_map(|n| n.strip_prefix("yinling-").map(str::to_owned))
        .collect()
}

#[test]
fn dependencies_point_one_way_and_the_front_ends_are_siblings() {
    let allowed: BTreeMap<&str, &[&str]> = BTreeMap::from([
        ("ledger", &[][..]),
        ("nats-log", &["ledger"][..]),
        ("projections", &["ledger"][..]),
        ("app", &["ledger", "nats-log", "projections"][..]),
        ("api", &["app", "ledger", "projections"][..]),
        ("web", &["app", "ledger", "projections"][..]),
        (
            "xtask",
            &["alloc", "app", "ledger", "nats-log", "projections"][..],
        ),
        ("verify", &["ledger"][..]),
        ("alloc", &[][..]),
    ]);
    for (krate, ok) in &allowed {
        let manifest = if *krate == "xtask" {
            root().join("xtask/Cargo.toml")
        } else {
            root().join("crates").join(krate).join("Cargo.toml")
        };
        for dep in internal_deps(&manifest) {
            assert!(
                ok.contains(&dep.as_str()),
                "{krate} depends on yinling-{dep}; ARCHITECTURE.md allows only {ok:?}"
            );
        }
    }
}

/// Every crate but the allocator's keeps the workspace's lints, `unsafe_code = "forbid"` among
/// them: the project's one `unsafe impl` is its global allocator's, in a crate of its own that
/// holds nothing else (`crates/alloc`).
#[test]
fn only_the_allocator_crate_may_write_unsafe_code() {
    let workspace = std::fs::read_to_string(root().join("Cargo.toml")).expect("manifest");
    assert!(
        workspace.contains("[workspace.lints.rust]\nunsafe_code = \"forbid\""),
        "the workspace's lints forbid unsafe code"
    );
    let mut manifests = vec![root().join("Cargo.toml"), root().join("xtask/Cargo.toml")];
    for entry in std::fs::read_dir(root().join("crates")).expect("crates") {
        let dir = entry.expect("crate").path();
        if dir.file_name().is_some_and(|n| n != "alloc") {
            manifests.push(dir.join("Cargo.toml"));
        }
    }
    for manifest in &manifests {
        let text = std::fs::read_to_string(manifest).expect("manifest");
        assert!(
            text.contains("[lints]\nworkspace = true"),
            "{} does not keep the workspace's lints",
            manifest.display()
        );
    }
    let sources = rust_files(&root().join("crates/alloc/src"));
    assert_eq!(
        sources,
        vec![root().join("crates/alloc/src/lib.rs")],
        "the allocator's crate holds its allocator alone"
    );
    let code = std::fs::read_to_string(&sources[0]).expect("source");
    assert_eq!(
        code.matches("unsafe impl").count(),
        1,
        "one unsafe impl: GlobalAlloc's"
    );
    assert!(code.contains("unsafe impl GlobalAlloc for Allocator"));
}

/// Words that name a storage engine's types or the filesystem.
fn mentions(code: &str, words: &[&str]) -> Option<String> {
    code.lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .find(|l| words.iter().any(|w| l.contains(w)))
        .map(|l| l.trim().to_owned())
}

#[test]
fn only_the_log_crates_name_a_storage_engine() {
    for (krate, dir) in source_trees() {
        if krate == "ledger" || krate == "nats-log" {
            continue;
        }
        for file in rust_files(&dir) {
            if let Some(line) = mentions(&code_of(&file), &["sled::", "async_nats", "jetstream::"])
            {
                panic!("{} names a storage engine's types: {line}", file.display());
            }
        }
        let manifest = match krate.as_str() {
            "yinling" => root().join("Cargo.toml"),
            "xtask" => root().join("xtask/Cargo.toml"),
            k => root().join("crates").join(k).join("Cargo.toml"),
        };
        let deps = dependency_names(&manifest);
        for engine in ["sled", "async-nats"] {
            assert!(
                !deps.contains(engine),
                "{} depends on {engine}",
                manifest.display()
            );
        }
    }
}

/// sled keeps up to 1 GiB of pages per database unless told otherwise, and a running node
/// holds several databases: each one it opens names its cache's size (a limit of its own),
/// so a node's memory under a day of writes is what the limits say.
#[test]
fn every_sled_database_names_the_size_of_its_cache() {
    for (krate, dir) in source_trees() {
        if krate != "ledger" {
            continue;
        }
        for file in rust_files(&dir) {
            let code = code_of(&file);
            assert!(
                !code.contains("sled::open("),
                "{} opens sled with its default cache",
                file.display()
            );
            for (at, _) in code.match_indices("sled::Config::new()") {
                let chain = code[at..].split(';').next().unwrap_or_default();
                assert!(
                    chain.contains(".cache_capacity("),
                    "{} opens a sled database without a cache capacity: {chain}",
                    file.display()
                );
            }
        }
    }
}

#[test]
fn only_the_log_crates_and_the_command_line_touch_the_filesystem() {
    for (krate, dir) in source_trees() {
        if ["ledger", "nats-log", "yinling", "verify", "xtask"].contains(&krate.as_str()) {
            continue;
        }
        for file in rust_files(&dir) {
            if let Some(line) = mentions(
                &code_of(&file),
                &[
                    "std::fs",
                    "fs::",
                    "File::",
                    "OpenOptions",
                    "create_dir",
                    "remove_file",
                ],
            ) {
                panic!("{} touches the filesystem: {line}", file.display());
            }
        }
    }
}

/// Whether a constant's name says it bounds something.
fn named_like_a_limit(name: &str) -> bool {
    const PREFIXES: [&str; 3] = ["MAX_", "MIN_", "DEFAULT_"];
    const SUFFIXES: [&str; 12] = [
        "_BYTES",
        "_SECONDS",
        "_MILLIS",
        "_EVENTS",
        "_ITEMS",
        "_CHARS",
        "_UNITS",
        "_LINES",
        "_DEPTH",
        "_BATCH",
        "_STATES",
        "_COMMANDS",
    ];
    const INFIXES: [&str; 4] = ["LIMIT", "TIMEOUT", "RETRY", "WAIT"];
    PREFIXES.iter().any(|p| name.starts_with(p))
        || SUFFIXES.iter().any(|s| name.ends_with(s))
        || INFIXES.iter().any(|i| name.contains(i))
}

/// Constants named like limits that are not: what each of them is instead.
const NOT_LIMITS: [(&str, &str); 1] = [("LOCAL_UTC_OFFSET_SECONDS", "the service's calendar")];

#[test]
fn every_limit_is_a_named_constant_in_its_crates_limits_rs() {
    let mut found = Vec::new();
    for (krate, dir) in source_trees() {
        if krate == "xtask" {
            continue;
        }
        for file in rust_files(&dir) {
            if file.file_name().is_some_and(|n| n == "limits.rs") {
                continue;
            }
            for (i, line) in code_of(&file).lines().enumerate() {
                let t = line.trim_start();
                let decl = t
                    .strip_prefix("pub const ")
                    .or_else(|| t.strip_prefix("pub(crate) const "))
                    .or_else(|| t.strip_prefix("const "));
                if let Some(rest) = decl {
                    let name: String = rest
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                        .collect();
                    if named_like_a_limit(&name) && !NOT_LIMITS.iter().any(|(n, _)| *n == name) {
                        found.push(format!("{}:{}: {name}", file.display(), i + 1));
                    }
                }
                // A bound written as a literal in a comparison (`x > 365`).
                let literal_bound = [" > ", " >= ", " < ", " <= "].iter().any(|op| {
                    line.split(op).skip(1).any(|after| {
                        let digits: String = after
                            .chars()
                            .take_while(|c| c.is_ascii_digit() || *c == '_')
                            .collect();
                        digits.replace('_', "").parse::<u64>().is_ok_and(|n| n >= 2)
                    })
                });
                let literal_range = line.contains(").contains(&")
                    && line
                        .split("..=")
                        .nth(1)
                        .is_some_and(|after| after.starts_with(|c: char| c.is_ascii_digit()));
                if literal_bound || literal_range {
                    found.push(format!(
                        "{}:{}: a literal bound: {}",
                        file.display(),
                        i + 1,
                        line.trim()
                    ));
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "limits outside limits.rs:\n{}",
        found.join("\n")
    );
}

/// The top-level module a `crate::` path names.
fn imported_modules(code: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (i, _) in code.match_indices("crate::") {
        let before = code[..i].chars().last();
        if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
            continue; // `yinling_crate::`, not `crate::`
        }
        let rest = &code[i + "crate::".len()..];
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if !name.is_empty() {
            out.insert(name);
        }
        if let Some(group) = rest.strip_prefix('{') {
            for part in group.split('}').next().unwrap_or("").split(',') {
                let name: String = part
                    .trim()
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() {
                    out.insert(name);
                }
            }
        }
    }
    out
}

#[test]
fn no_crate_has_modules_that_import_each_other_in_a_circle() {
    for (krate, dir) in source_trees() {
        // module -> modules it imports (a module is a file or directory under src/).
        let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for file in rust_files(&dir) {
            let rel = file.strip_prefix(&dir).expect("under src");
            let top = rel
                .components()
                .next()
                .and_then(|c| c.as_os_str().to_str())
                .unwrap_or("")
                .trim_end_matches(".rs")
                .to_owned();
            if top == "lib" || top == "main" {
                continue;
            }
            let imports = imported_modules(&code_of(&file));
            graph
                .entry(top.clone())
                .or_default()
                .extend(imports.into_iter().filter(|m| *m != top));
        }
        let modules: BTreeSet<String> = graph.keys().cloned().collect();
        for edges in graph.values_mut() {
            edges.retain(|m| modules.contains(m));
        }
        // Depth-first search for a back edge.
        fn visit(
            m: &str,
            graph: &BTreeMap<String, BTreeSet<String>>,
            path: &mut Vec<String>,
            done: &mut BTreeSet<String>,
        ) -> Option<Vec<String>> {
            if let Some(at) = path.iter().position(|p| p == m) {
                let mut cycle = path[at..].to_vec();
                cycle.push(m.to_owned());
                return Some(cycle);
            }
            if done.contains(m) {
                return None;
            }
            path.push(m.to_owned());
            for next in graph.get(m).into_iter().flatten() {
                if let Some(c) = visit(next, graph, path, done) {
                    return Some(c);
                }
            }
            path.pop();
            done.insert(m.to_owned());
            None
        }
        let mut done = BTreeSet::new();
        for m in graph.keys() {
            if let Some(cycle) = visit(m, &graph, &mut Vec::new(), &mut done) {
                panic!(
                    "in {krate}, modules import each other in a circle: {}",
                    cycle.join(" -> ")
                );
            }
        }
    }
}

#[test]
fn no_file_or_function_outgrows_what_one_reader_holds() {
    let mut found = Vec::new();
    for (_, dir) in source_trees() {
        for file in rust_files(&dir) {
            let text = std::fs::read_to_string(&file).expect("source");
            let lines: Vec<&str> = text.lines().collect();
            if lines.len() > FILE_BUDGET_LINES {
                found.push(format!(
                    "{}: {} lines (budget {FILE_BUDGET_LINES})",
                    file.display(),
                    lines.len()
                ));
            }
            let mut i = 0;
            while i < lines.len() {
                let line = lines[i];
                let indent = line.len() - line.trim_start().len();
                let t = line.trim_start();
                let is_fn = [
                    "fn ",
                    "pub fn ",
                    "pub(crate) fn ",
                    "pub(super) fn ",
                    "async fn ",
                    "pub async fn ",
                    "pub(crate) async fn ",
                ]
                .iter()
                .any(|p| t.starts_with(p));
                if is_fn {
                    let name: String = t
                        .split("fn ")
                        .nth(1)
                        .unwrap_or("")
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect();
                    let close = format!("{}}}", " ".repeat(indent));
                    if let Some(end) = lines[i..].iter().position(|l| *l == close) {
                        let length = end + 1;
                        let scripted = file.ends_with("src/cli/demo/mod.rs") && name == "generate";
                        if length > FUNCTION_BUDGET_LINES && !scripted {
                            found.push(format!(
                                "{}: fn {name} is {length} lines (budget {FUNCTION_BUDGET_LINES})",
                                file.display()
                            ));
                        }
                        i += end;
                    }
                }
                i += 1;
            }
        }
    }
    assert!(found.is_empty(), "over budget:\n{}", found.join("\n"));
}
