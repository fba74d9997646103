//! Test support shared by the keyless tests: the real Sigstore cases (`cases`), a certificate
//! forge (`pki`: CA chains, Fulcio-like leaves, CT logs and SCTs, TSAs and RFC 3161 tokens,
//! trusted-root JSON).
#![allow(dead_code)]

pub mod cases;
pub mod pki;
pub mod rekor;
