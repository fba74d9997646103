//! Threshold verification of DSSE envelopes: a [`Verifier`] prepared once from trusted keys (which
//! it borrows), a threshold and the allowed payload types, then used for any number of envelopes.
//! The key decides the algorithm; keyids only order the attempts; the threshold counts distinct
//! keys (`docs/profile.md`, P-SIG-*, P-THR-*).

use crate::envelope::Envelope;
use crate::json::JsonStr;
use crate::key::{Body, PublicKey};
use crate::{Error, MAX_TRUSTED_KEYS, base64};

/// A trusted key together with the keyid hint that names it.
#[derive(Clone, Debug)]
pub struct TrustedKey<'a> {
    /// The key.
    pub key: PublicKey,
    /// The keyid an envelope may use for this key. It only orders the attempts: a matching keyid
    /// is tried first, and a wrong or absent keyid never stops a key that verifies.
    pub keyid: Option<&'a str>,
}

/// Which of a verifier's trusted keys verified, by index into the keys given to
/// [`Verifier::new`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KeySet(u32);

impl KeySet {
    /// Whether key `index` is in the set.
    pub fn contains(&self, index: usize) -> bool {
        index < 32 && self.0 & (1 << index) != 0
    }
    /// How many keys are in the set.
    pub fn count(&self) -> usize {
        self.0.count_ones() as usize
    }
    /// The bits of the set (bit `i` = key `i`).
    pub fn bits(&self) -> u32 {
        self.0
    }
    /// The indices in the set, ascending.
    pub fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        (0..32).filter(|i| self.contains(*i))
    }
    fn insert(&mut self, index: usize) {
        if index < 32 {
            self.0 |= 1 << index;
        }
    }
}

/// The outcome of a successful verification.
#[derive(Debug)]
pub struct Verified<'s, 'v> {
    /// The exact payload bytes that the signatures cover (decoded into the caller's scratch).
    pub payload: &'s [u8],
    /// The payload type, as the caller's allowed entry that it matched.
    pub payload_type: &'v str,
    /// The trusted keys that verified (distinct key material).
    pub keys: KeySet,
}

/// A verifier prepared once from trusted keys, a threshold and the allowed payload types, and
/// reused for any number of envelopes.
#[derive(Clone, Debug)]
pub struct Verifier<'v> {
    /// The caller's keys, borrowed: a verifier copies no key (on a microcontroller, 16 keys would
    /// be ~1.7 KiB of stack per verifier).
    keys: &'v [TrustedKey<'v>],
    /// Per-key P-256 keys prepared for the host backend (feature `fast`), by key index.
    #[cfg(feature = "fast")]
    tables: heapless::Vec<Option<SharedTable>, MAX_TRUSTED_KEYS>,
    threshold: usize,
    payload_types: &'v [&'v str],
}

impl<'v> Verifier<'v> {
    /// Prepares a verifier. Errors: [`Error::NoTrustedKeys`], [`Error::TooManyKeys`] (over
    /// [`MAX_TRUSTED_KEYS`]), [`Error::DuplicateTrustedKey`] (same key material twice, whatever
    /// the keyids), [`Error::InvalidThreshold`] (zero, or more than the keys).
    // Size lever (docs/embedded.md): a frame of its own, so that with LTO its locals do not add
    // to the caller's frame (the stack peak is a sum of frames, not a max).
    #[inline(never)]
    pub fn new(
        keys: &'v [TrustedKey<'v>],
        threshold: usize,
        payload_types: &'v [&'v str],
    ) -> Result<Self, Error> {
        if keys.is_empty() {
            return Err(Error::NoTrustedKeys);
        }
        if keys.len() > MAX_TRUSTED_KEYS {
            return Err(Error::TooManyKeys);
        }
        for (i, k) in keys.iter().enumerate() {
            if keys.iter().take(i).any(|e| e.key == k.key) {
                return Err(Error::DuplicateTrustedKey);
            }
        }
        if threshold == 0 || threshold > keys.len() {
            return Err(Error::InvalidThreshold);
        }
        Ok(Verifier {
            #[cfg(feature = "fast")]
            tables: heapless::Vec::new(),
            keys,
            threshold,
            payload_types,
        })
    }

    /// Prepares each trusted P-256 key for the host backend once (feature `fast`, host only), so
    /// that verifications do not parse the point again: worth it for a verifier that checks
    /// more than one envelope; results are identical with or without it. This call allocates;
    /// [`Verifier::new`] and [`Verifier::verify`] never use Rust's heap (with `fast`, AWS-LC
    /// allocates its own structures on the C heap during an ECDSA verification).
    #[cfg(feature = "fast")]
    pub fn precompute(mut self) -> Self {
        self.tables = self
            .keys
            .iter()
            // A key already prepared with its own parse (`PublicKey::prepared`) needs no other.
            .map(|k| match k.key.prepared_table() {
                Some(_) => None,
                None => k.key.p256_table().map(SharedTable::new),
            })
            .collect();
        self
    }

    /// The trusted keys, in the order given.
    pub fn keys(&self) -> &[TrustedKey<'v>] {
        self.keys
    }

    /// The threshold.
    pub fn threshold(&self) -> usize {
        self.threshold
    }

    /// Verifies an envelope given as JSON bytes; decodes its payload into `scratch` (which must
    /// hold at least the decoded payload, see [`Envelope::payload_len`]).
    pub fn verify<'s>(
        &self,
        envelope: &[u8],
        scratch: &'s mut [u8],
    ) -> Result<Verified<'s, 'v>, Error> {
        let env = Envelope::parse_inner(envelope, false)?;
        self.verify_inner(&env, scratch, false)
    }

    /// Verifies an envelope that [`Envelope::parse`] already accepted.
    ///
    /// The payloadType must be allowed; then each signature is tried against the trusted keys not
    /// yet counted (a key whose keyid matches first). A signature that verifies under no key is
    /// skipped. Verification stops as soon as `threshold` distinct keys have verified.
    // Size lever (docs/embedded.md): a frame of its own, so that with LTO its locals do not add
    // to the caller's frame (the stack peak is a sum of frames, not a max).
    #[inline(never)]
    pub fn verify_parsed<'s>(
        &self,
        env: &Envelope<'_>,
        scratch: &'s mut [u8],
    ) -> Result<Verified<'s, 'v>, Error> {
        self.verify_inner(env, scratch, true)
    }

    /// Verifies an envelope that [`Envelope::parse`] already accepted without decoding its payload
    /// into memory: the payload is decoded piece by piece while it is hashed (once for all P-256
    /// keys, once per Ed25519 attempt), so a caller needs no buffer the size of the payload. Same
    /// checks, order and errors as [`Verifier::verify_parsed`]; use it when the payload bytes
    /// themselves are not needed afterwards (or will be decoded in place, see
    /// [`base64::decode_in_place`]).
    pub fn verify_parsed_streaming(
        &self,
        env: &Envelope<'_>,
    ) -> Result<VerifiedSignatures<'v>, Error> {
        let payload_type = self.allowed_type(env, true)?;
        let body = Encoded::new(env.payload)?;
        let mut prehash = None;
        let keys = self.check_signatures(env, payload_type, &body, &mut prehash)?;
        Ok(VerifiedSignatures { payload_type, keys })
    }

    /// Which trusted keys signed the envelope, without a verdict: like
    /// [`Verifier::verify_parsed_streaming`] (same parsing, payload type and base64 errors), but
    /// every signature is tried against every key not yet found, whatever the threshold, and an
    /// envelope that no trusted key signed gives an empty set, not an error. For callers that
    /// decide themselves which signers count (key windows, revocation): the host's policy step.
    pub fn signers_streaming(&self, env: &Envelope<'_>) -> Result<VerifiedSignatures<'v>, Error> {
        let payload_type = self.allowed_type(env, true)?;
        let body = Encoded::new(env.payload)?;
        let mut prehash = None;
        let keys = self.find_signers(env, payload_type, &body, &mut prehash, usize::MAX)?;
        Ok(VerifiedSignatures { payload_type, keys })
    }

    /// The body of [`Verifier::verify_parsed`]; `payload_checked` tells whether the payload's
    /// base64 was already validated (if not, an invalid payload must still be reported as
    /// [`Error::InvalidBase64`] before [`Error::PayloadTypeNotAllowed`], as `parse` would have).
    // A frame of its own (stack lever, docs/embedded.md).
    #[inline(never)]
    fn verify_inner<'s>(
        &self,
        env: &Envelope<'_>,
        scratch: &'s mut [u8],
        payload_checked: bool,
    ) -> Result<Verified<'s, 'v>, Error> {
        let payload_type = self.allowed_type(env, payload_checked)?;
        let (n, mut prehash) = self.decode_payload(env, payload_type, scratch)?;
        let payload: &'s [u8] = scratch.get(..n).ok_or(Error::BufferTooSmall)?;
        let keys = self.check_signatures(env, payload_type, payload, &mut prehash)?;
        Ok(Verified {
            payload,
            payload_type,
            keys,
        })
    }

    /// The allowed payload type the envelope names, or [`Error::PayloadTypeNotAllowed`].
    fn allowed_type(&self, env: &Envelope<'_>, payload_checked: bool) -> Result<&'v str, Error> {
        match self
            .payload_types
            .iter()
            .copied()
            .find(|t| env.payload_type.eq_str(t))
        {
            Some(t) => Ok(t),
            None => {
                if !payload_checked {
                    base64::validate_json_str(&env.payload)?;
                }
                Err(Error::PayloadTypeNotAllowed)
            }
        }
    }

    /// Tries each signature against the trusted keys not yet counted (a key whose keyid matches
    /// first) until `threshold` distinct keys have verified: the threshold verdict.
    fn check_signatures<B: Body + ?Sized>(
        &self,
        env: &Envelope<'_>,
        payload_type: &str,
        payload: &B,
        prehash: &mut Option<[u8; 32]>,
    ) -> Result<KeySet, Error> {
        let verified = self.find_signers(env, payload_type, payload, prehash, self.threshold)?;
        match verified.count() {
            0 => Err(Error::InvalidSignature),
            c if c < self.threshold => Err(Error::ThresholdNotMet),
            _ => Ok(verified),
        }
    }

    /// The distinct trusted keys that signed, trying each signature against the keys not yet
    /// found (a key whose keyid matches first), until `enough` keys are found. Errors only for an
    /// undecodable signature; a signature that verifies under no key is skipped.
    fn find_signers<B: Body + ?Sized>(
        &self,
        env: &Envelope<'_>,
        payload_type: &str,
        payload: &B,
        prehash: &mut Option<[u8; 32]>,
        enough: usize,
    ) -> Result<KeySet, Error> {
        let mut verified = KeySet::default();
        let mut sig_buf = [0u8; MAX_SIG_LEN];
        for entry in &env.signatures {
            if verified.count() >= enough {
                break;
            }
            // Longer signatures belong to algorithms vouch does not verify: skip them.
            let sig = match base64::decode_json_str(&entry.sig, &mut sig_buf) {
                Ok(len) => sig_buf.get(..len).unwrap_or(&[]),
                Err(Error::BufferTooSmall) => continue,
                Err(e) => return Err(e),
            };
            // Keys whose keyid matches the hint first, then the rest.
            for pass in [true, false] {
                let mut hit = None;
                for (i, k) in self.keys.iter().enumerate() {
                    if verified.contains(i) {
                        continue;
                    }
                    let hinted = match (entry.keyid, k.keyid) {
                        (Some(h), Some(id)) => h.eq_str(id),
                        _ => false,
                    };
                    if hinted != pass {
                        continue;
                    }
                    if k.key.verify_pae_with(
                        payload_type.as_bytes(),
                        payload,
                        sig,
                        prehash,
                        self.table(i),
                    )? {
                        hit = Some(i);
                        break;
                    }
                }
                if let Some(i) = hit {
                    verified.insert(i);
                    break;
                }
            }
        }
        Ok(verified)
    }
}

/// What [`Verifier::verify_parsed_streaming`] establishes: the payload type and the keys that
/// verified (the payload stays encoded in the envelope).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VerifiedSignatures<'v> {
    /// The (allowed) payload type.
    pub payload_type: &'v str,
    /// The trusted keys that verified (distinct key material).
    pub keys: KeySet,
}

/// A payload still in base64, decoded piece by piece each time it is read.
struct Encoded<'a> {
    text: JsonStr<'a>,
    len: usize,
}

impl<'a> Encoded<'a> {
    fn new(text: JsonStr<'a>) -> Result<Self, Error> {
        // Without escapes the decoded length follows from the text (if the text is invalid the
        // stream itself fails); with escapes, one validating pass gives it.
        let len = if text.has_escapes() {
            base64::validate_json_str(&text)?
        } else {
            base64::decoded_len_if_valid(text.raw())
        };
        Ok(Encoded { text, len })
    }
}

impl Body for Encoded<'_> {
    fn len(&self) -> usize {
        self.len
    }
    fn stream(&self, sink: &mut dyn FnMut(&[u8])) -> Result<(), Error> {
        let n = base64::stream_json_str(&self.text, |c| sink(c))?;
        if n == self.len {
            Ok(())
        } else {
            Err(Error::InvalidBase64)
        }
    }
}

#[cfg(feature = "fast")]
extern crate alloc;
#[cfg(feature = "fast")]
type SharedTable = alloc::sync::Arc<crate::key::Table>;

impl Verifier<'_> {
    /// The precomputed table of key `i`, if any.
    fn table(&self, i: usize) -> Option<&crate::key::Table> {
        #[cfg(feature = "fast")]
        return self
            .tables
            .get(i)
            .and_then(|t| t.as_deref())
            .or_else(|| self.keys.get(i).and_then(|k| k.key.prepared_table()));
        #[cfg(not(feature = "fast"))]
        {
            let _ = i;
            None
        }
    }

    /// Decodes the payload into `scratch`; when a trusted key is ECDSA P-256, also computes
    /// SHA-256 of the PAE in the same pass (each decoded block is hashed while still in cache),
    /// so the payload is traversed once. Returns the decoded length and the prehash, if computed.
    fn decode_payload(
        &self,
        env: &Envelope<'_>,
        payload_type: &str,
        scratch: &mut [u8],
    ) -> Result<(usize, Option<[u8; 32]>), Error> {
        #[cfg(all(feature = "p256", feature = "fast-decode"))]
        if self
            .keys
            .iter()
            .any(|k| k.key.algorithm() == crate::Algorithm::EcdsaP256Sha256)
        {
            use sha2::{Digest, Sha256};
            // Without escapes the decoded length is known from the text; PAE needs it first.
            let raw = env.payload.raw();
            // Large payloads: decode on a second core while this one hashes.
            #[cfg(feature = "parallel")]
            if raw.len() >= crate::parallel::MIN_TEXT
                && let Some((n, d)) =
                    crate::parallel::decode_and_hash(payload_type.as_bytes(), raw, scratch)
            {
                return Ok((n, Some(d)));
            }
            let len = base64::decoded_len_if_valid(raw);
            let mut h = Sha256::new();
            crate::pae::stream_header(payload_type.as_bytes(), len, |c| h.update(c));
            if let Some(n) = base64::decode_fast(raw, scratch, |c| h.update(c)) {
                return Ok((n, Some(h.finalize().into())));
            }
        }
        let _ = payload_type;
        Ok((base64::decode_json_str(&env.payload, scratch)?, None))
    }
}

/// The longest signature vouch verifies (a DER ECDSA P-256 signature is at most 72 bytes).
const MAX_SIG_LEN: usize = 72;
