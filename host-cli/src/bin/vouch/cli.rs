//! Every command-line type of `vouch` (clap), in one place; the subcommands' work is in
//! `commands/`, the logic they call in the `vouch_cli` library.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use vouch_cli::keys::KeygenAlgorithm;
use vouch_cli::statement::{Material, StatementFormat, parse_material};

/// `--algorithm` of `vouch keygen`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum AlgorithmArg {
    /// Ed25519.
    Ed25519,
    /// ECDSA P-256 with SHA-256.
    EcdsaP256,
}

impl From<AlgorithmArg> for KeygenAlgorithm {
    fn from(a: AlgorithmArg) -> Self {
        match a {
            AlgorithmArg::Ed25519 => KeygenAlgorithm::Ed25519,
            AlgorithmArg::EcdsaP256 => KeygenAlgorithm::EcdsaP256,
        }
    }
}

/// `--statement-format` of `vouch statement`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum StatementFormatArg {
    /// An in-toto Statement v1 with SLSA provenance.
    Slsa,
    /// The registry's minimal provenance format.
    Registry,
}

impl From<StatementFormatArg> for StatementFormat {
    fn from(a: StatementFormatArg) -> Self {
        match a {
            StatementFormatArg::Slsa => StatementFormat::Slsa,
            StatementFormatArg::Registry => StatementFormat::Registry,
        }
    }
}
use vouch_cli::util::parse_size;

/// Verify, sign and gate on DSSE / in-toto attestations, fully offline.
#[derive(Parser, Debug)]
#[command(
    name = "vouch",
    version,
    about,
    after_help = concat!(
        "Example:\n  vouch verify examples/hello/envelope.json --policy examples/hello/policy.json \\\n",
        "      --artifact examples/hello/hello.txt\n\n",
        "Exit codes: 0 verified / done; 1 not verified; 2 usage or environment error."
    )
)]
pub struct Cli {
    /// Output format.
    #[arg(long, global = true, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Human,
    Json,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Generate a key pair: PREFIX.key (PKCS#8 PEM, mode 0600) and PREFIX.pub (SPKI PEM).
    #[command(after_help = "Example:\n  vouch keygen --algorithm ecdsa-p256 --out release")]
    Keygen(KeygenArgs),
    /// Sign a payload into a DSSE envelope (several --key make a multi-signature envelope).
    #[command(
        after_help = "Example:\n  vouch sign --key release.key --keyid release statement.json --out envelope.json"
    )]
    Sign(SignArgs),
    /// Write an in-toto Statement (SLSA provenance v1, or the registry format) for files.
    #[command(
        after_help = "Example:\n  vouch statement --subject app.tar.gz --builder-id https://ci.example.com/builder \\\n      --commit 1a2b3c4d --material git+https://example.com/app@sha1:1a2b3c4d"
    )]
    Statement(StatementArgs),
    /// Verify an envelope against keys and/or a policy, and its statement against artifacts.
    #[command(after_help = concat!(
        "Example:\n  vouch verify envelope.json --policy policy.json --artifact app.tar.gz --format json\n",
        "  vouch verify --bundle app.sigstore.json --trusted-root trusted_root.json \\\n",
        "      --certificate-identity https://github.com/org/app/.github/workflows/release.yml@refs/tags/v1.0.0 \\\n",
        "      --certificate-oidc-issuer https://token.actions.githubusercontent.com --artifact app.tar.gz\n\n",
        "Exit codes: 0 verified; 1 not verified (signature, policy or statement failure, malformed envelope);\n",
        "2 usage or environment error (missing file, malformed key or policy file, bad flags)."
    ))]
    Verify(VerifyArgs),
    /// Policy file tools.
    #[command(subcommand)]
    Policy(PolicyCommand),
    /// The attestation store: record verified provenance per manifest URN and digest.
    #[command(subcommand)]
    Store(StoreCommand),
    /// Release gate: every manifest changed in git must have valid provenance in the store.
    #[command(after_help = concat!(
        "Example:\n  vouch attest-verify --db store.db --policy policy.json --since origin/main \\\n",
        "      --manifests 'manifests/**/*.json' --output report.json\n\n",
        "Judges the content committed at --rev (default HEAD), read from git: never the working\n",
        "tree. Paths changed between --since (default: the parent of --rev) and --rev are checked.\n",
        "A manifest's URN is its top-level \"urn\" (JSON), else urn:vouch:path:<repo-relative path>.\n",
        "Paths absent at --rev are deleted (skipped). BLOCKED, never skipped: a changed path that\n",
        "is not a regular file (symbolic link, submodule, directory: not-a-regular-file) or not\n",
        "UTF-8 (non-utf8-path, shown as \\xNN), and a JSON manifest whose urn cannot be trusted\n",
        "(invalid-manifest-urn, duplicate-manifest-urn, manifest-too-deep, manifest-too-large,\n",
        "unsupported-manifest-json). --output may not be the store or the policy.\n",
        "-v or VOUCH_LOG=debug shows each step on stderr.\n\n",
        "Exit codes: 0 every changed manifest has valid provenance; 1 some are missing, invalid or\n",
        "blocked; 2 fatal (no git repository, bad ref, git failure, unreadable store, bad policy,\n",
        "bad flags)."
    ))]
    AttestVerify(AttestVerifyArgs),
    /// The registry service: provenance per manifest URN over HTTP, verified before it is stored.
    #[command(
        subcommand_negates_reqs = true,
        args_conflicts_with_subcommands = true,
        after_help = concat!(
            "Example:\n  vouch serve --db registry.db --policy policy.json --listen 127.0.0.1:8080\n",
            "  vouch serve api-key add --db registry.db --name ci --scope provenance:write\n\n",
            "Logs `listening on http://ADDR` (https with --tls-cert/--tls-key) to stderr once it accepts\n",
            "connections; a non-loopback --listen needs TLS or --insecure-plaintext. SIGTERM or SIGINT\n",
            "stops it gracefully (exit 0). Endpoints, status codes and auth: docs/serve.md."
        )
    )]
    Serve(ServeArgs),
}

/// `vouch serve` arguments (the service), or a key-management subcommand.
#[derive(Args, Debug)]
pub struct ServeArgs {
    #[command(subcommand)]
    pub command: Option<ServeCommand>,
    /// The store (SQLite; created on first use).
    #[arg(long, required = true)]
    pub db: Option<PathBuf>,
    /// The policy every PUT is verified against (its mode: enforce or permissive).
    #[arg(long, required = true)]
    pub policy: Option<PathBuf>,
    /// The address to listen on (HOST:PORT; port 0 picks a free port).
    #[arg(long, required = true)]
    pub listen: Option<std::net::SocketAddr>,
    /// Reads (GET) need no API key.
    #[arg(long)]
    pub public_read: bool,
    /// Allow plain HTTP on a non-loopback address (behind a TLS-terminating proxy).
    #[arg(long)]
    pub insecure_plaintext: bool,
    /// Serve HTTPS with this certificate chain (PEM; with --tls-key).
    #[arg(long, requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// The TLS private key (PEM: PKCS#8, SEC1 or PKCS#1; with --tls-cert).
    #[arg(long, requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Largest request body (bytes, or with a K/M/G suffix).
    #[arg(long, value_parser = parse_size, default_value = "1M")]
    pub max_body: u64,
    /// Seconds a client may take to send a request's headers.
    #[arg(long, default_value_t = 10)]
    pub header_timeout: u64,
    /// Seconds a whole request may take.
    #[arg(long, default_value_t = 30)]
    pub request_timeout: u64,
    /// Verification and store jobs running at once [default: 8 on SQLite, 32 on PostgreSQL].
    #[arg(long)]
    pub max_jobs: Option<usize>,
    /// Jobs waiting for a slot before the service answers 503 overloaded.
    #[arg(long, default_value_t = vouch_cli::serve::DEFAULT_QUEUE)]
    pub queue: usize,
    /// Milliseconds a job may wait for a slot before the service answers 503 overloaded.
    #[arg(long, default_value_t = vouch_cli::serve::DEFAULT_QUEUE_WAIT.as_millis() as u64)]
    pub queue_wait_ms: u64,
    /// Seconds shutdown waits for requests in flight.
    #[arg(long, default_value_t = 10)]
    pub shutdown_grace: u64,
    /// Requests per second each API key may send (as many at once); 0: no limit.
    #[arg(long, default_value_t = 0)]
    pub rate_limit: u32,
    /// Refused authentications per second each client address may cause (as many at once) before
    /// further refusals are answered 429 without an audit row each; 0: no limit.
    #[arg(long, default_value_t = vouch_cli::serve::DEFAULT_REFUSAL_LIMIT)]
    pub refusal_limit: u32,
}

#[derive(Subcommand, Debug)]
pub enum ServeCommand {
    /// API keys of the service, kept in its store.
    #[command(subcommand)]
    ApiKey(ApiKeyCommand),
}

#[derive(Subcommand, Debug)]
pub enum ApiKeyCommand {
    /// Make a key; it is printed once (only its hash is stored).
    #[command(
        after_help = "Example:\n  vouch serve api-key add --db registry.db --name ci --scope provenance:write \\\n      --scope provenance:read --urn-prefix urn:example:"
    )]
    Add {
        /// The store.
        #[arg(long)]
        db: PathBuf,
        /// A name for people.
        #[arg(long)]
        name: String,
        /// provenance:write, provenance:read, provenance:replace or admin (repeatable).
        #[arg(long = "scope", required = true)]
        scopes: Vec<String>,
        /// Only URNs starting with this (repeatable; none: any URN).
        #[arg(long = "urn-prefix")]
        urn_prefixes: Vec<String>,
        /// When the key stops working (RFC 3339).
        #[arg(long)]
        expires: Option<String>,
    },
    /// List the keys (never their secrets).
    List {
        /// The store.
        #[arg(long)]
        db: PathBuf,
    },
    /// Revoke a key: it stops working at once.
    Revoke {
        /// The store.
        #[arg(long)]
        db: PathBuf,
        /// The key id (the 12 characters after `vouch_`).
        key_id: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum PolicyCommand {
    /// Validate a policy file and list its keys, fingerprints, windows and status.
    #[command(after_help = "Example:\n  vouch policy check policy.json --at 2026-01-01T00:00:00Z")]
    Check {
        /// The policy file.
        file: PathBuf,
        /// Report key status at this time (RFC 3339) instead of now.
        #[arg(long)]
        at: Option<String>,
    },
}

#[derive(Args, Debug)]
pub struct KeygenArgs {
    /// Key algorithm.
    #[arg(long, value_enum)]
    pub algorithm: AlgorithmArg,
    /// Output prefix: writes PREFIX.key and PREFIX.pub.
    #[arg(long)]
    pub out: PathBuf,
    /// Overwrite existing files.
    #[arg(long)]
    pub force: bool,
}

#[derive(Args, Debug)]
pub struct SignArgs {
    /// Private key file (PKCS#8 PEM or DER); repeat for more signatures.
    #[arg(long = "key", required = true)]
    pub keys: Vec<PathBuf>,
    /// keyid to record, one per --key in order (default: none).
    #[arg(long = "keyid")]
    pub keyids: Vec<String>,
    /// The payloadType.
    #[arg(long, default_value = vouch_cli::verify::IN_TOTO)]
    pub payload_type: String,
    /// Write the envelope here instead of stdout.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// The payload file, or - for stdin.
    pub payload: PathBuf,
}

#[derive(Args, Debug)]
pub struct StatementArgs {
    /// A file to name as a subject (repeatable).
    #[arg(long = "subject", required = true)]
    pub subjects: Vec<PathBuf>,
    /// The builder id.
    #[arg(long)]
    pub builder_id: String,
    /// The predicateType (SLSA format).
    #[arg(long, default_value = vouch_core::statement::SLSA_PROVENANCE_V1)]
    pub predicate_type: String,
    /// The source commit.
    #[arg(long)]
    pub commit: Option<String>,
    /// A material: URI or URI@ALG:HEX (repeatable).
    #[arg(long = "material", value_parser = parse_material)]
    pub materials: Vec<Material>,
    /// Also record sha512 digests.
    #[arg(long)]
    pub sha512: bool,
    /// Statement format.
    #[arg(long = "statement-format", value_enum, default_value_t = StatementFormatArg::Slsa)]
    pub statement_format: StatementFormatArg,
    /// buildType to record.
    #[arg(long, default_value = "https://vouch.dev/build/generic/v1")]
    pub build_type: String,
    /// Timestamp to record (RFC 3339; default now).
    #[arg(long)]
    pub timestamp: Option<String>,
    /// Write here instead of stdout.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct VerifyArgs {
    /// The envelope file, or - for stdin. Several envelopes are verified in parallel over the
    /// cores, each against the same keys, policy and artifacts.
    #[arg(required_unless_present = "bundle", num_args = 1..)]
    pub envelopes: Vec<PathBuf>,
    /// A Sigstore bundle to verify instead of envelopes (cosign's flags): one bundle, a JSON Lines
    /// file of bundles (`gh attestation download`) or an npm attestations document.
    #[arg(long, conflicts_with = "envelopes")]
    pub bundle: Option<PathBuf>,
    /// The Sigstore trusted root (trusted_root.json) the bundle is verified against, offline.
    #[arg(long, requires = "bundle")]
    pub trusted_root: Option<PathBuf>,
    /// The signer's identity (a SubjectAltName of the certificate), exactly.
    #[arg(
        long,
        requires = "bundle",
        conflicts_with = "certificate_identity_regexp"
    )]
    pub certificate_identity: Option<String>,
    /// The signer's identity as a regexp (RE2 syntax; matches anywhere unless anchored with ^...$).
    #[arg(long, requires = "bundle")]
    pub certificate_identity_regexp: Option<String>,
    /// The OIDC issuer of the signer's certificate, exactly.
    #[arg(
        long,
        requires = "bundle",
        conflicts_with = "certificate_oidc_issuer_regexp"
    )]
    pub certificate_oidc_issuer: Option<String>,
    /// The OIDC issuer as a regexp (RE2 syntax; matches anywhere unless anchored with ^...$).
    #[arg(long, requires = "bundle")]
    pub certificate_oidc_issuer_regexp: Option<String>,
    /// The artifact's digest instead of the file: sha256:HEX or sha512:HEX (with --bundle).
    #[arg(long, requires = "bundle", conflicts_with = "artifacts")]
    pub artifact_digest: Option<String>,
    /// A trusted public key file (SPKI PEM/DER, raw Ed25519, SEC1 P-256); repeatable.
    #[arg(long = "key")]
    pub keys: Vec<PathBuf>,
    /// A policy file.
    #[arg(long)]
    pub policy: Option<PathBuf>,
    /// Distinct trusted keys required (default: the policy's, else 1).
    #[arg(long)]
    pub threshold: Option<usize>,
    /// An artifact that must match a subject of the statement; repeatable.
    #[arg(long = "artifact")]
    pub artifacts: Vec<PathBuf>,
    /// Allowed payloadType; repeatable; replaces the in-toto default.
    #[arg(long = "payload-type")]
    pub payload_types: Vec<String>,
    /// Required predicateType.
    #[arg(long)]
    pub predicate_type: Option<String>,
    /// Required builder id.
    #[arg(long)]
    pub builder_id: Option<String>,
    /// Check only the DSSE layer (signatures, threshold, payloadType).
    #[arg(long, conflicts_with_all = ["artifacts", "predicate_type", "builder_id"])]
    pub envelope_only: bool,
    /// Verify as of this later time (RFC 3339) instead of now; a time before now is refused.
    #[arg(long)]
    pub at: Option<String>,
    /// Refuse envelopes larger than this (bytes, or with a K/M/G suffix): envelope-too-large.
    #[arg(long, value_parser = parse_size, default_value = "256M")]
    pub max_envelope_size: u64,
}

#[derive(Args, Debug)]
pub struct AttestVerifyArgs {
    /// The attestation store.
    #[arg(long)]
    pub db: PathBuf,
    /// The policy the recorded envelopes must still satisfy.
    #[arg(long)]
    pub policy: PathBuf,
    /// The revision being released: the gate judges the content committed there, never the
    /// working tree (must name a commit).
    #[arg(long, default_value = "HEAD")]
    pub rev: String,
    /// Check paths changed since this git revision (default: the parent of --rev; when --rev has
    /// none, every file).
    #[arg(long)]
    pub since: Option<String>,
    /// Glob of manifest paths, relative to the repository root (repeatable; `*` stays within a
    /// directory, `**` crosses them). Default: every changed file.
    #[arg(long = "manifests")]
    pub manifests: Vec<String>,
    /// Write the JSON report here (never the store or the policy).
    #[arg(long)]
    pub output: Option<PathBuf>,
    /// Verify as of this later time (RFC 3339) instead of now; a time before now is refused.
    #[arg(long)]
    pub at: Option<String>,
    /// Show each step on stderr (also VOUCH_LOG=debug).
    #[arg(short, long)]
    pub verbose: bool,
}

/// `vouch store ...` subcommands.
#[derive(Subcommand, Debug)]
pub enum StoreCommand {
    /// Verify an envelope against a policy and an artifact, then record it.
    #[command(after_help = concat!(
        "Example:\n  vouch store put --db store.db --urn urn:example:app --artifact manifest.json \\\n",
        "      --envelope manifest.dsse.json --policy policy.json\n\n",
        "The policy's mode decides: enforce refuses a missing envelope (missing_provenance) or an\n",
        "invalid one (invalid_provenance, with the reason code) and writes nothing; permissive\n",
        "stores it and reports each problem as a warning.\n\n",
        "Exit codes: 0 stored; 1 refused; 2 usage or environment error."
    ))]
    Put(PutArgs),
    /// Show the latest record for a URN.
    #[command(after_help = concat!(
        "Example:\n  vouch store get --db store.db --urn urn:example:app --format json\n\n",
        "Exit codes: 0 found; 1 no record for the URN; 2 usage or environment error."
    ))]
    Get(QueryArgs),
    /// Show every record for a URN, newest first.
    #[command(after_help = concat!(
        "Example:\n  vouch store history --db store.db --urn urn:example:app\n\n",
        "Exit codes: 0 found; 1 no record for the URN; 2 usage or environment error."
    ))]
    History(QueryArgs),
    /// Copy an SQLite store into an empty PostgreSQL store, in order.
    #[command(after_help = concat!(
        "Example:\n  vouch store migrate --from store.db --to postgres://vouch@db.example/registry\n\n",
        "Copies every record (keeping its sequence number, so history order is unchanged), API key\n",
        "and audit row in one transaction, then checks that the target holds as many of each.\n",
        "A target that holds anything is refused (target-not-empty) and left as it was.\n\n",
        "Exit codes: 0 copied; 2 usage or environment error (nothing copied)."
    ))]
    Migrate(MigrateArgs),
    /// Put many envelopes from a list (benchmarks, backfills).
    #[command(hide = true)]
    PutBulk(BulkArgs),
}

/// `vouch store migrate` arguments.
#[derive(Args, Debug)]
pub struct MigrateArgs {
    /// The SQLite store to copy (read only).
    #[arg(long)]
    pub from: PathBuf,
    /// The PostgreSQL store to copy into (a postgres:// URL or a key=value string); must be empty.
    #[arg(long)]
    pub to: PathBuf,
}

/// `vouch store put` arguments.
#[derive(Args, Debug)]
pub struct PutArgs {
    /// The store (created on first use).
    #[arg(long)]
    pub db: PathBuf,
    /// The manifest's URN.
    #[arg(long)]
    pub urn: String,
    /// The manifest / artifact the provenance covers.
    #[arg(long)]
    pub artifact: PathBuf,
    /// Its provenance: a DSSE envelope, or a Sigstore bundle (verified against the policy's
    /// keyless issuers and trustedRoot).
    #[arg(long)]
    pub envelope: Option<PathBuf>,
    /// The policy (its `mode` decides what happens to missing or invalid provenance).
    #[arg(long)]
    pub policy: PathBuf,
    /// Refuse envelopes larger than this (bytes, or with a K/M/G suffix): envelope-too-large.
    #[arg(long, value_parser = parse_size, default_value = "256M")]
    pub max_envelope_size: u64,
    /// Show each step on stderr (also VOUCH_LOG=debug).
    #[arg(short, long)]
    pub verbose: bool,
}

/// `vouch store get|history` arguments.
#[derive(Args, Debug)]
pub struct QueryArgs {
    /// The store.
    #[arg(long)]
    pub db: PathBuf,
    /// The URN.
    #[arg(long)]
    pub urn: String,
}

/// `vouch store put-bulk` arguments.
#[derive(Args, Debug)]
pub struct BulkArgs {
    /// The store (created on first use).
    #[arg(long)]
    pub db: PathBuf,
    /// The policy.
    #[arg(long)]
    pub policy: PathBuf,
    /// A file of lines `URN<TAB>ARTIFACT<TAB>ENVELOPE` (ENVELOPE may be empty or `-`: none).
    #[arg(long)]
    pub list: PathBuf,
    /// Puts per transaction.
    #[arg(long, default_value_t = 1)]
    pub batch: usize,
    /// Refuse envelopes larger than this (bytes, or with a K/M/G suffix): envelope-too-large.
    #[arg(long, value_parser = parse_size, default_value = "256M")]
    pub max_envelope_size: u64,
    /// Show each step on stderr (also VOUCH_LOG=debug).
    #[arg(short, long)]
    pub verbose: bool,
}
