//! A sheet's used area against the values it holds: a value typed far below or to the right
//! of the rest makes a reader hold a grid of every cell between, so such a sheet is refused,
//! naming the far cell, before any grid is made: the `.xlsx` reader streams a sheet's cells
//! into an [`Extent`] first.

use super::read::Unreadable;
use crate::limits::{ROSTER_AREA_PER_VALUE, ROSTER_AREA_SLACK_CELLS};

/// The cells of one sheet seen so far: how many hold a value, and how far they reach.
#[derive(Clone, Debug, Default)]
pub struct Extent {
    values: u64,
    /// Top row, left column, bottom row, right column (from 0).
    bounds: Option<(u32, u32, u32, u32)>,
    /// The cells that reach furthest right and furthest down: either can be the stray one.
    far_right: (u32, u32),
    far_down: (u32, u32),
}

impl Extent {
    /// A cell holding a value, at row `r` and column `c` (from 0).
    pub fn value(&mut self, r: u32, c: u32) {
        self.values += 1;
        self.reach(r, c);
    }

    fn reach(&mut self, r: u32, c: u32) {
        match &mut self.bounds {
            None => {
                self.bounds = Some((r, c, r, c));
                (self.far_right, self.far_down) = ((r, c), (r, c));
            }
            Some((top, left, bottom, right)) => {
                if c > self.far_right.1 {
                    self.far_right = (r, c);
                }
                if r > self.far_down.0 {
                    self.far_down = (r, c);
                }
                (*top, *left) = ((*top).min(r), (*left).min(c));
                (*bottom, *right) = ((*bottom).max(r), (*right).max(c));
            }
        }
    }

    /// The cells of the rectangle from the top left cell seen to the bottom right one: what a
    /// reader's grid of the sheet holds.
    fn area(&self) -> u64 {
        self.bounds.map_or(0, |(top, left, bottom, right)| {
            (u64::from(bottom - top) + 1) * (u64::from(right - left) + 1)
        })
    }

    /// The far cells, as Excel names them (`IV65536`, or the furthest right and the furthest
    /// down when they differ).
    fn far_cells(&self) -> String {
        let name_of = |(r, c): (u32, u32)| format!("{}{}", column_letters(c), u64::from(r) + 1);
        if self.far_right == self.far_down {
            name_of(self.far_right)
        } else {
            format!("{} / {}", name_of(self.far_right), name_of(self.far_down))
        }
    }

    /// Refuses the sheet `name` when its area exceeds what its values allow.
    pub fn check(&self, name: &str) -> Result<(), Unreadable> {
        let area = self.area();
        if area <= ROSTER_AREA_PER_VALUE.saturating_mul(self.values) + ROSTER_AREA_SLACK_CELLS {
            return Ok(());
        }
        let at = self.far_cells();
        Err(Unreadable {
            zh: format!(
                "工作表“{name}”里有内容离其他内容很远（最右、最下的格子：{at}；整张表占了 {area} 个格子）：请删掉那里多余的内容（或把有用的几列复制到新表），再导入。"
            ),
            en: format!(
                "Sheet {name:?} has a value far from the rest (its furthest cells right and down: {at}; the sheet spans {area} cells): delete what is there (or copy the columns you need to a new sheet), then import again."
            ),
        })
    }
}

/// A column's letters as Excel shows them (0 is A, 25 Z, 26 AA): base 26 without a zero.
pub fn column_letters(column: u32) -> String {
    let mut letters = Vec::new();
    let mut n = u64::from(column) + 1;
    while n > 0 {
        let digit = (n - 1) % 26;
        letters.push(b'A' + digit as u8);
        n = (n - 1) / 26;
    }
    letters.reverse();
    String::from_utf8_lossy(&letters).into_owned()
}
