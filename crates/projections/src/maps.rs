//! The hash map of the folded state.

use std::collections::HashMap;

/// FxHash maps: fast on the UUIDv7 keys the service itself generates (no key is chosen by a
/// client, so there is no hash-flooding input).
pub type FastMap<K, V> = HashMap<K, V, rustc_hash::FxBuildHasher>;
