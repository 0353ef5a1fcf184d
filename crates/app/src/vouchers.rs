//! Voucher codes as people type them: sixteen digits, the last a Luhn check digit, shown in
//! groups of four; and the digests the ledger keeps of them: keyed under the mint key since
//! `VoucherHandedOver`, the code's SHA-256 in the `VoucherIssued` of before.

use yinling_ledger::Hash;
use yinling_projections::vouchers::{Voucher, Vouchers};

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

/// The SHA-256 of a code, which the vouchers recorded before keyed digests are found by.
pub fn code_hash(code: &str) -> Hash {
    Hash::of(code.as_bytes())
}

/// The digest the ledger knows a typed code by: `keyed`, the code's keyed digest
/// (`TokenMint::voucher_code_digest`), for every voucher since `VoucherHandedOver`; the
/// SHA-256 for an older one. A code no voucher has gets the keyed digest, which finds nothing,
/// so the refusal names the code as unknown.
pub fn kept_digest(vouchers: &Vouchers, keyed: Hash, code: &str) -> Hash {
    if vouchers.by_code.contains_key(&keyed) {
        return keyed;
    }
    let plain = code_hash(code);
    if vouchers.by_code.contains_key(&plain) {
        plain
    } else {
        keyed
    }
}

/// The voucher a typed code belongs to, whichever digest its hand-over recorded (`keyed`:
/// the code's keyed digest).
pub fn find<'a>(vouchers: &'a Vouchers, keyed: Hash, code: &str) -> Option<&'a Voucher> {
    vouchers.by_code(&kept_digest(vouchers, keyed, code))
}

/// What a check that found no voucher says, in Chinese and English, to `who`: a bank
/// officer whose token names a bank no rate voucher on the catalogue is of (a spelling of
/// its own, "ICBC" for 工商银行) would find no code at all, and is told so with the names the
/// catalogue uses; anyone else, to check the digits.
pub fn not_found_words(
    state: &yinling_projections::State,
    who: &yinling_projections::Principal,
) -> (String, String) {
    let banks = state.voucher_banks();
    match who {
        yinling_projections::Principal::BankOfficer(_, bank)
            if !banks.iter().any(|b| b == &**bank) =>
        {
            (
                format!("目录里没有“{bank}”的利率券，所以查不到任何券。目录里的银行：{}。请管理员按目录里的行名重新发账号。", banks.join("、")),
                format!("No rate voucher on the catalogue is of {bank:?}, the bank your token names, so no code can be found. The banks named: {}. Ask an administrator for a token with your bank's name as the catalogue writes it.", banks.join(", ")),
            )
        }
        _ => (
            "查无此券：请核对券号，或请志愿者到 e站 查询。".to_owned(),
            "No voucher of this bank has this code: check the digits, or send the volunteer to the e-station.".to_owned(),
        ),
    }
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
    use crate::mint::TokenMint;

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

    #[test]
    fn a_code_is_found_by_its_keyed_digest_and_an_older_voucher_by_its_sha256() {
        use yinling_ledger::RedemptionId;
        let mint = TokenMint::from_key([7; 32]);
        let (new, old) = (
            RedemptionId(uuid::Uuid::from_u128(1)),
            RedemptionId(uuid::Uuid::from_u128(2)),
        );
        let (new_code, old_code) = (mint.voucher_code(&new), mint.voucher_code(&old));
        let mut vouchers = Vouchers::default();
        vouchers
            .by_code
            .insert(mint.voucher_code_digest(&new_code), new);
        vouchers.by_code.insert(code_hash(&old_code), old);
        assert_eq!(
            kept_digest(&vouchers, mint.voucher_code_digest(&new_code), &new_code),
            mint.voucher_code_digest(&new_code)
        );
        assert_eq!(
            kept_digest(&vouchers, mint.voucher_code_digest(&old_code), &old_code),
            code_hash(&old_code)
        );
        // The keyed digest is not the code's SHA-256, and another key's is another digest.
        assert_ne!(mint.voucher_code_digest(&new_code), code_hash(&new_code));
        let other = TokenMint::from_key([8; 32]);
        assert_ne!(
            other.voucher_code_digest(&new_code),
            mint.voucher_code_digest(&new_code)
        );
        // A code no voucher has: the keyed digest, which finds nothing.
        let unknown = mint.voucher_code(&RedemptionId(uuid::Uuid::from_u128(3)));
        assert_eq!(
            kept_digest(&vouchers, mint.voucher_code_digest(&unknown), &unknown),
            mint.voucher_code_digest(&unknown)
        );
    }
}
