//! What an Excel 97-2003 workbook (`.xls`) would cost before it is opened. calamine makes
//! every sheet of such a workbook as it opens, each as a grid from its first cell to its
//! last, and first reserves room for as many cells as the sheet's dimensions record says:
//! one stray value at the far corner (IV65536) is sixteen million cells, and a record made
//! to claim more asks for more memory than any machine has, which ends the process. So the
//! file's records are walked first, the way calamine walks them (the `Workbook` stream of the
//! compound file, a four-byte header of type and length before each record; the sheets where
//! the workbook's BOUNDSHEET records say they start, each to its first EOF record), and what
//! calamine would hold for every sheet together, the room its dimensions ask for and the grids
//! of its values and of its formulas, is weighed against the values the file holds
//! (`area.rs`). A file the walk cannot read is refused, not handed on.

use std::io::{Cursor, Read};

// The compound file is read from the uploaded bytes, never from a disk.
use cfb::CompoundFile as Container;

use super::area::{fits, too_far, Extent};
use super::read::Unreadable;

/// Record types (MS-XLS 2.3): the end of a substream, a sheet's place, a sheet's
/// dimensions, a formula, the text value of the formula before it, a row of numbers, and
/// the records of one cell each that calamine reads as a value (row and column first).
const EOF: u16 = 0x000A;
const BOUND_SHEET: u16 = 0x0085;
const DIMENSIONS: u16 = 0x0200;
const FORMULA: u16 = 0x0006;
const FORMULA_STRING: u16 = 0x0207;
const MUL_RK: u16 = 0x00BD;
const ONE_CELL: [u16; 5] = [0x0203, 0x0204, 0x0205, 0x027E, 0x00FD];

/// A DIMENSIONS record's length in Excel 97 and later (32-bit rows); older ones are 10.
const BIFF8_DIMENSIONS_LEN: usize = 14;
const BIFF5_DIMENSIONS_LEN: usize = 10;

/// The bytes before a FORMULA record's formula: calamine reads no formula from a shorter one.
const FORMULA_HEAD_LEN: usize = 20;

/// What calamine would hold for one sheet.
#[derive(Default)]
struct Cost {
    /// Cells reserved for what the dimensions record claims.
    reserved: u64,
    /// The far corner the dimensions record claims, to name it.
    claimed: Extent,
    cells: Extent,
    formulas: Extent,
}

impl Cost {
    fn cells(&self) -> u64 {
        self.reserved + self.cells.area() + self.formulas.area()
    }
}

/// Refuses a workbook whose sheets together would make calamine hold far more cells than
/// they have values, naming the costliest sheet and its far cells.
pub fn check_areas(bytes: &[u8]) -> Result<(), Unreadable> {
    let stream = workbook_stream(bytes).ok_or_else(unwalkable)?;
    // The workbook's own records, to its first EOF: where each sheet starts.
    let mut starts = Vec::new();
    let mut at = 0usize;
    while let Some((typ, data)) = record(&stream, at) {
        match typ {
            EOF => break,
            BOUND_SHEET => starts.push(u32_at(data, 0).ok_or_else(unwalkable)?),
            _ => {}
        }
        at += 4 + data.len();
    }
    let (mut values, mut cells) = (0u64, 0u64);
    let mut costliest: Option<(usize, Cost)> = None;
    for (i, start) in starts.into_iter().enumerate() {
        let start = usize::try_from(start).map_err(|_| unwalkable())?;
        if start > stream.len() {
            return Err(unwalkable());
        }
        let cost = sheet_cost(&stream, start)?;
        values += cost.cells.values();
        cells = cells.saturating_add(cost.cells());
        if costliest
            .as_ref()
            .is_none_or(|(_, c)| cost.cells() > c.cells())
        {
            costliest = Some((i, cost));
        }
    }
    match costliest {
        Some((i, cost)) if !fits(cells, values) => {
            let name = sheet_name(&stream, i);
            let at = if cost.cells.area() >= cost.reserved {
                cost.cells.far_cells()
            } else {
                cost.claimed.far_cells()
            };
            Err(too_far(&name, &at, cost.cells.area().max(cost.reserved)))
        }
        _ => Ok(()),
    }
}

/// What calamine would hold for the sheet whose records start at `start`: it reads records
/// to the first EOF, reserves what each DIMENSIONS record claims, and places a formula's
/// text value where the last FORMULA record stood (the first cell before any).
fn sheet_cost(stream: &[u8], start: usize) -> Result<Cost, Unreadable> {
    let mut cost = Cost::default();
    let mut formula_at = (0u32, 0u32);
    let mut at = start;
    while let Some((typ, data)) = record(stream, at) {
        match typ {
            EOF => break,
            DIMENSIONS => {
                let (cells, corner) = reserved(data)?;
                cost.reserved = cost.reserved.saturating_add(cells);
                if let Some((row, column)) = corner {
                    cost.claimed.reach(row, column);
                }
            }
            FORMULA if data.len() >= FORMULA_HEAD_LEN => {
                if let Some(cell) = cell_at(data) {
                    formula_at = cell;
                    cost.cells.value(cell.0, cell.1);
                    cost.formulas.value(cell.0, cell.1);
                }
            }
            FORMULA_STRING => cost.cells.value(formula_at.0, formula_at.1),
            MUL_RK => {
                if let (Some((row, first)), Some(last)) = (
                    cell_at(data),
                    data.len().checked_sub(2).and_then(|e| u16_at(data, e)),
                ) {
                    cost.cells.run(row, first, u32::from(last));
                }
            }
            t if ONE_CELL.contains(&t) => {
                if let Some((row, column)) = cell_at(data) {
                    cost.cells.value(row, column);
                }
            }
            _ => {}
        }
        at += 4 + data.len();
    }
    Ok(cost)
}

/// The cells calamine reserves for a DIMENSIONS record, read as it reads one; a record
/// whose last row is before its first would make it reserve past any memory.
fn reserved(data: &[u8]) -> Result<(u64, Option<(u32, u32)>), Unreadable> {
    let read = match data.len() {
        BIFF8_DIMENSIONS_LEN => (|| {
            Some((
                u32_at(data, 0)?,
                u32_at(data, 4)?,
                u32::from(u16_at(data, 8)?),
                u32::from(u16_at(data, 10)?),
            ))
        })(),
        BIFF5_DIMENSIONS_LEN => (|| {
            Some((
                u32::from(u16_at(data, 0)?),
                u32::from(u16_at(data, 2)?),
                u32::from(u16_at(data, 4)?),
                u32::from(u16_at(data, 6)?),
            ))
        })(),
        // calamine refuses the file.
        _ => None,
    };
    let Some((first_row, rows_end, first_column, columns_end)) = read else {
        return Ok((0, None));
    };
    // calamine's own reading: a first column past the format's last, or after the last
    // one, is the first column; a sheet ending at row or column 0 is one cell.
    let first_column = if first_column > u32::from(u8::MAX) || columns_end < first_column {
        0
    } else {
        first_column
    };
    let (Some(last_row), Some(last_column)) = (rows_end.checked_sub(1), columns_end.checked_sub(1))
    else {
        return Ok((1, None));
    };
    match (
        last_row.checked_sub(first_row),
        last_column.checked_sub(first_column),
    ) {
        (Some(rows), Some(columns)) => Ok((
            (u64::from(rows) + 1) * (u64::from(columns) + 1),
            Some((last_row, last_column)),
        )),
        _ => Err(unwalkable()),
    }
}

/// The record at `at`: its type and data, as calamine cuts it (none past the stream's end).
fn record(stream: &[u8], at: usize) -> Option<(u16, &[u8])> {
    let typ = u16_at(stream, at)?;
    let len = usize::from(u16_at(stream, at.checked_add(2)?)?);
    let data = stream.get(at.checked_add(4)?..at.checked_add(4 + len)?)?;
    Some((typ, data))
}

/// A cell record's row and column.
fn cell_at(data: &[u8]) -> Option<(u32, u32)> {
    Some((u32::from(u16_at(data, 0)?), u32::from(u16_at(data, 2)?)))
}

fn u16_at(data: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(
        data.get(at..at.checked_add(2)?)?.try_into().ok()?,
    ))
}

fn u32_at(data: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(
        data.get(at..at.checked_add(4)?)?.try_into().ok()?,
    ))
}

/// The stream calamine reads: `Workbook`, else `Book` (files older than Excel 97), named
/// exactly so. A file holding another spelling of either is refused: the container's reader
/// matches names whatever their case, and could weigh a stream calamine would not read.
fn workbook_stream(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut file = Container::open(Cursor::new(bytes)).ok()?;
    let names: Vec<String> = file
        .read_root_storage()
        .map(|e| e.name().to_owned())
        .collect();
    let alike = |n: &str| {
        names
            .iter()
            .filter(|e| e.eq_ignore_ascii_case(n))
            .collect::<Vec<_>>()
    };
    let path = match (alike("Workbook").as_slice(), alike("Book").as_slice()) {
        ([w], _) if w.as_str() == "Workbook" => "/Workbook",
        ([], [b]) if b.as_str() == "Book" => "/Book",
        _ => return None,
    };
    let mut stream = file.open_stream(path).ok()?;
    let mut out = Vec::new();
    stream.read_to_end(&mut out).ok()?;
    Some(out)
}

/// The name of the `i`th sheet, from the workbook's own records, for the refusal's words.
fn sheet_name(stream: &[u8], i: usize) -> String {
    let mut at = 0usize;
    let mut n = 0usize;
    while let Some((typ, data)) = record(stream, at) {
        if typ == EOF {
            break;
        }
        if typ == BOUND_SHEET {
            if n == i {
                if let Some(name) = data.get(6..).and_then(short_string) {
                    return name;
                }
            }
            n += 1;
        }
        at += 4 + data.len();
    }
    format!("第 {} 个工作表", i + 1)
}

/// A short string (its length, a flag whose low bit says two bytes a character, then the
/// characters).
fn short_string(data: &[u8]) -> Option<String> {
    let len = usize::from(*data.first()?);
    if data.get(1)? & 1 == 1 {
        let units: Vec<u16> = data
            .get(2..2 + 2 * len)?
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect();
        Some(String::from_utf16_lossy(&units))
    } else {
        // One byte a character: Latin-1, as the format keeps such names.
        Some(
            data.get(2..2 + len)?
                .iter()
                .map(|b| char::from(*b))
                .collect(),
        )
    }
}

/// A workbook the walk cannot read.
fn unwalkable() -> Unreadable {
    Unreadable {
        zh: "这个旧版 Excel 文件（.xls）读不出来：请在 Excel 里打开它，“另存为” .xlsx 后再导入。"
            .into(),
        en: "This old Excel file (.xls) cannot be read: open it in Excel, save it as .xlsx, then import that.".into(),
    }
}

#[cfg(test)]
mod tests {
    use std::io::{Cursor, Write};

    use super::*;

    fn rec(typ: u16, data: &[u8]) -> Vec<u8> {
        let mut out = typ.to_le_bytes().to_vec();
        out.extend(u16::try_from(data.len()).expect("short").to_le_bytes());
        out.extend(data);
        out
    }

    fn cell(typ: u16, row: u16, column: u16, rest: usize) -> Vec<u8> {
        let mut data = row.to_le_bytes().to_vec();
        data.extend(column.to_le_bytes());
        data.extend(vec![0u8; rest]);
        rec(typ, &data)
    }

    fn dimensions(first_row: u32, rows_end: u32, columns_end: u16) -> Vec<u8> {
        let mut data = first_row.to_le_bytes().to_vec();
        data.extend(rows_end.to_le_bytes());
        data.extend(0u16.to_le_bytes());
        data.extend(columns_end.to_le_bytes());
        data.extend(0u16.to_le_bytes());
        rec(DIMENSIONS, &data)
    }

    /// A compound file holding `stream_name`: the workbook's records, each sheet named in
    /// a BOUNDSHEET record (`starts` overrides where they say it starts).
    fn workbook(sheets: &[Vec<Vec<u8>>], starts: Option<&[u32]>, stream_name: &str) -> Vec<u8> {
        let bof = rec(0x0809, &[0u8; 16]);
        let bound = |at: u32| {
            let mut data = at.to_le_bytes().to_vec();
            data.extend([0, 0, 1, 0, b'S']);
            rec(BOUND_SHEET, &data)
        };
        let globals = bof.len() + sheets.len() * bound(0).len() + rec(EOF, &[]).len();
        let bodies: Vec<Vec<u8>> = sheets
            .iter()
            .map(|records| {
                let mut body = bof.clone();
                records.iter().for_each(|r| body.extend(r));
                body.extend(rec(EOF, &[]));
                body
            })
            .collect();
        let mut at = globals;
        let mut offsets = Vec::new();
        for body in &bodies {
            offsets.push(u32::try_from(at).expect("small"));
            at += body.len();
        }
        let offsets = starts.map_or(offsets, <[u32]>::to_vec);
        let mut stream = bof.clone();
        for o in offsets {
            stream.extend(bound(o));
        }
        stream.extend(rec(EOF, &[]));
        bodies.iter().for_each(|b| stream.extend(b));
        let mut file = Container::create(Cursor::new(Vec::new())).expect("container");
        file.create_stream(format!("/{stream_name}"))
            .expect("stream")
            .write_all(&stream)
            .expect("written");
        file.into_inner().into_inner()
    }

    fn number(row: u16, column: u16) -> Vec<u8> {
        cell(0x0203, row, column, 10)
    }

    /// A sheet of a few values passes; one far value, a dimensions record claiming a far
    /// corner or a last row before its first, a formula's text with no formula before it
    /// beside a far value, a sheet said to start past the stream, the same sheet named many
    /// times over, and a stream calamine would not be the one weighed, are all refused.
    #[test]
    fn what_calamine_would_hold_is_weighed_before_it_opens_the_file() {
        let honest = vec![
            dimensions(0, 3, 3),
            number(0, 0),
            number(1, 1),
            number(2, 2),
        ];
        assert!(check_areas(&workbook(std::slice::from_ref(&honest), None, "Workbook")).is_ok());
        for (what, sheet) in [
            ("a far value", vec![number(0, 0), number(65_535, 255)]),
            (
                "a far dimension",
                vec![dimensions(0, u32::MAX, 256), number(0, 0)],
            ),
            ("rows backwards", vec![dimensions(10, 5, 3), number(0, 0)]),
            (
                "a formula's text at A1 and a far value",
                vec![rec(FORMULA_STRING, &[0u8; 4]), number(65_535, 255)],
            ),
        ] {
            let refused = check_areas(&workbook(&[sheet], None, "Workbook"));
            assert!(refused.is_err(), "{what}");
        }
        let past_the_end = workbook(std::slice::from_ref(&honest), Some(&[1_000_000]), "Workbook");
        assert!(
            check_areas(&past_the_end).is_err(),
            "a sheet past the stream"
        );
        // One sheet of a quarter of a million cells, named two hundred times: every name is
        // a grid of its own in calamine.
        let wide = vec![number(0, 0), number(999, 249)];
        let sheets = vec![wide; 1];
        let one = workbook(&sheets, None, "Workbook");
        assert!(check_areas(&one).is_ok(), "one such sheet is allowed");
        let first = u32::try_from(4 + 16 + 200 * 13 + 4).expect("small");
        let many = workbook(&sheets, Some(&[first; 200]), "Workbook");
        assert!(check_areas(&many).is_err(), "two hundred times over");
        // calamine reads `Workbook` exactly: another spelling is not weighed in its stead.
        assert!(check_areas(&workbook(&[honest], None, "WORKBOOK")).is_err());
        assert!(check_areas(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1 not a container").is_err());
    }
}
