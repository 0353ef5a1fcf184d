//! Which rows of the ranking index changed since the last whole snapshot, for a snapshot of
//! the changes (`ranking_changes`): kept here, apart from what reads them, so that the index
//! holds them without importing the module that writes its changes.

/// Which rows of the ranking index changed since the last whole snapshot (a bit a row), and
/// how many rows there were then; `None` while rows are not tracked. Bookkeeping, not part of
/// the index's value: every two are equal.
#[derive(Clone, Debug, Default)]
pub(crate) struct TouchedRows {
    tracked: Option<(usize, Vec<u64>)>,
}

impl PartialEq for TouchedRows {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for TouchedRows {}

impl TouchedRows {
    /// Tracks from now on, with no row touched yet, the index holding `rows` rows.
    pub(crate) fn start(&mut self, rows: usize) {
        self.tracked = Some((rows, Vec::new()));
    }

    /// Notes that `row` changed, when rows are tracked.
    pub(crate) fn mark(&mut self, row: usize) {
        if let Some((_, bits)) = &mut self.tracked {
            let word = row / 64;
            if bits.len() <= word {
                bits.resize(word + 1, 0);
            }
            if let Some(w) = bits.get_mut(word) {
                *w |= 1 << (row % 64);
            }
        }
    }

    /// The rows the index held when tracking started, and those touched since that were
    /// among them, ascending.
    pub(crate) fn changed_before(&self) -> Option<(usize, Vec<usize>)> {
        let (base, bits) = self.tracked.as_ref()?;
        let rows = bits
            .iter()
            .enumerate()
            .flat_map(|(w, word)| {
                (0..64)
                    .filter(move |b| word & (1u64 << b) != 0)
                    .map(move |b| w * 64 + b)
            })
            .take_while(|row| row < base)
            .collect();
        Some((*base, rows))
    }
}
