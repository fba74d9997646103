//! A strict, zero-copy DER walker (X.690 distinguished encoding rules), just large enough for
//! X.509 certificates and the structures around them.
//!
//! Why our own rather than the `der` crate's `SliceReader` / `AnyRef` (which is already in the
//! dependency graph through `spki`): every refusal here maps to one specific vouch error
//! ([`Error::DerTruncated`], [`Error::DerNonCanonical`], [`Error::DerTrailingData`],
//! [`Error::DerUnexpectedTag`]) instead of a generic decode error; the walker is a few hundred
//! bytes of flash with no generic code instantiated per type; and it hands out sub-slices of the
//! input, so a certificate's TBS bytes, names and extensions are hashed and compared where they
//! lie, with no copy and no heap.
//!
//! Refused (each with its error): a length running past its enclosing element or the input
//! (`der-truncated`); the indefinite length, a long-form length below 128, a long-form length with
//! a leading zero byte, the high-tag-number form (`der-non-canonical`); bytes after an element that
//! must end its input (`der-trailing-data`); an element other than the expected one, or none
//! (`der-unexpected-tag`).

use crate::Error;

/// `SEQUENCE` (constructed).
pub const SEQUENCE: u8 = 0x30;
/// `SET` (constructed).
pub const SET: u8 = 0x31;
/// `BOOLEAN`.
pub const BOOLEAN: u8 = 0x01;
/// `INTEGER`.
pub const INTEGER: u8 = 0x02;
/// `BIT STRING`.
pub const BIT_STRING: u8 = 0x03;
/// `OCTET STRING`.
pub const OCTET_STRING: u8 = 0x04;
/// `NULL`.
pub const NULL: u8 = 0x05;
/// `OBJECT IDENTIFIER`.
pub const OID: u8 = 0x06;
/// `UTF8String`.
pub const UTF8_STRING: u8 = 0x0c;
/// `UTCTime`.
pub const UTC_TIME: u8 = 0x17;
/// `GeneralizedTime`.
pub const GENERALIZED_TIME: u8 = 0x18;

/// One DER element: its tag byte, its contents, and its whole encoding (tag, length, contents).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tlv<'a> {
    /// The identifier octet (class, constructed bit, tag number below 31).
    pub tag: u8,
    /// The contents octets.
    pub value: &'a [u8],
    /// The whole element as encoded.
    pub raw: &'a [u8],
}

impl<'a> Tlv<'a> {
    /// A reader over this element's contents (for constructed elements).
    pub fn reader(&self) -> Reader<'a> {
        Reader::new(self.value)
    }
}

/// Reads DER elements one after another from a byte slice.
#[derive(Clone, Debug)]
pub struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    /// A reader at the start of `data`.
    pub fn new(data: &'a [u8]) -> Self {
        Reader { data, pos: 0 }
    }

    /// Whether every byte has been read.
    pub fn is_empty(&self) -> bool {
        self.pos >= self.data.len()
    }

    /// Offset of the next element within the reader's input.
    pub fn position(&self) -> usize {
        self.pos
    }

    /// The tag of the next element, if any (not checked further).
    pub fn peek_tag(&self) -> Option<u8> {
        self.data.get(self.pos).copied()
    }

    /// Reads the next element, whatever its tag.
    pub fn read_any(&mut self) -> Result<Tlv<'a>, Error> {
        let rest = self.data.get(self.pos..).unwrap_or(&[]);
        let (tlv, used) = parse_tlv(rest)?;
        self.pos += used;
        Ok(tlv)
    }

    /// Reads the next element, which must have tag `tag` ([`Error::DerUnexpectedTag`] otherwise,
    /// also when nothing is left).
    pub fn read(&mut self, tag: u8) -> Result<Tlv<'a>, Error> {
        if self.peek_tag() != Some(tag) {
            return Err(Error::DerUnexpectedTag);
        }
        self.read_any()
    }

    /// Reads the next element if it has tag `tag`; `None` (nothing consumed) otherwise.
    pub fn read_optional(&mut self, tag: u8) -> Result<Option<Tlv<'a>>, Error> {
        if self.peek_tag() == Some(tag) {
            self.read_any().map(Some)
        } else {
            Ok(None)
        }
    }

    /// Succeeds only if nothing is left ([`Error::DerTrailingData`] otherwise).
    pub fn finish(&self) -> Result<(), Error> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(Error::DerTrailingData)
        }
    }
}

/// Parses one element at the start of `input`; returns it and the bytes it used.
fn parse_tlv(input: &[u8]) -> Result<(Tlv<'_>, usize), Error> {
    let tag = *input.first().ok_or(Error::DerUnexpectedTag)?;
    if tag & 0x1f == 0x1f {
        // High tag number form: X.509 never needs it.
        return Err(Error::DerNonCanonical);
    }
    let first = *input.get(1).ok_or(Error::DerTruncated)?;
    let (len, header) = if first < 0x80 {
        (usize::from(first), 2)
    } else {
        let n = usize::from(first & 0x7f);
        match n {
            // 0x80: indefinite length (BER only); 0xff: reserved.
            0 | 0x7f => return Err(Error::DerNonCanonical),
            1..=4 => {}
            // Longer than 4 GiB: more than any input can hold.
            _ => return Err(Error::DerTruncated),
        }
        let bytes = input.get(2..2 + n).ok_or(Error::DerTruncated)?;
        if bytes.first() == Some(&0) {
            return Err(Error::DerNonCanonical);
        }
        let mut len = 0usize;
        for &b in bytes {
            len = (len << 8) | usize::from(b);
        }
        if len < 0x80 {
            return Err(Error::DerNonCanonical);
        }
        (len, 2 + n)
    };
    let end = header.checked_add(len).ok_or(Error::DerTruncated)?;
    let raw = input.get(..end).ok_or(Error::DerTruncated)?;
    let value = raw.get(header..).ok_or(Error::DerTruncated)?;
    Ok((Tlv { tag, value, raw }, end))
}

/// Parses `input` as exactly one element with tag `tag`, nothing after it.
pub fn parse_exact(input: &[u8], tag: u8) -> Result<Tlv<'_>, Error> {
    let mut r = Reader::new(input);
    let tlv = r.read(tag)?;
    r.finish()?;
    Ok(tlv)
}

/// Checks a DER BOOLEAN's contents (exactly one byte, `00` or `FF`) and returns its value.
pub fn boolean(tlv: &Tlv<'_>) -> Result<bool, Error> {
    match tlv.value {
        [0x00] => Ok(false),
        [0xff] => Ok(true),
        _ => Err(Error::DerNonCanonical),
    }
}

/// Checks a DER INTEGER's contents (non-empty, minimal two's complement).
pub fn integer<'a>(tlv: &Tlv<'a>) -> Result<&'a [u8], Error> {
    match tlv.value {
        [] => Err(Error::DerNonCanonical),
        [0x00, b, ..] if *b < 0x80 => Err(Error::DerNonCanonical),
        [0xff, b, ..] if *b >= 0x80 => Err(Error::DerNonCanonical),
        v => Ok(v),
    }
}

/// A non-negative DER INTEGER that fits in a `u32`.
pub fn small_unsigned(tlv: &Tlv<'_>) -> Result<Option<u32>, Error> {
    let v = integer(tlv)?;
    if v.first().is_some_and(|b| b & 0x80 != 0) {
        return Ok(None);
    }
    let v = match v {
        [0, rest @ ..] => rest,
        v => v,
    };
    if v.len() > 4 {
        return Ok(None);
    }
    Ok(Some(v.iter().fold(0u32, |a, &b| (a << 8) | u32::from(b))))
}

/// Checks an OBJECT IDENTIFIER's contents (non-empty, every sub-identifier minimal and
/// terminated) and returns them.
pub fn oid<'a>(tlv: &Tlv<'a>) -> Result<&'a [u8], Error> {
    let v = tlv.value;
    let mut start = true;
    for &b in v {
        if start && b == 0x80 {
            return Err(Error::DerNonCanonical);
        }
        start = b & 0x80 == 0;
    }
    if v.is_empty() || !start {
        return Err(Error::DerNonCanonical);
    }
    Ok(v)
}

/// A DER BIT STRING's contents: `(unused bits, bytes)`, with the unused bits of the last byte
/// zero as DER requires.
pub fn bit_string<'a>(tlv: &Tlv<'a>) -> Result<(u8, &'a [u8]), Error> {
    let (&unused, bytes) = tlv.value.split_first().ok_or(Error::DerNonCanonical)?;
    if unused > 7 || (bytes.is_empty() && unused != 0) {
        return Err(Error::DerNonCanonical);
    }
    if let Some(&last) = bytes.last()
        && last & ((1u8 << unused) - 1) != 0
    {
        return Err(Error::DerNonCanonical);
    }
    Ok((unused, bytes))
}

/// A BIT STRING holding whole bytes (no unused bits), as keys and signatures do.
pub fn octet_aligned_bits<'a>(tlv: &Tlv<'a>) -> Result<&'a [u8], Error> {
    match bit_string(tlv)? {
        (0, bytes) => Ok(bytes),
        _ => Err(Error::DerNonCanonical),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(b: &[u8]) -> Result<Tlv<'_>, Error> {
        Reader::new(b).read_any()
    }

    #[test]
    fn lengths() {
        assert_eq!(one(&[0x04, 0x01, 0xaa]).unwrap().value, &[0xaa]);
        assert_eq!(one(&[0x04, 0x02, 0xaa]), Err(Error::DerTruncated));
        assert_eq!(one(&[0x04]), Err(Error::DerTruncated));
        assert_eq!(one(&[]), Err(Error::DerUnexpectedTag));
        assert_eq!(one(&[0x04, 0x80, 0x00, 0x00]), Err(Error::DerNonCanonical));
        assert_eq!(one(&[0x04, 0x81, 0x01, 0xaa]), Err(Error::DerNonCanonical));
        assert_eq!(one(&[0x04, 0x82, 0x00, 0x81]), Err(Error::DerNonCanonical));
        assert_eq!(one(&[0x04, 0xff, 0x00]), Err(Error::DerNonCanonical));
        assert_eq!(one(&[0x04, 0x85, 1, 0, 0, 0, 0]), Err(Error::DerTruncated));
        assert_eq!(
            one(&[0x04, 0x84, 0xff, 0xff, 0xff, 0xff]),
            Err(Error::DerTruncated)
        );
        assert_eq!(one(&[0x1f, 0x01, 0x00]), Err(Error::DerNonCanonical));
        let mut long = vec![0x04, 0x81, 0x80];
        long.extend([7u8; 128]);
        assert_eq!(one(&long).unwrap().value.len(), 128);
        assert_eq!(one(&long[..long.len() - 1]), Err(Error::DerTruncated));
        assert_eq!(
            parse_exact(&[0x05, 0x00, 0x00], NULL),
            Err(Error::DerTrailingData)
        );
        assert_eq!(
            parse_exact(&[0x05, 0x00], OID),
            Err(Error::DerUnexpectedTag)
        );
    }

    #[test]
    fn primitives() {
        let t = |tag, v: &'static [u8]| Tlv {
            tag,
            value: v,
            raw: v,
        };
        assert_eq!(boolean(&t(BOOLEAN, &[0xff])), Ok(true));
        assert_eq!(boolean(&t(BOOLEAN, &[0x01])), Err(Error::DerNonCanonical));
        assert_eq!(
            integer(&t(INTEGER, &[0x00, 0x7f])),
            Err(Error::DerNonCanonical)
        );
        assert_eq!(
            integer(&t(INTEGER, &[0xff, 0x80])),
            Err(Error::DerNonCanonical)
        );
        assert_eq!(integer(&t(INTEGER, &[])), Err(Error::DerNonCanonical));
        assert_eq!(integer(&t(INTEGER, &[0x00, 0x80])), Ok(&[0x00, 0x80][..]));
        assert_eq!(small_unsigned(&t(INTEGER, &[0x00, 0x80])), Ok(Some(128)));
        assert_eq!(small_unsigned(&t(INTEGER, &[0x80])), Ok(None));
        assert_eq!(
            oid(&t(OID, &[0x2a, 0x86, 0x48])),
            Ok(&[0x2a, 0x86, 0x48][..])
        );
        assert_eq!(oid(&t(OID, &[0x2a, 0x86])), Err(Error::DerNonCanonical));
        assert_eq!(
            oid(&t(OID, &[0x2a, 0x80, 0x01])),
            Err(Error::DerNonCanonical)
        );
        assert_eq!(oid(&t(OID, &[])), Err(Error::DerNonCanonical));
        assert_eq!(
            bit_string(&t(BIT_STRING, &[0x07, 0x80])),
            Ok((7, &[0x80][..]))
        );
        assert_eq!(
            bit_string(&t(BIT_STRING, &[0x07, 0x81])),
            Err(Error::DerNonCanonical)
        );
        assert_eq!(
            bit_string(&t(BIT_STRING, &[0x08, 0x00])),
            Err(Error::DerNonCanonical)
        );
        assert_eq!(
            bit_string(&t(BIT_STRING, &[0x01])),
            Err(Error::DerNonCanonical)
        );
        assert_eq!(bit_string(&t(BIT_STRING, &[])), Err(Error::DerNonCanonical));
        assert_eq!(
            octet_aligned_bits(&t(BIT_STRING, &[0x01, 0x02])),
            Err(Error::DerNonCanonical)
        );
    }
}
