//! Ids by registration number: what lets a packed entry name a volunteer in two or three
//! bytes instead of the sixteen of its id.
//!
//! Every volunteer has a number, in the order registered (1 for the first; volunteers are
//! never taken out of the state, so the numbers run without a gap). An activity's participants
//! hold the number (`participants`); at a province's density they are a hundred of
//! a volunteer's entries, and the ids were three quarters of their bytes (BENCHMARKS.md,
//! "Participants by registration number"). This column turns a number back into the id.
//!
//! The column is derived: a snapshot does not hold it, and [`Numbered::from_numbers`] builds it
//! again from the numbers the rows hold when one is read, refusing numbers that repeat or
//! leave a gap.

use crate::chunks::Chunks;

/// Ids in the order their numbers were given: the id numbered `n` is row `n - 1`. Held in
/// [`Chunks`], so a snapshot's clone of the state copies a pointer a chunk.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Numbered<K> {
    ids: Chunks<K>,
}

impl<K> Default for Numbered<K> {
    fn default() -> Self {
        Numbered {
            ids: Chunks::default(),
        }
    }
}

impl<K: Copy> Numbered<K> {
    /// The number the next id pushed gets (1 for the first).
    pub fn next_number(&self) -> u32 {
        u32::try_from(self.ids.len() + 1).unwrap_or(u32::MAX)
    }

    /// Gives `id` the next number, and returns it.
    pub fn push(&mut self, id: K) -> u32 {
        let number = self.next_number();
        self.ids.push(id);
        number
    }

    /// The id numbered `number`, if one is.
    pub fn id_of(&self, number: u32) -> Option<K> {
        let row = usize::try_from(number).ok()?.checked_sub(1)?;
        self.ids.get(row).copied()
    }

    /// How many ids have a number.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether none has.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Checks the column gives each of `count` ids its number, and has no more: refused,
    /// with why, otherwise (the start's invariant check).
    pub fn holds_exactly(
        &self,
        count: usize,
        numbered: impl IntoIterator<Item = (u32, K)>,
    ) -> Result<(), String>
    where
        K: PartialEq + std::fmt::Display,
    {
        if self.len() != count {
            return Err(format!("{} numbered, {count} in all", self.len()));
        }
        match numbered
            .into_iter()
            .find(|(number, id)| self.id_of(*number).as_ref() != Some(id))
        {
            Some((number, id)) => Err(format!("{id} is not number {number}")),
            None => Ok(()),
        }
    }

    /// The column again from each id's number (in any order), as a snapshot's rows hold
    /// them. Refused, with why, when a number is 0, repeats, or leaves a gap.
    pub fn from_numbers(
        count: usize,
        numbered: impl IntoIterator<Item = (u32, K)>,
    ) -> Result<Self, String> {
        let mut rows: Vec<Option<K>> = vec![None; count];
        for (number, id) in numbered {
            let row = usize::try_from(number)
                .ok()
                .and_then(|n| n.checked_sub(1))
                .filter(|row| *row < count)
                .ok_or_else(|| format!("number {number} is not one of 1 to {count}"))?;
            if rows[row].replace(id).is_some() {
                return Err(format!("number {number} is given twice"));
            }
        }
        let mut ids = Chunks::default();
        for (row, id) in rows.into_iter().enumerate() {
            ids.push(id.ok_or_else(|| format!("number {} is given to none", row + 1))?);
        }
        Ok(Numbered { ids })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_run_from_one_in_the_order_given_and_read_back() {
        let mut n = Numbered::default();
        assert_eq!(n.next_number(), 1);
        assert_eq!(n.push('a'), 1);
        assert_eq!(n.push('b'), 2);
        assert_eq!((n.id_of(1), n.id_of(2)), (Some('a'), Some('b')));
        assert_eq!((n.id_of(0), n.id_of(3), n.len()), (None, None, 2));
    }

    #[test]
    fn a_column_is_built_again_from_numbers_in_any_order() {
        let mut given = Numbered::default();
        for c in 0..crate::chunks::CHUNK_ROWS as u32 + 3 {
            given.push(c);
        }
        let rows: Vec<(u32, u32)> = (0..given.len() as u32).rev().map(|c| (c + 1, c)).collect();
        assert_eq!(Numbered::from_numbers(rows.len(), rows), Ok(given));
    }

    #[test]
    fn a_column_holds_exactly_its_ids_or_says_which_is_not() {
        let mut n = Numbered::default();
        n.push('a');
        n.push('b');
        assert_eq!(n.holds_exactly(2, [(2, 'b'), (1, 'a')]), Ok(()));
        assert_eq!(
            n.holds_exactly(3, [(1, 'a')]),
            Err("2 numbered, 3 in all".into())
        );
        assert_eq!(
            n.holds_exactly(2, [(1, 'a'), (1, 'b')]),
            Err("b is not number 1".into())
        );
    }

    #[test]
    fn numbers_that_repeat_leave_a_gap_or_are_zero_are_refused() {
        assert_eq!(
            Numbered::from_numbers(2, [(1, 'a'), (1, 'b')]),
            Err("number 1 is given twice".into())
        );
        assert_eq!(
            Numbered::from_numbers(2, [(1, 'a'), (3, 'b')]),
            Err("number 3 is not one of 1 to 2".into())
        );
        assert_eq!(
            Numbered::from_numbers(2, [(0, 'a')]),
            Err("number 0 is not one of 1 to 2".into())
        );
        assert_eq!(
            Numbered::from_numbers(2, [(2, 'a')]),
            Err("number 1 is given to none".into())
        );
    }
}
