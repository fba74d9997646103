//! Strict, non-allocating JSON: one validating pass, then zero-copy navigation.
//!
//! [`parse`] checks the whole document against RFC 8259 (UTF-8, grammar, no raw control characters
//! in strings, valid escapes and no lone surrogates, numbers as the grammar says, nothing after the
//! top-level value) and vouch's own limits: nesting depth at most [`MAX_DEPTH`], at most
//! [`MAX_OBJECT_MEMBERS`] members per object and no key twice in one object (keys compare after
//! unescaping, so `"a"` and `"\u0061"` are the same key). Only then does it hand out a [`Value`], and
//! all navigation works on that validated text, so it never has to guess.
//!
//! The validator is iterative: its state is a fixed array of [`MAX_DEPTH`] small frames (about
//! 0.5 KiB), so hostile nesting cannot exhaust the stack.
//!
//! Duplicate keys: each open object keeps a 64-bit Bloom filter of its key hashes; only when a new
//! key's bit is already set are the earlier keys rescanned and compared exactly. The member limit
//! bounds that rescanning, so the worst case stays linear in the input (at most
//! `MAX_OBJECT_MEMBERS` times its length).

use crate::Error;

/// Deepest allowed nesting of arrays and objects (the top-level container is depth 1).
pub const MAX_DEPTH: usize = 32;
/// Most members one object may have.
pub const MAX_OBJECT_MEMBERS: usize = 1024;

#[derive(Clone, Copy, Default)]
struct Frame {
    is_object: bool,
    /// Offset just after the opening `{` (objects only).
    start: usize,
    bloom: u64,
    members: usize,
}

/// Validates `doc` strictly and returns its top-level value.
pub fn parse(doc: &[u8]) -> Result<Value<'_>, Error> {
    // UTF-8 is checked where it can occur: outside strings the grammar admits ASCII only (a
    // non-ASCII byte there is a syntax error), and each string holding a non-ASCII byte is
    // checked on its own (a multi-byte sequence cannot straddle a quote). So a separate pass over
    // the whole document is only needed to name the error: invalid UTF-8 anywhere takes
    // precedence over any other error, as if it had been checked first.
    let mut v = Validator {
        doc,
        pos: 0,
        stack: [Frame::default(); MAX_DEPTH],
        depth: 0,
    };
    if let Err(e) = v.run() {
        return Err(if core::str::from_utf8(doc).is_err() {
            Error::InvalidUtf8
        } else {
            e
        });
    }
    let start = skip_ws(doc, 0);
    Ok(Value::at(doc, start))
}

struct Validator<'a> {
    doc: &'a [u8],
    pos: usize,
    stack: [Frame; MAX_DEPTH],
    depth: usize,
}

#[inline]
fn byte(doc: &[u8], i: usize) -> Option<u8> {
    doc.get(i).copied()
}

#[inline]
fn skip_ws(doc: &[u8], mut i: usize) -> usize {
    while let Some(b' ' | b'\t' | b'\n' | b'\r') = byte(doc, i) {
        i += 1;
    }
    i
}

fn hex_val(b: u8) -> Option<u16> {
    match b {
        b'0'..=b'9' => Some(u16::from(b - b'0')),
        b'a'..=b'f' => Some(u16::from(b - b'a' + 10)),
        b'A'..=b'F' => Some(u16::from(b - b'A' + 10)),
        _ => None,
    }
}

fn hex4(doc: &[u8], i: usize) -> Option<u16> {
    let mut v = 0u16;
    for k in 0..4 {
        v = (v << 4) | hex_val(byte(doc, i + k)?)?;
    }
    Some(v)
}

/// Advances `i` over string bytes that need no attention (ASCII, not `"`, `\\` or a control
/// character),
/// 16 at a time (a loop the compiler vectorises), so that long strings such as a DSSE payload are
/// skipped quickly; stops at the first block holding a byte of interest.
#[inline]
fn skip_plain(doc: &[u8], i: usize) -> usize {
    // Firmware (no `fast-decode`): the byte-by-byte loop of the caller alone, for flash size.
    if !cfg!(feature = "fast-decode") {
        return i;
    }
    // Control characters and non-ASCII in one unsigned range test.
    let special = |b: u8| (b.wrapping_sub(0x20) >= 0x60) | (b == b'"') | (b == b'\\');
    // Big blocks, then the last few bytes before something special 8 at a time.
    let i = skip_blocks::<64>(doc, i, special);
    skip_blocks::<8>(doc, i, special)
}

/// In a document already validated: advances `i` over string bytes other than `"` and `\\`
/// (fewer tests than [`skip_plain`], which also looks for what validation must reject).
#[inline]
fn skip_to_quote_or_escape(doc: &[u8], i: usize) -> usize {
    if !cfg!(feature = "fast-decode") {
        return i;
    }
    skip_blocks::<64>(doc, i, |b| (b == b'"') | (b == b'\\'))
}

/// Advances `i` by whole blocks of `N` bytes in which `special` holds for no byte (a branch-free
/// test per block, so that the loop vectorises); stops at the first block holding one.
#[inline(always)]
fn skip_blocks<const N: usize>(doc: &[u8], mut i: usize, special: impl Fn(u8) -> bool) -> usize {
    for block in doc.get(i..).unwrap_or(&[]).chunks_exact(N) {
        if block.iter().fold(0u8, |acc, &b| acc | u8::from(special(b))) != 0 {
            break;
        }
        i += N;
    }
    i
}

/// Validates the string whose opening quote is at `i`; returns the offset just past the closing
/// quote.
fn scan_string(doc: &[u8], i: usize) -> Result<usize, Error> {
    let start = i + 1;
    let mut i = start;
    let mut non_ascii = false;
    loop {
        i = skip_plain(doc, i);
        let b = byte(doc, i).ok_or(Error::InvalidJson)?;
        match b {
            b'"' => {
                if non_ascii {
                    let text = doc.get(start..i).ok_or(Error::InvalidJson)?;
                    core::str::from_utf8(text).map_err(|_| Error::InvalidUtf8)?;
                }
                return Ok(i + 1);
            }
            0x80..=0xFF => {
                non_ascii = true;
                i += 1;
            }
            b'\\' => {
                let e = byte(doc, i + 1).ok_or(Error::InvalidJson)?;
                match e {
                    b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => i += 2,
                    b'u' => {
                        let cu = hex4(doc, i + 2).ok_or(Error::InvalidJson)?;
                        i += 6;
                        if (0xD800..0xDC00).contains(&cu) {
                            // A high surrogate must be followed by an escaped low surrogate.
                            if byte(doc, i) != Some(b'\\') || byte(doc, i + 1) != Some(b'u') {
                                return Err(Error::InvalidJson);
                            }
                            let lo = hex4(doc, i + 2).ok_or(Error::InvalidJson)?;
                            if !(0xDC00..0xE000).contains(&lo) {
                                return Err(Error::InvalidJson);
                            }
                            i += 6;
                        } else if (0xDC00..0xE000).contains(&cu) {
                            return Err(Error::InvalidJson);
                        }
                    }
                    _ => return Err(Error::InvalidJson),
                }
            }
            0..=0x1F => return Err(Error::InvalidJson),
            _ => i += 1,
        }
    }
}

fn scan_digits(doc: &[u8], mut i: usize) -> usize {
    while let Some(b'0'..=b'9') = byte(doc, i) {
        i += 1;
    }
    i
}

fn scan_number(doc: &[u8], mut i: usize) -> Result<usize, Error> {
    if byte(doc, i) == Some(b'-') {
        i += 1;
    }
    match byte(doc, i) {
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => i = scan_digits(doc, i + 1),
        _ => return Err(Error::InvalidJson),
    }
    if byte(doc, i) == Some(b'.') {
        let j = scan_digits(doc, i + 1);
        if j == i + 1 {
            return Err(Error::InvalidJson);
        }
        i = j;
    }
    if let Some(b'e' | b'E') = byte(doc, i) {
        i += 1;
        if let Some(b'+' | b'-') = byte(doc, i) {
            i += 1;
        }
        let j = scan_digits(doc, i);
        if j == i {
            return Err(Error::InvalidJson);
        }
        i = j;
    }
    Ok(i)
}

fn scan_literal(doc: &[u8], i: usize, lit: &[u8]) -> Result<usize, Error> {
    match doc.get(i..i + lit.len()) {
        Some(s) if s == lit => Ok(i + lit.len()),
        _ => Err(Error::InvalidJson),
    }
}

fn key_hash(s: &JsonStr<'_>) -> u64 {
    // FNV-1a over the unescaped bytes.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    s.for_each_chunk(|c| {
        for &b in c {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        Ok::<(), ()>(())
    })
    .ok();
    h
}

impl Validator<'_> {
    fn run(&mut self) -> Result<(), Error> {
        let doc = self.doc;
        self.pos = skip_ws(doc, 0);
        // `true` while a value is expected at `pos`; `false` after a value.
        let mut want_value = true;
        loop {
            if want_value {
                match byte(doc, self.pos).ok_or(Error::InvalidJson)? {
                    b'{' => {
                        self.push(true, self.pos + 1)?;
                        self.pos = skip_ws(doc, self.pos + 1);
                        if byte(doc, self.pos) == Some(b'}') {
                            self.pos += 1;
                            self.depth -= 1;
                            want_value = false;
                        } else {
                            self.key()?;
                        }
                        continue;
                    }
                    b'[' => {
                        self.push(false, 0)?;
                        self.pos = skip_ws(doc, self.pos + 1);
                        if byte(doc, self.pos) == Some(b']') {
                            self.pos += 1;
                            self.depth -= 1;
                            want_value = false;
                        }
                        continue;
                    }
                    b'"' => self.pos = scan_string(doc, self.pos)?,
                    b't' => self.pos = scan_literal(doc, self.pos, b"true")?,
                    b'f' => self.pos = scan_literal(doc, self.pos, b"false")?,
                    b'n' => self.pos = scan_literal(doc, self.pos, b"null")?,
                    b'-' | b'0'..=b'9' => self.pos = scan_number(doc, self.pos)?,
                    _ => return Err(Error::InvalidJson),
                }
                want_value = false;
            }
            // After a value.
            self.pos = skip_ws(doc, self.pos);
            if self.depth == 0 {
                return if self.pos == doc.len() {
                    Ok(())
                } else {
                    Err(Error::InvalidJson)
                };
            }
            let is_object = self
                .stack
                .get(self.depth - 1)
                .ok_or(Error::InvalidJson)?
                .is_object;
            match (byte(doc, self.pos), is_object) {
                (Some(b','), true) => {
                    self.pos = skip_ws(doc, self.pos + 1);
                    self.key()?;
                    want_value = true;
                }
                (Some(b','), false) => {
                    self.pos = skip_ws(doc, self.pos + 1);
                    want_value = true;
                }
                (Some(b'}'), true) | (Some(b']'), false) => {
                    self.pos += 1;
                    self.depth -= 1;
                }
                _ => return Err(Error::InvalidJson),
            }
        }
    }

    fn push(&mut self, is_object: bool, start: usize) -> Result<(), Error> {
        let f = self.stack.get_mut(self.depth).ok_or(Error::JsonTooDeep)?;
        *f = Frame {
            is_object,
            start,
            bloom: 0,
            members: 0,
        };
        self.depth += 1;
        Ok(())
    }

    /// Parses `"key" :` at `pos` (inside the innermost object), checking for duplicates, and leaves
    /// `pos` at the member's value.
    fn key(&mut self) -> Result<(), Error> {
        let doc = self.doc;
        if byte(doc, self.pos) != Some(b'"') {
            return Err(Error::InvalidJson);
        }
        let key_start = self.pos;
        let end = scan_string(doc, key_start)?;
        let key = JsonStr {
            raw: doc.get(key_start + 1..end - 1).ok_or(Error::InvalidJson)?,
        };
        let frame = self
            .stack
            .get_mut(self.depth - 1)
            .ok_or(Error::InvalidJson)?;
        frame.members += 1;
        if frame.members > MAX_OBJECT_MEMBERS {
            return Err(Error::JsonObjectTooLarge);
        }
        let bit = 1u64 << (key_hash(&key) % 64);
        if frame.bloom & bit != 0 {
            // Possible duplicate: compare with every earlier key of this object exactly.
            let obj = Value::at(doc, frame.start - 1);
            for (k, _) in obj.members_until(key_start) {
                if k.eq_json_str(&key) {
                    return Err(Error::DuplicateKey);
                }
            }
        }
        frame.bloom |= bit;
        self.pos = skip_ws(doc, end);
        if byte(doc, self.pos) != Some(b':') {
            return Err(Error::InvalidJson);
        }
        self.pos = skip_ws(doc, self.pos + 1);
        Ok(())
    }
}

/// Given a validated document and the start of a value, returns the offset just past it.
fn skip_value(doc: &[u8], i: usize) -> usize {
    let mut depth = 0usize;
    let mut i = i;
    loop {
        match byte(doc, i) {
            None => return i,
            Some(b'"') => {
                i += 1;
                loop {
                    i = skip_to_quote_or_escape(doc, i);
                    match byte(doc, i) {
                        None => return i,
                        Some(b'"') => {
                            i += 1;
                            break;
                        }
                        Some(b'\\') => i += 2,
                        Some(_) => i += 1,
                    }
                }
            }
            Some(b'{' | b'[') => {
                depth += 1;
                i += 1;
            }
            Some(b'}' | b']') => {
                depth = depth.saturating_sub(1);
                i += 1;
            }
            Some(b',' | b':' | b' ' | b'\t' | b'\n' | b'\r') => i += 1,
            Some(_) => {
                // A scalar: numbers and literals end at a delimiter.
                while let Some(b) = byte(doc, i) {
                    if matches!(b, b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r') {
                        break;
                    }
                    i += 1;
                }
            }
        }
        if depth == 0 {
            return i;
        }
    }
}

/// The kind of a JSON value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `{...}`
    Object,
    /// `[...]`
    Array,
    /// `"..."`
    String,
    /// A number.
    Number,
    /// `true` or `false`.
    Bool,
    /// `null`.
    Null,
}

/// A value inside a document that [`parse`] validated.
#[derive(Clone, Copy, Debug)]
pub struct Value<'a> {
    doc: &'a [u8],
    pos: usize,
    /// Offset just past the value when already known (0: not known), so that reading a value
    /// an iterator has just stepped over does not scan it again (a DSSE payload is megabytes).
    end: usize,
}

impl<'a> Value<'a> {
    fn at(doc: &'a [u8], pos: usize) -> Self {
        Value { doc, pos, end: 0 }
    }

    /// Offset just past the value.
    fn end(&self) -> usize {
        if self.end > self.pos {
            self.end
        } else {
            skip_value(self.doc, self.pos)
        }
    }

    /// What kind of value this is.
    pub fn kind(&self) -> Kind {
        match byte(self.doc, self.pos) {
            Some(b'{') => Kind::Object,
            Some(b'[') => Kind::Array,
            Some(b'"') => Kind::String,
            Some(b't' | b'f') => Kind::Bool,
            Some(b'n') => Kind::Null,
            _ => Kind::Number,
        }
    }

    /// Byte offset of this value in the document (for error positions).
    pub fn offset(&self) -> usize {
        self.pos
    }

    /// The exact source text of this value.
    pub fn raw(&self) -> &'a [u8] {
        self.doc.get(self.pos..self.end()).unwrap_or(&[])
    }

    /// The string, if this is one.
    pub fn as_str(&self) -> Option<JsonStr<'a>> {
        if self.kind() != Kind::String {
            return None;
        }
        let end = self.end();
        Some(JsonStr {
            raw: self.doc.get(self.pos + 1..end.checked_sub(1)?)?,
        })
    }

    /// The boolean, if this is one.
    pub fn as_bool(&self) -> Option<bool> {
        match byte(self.doc, self.pos) {
            Some(b't') => Some(true),
            Some(b'f') => Some(false),
            _ => None,
        }
    }

    /// Whether this is `null`.
    pub fn is_null(&self) -> bool {
        self.kind() == Kind::Null
    }

    /// The member named `key` (compared after unescaping), if this is an object that has it.
    pub fn get(&self, key: &str) -> Option<Value<'a>> {
        self.members().find(|(k, _)| k.eq_str(key)).map(|(_, v)| v)
    }

    /// The members of an object (empty for any other kind), in document order.
    pub fn members(&self) -> Members<'a> {
        self.members_until(usize::MAX)
    }

    fn members_until(&self, limit: usize) -> Members<'a> {
        let pos = if self.kind() == Kind::Object {
            self.pos + 1
        } else {
            usize::MAX
        };
        Members {
            doc: self.doc,
            pos,
            limit,
        }
    }

    /// The elements of an array (empty for any other kind), in document order.
    pub fn elements(&self) -> Elements<'a> {
        let pos = if self.kind() == Kind::Array {
            self.pos + 1
        } else {
            usize::MAX
        };
        Elements { doc: self.doc, pos }
    }
}

/// Iterator over an object's `(key, value)` pairs.
#[derive(Clone, Debug)]
pub struct Members<'a> {
    doc: &'a [u8],
    pos: usize,
    limit: usize,
}

impl<'a> Iterator for Members<'a> {
    type Item = (JsonStr<'a>, Value<'a>);

    fn next(&mut self) -> Option<Self::Item> {
        let doc = self.doc;
        let mut i = skip_ws(doc, self.pos);
        if byte(doc, i) == Some(b',') {
            i = skip_ws(doc, i + 1);
        }
        if byte(doc, i) != Some(b'"') || i >= self.limit {
            self.pos = usize::MAX;
            return None;
        }
        let kend = skip_value(doc, i);
        let key = JsonStr {
            raw: doc.get(i + 1..kend.checked_sub(1)?)?,
        };
        let mut j = skip_ws(doc, kend);
        if byte(doc, j) != Some(b':') {
            self.pos = usize::MAX;
            return None;
        }
        j = skip_ws(doc, j + 1);
        self.pos = skip_value(doc, j);
        let value = Value {
            doc,
            pos: j,
            end: self.pos,
        };
        Some((key, value))
    }
}

/// Iterator over an array's elements.
#[derive(Clone, Debug)]
pub struct Elements<'a> {
    doc: &'a [u8],
    pos: usize,
}

impl<'a> Iterator for Elements<'a> {
    type Item = Value<'a>;

    fn next(&mut self) -> Option<Self::Item> {
        let doc = self.doc;
        let mut i = skip_ws(doc, self.pos);
        if byte(doc, i) == Some(b',') {
            i = skip_ws(doc, i + 1);
        }
        match byte(doc, i) {
            None | Some(b']') => {
                self.pos = usize::MAX;
                None
            }
            Some(_) => {
                self.pos = skip_value(doc, i);
                Some(Value {
                    doc,
                    pos: i,
                    end: self.pos,
                })
            }
        }
    }
}

/// A JSON string from a validated document, still in its escaped source form.
#[derive(Clone, Copy, Debug)]
pub struct JsonStr<'a> {
    raw: &'a [u8],
}

impl<'a> JsonStr<'a> {
    /// The escaped text between the quotes.
    pub fn raw(&self) -> &'a [u8] {
        self.raw
    }

    /// Whether the source text holds any escape sequence.
    pub fn has_escapes(&self) -> bool {
        self.raw.contains(&b'\\')
    }

    /// The text as `&str` when it has no escapes (then the source is the value).
    pub fn as_plain_str(&self) -> Option<&'a str> {
        if self.has_escapes() {
            None
        } else {
            core::str::from_utf8(self.raw).ok()
        }
    }

    /// Calls `f` with consecutive pieces of the unescaped UTF-8 bytes; stops at the first error.
    pub fn for_each_chunk<E>(&self, mut f: impl FnMut(&[u8]) -> Result<(), E>) -> Result<(), E> {
        let raw = self.raw;
        // The common case (a DSSE payload has no escapes): one piece, found without a
        // byte-by-byte walk.
        if !self.has_escapes() {
            return if raw.is_empty() { Ok(()) } else { f(raw) };
        }
        let mut run_start = 0;
        let mut i = 0;
        while i < raw.len() {
            if byte(raw, i) != Some(b'\\') {
                i += 1;
                continue;
            }
            if i > run_start {
                f(raw.get(run_start..i).unwrap_or(&[]))?;
            }
            let (buf, n, next) = decode_escape(raw, i);
            f(buf.get(..n).unwrap_or(&[]))?;
            i = next;
            run_start = next;
        }
        if run_start < raw.len() {
            f(raw.get(run_start..).unwrap_or(&[]))?;
        }
        Ok(())
    }

    /// Length in bytes of the unescaped string.
    pub fn unescaped_len(&self) -> usize {
        if !self.has_escapes() {
            return self.raw.len();
        }
        let mut n = 0;
        self.for_each_chunk(|c| {
            n += c.len();
            Ok::<(), ()>(())
        })
        .ok();
        n
    }

    /// Whether the unescaped string equals `s`.
    pub fn eq_str(&self, s: &str) -> bool {
        self.eq_bytes(s.as_bytes())
    }

    /// Whether the unescaped string equals `s`.
    pub fn eq_bytes(&self, s: &[u8]) -> bool {
        if !self.has_escapes() {
            return self.raw == s;
        }
        let mut rest = s;
        let same = self.for_each_chunk(|c| match rest.strip_prefix(c) {
            Some(r) => {
                rest = r;
                Ok(())
            }
            None => Err(()),
        });
        same.is_ok() && rest.is_empty()
    }

    fn eq_json_str(&self, other: &JsonStr<'_>) -> bool {
        if !self.has_escapes() {
            return other.eq_bytes(self.raw);
        }
        if !other.has_escapes() {
            return self.eq_bytes(other.raw);
        }
        // Both escaped (rare): compare byte by byte without a buffer.
        let mut a = UnescapedBytes::new(*self);
        let mut b = UnescapedBytes::new(*other);
        loop {
            match (a.next(), b.next()) {
                (None, None) => return true,
                (x, y) if x != y => return false,
                _ => {}
            }
        }
    }

    /// Writes the unescaped string into `buf` and returns it.
    pub fn unescape_into<'b>(&self, buf: &'b mut [u8]) -> Result<&'b str, Error> {
        let mut n = 0;
        self.for_each_chunk(|c| {
            let dst = buf.get_mut(n..n + c.len()).ok_or(Error::BufferTooSmall)?;
            dst.copy_from_slice(c);
            n += c.len();
            Ok(())
        })?;
        let out = buf.get(..n).ok_or(Error::BufferTooSmall)?;
        core::str::from_utf8(out).map_err(|_| Error::InvalidUtf8)
    }
}

/// Decodes the escape at `raw[i]` (a validated `\`); returns its UTF-8 bytes, their count and the
/// offset after the escape.
fn decode_escape(raw: &[u8], i: usize) -> ([u8; 4], usize, usize) {
    let simple = |b: u8| ([b, 0, 0, 0], 1, i + 2);
    match byte(raw, i + 1) {
        Some(b'b') => simple(0x08),
        Some(b'f') => simple(0x0C),
        Some(b'n') => simple(b'\n'),
        Some(b'r') => simple(b'\r'),
        Some(b't') => simple(b'\t'),
        Some(b'u') => {
            let hi = u32::from(hex4(raw, i + 2).unwrap_or(0xFFFD));
            let (cp, next) = if (0xD800..0xDC00).contains(&hi) {
                let lo = u32::from(hex4(raw, i + 8).unwrap_or(0xDC00));
                (
                    0x10000 + ((hi - 0xD800) << 10) + (lo.wrapping_sub(0xDC00) & 0x3FF),
                    i + 12,
                )
            } else {
                (hi, i + 6)
            };
            let c = char::from_u32(cp).unwrap_or('\u{FFFD}');
            let mut buf = [0u8; 4];
            let n = c.encode_utf8(&mut buf).len();
            (buf, n, next)
        }
        Some(b) => simple(b),
        None => ([0; 4], 0, i + 1),
    }
}

/// Byte iterator over an escaped string's unescaped form.
struct UnescapedBytes<'a> {
    raw: &'a [u8],
    i: usize,
    pending: [u8; 4],
    pending_len: usize,
    pending_pos: usize,
}

impl<'a> UnescapedBytes<'a> {
    fn new(s: JsonStr<'a>) -> Self {
        UnescapedBytes {
            raw: s.raw,
            i: 0,
            pending: [0; 4],
            pending_len: 0,
            pending_pos: 0,
        }
    }
}

impl Iterator for UnescapedBytes<'_> {
    type Item = u8;
    fn next(&mut self) -> Option<u8> {
        if self.pending_pos < self.pending_len {
            let b = self.pending.get(self.pending_pos).copied();
            self.pending_pos += 1;
            return b;
        }
        let b = byte(self.raw, self.i)?;
        if b != b'\\' {
            self.i += 1;
            return Some(b);
        }
        let (buf, n, next) = decode_escape(self.raw, self.i);
        self.i = next;
        self.pending = buf;
        self.pending_len = n;
        self.pending_pos = 1;
        buf.first().copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(doc: &str) -> Error {
        parse(doc.as_bytes())
            .err()
            .unwrap_or_else(|| panic!("accepted: {doc}"))
    }

    #[test]
    fn accepts_valid_documents() {
        for doc in [
            "{}",
            "[]",
            " {\"a\": [1, -0, 0.5, 1e3, -2.5E-7, true, false, null, \"x\"]} ",
            "\"\\u00e9\\ud83d\\ude00\\/\\\\\\\"\\b\\f\\n\\r\\t\"",
            "0",
            "{\"a\":{\"a\":{\"a\":1}}}",
            "{\"\":1,\"b\":2}",
        ] {
            assert!(parse(doc.as_bytes()).is_ok(), "{doc}");
        }
    }

    #[test]
    fn rejects_grammar_errors() {
        for doc in [
            "",
            " ",
            "{",
            "}",
            "[1,]",
            "{\"a\":1,}",
            "{\"a\" 1}",
            "{a:1}",
            "[1 2]",
            "01",
            "1.",
            ".5",
            "1e",
            "+1",
            "-",
            "tru",
            "nul",
            "\"abc",
            "\"\\x\"",
            "\"\\u12\"",
            "{} {}",
            "[]]",
            "{\"a\":}",
            "\u{feff}{}",
            "'a'",
            "[1,,2]",
            "NaN",
            "\"\\ud800\"",
            "\"\\udc00\"",
            "\"\\ud800\\u0041\"",
        ] {
            assert_eq!(err(doc), Error::InvalidJson, "{doc:?}");
        }
    }

    #[test]
    fn rejects_raw_control_characters_in_strings() {
        assert_eq!(err("\"a\nb\""), Error::InvalidJson);
        assert_eq!(err("\"a\u{1}b\""), Error::InvalidJson);
        assert_eq!(err("{\"k\u{0}\":1}"), Error::InvalidJson);
    }

    #[test]
    fn rejects_invalid_utf8() {
        assert_eq!(parse(b"\"\xff\"").err(), Some(Error::InvalidUtf8));
        assert_eq!(parse(b"{\"a\":\"\xc3\"}").err(), Some(Error::InvalidUtf8));
        // In a key, outside any string, and in a long string (past the 16-byte fast skip).
        assert_eq!(
            parse(b"{\"\xed\xa0\x80\":1}").err(),
            Some(Error::InvalidUtf8)
        );
        assert_eq!(parse(b"{\"a\":1}\xff").err(), Some(Error::InvalidUtf8));
        assert_eq!(parse(b"{\xc3\xa9:1}").err(), Some(Error::InvalidJson));
        let mut long = b"[\"".to_vec();
        long.extend_from_slice(&[b'a'; 100]);
        long.extend_from_slice(b"\xe2\x82");
        long.extend_from_slice(&[b'a'; 100]);
        long.extend_from_slice(b"\"]");
        assert_eq!(parse(&long).err(), Some(Error::InvalidUtf8));
        // Invalid UTF-8 wins over any other error, wherever it is (as if checked first).
        assert_eq!(parse(b"[[[1,]\"\xff\"").err(), Some(Error::InvalidUtf8));
        assert_eq!(
            parse(b"{\"a\":1,\"a\":\"\xff\"}").err(),
            Some(Error::InvalidUtf8)
        );
        // Valid non-ASCII text is accepted, in keys and values, short and long.
        let text = "{\"clé\":\"".to_string() + &"ünïcødé €𝄞 ".repeat(40) + "\"}";
        let v = parse(text.as_bytes()).expect("valid UTF-8");
        assert!(v.get("clé").is_some());
    }

    #[test]
    fn depth_limit_is_exact() {
        let ok = "[".repeat(MAX_DEPTH) + &"]".repeat(MAX_DEPTH);
        assert!(parse(ok.as_bytes()).is_ok());
        let deep = "[".repeat(MAX_DEPTH + 1) + &"]".repeat(MAX_DEPTH + 1);
        assert_eq!(err(&deep), Error::JsonTooDeep);
        // A bomb far beyond the limit fails the same way without recursion.
        let bomb = "{\"a\":".repeat(100_000);
        assert_eq!(err(&bomb), Error::JsonTooDeep);
    }

    #[test]
    fn rejects_duplicate_keys_at_any_depth_after_unescaping() {
        assert_eq!(err("{\"a\":1,\"a\":2}"), Error::DuplicateKey);
        assert_eq!(
            err("{\"x\":{\"b\":1,\"c\":{},\"b\":[]}}"),
            Error::DuplicateKey
        );
        assert_eq!(
            err("[{\"a\":1},{\"q\":[{\"z\":1,\"z\":1}]}]"),
            Error::DuplicateKey
        );
        assert_eq!(err("{\"a\":1,\"\\u0061\":2}"), Error::DuplicateKey);
        assert_eq!(err("{\"\\u0061\":1,\"\\u0061\":2}"), Error::DuplicateKey);
        assert_eq!(err("{\"\\/\":1,\"/\":2}"), Error::DuplicateKey);
        // The same key in sibling objects is fine, as are keys that share prefixes.
        assert!(parse(b"[{\"a\":1},{\"a\":2},{\"ab\":1,\"a\":2,\"b\":3}]").is_ok());
    }

    #[test]
    fn duplicate_detection_with_many_keys() {
        // Enough keys to saturate the Bloom filter; all distinct.
        let mut doc = String::from("{");
        for i in 0..500 {
            if i > 0 {
                doc.push(',');
            }
            doc.push_str(&format!("\"k{i}\":{{\"n\":{i}}}"));
        }
        doc.push('}');
        assert!(parse(doc.as_bytes()).is_ok());
        let mut dup = doc.clone();
        dup.pop();
        dup.push_str(",\"k250\":0}");
        assert_eq!(err(&dup), Error::DuplicateKey);
    }

    #[test]
    fn member_limit() {
        let mut doc = String::from("{");
        for i in 0..=MAX_OBJECT_MEMBERS {
            if i > 0 {
                doc.push(',');
            }
            doc.push_str(&format!("\"{i}\":0"));
        }
        doc.push('}');
        assert_eq!(err(&doc), Error::JsonObjectTooLarge);
    }

    #[test]
    fn navigation_and_unescaping() {
        let v = parse(br#"{"a": {"b\u0063": [1, "x\/y", {"z": null}]}, "t": true}"#).unwrap();
        let arr = v.get("a").unwrap().get("bc").unwrap();
        let els: Vec<_> = arr.elements().collect();
        assert_eq!(els.len(), 3);
        assert_eq!(els[0].kind(), Kind::Number);
        assert_eq!(els[0].raw(), b"1");
        let s = els[1].as_str().unwrap();
        assert!(s.eq_str("x/y"));
        assert_eq!(s.unescaped_len(), 3);
        let mut buf = [0u8; 8];
        assert_eq!(s.unescape_into(&mut buf).unwrap(), "x/y");
        assert_eq!(
            s.unescape_into(&mut [0u8; 2]).err(),
            Some(Error::BufferTooSmall)
        );
        assert!(els[2].get("z").unwrap().is_null());
        assert_eq!(v.get("t").unwrap().as_bool(), Some(true));
        assert!(v.get("missing").is_none());
        assert_eq!(v.members().count(), 2);
        let e = parse("\"\\ud83d\\ude00\\u00e9\"".as_bytes())
            .unwrap()
            .as_str()
            .unwrap();
        assert!(e.eq_str("😀é"));
    }
}
