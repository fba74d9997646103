//! Keyless check V5: the signer's identity and OIDC issuer, read from the Fulcio leaf certificate
//! and matched against the caller's policy.
//!
//! Rules (see `docs/keyless.md`; Fulcio `docs/oid-info.md`, RFC 5280 §4.2.1.6):
//!
//! * The identity is one of the leaf's SubjectAltName values of the forms Fulcio issues: a URI, an
//!   rfc822Name (email), or an otherName of type 1.3.6.1.4.1.57264.1.7 (a UTF8String username).
//!   Other forms (DNS names, IP addresses, other otherNames) are never identities. The otherName
//!   username is matched as the text it holds and only as that: it is never parsed or compared
//!   as an email, even when its text looks like one.
//! * [`Matcher::Exact`] is byte equality with one SAN value: a prefix, a suffix, a different case
//!   or a trailing slash more or less never matches (sigstore-js treated an exact string as an
//!   unanchored regular expression, so a prefix of the real identity matched).
//!   [`Matcher::Custom`] hands each value to the caller's predicate; regular expressions live in
//!   the host (search semantics, as cosign and sigstore-go: unanchored unless written `^…$`).
//! * The issuer is extension 1.3.6.1.4.1.57264.1.8 (a DER UTF8String) when present, else the
//!   deprecated 1.3.6.1.4.1.57264.1.1 (raw bytes, which must be UTF-8 to match anything). Trailing
//!   slashes count: `https://accounts.google.com` and `https://accounts.google.com/` differ.
//! * Both parts are required: there is no "any identity" policy. The identity is checked first
//!   ([`Error::IdentityMismatch`]), then the issuer ([`Error::MissingOidcIssuer`],
//!   [`Error::IssuerMismatch`]).

use crate::Error;
use crate::x509::{Certificate, GeneralName};

/// How one value is matched: exactly (byte-equal), or by a caller-supplied predicate (regular
/// expressions live in the host).
#[derive(Clone, Copy)]
pub enum Matcher<'p> {
    /// The value must equal this text byte for byte.
    Exact(&'p str),
    /// The value must satisfy this predicate.
    Custom(&'p dyn Fn(&str) -> bool),
}

impl Matcher<'_> {
    /// Whether `value` matches.
    pub fn matches(&self, value: &str) -> bool {
        match self {
            Matcher::Exact(expected) => value.as_bytes() == expected.as_bytes(),
            Matcher::Custom(f) => f(value),
        }
    }
}

impl core::fmt::Debug for Matcher<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Matcher::Exact(s) => f.debug_tuple("Exact").field(s).finish(),
            Matcher::Custom(_) => f.write_str("Custom(..)"),
        }
    }
}

/// Keyless identity policy: both parts are required.
#[derive(Clone, Copy, Debug)]
pub struct IdentityPolicy<'p> {
    /// Matches one SubjectAltName value of the leaf (URI, email or Fulcio username).
    pub identity: Matcher<'p>,
    /// Matches the OIDC issuer (Fulcio extension .1.8, else .1.1).
    pub issuer: Matcher<'p>,
}

/// The identity that matched.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MatchedIdentity<'a> {
    /// The SubjectAltName entry that matched (its form says whether it is a URI, an email or a
    /// Fulcio username).
    pub san: GeneralName<'a>,
    /// The OIDC issuer.
    pub issuer: &'a str,
}

/// The SubjectAltName values that can be an identity: URIs, emails and Fulcio usernames, in the
/// certificate's order (for callers that show or match them themselves).
pub fn identities<'a>(leaf: &Certificate<'a>) -> impl Iterator<Item = GeneralName<'a>> + use<'a> {
    leaf.subject_alt_names().filter(|n| {
        matches!(
            n,
            GeneralName::Uri(_) | GeneralName::Email(_) | GeneralName::FulcioUsername(_)
        )
    })
}

/// The leaf's OIDC issuer as text: Fulcio extension .1.8, else .1.1.
/// [`Error::MissingOidcIssuer`] without either; [`Error::IssuerMismatch`] if the deprecated
/// raw-bytes form is not UTF-8 (no text policy can match it).
pub fn oidc_issuer<'a>(leaf: &Certificate<'a>) -> Result<&'a str, Error> {
    let raw = leaf.fulcio_issuer().ok_or(Error::MissingOidcIssuer)?;
    core::str::from_utf8(raw).map_err(|_| Error::IssuerMismatch)
}

/// Checks the leaf's identity and issuer against `policy` (see the module documentation).
pub fn check_identity<'a>(
    leaf: &Certificate<'a>,
    policy: &IdentityPolicy<'_>,
) -> Result<MatchedIdentity<'a>, Error> {
    let san = identities(leaf)
        .find(|n| n.identity().is_some_and(|v| policy.identity.matches(v)))
        .ok_or(Error::IdentityMismatch)?;
    let issuer = oidc_issuer(leaf)?;
    if !policy.issuer.matches(issuer) {
        return Err(Error::IssuerMismatch);
    }
    Ok(MatchedIdentity { san, issuer })
}
