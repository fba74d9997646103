//! Keyless (Sigstore) bundle verification: [`verify_bundle`] runs every check V0–V7 of
//! `docs/keyless.md` on one bundle against one trusted root and the caller's policy, without a
//! heap. The caller gives a scratch buffer of at least [`scratch_len`] bytes.
//!
//! Order of the stages (each failure stops with that check's error):
//!
//! 1. **V0** [`Bundle::parse`]: strict JSON, media type, content, version rules, bounds; the
//!    policy must fit the signer ([`Error::KeylessPolicyMismatch`]); the leaf certificate
//!    parses; no self-signed (root) certificate in an `x509CertificateChain`
//!    ([`Error::BundleRootCertificate`]: roots come only from the trusted root); the DSSE payload
//!    type is in-toto ([`Error::PayloadTypeNotAllowed`]); a `messageDigest` equals the artifact's
//!    ([`Error::MessageDigestMismatch`]).
//! 2. **V5** identity and issuer ([`identity::check_identity`]): it needs no time, is cheap, and
//!    is the most telling refusal.
//! 3. **V6** [`rekor::verify_entry`] for every tlog entry: entries of logs not in the trusted
//!    root do not count, every entry of a known log must verify (body binding, SET, inclusion
//!    proof, checkpoint); every `integratedTime` present lies within the leaf's validity; at
//!    least one distinct log ([`Error::TlogNoTrustedLog`]).
//! 4. **V2** trusted times: the integrated time of each entry whose SET verified (at most one per
//!    log), then each verified RFC 3161 timestamp (at most one per timestamp authority); each
//!    within the leaf's validity (or the managed key's window)
//!    ([`Error::SigningTimeOutsideValidity`]); at least one ([`Error::NoTrustedTime`]). As soon as
//!    a time is trusted: **V3**, the certificate path at it ([`chain::verify_leaf_path`]), and
//!    **V4**, the embedded SCTs for its issuer ([`sct::verify_embedded_scts`]).
//! 5. **V7** the signature: ECDSA over the artifact digest (message signatures), or over
//!    PAE(payloadType, payload) for DSSE (P-256 with SHA-256, P-384 with SHA-384, Ed25519 pure);
//!    then for DSSE the in-toto Statement: subjects include the artifact, and the caller's
//!    predicateType and builder id checks ([`Statement::check`]).
//!
//! Managed-key bundles (`publicKey` instead of a certificate) skip V3–V5: the key is the
//! caller's, there is no SCT, and every trusted time must lie within the key's window.
//!
//! ```
//! use vouch_core::identity::{IdentityPolicy, Matcher};
//! use vouch_core::keyless::{self, Options, Policy};
//! use vouch_core::trusted_root::TrustedRoot;
//! use vouch_core::ArtifactHasher;
//!
//! let root_doc = include_bytes!("../../tests/vectors/sigstore/trusted_roots/staging-sigstore-python.json");
//! let bundle = include_bytes!("../../tests/vectors/sigstore/cases/py--bundle-v03-staging/bundle.sigstore.json");
//! # let artifact_digest = [0x5e, 0x6a, 0xe9, 0xde, 0x58, 0xc1, 0x17, 0x7b, 0xea, 0x61, 0x5b, 0x4f,
//! #     0xcb, 0xfb, 0x2f, 0xd6, 0x88, 0xe8, 0xc4, 0xb5, 0x1c, 0x2e, 0x56, 0xb6, 0xa3, 0x8e, 0x81, 0x78,
//! #     0x33, 0xec, 0x24, 0xa2];
//!
//! let mut root_scratch = [0u8; 4096];
//! let root = TrustedRoot::parse(root_doc, &mut root_scratch)?;
//! # let digest = vouch_core::ArtifactDigest { sha256: Some(artifact_digest), sha512: None };
//! # let _ = ArtifactHasher::new(true, false); // the digest normally comes from ArtifactHasher
//! let options = Options {
//!     policy: Policy::Identity(IdentityPolicy {
//!         identity: Matcher::Exact("william@yossarian.net"),
//!         issuer: Matcher::Exact("https://github.com/login/oauth"),
//!     }),
//!     artifact: &digest,
//!     predicate_type: None,
//!     builder_id: None,
//! };
//! let mut scratch = [0u8; 8 * 1024];
//! assert!(keyless::scratch_len(bundle, &root)? <= scratch.len());
//! let verified = keyless::verify_bundle(bundle, &root, &options, &mut scratch)?;
//! assert_eq!(verified.times.earliest.map(|t| t.time), Some(1_712_085_549));
//! assert_eq!(verified.identity.map(|m| m.issuer), Some("https://github.com/login/oauth"));
//! # Ok::<(), vouch_core::Error>(())
//! ```

use crate::base64;
use crate::bundle::{Bundle, Content, SignerMaterial};
use crate::chain;
use crate::identity::{self, IdentityPolicy, MatchedIdentity};
use crate::pae;
use crate::pkix::{HashAlgorithm, KeyAlgorithm, SigEncoding, VerifyKey};
use crate::rekor::{self, Expected, Signed, Signer};
use crate::sct;
use crate::statement::{ArtifactDigest, Checks, Statement};
use crate::timestamp;
use crate::trusted_root::{TrustedRoot, Window};
use crate::x509::Certificate;
use crate::{Error, IN_TOTO_PAYLOAD_TYPE};
use sha2::{Digest, Sha256, Sha384};

/// Longest signature accepted (ECDSA P-384 DER is at most 104 bytes).
const MAX_SIGNATURE: usize = 128;

/// Who may have signed.
#[derive(Clone, Copy, Debug)]
pub enum Policy<'p> {
    /// Keyless: a Fulcio certificate whose identity and issuer match (both required).
    Identity(IdentityPolicy<'p>),
    /// A managed key (bundles with `publicKey`): the key's SubjectPublicKeyInfo DER and the
    /// window in which its signatures are accepted.
    Key {
        /// SubjectPublicKeyInfo DER of the key.
        spki_der: &'p [u8],
        /// The window every trusted time must lie in.
        valid_for: Window,
    },
}

/// What the caller asks of a bundle.
#[derive(Clone, Copy, Debug)]
pub struct Options<'p> {
    /// Who may have signed.
    pub policy: Policy<'p>,
    /// The artifact's digest (from [`crate::ArtifactHasher`]): SHA-256 for message signatures
    /// (or the algorithm of their `messageDigest`), SHA-256 or SHA-512 for DSSE subjects.
    pub artifact: &'p ArtifactDigest,
    /// For DSSE: require this `predicateType`.
    pub predicate_type: Option<&'p str>,
    /// For DSSE: require this builder id.
    pub builder_id: Option<&'p str>,
}

/// A verified DSSE payload type and payload.
pub type Payload<'a> = (&'a [u8], &'a [u8]);

/// Where a trusted time comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeSource {
    /// The integrated time of a Rekor entry whose SET verified; the log's index in the trusted
    /// root's `tlogs` (below 64; `u8` keeps the list of times small on a microcontroller's stack).
    Log(u8),
    /// A verified RFC 3161 timestamp; the authority's index in `timestampAuthorities`.
    Timestamp(u8),
}

/// A trusted time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TrustedTime {
    /// Unix seconds.
    pub time: i64,
    /// Its source.
    pub source: TimeSource,
}

/// A summary of the trusted times (each one has been used for the certificate path, so no list
/// is kept: a bundle may carry 64 of them, and a microcontroller's stack is small).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TrustedTimes {
    /// How many (at least 1 on success).
    pub count: usize,
    /// The earliest (the first found among equal ones).
    pub earliest: Option<TrustedTime>,
    /// The latest (the first found among equal ones).
    pub latest: Option<TrustedTime>,
}

impl TrustedTimes {
    fn add(&mut self, t: TrustedTime) {
        self.count += 1;
        if self.earliest.is_none_or(|e| t.time < e.time) {
            self.earliest = Some(t);
        }
        if self.latest.is_none_or(|l| t.time > l.time) {
            self.latest = Some(t);
        }
    }
}

/// A set of indices below 64 (logs or authorities of the trusted root, which holds at most 64
/// of each).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct IndexSet(u64);

impl IndexSet {
    fn insert(&mut self, i: usize) -> bool {
        let bit = 1u64
            .checked_shl(u32::try_from(i).unwrap_or(u32::MAX))
            .unwrap_or(0);
        let new = self.0 & bit == 0;
        self.0 |= bit;
        new
    }
    /// Whether `i` is in the set.
    pub fn contains(&self, i: usize) -> bool {
        u32::try_from(i)
            .ok()
            .and_then(|i| 1u64.checked_shl(i))
            .is_some_and(|b| self.0 & b != 0)
    }
    /// Number of members.
    pub fn count(&self) -> usize {
        self.0.count_ones() as usize
    }
    /// The members, ascending.
    pub fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        (0..64).filter(|&i| self.contains(i))
    }
}

/// What a verified bundle tells the caller.
#[derive(Clone, Debug)]
pub struct VerifiedBundle<'a> {
    /// The trusted times: how many (verified SETs, one per log; verified RFC 3161 timestamps,
    /// one per authority), the earliest and the latest. Which logs and authorities gave them:
    /// [`VerifiedBundle::timed_tlogs`] and [`VerifiedBundle::timestamp_authorities`].
    pub times: TrustedTimes,
    /// The leaf certificate (keyless bundles).
    pub leaf: Option<Certificate<'a>>,
    /// The identity and issuer that matched (keyless bundles).
    pub identity: Option<MatchedIdentity<'a>>,
    /// The certificate authorities (indices in `certificateAuthorities`) whose chain verified.
    pub certificate_authorities: IndexSet,
    /// Number of distinct CT logs whose SCT verified (keyless bundles).
    pub ct_logs: usize,
    /// The Rekor logs (indices in `tlogs`) with a verified entry.
    pub tlogs: IndexSet,
    /// The Rekor logs whose verified SET gave a trusted time.
    pub timed_tlogs: IndexSet,
    /// The timestamp authorities (indices in `timestampAuthorities`) with a verified timestamp.
    pub timestamp_authorities: IndexSet,
    /// For DSSE bundles: the verified payload type and payload.
    pub payload: Option<Payload<'a>>,
    /// For DSSE bundles: the index of the Statement subject the artifact matched.
    pub subject_index: Option<usize>,
}

/// Scratch bytes [`verify_bundle`] needs for `bundle` and `root`: the leaf certificate, the DSSE
/// payload (both kept until the end), and the largest of what the stages use in turn (a log
/// entry's body and the PEM inside it, a checkpoint, a chain certificate, an RFC 3161 token and
/// its verification's scratch, the certificate path's scratch, a PAE for Ed25519 keys).
pub fn scratch_len(bundle: &[u8], root: &TrustedRoot<'_>) -> Result<usize, Error> {
    let b = Bundle::parse(bundle)?;
    let leaf = match b.leaf_certificate() {
        Some(c) => base64::validate_json_str(&c)?,
        None => 0,
    };
    let (payload, pae_len) = match b.content {
        Content::Dsse {
            payload,
            payload_type,
            ..
        } => {
            let n = base64::validate_json_str(&payload)?;
            (
                n,
                pae::len(payload_type.unescaped_len(), n).ok_or(Error::BufferTooSmall)?,
            )
        }
        Content::MessageSignature { .. } => (0, 0),
    };
    let mut work = pae_len.max(chain::path_scratch_len(root));
    for e in b.tlog_entries() {
        work = work.max(rekor::entry_scratch_len(&e));
    }
    for c in b.chain_certificates() {
        work = work.max(base64::validate_json_str(&c)?);
    }
    let ts_scratch = timestamp::timestamp_scratch_len(root);
    for t in b.timestamps() {
        work = work.max(base64::validate_json_str(&t)? + ts_scratch);
    }
    Ok(leaf + payload + work)
}

/// Decodes base64 into the front of `buf` and splits it off: (decoded, rest).
fn take_decoded<'b>(
    s: &crate::json::JsonStr<'_>,
    buf: &'b mut [u8],
) -> Result<(&'b [u8], &'b mut [u8]), Error> {
    let n = base64::validate_json_str(s)?;
    let (head, rest) = buf.split_at_mut_checked(n).ok_or(Error::BufferTooSmall)?;
    base64::decode_json_str(s, head)?;
    Ok((head, rest))
}

/// Whether `der` is byte-equal to a certificate of the trusted root's certificate authorities
/// (compared against the base64 text as it decodes, without a copy).
fn in_trusted_root(der: &[u8], root: &TrustedRoot<'_>) -> bool {
    root.certificate_authorities().any(|a| {
        a.certificates().any(|b64| {
            let mut pos = 0usize;
            let mut equal = true;
            let ok = base64::stream_json_str(&b64, |chunk| {
                let end = pos.saturating_add(chunk.len());
                equal &= der.get(pos..end) == Some(chunk);
                pos = end;
            });
            ok.is_ok() && equal && pos == der.len()
        })
    })
}

/// The certificates after the leaf of an `x509CertificateChain`: each parses, and a self-issued
/// one must be a certificate of the trusted root (its own frame: a parsed certificate is large).
#[inline(never)]
fn check_chain_certificates(
    b: &Bundle<'_>,
    root: &TrustedRoot<'_>,
    work: &mut [u8],
) -> Result<(), Error> {
    for c in b.chain_certificates().skip(1) {
        let (der, _) = take_decoded(&c, work)?;
        let cert = Certificate::parse(der)?;
        if cert.issuer() == cert.subject() && !in_trusted_root(der, root) {
            return Err(Error::BundleRootCertificate);
        }
    }
    Ok(())
}

/// Whether a managed key parses (its own frame: a parsed key is large).
#[inline(never)]
fn check_key(spki_der: &[u8]) -> Result<(), Error> {
    VerifyKey::from_spki_der(spki_der).map(|_| ())
}

/// An index of a trusted-root list (at most 64 entries) as a `u8`.
fn small_index(i: usize) -> u8 {
    u8::try_from(i).unwrap_or(u8::MAX)
}

/// The artifact digest for a message signature's algorithm.
fn artifact_digest(artifact: &ArtifactDigest, alg: HashAlgorithm) -> Result<&[u8], Error> {
    match alg {
        HashAlgorithm::Sha256 => artifact.sha256.as_ref().map(|d| d.as_slice()),
        HashAlgorithm::Sha512 => artifact.sha512.as_ref().map(|d| d.as_slice()),
        HashAlgorithm::Sha384 => None,
    }
    .ok_or(Error::NoArtifactDigest)
}

/// Verifies a Sigstore bundle (see the module documentation for the stages and rules).
/// `scratch` must hold at least [`scratch_len`] bytes ([`Error::BufferTooSmall`] otherwise).
pub fn verify_bundle<'a>(
    bundle: &'a [u8],
    root: &TrustedRoot<'_>,
    options: &Options<'_>,
    scratch: &'a mut [u8],
) -> Result<VerifiedBundle<'a>, Error> {
    // --- V0 ---------------------------------------------------------------------------------
    let b = Bundle::parse(bundle)?;
    match (&b.signer, &options.policy) {
        (SignerMaterial::PublicKey(_), Policy::Key { .. })
        | (SignerMaterial::Certificate(_) | SignerMaterial::Chain(_), Policy::Identity(_)) => {}
        _ => return Err(Error::KeylessPolicyMismatch),
    }

    // The leaf (kept to the end) and the DSSE payload (returned) at the front of scratch.
    let (leaf_der, rest): (&'a [u8], &'a mut [u8]) = match b.leaf_certificate() {
        Some(c) => take_decoded(&c, scratch)?,
        None => (&[], scratch),
    };
    let (payload, work): (Option<Payload<'a>>, &'a mut [u8]) = match b.content {
        Content::Dsse {
            payload_type,
            payload,
            ..
        } => {
            if !payload_type.eq_str(IN_TOTO_PAYLOAD_TYPE) {
                return Err(Error::PayloadTypeNotAllowed);
            }
            let (p, rest) = take_decoded(&payload, rest)?;
            // Unescaped JSON strings cannot be borrowed from the document: payload types with
            // escapes were refused above (the one accepted has none).
            (Some((payload_type.raw(), p)), rest)
        }
        Content::MessageSignature { .. } => (None, rest),
    };

    let leaf = if leaf_der.is_empty() {
        None
    } else {
        Some(Certificate::parse(leaf_der)?)
    };
    // No root certificate inside the bundle: roots (and intermediates) come only from the
    // trusted root. The leaf must not be self-issued; the other certificates of an
    // `x509CertificateChain` are never used, and a self-issued one must be a certificate the
    // trusted root holds (old bundles carry the real chain, root included).
    if let Some(l) = &leaf
        && l.issuer() == l.subject()
    {
        return Err(Error::BundleRootCertificate);
    }
    check_chain_certificates(&b, root, work)?;
    // A managed key: parsed here to refuse a bad one early, parsed again for V7 (a parsed key is
    // large; keeping it would sit on the stack under every later stage).
    let managed: Option<(&[u8], Window)> = match options.policy {
        Policy::Key {
            spki_der,
            valid_for,
        } => {
            check_key(spki_der)?;
            Some((spki_der, valid_for))
        }
        Policy::Identity(_) => None,
    };
    let window = match (&leaf, &managed) {
        (Some(l), _) => Window {
            start: l.not_before(),
            end: Some(l.not_after()),
        },
        (None, Some((_, w))) => *w,
        (None, None) => return Err(Error::KeylessPolicyMismatch),
    };

    let mut sig_buf = [0u8; MAX_SIGNATURE];
    let sig_len =
        base64::decode_json_str(&b.content.signature(), &mut sig_buf).map_err(|e| match e {
            Error::BufferTooSmall => Error::InvalidSignature,
            e => e,
        })?;
    let signature = sig_buf.get(..sig_len).ok_or(Error::InvalidSignature)?;

    let (signed, message) = match (b.content, payload) {
        (Content::MessageSignature { digest, .. }, _) => {
            let alg = digest.map_or(HashAlgorithm::Sha256, |(a, _)| a);
            let want = artifact_digest(options.artifact, alg).map_err(|_| {
                if digest.is_some() {
                    Error::MessageDigestMismatch
                } else {
                    Error::NoArtifactDigest
                }
            })?;
            if let Some((_, d)) = digest {
                let mut got = [0u8; 64];
                let n = base64::decode_json_str(&d, &mut got)?;
                if got.get(..n) != Some(want) {
                    return Err(Error::MessageDigestMismatch);
                }
            }
            (
                Signed::Message {
                    algorithm: alg,
                    digest: want,
                },
                Some(want),
            )
        }
        (Content::Dsse { .. }, Some((payload_type, payload))) => (
            Signed::Dsse {
                payload_type,
                payload,
            },
            None,
        ),
        (Content::Dsse { .. }, None) => return Err(Error::BundleMalformed),
    };
    let expected = Expected {
        signed,
        signature,
        signer: match (&leaf, &managed) {
            (Some(_), _) => Signer::Certificate(leaf_der),
            (None, Some((spki, _))) => Signer::PublicKey(spki),
            (None, None) => return Err(Error::KeylessPolicyMismatch),
        },
    };

    // Each stage is its own function, so that its locals are off the stack while the
    // certificate path (the deepest call) runs; they record into a small `Progress`, and the
    // result (which holds a parsed certificate) is built only at the end.
    let mut out = Progress::default();
    let mut at = AtTime {
        leaf: leaf.as_ref(),
        window,
        last_time: None,
        last_issuer: None,
    };

    // --- V5 -----------------------------------------------------------------------------------
    // The identity first (cheap, and the most telling refusal); no time is needed for it.
    let matched = match (&leaf, &options.policy) {
        (Some(l), Policy::Identity(policy)) => Some(identity::check_identity(l, policy)?),
        _ => None,
    };
    // --- V6 and V2 (b), with V3 / V4 at each new trusted time ---------------------------------
    log_stage(&b, root, &expected, &mut at, work, &mut out)?;
    // --- V2 (a), with V3 / V4 at each new trusted time ----------------------------------------
    timestamp_stage(&b, root, signature, &mut at, work, &mut out)?;
    if out.times.count == 0 {
        return Err(Error::NoTrustedTime);
    }
    // --- V7 -------------------------------------------------------------------------------------
    signature_stage(
        leaf.as_ref(),
        managed.map(|(spki, _)| spki),
        message,
        payload,
        signature,
        options,
        work,
        &mut out,
    )?;
    Ok(VerifiedBundle {
        times: out.times,
        leaf,
        identity: matched,
        certificate_authorities: out.certificate_authorities,
        ct_logs: out.ct_logs,
        tlogs: out.tlogs,
        timed_tlogs: out.timed_tlogs,
        timestamp_authorities: out.timestamp_authorities,
        payload,
        subject_index: out.subject_index,
    })
}

/// What the stages of [`verify_bundle`] record (the fields of [`VerifiedBundle`] they fill).
#[derive(Default)]
struct Progress {
    times: TrustedTimes,
    certificate_authorities: IndexSet,
    ct_logs: usize,
    tlogs: IndexSet,
    timed_tlogs: IndexSet,
    timestamp_authorities: IndexSet,
    subject_index: Option<usize>,
}

/// What is checked at each trusted time as soon as it is trusted.
struct AtTime<'l, 'a> {
    leaf: Option<&'l Certificate<'a>>,
    /// The leaf's validity, or the managed key's window.
    window: Window,
    /// The last time the path was verified at (equal times are not verified twice in a row).
    last_time: Option<i64>,
    /// The issuer whose SCTs were verified last.
    last_issuer: Option<[u8; 32]>,
}

impl AtTime<'_, '_> {
    /// A newly trusted time: within the signer's validity, then (keyless) V3 at it and V4 for
    /// its issuer; recorded in `out`.
    #[inline(never)]
    fn trusted(
        &mut self,
        t: TrustedTime,
        root: &TrustedRoot<'_>,
        work: &mut [u8],
        out: &mut Progress,
    ) -> Result<(), Error> {
        if !self.window.contains(t.time) {
            return Err(Error::SigningTimeOutsideValidity);
        }
        if let Some(leaf) = self.leaf
            && self.last_time != Some(t.time)
        {
            let path = chain::verify_leaf_path(leaf, root, t.time, work)?;
            out.certificate_authorities.insert(path.authority_index);
            if self.last_issuer != Some(path.issuer_spki_sha256) {
                out.ct_logs = sct::verify_embedded_scts(leaf, &path.issuer_spki_sha256, root)?;
                self.last_issuer = Some(path.issuer_spki_sha256);
            }
            self.last_time = Some(t.time);
        }
        out.times.add(t);
        Ok(())
    }
}

/// V6 and V2 (b): every tlog entry; a trusted time from each verified SET, one per log.
#[inline(never)]
fn log_stage(
    b: &Bundle<'_>,
    root: &TrustedRoot<'_>,
    expected: &Expected<'_>,
    at: &mut AtTime<'_, '_>,
    work: &mut [u8],
    out: &mut Progress,
) -> Result<(), Error> {
    let mut entries = b.tlog_entries();
    while let Some(v) = next_entry(&mut entries, root, expected, at.window, work)? {
        let Some(v) = v else {
            continue;
        };
        out.tlogs.insert(v.log);
        if let Some(t) = v.integrated_time
            && out.timed_tlogs.insert(v.log)
        {
            let source = TimeSource::Log(small_index(v.log));
            at.trusted(TrustedTime { time: t, source }, root, work, out)?;
        }
    }
    if out.tlogs.count() == 0 {
        return Err(Error::TlogNoTrustedLog);
    }
    Ok(())
}

/// The next tlog entry verified (`Some(None)`: its log is not in the trusted root), with its
/// integrated time, when present, within `window`. Its own frame: the parsed entry is off the
/// stack while the certificate path runs at a trusted time (docs/keyless.md "Footprint").
#[inline(never)]
fn next_entry<'e>(
    entries: &mut impl Iterator<Item = crate::bundle::TlogEntry<'e>>,
    root: &TrustedRoot<'_>,
    expected: &Expected<'_>,
    window: Window,
    work: &mut [u8],
) -> Result<Option<Option<rekor::VerifiedEntry>>, Error> {
    let Some(e) = entries.next() else {
        return Ok(None);
    };
    let Some(v) = rekor::verify_entry(&e, root, expected, work)? else {
        return Ok(Some(None));
    };
    // An integrated time, when present (with or without a SET), lies within the leaf's
    // validity (or the managed key's window).
    if let Some(t) = e.integrated_time
        && !window.contains(t)
    {
        return Err(Error::SigningTimeOutsideValidity);
    }
    Ok(Some(Some(v)))
}

/// V2 (a): every RFC 3161 timestamp must verify; a trusted time from each, one per authority.
#[inline(never)]
fn timestamp_stage(
    b: &Bundle<'_>,
    root: &TrustedRoot<'_>,
    signature: &[u8],
    at: &mut AtTime<'_, '_>,
    work: &mut [u8],
    out: &mut Progress,
) -> Result<(), Error> {
    for t in b.timestamps() {
        let ts = {
            let (token, ts_scratch) = take_decoded(&t, work)?;
            timestamp::verify_timestamp(token, signature, root, ts_scratch)?
        };
        if out.timestamp_authorities.insert(ts.authority_index) {
            let source = TimeSource::Timestamp(small_index(ts.authority_index));
            at.trusted(
                TrustedTime {
                    time: ts.time,
                    source,
                },
                root,
                work,
                out,
            )?;
        }
    }
    Ok(())
}

/// V7: the signature with the leaf's (or the managed) key, then for DSSE the Statement checks.
#[inline(never)]
#[allow(clippy::too_many_arguments)]
fn signature_stage(
    leaf: Option<&Certificate<'_>>,
    managed_spki: Option<&[u8]>,
    message: Option<&[u8]>,
    payload: Option<Payload<'_>>,
    signature: &[u8],
    options: &Options<'_>,
    work: &mut [u8],
    out: &mut Progress,
) -> Result<(), Error> {
    let key = match (leaf, managed_spki) {
        (Some(l), _) => l.public_key()?,
        (None, Some(spki)) => VerifyKey::from_spki_der(spki)?,
        (None, None) => return Err(Error::KeylessPolicyMismatch),
    };
    let ok = match (message, payload) {
        (Some(digest), _) => {
            key.verify_prehash(digest, signature, SigEncoding::Der)
                && !matches!(key.algorithm(), KeyAlgorithm::Ed25519)
        }
        (None, Some((payload_type, body))) => {
            verify_dsse(&key, payload_type, body, signature, work)?
        }
        (None, None) => false,
    };
    if !ok {
        return Err(Error::InvalidSignature);
    }
    // A message signature carries no Statement: a predicate type or builder id the caller
    // requires cannot be judged, so it is refused rather than ignored (fail closed).
    if payload.is_none() {
        if options.predicate_type.is_some() {
            return Err(Error::MissingPredicateType);
        }
        if options.builder_id.is_some() {
            return Err(Error::MissingBuilderId);
        }
    }
    if let Some((_, body)) = payload {
        let statement = Statement::parse(body)?;
        out.subject_index = statement.check(&Checks {
            predicate_type: options.predicate_type,
            builder_id: options.builder_id,
            artifact: Some(options.artifact),
        })?;
    }
    Ok(())
}

/// The DSSE signature over PAE(payloadType, payload): ECDSA DER over SHA-256 (P-256) or SHA-384
/// (P-384) of the PAE, hashed in pieces; Ed25519 over the PAE written into `scratch`.
fn verify_dsse(
    key: &VerifyKey,
    payload_type: &[u8],
    payload: &[u8],
    signature: &[u8],
    scratch: &mut [u8],
) -> Result<bool, Error> {
    Ok(match key.algorithm() {
        KeyAlgorithm::EcdsaP256 => {
            let mut h = Sha256::new();
            pae::stream(payload_type, payload, |c| h.update(c));
            key.verify_prehash(&h.finalize(), signature, SigEncoding::Der)
        }
        KeyAlgorithm::EcdsaP384 => {
            let mut h = Sha384::new();
            pae::stream(payload_type, payload, |c| h.update(c));
            key.verify_prehash(&h.finalize(), signature, SigEncoding::Der)
        }
        KeyAlgorithm::Ed25519 => {
            let n = pae::write_into(payload_type, payload, scratch)?;
            let pae = scratch.get(..n).ok_or(Error::BufferTooSmall)?;
            key.verify_message(HashAlgorithm::Sha256, pae, signature, SigEncoding::Der)
        }
    })
}
