//! Voucher codes as people type them: sixteen digits, the last a Luhn check digit, shown in
//! groups of four; and the hash the ledger keeps of them.

use yinling_ledger::Hash;

use crate::error::AppError;

/// The Luhn check digit of a string of digits.
pub fn luhn_digit(digits: &str) -> char {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 0 {
                // Doubled, and its two digits added.
                let twice = d * 2;
                twice / 10 + twice % 10
            } else {
                d
            }
        })
        .sum();
    char::from(b'0' + ((10 - sum % 10) % 10) as u8)
}

/// A code as typed (spaces and dashes allowed), checked: sixteen digits whose last is the
/// check digit of the others. A typo is told apart from an unknown code.
pub fn parse(typed: &str) -> Result<String, AppError> {
    let digits: String = typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect();
    let n = yinling_projections::limits::VOUCHER_CODE_DIGITS;
    if digits.len() != n || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(AppError::invalid(
            "bad_voucher_code",
            format!(
                "code: a voucher code is {n} digits (spaces and dashes are fine), got {typed:?}"
            ),
        ));
    }
    let (body, check) = digits.split_at(n - 1);
    if !check.starts_with(luhn_digit(body)) {
        return Err(AppError::invalid(
            "voucher_code_typo",
            "code: the check digit does not match; one of the digits was probably mistyped",
        ));
    }
    Ok(digits)
}

/// The hash the ledger keeps of a code.
pub fn code_hash(code: &str) -> Hash {
    Hash::of(code.as_bytes())
}

/// A code in groups of four, as printed.
pub fn grouped(code: &str) -> String {
    code.as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_check_digit_catches_one_wrong_digit_and_a_swap() {
        let body = "123456789012345";
        let code = format!("{body}{}", luhn_digit(body));
        assert_eq!(parse(&grouped(&code)).ok(), Some(code.clone()));
        let mut wrong = code.clone().into_bytes();
        wrong[3] = if wrong[3] == b'9' { b'0' } else { wrong[3] + 1 };
        assert!(parse(&String::from_utf8(wrong).expect("digits")).is_err());
        let mut swapped = code.into_bytes();
        swapped.swap(0, 1);
        assert!(parse(&String::from_utf8(swapped).expect("digits")).is_err());
        assert!(parse("1234").is_err());
    }
}
