//! # vouch-cli: the host side of vouch, as a library
//!
//! What the `vouch` binary (and, next, a registry service) does, as code to call: no clap types,
//! no printing, no exit codes in these signatures.
//!
//! | module | what |
//! |---|---|
//! | [`error`] | the one error vocabulary: [`error::Code`] (every code, its string, exit class, description) and [`error::CliError`] |
//! | [`policy`] | policy files: load, validate, key windows and revocation |
//! | [`verify`] | the verification pipeline: envelope → signatures and threshold → statement checks → [`verify::Report`] |
//! | [`serve`] | the registry service (`vouch serve`): HTTP endpoints over the store, API keys, limits, metrics |
//! | [`store`] | the attestation store behind the [`store::Store`] trait ([`store::SqliteStore`], [`store::PgStore`]; [`store::open_store`] picks one from `--db`), and what a put records ([`store::prepare`]) |
//! | [`gate`] | the release gate: every manifest changed in git must have valid provenance ([`gate::gate`]) |
//! | [`statement`] | the in-toto Statement writer (SLSA v1 or the registry format) |
//! | [`keyless`] | Sigstore bundles: `vouch verify --bundle` (identity / issuer criteria, bundle files, reports) |
//! | [`keys`] | key files: generate, load, sign |
//! | [`report`] | every report: an error for humans, and the one JSON shape of every subcommand (`ok`, `error`, `sha256:` digests, the registry record) |
//! | [`util`], [`log`] | hashing files, bounded envelope reads, times, debug logging |
//!
//! The verification profile — what "valid" means, rule by rule, with sources — is
//! `docs/profile.md`.

#![forbid(unsafe_code)]

pub mod error;
pub mod gate;
pub mod keyless;
pub mod keys;
pub mod log;
pub mod policy;
pub mod report;
pub mod serve;
pub mod statement;
pub mod store;
pub mod util;
pub mod verify;
