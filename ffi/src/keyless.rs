//! Keyless (Sigstore) bundle verification from C: a trusted root in caller storage, a size query
//! for the scratch a bundle needs, and `vouch_bundle_verify`, which runs every check of
//! vouch-core's `keyless::verify_bundle` (V0–V7 of `docs/keyless.md`) against an exact identity
//! and issuer, or a managed key, and an artifact digest. Only with the `keyless` feature (the
//! default; the firmware library leaves it out unless asked).
//!
//! The conventions are the crate's (see the crate documentation): NULL and length checks, the
//! overlap rule, outputs written only on success, nothing allocated.

use core::ffi::{c_char, c_void};
use core::mem::size_of;

use vouch_core::identity::{IdentityPolicy, Matcher};
use vouch_core::keyless::{self, Options, Policy, TimeSource, TrustedTime};
use vouch_core::trusted_root::{TrustedRoot, Window};
use vouch_core::x509::GeneralName;
use vouch_core::{ArtifactDigest, Error};

use crate::result::vouch_result::{self, *};
use crate::{
    Handle, R, Region, VOUCH_NO_SUBJECT, disjoint, guard, handle, input, nonnull, nonnull_mut,
    optional_text, put, storage_for, vouch_digest, vouch_str,
};

/// Bytes of caller storage that always suffice for a loaded trusted root
/// (`vouch_trusted_root`).
pub const VOUCH_TRUSTED_ROOT_STORAGE_SIZE: usize = 128;
/// `VOUCH_TRUSTED_ROOT_STORAGE_SIZE` in 8-byte words.
pub const VOUCH_TRUSTED_ROOT_STORAGE_WORDS: usize = 16;
/// Scratch for `vouch_trusted_root_load` that suffices for Sigstore's public-good and staging
/// trusted roots (their largest certificate is under 2 KiB). A scratch of `doc_len` bytes always
/// suffices, whatever the root.
pub const VOUCH_TRUSTED_ROOT_SCRATCH_SIZE: usize = 4096;
/// `vouch_keyless_policy.kind`: a Fulcio certificate with this exact identity and issuer.
pub const VOUCH_POLICY_IDENTITY: u32 = 1;
/// `vouch_keyless_policy.kind`: a managed key (bundles with `publicKey`).
pub const VOUCH_POLICY_KEY: u32 = 2;
/// `vouch_keyless_policy.key_valid_until` for a key window without an end.
pub const VOUCH_NO_END: i64 = i64::MAX;
/// `vouch_bundle_verified.identity_kind`: no identity (a managed key signed).
pub const VOUCH_IDENTITY_NONE: u32 = 0;
/// `vouch_bundle_verified.identity_kind`: an email address (SAN rfc822Name).
pub const VOUCH_IDENTITY_EMAIL: u32 = 1;
/// `vouch_bundle_verified.identity_kind`: a URI (SAN uniformResourceIdentifier), e.g. a GitHub
/// workflow.
pub const VOUCH_IDENTITY_URI: u32 = 2;
/// `vouch_bundle_verified.identity_kind`: a Fulcio username (SAN otherName
/// 1.3.6.1.4.1.57264.1.7).
pub const VOUCH_IDENTITY_USERNAME: u32 = 3;
/// A trusted time's source: the integrated time of a Rekor entry whose SET verified (the index
/// is the log's in the trusted root's `tlogs`).
pub const VOUCH_TIME_SOURCE_LOG: u32 = 1;
/// A trusted time's source: a verified RFC 3161 timestamp (the index is the authority's in
/// `timestampAuthorities`).
pub const VOUCH_TIME_SOURCE_TIMESTAMP: u32 = 2;

const _: () = assert!(VOUCH_TRUSTED_ROOT_STORAGE_WORDS * 8 == VOUCH_TRUSTED_ROOT_STORAGE_SIZE);

/// Caller storage for a trusted root (see `vouch_key_storage`).
#[repr(C)]
pub struct vouch_trusted_root_storage {
    /// Opaque.
    pub opaque: [u64; VOUCH_TRUSTED_ROOT_STORAGE_WORDS],
}

/// A validated Sigstore trusted root in caller storage (handle from `vouch_trusted_root_load`).
/// Unlike keys and verifiers it points at the caller's JSON document, which must stay alive and
/// unchanged while the handle is used (the storage may still be moved with `memcpy`).
pub struct vouch_trusted_root {
    magic: u64,
    /// Borrows the caller's document for as long as the caller keeps it (the ABI contract); the
    /// lifetime is erased to store it.
    root: TrustedRoot<'static>,
    doc: Region,
}

const ROOT_MAGIC: u64 = 0x766f_7563_685f_7231; // "vouch_r1"

impl Handle for vouch_trusted_root {
    const MAGIC: u64 = ROOT_MAGIC;
    fn magic(&self) -> u64 {
        self.magic
    }
}

const _: () = assert!(size_of::<vouch_trusted_root>() <= VOUCH_TRUSTED_ROOT_STORAGE_SIZE);
const _: () = assert!(core::mem::align_of::<vouch_trusted_root>() <= crate::VOUCH_STORAGE_ALIGN);
const _: () = assert!(size_of::<vouch_trusted_root_storage>() == VOUCH_TRUSTED_ROOT_STORAGE_SIZE);

/// Who may have signed a bundle, and what its in-toto Statement must say (DSSE bundles).
/// Zero-initialise it, then set `kind` and the fields of that kind; the fields of the other kind
/// must stay NULL / 0 (`VOUCH_ERR_INVALID_ARGUMENT` otherwise).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct vouch_keyless_policy {
    /// `VOUCH_POLICY_IDENTITY` or `VOUCH_POLICY_KEY` (anything else: `VOUCH_ERR_INVALID_ARGUMENT`).
    pub kind: u32,
    /// `VOUCH_POLICY_IDENTITY`: the signer's identity, byte-equal to one SubjectAltName value of
    /// the Fulcio certificate (an email, a URI such as a GitHub workflow
    /// `https://github.com/OWNER/REPO/.github/workflows/FILE@refs/...`, or a Fulcio username).
    /// Non-empty UTF-8.
    pub identity: vouch_str,
    /// `VOUCH_POLICY_IDENTITY`: the OIDC issuer, byte-equal (e.g.
    /// `https://token.actions.githubusercontent.com`). Non-empty UTF-8.
    pub issuer: vouch_str,
    /// `VOUCH_POLICY_KEY`: the key's SubjectPublicKeyInfo DER (ECDSA P-256, P-384 or Ed25519;
    /// `vouch_key_spki_der` gives it for a parsed key).
    pub key_spki_der: *const u8,
    /// Length of `key_spki_der`.
    pub key_spki_der_len: usize,
    /// `VOUCH_POLICY_KEY`: first second (Unix time) at which the key's signatures are accepted;
    /// every trusted time of the bundle must lie in `[key_valid_from, key_valid_until]`.
    pub key_valid_from: i64,
    /// `VOUCH_POLICY_KEY`: last second of the key's window (`VOUCH_NO_END`: no end).
    pub key_valid_until: i64,
    /// Optional, either kind: for DSSE bundles, require this `predicateType` (`data` NULL and
    /// `len` 0: no check). Message-signature bundles carry no Statement: there it is not used.
    pub predicate_type: vouch_str,
    /// Optional, either kind: for DSSE bundles, require this builder id (`data` NULL and `len`
    /// 0: no check). Not used for message-signature bundles.
    pub builder_id: vouch_str,
}

/// What a verified bundle tells the caller (written by `vouch_bundle_verify` on success only).
/// The pointers point into the `bundle` and `scratch` given to that call and are valid while
/// both are unchanged.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct vouch_bundle_verified {
    /// DSSE bundles: the verified payload (the in-toto Statement), inside `scratch`. Message
    /// signatures: NULL.
    pub payload: *const u8,
    /// Length of `payload` (0 for message signatures).
    pub payload_len: usize,
    /// DSSE bundles: the payload type (always `VOUCH_IN_TOTO_PAYLOAD_TYPE`), inside `bundle`, not
    /// NUL-terminated. Message signatures: NULL.
    pub payload_type: *const c_char,
    /// Length of `payload_type`.
    pub payload_type_len: usize,
    /// DSSE bundles: the index of the Statement subject the artifact matched. Message
    /// signatures: `VOUCH_NO_SUBJECT`.
    pub subject_index: usize,
    /// `VOUCH_IDENTITY_EMAIL`, `_URI` or `_USERNAME`: the form of the SubjectAltName that
    /// matched; `VOUCH_IDENTITY_NONE` for a managed key.
    pub identity_kind: u32,
    /// The identity that matched (inside `scratch`, not NUL-terminated); NULL for a managed key.
    pub identity: *const c_char,
    /// Length of `identity`.
    pub identity_len: usize,
    /// The OIDC issuer of the certificate (inside `scratch`, not NUL-terminated); NULL for a
    /// managed key.
    pub issuer: *const c_char,
    /// Length of `issuer`.
    pub issuer_len: usize,
    /// Number of trusted times (verified SETs, one per log; verified RFC 3161 timestamps, one
    /// per authority); at least 1. The certificate path was verified at each.
    pub time_count: u32,
    /// The earliest trusted time (Unix seconds).
    pub earliest_time: i64,
    /// Its source: `VOUCH_TIME_SOURCE_LOG` or `VOUCH_TIME_SOURCE_TIMESTAMP`.
    pub earliest_source: u32,
    /// Its log's or authority's index in the trusted root.
    pub earliest_source_index: u32,
    /// The latest trusted time (Unix seconds).
    pub latest_time: i64,
    /// Its source.
    pub latest_source: u32,
    /// Its log's or authority's index in the trusted root.
    pub latest_source_index: u32,
    /// Bit `i`: `tlogs[i]` of the trusted root has a verified entry.
    pub tlogs: u64,
    /// Bit `i`: `tlogs[i]`'s verified SET gave a trusted time.
    pub timed_tlogs: u64,
    /// Bit `i`: `timestampAuthorities[i]` gave a verified timestamp.
    pub timestamp_authorities: u64,
    /// Bit `i`: the certificate path ended at `certificateAuthorities[i]` (keyless).
    pub certificate_authorities: u64,
    /// Number of distinct CT logs whose embedded SCT verified (keyless; 0 for a managed key).
    pub ct_logs: u32,
}

/// Bytes this build needs for a trusted root (at most `VOUCH_TRUSTED_ROOT_STORAGE_SIZE`).
#[unsafe(no_mangle)]
pub extern "C" fn vouch_trusted_root_storage_size() -> usize {
    size_of::<vouch_trusted_root>()
}

/// Validates a Sigstore trusted root (`trusted_root.json`, media type
/// `application/vnd.dev.sigstore.trustedroot+json;version=0.1`; every rule of keyless check V1 in
/// docs/keyless.md) and stores it in `storage`, its handle in `*out_root`. The trusted root
/// *borrows* `doc`: the document must stay alive and unchanged while the handle is used (the
/// other objects of this ABI copy what they need; this one does not, as a root is kilobytes).
/// `scratch` receives each certificate while it is checked, so it must hold the largest one
/// (`VOUCH_TRUSTED_ROOT_SCRATCH_SIZE` suffices for Sigstore's roots, `doc_len` bytes for any;
/// `VOUCH_ERR_BUFFER_TOO_SMALL` otherwise); it is free again when the call returns. The outputs
/// `scratch[0..scratch_len]`, `storage[0..storage_len]` and `*out_root` must not overlap each
/// other or `doc` (`VOUCH_ERR_INVALID_ARGUMENT`).
///
/// # Safety
/// `doc` must point at `doc_len` readable bytes that stay unchanged while the handle is used;
/// `scratch` at `scratch_len` writable bytes; `storage` at `storage_len` writable bytes;
/// `out_root` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vouch_trusted_root_load(
    doc: *const u8,
    doc_len: usize,
    scratch: *mut u8,
    scratch_len: usize,
    storage: *mut c_void,
    storage_len: usize,
    out_root: *mut *const vouch_trusted_root,
) -> vouch_result {
    guard(|| {
        // SAFETY: caller contract.
        let doc: &'static [u8] = unsafe { input(doc, doc_len) }?;
        let scratch = nonnull_mut(scratch)?;
        let out_root = nonnull_mut(out_root)?;
        let slot = storage_for::<vouch_trusted_root>(storage, storage_len)?;
        if scratch_len > isize::MAX as usize {
            return Err(VOUCH_ERR_INVALID_ARGUMENT);
        }
        disjoint(
            &[
                Region::bytes(scratch, scratch_len),
                Region::bytes(storage, storage_len),
                Region::of(out_root),
            ],
            [Region::slice(doc)],
        )?;
        // SAFETY: non-NULL, writable by contract, disjoint from `doc` (checked).
        let scratch = unsafe { core::slice::from_raw_parts_mut(scratch, scratch_len) };
        // `doc` is taken as `'static` above: the caller keeps it alive and unchanged while the
        // handle is used (the documented contract of this function).
        let root = TrustedRoot::parse(doc, scratch)?;
        // SAFETY: `slot` non-NULL, aligned and large enough (checked); `out_root` non-NULL.
        unsafe {
            slot.write(vouch_trusted_root {
                magic: ROOT_MAGIC,
                root,
                doc: Region::slice(doc),
            });
            put(out_root, slot.cast_const());
        }
        Ok(())
    })
}

/// Parses a Sigstore bundle (strictly, without verifying it) and stores in `*out_len` the
/// scratch bytes `vouch_bundle_verify` needs for it and `root`: the leaf certificate, the DSSE
/// payload, and the largest of what the checks use in turn. `*out_len` must not overlap
/// `bundle`, the root's storage (`vouch_trusted_root_storage_size()` bytes at `root`) or the
/// root's document (`VOUCH_ERR_INVALID_ARGUMENT`).
///
/// # Safety
/// `root` a handle from `vouch_trusted_root_load` (or NULL) whose document is still alive;
/// `bundle` must point at `bundle_len` readable bytes; `out_len` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vouch_bundle_scratch_len(
    root: *const vouch_trusted_root,
    bundle: *const u8,
    bundle_len: usize,
    out_len: *mut usize,
) -> vouch_result {
    guard(|| {
        // SAFETY: caller contract.
        let r = unsafe { handle(root) }?;
        // SAFETY: caller contract.
        let bundle = unsafe { input(bundle, bundle_len) }?;
        let out_len = nonnull_mut(out_len)?;
        disjoint(
            &[Region::of(out_len)],
            [Region::of(root), r.doc, Region::slice(bundle)],
        )?;
        let n = keyless::scratch_len(bundle, &r.root)?;
        // SAFETY: non-NULL, writable by contract.
        unsafe { put(out_len, n) };
        Ok(())
    })
}

/// A required, non-empty UTF-8 text argument.
///
/// # Safety
/// `s.data` must be NULL or point at `s.len` readable bytes.
unsafe fn required_text<'a>(s: &vouch_str) -> R<&'a str> {
    // SAFETY: forwarded caller contract.
    let t = unsafe { optional_text(nonnull(s.data)?, s.len) }?.ok_or(VOUCH_ERR_NULL_POINTER)?;
    if t.is_empty() {
        return Err(VOUCH_ERR_INVALID_ARGUMENT);
    }
    Ok(t)
}

/// An optional text field of a struct: NULL with length 0 is absent.
///
/// # Safety
/// As [`optional_text`].
unsafe fn optional_field<'a>(s: &vouch_str) -> R<Option<&'a str>> {
    // SAFETY: forwarded caller contract.
    unsafe { optional_text(s.data, s.len) }
}

fn time_fields(t: Option<TrustedTime>) -> (i64, u32, u32) {
    match t {
        Some(TrustedTime {
            time,
            source: TimeSource::Log(i),
        }) => (time, VOUCH_TIME_SOURCE_LOG, u32::from(i)),
        Some(TrustedTime {
            time,
            source: TimeSource::Timestamp(i),
        }) => (time, VOUCH_TIME_SOURCE_TIMESTAMP, u32::from(i)),
        None => (0, 0, 0),
    }
}

fn mask(set: &keyless::IndexSet) -> u64 {
    set.iter()
        .fold(0u64, |m, i| m | 1u64.checked_shl(i as u32).unwrap_or(0))
}

/// Verifies a Sigstore bundle against `root`, the `policy` and the artifact's digest: every
/// check V0–V7 of docs/keyless.md (strict parsing; the identity and issuer, byte-exact, or the
/// managed key; every tlog entry of a known log with its SET, inclusion proof and checkpoint;
/// the trusted times; the certificate path and SCTs at each; the signature over the artifact
/// digest or the DSSE PAE; for DSSE, the in-toto Statement's subjects include the artifact and
/// the policy's predicate type and builder id). `artifact` gives SHA-256 (message signatures;
/// DSSE subjects) and / or SHA-512 (DSSE subjects), e.g. from `vouch_hasher_finish`. `scratch`
/// must hold at least `vouch_bundle_scratch_len` bytes (`VOUCH_ERR_BUFFER_TOO_SMALL` otherwise,
/// before any check). On success `*out` describes what was verified; its pointers lie in
/// `bundle` and `scratch`. Any failed check returns that check's code (100–177, or a core code
/// such as `VOUCH_ERR_INVALID_SIGNATURE`, `VOUCH_ERR_SUBJECT_MISMATCH`) and writes nothing.
/// The outputs `scratch[0..scratch_len]` and `*out` must not overlap each other or anything
/// read: the root's storage and document, `bundle`, `*policy`, the policy's texts and key,
/// `*artifact` (`VOUCH_ERR_INVALID_ARGUMENT`).
///
/// # Safety
/// `root` a handle from `vouch_trusted_root_load` (or NULL) whose document is still alive;
/// `bundle` must point at `bundle_len` readable bytes; `policy` and `artifact` readable, with
/// each pointer in `*policy` readable for its length (or NULL); `scratch` at `scratch_len`
/// writable bytes; `out` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vouch_bundle_verify(
    root: *const vouch_trusted_root,
    bundle: *const u8,
    bundle_len: usize,
    policy: *const vouch_keyless_policy,
    artifact: *const vouch_digest,
    scratch: *mut u8,
    scratch_len: usize,
    out: *mut vouch_bundle_verified,
) -> vouch_result {
    guard(|| {
        // SAFETY: caller contract.
        let r = unsafe { handle(root) }?;
        // SAFETY: caller contract.
        let bundle = unsafe { input(bundle, bundle_len) }?;
        let policy_ptr = nonnull(policy)?;
        let artifact_ptr = nonnull(artifact)?;
        let scratch = nonnull_mut(scratch)?;
        let out = nonnull_mut(out)?;
        if scratch_len > isize::MAX as usize {
            return Err(VOUCH_ERR_INVALID_ARGUMENT);
        }
        // SAFETY: non-NULL and readable by contract; unaligned read tolerated; every bit
        // pattern of the fields is valid (integers and raw pointers).
        let p = unsafe { policy_ptr.read_unaligned() };
        // SAFETY: as above.
        let a = unsafe { artifact_ptr.read_unaligned() };
        let digest = ArtifactDigest {
            sha256: (a.has_sha256 != 0).then_some(a.sha256),
            sha512: (a.has_sha512 != 0).then_some(a.sha512),
        };
        // SAFETY: caller contract for the policy's texts.
        let predicate_type = unsafe { optional_field(&p.predicate_type) }?;
        // SAFETY: as above.
        let builder_id = unsafe { optional_field(&p.builder_id) }?;
        let absent = |s: &vouch_str| s.data.is_null() && s.len == 0;
        let core_policy = match p.kind {
            VOUCH_POLICY_IDENTITY => {
                if !p.key_spki_der.is_null() || p.key_spki_der_len != 0 {
                    return Err(VOUCH_ERR_INVALID_ARGUMENT);
                }
                // SAFETY: caller contract for the policy's texts.
                let identity = unsafe { required_text(&p.identity) }?;
                // SAFETY: as above.
                let issuer = unsafe { required_text(&p.issuer) }?;
                Policy::Identity(IdentityPolicy {
                    identity: Matcher::Exact(identity),
                    issuer: Matcher::Exact(issuer),
                })
            }
            VOUCH_POLICY_KEY => {
                if !absent(&p.identity) || !absent(&p.issuer) {
                    return Err(VOUCH_ERR_INVALID_ARGUMENT);
                }
                // SAFETY: caller contract for the policy's key.
                let spki_der = unsafe { input(p.key_spki_der, p.key_spki_der_len) }?;
                if p.key_valid_from > p.key_valid_until {
                    return Err(VOUCH_ERR_INVALID_ARGUMENT);
                }
                Policy::Key {
                    spki_der,
                    valid_for: Window {
                        start: p.key_valid_from,
                        end: (p.key_valid_until != VOUCH_NO_END).then_some(p.key_valid_until),
                    },
                }
            }
            _ => return Err(VOUCH_ERR_INVALID_ARGUMENT),
        };
        disjoint(
            &[Region::bytes(scratch, scratch_len), Region::of(out)],
            [
                Region::of(root),
                r.doc,
                Region::slice(bundle),
                Region::of(policy),
                Region::of(artifact),
                Region::bytes(p.identity.data, p.identity.len),
                Region::bytes(p.issuer.data, p.issuer.len),
                Region::bytes(p.key_spki_der, p.key_spki_der_len),
                Region::bytes(p.predicate_type.data, p.predicate_type.len),
                Region::bytes(p.builder_id.data, p.builder_id.len),
            ],
        )?;
        // The exact contract: less than the size query's answer is refused before any check
        // (the stages would each refuse a too-small buffer, but not all at the same size).
        if scratch_len < keyless::scratch_len(bundle, &r.root)? {
            return Err(VOUCH_ERR_BUFFER_TOO_SMALL);
        }
        // SAFETY: non-NULL, writable by contract, disjoint from every input and from `*out`
        // (checked above).
        let scratch = unsafe { core::slice::from_raw_parts_mut(scratch, scratch_len) };
        let options = Options {
            policy: core_policy,
            artifact: &digest,
            predicate_type,
            builder_id,
        };
        let v = keyless::verify_bundle(bundle, &r.root, &options, scratch)?;
        let (payload_type, payload) = v.payload.unwrap_or((&[], &[]));
        let (identity_kind, identity) = match v.identity.map(|m| m.san) {
            Some(GeneralName::Email(s)) => (VOUCH_IDENTITY_EMAIL, s),
            Some(GeneralName::Uri(s)) => (VOUCH_IDENTITY_URI, s),
            Some(GeneralName::FulcioUsername(s)) => (VOUCH_IDENTITY_USERNAME, s),
            Some(_) => return Err(vouch_result::from(Error::IdentityMismatch)),
            None => (VOUCH_IDENTITY_NONE, ""),
        };
        let issuer = v.identity.map_or("", |m| m.issuer);
        let ptr_or_null = |s: &[u8]| {
            if s.is_empty() {
                core::ptr::null()
            } else {
                s.as_ptr()
            }
        };
        let (earliest_time, earliest_source, earliest_source_index) = time_fields(v.times.earliest);
        let (latest_time, latest_source, latest_source_index) = time_fields(v.times.latest);
        let verified = vouch_bundle_verified {
            payload: if v.payload.is_some() {
                payload.as_ptr()
            } else {
                core::ptr::null()
            },
            payload_len: payload.len(),
            payload_type: ptr_or_null(payload_type).cast(),
            payload_type_len: payload_type.len(),
            subject_index: v.subject_index.unwrap_or(VOUCH_NO_SUBJECT),
            identity_kind,
            identity: ptr_or_null(identity.as_bytes()).cast(),
            identity_len: identity.len(),
            issuer: ptr_or_null(issuer.as_bytes()).cast(),
            issuer_len: issuer.len(),
            time_count: u32::try_from(v.times.count).unwrap_or(u32::MAX),
            earliest_time,
            earliest_source,
            earliest_source_index,
            latest_time,
            latest_source,
            latest_source_index,
            tlogs: mask(&v.tlogs),
            timed_tlogs: mask(&v.timed_tlogs),
            timestamp_authorities: mask(&v.timestamp_authorities),
            certificate_authorities: mask(&v.certificate_authorities),
            ct_logs: u32::try_from(v.ct_logs).unwrap_or(u32::MAX),
        };
        // SAFETY: non-NULL, writable by contract, disjoint from scratch (checked).
        unsafe { put(out, verified) };
        Ok(())
    })
}
