//! The date styles of Chinese (and Japanese and Korean) Excel, spelled out for the reader.
//!
//! A workbook names a cell's number format by an id. Ids 27–36 and 50–58 are the East Asian
//! built-in formats (ECMA-376 Part 1, 18.8.30): in Chinese Excel `yyyy"年"m"月"d"日"`,
//! `m"月"d"日"` and the like, every one a date or a time. Excel writes them as the bare id,
//! without the format's text, and calamine knows only the Western built-in ids as dates: a
//! birth date a coordinator formatted as 1948年3月5日 would read as the day number 17597, which
//! the year of birth refuses (Excel's day number or 1948.3 without its point, nobody can
//! say). So before calamine reads a workbook, any of these ids its styles use without
//! spelling out is given its format's text, which calamine reads as a date like any other.

use std::io::{Cursor, Read, Write};

use crate::limits::MAX_STYLES_BYTES;

/// Where a workbook keeps its cell styles.
const STYLES: &str = "xl/styles.xml";

/// The East Asian built-in date and time formats, as Chinese Excel shows them.
const EAST_ASIAN: [(u32, &str); 19] = [
    (27, r#"yyyy"年"m"月""#),
    (28, r#"m"月"d"日""#),
    (29, r#"m"月"d"日""#),
    (30, "m-d-yy"),
    (31, r#"yyyy"年"m"月"d"日""#),
    (32, r#"h"时"mm"分""#),
    (33, r#"h"时"mm"分"ss"秒""#),
    (34, r#"上午/下午h"时"mm"分""#),
    (35, r#"上午/下午h"时"mm"分"ss"秒""#),
    (36, r#"yyyy"年"m"月""#),
    (50, r#"yyyy"年"m"月""#),
    (51, r#"m"月"d"日""#),
    (52, r#"yyyy"年"m"月""#),
    (53, r#"m"月"d"日""#),
    (54, r#"m"月"d"日""#),
    (55, r#"上午/下午h"时"mm"分""#),
    (56, r#"上午/下午h"时"mm"分"ss"秒""#),
    (57, r#"yyyy"年"m"月""#),
    (58, r#"m"月"d"日""#),
];

/// The workbook with the East Asian date formats its styles use spelled out, or `None` when
/// it uses none of them without their text (or is not a workbook this can read: calamine
/// then says what is wrong with it as before).
pub fn spelled_out(workbook: &[u8]) -> Option<Vec<u8>> {
    let mut archive = zip::ZipArchive::new(Cursor::new(workbook)).ok()?;
    let styles = {
        let entry = archive.by_name(STYLES).ok()?;
        if entry.size() > MAX_STYLES_BYTES {
            return None;
        }
        let mut text = String::new();
        // The size a zip states is not trusted either: reading stops past the limit, and
        // styles cut short are left as they were.
        entry
            .take(MAX_STYLES_BYTES + 1)
            .read_to_string(&mut text)
            .ok()?;
        if text.len() as u64 > MAX_STYLES_BYTES {
            return None;
        }
        text
    };
    let styles = with_formats(&styles)?;
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for i in 0..archive.len() {
        let entry = archive.by_index_raw(i).ok()?;
        if entry.name() == STYLES {
            drop(entry);
            out.start_file(STYLES, zip::write::SimpleFileOptions::default())
                .ok()?;
            out.write_all(styles.as_bytes()).ok()?;
        } else {
            out.raw_copy_file(entry).ok()?;
        }
    }
    out.finish().ok().map(Cursor::into_inner)
}

/// `styles` with a `numFmt` for each East Asian id its cell formats use and it does not
/// define; `None` when there is none (or no place to put them).
fn with_formats(styles: &str) -> Option<String> {
    let cell_formats = section(styles, "cellXfs")?;
    let defined = section(styles, "numFmts").unwrap_or("");
    let missing: Vec<(u32, &str)> = EAST_ASIAN
        .iter()
        .copied()
        .filter(|(id, _)| {
            let named = format!("numFmtId=\"{id}\"");
            cell_formats.contains(&named) && !defined.contains(&named)
        })
        .collect();
    if missing.is_empty() {
        return None;
    }
    let added: String = missing
        .iter()
        .map(|(id, code)| {
            format!(
                "<numFmt numFmtId=\"{id}\" formatCode=\"{}\"/>",
                code.replace('"', "&quot;")
            )
        })
        .collect();
    // Into the list of formats, or a new list first in the style sheet.
    let (at, insert) = match opening_end(styles, "numFmts") {
        Some(end) => (end, added),
        None => (
            opening_end(styles, "styleSheet")?,
            format!("<numFmts count=\"{}\">{added}</numFmts>", missing.len()),
        ),
    };
    let mut out = String::with_capacity(styles.len() + insert.len());
    out.push_str(styles.get(..at)?);
    out.push_str(&insert);
    out.push_str(styles.get(at..)?);
    Some(out)
}

/// The text of the element `name`, from its opening tag to its closing one.
fn section<'a>(xml: &'a str, name: &str) -> Option<&'a str> {
    let start = xml.find(&format!("<{name}"))?;
    let rest = xml.get(start..)?;
    let end = rest
        .find(&format!("</{name}>"))
        .or_else(|| rest.find("/>").map(|e| e + 2))?;
    rest.get(..end)
}

/// Where the contents of the element `name` begin: just past its opening tag (`None` when
/// there is no such element, or it is empty, `<name/>`).
fn opening_end(xml: &str, name: &str) -> Option<usize> {
    let tag = format!("<{name}");
    let mut from = 0;
    loop {
        let start = from + xml.get(from..)?.find(&tag)?;
        let after = xml.get(start + tag.len()..)?;
        // `<numFmts` and not `<numFmtsX`: the name ends at a space or the tag's end.
        if after.starts_with([' ', '>', '\t', '\r', '\n']) {
            let close = after.find('>')?;
            if after.get(..close)?.ends_with('/') {
                return None;
            }
            return Some(start + tag.len() + close + 1);
        }
        from = start + tag.len();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BARE: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><fonts count="1"><font/></fonts><cellXfs count="3"><xf numFmtId="0"/><xf numFmtId="31" applyNumberFormat="1"/><xf numFmtId="57"/></cellXfs></styleSheet>"#;

    /// The ids the cells use are spelled out in a new list first in the sheet; an id no cell
    /// uses is not.
    #[test]
    fn the_east_asian_ids_the_cells_use_are_spelled_out() {
        let out = with_formats(BARE).expect("two to add");
        assert!(
            out.contains(r#"<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><numFmts count="2"><numFmt numFmtId="31" formatCode="yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;"/><numFmt numFmtId="57" "#),
            "{out}"
        );
        assert!(!out.contains(r#"numFmtId="27" formatCode"#), "{out}");
    }

    /// A list of formats already there takes the missing ones; one the workbook spells out
    /// itself is left as it is, and a workbook with nothing to add is not rewritten.
    #[test]
    fn a_format_the_workbook_spells_out_is_kept_and_nothing_else_is_added() {
        let with_list = BARE.replace(
            "<fonts",
            r#"<numFmts count="1"><numFmt numFmtId="57" formatCode="yyyy/m"/></numFmts><fonts"#,
        );
        let out = with_formats(&with_list).expect("one to add");
        assert!(
            out.contains(r#"<numFmts count="1"><numFmt numFmtId="31" "#),
            "{out}"
        );
        assert!(out.contains(r#"<numFmt numFmtId="57" formatCode="yyyy/m"/>"#));
        assert_eq!(
            out.matches("numFmtId=\"57\" formatCode").count(),
            1,
            "{out}"
        );
        let western = BARE
            .replace("numFmtId=\"31\"", "numFmtId=\"14\"")
            .replace("numFmtId=\"57\"", "numFmtId=\"2\"");
        assert_eq!(with_formats(&western), None);
        assert_eq!(spelled_out(b"not a workbook"), None);
    }

    /// A roster whose birth dates Chinese Excel formats as 1948年3月5日 (id 31, and id 57
    /// for 1950年6月) reads them as dates, every East Asian id as a date or a time; without
    /// the formats spelled out they were day numbers the year of birth refuses.
    #[test]
    fn a_birth_date_in_a_chinese_date_style_reads_as_a_date() {
        use crate::onboard::read::Cell;
        use rust_xlsxwriter::{Format, Workbook};
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        sheet.set_name("志愿者").expect("name");
        for (j, h) in ["姓名", "所在队伍", "出生年月"].iter().enumerate() {
            sheet.write_string(0, j as u16, *h).expect("header");
        }
        // 1948-03-05 is Excel's day 17597; 1950-06-01 is 18415.
        let days = [17_597.0, 18_415.0];
        for (i, (id, _)) in EAST_ASIAN.iter().enumerate() {
            let row = i as u32 + 1;
            sheet
                .write_string(row, 0, format!("志愿者{id}"))
                .expect("name");
            sheet.write_string(row, 1, "荻溪六老调解队").expect("team");
            let style = Format::new().set_num_format_index(*id as u8);
            sheet
                .write_number_with_format(row, 2, days[i % 2], &style)
                .expect("date");
        }
        let bytes = book.save_to_buffer().expect("saved");
        assert!(
            spelled_out(&bytes).is_some(),
            "the ids are bare in the workbook"
        );
        let sheets = crate::onboard::read::read("名册.xlsx", &bytes).expect("read");
        let days: Vec<String> = sheets[0]
            .rows
            .iter()
            .map(|(_, cells)| match &cells[2] {
                Cell::Date(d) => d.to_string(),
                other => format!("{other:?}"),
            })
            .collect();
        let expected: Vec<String> = (0..EAST_ASIAN.len())
            .map(|i| ["1948-03-05", "1950-06-01"][i % 2].to_owned())
            .collect();
        assert_eq!(days, expected);
    }
}
