//! The few encodings packed parts of the state share (a statement's lines, an activity's
//! participants): LEB128 varints, zigzagged when signed, and a [`Decimal`] exactly as a byte
//! of scale and sign and the varint of its magnitude. Written here once so the two read alike.

use rust_decimal::Decimal;

/// The sign bit of a packed amount's first byte (the scale, 0 to 28, is the rest).
const NEGATIVE: u8 = 0x80;

/// The growable bytes packed parts are written into: a vector, or a thin vector where the
/// part sits in a block whose size counts (a statement, inside its volunteer, holds its
/// length and room on the heap with its bytes, `statement`).
pub(crate) trait Out {
    /// Appends one byte.
    fn put(&mut self, b: u8);
    /// Appends bytes.
    fn put_all(&mut self, bytes: &[u8]);
    /// Bytes held.
    fn held(&self) -> usize;
    /// Bytes there is room for before the next growth.
    fn room(&self) -> usize;
    /// Makes room for exactly `more` bytes beyond those held.
    fn grow_exactly(&mut self, more: usize);
}

/// The same five for both: each has the vector's methods of these names.
macro_rules! out_for {
    ($($bytes:ty),*) => {$(
        impl Out for $bytes {
            fn put(&mut self, b: u8) {
                self.push(b);
            }
            fn put_all(&mut self, bytes: &[u8]) {
                self.extend_from_slice(bytes);
            }
            fn held(&self) -> usize {
                self.len()
            }
            fn room(&self) -> usize {
                self.capacity()
            }
            fn grow_exactly(&mut self, more: usize) {
                self.reserve_exact(more);
            }
        }
    )*};
}
out_for!(Vec<u8>, thin_vec::ThinVec<u8>);

/// Appends `v` as a LEB128 varint: seven bits a byte, the high bit saying more follow.
pub(crate) fn put_varint(out: &mut impl Out, mut v: u128) {
    while v >= 0x80 {
        out.put((v as u8) | 0x80);
        v >>= 7;
    }
    out.put(v as u8);
}

/// Appends a signed `v`, zigzagged first so a small negative is a short varint too.
pub(crate) fn put_signed(out: &mut impl Out, v: i128) {
    put_varint(out, ((v << 1) ^ (v >> 127)) as u128);
}

/// Appends an amount exactly: a byte of its scale and sign, then its magnitude's varint.
pub(crate) fn put_decimal(out: &mut impl Out, d: Decimal) {
    // `scale` is at most 28 and the magnitude at most 96 bits: both read back exactly, the
    // sign of a negative zero included.
    let sign = if d.is_sign_negative() { NEGATIVE } else { 0 };
    out.put(d.scale() as u8 | sign);
    put_varint(out, d.mantissa().unsigned_abs());
}

/// Whether `a` is `b` exactly, as [`put_decimal`] would write it (the scale and the sign of a
/// zero included, where `==` compares values: 25 equals 25.0): what a packed part may leave
/// out and derive again must read back as this.
pub(crate) fn same_exactly(a: Decimal, b: Decimal) -> bool {
    a.serialize() == b.serialize()
}

/// Makes room in `bytes` for one more entry of at most `entry_max` bytes, growing by an eighth
/// of what it holds (at least `least`, and at least one entry) rather than doubling: packed
/// parts are most of a volunteer's bytes, and a doubled vector would carry up to as much
/// again unused. Even in a rebuild alone, where the moves an eighth costs are a fifteenth of
/// the CPU, doubling left the node 4-7% larger after it (BENCHMARKS.md, "Where a rebuild's
/// CPU goes").
pub(crate) fn make_room(bytes: &mut impl Out, entry_max: usize, least: usize) {
    if bytes.room() - bytes.held() < entry_max {
        let more = (bytes.held() / crate::limits::PACKED_GROWTH_DIVISOR)
            .max(least)
            .max(entry_max);
        bytes.grow_exactly(more);
    }
}

/// Reads a packed line's parts; `None` for bytes that end early or do not read.
pub(crate) struct Reader<'a>(pub(crate) &'a [u8]);

impl Reader<'_> {
    /// One byte.
    pub(crate) fn byte(&mut self) -> Option<u8> {
        let (b, rest) = self.0.split_first()?;
        self.0 = rest;
        Some(*b)
    }

    /// A varint, as [`put_varint`] wrote it.
    pub(crate) fn varint(&mut self) -> Option<u128> {
        let mut v = 0u128;
        for shift in (0..128).step_by(7) {
            let b = self.byte()?;
            v |= u128::from(b & 0x7f).checked_shl(shift)?;
            if b & 0x80 == 0 {
                return Some(v);
            }
        }
        None
    }

    /// A signed varint, as [`put_signed`] wrote it.
    pub(crate) fn signed(&mut self) -> Option<i128> {
        let z = self.varint()?;
        Some(((z >> 1) as i128) ^ -((z & 1) as i128))
    }

    /// An amount, as [`put_decimal`] wrote it.
    pub(crate) fn decimal(&mut self) -> Option<Decimal> {
        let head = self.byte()?;
        // A scale past 28 is refused by `try_from_i128_with_scale`.
        let scale = head & !NEGATIVE;
        let magnitude = i128::try_from(self.varint()?).ok()?;
        let mut d = Decimal::try_from_i128_with_scale(magnitude, u32::from(scale)).ok()?;
        d.set_sign_negative(head & NEGATIVE != 0);
        Some(d)
    }

    /// A UUID's 16 bytes.
    pub(crate) fn uuid(&mut self) -> Option<uuid::Uuid> {
        let (id, rest) = self.0.split_first_chunk::<16>()?;
        self.0 = rest;
        Some(uuid::Uuid::from_bytes(*id))
    }
}
