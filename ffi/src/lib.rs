//! # vouch-ffi: the C ABI of vouch
//!
//! Builds `libvouch.a` / `libvouch.so` and is described by the generated header
//! `include/vouch.h` (see `docs/ffi.md`). Conventions:
//!
//! * every name is prefixed `vouch_` / `VOUCH_`;
//! * every fallible function returns a [`vouch_result`]; `VOUCH_OK` is 0 and each error has its
//!   own explicit, never-renumbered number ([`vouch_result_code`], [`vouch_result_message`]);
//! * every pointer is checked for NULL, every buffer pointer is followed by its length, and
//!   outputs are written only on success;
//! * no output (buffer, out-pointer, storage being initialised, updated hasher) may overlap an
//!   input (bytes, text, arrays, key / verifier / hasher storage) or another output: such a call
//!   is refused with `VOUCH_ERR_INVALID_ARGUMENT` before anything is written (see `disjoint`);
//! * nothing allocates: keys, verifiers and hashers live in caller-owned storage whose size and
//!   alignment the header states (`VOUCH_*_STORAGE_SIZE`, `VOUCH_STORAGE_ALIGN`, and the
//!   `vouch_*_storage` types); the objects hold no pointers, so storage may be copied with `memcpy`;
//! * with the default `std` feature (host builds) every export runs under `catch_unwind`, so a
//!   panic becomes `VOUCH_ERR_PANIC` and never unwinds into C. Without it the crate is `no_std`
//!   for bare-metal targets, where the `firmware` profile aborts on panic and this crate provides
//!   the `#[panic_handler]` (vouch-core itself has no panicking paths).
#![cfg_attr(not(feature = "std"), no_std)]
#![allow(non_camel_case_types)]
// The C ABI is the one crate of the workspace that needs `unsafe` (raw pointers from C); every
// block has a `// SAFETY:` comment (clippy::undocumented_unsafe_blocks, workspace lint).
#![allow(unsafe_code)]
#![warn(clippy::std_instead_of_core)]

#[cfg(feature = "keyless")]
mod keyless;
mod result;

#[cfg(feature = "keyless")]
pub use keyless::*;

use core::ffi::{c_char, c_void};
use core::mem::{align_of, size_of, size_of_val};

use vouch_core::{
    Algorithm, ArtifactDigest, ArtifactHasher, Checks, Envelope, MAX_TRUSTED_KEYS, PublicKey,
    Statement, TrustedKey, Verifier,
};

pub use result::vouch_result;
use result::vouch_result::*;

// --------------------------------------------------------------------------------------------
// Constants
// --------------------------------------------------------------------------------------------

/// Bytes of caller storage that always suffice for a parsed key (`vouch_key`).
pub const VOUCH_KEY_STORAGE_SIZE: usize = 256;
/// Bytes of caller storage that always suffice for a prepared verifier (`vouch_verifier`).
pub const VOUCH_VERIFIER_STORAGE_SIZE: usize = 4096;
/// Bytes of caller storage that always suffice for an artifact hasher (`vouch_hasher`).
pub const VOUCH_HASHER_STORAGE_SIZE: usize = 512;
/// `VOUCH_KEY_STORAGE_SIZE` in 8-byte words (the length of `vouch_key_storage`).
pub const VOUCH_KEY_STORAGE_WORDS: usize = 32;
/// `VOUCH_VERIFIER_STORAGE_SIZE` in 8-byte words.
pub const VOUCH_VERIFIER_STORAGE_WORDS: usize = 512;
/// `VOUCH_HASHER_STORAGE_SIZE` in 8-byte words.
pub const VOUCH_HASHER_STORAGE_WORDS: usize = 64;
/// Alignment that always suffices for any vouch storage.
pub const VOUCH_STORAGE_ALIGN: usize = 8;
/// Most trusted keys one verifier holds.
pub const VOUCH_MAX_TRUSTED_KEYS: usize = 16;
/// Most allowed payload types one verifier holds.
pub const VOUCH_MAX_PAYLOAD_TYPES: usize = 4;
/// Longest allowed payload type, in bytes.
pub const VOUCH_MAX_PAYLOAD_TYPE_LEN: usize = 128;
/// Most signatures one envelope may carry.
pub const VOUCH_MAX_SIGNATURES: usize = 16;
/// Length of a key fingerprint (SHA-256 of the canonical SubjectPublicKeyInfo DER).
pub const VOUCH_FINGERPRINT_LEN: usize = 32;
/// Largest canonical SubjectPublicKeyInfo DER of a supported key.
pub const VOUCH_MAX_SPKI_LEN: usize = 91;
/// A buffer of this many bytes holds any `vouch_result_message`, NUL included.
pub const VOUCH_MESSAGE_MAX: usize = 128;
/// `vouch_hasher_init` flag: compute SHA-256.
pub const VOUCH_HASH_SHA256: u32 = 1;
/// `vouch_hasher_init` flag: compute SHA-512.
pub const VOUCH_HASH_SHA512: u32 = 2;
/// `vouch_statement_check` writes this subject index when no artifact was checked
/// (`SIZE_MAX`; the header defines it in `cbindgen.toml`'s trailer).
pub const VOUCH_NO_SUBJECT: usize = usize::MAX;
/// The in-toto payload type (the header defines it in `cbindgen.toml`'s trailer).
pub const VOUCH_IN_TOTO_PAYLOAD_TYPE: &str = "application/vnd.in-toto+json";

const _: () = assert!(VOUCH_MAX_TRUSTED_KEYS == MAX_TRUSTED_KEYS);
const _: () = assert!(VOUCH_KEY_STORAGE_WORDS * 8 == VOUCH_KEY_STORAGE_SIZE);
const _: () = assert!(VOUCH_VERIFIER_STORAGE_WORDS * 8 == VOUCH_VERIFIER_STORAGE_SIZE);
const _: () = assert!(VOUCH_HASHER_STORAGE_WORDS * 8 == VOUCH_HASHER_STORAGE_SIZE);
const _: () = assert!(VOUCH_MAX_SIGNATURES == vouch_core::MAX_SIGNATURES);
const _: () = assert!(VOUCH_MAX_SPKI_LEN == vouch_core::key::MAX_SPKI_LEN);
const _: () = assert!(VOUCH_MAX_PAYLOAD_TYPE_LEN <= u8::MAX as usize);

// --------------------------------------------------------------------------------------------
// Types
// --------------------------------------------------------------------------------------------

/// Algorithm of a parsed key (the key decides the algorithm, never the envelope).
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum vouch_algorithm {
    /// Ed25519 (pure, over the PAE).
    VOUCH_ALGORITHM_ED25519 = 1,
    /// ECDSA on P-256 with SHA-256 (DER or raw `r||s` signatures).
    VOUCH_ALGORITHM_ECDSA_P256_SHA256 = 2,
}

/// A text argument: `len` bytes of UTF-8 at `data` (no NUL terminator needed).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct vouch_str {
    /// The bytes (must not be NULL, even when `len` is 0).
    pub data: *const c_char,
    /// Number of bytes.
    pub len: usize,
}

/// Digests of an artifact, filled by `vouch_hasher_finish` (or by the caller, e.g. from a
/// manifest). A `has_*` field is nonzero when the matching digest is present.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct vouch_digest {
    /// Nonzero when `sha256` holds a digest.
    pub has_sha256: u8,
    /// Nonzero when `sha512` holds a digest.
    pub has_sha512: u8,
    /// SHA-256 of the artifact.
    pub sha256: [u8; 32],
    /// SHA-512 of the artifact.
    pub sha512: [u8; 64],
}

/// Caller storage for a key: declare one (stack, static, or inside your own struct) and pass
/// `&storage, sizeof storage` to `vouch_key_parse`. Its size and alignment suffice on every
/// target; never read or write its contents.
#[repr(C)]
pub struct vouch_key_storage {
    /// Opaque.
    pub opaque: [u64; VOUCH_KEY_STORAGE_WORDS],
}

/// Caller storage for a verifier (see `vouch_key_storage`).
#[repr(C)]
pub struct vouch_verifier_storage {
    /// Opaque.
    pub opaque: [u64; VOUCH_VERIFIER_STORAGE_WORDS],
}

/// Caller storage for a hasher (see `vouch_key_storage`).
#[repr(C)]
pub struct vouch_hasher_storage {
    /// Opaque.
    pub opaque: [u64; VOUCH_HASHER_STORAGE_WORDS],
}

/// A parsed public key, living in caller storage (handle from `vouch_key_parse`).
pub struct vouch_key {
    magic: u64,
    key: PublicKey,
}

/// A prepared verifier: its own copies of the trusted keys, threshold and allowed payload types,
/// living in caller storage (handle from `vouch_verifier_init`). Holds no pointers to caller data.
pub struct vouch_verifier {
    magic: u64,
    keys: heapless::Vec<TrustedKey<'static>, MAX_TRUSTED_KEYS>,
    threshold: usize,
    type_count: usize,
    type_lens: [u8; VOUCH_MAX_PAYLOAD_TYPES],
    types: [[u8; VOUCH_MAX_PAYLOAD_TYPE_LEN]; VOUCH_MAX_PAYLOAD_TYPES],
}

/// A streaming SHA-256 / SHA-512 artifact hasher in caller storage (handle from
/// `vouch_hasher_init`).
///
/// The hash state may need more alignment than `VOUCH_STORAGE_ALIGN` (SIMD back ends), so it is
/// kept as bytes and copied in and out around each update.
pub struct vouch_hasher {
    magic: u64,
    state: [u8; size_of::<ArtifactHasher>()],
}

impl vouch_hasher {
    fn new(hasher: ArtifactHasher) -> Self {
        let mut h = vouch_hasher {
            magic: HASHER_MAGIC,
            state: [0; size_of::<ArtifactHasher>()],
        };
        h.store(hasher);
        h
    }

    fn store(&mut self, hasher: ArtifactHasher) {
        // SAFETY: `state` has exactly `size_of::<ArtifactHasher>()` bytes; unaligned write.
        unsafe {
            self.state
                .as_mut_ptr()
                .cast::<ArtifactHasher>()
                .write_unaligned(hasher)
        }
    }

    fn load(&self) -> ArtifactHasher {
        // SAFETY: `state` always holds an `ArtifactHasher` written by `store` (the magic check
        // guards against foreign storage); unaligned read; the type has no destructor, so the
        // copy left behind in `state` needs no drop.
        unsafe {
            self.state
                .as_ptr()
                .cast::<ArtifactHasher>()
                .read_unaligned()
        }
    }
}

const KEY_MAGIC: u64 = 0x766f_7563_685f_6b31; // "vouch_k1"
const VERIFIER_MAGIC: u64 = 0x766f_7563_685f_7631; // "vouch_v1"
const HASHER_MAGIC: u64 = 0x766f_7563_685f_6831; // "vouch_h1"

trait Handle {
    const MAGIC: u64;
    fn magic(&self) -> u64;
}
impl Handle for vouch_key {
    const MAGIC: u64 = KEY_MAGIC;
    fn magic(&self) -> u64 {
        self.magic
    }
}
impl Handle for vouch_verifier {
    const MAGIC: u64 = VERIFIER_MAGIC;
    fn magic(&self) -> u64 {
        self.magic
    }
}
impl Handle for vouch_hasher {
    const MAGIC: u64 = HASHER_MAGIC;
    fn magic(&self) -> u64 {
        self.magic
    }
}

// The header's sizes and alignment are upper bounds for every target and feature set; these
// asserts are checked by every build (host and thumbv7em).
const _: () = assert!(size_of::<vouch_key>() <= VOUCH_KEY_STORAGE_SIZE);
const _: () = assert!(size_of::<vouch_verifier>() <= VOUCH_VERIFIER_STORAGE_SIZE);
const _: () = assert!(size_of::<vouch_hasher>() <= VOUCH_HASHER_STORAGE_SIZE);
const _: () = assert!(align_of::<vouch_key>() <= VOUCH_STORAGE_ALIGN);
const _: () = assert!(align_of::<vouch_verifier>() <= VOUCH_STORAGE_ALIGN);
const _: () = assert!(align_of::<vouch_hasher>() <= VOUCH_STORAGE_ALIGN);
const _: () = assert!(size_of::<vouch_key_storage>() == VOUCH_KEY_STORAGE_SIZE);
const _: () = assert!(size_of::<vouch_verifier_storage>() == VOUCH_VERIFIER_STORAGE_SIZE);
const _: () = assert!(size_of::<vouch_hasher_storage>() == VOUCH_HASHER_STORAGE_SIZE);

// --------------------------------------------------------------------------------------------
// Boundary helpers
// --------------------------------------------------------------------------------------------

type R<T = ()> = Result<T, vouch_result>;

/// Runs an export's body; with `std`, a panic becomes `VOUCH_ERR_PANIC`.
fn guard(f: impl FnOnce() -> R) -> vouch_result {
    #[cfg(feature = "std")]
    let r =
        std::panic::catch_unwind(core::panic::AssertUnwindSafe(f)).unwrap_or(Err(VOUCH_ERR_PANIC));
    #[cfg(not(feature = "std"))]
    let r = f();
    match r {
        Ok(()) => VOUCH_OK,
        Err(e) => e,
    }
}

fn nonnull<T>(p: *const T) -> R<*const T> {
    if p.is_null() {
        Err(VOUCH_ERR_NULL_POINTER)
    } else {
        Ok(p)
    }
}

fn nonnull_mut<T>(p: *mut T) -> R<*mut T> {
    if p.is_null() {
        Err(VOUCH_ERR_NULL_POINTER)
    } else {
        Ok(p)
    }
}

/// A caller input buffer. NULL is refused even when `len` is 0.
///
/// # Safety
/// `p` must be NULL or point at `len` readable bytes that stay unmodified for `'a`.
unsafe fn input<'a>(p: *const u8, len: usize) -> R<&'a [u8]> {
    let p = nonnull(p)?;
    if len > isize::MAX as usize {
        return Err(VOUCH_ERR_INVALID_ARGUMENT);
    }
    // SAFETY: non-NULL, u8 needs no alignment, length bounded; readability is the caller's
    // contract.
    Ok(unsafe { core::slice::from_raw_parts(p, len) })
}

/// An optional text argument: NULL means "absent" (then `len` must be 0).
///
/// # Safety
/// As [`input`].
unsafe fn optional_text<'a>(p: *const c_char, len: usize) -> R<Option<&'a str>> {
    if p.is_null() {
        return if len == 0 {
            Ok(None)
        } else {
            Err(VOUCH_ERR_NULL_POINTER)
        };
    }
    // SAFETY: forwarded caller contract.
    let bytes = unsafe { input(p.cast(), len) }?;
    core::str::from_utf8(bytes)
        .map(Some)
        .map_err(|_| VOUCH_ERR_INVALID_UTF8_ARGUMENT)
}

/// Checks caller storage for a `T`: non-NULL, large enough, aligned.
fn storage_for<T>(storage: *mut c_void, len: usize) -> R<*mut T> {
    let p = nonnull_mut(storage)?.cast::<T>();
    if len < size_of::<T>() {
        return Err(VOUCH_ERR_STORAGE_TOO_SMALL);
    }
    if !p.is_aligned() {
        return Err(VOUCH_ERR_MISALIGNED);
    }
    Ok(p)
}

/// Turns a handle into a reference after NULL, alignment and magic checks.
///
/// # Safety
/// `p` must be NULL or point at storage previously passed to the matching init function (or
/// other readable memory of at least `size_of::<T>()` bytes).
unsafe fn handle<'a, T: Handle>(p: *const T) -> R<&'a T> {
    let p = nonnull(p)?;
    if !p.is_aligned() {
        return Err(VOUCH_ERR_MISALIGNED);
    }
    // SAFETY: non-NULL and aligned; the caller's contract makes it readable.
    let r = unsafe { &*p };
    if r.magic() != T::MAGIC {
        return Err(VOUCH_ERR_INVALID_HANDLE);
    }
    Ok(r)
}

/// Mutable variant of [`handle`].
///
/// # Safety
/// As [`handle`], and no other reference to the object may be live.
unsafe fn handle_mut<'a, T: Handle>(p: *mut T) -> R<&'a mut T> {
    // SAFETY: forwarded caller contract.
    unsafe { handle::<T>(p) }?;
    // SAFETY: checked above; exclusivity is the caller's contract.
    Ok(unsafe { &mut *p })
}

/// A caller memory region an export reads or writes: `len` bytes from address `addr`.
///
/// Only the address is kept (never dereferenced), so building one is safe for any pointer; a
/// NULL pointer is an empty region (NULL means "absent" where it is allowed at all).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Region {
    addr: usize,
    len: usize,
}

impl Region {
    /// `len` bytes at `p` (the whole length the caller declared, not just what is written).
    fn bytes<T>(p: *const T, len: usize) -> Self {
        Region {
            addr: p.addr(),
            len: if p.is_null() { 0 } else { len },
        }
    }

    /// One `T` at `p` (for a handle: the whole object, i.e. `vouch_*_storage_size()` bytes).
    fn of<T>(p: *const T) -> Self {
        Self::bytes(p, size_of::<T>())
    }

    /// The bytes of a slice.
    fn slice<T>(s: &[T]) -> Self {
        Self::bytes(s.as_ptr(), size_of_val(s))
    }
}

/// Whether two regions share at least one byte. Plain integer arithmetic on addresses (no
/// pointer offsets, so no UB whatever the caller passed); an empty region overlaps nothing, and a
/// region running past the end of the address space is cut at `usize::MAX`.
fn overlaps(a: Region, b: Region) -> bool {
    a.len != 0
        && b.len != 0
        && a.addr < b.addr.saturating_add(b.len)
        && b.addr < a.addr.saturating_add(a.len)
}

/// The overlap rule of every export: no output region may overlap another output region or any
/// input region (`VOUCH_ERR_INVALID_ARGUMENT`). Called before anything is written, so a refused
/// call leaves every output untouched.
///
/// Why: outputs are written while inputs are still in use (the payload is decoded into scratch
/// before any signature is checked), so an output over the verifier's storage could replace its
/// trusted keys, and an output over an input would also break Rust's aliasing rules.
fn disjoint(outputs: &[Region], inputs: impl IntoIterator<Item = Region>) -> R {
    let mut rest = outputs;
    while let Some((&o, tail)) = rest.split_first() {
        if tail.iter().any(|&p| overlaps(o, p)) {
            return Err(VOUCH_ERR_INVALID_ARGUMENT);
        }
        rest = tail;
    }
    for i in inputs {
        if outputs.iter().any(|&o| overlaps(o, i)) {
            return Err(VOUCH_ERR_INVALID_ARGUMENT);
        }
    }
    Ok(())
}

/// No input regions (for exports whose only caller memory is outputs).
const NO_INPUTS: [Region; 0] = [];

/// Writes an output value.
///
/// # Safety
/// `p` must be non-NULL (checked by the caller beforehand) and writable.
unsafe fn put<T>(p: *mut T, v: T) {
    // SAFETY: caller contract; `write_unaligned` tolerates any alignment.
    unsafe { p.write_unaligned(v) }
}

// --------------------------------------------------------------------------------------------
// Results, version, storage sizes
// --------------------------------------------------------------------------------------------

/// The stable code string of a result (`"ok"`, `"invalid-signature"`, `"null-pointer"`, ...;
/// `"unknown"` for a number that is not a result). Static, NUL-terminated, never NULL.
#[unsafe(no_mangle)]
pub extern "C" fn vouch_result_code(result: u32) -> *const c_char {
    vouch_result::from_number(result)
        .map_or(result::UNKNOWN_CODE, vouch_result::code)
        .as_ptr()
}

/// Copies the human message for `result` (any number) into `buf` as a NUL-terminated string
/// and stores its length without the NUL in `*out_len`. `VOUCH_MESSAGE_MAX` bytes always
/// suffice; a smaller buffer that cannot hold the message gives `VOUCH_ERR_BUFFER_TOO_SMALL`
/// and writes nothing. The outputs `buf[0..buf_len]` and `*out_len` must not overlap
/// (`VOUCH_ERR_INVALID_ARGUMENT`).
///
/// # Safety
/// `buf` must point at `buf_len` writable bytes; `out_len` must be writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vouch_result_message(
    result: u32,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> vouch_result {
    guard(|| {
        let buf = nonnull_mut(buf)?;
        let out_len = nonnull_mut(out_len)?;
        disjoint(
            &[Region::bytes(buf, buf_len), Region::of(out_len)],
            NO_INPUTS,
        )?;
        let msg = vouch_result::from_number(result)
            .map_or(result::UNKNOWN_MESSAGE, vouch_result::message)
            .as_bytes();
        if msg.len() >= buf_len {
            return Err(VOUCH_ERR_BUFFER_TOO_SMALL);
        }
        // SAFETY: `buf` holds `buf_len > msg.len()` writable bytes (caller contract); the
        // message is static and cannot overlap it; `out_len` lies outside `buf` (checked).
        unsafe {
            core::ptr::copy_nonoverlapping(msg.as_ptr(), buf.cast::<u8>(), msg.len());
            buf.add(msg.len()).write(0);
            put(out_len, msg.len());
        }
        Ok(())
    })
}

/// The library version (`"0.1.0"`), static and NUL-terminated.
#[unsafe(no_mangle)]
pub extern "C" fn vouch_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

/// Bytes this build needs for a key (at most `VOUCH_KEY_STORAGE_SIZE`).
#[unsafe(no_mangle)]
pub extern "C" fn vouch_key_storage_size() -> usize {
    size_of::<vouch_key>()
}

/// Bytes this build needs for a verifier (at most `VOUCH_VERIFIER_STORAGE_SIZE`).
#[unsafe(no_mangle)]
pub extern "C" fn vouch_verifier_storage_size() -> usize {
    size_of::<vouch_verifier>()
}

/// Bytes this build needs for a hasher (at most `VOUCH_HASHER_STORAGE_SIZE`).
#[unsafe(no_mangle)]
pub extern "C" fn vouch_hasher_storage_size() -> usize {
    size_of::<vouch_hasher>()
}

/// Alignment this build needs for any vouch storage (at most `VOUCH_STORAGE_ALIGN`).
#[unsafe(no_mangle)]
pub extern "C" fn vouch_storage_align() -> usize {
    align_of::<vouch_key>()
        .max(align_of::<vouch_verifier>())
        .max(align_of::<vouch_hasher>())
        .max(keyless_align())
}

/// Alignment of the keyless objects.
#[cfg(feature = "keyless")]
const fn keyless_align() -> usize {
    align_of::<vouch_trusted_root>()
}

/// No keyless objects without the feature.
#[cfg(not(feature = "keyless"))]
const fn keyless_align() -> usize {
    1
}

// --------------------------------------------------------------------------------------------
// Keys
// --------------------------------------------------------------------------------------------

/// Parses a public key (format autodetected: PEM or DER SubjectPublicKeyInfo for Ed25519 and
/// P-256, raw 32-byte Ed25519, SEC1 33/65-byte P-256) into `storage` and stores the handle in
/// `*out_key`. The handle points into `storage` and is valid while the storage is. The outputs
/// `storage[0..storage_len]` and `*out_key` must not overlap each other or `input`
/// (`VOUCH_ERR_INVALID_ARGUMENT`).
///
/// # Safety
/// `input` must point at `input_len` readable bytes, `storage` at `storage_len` writable
/// bytes, and `out_key` must be writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vouch_key_parse(
    input: *const u8,
    input_len: usize,
    storage: *mut c_void,
    storage_len: usize,
    out_key: *mut *const vouch_key,
) -> vouch_result {
    // SAFETY: the caller's contract is this function's (see above).
    unsafe {
        make_key(
            input,
            input_len,
            storage,
            storage_len,
            out_key,
            PublicKey::parse,
        )
    }
}

/// Makes a key from its raw bytes, for firmware that bakes its trusted keys in: `algorithm` is
/// `VOUCH_ALGORITHM_ED25519` (`input` the 32-byte public key) or
/// `VOUCH_ALGORITHM_ECDSA_P256_SHA256` (`input` a SEC1 point, 33 bytes compressed or 65
/// uncompressed). A firmware that calls this instead of `vouch_key_parse` links no PEM or DER
/// SubjectPublicKeyInfo parser (with `--gc-sections`). Another `algorithm` value is
/// `VOUCH_ERR_UNSUPPORTED_KEY_TYPE`; bytes that are not a valid key of the algorithm (wrong
/// length, not on the curve, a small-order Ed25519 point) are `VOUCH_ERR_INVALID_KEY`. Storage,
/// handle and overlap rules as `vouch_key_parse`.
///
/// # Safety
/// As `vouch_key_parse`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vouch_key_from_raw(
    algorithm: u32,
    input: *const u8,
    input_len: usize,
    storage: *mut c_void,
    storage_len: usize,
    out_key: *mut *const vouch_key,
) -> vouch_result {
    // The algorithm arrives as a plain integer: a C caller can pass any value, and an
    // out-of-range value must be an error, not an invalid Rust enum.
    let parse: fn(&[u8]) -> Result<PublicKey, vouch_core::Error> = match algorithm {
        a if a == vouch_algorithm::VOUCH_ALGORITHM_ED25519 as u32 => PublicKey::from_ed25519_raw,
        a if a == vouch_algorithm::VOUCH_ALGORITHM_ECDSA_P256_SHA256 as u32 => PublicKey::from_sec1,
        _ => return vouch_result::from(vouch_core::Error::UnsupportedKeyType),
    };
    // SAFETY: the caller's contract is this function's (see above).
    unsafe { make_key(input, input_len, storage, storage_len, out_key, parse) }
}

/// The body of the key constructors: checks the arguments, parses with `parse`, and writes the
/// key into `storage` and its handle into `*out_key` (only on success).
///
/// # Safety
/// As `vouch_key_parse`.
unsafe fn make_key(
    input: *const u8,
    input_len: usize,
    storage: *mut c_void,
    storage_len: usize,
    out_key: *mut *const vouch_key,
    parse: fn(&[u8]) -> Result<PublicKey, vouch_core::Error>,
) -> vouch_result {
    guard(|| {
        // SAFETY: caller contract.
        let bytes = unsafe { self::input(input, input_len) }?;
        let out_key = nonnull_mut(out_key)?;
        let slot = storage_for::<vouch_key>(storage, storage_len)?;
        disjoint(
            &[Region::bytes(storage, storage_len), Region::of(out_key)],
            [Region::slice(bytes)],
        )?;
        let key = parse(bytes)?;
        // SAFETY: `slot` is non-NULL, aligned and large enough (checked); `out_key` non-NULL.
        unsafe {
            slot.write(vouch_key {
                magic: KEY_MAGIC,
                key,
            });
            put(out_key, slot.cast_const());
        }
        Ok(())
    })
}

/// Stores the key's algorithm in `*out_algorithm`, which must not overlap the key's storage
/// (`VOUCH_ERR_INVALID_ARGUMENT`).
///
/// # Safety
/// `key` must be a handle from `vouch_key_parse` (or NULL); `out_algorithm` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vouch_key_algorithm(
    key: *const vouch_key,
    out_algorithm: *mut vouch_algorithm,
) -> vouch_result {
    guard(|| {
        // SAFETY: caller contract.
        let key = unsafe { handle(key) }?;
        let out = nonnull_mut(out_algorithm)?;
        disjoint(&[Region::of(out)], [Region::of(key)])?;
        let alg = match key.key.algorithm() {
            Algorithm::Ed25519 => vouch_algorithm::VOUCH_ALGORITHM_ED25519,
            Algorithm::EcdsaP256Sha256 => vouch_algorithm::VOUCH_ALGORITHM_ECDSA_P256_SHA256,
            // An algorithm the core gained that this ABI has no constant for yet.
            _ => return Err(vouch_result::from(vouch_core::Error::UnsupportedKeyType)),
        };
        // SAFETY: non-NULL, writable by contract.
        unsafe { put(out, alg) };
        Ok(())
    })
}

/// Copies the key's fingerprint (SHA-256 of its canonical SubjectPublicKeyInfo DER,
/// `VOUCH_FINGERPRINT_LEN` bytes) into `out`; `out_len` must be at least 32. `out[0..out_len]`
/// must not overlap the key's storage (`VOUCH_ERR_INVALID_ARGUMENT`).
///
/// # Safety
/// `key` a handle or NULL; `out` must point at `out_len` writable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vouch_key_fingerprint(
    key: *const vouch_key,
    out: *mut u8,
    out_len: usize,
) -> vouch_result {
    guard(|| {
        // SAFETY: caller contract.
        let key = unsafe { handle(key) }?;
        let out = nonnull_mut(out)?;
        disjoint(&[Region::bytes(out, out_len)], [Region::of(key)])?;
        let fp = key.key.fingerprint();
        if out_len < fp.len() {
            return Err(VOUCH_ERR_BUFFER_TOO_SMALL);
        }
        // SAFETY: `out` holds at least 32 writable bytes; `fp` is a local.
        unsafe { core::ptr::copy_nonoverlapping(fp.as_ptr(), out, fp.len()) };
        Ok(())
    })
}

/// Writes the key's canonical SubjectPublicKeyInfo DER (at most `VOUCH_MAX_SPKI_LEN` bytes)
/// into `out` and its length into `*out_written`. The outputs `out[0..out_len]` and
/// `*out_written` must not overlap each other or the key's storage
/// (`VOUCH_ERR_INVALID_ARGUMENT`).
///
/// # Safety
/// `key` a handle or NULL; `out` must point at `out_len` writable bytes; `out_written`
/// writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vouch_key_spki_der(
    key: *const vouch_key,
    out: *mut u8,
    out_len: usize,
    out_written: *mut usize,
) -> vouch_result {
    guard(|| {
        // SAFETY: caller contract.
        let key = unsafe { handle(key) }?;
        let out = nonnull_mut(out)?;
        let out_written = nonnull_mut(out_written)?;
        disjoint(
            &[Region::bytes(out, out_len), Region::of(out_written)],
            [Region::of(key)],
        )?;
        let mut der = [0u8; VOUCH_MAX_SPKI_LEN];
        let n = key.key.spki_der(&mut der)?;
        let der = der.get(..n).ok_or(VOUCH_ERR_INTERNAL)?;
        if out_len < n {
            return Err(VOUCH_ERR_BUFFER_TOO_SMALL);
        }
        // SAFETY: `out` holds at least `n` writable bytes; `der` is a local; `out_written` lies
        // outside `out` (checked).
        unsafe {
            core::ptr::copy_nonoverlapping(der.as_ptr(), out, n);
            put(out_written, n);
        }
        Ok(())
    })
}

// --------------------------------------------------------------------------------------------
// Verifier
// --------------------------------------------------------------------------------------------

/// Payload types as `&str`s borrowed from verifier storage.
fn type_strs(v: &vouch_verifier) -> R<([&str; VOUCH_MAX_PAYLOAD_TYPES], usize)> {
    let mut out = [""; VOUCH_MAX_PAYLOAD_TYPES];
    if v.type_count > VOUCH_MAX_PAYLOAD_TYPES {
        return Err(VOUCH_ERR_INVALID_HANDLE);
    }
    for ((slot, buf), len) in out
        .iter_mut()
        .zip(&v.types)
        .zip(v.type_lens)
        .take(v.type_count)
    {
        let bytes = buf
            .get(..usize::from(len))
            .ok_or(VOUCH_ERR_INVALID_HANDLE)?;
        *slot = core::str::from_utf8(bytes).map_err(|_| VOUCH_ERR_INVALID_HANDLE)?;
    }
    Ok((out, v.type_count))
}

/// Prepares a verifier in `storage`: `keys_len` key handles (copied; the key storage may be
/// reused afterwards), the number of distinct keys that must sign (`threshold`, 1 to
/// `keys_len`), and the allowed payload types (copied; 1 to `VOUCH_MAX_PAYLOAD_TYPES`, each at
/// most `VOUCH_MAX_PAYLOAD_TYPE_LEN` bytes of UTF-8, usually `VOUCH_IN_TOTO_PAYLOAD_TYPE`).
/// Bit `i` of a verification's key mask stands for `keys[i]`. The outputs
/// `storage[0..storage_len]` and `*out_verifier` must not overlap each other or anything read:
/// the `keys` array, any key's storage (`vouch_key_storage_size()` bytes at each handle), the
/// `payload_types` array or the bytes of any payload type (`VOUCH_ERR_INVALID_ARGUMENT`).
///
/// # Safety
/// `keys` must point at `keys_len` readable handles from `vouch_key_parse`; `payload_types` at
/// `payload_types_len` readable `vouch_str`s whose bytes are readable; `storage` at
/// `storage_len` writable bytes; `out_verifier` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vouch_verifier_init(
    keys: *const *const vouch_key,
    keys_len: usize,
    threshold: usize,
    payload_types: *const vouch_str,
    payload_types_len: usize,
    storage: *mut c_void,
    storage_len: usize,
    out_verifier: *mut *const vouch_verifier,
) -> vouch_result {
    guard(|| {
        let keys = nonnull(keys)?;
        let payload_types = nonnull(payload_types)?;
        let out_verifier = nonnull_mut(out_verifier)?;
        let slot = storage_for::<vouch_verifier>(storage, storage_len)?;
        if keys_len == 0 {
            return Err(VOUCH_ERR_NO_TRUSTED_KEYS);
        }
        if keys_len > VOUCH_MAX_TRUSTED_KEYS {
            return Err(VOUCH_ERR_TOO_MANY_KEYS);
        }
        if payload_types_len == 0 {
            return Err(VOUCH_ERR_NO_PAYLOAD_TYPES);
        }
        if payload_types_len > VOUCH_MAX_PAYLOAD_TYPES {
            return Err(VOUCH_ERR_TOO_MANY_PAYLOAD_TYPES);
        }
        // SAFETY: non-NULL, at most 16 elements, readable by contract; pointers are aligned
        // for `*const vouch_key` when they come from C arrays (checked below anyway).
        if !keys.is_aligned() || !payload_types.is_aligned() {
            return Err(VOUCH_ERR_MISALIGNED);
        }
        // SAFETY: as above.
        let key_handles = unsafe { core::slice::from_raw_parts(keys, keys_len) };
        // SAFETY: as above.
        let types_in = unsafe { core::slice::from_raw_parts(payload_types, payload_types_len) };

        let mut v = vouch_verifier {
            magic: VERIFIER_MAGIC,
            keys: heapless::Vec::new(),
            threshold,
            type_count: payload_types_len,
            type_lens: [0; VOUCH_MAX_PAYLOAD_TYPES],
            types: [[0; VOUCH_MAX_PAYLOAD_TYPE_LEN]; VOUCH_MAX_PAYLOAD_TYPES],
        };
        for &h in key_handles {
            // SAFETY: caller contract: each element is a key handle or NULL.
            let k = unsafe { handle(h) }?;
            v.keys
                .push(TrustedKey {
                    key: k.key.clone(),
                    keyid: None,
                })
                .map_err(|_| VOUCH_ERR_TOO_MANY_KEYS)?;
        }
        for ((t, buf), len) in types_in.iter().zip(&mut v.types).zip(&mut v.type_lens) {
            // SAFETY: caller contract: `data` points at `len` readable bytes (NULL refused).
            let s = unsafe { input(nonnull(t.data)?.cast(), t.len) }?;
            core::str::from_utf8(s).map_err(|_| VOUCH_ERR_INVALID_UTF8_ARGUMENT)?;
            let dst = buf.get_mut(..s.len()).ok_or(VOUCH_ERR_ARGUMENT_TOO_LONG)?;
            dst.copy_from_slice(s);
            *len = u8::try_from(s.len()).map_err(|_| VOUCH_ERR_ARGUMENT_TOO_LONG)?;
        }
        disjoint(
            &[
                Region::bytes(storage, storage_len),
                Region::of(out_verifier),
            ],
            [Region::slice(key_handles), Region::slice(types_in)]
                .into_iter()
                .chain(key_handles.iter().map(|&h| Region::of(h)))
                .chain(types_in.iter().map(|t| Region::bytes(t.data, t.len))),
        )?;
        // Let core validate the configuration (duplicate keys, threshold) now, so that
        // verification only fails on the envelope.
        {
            let (types, n) = type_strs(&v)?;
            Verifier::new(&v.keys, v.threshold, types.get(..n).unwrap_or(&[]))?;
        }
        // SAFETY: `slot` checked non-NULL, aligned and large enough; `out_verifier` non-NULL.
        unsafe {
            slot.write(v);
            put(out_verifier, slot.cast_const());
        }
        Ok(())
    })
}

/// Verifies a DSSE envelope: the payloadType must be allowed, the payload is base64-decoded
/// into `scratch`, and signatures from at least `threshold` distinct trusted keys must verify
/// over the PAE. On success `*out_payload` / `*out_payload_len` give the verified payload (inside
/// `scratch`; hand exactly these bytes to `vouch_statement_check`) and `*out_keys` the mask of
/// trusted keys that verified (bit `i` = `keys[i]` of `vouch_verifier_init`; verification stops
/// once the threshold is met). `scratch` must hold the decoded payload
/// (`vouch_envelope_payload_len`). The outputs `scratch[0..scratch_len]`, `*out_payload`,
/// `*out_payload_len` and `*out_keys` must not overlap each other, `envelope` or the verifier's
/// storage (`vouch_verifier_storage_size()` bytes at `verifier`): `VOUCH_ERR_INVALID_ARGUMENT`.
/// The payload is decoded before any signature is checked, so scratch over the verifier could
/// otherwise replace its trusted keys.
///
/// # Safety
/// `verifier` a handle or NULL; `envelope` must point at `envelope_len` readable bytes,
/// `scratch` at `scratch_len` writable bytes; the outputs writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vouch_verifier_verify(
    verifier: *const vouch_verifier,
    envelope: *const u8,
    envelope_len: usize,
    scratch: *mut u8,
    scratch_len: usize,
    out_payload: *mut *const u8,
    out_payload_len: *mut usize,
    out_keys: *mut u32,
) -> vouch_result {
    guard(|| {
        // SAFETY: caller contract.
        let v = unsafe { handle(verifier) }?;
        // SAFETY: caller contract.
        let env = unsafe { input(envelope, envelope_len) }?;
        let scratch = nonnull_mut(scratch)?;
        let out_payload = nonnull_mut(out_payload)?;
        let out_payload_len = nonnull_mut(out_payload_len)?;
        let out_keys = nonnull_mut(out_keys)?;
        if scratch_len > isize::MAX as usize {
            return Err(VOUCH_ERR_INVALID_ARGUMENT);
        }
        disjoint(
            &[
                Region::bytes(scratch, scratch_len),
                Region::of(out_payload),
                Region::of(out_payload_len),
                Region::of(out_keys),
            ],
            [Region::of(verifier), Region::slice(env)],
        )?;
        // SAFETY: non-NULL, writable by contract, disjoint from `env`, from the verifier and
        // from the other outputs (checked above).
        let scratch = unsafe { core::slice::from_raw_parts_mut(scratch, scratch_len) };
        let (types, n) = type_strs(v)?;
        let verifier = Verifier::new(&v.keys, v.threshold, types.get(..n).unwrap_or(&[]))?;
        let verified = verifier.verify(env, scratch)?;
        // SAFETY: all three outputs checked non-NULL and disjoint from scratch (which holds the
        // payload) and from each other; writable by contract.
        unsafe {
            put(out_payload, verified.payload.as_ptr());
            put(out_payload_len, verified.payload.len());
            put(out_keys, verified.keys.bits());
        }
        Ok(())
    })
}

/// Parses a DSSE envelope (strictly, without verifying it) and stores the decoded payload's
/// length in `*out_len`: the scratch size `vouch_verifier_verify` needs. `*out_len` must not
/// overlap `envelope` (`VOUCH_ERR_INVALID_ARGUMENT`).
///
/// # Safety
/// `envelope` must point at `envelope_len` readable bytes; `out_len` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vouch_envelope_payload_len(
    envelope: *const u8,
    envelope_len: usize,
    out_len: *mut usize,
) -> vouch_result {
    guard(|| {
        // SAFETY: caller contract.
        let env = unsafe { input(envelope, envelope_len) }?;
        let out_len = nonnull_mut(out_len)?;
        disjoint(&[Region::of(out_len)], [Region::slice(env)])?;
        let n = Envelope::parse(env)?.payload_len()?;
        // SAFETY: non-NULL, writable by contract.
        unsafe { put(out_len, n) };
        Ok(())
    })
}

// --------------------------------------------------------------------------------------------
// Hasher
// --------------------------------------------------------------------------------------------

/// Starts hashing an artifact in `storage`: `algorithms` is `VOUCH_HASH_SHA256`,
/// `VOUCH_HASH_SHA512` or both or-ed (anything else gives `VOUCH_ERR_INVALID_ARGUMENT`). The
/// outputs `storage[0..storage_len]` and `*out_hasher` must not overlap
/// (`VOUCH_ERR_INVALID_ARGUMENT`).
///
/// # Safety
/// `storage` must point at `storage_len` writable bytes; `out_hasher` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vouch_hasher_init(
    storage: *mut c_void,
    storage_len: usize,
    algorithms: u32,
    out_hasher: *mut *mut vouch_hasher,
) -> vouch_result {
    guard(|| {
        let out_hasher = nonnull_mut(out_hasher)?;
        let slot = storage_for::<vouch_hasher>(storage, storage_len)?;
        disjoint(
            &[Region::bytes(storage, storage_len), Region::of(out_hasher)],
            NO_INPUTS,
        )?;
        if algorithms == 0 || algorithms & !(VOUCH_HASH_SHA256 | VOUCH_HASH_SHA512) != 0 {
            return Err(VOUCH_ERR_INVALID_ARGUMENT);
        }
        let hasher = ArtifactHasher::new(
            algorithms & VOUCH_HASH_SHA256 != 0,
            algorithms & VOUCH_HASH_SHA512 != 0,
        );
        // SAFETY: `slot` checked non-NULL, aligned and large enough; `out_hasher` non-NULL.
        unsafe {
            slot.write(vouch_hasher::new(hasher));
            put(out_hasher, slot);
        }
        Ok(())
    })
}

/// Feeds the next `data_len` bytes of the artifact (any chunk size, including 0). `data` must
/// not overlap the hasher's storage (`vouch_hasher_storage_size()` bytes at `hasher`, which is
/// updated): `VOUCH_ERR_INVALID_ARGUMENT`.
///
/// # Safety
/// `hasher` a live handle from `vouch_hasher_init` (or NULL), not used concurrently; `data` must
/// point at `data_len` readable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vouch_hasher_update(
    hasher: *mut vouch_hasher,
    data: *const u8,
    data_len: usize,
) -> vouch_result {
    guard(|| {
        // Validate the handle through a shared reference first: `data` may not be borrowed
        // next to a `&mut` of the hasher until the two are known to be disjoint.
        // SAFETY: caller contract.
        unsafe { handle(hasher.cast_const()) }?;
        // SAFETY: caller contract.
        let data = unsafe { input(data, data_len) }?;
        disjoint(&[Region::of(hasher)], [Region::slice(data)])?;
        // SAFETY: caller contract; `data` does not overlap the hasher (checked).
        let h = unsafe { handle_mut(hasher) }?;
        let mut state = h.load();
        state.update(data);
        h.store(state);
        Ok(())
    })
}

/// Finishes hashing: writes the digests into `*out_digest` and ends the hasher (further use of
/// the handle gives `VOUCH_ERR_INVALID_HANDLE`; the storage may be reused). `*out_digest` must
/// not overlap the hasher's storage (`vouch_hasher_storage_size()` bytes at `hasher`):
/// `VOUCH_ERR_INVALID_ARGUMENT`.
///
/// # Safety
/// As `vouch_hasher_update`; `out_digest` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vouch_hasher_finish(
    hasher: *mut vouch_hasher,
    out_digest: *mut vouch_digest,
) -> vouch_result {
    guard(|| {
        // SAFETY: caller contract.
        let h = unsafe { handle_mut(hasher) }?;
        let out_digest = nonnull_mut(out_digest)?;
        disjoint(&[Region::of(hasher), Region::of(out_digest)], NO_INPUTS)?;
        let d = h.load().finalize();
        h.magic = 0;
        let digest = vouch_digest {
            has_sha256: u8::from(d.sha256.is_some()),
            has_sha512: u8::from(d.sha512.is_some()),
            sha256: d.sha256.unwrap_or([0; 32]),
            sha512: d.sha512.unwrap_or([0; 64]),
        };
        // SAFETY: non-NULL, writable by contract.
        unsafe { put(out_digest, digest) };
        Ok(())
    })
}

// --------------------------------------------------------------------------------------------
// Statement
// --------------------------------------------------------------------------------------------

/// Checks a verified payload as an in-toto Statement (structure, `_type`, subjects, SLSA /
/// registry provenance fields) and then, in this order, each requested check: the
/// `predicateType` equals `predicate_type`, the builder id equals `builder_id`, and the
/// `artifact` digest matches a subject (every subject is examined; a subject matches when an
/// algorithm both sides know, sha256 or sha512, gives equal digests). A NULL `predicate_type`, `builder_id` (with
/// length 0) or `artifact` skips that check. On success `*out_subject_index` is the index of
/// the first matching subject, or `VOUCH_NO_SUBJECT` when no artifact was given.
/// `*out_subject_index` must not overlap `payload`, `predicate_type`, `builder_id` or `*artifact`
/// (`VOUCH_ERR_INVALID_ARGUMENT`).
///
/// # Safety
/// `payload` must point at `payload_len` readable bytes; the text arguments at their lengths or
/// be NULL; `artifact` readable or NULL; `out_subject_index` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vouch_statement_check(
    payload: *const u8,
    payload_len: usize,
    predicate_type: *const c_char,
    predicate_type_len: usize,
    builder_id: *const c_char,
    builder_id_len: usize,
    artifact: *const vouch_digest,
    out_subject_index: *mut usize,
) -> vouch_result {
    guard(|| {
        // SAFETY: caller contract.
        let payload = unsafe { input(payload, payload_len) }?;
        // SAFETY: caller contract.
        let predicate_type = unsafe { optional_text(predicate_type, predicate_type_len) }?;
        // SAFETY: caller contract.
        let builder_id = unsafe { optional_text(builder_id, builder_id_len) }?;
        let out = nonnull_mut(out_subject_index)?;
        disjoint(
            &[Region::of(out)],
            [
                Region::slice(payload),
                Region::slice(predicate_type.unwrap_or("").as_bytes()),
                Region::slice(builder_id.unwrap_or("").as_bytes()),
                Region::of(artifact),
            ],
        )?;
        let digest = if artifact.is_null() {
            None
        } else {
            // SAFETY: non-NULL and readable by contract; unaligned read tolerated; every bit
            // pattern is a valid `vouch_digest`.
            let a = unsafe { artifact.read_unaligned() };
            Some(ArtifactDigest {
                sha256: (a.has_sha256 != 0).then_some(a.sha256),
                sha512: (a.has_sha512 != 0).then_some(a.sha512),
            })
        };
        let statement = Statement::parse(payload)?;
        let index = statement.check(&Checks {
            predicate_type,
            builder_id,
            artifact: digest.as_ref(),
        })?;
        // SAFETY: non-NULL, writable by contract.
        unsafe { put(out, index.unwrap_or(VOUCH_NO_SUBJECT)) };
        Ok(())
    })
}

// --------------------------------------------------------------------------------------------
// Bare-metal panic handler
// --------------------------------------------------------------------------------------------

/// Without `std` on a bare-metal target the static library needs a panic handler. vouch has no
/// panicking paths by design (vouch-core denies them); should a dependency panic anyway, the
/// device parks here rather than continuing with corrupt state. Firmware written in Rust should
/// use vouch-core directly rather than this crate.
#[cfg(all(not(feature = "std"), target_os = "none", not(test)))]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    loop {
        core::hint::spin_loop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guard_turns_a_panic_into_a_result() {
        assert_eq!(guard(|| panic!("boom")), VOUCH_ERR_PANIC);
        assert_eq!(guard(|| Ok(())), VOUCH_OK);
        assert_eq!(
            guard(|| Err(VOUCH_ERR_NULL_POINTER)),
            VOUCH_ERR_NULL_POINTER
        );
    }

    #[test]
    fn reported_sizes_fit_the_header_constants() {
        assert!(vouch_key_storage_size() <= VOUCH_KEY_STORAGE_SIZE);
        assert!(vouch_verifier_storage_size() <= VOUCH_VERIFIER_STORAGE_SIZE);
        assert!(vouch_hasher_storage_size() <= VOUCH_HASHER_STORAGE_SIZE);
        #[cfg(feature = "keyless")]
        assert!(vouch_trusted_root_storage_size() <= VOUCH_TRUSTED_ROOT_STORAGE_SIZE);
        assert!(vouch_storage_align() <= VOUCH_STORAGE_ALIGN);
    }

    fn r(addr: usize, len: usize) -> Region {
        Region { addr, len }
    }

    #[test]
    fn overlaps_is_exact_at_both_ends_and_symmetric() {
        let a = r(100, 10); // bytes 100..110
        for (b, want) in [
            (r(110, 5), false), // adjacent above
            (r(90, 10), false), // adjacent below
            (r(109, 5), true),  // one byte at the top
            (r(91, 10), true),  // one byte at the bottom
            (r(102, 2), true),  // inside
            (r(0, usize::MAX), true),
            (a, true),
        ] {
            assert_eq!(overlaps(a, b), want, "{a:?} {b:?}");
            assert_eq!(overlaps(b, a), want, "{b:?} {a:?}");
        }
    }

    #[test]
    fn empty_and_null_regions_overlap_nothing() {
        assert!(!overlaps(r(100, 0), r(90, 20)));
        assert!(!overlaps(r(90, 20), r(100, 0)));
        let null = Region::bytes(core::ptr::null::<u8>(), 50);
        assert_eq!(null, r(0, 0));
        assert!(!overlaps(null, r(0, 100)));
    }

    #[test]
    fn regions_at_the_top_of_the_address_space_do_not_wrap() {
        let top = r(usize::MAX - 4, 100); // would wrap past zero: cut at usize::MAX
        assert!(overlaps(top, r(usize::MAX - 1, 1)));
        assert!(!overlaps(top, r(0, 200)));
        assert!(!overlaps(r(0, 200), top));
    }

    #[test]
    fn disjoint_checks_every_output_against_outputs_and_inputs() {
        let outs = [r(0, 8), r(8, 8), r(16, 8)];
        assert_eq!(disjoint(&outs, [r(24, 8), r(100, 1)]), Ok(()));
        // Inputs may overlap each other: they are only read.
        assert_eq!(disjoint(&outs, [r(50, 10), r(55, 10)]), Ok(()));
        assert_eq!(disjoint(&outs, NO_INPUTS), Ok(()));
        let refused = Err(VOUCH_ERR_INVALID_ARGUMENT);
        assert_eq!(disjoint(&outs, [r(24, 8), r(23, 8)]), refused);
        assert_eq!(disjoint(&outs, [r(0, 1)]), refused);
        assert_eq!(disjoint(&[r(0, 8), r(8, 8), r(15, 8)], NO_INPUTS), refused);
        assert_eq!(disjoint(&[r(0, 8), r(100, 8), r(7, 1)], NO_INPUTS), refused);
    }

    /// The exploit of issue 12 item 3, from Rust: scratch over the verifier's storage (which the
    /// payload would overwrite before any signature is checked) is refused; scratch right after
    /// the verifier object is fine.
    #[test]
    fn verify_refuses_scratch_over_the_verifier() {
        use vouch_core::testkit::{ed25519_key, sign_ed25519, statement_for};
        let kp = ed25519_key(1);
        let env = sign_ed25519(
            &kp,
            VOUCH_IN_TOTO_PAYLOAD_TYPE,
            statement_for(b"a").as_bytes(),
        );
        let mut ks = vouch_key_storage {
            opaque: [0; VOUCH_KEY_STORAGE_WORDS],
        };
        // One verifier followed by room for a payload, in one allocation.
        let mut arena = [0u64; 2 * VOUCH_VERIFIER_STORAGE_WORDS];
        let base = arena.as_mut_ptr().cast::<u8>();
        let size = vouch_verifier_storage_size();
        let mut key: *const vouch_key = core::ptr::null();
        let mut ver: *const vouch_verifier = core::ptr::null();
        let ty = vouch_str {
            data: VOUCH_IN_TOTO_PAYLOAD_TYPE.as_ptr().cast(),
            len: VOUCH_IN_TOTO_PAYLOAD_TYPE.len(),
        };
        let (mut payload, mut payload_len, mut mask) = (core::ptr::null(), 0usize, 0u32);
        let raw = kp.pk.as_ref();
        // SAFETY: every pointer is valid for the length given; `base` has room for `2 * size`
        // bytes, so every scratch below stays inside `arena`.
        unsafe {
            let ks = core::ptr::from_mut(&mut ks).cast();
            let r = vouch_key_parse(
                raw.as_ptr(),
                raw.len(),
                ks,
                VOUCH_KEY_STORAGE_SIZE,
                &mut key,
            );
            assert_eq!(r, VOUCH_OK);
            let r = vouch_verifier_init(&key, 1, 1, &ty, 1, base.cast(), size, &mut ver);
            assert_eq!(r, VOUCH_OK);
            let mut verify = |scratch: *mut u8, len: usize| {
                vouch_verifier_verify(
                    ver,
                    env.as_ptr(),
                    env.len(),
                    scratch,
                    len,
                    &mut payload,
                    &mut payload_len,
                    &mut mask,
                )
            };
            assert_eq!(verify(base, size), VOUCH_ERR_INVALID_ARGUMENT);
            assert_eq!(verify(base.add(size - 1), size), VOUCH_ERR_INVALID_ARGUMENT);
            assert_eq!(verify(base.add(size), size), VOUCH_OK);
        }
        assert_eq!(mask, 1);
    }
}
