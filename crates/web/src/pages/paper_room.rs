//! What one printed statement holds: its month's parts fitted to the room a page has, so a
//! volunteer's sheet is one sheet of paper whatever their month held. Every part prints to
//! a known height (print CSS in [`super::paper`]: a line of the table, a dispute and a
//! paragraph of points pending on one line each, a notice on three at most); the room is
//! counted in lines of body type ([`STATEMENT_ROOM_A4`](crate::limits::STATEMENT_ROOM_A4)).

use crate::limits::{STATEMENT_HEADING_ROOM, STATEMENT_MIN_LINES, STATEMENT_NOTICE_ROOM};

/// How many of the month's lines and notices a sheet lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fitted {
    /// The latest this many of the month's lines.
    pub lines: usize,
    /// The latest this many of the month's notices.
    pub notices: usize,
}

/// The room `k` of `total` lines take: each a line, and one more for the count of those
/// left out (or for "nothing this month" when there are none).
fn lines_room(k: usize, total: usize) -> usize {
    if k < total || total == 0 {
        k + 1
    } else {
        k
    }
}

/// The room `m` notices take, with their heading.
fn notices_room(m: usize) -> usize {
    if m == 0 {
        0
    } else {
        STATEMENT_HEADING_ROOM + m * STATEMENT_NOTICE_ROOM
    }
}

/// Fits a month of `lines` lines and `notices` notices into `room`, of which `taken` go to
/// parts always printed (points pending, disputes): first a few lines, then as many notices
/// as fit beside them, then as many more lines as fit. What it lists never takes more than
/// the room, unless the parts always printed and the count of lines left out alone exceed
/// it (a room smaller than any page has).
pub fn fit(room: usize, taken: usize, total_lines: usize, total_notices: usize) -> Fitted {
    let free = room.saturating_sub(taken);
    let first = total_lines.min(STATEMENT_MIN_LINES);
    let notices = (0..=total_notices)
        .rev()
        .find(|&m| lines_room(first, total_lines) + notices_room(m) <= free)
        .unwrap_or(0);
    let lines = (0..=total_lines)
        .rev()
        .find(|&k| lines_room(k, total_lines) + notices_room(notices) <= free)
        .unwrap_or(0);
    debug_assert!(
        lines_room(lines, total_lines) + notices_room(notices) <= free
            || (lines, notices) == (0, 0),
        "a sheet lists more than its room: {lines} lines and {notices} notices in {free}"
    );
    Fitted { lines, notices }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every month a sheet may be asked to print, up to well past any cap: what it lists
    /// takes no more than its room; the first few lines come before any notice; a notice is
    /// dropped only when the first lines and it do not fit; and a line is left out only when
    /// one more would not fit.
    #[test]
    fn a_sheet_lists_what_its_room_holds_and_no_more() {
        for room in [12, 14, 18, 24] {
            for taken in 0..=6 {
                for total in 0..=40 {
                    for told in 0..=2 {
                        let f = fit(room, taken, total, told);
                        let used = taken + lines_room(f.lines, total) + notices_room(f.notices);
                        assert!(
                            used <= room,
                            "{f:?} uses {used} of {room} ({taken}, {total}, {told})"
                        );
                        assert!(f.lines <= total && f.notices <= told);
                        let first = total.min(STATEMENT_MIN_LINES);
                        if taken + lines_room(first, total) <= room {
                            assert!(
                                f.lines >= first,
                                "notices crowded out the first lines: {f:?}"
                            );
                        }
                        if f.notices < told {
                            let one_more =
                                taken + lines_room(first, total) + notices_room(f.notices + 1);
                            assert!(one_more > room, "a notice dropped that fitted: {f:?}");
                        }
                        if f.lines < total {
                            let one_more =
                                taken + lines_room(f.lines + 1, total) + notices_room(f.notices);
                            assert!(one_more > room, "a line left out that fitted: {f:?}");
                        }
                    }
                }
            }
        }
    }

    /// The worst month on A4 (three paragraphs of points pending, three disputes, two
    /// notices, a month of lines) still lists lines, and both notices.
    #[test]
    fn the_worst_a4_month_lists_its_notices_and_some_lines() {
        let f = fit(crate::limits::STATEMENT_ROOM_A4, 6, 40, 2);
        assert_eq!(f.notices, 2);
        assert!(f.lines >= STATEMENT_MIN_LINES, "{f:?}");
    }

    /// A quiet month lists all it has.
    #[test]
    fn a_quiet_month_lists_everything() {
        assert_eq!(
            fit(14, 0, 4, 1),
            Fitted {
                lines: 4,
                notices: 1
            }
        );
        assert_eq!(
            fit(14, 0, 0, 0),
            Fitted {
                lines: 0,
                notices: 0
            }
        );
    }
}
