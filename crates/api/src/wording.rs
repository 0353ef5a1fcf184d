//! What a query string or a JSON body got wrong, in words a caller reads: the field named
//! by its path and what it takes, never the parser's own text ("invalid type: null, expected
//! struct NewTeam at line 1 column 4", "Failed to deserialize query string").
//!
//! serde words its errors in a few fixed shapes (`invalid type: …, expected …`, `missing
//! field …`, `unknown variant …`); each is put in plain words here, and a message of our own
//! (a decimal's, a date's) is kept as it is, after the field's name.

/// The detail for a value at `path` (`.` or empty: the whole body or query) that serde
/// refused with `message`.
pub fn detail(path: &str, message: &str) -> String {
    let message = without_position(message);
    let field = (!path.is_empty() && path != ".").then_some(path);
    if let Some(name) = quoted_after(message, "missing field ") {
        return match field {
            Some(f) => format!("{f}.{name} is required"),
            None => format!("{name} is required"),
        };
    }
    if let Some(name) = quoted_after(message, "duplicate field ") {
        return format!("{name} is given more than once; give it once");
    }
    if let Some(name) = quoted_after(message, "unknown field ") {
        let place = field.map_or_else(|| "here".to_owned(), |f| format!("in {f}"));
        return match expected_list(message) {
            Some(list) => format!("there is no {name} {place}; the names it takes are {list}"),
            None => format!("there is no {name} {place}"),
        };
    }
    if let Some(value) = quoted_after(message, "unknown variant ") {
        let choices = expected_list(message).unwrap_or_default();
        return format!(
            "{}{value:?} is not one of {choices}",
            field.map(|f| format!("{f}: ")).unwrap_or_default()
        );
    }
    let Some(f) = field else {
        return match expected_of(message) {
            Some(e) => format!("the body must be {}", kind(e)),
            None => format!("the request does not fit: {message}"),
        };
    };
    if let Some(e) = expected_of(message) {
        return format!("{f} must be {}", kind(e));
    }
    if message.contains("invalid digit") || message.contains("cannot parse integer") {
        return format!("{f} must be a whole number (0, 1, 2, …)");
    }
    if message.contains("too large") || message.contains("too small") {
        return format!("{f} is out of range");
    }
    if message.contains("`true` or `false`") {
        return format!("{f} must be true or false");
    }
    format!("{f}: {message}")
}

/// serde_json's message without its ` at line 1 column 4`.
fn without_position(message: &str) -> &str {
    match message.rfind(" at line ") {
        Some(at) if message[at..].contains(" column ") => &message[..at],
        _ => message,
    }
}

/// The name in backquotes after `prefix` (`missing field `name`` gives `name`).
fn quoted_after<'a>(message: &'a str, prefix: &str) -> Option<&'a str> {
    let rest = message.strip_prefix(prefix)?.strip_prefix('`')?;
    rest.split_once('`').map(|(name, _)| name)
}

/// What an `invalid type` or `invalid value` message says was expected.
fn expected_of(message: &str) -> Option<&str> {
    if !(message.starts_with("invalid type: ")
        || message.starts_with("invalid value: ")
        || message.starts_with("invalid length "))
    {
        return None;
    }
    message.split_once(", expected ").map(|(_, e)| e)
}

/// The choices an `unknown variant` or `unknown field` message lists, as plain names.
fn expected_list(message: &str) -> Option<String> {
    let (_, list) = message
        .split_once("expected one of ")
        .or_else(|| message.split_once("expected "))?;
    Some(list.replace('`', ""))
}

/// serde's name of what it expected, in a caller's words.
fn kind(expected: &str) -> String {
    let e = expected.trim();
    let words = match e {
        _ if e.starts_with("struct ") || e == "a map" || e.starts_with("map") => "a JSON object",
        "u8" | "u16" | "u32" | "u64" | "usize" => "a whole number, 0 or more",
        "i8" | "i16" | "i32" | "i64" | "isize" => "a whole number",
        "f32" | "f64" => "a number",
        "a sequence" => "a list in square brackets",
        "a string" | "a borrowed string" | "a string or bytes" => "text in double quotes",
        "a boolean" => "true or false",
        _ if e.starts_with("enum ") => "one of the names this field takes",
        _ if e.starts_with("tuple") => "a list in square brackets",
        _ => return format!("{e} (see the API's description at /openapi.json)"),
    };
    words.to_owned()
}

#[cfg(test)]
mod tests {
    use super::detail;

    #[test]
    fn the_parsers_own_words_become_a_callers() {
        let cases = [
            (
                ".",
                "invalid type: null, expected struct NewTeam at line 1 column 4",
                "the body must be a JSON object",
            ),
            (
                "stock",
                "invalid type: string \"ten\", expected u32 at line 1 column 14",
                "stock must be a whole number, 0 or more",
            ),
            (
                "stock",
                "invalid value: integer `-1`, expected u32",
                "stock must be a whole number, 0 or more",
            ),
            (".", "missing field `name`", "name is required"),
            (
                "participants[0]",
                "missing field `hours`",
                "participants[0].hours is required",
            ),
            (
                "limit",
                "invalid digit found in string",
                "limit must be a whole number (0, 1, 2, …)",
            ),
            (
                ".",
                "duplicate field `limit`",
                "limit is given more than once; give it once",
            ),
            (
                "open",
                "provided string was not `true` or `false`",
                "open must be true or false",
            ),
            (
                "kind",
                "unknown variant `lost`, expected one of `product`, `rate_voucher`",
                "kind: \"lost\" is not one of product, rate_voucher",
            ),
            (
                "hours",
                "hours \"x\" is not a number of hours",
                "hours: hours \"x\" is not a number of hours",
            ),
            (
                "participants[0]",
                "unknown field `hour`, expected `volunteer_id` or `hours`",
                "there is no hour in participants[0]; the names it takes are volunteer_id or hours",
            ),
        ];
        for (path, message, want) in cases {
            assert_eq!(detail(path, message), want, "{message}");
        }
    }
}
