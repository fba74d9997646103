//! Strict streaming base64 for DSSE fields.
//!
//! DSSE verifiers must accept the standard (`+/`) and the URL-safe (`-_`) alphabet, padded or not.
//! Each field is decoded on its own; within one field the rules are:
//!
//! * one alphabet only: a field holding both `+`/`/` and `-`/`_` is rejected;
//! * no whitespace or other characters outside the alphabet;
//! * padding, if present, only at the end and only as much as completes the last quantum
//!   (`xx==`, `xxx=`); a padded field's length is a multiple of four;
//! * no impossible lengths (a final quantum of one character);
//! * the unused low bits of the last character are zero (no two encodings of one byte string);
//! * the empty string decodes to the empty byte string.
//!
//! The decoder is fed in pieces, because DSSE fields arrive as JSON strings that may contain escapes
//! (`\/`, `\u002b`): the unescaped text is streamed through the exact decoder (`Decoder::feed`)
//! without a copy.
//! base64ct (the RustCrypto decoder) needs its whole input in one slice, which would force a copy
//! the size of the payload into memory that a no-heap caller does not have; it serves as the
//! reference model in vouch's tests and fuzz targets instead.

use crate::Error;
use crate::json::JsonStr;

const INVALID: u8 = 0xFF;
const PAD: u8 = 0xFE;

/// Maps a byte to its 6-bit value (both alphabets), [`PAD`] for `=`, or [`INVALID`].
// Evaluated at compile time: an out-of-range index would fail the build, not panic at run time.
#[allow(clippy::indexing_slicing)]
const TABLE: [u8; 256] = {
    let mut t = [INVALID; 256];
    let mut i = 0;
    while i < 26 {
        t[b'A' as usize + i] = i as u8;
        t[b'a' as usize + i] = 26 + i as u8;
        i += 1;
    }
    let mut d = 0;
    while d < 10 {
        t[b'0' as usize + d] = 52 + d as u8;
        d += 1;
    }
    t[b'+' as usize] = 62;
    t[b'/' as usize] = 63;
    t[b'-' as usize] = 62;
    t[b'_' as usize] = 63;
    t[b'=' as usize] = PAD;
    t
};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Alphabet {
    Unknown,
    Standard,
    UrlSafe,
}

/// A streaming, strict base64 decoder that accepts either alphabet (reached from outside the
/// crate only through [`crate::hazmat::Base64Decoder`]).
#[derive(Clone, Debug)]
pub(crate) struct Decoder {
    /// Bits of the current (incomplete) quantum.
    acc: u32,
    /// Characters in the current quantum (0..4), padding included.
    in_quantum: u8,
    /// `=` characters seen (all must come at the very end).
    pads: u8,
    alphabet: Alphabet,
    failed: bool,
    out: [u8; 96],
    out_len: usize,
}

impl Default for Decoder {
    fn default() -> Self {
        Decoder::new()
    }
}

impl Decoder {
    /// A decoder at the start of a field.
    pub const fn new() -> Self {
        Decoder {
            acc: 0,
            in_quantum: 0,
            pads: 0,
            alphabet: Alphabet::Unknown,
            failed: false,
            out: [0; 96],
            out_len: 0,
        }
    }

    fn flush<E>(&mut self, sink: &mut impl FnMut(&[u8]) -> Result<(), E>) -> Result<(), E> {
        if self.out_len > 0 {
            let n = self.out_len;
            self.out_len = 0;
            sink(self.out.get(..n).unwrap_or(&[]))?;
        }
        Ok(())
    }

    fn emit<E>(&mut self, b: u8, sink: &mut impl FnMut(&[u8]) -> Result<(), E>) -> Result<(), E> {
        if self.out_len == self.out.len() {
            self.flush(sink)?;
        }
        if let Some(slot) = self.out.get_mut(self.out_len) {
            *slot = b;
            self.out_len += 1;
        }
        Ok(())
    }

    /// Feeds more characters; decoded bytes go to `sink` in pieces. A `sink` error is passed
    /// through; a base64 error is reported (as [`Error::InvalidBase64`]) by [`Decoder::finish`] and
    /// also returned here as `Ok(false)` so the caller may stop early.
    pub fn feed<E>(
        &mut self,
        input: &[u8],
        sink: &mut impl FnMut(&[u8]) -> Result<(), E>,
    ) -> Result<bool, E> {
        if self.failed {
            return Ok(false);
        }
        #[cfg(feature = "fast-decode")]
        let input = self.feed_blocks(input, sink)?;
        for &c in input {
            let v = TABLE.get(usize::from(c)).copied().unwrap_or(INVALID);
            if v == INVALID || (v != PAD && self.pads > 0) {
                self.failed = true;
                return Ok(false);
            }
            if v == PAD {
                // Padding may only complete a quantum that has two or three characters.
                let chars = self.in_quantum;
                let ok = (self.pads == 0 && (chars == 2 || chars == 3))
                    || (chars == 3 && self.pads == 1);
                if !ok {
                    self.failed = true;
                    return Ok(false);
                }
                self.pads += 1;
                self.in_quantum += 1;
                if self.in_quantum == 4 {
                    self.in_quantum = 0;
                }
                continue;
            }
            if v >= 62 {
                let a = if c == b'+' || c == b'/' {
                    Alphabet::Standard
                } else {
                    Alphabet::UrlSafe
                };
                if self.alphabet == Alphabet::Unknown {
                    self.alphabet = a;
                } else if self.alphabet != a {
                    self.failed = true;
                    return Ok(false);
                }
            }
            self.acc = (self.acc << 6) | u32::from(v);
            self.in_quantum += 1;
            if self.in_quantum == 4 {
                let [_, b0, b1, b2] = self.acc.to_be_bytes();
                self.emit(b0, sink)?;
                self.emit(b1, sink)?;
                self.emit(b2, sink)?;
                self.acc = 0;
                self.in_quantum = 0;
            }
        }
        Ok(true)
    }

    /// Host fast path of [`Decoder::feed`] (feature `fast-decode`): while the decoder sits on a
    /// quantum boundary with no padding seen, runs of whole [`FAST_BLOCK_IN`]-character blocks
    /// that are plain base64 in one alphabet (agreeing with the alphabet seen so far) are decoded
    /// by [`decode_plain`] without the per-character state machine. A group that holds anything
    /// else is retried block by block; the first block that holds anything else (padding, a
    /// foreign or mixed character) and everything after it is left to the exact per-character
    /// loop, which gives the verdict. So this path accepts exactly what that loop would, with the
    /// same output. Returns the input not consumed.
    #[cfg(feature = "fast-decode")]
    fn feed_blocks<'i, E>(
        &mut self,
        mut input: &'i [u8],
        sink: &mut impl FnMut(&[u8]) -> Result<(), E>,
    ) -> Result<&'i [u8], E> {
        if self.in_quantum != 0 || self.pads != 0 || input.len() < FAST_BLOCK_IN {
            return Ok(input);
        }
        self.flush(sink)?;
        let mut buf = [0u8; GROUP_OUT];
        let mut most = GROUP_IN;
        loop {
            let n = (input.len() / FAST_BLOCK_IN * FAST_BLOCK_IN).min(most);
            let (Some((src, rest)), Some(dst)) =
                (input.split_at_checked(n), buf.get_mut(..n / 4 * 3))
            else {
                return Ok(input);
            };
            if n == 0 {
                return Ok(input);
            }
            match decode_plain(src, dst).and_then(|(st, url)| merge(self.alphabet, st, url)) {
                Some(a) => {
                    self.alphabet = a;
                    input = rest;
                    sink(dst)?;
                }
                None if n > FAST_BLOCK_IN => most = FAST_BLOCK_IN,
                None => return Ok(input),
            }
        }
    }

    /// Ends the field: checks the final quantum and flushes the last bytes.
    pub fn finish<E: From<Error>>(
        mut self,
        sink: &mut impl FnMut(&[u8]) -> Result<(), E>,
    ) -> Result<(), E> {
        if self.failed {
            return Err(Error::InvalidBase64.into());
        }
        if self.pads > 0 {
            // Padded input: the quantum was completed by the padding itself, and the data
            // characters in it are 4 - pads.
            if self.in_quantum != 0 {
                return Err(Error::InvalidBase64.into());
            }
            // The data bits of the padded quantum are in `acc` (2 or 3 characters).
            let data_chars = 4 - self.pads;
            return self.tail(data_chars, sink);
        }
        let chars = self.in_quantum;
        match chars {
            0 => {
                self.flush(sink)?;
                Ok(())
            }
            1 => Err(Error::InvalidBase64.into()),
            _ => self.tail(chars, sink),
        }
    }

    fn tail<E: From<Error>>(
        mut self,
        chars: u8,
        sink: &mut impl FnMut(&[u8]) -> Result<(), E>,
    ) -> Result<(), E> {
        let acc = self.acc;
        match chars {
            2 => {
                // 12 bits: one byte and four bits that must be zero.
                if acc & 0xF != 0 {
                    return Err(Error::InvalidBase64.into());
                }
                self.emit((acc >> 4) as u8, sink)?;
            }
            3 => {
                // 18 bits: two bytes and two bits that must be zero.
                if acc & 0x3 != 0 {
                    return Err(Error::InvalidBase64.into());
                }
                self.emit((acc >> 10) as u8, sink)?;
                self.emit((acc >> 2) as u8, sink)?;
            }
            _ => return Err(Error::InvalidBase64.into()),
        }
        self.flush(sink)
    }
}

/// Decodes a whole base64 text (either alphabet) into `out`; returns the decoded length.
///
/// An invalid text gives [`Error::InvalidBase64`]; a valid text too long for `out` gives
/// [`Error::BufferTooSmall`].
pub fn decode_into(text: &[u8], out: &mut [u8]) -> Result<usize, Error> {
    if let Some(n) = decode_fast(text, out, |_| {}) {
        return Ok(n);
    }
    decode_chunks(|f| f(text), Some(out))
}

/// Decodes the base64 text held in a JSON string (after unescaping) into `out`.
pub fn decode_json_str(s: &JsonStr<'_>, out: &mut [u8]) -> Result<usize, Error> {
    if let Some(n) = decode_fast(s.raw(), out, |_| {}) {
        return Ok(n);
    }
    decode_str(s, Some(out))
}

/// The exact decoder over a JSON string: into `out`, or only counting and checking when `out`
/// is `None`. One function for both, so that firmware links one copy of the decoder loop.
fn decode_str(s: &JsonStr<'_>, out: Option<&mut [u8]>) -> Result<usize, Error> {
    decode_chunks(|f| s.for_each_chunk(f), out)
}

/// Fast path of [`validate_json_str`] for text without escapes; `None` means "ask the exact
/// streaming decoder" (see [`decode_fast`]).
fn validate_fast(text: &[u8]) -> Option<usize> {
    #[cfg(not(feature = "fast-decode"))]
    {
        let _ = text;
        None
    }
    #[cfg(feature = "fast-decode")]
    {
        let bulk_in = text.len().saturating_sub(4) / FAST_BLOCK_IN * FAST_BLOCK_IN;
        let (head, tail) = text.split_at_checked(bulk_in)?;
        #[cfg(feature = "simd-decode")]
        let alphabet = {
            let mut lazy = LazyAlphabet::default();
            let mut scratch = [0u8; GROUP_OUT];
            for (g, src) in head.chunks(GROUP_IN).enumerate() {
                let dst = scratch.get_mut(..src.len() / 4 * 3)?;
                lazy.decode_group(head.get(..g * GROUP_IN)?, src, dst)?;
            }
            lazy.resolve(head, tail)?
        };
        #[cfg(not(feature = "simd-decode"))]
        let alphabet = {
            let mut alphabet = Alphabet::Unknown;
            for src in head.chunks(GROUP_IN) {
                let (st, url) = check_plain(src)?;
                alphabet = merge(alphabet, st, url)?;
            }
            alphabet
        };
        // The tail is 4 to 67 characters: at most 50 bytes.
        let n = finish_tail(tail, alphabet, &mut [0u8; FAST_BLOCK_OUT + 3])?;
        Some(bulk_in / 4 * 3 + n)
    }
}

/// The exact decoder over the last few characters of a text whose bulk the fast path decoded in
/// `alphabet`; writes into `out` and returns the count, or `None` if the tail is not valid (or
/// its bytes do not fit).
#[cfg(feature = "fast-decode")]
fn finish_tail(tail: &[u8], alphabet: Alphabet, out: &mut [u8]) -> Option<usize> {
    let mut dec = Decoder::new();
    dec.alphabet = alphabet;
    let mut n = 0usize;
    let mut sink = |c: &[u8]| match out.get_mut(n..n + c.len()) {
        Some(d) => {
            d.copy_from_slice(c);
            n += c.len();
            Ok(())
        }
        None => Err(Error::BufferTooSmall),
    };
    if !dec.feed(tail, &mut sink).ok()? {
        return None;
    }
    dec.finish(&mut sink).ok()?;
    Some(n)
}

/// Combines the alphabet seen so far with a group's flags (standard-only characters seen,
/// URL-safe-only characters seen); `None` when they conflict.
#[cfg(feature = "fast-decode")]
fn merge(current: Alphabet, std_seen: bool, url_seen: bool) -> Option<Alphabet> {
    match (std_seen, url_seen, current) {
        (true, true, _) => None,
        (true, false, Alphabet::UrlSafe) | (false, true, Alphabet::Standard) => None,
        (true, false, _) => Some(Alphabet::Standard),
        (false, true, _) => Some(Alphabet::UrlSafe),
        (false, false, a) => Some(a),
    }
}

/// Decodes the base64 text held in a JSON string piece by piece, handing each decoded piece to
/// `sink` (nothing the size of the payload is needed); returns the decoded length. On invalid
/// text `sink` may already have seen a prefix of the output before [`Error::InvalidBase64`].
pub(crate) fn stream_json_str(
    s: &JsonStr<'_>,
    mut sink: impl FnMut(&[u8]),
) -> Result<usize, Error> {
    let mut n = 0usize;
    let mut dec = Decoder::new();
    let mut out = |c: &[u8]| {
        n += c.len();
        sink(c);
        Ok::<(), Error>(())
    };
    s.for_each_chunk(|c| dec.feed(c, &mut out).map(|_| ()))?;
    dec.finish(&mut out)?;
    Ok(n)
}

/// Decodes base64 `text` held in `buf` in place: the decoded bytes end up at the start of `buf`
/// and their length is returned. The rules and errors are those of [`decode_into`]; on an error
/// the contents of `buf` are unspecified. This is how a caller that owns an envelope's bytes gets
/// at its payload without a second buffer the size of the payload (decoded output never overtakes
/// the text still to be read, since four characters give at most three bytes).
pub fn decode_in_place(buf: &mut [u8]) -> Result<usize, Error> {
    const PIECE: usize = 4096;
    let mut piece = [0u8; PIECE];
    let mut read = 0usize;
    let mut written = 0usize;
    let mut dec = Decoder::new();
    let len = buf.len();
    // Appends decoded bytes at `written` (always at or behind `read`).
    let put = |buf: &mut [u8], written: &mut usize, c: &[u8]| match buf
        .get_mut(*written..*written + c.len())
    {
        Some(d) => {
            d.copy_from_slice(c);
            *written += c.len();
            Ok(())
        }
        None => Err(Error::BufferTooSmall),
    };
    while read < len {
        let n = (len - read).min(PIECE);
        let (Some(src), Some(dst)) = (buf.get(read..read + n), piece.get_mut(..n)) else {
            return Err(Error::InvalidBase64);
        };
        dst.copy_from_slice(src);
        read += n;
        let text = piece.get(..n).unwrap_or(&[]);
        if !dec.feed(text, &mut |c: &[u8]| put(buf, &mut written, c))? {
            return Err(Error::InvalidBase64);
        }
    }
    dec.finish(&mut |c: &[u8]| put(buf, &mut written, c))?;
    Ok(written)
}

/// Checks that a JSON string holds valid base64 and returns its decoded length, writing nothing.
pub(crate) fn validate_json_str(s: &JsonStr<'_>) -> Result<usize, Error> {
    if let Some(n) = validate_fast(s.raw()) {
        return Ok(n);
    }
    decode_str(s, None)
}

fn decode_chunks(
    source: impl FnOnce(&mut dyn FnMut(&[u8]) -> Result<(), Error>) -> Result<(), Error>,
    mut out: Option<&mut [u8]>,
) -> Result<usize, Error> {
    let mut n = 0usize;
    let mut overflow = false;
    let mut sink = |c: &[u8]| {
        if let Some(out) = out.as_deref_mut() {
            match out.get_mut(n..n + c.len()) {
                Some(dst) => dst.copy_from_slice(c),
                None => overflow = true,
            }
        }
        n += c.len();
        Ok::<(), Error>(())
    };
    let mut dec = Decoder::new();
    source(&mut |c| dec.feed(c, &mut sink).map(|_| ()))?;
    dec.finish(&mut sink)?;
    if overflow {
        Err(Error::BufferTooSmall)
    } else {
        Ok(n)
    }
}

/// Characters per group of the fast path (a multiple of [`FAST_BLOCK_IN`]): decoded in one call
/// and handed on while still in cache.
#[cfg(feature = "fast-decode")]
const GROUP_IN: usize = 4096;
/// Bytes decoded from one group.
#[cfg(feature = "fast-decode")]
const GROUP_OUT: usize = GROUP_IN / 4 * 3;

/// Which of the two alphabet-specific character pairs `src` holds: `(+ or /, - or _)`. Written
/// as a branch-free fold so that it vectorises.
#[cfg(feature = "simd-decode")]
fn alphabet_flags(src: &[u8]) -> (bool, bool) {
    let (st, url) = src.iter().fold((0u8, 0u8), |(s, u), &c| {
        (
            s | u8::from(c == b'+') | u8::from(c == b'/'),
            u | u8::from(c == b'-') | u8::from(c == b'_'),
        )
    });
    (st != 0, url != 0)
}

/// Decodes plain base64 — whole [`FAST_BLOCK_IN`]-character blocks, no padding — from `src`
/// into `dst` (exactly three quarters of its length). Returns which alphabet-specific characters
/// it held, or `None` if it holds anything else or both alphabets (then the exact decoder
/// decides). With feature `simd-decode` the work is done by base64-simd (SSSE3/AVX2/NEON,
/// detected at run time); otherwise by the portable block decoder.
#[cfg(feature = "fast-decode")]
fn decode_plain(src: &[u8], dst: &mut [u8]) -> Option<(bool, bool)> {
    #[cfg(feature = "simd-decode")]
    return decode_plain_simd(src, dst);
    #[cfg(not(feature = "simd-decode"))]
    return decode_plain_portable(src, dst);
}

/// [`decode_plain`] without writing anything (portable; with `simd-decode` validation goes through
/// [`LazyAlphabet`] instead, and this is kept for the tests).
#[cfg(feature = "fast-decode")]
#[cfg_attr(all(feature = "simd-decode", not(test)), allow(dead_code))]
fn check_plain(src: &[u8]) -> Option<(bool, bool)> {
    if !src.len().is_multiple_of(FAST_BLOCK_IN) {
        return None;
    }
    let (mut invalid, mut st, mut url) = (0u8, 0u8, 0u8);
    for &c in src {
        let (_, ok, s, u) = classify(c);
        invalid |= ok ^ 1;
        st |= s;
        url |= u;
    }
    (invalid == 0 && !(st != 0 && url != 0)).then_some((st != 0, url != 0))
}

/// The alphabet of a text being decoded group by group with base64-simd, established lazily:
/// a group that decodes with the standard engine holds no `-`/`_`, but whether it holds `+`/`/`
/// is only worth finding out (by scanning what was decoded) if a `-`/`_` ever turns up. Plain
/// standard payloads, the common case, are never scanned; the verdicts are those of the exact
/// decoder (one alphabet per field).
#[cfg(feature = "simd-decode")]
#[derive(Default)]
struct LazyAlphabet {
    /// Groups so far needed the URL-safe engine (then none of them holds `+` or `/`).
    url: bool,
}

#[cfg(feature = "simd-decode")]
impl LazyAlphabet {
    /// Decodes one group (`done` is the text of the groups before it); `None` means "leave it to
    /// the exact decoder".
    fn decode_group(&mut self, done: &[u8], src: &[u8], dst: &mut [u8]) -> Option<()> {
        if !src.len().is_multiple_of(4) || dst.len() != src.len() / 4 * 3 {
            return None;
        }
        let decoded = |engine: &base64_simd::Base64, dst: &mut [u8]| {
            engine
                .decode(src, base64_simd::Out::from_slice(dst))
                .is_ok_and(|d| d.len() == src.len() / 4 * 3)
        };
        if !self.url {
            if decoded(&base64_simd::STANDARD_NO_PAD, dst) {
                return Some(());
            }
            // Not standard: URL-safe characters (allowed only if nothing before held `+`/`/`)
            // or something invalid (the exact decoder will say).
            if alphabet_flags(done).0 {
                return None;
            }
            self.url = true;
        }
        decoded(&base64_simd::URL_SAFE_NO_PAD, dst).then_some(())
    }

    /// The alphabet to continue with in the exact decoder for `tail`, after `head` was decoded.
    fn resolve(&self, head: &[u8], tail: &[u8]) -> Option<Alphabet> {
        if self.url {
            return Some(Alphabet::UrlSafe);
        }
        let (_, tail_url) = alphabet_flags(tail);
        if tail_url && alphabet_flags(head).0 {
            return None;
        }
        // Otherwise the head holds no `-`/`_`, and `+`/`/` only if the tail holds no `-`/`_`:
        // the exact decoder needs no memory of it.
        Some(Alphabet::Unknown)
    }
}

/// [`decode_plain`] with base64-simd.
#[cfg(feature = "simd-decode")]
fn decode_plain_simd(src: &[u8], dst: &mut [u8]) -> Option<(bool, bool)> {
    if !src.len().is_multiple_of(FAST_BLOCK_IN) || dst.len() != src.len() / 4 * 3 {
        return None;
    }
    let (st, url) = alphabet_flags(src);
    let engine = match (st, url) {
        (true, true) => return None,
        (_, true) => &base64_simd::URL_SAFE_NO_PAD,
        _ => &base64_simd::STANDARD_NO_PAD,
    };
    let n = engine
        .decode(src, base64_simd::Out::from_slice(dst))
        .ok()?
        .len();
    (n == src.len() / 4 * 3).then_some((st, url))
}

/// [`decode_plain`] with the portable block decoder (with `simd-decode`, kept for the tests that
/// hold the two against each other).
#[cfg(feature = "fast-decode")]
#[cfg_attr(all(feature = "simd-decode", not(test)), allow(dead_code))]
fn decode_plain_portable(src: &[u8], dst: &mut [u8]) -> Option<(bool, bool)> {
    if !src.len().is_multiple_of(FAST_BLOCK_IN) || dst.len() != src.len() / 4 * 3 {
        return None;
    }
    let (mut st, mut url) = (false, false);
    for (d, s) in dst
        .chunks_exact_mut(FAST_BLOCK_OUT)
        .zip(src.chunks_exact(FAST_BLOCK_IN))
    {
        let (Ok(d), Ok(s)) = (
            <&mut [u8; FAST_BLOCK_OUT]>::try_from(d),
            <&[u8; FAST_BLOCK_IN]>::try_from(s),
        ) else {
            return None;
        };
        let (valid, s_seen, u_seen) = decode_block(s, d);
        if !valid {
            return None;
        }
        st |= s_seen;
        url |= u_seen;
    }
    (!(st && url)).then_some((st, url))
}

/// Characters per block of the fast path (decodes to [`FAST_BLOCK_OUT`] bytes).
#[cfg(feature = "fast-decode")]
const FAST_BLOCK_IN: usize = 64;
/// Bytes decoded from one block of the fast path.
#[cfg(feature = "fast-decode")]
const FAST_BLOCK_OUT: usize = FAST_BLOCK_IN / 4 * 3;

/// Maps one character to its 6-bit value without a table (so that the loop over a block
/// vectorises); returns `(value, valid, standard-only, url-safe-only)` with the flags as 0 or 1.
#[cfg(feature = "fast-decode")]
#[inline(always)]
fn classify(c: u8) -> (u8, u8, u8, u8) {
    let upper = u8::from(c.wrapping_sub(b'A') < 26);
    let lower = u8::from(c.wrapping_sub(b'a') < 26);
    let digit = u8::from(c.wrapping_sub(b'0') < 10);
    let s62 = u8::from(c == b'+');
    let s63 = u8::from(c == b'/');
    let u62 = u8::from(c == b'-');
    let u63 = u8::from(c == b'_');
    let v = (upper.wrapping_neg() & c.wrapping_sub(65))
        | (lower.wrapping_neg() & c.wrapping_sub(71))
        | (digit.wrapping_neg() & c.wrapping_add(4))
        | ((s62 | u62).wrapping_neg() & 62)
        | ((s63 | u63).wrapping_neg() & 63);
    (
        v,
        upper | lower | digit | s62 | s63 | u62 | u63,
        s62 | s63,
        u62 | u63,
    )
}

/// Decodes one block of [`FAST_BLOCK_IN`] characters (no padding) into [`FAST_BLOCK_OUT`] bytes;
/// returns `(all valid, saw standard-only characters, saw URL-safe-only characters)`.
#[cfg(feature = "fast-decode")]
#[inline(always)]
fn decode_block(input: &[u8; FAST_BLOCK_IN], out: &mut [u8; FAST_BLOCK_OUT]) -> (bool, bool, bool) {
    let mut vals = [0u8; FAST_BLOCK_IN];
    let mut invalid = 0u8;
    let mut std_seen = 0u8;
    let mut url_seen = 0u8;
    for (v, &c) in vals.iter_mut().zip(input.iter()) {
        let (x, ok, s, u) = classify(c);
        *v = x;
        invalid |= ok ^ 1;
        std_seen |= s;
        url_seen |= u;
    }
    for (dst, q) in out.chunks_exact_mut(6).zip(vals.chunks_exact(8)) {
        let mut acc = 0u64;
        for &x in q {
            acc = (acc << 6) | u64::from(x);
        }
        let bytes = acc.to_be_bytes();
        dst.copy_from_slice(bytes.get(2..).unwrap_or(&[0; 6]));
    }
    (invalid == 0, std_seen != 0, url_seen != 0)
}

/// The exact decoded length of a base64 text without escapes, *if* it is valid (counting the
/// trailing `=`); for invalid text the result is meaningless but harmless.
pub(crate) fn decoded_len_if_valid(text: &[u8]) -> usize {
    let pads = text
        .iter()
        .rev()
        .take(2)
        .take_while(|&&c| c == b'=')
        .count();
    let chars = text.len() - pads;
    chars / 4 * 3 + (chars % 4).saturating_sub(1)
}

/// Fast path for well-formed text without escapes: decodes `text` into `out` in blocks, calling
/// `on_chunk` with each piece of `out` as soon as it is written (so a hash can consume it while it
/// is still in cache), and returns the decoded length.
///
/// Returns `None` on anything unusual (an invalid or escape character, padding outside the final
/// quantum, `out` too small, ...) without judging it: the caller then runs the exact streaming
/// [`Decoder`], which gives the precise error. Whenever this returns `Some`, the streaming decoder
/// accepts the same text with the same output: the bulk of the text (whole blocks, no padding)
/// is checked here character by character against the same alphabet rules, and the last quantum
/// and padding go through the streaming decoder itself.
pub(crate) fn decode_fast<'o>(
    text: &[u8],
    out: &'o mut [u8],
    mut on_chunk: impl FnMut(&'o [u8]),
) -> Option<usize> {
    // Without the `fast-decode` feature (firmware) the group code is compiled out.
    #[cfg(not(feature = "fast-decode"))]
    {
        let _ = (text, out, &mut on_chunk);
        None
    }
    #[cfg(feature = "fast-decode")]
    {
        let bulk_blocks = text.len().saturating_sub(4) / FAST_BLOCK_IN;
        let bulk_in = bulk_blocks * FAST_BLOCK_IN;
        let bulk_out = bulk_blocks * FAST_BLOCK_OUT;
        let (head, tail) = text.split_at_checked(bulk_in)?;
        let total = bulk_out + decoded_len_if_valid(tail);
        let out = out.get_mut(..total)?;
        let (out_head, out_tail) = out.split_at_mut_checked(bulk_out)?;
        #[cfg(not(feature = "simd-decode"))]
        let mut alphabet = Alphabet::Unknown;
        #[cfg(feature = "simd-decode")]
        let mut lazy = LazyAlphabet::default();
        for (g, (dst, src)) in out_head
            .chunks_mut(GROUP_OUT)
            .zip(head.chunks(GROUP_IN))
            .enumerate()
        {
            #[cfg(feature = "simd-decode")]
            {
                let done = head.get(..g * GROUP_IN)?;
                lazy.decode_group(done, src, dst)?;
            }
            #[cfg(not(feature = "simd-decode"))]
            {
                let _ = g;
                let (st, url) = decode_plain(src, dst)?;
                alphabet = merge(alphabet, st, url)?;
            }
            on_chunk(dst);
        }
        #[cfg(feature = "simd-decode")]
        let alphabet = lazy.resolve(head, tail)?;
        let n = finish_tail(tail, alphabet, out_tail)?;
        if n != out_tail.len() {
            return None;
        }
        on_chunk(out_tail);
        Some(total)
    }
}

/// An upper bound on the decoded length of a base64 text of `text_len` characters.
pub const fn decoded_len_bound(text_len: usize) -> usize {
    text_len / 4 * 3 + 3
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(s: &str) -> Result<Vec<u8>, Error> {
        let mut out = vec![0u8; decoded_len_bound(s.len())];
        let n = decode_into(s.as_bytes(), &mut out)?;
        out.truncate(n);
        Ok(out)
    }

    #[test]
    fn both_alphabets_padded_and_unpadded() {
        assert_eq!(dec("").unwrap(), b"");
        assert_eq!(dec("Zg==").unwrap(), b"f");
        assert_eq!(dec("Zg").unwrap(), b"f");
        assert_eq!(dec("Zm8=").unwrap(), b"fo");
        assert_eq!(dec("Zm8").unwrap(), b"fo");
        assert_eq!(dec("Zm9v").unwrap(), b"foo");
        assert_eq!(dec("+/+/").unwrap(), [0xfb, 0xff, 0xbf]);
        assert_eq!(dec("-_-_").unwrap(), [0xfb, 0xff, 0xbf]);
        assert_eq!(dec("-_8=").unwrap(), [0xfb, 0xff]);
        assert_eq!(dec("-_8").unwrap(), [0xfb, 0xff]);
    }

    #[test]
    fn rejections() {
        for bad in [
            "+_",       // both alphabets in one field
            "ab/-",     // both alphabets
            "Zm9v Zg",  // whitespace
            "Zm9v\n",   // newline
            "Z",        // impossible length
            "Zm9vZ",    // impossible length
            "Zh==",     // non-zero trailing bits (4 bits)
            "Zm9=",     // non-zero trailing bits (2 bits)
            "Zg=",      // incomplete padding
            "Zg===",    // too much padding
            "Z===",     // padding after one character
            "====",     // padding only
            "Zg==Zg==", // data after padding
            "Zm9v=",    // padding with nothing to complete
            "Zm!v",     // outside the alphabet
            "Zm9v\0",   // NUL
        ] {
            assert_eq!(dec(bad), Err(Error::InvalidBase64), "{bad:?}");
        }
    }

    #[test]
    fn buffer_too_small_only_for_valid_input() {
        let mut out = [0u8; 2];
        assert_eq!(decode_into(b"Zm9v", &mut out), Err(Error::BufferTooSmall));
        assert_eq!(decode_into(b"Zm9!", &mut out), Err(Error::InvalidBase64));
        assert_eq!(decode_into(b"Zm8", &mut out), Ok(2));
    }

    #[test]
    fn streaming_in_any_split_matches_whole() {
        let text = b"SGVsbG8sIERTU0UhIGJhc2U2NCBzdHJlYW1pbmcgdGVzdA";
        let whole = dec(core::str::from_utf8(text).unwrap()).unwrap();
        for split in 0..text.len() {
            let mut got = Vec::new();
            let mut sink = |c: &[u8]| {
                got.extend_from_slice(c);
                Ok::<(), Error>(())
            };
            let mut d = Decoder::new();
            let (a, b) = text.split_at(split);
            d.feed(a, &mut sink).unwrap();
            d.feed(b, &mut sink).unwrap();
            d.finish(&mut sink).unwrap();
            assert_eq!(got, whole, "split at {split}");
        }
    }

    /// A small deterministic generator for the random tests.
    fn xorshift(mut seed: u64) -> impl FnMut() -> u64 {
        move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        }
    }

    /// Streams `text` through a fresh [`Decoder`] in pieces of `piece` characters.
    fn stream_pieces(text: &[u8], piece: usize) -> Result<Vec<u8>, Error> {
        let mut got = Vec::new();
        let mut sink = |c: &[u8]| {
            got.extend_from_slice(c);
            Ok::<(), Error>(())
        };
        let mut d = Decoder::new();
        for p in text.chunks(piece.max(1)) {
            d.feed(p, &mut sink)?;
        }
        d.finish(&mut sink)?;
        Ok(got)
    }

    /// The reference: base64ct with the alphabet and padding the text itself implies.
    fn reference(text: &[u8]) -> Result<Vec<u8>, Error> {
        use base64ct::{Base64, Base64Unpadded, Base64Url, Base64UrlUnpadded, Encoding};
        let s = core::str::from_utf8(text).map_err(|_| Error::InvalidBase64)?;
        let url = s.contains(['-', '_']);
        let padded = s.ends_with('=');
        let r = match (url, padded) {
            (false, false) => Base64Unpadded::decode_vec(s),
            (false, true) => Base64::decode_vec(s),
            (true, false) => Base64UrlUnpadded::decode_vec(s),
            (true, true) => Base64Url::decode_vec(s),
        };
        r.map_err(|_| Error::InvalidBase64)
    }

    /// Long texts (well past the block fast path's 64 characters) with one change at every kind
    /// of position: the block path, the per-character path, `decode_into` and `decode_in_place`
    /// must all agree with base64ct, including on which texts are rejected.
    #[test]
    fn long_texts_all_paths_agree_with_reference() {
        let mut next = xorshift(0x9e37_79b9_7f4a_7c15);
        let std_alpha = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut checked = 0;
        let mut rejected = 0;
        let (rounds, max_len) = if cfg!(miri) { (12, 200) } else { (3000, 1200) };
        for round in 0..rounds {
            let len = 60 + (next() % max_len) as usize;
            let data: Vec<u8> = (0..len).map(|_| next() as u8).collect();
            let mut text: Vec<u8> = Vec::new();
            for q in data.chunks(3) {
                let mut acc = 0u32;
                for (i, b) in q.iter().enumerate() {
                    acc |= u32::from(*b) << (16 - 8 * i);
                }
                let chars = q.len() + 1;
                for i in 0..4 {
                    if i < chars {
                        text.push(std_alpha[((acc >> (18 - 6 * i)) & 63) as usize]);
                    } else if round % 2 == 0 {
                        text.push(b'=');
                    }
                }
            }
            if round % 3 == 1 {
                for c in text.iter_mut() {
                    *c = match *c {
                        b'+' => b'-',
                        b'/' => b'_',
                        x => x,
                    };
                }
            }
            // Most rounds change one character somewhere (or drop one); a third stay valid.
            match next() % 6 {
                0 | 1 => {}
                2 => {
                    let i = (next() as usize) % text.len();
                    text[i] =
                        [b'-', b'+', b'_', b'/', b'=', b' ', b'\n', 0xC3][(next() % 8) as usize];
                }
                3 => {
                    let i = (next() as usize) % text.len();
                    text.remove(i);
                }
                4 => {
                    let i = (next() as usize) % text.len();
                    text.insert(i, b'=');
                }
                _ => {
                    let n = text.len();
                    text[n - 1] = std_alpha[(next() % 64) as usize];
                }
            }
            let want = reference(&text);
            let s = core::str::from_utf8(&text).unwrap_or("");
            let got_into = if s.is_empty() && !text.is_empty() {
                want.clone()
            } else {
                dec(s)
            };
            assert_eq!(got_into, want, "decode_into on {s}");
            for piece in [1, 7, 64, 65, 100, 4096] {
                assert_eq!(stream_pieces(&text, piece), want, "pieces of {piece}: {s}");
            }
            let mut buf = text.clone();
            let in_place = decode_in_place(&mut buf).map(|n| buf[..n].to_vec());
            assert_eq!(in_place, want, "in place: {s}");
            checked += 1;
            rejected += usize::from(want.is_err());
        }
        if !cfg!(miri) {
            assert!(
                rejected > 500 && checked - rejected > 500,
                "{rejected} of {checked}"
            );
        }
    }

    /// The two bulk decoders (base64-simd and the portable block decoder) agree on every group:
    /// same verdict, same alphabet flags, same bytes; groups hold one odd character (foreign,
    /// padding, the other alphabet's) at a random place, or none.
    #[cfg(feature = "simd-decode")]
    #[test]
    fn simd_and_portable_bulk_decoders_agree() {
        let mut next = xorshift(0x2545_f491_4f6c_dd1d);
        let alpha = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        let mut accepted = 0;
        for round in 0..if cfg!(miri) { 12 } else { 4000 } {
            let most = if cfg!(miri) {
                4
            } else {
                GROUP_IN / FAST_BLOCK_IN
            };
            let blocks = 1 + (next() % most as u64) as usize;
            let mut src: Vec<u8> = (0..blocks * FAST_BLOCK_IN)
                .map(|_| alpha[(next() % 62) as usize])
                .collect();
            let specials: &[u8] = match round % 3 {
                0 => b"+/",
                1 => b"-_",
                _ => b"",
            };
            for _ in 0..(next() % 5) {
                if let Some(&c) = specials.get((next() % 2) as usize) {
                    let i = (next() as usize) % src.len();
                    src[i] = c;
                }
            }
            if next().is_multiple_of(3) {
                let i = (next() as usize) % src.len();
                src[i] = [b'=', b'+', b'-', b'_', b'/', b' ', 0x80, b'"'][(next() % 8) as usize];
            }
            let mut a = vec![0u8; src.len() / 4 * 3];
            let mut b = a.clone();
            let ra = decode_plain_simd(&src, &mut a);
            let rb = decode_plain_portable(&src, &mut b);
            assert_eq!(
                ra,
                rb,
                "verdicts differ on {:?}",
                core::str::from_utf8(&src)
            );
            assert_eq!(check_plain(&src), ra, "check_plain differs");
            if ra.is_some() {
                assert_eq!(a, b, "bytes differ");
                accepted += 1;
            }
        }
        if !cfg!(miri) {
            assert!(accepted > 1000 && accepted < 3900, "{accepted}");
        }
    }
}
