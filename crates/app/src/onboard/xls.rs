//! What an Excel 97-2003 workbook (`.xls`) holds before it is opened: calamine makes a grid
//! of every sheet as such a workbook opens, as large as the sheet's dimensions record says
//! and as far as its furthest cell, so a stray value at the far corner (IV65536) would cost
//! sixteen million cells a sheet. The file's records are walked first (the `Workbook`
//! stream of the compound file: a four-byte header, type and length, before each record),
//! each sheet's values counted and its reach measured, and a sheet too sparse for its area
//! is refused as an `.xlsx` one is (`area.rs`).

use std::collections::BTreeMap;
use std::io::{Cursor, Read};

// The compound file is read from the uploaded bytes, never from a disk.
use cfb::CompoundFile as Container;

use super::area::Extent;
use super::read::Unreadable;

/// Record types (MS-XLS 2.3): the start and end of a substream, a sheet's name and place,
/// a sheet's dimensions, and the cell records that carry a value (row and column first).
const BOF: u16 = 0x0809;
const EOF: u16 = 0x000A;
const BOUND_SHEET: u16 = 0x0085;
const DIMENSIONS: u16 = 0x0200;
const MUL_RK: u16 = 0x00BD;
/// A DIMENSIONS record's length in Excel 97 and later (32-bit rows); older ones are shorter.
const BIFF8_DIMENSIONS_LEN: usize = 14;
const VALUE_CELLS: [u16; 7] = [0x0203, 0x0204, 0x0205, 0x027E, 0x00FD, 0x0006, 0x00D6];

/// Refuses a workbook one of whose sheets reaches far beyond its values; anything the walk
/// cannot make out is left for calamine to refuse in its own words.
pub fn check_areas(bytes: &[u8]) -> Result<(), Unreadable> {
    let Some(stream) = workbook_stream(bytes) else {
        return Ok(());
    };
    let mut names = BTreeMap::new();
    let mut sheet: Option<(String, Extent)> = None;
    let mut at = 0usize;
    while let Some((typ, data)) = record(&stream, at) {
        match typ {
            BOUND_SHEET => {
                if let Some((offset, name)) = bound_sheet(data) {
                    names.insert(offset, name);
                }
            }
            // A sheet's substream starts where its BOUNDSHEET record says.
            BOF => {
                let name = u32::try_from(at)
                    .ok()
                    .and_then(|at| names.get(&at).cloned());
                sheet = name.map(|n| (n, Extent::default()));
            }
            EOF => {
                if let Some((name, extent)) = sheet.take() {
                    extent.check(&name)?;
                }
            }
            DIMENSIONS => {
                if let (Some((_, extent)), Some((last_row, last_column))) =
                    (sheet.as_mut(), dimensions(data))
                {
                    extent.reach(last_row, last_column);
                }
            }
            MUL_RK => {
                if let (Some((_, extent)), Some((row, first, last))) =
                    (sheet.as_mut(), mul_rk(data))
                {
                    extent.run(row, first, last);
                }
            }
            t if VALUE_CELLS.contains(&t) => {
                if let (Some((_, extent)), Some(row), Some(column)) =
                    (sheet.as_mut(), u16_at(data, 0), u16_at(data, 2))
                {
                    extent.value(u32::from(row), u32::from(column));
                }
            }
            _ => {}
        }
        at += 4 + data.len();
    }
    Ok(())
}

/// The `Workbook` stream (`Book` in files older than Excel 97).
fn workbook_stream(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut file = Container::open(Cursor::new(bytes)).ok()?;
    let mut stream = file
        .open_stream("/Workbook")
        .or_else(|_| file.open_stream("/Book"))
        .ok()?;
    let mut out = Vec::new();
    stream.read_to_end(&mut out).ok()?;
    Some(out)
}

/// The record at `at`: its type and data.
fn record(stream: &[u8], at: usize) -> Option<(u16, &[u8])> {
    let typ = u16_at(stream, at)?;
    let len = usize::from(u16_at(stream, at + 2)?);
    let data = stream.get(at + 4..at + 4 + len)?;
    Some((typ, data))
}

fn u16_at(data: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(data.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(data: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(data.get(at..at + 4)?.try_into().ok()?))
}

/// A BOUNDSHEET record: where the sheet's substream starts, and its name (a short string:
/// its length, a flag whose low bit says two bytes a character, then the characters).
fn bound_sheet(data: &[u8]) -> Option<(u32, String)> {
    let offset = u32_at(data, 0)?;
    let len = usize::from(*data.get(6)?);
    let wide = data.get(7)? & 1 == 1;
    let name = if wide {
        let units: Vec<u16> = data
            .get(8..8 + 2 * len)?
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect();
        String::from_utf16_lossy(&units)
    } else {
        // One byte a character: Latin-1, as the format keeps such names.
        data.get(8..8 + len)?
            .iter()
            .map(|b| char::from(*b))
            .collect()
    };
    Some((offset, name))
}

/// A DIMENSIONS record's last row and column (it keeps one past each; BIFF8 has 32-bit
/// rows, older files 16-bit), or nothing for an empty sheet.
fn dimensions(data: &[u8]) -> Option<(u32, u32)> {
    let (rows_end, columns_end) = if data.len() >= BIFF8_DIMENSIONS_LEN {
        (u32_at(data, 4)?, u16_at(data, 10)?)
    } else {
        (u32::from(u16_at(data, 2)?), u16_at(data, 6)?)
    };
    Some((
        rows_end.checked_sub(1)?,
        u32::from(columns_end.checked_sub(1)?),
    ))
}

/// A MULRK record's row and first and last columns (the last is its data's last two bytes).
fn mul_rk(data: &[u8]) -> Option<(u32, u32, u32)> {
    let row = u16_at(data, 0)?;
    let first = u16_at(data, 2)?;
    let last = u16_at(data, data.len().checked_sub(2)?)?;
    Some((u32::from(row), u32::from(first), u32::from(last)))
}
