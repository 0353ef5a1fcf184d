//! What the Merkle tree costs, measured in one run beside the same work without it: durable
//! appends through the group-commit writer (the tree extended by each durable batch, as the
//! engine does), the start's chain walk (the tree built as it goes), and proofs generated per
//! second from a tree of the log's size; proof sizes at one million events measured, at fifty
//! million computed from the same construction.

use std::fmt::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

use yinling_app::tree::LogTree;
use yinling_ledger::chain::{Chain, Draft};
use yinling_ledger::log::{verify_each, AppendBatch, VerifyDepth};
use yinling_ledger::merkle::MerkleTree;
use yinling_ledger::writer::{Context, PassThrough, StateMachine};
use yinling_ledger::*;

use super::appends::{self, AppendResult};
use super::median;

/// Where the section goes in BENCHMARKS.md.
pub const START: &str = "<!-- bench:tree:start (written by `cargo xtask bench --only tree`; edit outside the markers) -->";
/// End of that section.
pub const END: &str = "<!-- bench:tree:end -->";

/// Rounds of each pair, alternated so drift on a noisy machine hits both sides alike.
const ROUNDS: usize = 3;
/// (writers, events per commit) of the append pairs.
const APPENDS: [(usize, usize); 2] = [(1, 1), (64, 1)];
/// Events per segment when the walk's log is written.
const SEGMENT: usize = 1000;

/// The benchmark's writer state with the tree kept as the engine keeps it: every durable
/// batch extends the shared tree.
struct TreeKeeping {
    inner: PassThrough,
    tree: LogTree,
}

impl StateMachine for TreeKeeping {
    type Command = Vec<Commit>;
    type Rejection = std::convert::Infallible;

    fn decide(&self, command: &Vec<Commit>, c: &Context) -> Result<Vec<Commit>, Self::Rejection> {
        self.inner.decide(command, c)
    }

    fn apply(&mut self, envelope: &Envelope) {
        self.inner.apply(envelope);
    }

    fn committed(&mut self, envelopes: &[Envelope], head: Head) {
        self.tree.extend(envelopes);
        self.inner.committed(envelopes, head);
    }

    fn aborted(&mut self) {
        self.inner.aborted();
    }
}

/// One append pair: medians without and with the tree.
pub struct AppendPair {
    writers: usize,
    without: f64,
    with: f64,
    p99_without: f64,
    p99_with: f64,
}

/// The walk pair: events per second without and with the tree built.
pub struct WalkPair {
    events: u64,
    without: f64,
    with: f64,
}

/// Everything measured.
pub struct TreeResult {
    appends: Vec<AppendPair>,
    walk: WalkPair,
    inclusion_per_second: f64,
    consistency_per_second: f64,
    check_per_second: f64,
    mean_inclusion_hashes: f64,
    max_inclusion_hashes: usize,
    build_seconds: f64,
    /// Proofs as the service makes them: the start's tree (levels below the floor dropped),
    /// the dropped leaves read back from the sled log.
    served_inclusion_per_second: f64,
    served_consistency_per_second: f64,
    /// Hashes held in memory by a tree keeping every level, and by the start's tree.
    full_hashes: usize,
    floor_hashes: usize,
}

async fn appends_once(
    dir: &Path,
    writers: usize,
    epc: usize,
    tree: bool,
    duration: Duration,
) -> Result<AppendResult, String> {
    if tree {
        let machine = TreeKeeping {
            inner: PassThrough::default(),
            tree: LogTree::default(),
        };
        appends::one_with(dir, machine, writers, epc, duration).await
    } else {
        appends::one_with(dir, PassThrough::default(), writers, epc, duration).await
    }
}

/// A log of `events` one-event commits written straight to sled (no writer, no fsync per
/// commit: it only has to exist).
fn make_log(dir: &Path, events: u64) -> Result<SledLog, String> {
    let _ = std::fs::remove_dir_all(dir);
    let log = SledLog::open(dir, OpenMode::CreateIfMissing).map_err(|e| e.to_string())?;
    let mut chain = Chain::after(Head::default());
    let actor = Actor {
        token_id: Some(TokenId::generate()),
        role: Role::Coordinator,
    };
    let mut written = 0u64;
    while written < events {
        let expected_head = chain.head();
        let n = SEGMENT.min((events - written) as usize);
        let mut sealed = Vec::with_capacity(n);
        for i in 0..n {
            let activity = ActivityId::generate();
            sealed.push(
                chain
                    .seal(Draft {
                        stream: activity.stream(),
                        stream_version: 1,
                        recorded_at: Timestamp::now(),
                        actor,
                        idempotency_key: None,
                        payload: appends::service_logged(activity, i),
                    })
                    .map_err(|e| e.to_string())?,
            );
        }
        log.append(&AppendBatch {
            expected_head,
            events: sealed,
            stream_runs: Vec::new(),
            idempotency: Vec::new(),
        })
        .map_err(|e| e.to_string())?;
        written += n as u64;
    }
    Ok(log)
}

/// One walk of the chain; with `tree`, the tree built as the start builds it.
fn walk_once(log: &SledLog, tree: bool) -> Result<(f64, Option<MerkleTree>), String> {
    let started = Instant::now();
    let mut built = MerkleTree::with_floor(yinling_app::limits::TREE_FLOOR);
    let report = verify_each(log, VerifyDepth::Hashes, &mut |_| {}, &mut |h| {
        if tree {
            LogTree::push(&mut built, h);
        }
    })
    .map_err(|e| e.to_string())?;
    if report.first_bad.is_some() {
        return Err("the benchmark's log does not verify".into());
    }
    let rate = log.head().seq as f64 / started.elapsed().as_secs_f64();
    Ok((rate, tree.then_some(built)))
}

/// Operations per second of `op` over about a second, `op` given a counter.
fn per_second(mut op: impl FnMut(u64)) -> f64 {
    let started = Instant::now();
    let mut n = 0u64;
    while started.elapsed() < Duration::from_secs(1) {
        for _ in 0..1000 {
            op(n);
            n += 1;
        }
    }
    n as f64 / started.elapsed().as_secs_f64()
}

/// A cheap scrambler for proof indexes spread over the whole log.
fn spread(n: u64, size: u64) -> u64 {
    n.wrapping_mul(0x9E37_79B9_7F4A_7C15) % size
}

/// Everything, printed as it goes.
pub async fn measure(
    scratch: &Path,
    duration: Duration,
    events: u64,
) -> Result<TreeResult, String> {
    let mut pairs = Vec::new();
    for (writers, epc) in APPENDS {
        let (mut without, mut with) = (Vec::new(), Vec::new());
        for _ in 0..ROUNDS {
            without
                .push(appends_once(&scratch.join("tree-a"), writers, epc, false, duration).await?);
            with.push(appends_once(&scratch.join("tree-b"), writers, epc, true, duration).await?);
        }
        let pair = AppendPair {
            writers,
            without: median(without.iter().map(|r| r.events_per_second).collect()),
            with: median(with.iter().map(|r| r.events_per_second).collect()),
            p99_without: median(without.iter().map(|r| r.latency.p99).collect()),
            p99_with: median(with.iter().map(|r| r.latency.p99).collect()),
        };
        eprintln!(
            "  appends {writers:>3} writers: {:.0} events/s without the tree, {:.0} with",
            pair.without, pair.with
        );
        pairs.push(pair);
    }
    eprintln!("  writing a log of {events} events for the walk");
    let log = make_log(&scratch.join("tree-walk"), events)?;
    let (mut without, mut with, mut tree) = (Vec::new(), Vec::new(), None);
    for _ in 0..ROUNDS {
        without.push(walk_once(&log, false)?.0);
        let (rate, built) = walk_once(&log, true)?;
        with.push(rate);
        tree = built;
    }
    let walk = WalkPair {
        events,
        without: median(without),
        with: median(with),
    };
    eprintln!(
        "  chain walk: {:.0} events/s without the tree, {:.0} with",
        walk.without, walk.with
    );
    let tree = tree.ok_or("no tree was built")?;
    if tree.len() < 2 {
        return Err("the walk's log needs at least two events".into());
    }
    let size = tree.len();
    // Proofs as served: the start's tree reads the leaves it dropped back from the log.
    let log: std::sync::Arc<dyn EventLog> = std::sync::Arc::new(log);
    let floor_hashes = tree.kept_hashes();
    let served = LogTree::from_tree(tree, Some(log.clone()));
    served
        .inclusion(spread(12_345, size) + 1, None)
        .and_then(|_| served.consistency(spread(12_345, size - 1) + 1, None))
        .map_err(|e| format!("a served proof failed: {e:?}"))?;
    let served_inclusion_per_second = per_second(|n| {
        let _ = served.inclusion(spread(n, size) + 1, None);
    });
    let served_consistency_per_second = per_second(|n| {
        let _ = served.consistency(spread(n, size - 1) + 1, None);
    });
    drop(served);
    drop(log);
    let _ = std::fs::remove_dir_all(scratch.join("tree-walk"));
    let leaves: Vec<yinling_ledger::Hash> = (0..size)
        .map(|i| yinling_ledger::merkle::leaf_hash(&i.to_be_bytes()))
        .collect();
    let started = Instant::now();
    let mut rebuilt = MerkleTree::new();
    for l in &leaves {
        rebuilt.push_leaf_hash(*l);
    }
    let build_seconds = started.elapsed().as_secs_f64();
    drop(leaves);
    // The in-memory figures below are of a tree that keeps every level.
    let full_hashes = rebuilt.kept_hashes();
    let tree = &rebuilt;
    // A proof that fails would be timed as a fast one: check that they hold first.
    let probe = spread(12_345, size);
    let leaf = yinling_ledger::merkle::leaf_hash(&probe.to_be_bytes());
    let path = rebuilt
        .inclusion_proof(probe, size)
        .map_err(|e| e.to_string())?;
    yinling_ledger::merkle::verify_inclusion(&leaf, probe, size, &path, &rebuilt.root())
        .map_err(|e| format!("the benchmark's proof does not hold: {e}"))?;
    tree.inclusion_proof(probe, size)
        .and_then(|_| tree.consistency_proof(probe + 1, size))
        .map_err(|e| e.to_string())?;
    let inclusion_per_second = per_second(|n| {
        let _ = tree.inclusion_proof(spread(n, size), size);
    });
    let consistency_per_second = per_second(|n| {
        let _ = tree.consistency_proof(spread(n, size - 1) + 1, size);
    });
    let proofs: Vec<(u64, Vec<yinling_ledger::Hash>)> = (0..1000u64)
        .map(|n| {
            let i = spread(n, size);
            (i, tree.inclusion_proof(i, size).unwrap_or_default())
        })
        .collect();
    let check_per_second = {
        let rebuilt_root = rebuilt.root();
        let probe: Vec<(u64, yinling_ledger::Hash, Vec<yinling_ledger::Hash>)> = (0..1000u64)
            .map(|n| {
                let i = spread(n, size);
                (
                    i,
                    yinling_ledger::merkle::leaf_hash(&i.to_be_bytes()),
                    rebuilt.inclusion_proof(i, size).unwrap_or_default(),
                )
            })
            .collect();
        per_second(|n| {
            let (i, leaf, path) = &probe[(n % 1000) as usize];
            let _ = yinling_ledger::merkle::verify_inclusion(leaf, *i, size, path, &rebuilt_root);
        })
    };
    let lengths: Vec<usize> = proofs.iter().map(|(_, p)| p.len()).collect();
    Ok(TreeResult {
        appends: pairs,
        walk,
        inclusion_per_second,
        consistency_per_second,
        check_per_second,
        mean_inclusion_hashes: lengths.iter().sum::<usize>() as f64 / lengths.len().max(1) as f64,
        max_inclusion_hashes: lengths.iter().copied().max().unwrap_or(0),
        build_seconds,
        served_inclusion_per_second,
        served_consistency_per_second,
        full_hashes,
        floor_hashes,
    })
}

/// Hashes in an inclusion proof of a tree of `size` leaves: at most ⌈log2 size⌉ (RFC 9162).
fn max_hashes(size: u64) -> u32 {
    u64::BITS - (size.max(2) - 1).leading_zeros()
}

/// The section, in Markdown.
pub fn section(r: &TreeResult, seconds: u64) -> String {
    let mut t = String::new();
    let _ = writeln!(t, "### What the Merkle tree costs (#22)\n");
    let _ = writeln!(
        t,
        "Measured {} on {}. Command: `cargo xtask bench --only tree` ({seconds} s per append figure; \
         each pair run {ROUNDS} times alternately, medians). *Without*: the group-commit writer and sled \
         exactly as in the main table. *With*: the same, every durable batch extending the shared tree \
         (`LogTree::extend`, what the engine does). The walk is the start's chain walk (read + check every \
         hash link) over a log of {} one-event commits, with and without the tree built as it goes.\n",
        chrono::Utc::now().format("%Y-%m-%d %H:%M UTC"),
        super::report::machine(),
        r.walk.events,
    );
    let _ = writeln!(
        t,
        "| work | without the tree | with the tree | with / without |"
    );
    let _ = writeln!(t, "|---|---:|---:|---:|");
    for p in &r.appends {
        let _ = writeln!(
            t,
            "| durable appends, {} writer(s) × 1 event, events/s | {:.0} | {:.0} | {:.2} |",
            p.writers,
            p.without,
            p.with,
            p.with / p.without.max(1.0)
        );
        let _ = writeln!(
            t,
            "| the same, p99 latency ms | {:.2} | {:.2} | {:.2} |",
            p.p99_without / 1000.0,
            p.p99_with / 1000.0,
            p.p99_with / p.p99_without.max(1.0)
        );
    }
    let _ = writeln!(
        t,
        "| chain walk at start, events/s | {:.0} | {:.0} | {:.2} |\n",
        r.walk.without,
        r.walk.with,
        r.walk.with / r.walk.without.max(1.0)
    );
    let size = r.walk.events;
    let _ = writeln!(t, "| proofs on a tree of {size} events | figure |");
    let _ = writeln!(t, "|---|---:|");
    let _ = writeln!(
        t,
        "| tree built from {size} leaf hashes | {:.0} ms |",
        r.build_seconds * 1000.0
    );
    let _ = writeln!(
        t,
        "| inclusion proofs generated, per second (leaves spread over the log) | {:.0} |",
        r.inclusion_per_second
    );
    let _ = writeln!(
        t,
        "| consistency proofs generated, per second (old sizes spread over the log) | {:.0} |",
        r.consistency_per_second
    );
    let _ = writeln!(
        t,
        "| inclusion proofs checked, per second | {:.0} |",
        r.check_per_second
    );
    let _ = writeln!(
        t,
        "| tree in memory, keeping every level | {:.1} MB ({:.1} bytes an event) |",
        r.full_hashes as f64 * 32.0 / 1e6,
        r.full_hashes as f64 * 32.0 / size.max(1) as f64
    );
    let _ = writeln!(
        t,
        "| tree in memory as the start builds it (levels below {} dropped) | {:.2} MB ({:.2} bytes an event) |",
        yinling_app::limits::TREE_FLOOR,
        r.floor_hashes as f64 * 32.0 / 1e6,
        r.floor_hashes as f64 * 32.0 / size.max(1) as f64
    );
    let _ = writeln!(
        t,
        "| inclusion proofs as served (dropped leaves read back from sled), per second | {:.0} |",
        r.served_inclusion_per_second
    );
    let _ = writeln!(
        t,
        "| consistency proofs as served, per second | {:.0} |",
        r.served_consistency_per_second
    );
    let _ = writeln!(
        t,
        "| inclusion proof at {size} events, measured (1,000 leaves): mean / most | {:.1} / {} hashes ({:.0} / {} bytes) |",
        r.mean_inclusion_hashes,
        r.max_inclusion_hashes,
        r.mean_inclusion_hashes * 32.0,
        r.max_inclusion_hashes * 32
    );
    let big = 50_000_000u64;
    let _ = writeln!(
        t,
        "| inclusion proof at {big} events, computed (⌈log2 n⌉) | at most {} hashes ({} bytes) |",
        max_hashes(big),
        max_hashes(big) * 32
    );
    t
}

/// Writes the section between its markers.
pub fn write(path: &Path, text: &str) -> Result<(), String> {
    super::report::write_section(path, START, END, text)
}
