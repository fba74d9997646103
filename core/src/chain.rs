//! Keyless check V3: the certificate path of a Fulcio leaf at one trusted time.
//!
//! Rules (RFC 5280 §6.1, reduced to what Sigstore chains need; see `docs/keyless.md`):
//!
//! * Intermediates and roots come **only** from the trusted root's `certificateAuthorities`
//!   (the caller passes the leaf alone; a chain carried in a bundle is never used). Each
//!   authority's `certChain` (leaf-most first, root last) is a candidate path above the leaf;
//!   only authorities whose `validFor` contains the time are candidates.
//! * The leaf must be signed by the first certificate of the chain, and each certificate of the
//!   chain by the next; the last one (the root) is the trust anchor and its own signature is not
//!   checked. Names chain byte for byte: a certificate's issuer Name equals its issuer's subject
//!   Name ([`Error::NameChainingMismatch`]).
//! * **Every** certificate of the path — the leaf, each intermediate and the root — is valid at the
//!   time, `notBefore ≤ t ≤ notAfter` ([`Error::CertNotValidAtTime`]); checking the leaf alone
//!   was cosign's CVE-2026-24122.
//! * Issuers have BasicConstraints with `cA` true ([`Error::IssuerNotCa`]); when they have
//!   KeyUsage, it includes keyCertSign ([`Error::IssuerKeyUsage`], RFC 5280 §4.2.1.3); a
//!   `pathLenConstraint` bounds the number of non-self-issued intermediates below the issuer
//!   ([`Error::PathLengthExceeded`], §4.2.1.9).
//! * No certificate of the path has a critical extension vouch does not process
//!   ([`Error::UnknownCriticalExtension`], §4.2).
//! * The leaf has KeyUsage with digitalSignature ([`Error::LeafKeyUsage`]), ExtendedKeyUsage with
//!   id-kp-codeSigning ([`Error::LeafExtendedKeyUsage`]) and is not a CA ([`Error::LeafIsCa`]).
//!
//! Which error, when no authority verifies: the first failing check of the first candidate
//! authority whose first certificate signed the leaf (the "issuer"); else, if an authority
//! outside its `validFor` signed it, [`Error::AuthorityOutsideValidity`]; else, if an authority
//! could not be used (an RSA key: [`Error::RsaUnsupported`]), that; otherwise
//! [`Error::UntrustedIssuer`].

use crate::Error;
use crate::pkix::{SigEncoding, VerifyKey};
use crate::trusted_root::{Authority, TrustedRoot};
use crate::x509::{Certificate, key_usage};
use sha2::{Digest, Sha256};

/// What a verified path tells the later checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VerifiedPath {
    /// Index (in `TrustedRoot::certificate_authorities()` order) of the CA whose chain verified.
    pub authority_index: usize,
    /// SHA-256 of the DER SubjectPublicKeyInfo of the leaf's issuer (input to the SCT check, V4).
    pub issuer_spki_sha256: [u8; 32],
}

/// Scratch bytes [`verify_leaf_path`] needs for this root (certificates of the root decoded into
/// it): room for two certificates, a child and its issuer.
pub fn path_scratch_len(root: &TrustedRoot<'_>) -> usize {
    2 * root.max_certificate_len()
}

/// Verifies leaf → intermediates → root, intermediates and roots ONLY from the trusted root's
/// `certificateAuthorities` whose `validFor` contains `at`; every certificate valid at `at`;
/// BasicConstraints CA + pathLen on issuers; name chaining by DER; unknown critical extensions
/// refused; leaf KeyUsage digitalSignature + EKU codeSigning; leaf not a CA.
///
/// `scratch` must hold [`path_scratch_len`] bytes ([`Error::BufferTooSmall`] otherwise).
pub fn verify_leaf_path(
    leaf: &Certificate<'_>,
    root: &TrustedRoot<'_>,
    at: i64,
    scratch: &mut [u8],
) -> Result<VerifiedPath, Error> {
    check_leaf(leaf)?;
    let need = path_scratch_len(root);
    if scratch.len() < need {
        return Err(Error::BufferTooSmall);
    }
    let mut outside_window_issuer = false;
    let mut unusable = None;
    let mut first_failure = None;
    for (index, auth) in root.certificate_authorities().enumerate() {
        let in_window = auth.valid_for.contains(at);
        let known = known_links(root.verified_links(), index);
        match verify_chain_from(leaf, &auth, at, scratch, in_window, known) {
            Ok(Candidate::Verified(issuer_spki_sha256)) => {
                return Ok(VerifiedPath {
                    authority_index: index,
                    issuer_spki_sha256,
                });
            }
            Ok(Candidate::NotIssuer) => {}
            Ok(Candidate::OutsideWindow) => outside_window_issuer = true,
            Ok(Candidate::Unusable(e)) => unusable = unusable.or(Some(e)),
            // The same CA may be listed twice (renewed windows): try the others first.
            Err(e) => first_failure = first_failure.or(Some(e)),
        }
    }
    if let Some(e) = first_failure {
        return Err(e);
    }
    Err(if outside_window_issuer {
        Error::AuthorityOutsideValidity
    } else {
        unusable.unwrap_or(Error::UntrustedIssuer)
    })
}

/// What one authority's chain says about a leaf.
enum Candidate {
    /// The whole path verified; SHA-256 of the issuer's SPKI.
    Verified([u8; 32]),
    /// The chain's first certificate did not sign the leaf.
    NotIssuer,
    /// It signed the leaf, but the authority's `validFor` does not contain the time.
    OutsideWindow,
    /// Its key or signature algorithm cannot be used by this build (an RSA root of a private
    /// instance: [`Error::RsaUnsupported`]); reported if no other authority verifies.
    Unusable(Error),
}

/// The leaf's own rules (independent of the issuer): KeyUsage, EKU, not a CA, no unknown
/// critical extension.
fn check_leaf(leaf: &Certificate<'_>) -> Result<(), Error> {
    if leaf.is_ca() {
        return Err(Error::LeafIsCa);
    }
    match leaf.key_usage() {
        Some((bits, _)) if bits & key_usage::DIGITAL_SIGNATURE != 0 => {}
        _ => return Err(Error::LeafKeyUsage),
    }
    if !leaf.has_code_signing_eku() {
        return Err(Error::LeafExtendedKeyUsage);
    }
    if leaf.unknown_critical_extensions().next().is_some() {
        return Err(Error::UnknownCriticalExtension);
    }
    Ok(())
}

/// Tries `auth`'s chain above `leaf` (see [`Candidate`]). An error: this authority issued the
/// leaf, and the path fails that check.
fn verify_chain_from(
    leaf: &Certificate<'_>,
    auth: &Authority<'_>,
    at: i64,
    scratch: &mut [u8],
    in_window: bool,
    known: u64,
) -> Result<Candidate, Error> {
    let half = scratch.len() / 2;
    let (a, b) = scratch.split_at_mut(half);
    let (issuer_spki_sha256, below) = match first_link(leaf, auth, at, a, in_window)? {
        Ok(first) => first,
        Err(candidate) => return Ok(candidate),
    };
    verify_chain_links(auth, 1, below, Span::at(at), a, b, known)?;
    Ok(Candidate::Verified(issuer_spki_sha256))
}

/// The first link of [`verify_chain_from`]: the leaf under `auth`'s first certificate (decoded
/// into `a`) and that issuer's rules; `Ok(Err(_))` when this authority is not the path, else the
/// SHA-256 of the issuer's SPKI and the non-self-issued CA certificates at and below it. Its own
/// frame: the parsed issuer is off the stack while the rest of the chain verifies
/// (docs/keyless.md "Footprint").
#[inline(never)]
fn first_link(
    leaf: &Certificate<'_>,
    auth: &Authority<'_>,
    at: i64,
    a: &mut [u8],
    in_window: bool,
) -> Result<Result<([u8; 32], usize), Candidate>, Error> {
    // The issuer reduced to what the link needs (as in `verify_chain_links`); the same checks in
    // the same order as `leaf.verify_issued_by(&issuer)` and then the issuer's rules.
    let issuer = link_parent(auth, 0, a, Span::at(at), 0)?;
    let key = match issuer.key {
        Ok(k) => k,
        Err(e) => return Ok(Err(Candidate::Unusable(e))),
    };
    let (digest, len) = match leaf.tbs_digest() {
        Ok(d) => d,
        Err(e) => return Ok(Err(Candidate::Unusable(e))),
    };
    // Not this authority unless its first certificate signed the leaf.
    if !key.verify_prehash(
        digest.get(..len).unwrap_or(&[]),
        leaf.signature(),
        SigEncoding::Der,
    ) {
        return Ok(Err(Candidate::NotIssuer));
    }
    if !in_window {
        return Ok(Err(Candidate::OutsideWindow));
    }
    if leaf.issuer() != issuer.subject {
        return Err(Error::NameChainingMismatch);
    }
    if !leaf.valid_at(at) {
        return Err(Error::CertNotValidAtTime);
    }
    let issuer_spki_sha256 = sha256(issuer.spki);
    issuer.rules?;
    Ok(Ok((issuer_spki_sha256, usize::from(!issuer.self_issued))))
}

/// SHA-256 of `data` (not inlined: the hash state stays off the stack under the chain's
/// signature checks; docs/keyless.md "Footprint").
#[inline(never)]
fn sha256(data: &[u8]) -> [u8; 32] {
    Sha256::digest(data).into()
}

/// Authorities and links per authority that [`link_signatures`] covers (4 bits an authority in a
/// `u64`).
const LINKS_PER_AUTHORITY: usize = 4;
const AUTHORITIES_COVERED: usize = 64 / LINKS_PER_AUTHORITY;

/// The bits of `verified` for authority `index` (bit `i - 1`: link `i`).
fn known_links(verified: u64, index: usize) -> u64 {
    if index >= AUTHORITIES_COVERED {
        return 0;
    }
    verified
        .checked_shr(u32::try_from(index * LINKS_PER_AUTHORITY).unwrap_or(u32::MAX))
        .unwrap_or(0)
        & ((1 << LINKS_PER_AUTHORITY) - 1)
}

/// [`TrustedRoot::precompute_chains`]: which links of the certificate authorities' chains have a
/// valid signature (bit `4·k + (i − 1)`: certificate `i − 1` of authority `k` is signed by its
/// certificate `i`). Zero when `scratch` cannot hold two certificates.
pub(crate) fn link_signatures(root: &TrustedRoot<'_>, scratch: &mut [u8]) -> u64 {
    if scratch.len() < path_scratch_len(root) {
        return 0;
    }
    let half = scratch.len() / 2;
    let (a, b) = scratch.split_at_mut(half);
    let mut verified = 0u64;
    for (k, auth) in root
        .certificate_authorities()
        .enumerate()
        .take(AUTHORITIES_COVERED)
    {
        let n = auth.chain_len().min(LINKS_PER_AUTHORITY + 1);
        for i in 1..n {
            if link_signature_ok(&auth, i, a, b) {
                let bit = u32::try_from(k * LINKS_PER_AUTHORITY + i - 1).unwrap_or(u32::MAX);
                verified |= 1u64.checked_shl(bit).unwrap_or(0);
            }
        }
    }
    verified
}

/// Whether certificate `i - 1` of `auth` is signed by certificate `i` (the signature check of
/// [`verify_chain_links`] on its own).
#[inline(never)]
fn link_signature_ok(auth: &Authority<'_>, i: usize, a: &mut [u8], b: &mut [u8]) -> bool {
    let Ok(child) = link_child(auth, i - 1, a) else {
        return false;
    };
    let Ok(parent) = auth.certificate(i, b) else {
        return false;
    };
    let (Ok(key), Ok((digest, len))) = (parent.public_key(), child.digest) else {
        return false;
    };
    key.verify_prehash(
        digest.get(..len).unwrap_or(&[]),
        child.signature,
        SigEncoding::Der,
    )
}

/// Verifies the links of `auth`'s chain from certificate `first` (issued by certificate
/// `first - 1`) to the root: each signed by the next, names chained, each issuer checked with
/// [`check_issuer`]; `below` = the non-self-issued CA certificates under certificate `first`.
/// `known` (bit `i - 1`: link `i`): links whose signature [`link_signatures`] already verified;
/// their signature is not checked again (every other check of the link is).
pub(crate) fn verify_chain_links(
    auth: &Authority<'_>,
    first: usize,
    mut intermediates_below: usize,
    at: Span,
    a: &mut [u8],
    b: &mut [u8],
    known: u64,
) -> Result<(), Error> {
    let n = auth.chain_len();
    for i in first..n {
        // The same checks, in the same order, as `child.verify_issued_by(&parent)`, name
        // chaining, then `check_issuer(&parent, ..)`; but neither parsed certificate is on the
        // stack while the signature is checked (stack peak on a microcontroller, docs/keyless.md
        // "Footprint"): each is reduced to what the link needs by its own function.
        let child = link_child(auth, i - 1, a)?;
        let parent = link_parent(auth, i, b, at, intermediates_below)?;
        let key = parent.key?;
        let (digest, len) = child.digest?;
        let checked = u32::try_from(i - 1)
            .ok()
            .and_then(|bit| known.checked_shr(bit))
            .is_some_and(|k| k & 1 == 1);
        if !checked
            && !key.verify_prehash(
                digest.get(..len).unwrap_or(&[]),
                child.signature,
                SigEncoding::Der,
            )
        {
            return Err(Error::CertSignatureInvalid);
        }
        if child.issuer != parent.subject {
            return Err(Error::NameChainingMismatch);
        }
        parent.rules?;
        if !parent.self_issued {
            intermediates_below += 1;
        }
    }
    Ok(())
}

/// What a chain link needs of the certificate below (see [`verify_chain_links`]).
struct LinkChild<'c> {
    /// Its TBS digest and length, or its signature algorithm's error.
    digest: Result<([u8; 64], usize), Error>,
    /// Its signature value.
    signature: &'c [u8],
    /// Its issuer Name.
    issuer: &'c [u8],
}

/// What a chain link needs of the certificate above (see [`verify_chain_links`]).
struct LinkParent<'c> {
    /// Its public key, or why it cannot be used.
    key: Result<VerifyKey, Error>,
    /// Its subject Name.
    subject: &'c [u8],
    /// Its SubjectPublicKeyInfo DER.
    spki: &'c [u8],
    /// [`check_issuer`]'s verdict on it.
    rules: Result<(), Error>,
    /// Whether it is self-issued.
    self_issued: bool,
}

/// Certificate `i` of `auth` (decoded into `buf`) as the lower end of a link.
#[inline(never)]
fn link_child<'c>(
    auth: &Authority<'_>,
    i: usize,
    buf: &'c mut [u8],
) -> Result<LinkChild<'c>, Error> {
    let cert = auth.certificate(i, buf)?;
    Ok(LinkChild {
        digest: cert.tbs_digest(),
        signature: cert.signature(),
        issuer: cert.issuer(),
    })
}

/// Certificate `i` of `auth` (decoded into `buf`) as the upper end of a link, its rules judged
/// at `at` with `intermediates_below`.
#[inline(never)]
fn link_parent<'c>(
    auth: &Authority<'_>,
    i: usize,
    buf: &'c mut [u8],
    at: Span,
    intermediates_below: usize,
) -> Result<LinkParent<'c>, Error> {
    let cert = auth.certificate(i, buf)?;
    Ok(LinkParent {
        key: cert.public_key(),
        subject: cert.subject(),
        spki: cert.spki(),
        rules: check_issuer(&cert, at, intermediates_below),
        self_issued: is_self_issued(&cert),
    })
}

/// Whether issuer and subject Names are the same (RFC 5280 §6.1: self-issued certificates do
/// not count towards path length).
fn is_self_issued(cert: &Certificate<'_>) -> bool {
    cert.issuer() == cert.subject()
}

/// A moment known to the second, or to within a second (`[lo, hi]`, `hi = lo + 1`, for an RFC
/// 3161 genTime with a fraction): a certificate or window must contain both ends.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Span {
    /// The second at or before the moment.
    pub lo: i64,
    /// The second at or after the moment.
    pub hi: i64,
}

impl Span {
    /// Exactly this second.
    pub(crate) fn at(t: i64) -> Span {
        Span { lo: t, hi: t }
    }

    /// Whether `cert` is valid over the whole span (closed validity).
    pub(crate) fn within(&self, cert: &Certificate<'_>) -> bool {
        cert.valid_at(self.lo) && cert.valid_at(self.hi)
    }
}

/// The rules for a certificate that issued another: valid at `at`, a CA, keyCertSign if it has
/// KeyUsage, its path length constraint not below `intermediates_below` (the non-self-issued CA
/// certificates between it and the leaf), no unknown critical extension.
pub(crate) fn check_issuer(
    cert: &Certificate<'_>,
    at: Span,
    intermediates_below: usize,
) -> Result<(), Error> {
    if !at.within(cert) {
        return Err(Error::CertNotValidAtTime);
    }
    let bc = cert.basic_constraints().ok_or(Error::IssuerNotCa)?;
    if !bc.ca {
        return Err(Error::IssuerNotCa);
    }
    if let Some((bits, _)) = cert.key_usage()
        && bits & key_usage::KEY_CERT_SIGN == 0
    {
        return Err(Error::IssuerKeyUsage);
    }
    if let Some(max) = bc.path_len
        && intermediates_below > max as usize
    {
        return Err(Error::PathLengthExceeded);
    }
    if cert.unknown_critical_extensions().next().is_some() {
        return Err(Error::UnknownCriticalExtension);
    }
    Ok(())
}
