//! DSSE Pre-Authentication Encoding.
//!
//! `PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body`, where SP is one space and
//! LEN is the ASCII decimal *byte* length with no leading zeros. This is what every DSSE signature
//! covers. [`stream`] produces it in pieces (so a signature can be checked over a payload of any size
//! without a PAE-sized buffer); [`len`] and [`write_into`] serve callers who want the bytes.

use crate::Error;

const PREFIX: &[u8] = b"DSSEv1 ";

/// ASCII decimal of `n` without leading zeros, in a fixed buffer.
struct Decimal {
    buf: [u8; 20],
    start: usize,
}

impl Decimal {
    fn new(mut n: usize) -> Self {
        let mut buf = [b'0'; 20];
        let mut start = buf.len();
        loop {
            start -= 1;
            if let Some(slot) = buf.get_mut(start) {
                *slot = b'0' + (n % 10) as u8;
            }
            n /= 10;
            if n == 0 || start == 0 {
                break;
            }
        }
        Decimal { buf, start }
    }

    fn as_bytes(&self) -> &[u8] {
        self.buf.get(self.start..).unwrap_or(&[])
    }
}

/// The length of `PAE(type, body)` for a payload type of `type_len` bytes and a body of `body_len`
/// bytes, or `None` if it would overflow `usize`.
pub fn len(type_len: usize, body_len: usize) -> Option<usize> {
    let fixed = PREFIX.len() + Decimal::new(type_len).as_bytes().len() + 1;
    let fixed = fixed + 1 + Decimal::new(body_len).as_bytes().len() + 1;
    fixed.checked_add(type_len)?.checked_add(body_len)
}

/// Calls `sink` with the pieces of `PAE(payload_type, body)` in order.
pub fn stream(payload_type: &[u8], body: &[u8], mut sink: impl FnMut(&[u8])) {
    stream_header(payload_type, body.len(), &mut sink);
    sink(body);
}

/// Calls `sink` with the pieces of `PAE(payload_type, body)` that come before the body, for a
/// body of `body_len` bytes (the body itself can then follow in any number of pieces).
pub(crate) fn stream_header(payload_type: &[u8], body_len: usize, mut sink: impl FnMut(&[u8])) {
    sink(PREFIX);
    sink(Decimal::new(payload_type.len()).as_bytes());
    sink(b" ");
    sink(payload_type);
    sink(b" ");
    sink(Decimal::new(body_len).as_bytes());
    sink(b" ");
}

/// Writes `PAE(payload_type, body)` into `out` and returns its length.
pub fn write_into(payload_type: &[u8], body: &[u8], out: &mut [u8]) -> Result<usize, Error> {
    let total = len(payload_type.len(), body.len()).ok_or(Error::BufferTooSmall)?;
    let dst = out.get_mut(..total).ok_or(Error::BufferTooSmall)?;
    let mut n = 0;
    stream(payload_type, body, |piece| {
        if let Some(d) = dst.get_mut(n..n + piece.len()) {
            d.copy_from_slice(piece);
        }
        n += piece.len();
    });
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pae(t: &str, b: &[u8]) -> Vec<u8> {
        let mut out = vec![0u8; len(t.len(), b.len()).unwrap()];
        let n = write_into(t.as_bytes(), b, &mut out).unwrap();
        assert_eq!(n, out.len());
        out
    }

    #[test]
    fn spec_example() {
        // DSSE protocol.md worked example.
        assert_eq!(
            pae("http://example.com/HelloWorld", b"hello world"),
            b"DSSEv1 29 http://example.com/HelloWorld 11 hello world".to_vec()
        );
    }

    #[test]
    fn empty_payload_and_type() {
        assert_eq!(pae("", b""), b"DSSEv1 0  0 ".to_vec());
        assert_eq!(pae("t", b""), b"DSSEv1 1 t 0 ".to_vec());
    }

    #[test]
    fn non_ascii_type_counts_bytes_not_characters() {
        // "é" is two bytes, "😀" four: the length is 6, not 2.
        assert_eq!(pae("é😀", b"x"), "DSSEv1 6 é😀 1 x".as_bytes().to_vec());
    }

    #[test]
    fn multi_digit_lengths() {
        let body = vec![b'a'; 1000];
        let out = pae("application/vnd.in-toto+json", &body);
        assert!(out.starts_with(b"DSSEv1 28 application/vnd.in-toto+json 1000 aaa"));
        assert_eq!(Decimal::new(0).as_bytes(), b"0");
        assert_eq!(
            Decimal::new(usize::MAX).as_bytes(),
            usize::MAX.to_string().as_bytes()
        );
    }

    #[test]
    fn too_small_buffer() {
        let mut out = [0u8; 10];
        assert_eq!(
            write_into(b"t", b"hello", &mut out),
            Err(Error::BufferTooSmall)
        );
    }
}
