//! `vouch attest-verify`: the release gate.
//!
//! The gate judges what is committed at the release revision (`--rev`, default `HEAD`), read from
//! git's objects — never the working tree.
//!
//! 1. The paths changed between `--since` (default: the parent of `--rev`) and `--rev`, from
//!    `git diff --name-only -z --no-renames <since> <rev>`, as raw bytes, filtered by the
//!    `--manifests` globs (all changed paths when none is given). A rename counts as the new path.
//!    A path that is not UTF-8 cannot be matched against a glob: it is never skipped, it is
//!    `blocked` (`non-utf8-path`) unless git says it is absent at `--rev`.
//! 2. Each path's entry at `--rev` (`git ls-tree`): absent is `deleted` (not checked); a regular
//!    file blob (mode 100644 or 100755) is read from git (`git cat-file blob`); anything else — a
//!    symbolic link, a submodule, a directory — is `blocked` (`not-a-regular-file`).
//! 3. Each file's URN: the top-level `"urn"` string of a JSON object, else
//!    `urn:vouch:path:<repo-relative path>`. A JSON manifest whose `urn` cannot be read
//!    (duplicated, not a non-empty string, nested too deep, too large) is `blocked`.
//! 4. The store's record for that URN at the SHA-256 of the committed content; none is `missing`.
//! 5. The record's envelope is verified again against the policy (keys may have been revoked since)
//!    and the content; a failure is `invalid` with the reason code.
//!
//! Exit codes: 0 every changed manifest has valid provenance; 1 some are missing, invalid or
//! blocked; 2 fatal (no git repository, bad ref, git failure, unreadable store, bad policy, an
//! `--output` that is the store or the policy).

use std::ffi::{OsStr, OsString};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde::Serialize;
use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use vouch_core::{ArtifactDigest, ArtifactHasher};

use crate::error::{CliError, Code};
use crate::log::Log;
use crate::policy::Policy;
use crate::store::{Location, OpenMode, open_store};
use crate::util::hex;
use crate::verify;

/// The prefix of a path-derived URN.
pub const PATH_URN_PREFIX: &str = "urn:vouch:path:";

/// Largest manifest whose `urn` the gate reads (64 MiB). A larger file that starts like a JSON
/// object is blocked (`manifest-too-large`); any other larger file has no `urn` and gets its path
/// URN.
pub const MAX_MANIFEST_BYTES: usize = 64 << 20;

/// Deepest nesting of arrays and objects in a JSON manifest whose `urn` the gate reads (serde_json's
/// own recursion limit); deeper is `manifest-too-deep`.
pub const MAX_MANIFEST_DEPTH: usize = 128;

/// `vouch attest-verify` arguments.
/// What the gate is asked to judge (the `vouch attest-verify` flags).
#[derive(Clone, Debug, Default)]
pub struct GateOptions {
    /// The attestation store.
    pub db: PathBuf,
    /// The policy the recorded envelopes must still satisfy.
    pub policy: PathBuf,
    /// The revision being released (`HEAD` when empty is not allowed: give it).
    pub rev: String,
    /// Check paths changed since this revision (default: the parent of `rev`).
    pub since: Option<String>,
    /// Globs of manifest paths (none: every changed file).
    pub manifests: Vec<String>,
    /// Where to write the JSON report (never the store or the policy).
    pub output: Option<PathBuf>,
    /// Verify as of this time (RFC 3339) instead of now.
    pub at: Option<String>,
    /// Show each step on stderr.
    pub verbose: bool,
}

/// A manifest with valid provenance, or with none.
#[derive(Clone, Debug, Serialize)]
pub struct Entry {
    /// Its URN.
    pub urn: String,
    /// Its repository-relative path.
    pub path: String,
    /// SHA-256 of the committed content (hex; reported as `sha256:<hex>`).
    #[serde(serialize_with = "crate::report::ser_sha256")]
    pub digest: String,
    /// Why it is missing (absent for valid entries).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// A manifest whose recorded provenance no longer verifies.
#[derive(Clone, Debug, Serialize)]
pub struct Invalid {
    /// Its URN.
    pub urn: String,
    /// The reason code (a vouch-core or policy code, e.g. `key-revoked`).
    pub reason: Code,
    /// Human explanation.
    pub message: String,
    /// Its repository-relative path.
    pub path: String,
    /// SHA-256 of the committed content (hex; reported as `sha256:<hex>`).
    #[serde(serialize_with = "crate::report::ser_sha256")]
    pub digest: String,
}

/// A changed manifest path the gate refuses to judge: it blocks the release.
#[derive(Clone, Debug, Serialize)]
pub struct Blocked {
    /// Its repository-relative path, escaped (see [`escape_path`]).
    pub path: String,
    /// The reason code (`non-utf8-path`, `not-a-regular-file`, `manifest-too-large`,
    /// `manifest-too-deep`, `invalid-manifest-urn`, `duplicate-manifest-urn`,
    /// `unsupported-manifest-json`).
    pub reason: Code,
    /// Human explanation.
    pub message: String,
    /// SHA-256 of the committed content (hex; reported as `sha256:<hex>`), when it was read.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "crate::report::ser_sha256_opt"
    )]
    pub digest: Option<String>,
}

/// The gate's report (the `--output` JSON).
#[derive(Clone, Debug, Serialize)]
pub struct GateReport {
    /// The `--rev` revision as given.
    pub rev: String,
    /// The commit it resolved to.
    #[serde(rename = "revCommit")]
    pub rev_commit: String,
    /// The `--since` revision as given (or `<rev>~1`).
    pub since: String,
    /// The commit it resolved to.
    #[serde(rename = "sinceCommit")]
    pub since_commit: String,
    /// How many changed manifests were checked (valid + missing + invalid + blocked).
    pub checked: usize,
    /// Manifests with valid provenance.
    pub valid: Vec<Entry>,
    /// Manifests with no record at their committed digest.
    pub missing: Vec<Entry>,
    /// Manifests whose record no longer verifies.
    pub invalid: Vec<Invalid>,
    /// Changed manifest paths the gate refuses: not a regular file, not UTF-8, unreadable `urn`.
    pub blocked: Vec<Blocked>,
    /// Changed manifest paths absent at `rev` (not checked), escaped.
    pub deleted: Vec<String>,
    /// Whether `sinceCommit` is the empty tree (the default since of a root commit).
    #[serde(skip)]
    pub empty_tree: bool,
}

/// Environment variables that would change how git reads the pathspecs the gate passes.
const PATHSPEC_ENV: [&str; 4] = [
    "GIT_GLOB_PATHSPECS",
    "GIT_NOGLOB_PATHSPECS",
    "GIT_ICASE_PATHSPECS",
    "GIT_LITERAL_PATHSPECS",
];

fn git_command<S: AsRef<OsStr>>(dir: &Path, args: &[S], log: &Log) -> Command {
    let shown: Vec<String> = args
        .iter()
        .map(|a| show_text(&a.as_ref().to_string_lossy()))
        .collect();
    log.debug(format_args!("git {}", shown.join(" ")));
    let mut cmd = Command::new("git");
    cmd.current_dir(dir).args(args).stdin(Stdio::null());
    for v in PATHSPEC_ENV {
        cmd.env_remove(v);
    }
    cmd
}

fn git<S: AsRef<OsStr>>(
    dir: &Path,
    args: &[S],
    log: &Log,
) -> Result<std::process::Output, CliError> {
    git_command(dir, args, log)
        .output()
        .map_err(|e| CliError::new(Code::GitError, format!("cannot run git: {e}")))
}

fn stdout_line(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

fn stderr_line(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr)
        .lines()
        .next()
        .unwrap_or("")
        .to_string()
}

/// The path-derived URN of a repository-relative path.
pub fn path_urn(path: &str) -> String {
    format!("{PATH_URN_PREFIX}{path}")
}

/// A path's bytes as text: valid UTF-8 is kept, except that `\` becomes `\\` and control
/// characters become `\xNN` (ASCII) or `\u{N}`; bytes that are not UTF-8 become `\xNN`. Distinct
/// paths give distinct strings; an ordinary path is unchanged.
pub fn escape_path(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            push_char(&mut out, c, true);
        }
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    out
}

/// Text for a terminal line: control characters escaped (a newline in a URN cannot forge a line).
pub fn show_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        push_char(&mut out, c, false);
    }
    out
}

fn push_char(out: &mut String, c: char, backslash: bool) {
    if c == '\\' && backslash {
        out.push_str("\\\\");
    } else if c.is_control() {
        if c.is_ascii() {
            out.push_str(&format!("\\x{:02x}", c as u32));
        } else {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        }
    } else {
        out.push(c);
    }
}

/// Resolves `rev^{commit}`; `None` when it does not name a commit.
fn resolve_commit(root: &Path, rev: &str, log: &Log) -> Result<Option<String>, CliError> {
    if rev.is_empty() || rev.starts_with('-') {
        return Ok(None);
    }
    let o = git(
        root,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("{rev}^{{commit}}"),
        ],
        log,
    )?;
    Ok(if o.status.success() {
        Some(stdout_line(&o))
    } else {
        None
    })
}

/// A path's entry in a commit's tree.
struct TreeEntry {
    mode: String,
    kind: String,
    oid: String,
    /// The blob's size (`None` for other objects).
    size: Option<u64>,
}

/// The path as a git argument (any bytes on unix).
fn path_arg(bytes: &[u8]) -> Option<OsString> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        Some(OsStr::from_bytes(bytes).to_os_string())
    }
    #[cfg(not(unix))]
    {
        std::str::from_utf8(bytes).ok().map(OsString::from)
    }
}

/// The entry at `path` in `commit`'s tree: `Ok(None)` only when git lists nothing there.
fn tree_entry(
    root: &Path,
    commit: &str,
    path: &[u8],
    log: &Log,
) -> Result<Option<TreeEntry>, CliError> {
    let shown = escape_path(path);
    let Some(arg) = path_arg(path) else {
        return Err(CliError::new(
            Code::GitError,
            format!("{shown}: this platform cannot pass the path to git"),
        ));
    };
    let args: [&OsStr; 8] = [
        OsStr::new("--literal-pathspecs"),
        OsStr::new("ls-tree"),
        OsStr::new("-z"),
        OsStr::new("--long"),
        OsStr::new("--full-tree"),
        OsStr::new(commit),
        OsStr::new("--"),
        &arg,
    ];
    let o = git(root, &args, log)?;
    if !o.status.success() {
        return Err(CliError::new(
            Code::GitError,
            format!("git ls-tree {shown}: {}", stderr_line(&o)),
        ));
    }
    let mut found = None;
    let mut others = 0usize;
    for rec in o.stdout.split(|&b| b == 0).filter(|r| !r.is_empty()) {
        let Some(tab) = rec.iter().position(|&b| b == b'\t') else {
            return Err(CliError::new(
                Code::GitError,
                format!("git ls-tree {shown}: unexpected output"),
            ));
        };
        let (meta, name) = rec.split_at(tab);
        let name = name.get(1..).unwrap_or(&[]);
        if name != path {
            others += 1;
            continue;
        }
        let meta = String::from_utf8_lossy(meta);
        let mut f = meta.split_ascii_whitespace();
        let (Some(mode), Some(kind), Some(oid), Some(size)) =
            (f.next(), f.next(), f.next(), f.next())
        else {
            return Err(CliError::new(
                Code::GitError,
                format!("git ls-tree {shown}: unexpected output"),
            ));
        };
        found = Some(TreeEntry {
            mode: mode.into(),
            kind: kind.into(),
            oid: oid.into(),
            size: size.parse().ok(),
        });
    }
    if found.is_none() && others > 0 {
        // Git listed something, just not this exact path: it did not say the path is absent.
        return Err(CliError::new(
            Code::GitError,
            format!("git ls-tree {shown}: listed other paths, not this one"),
        ));
    }
    Ok(found)
}

/// A blob read from git: its digests and up to [`MAX_MANIFEST_BYTES`] of its content.
struct Blob {
    digest: ArtifactDigest,
    head: Vec<u8>,
    truncated: bool,
}

/// Finds the first byte of a document that is not JSON whitespace, after one optional UTF-8 byte
/// order mark, fed in chunks.
struct FirstByte {
    /// Bytes of a leading byte order mark matched so far; `None` once past it.
    bom: Option<usize>,
    found: Option<u8>,
}

impl FirstByte {
    const BOM: [u8; 3] = [0xef, 0xbb, 0xbf];

    fn new() -> Self {
        FirstByte {
            bom: Some(0),
            found: None,
        }
    }

    /// Feeds the next bytes; returns the first significant byte once known.
    fn feed(&mut self, chunk: &[u8]) -> Option<u8> {
        for &b in chunk {
            if self.found.is_some() {
                break;
            }
            if let Some(k) = self.bom {
                if Self::BOM.get(k) == Some(&b) {
                    self.bom = if k + 1 == Self::BOM.len() {
                        None
                    } else {
                        Some(k + 1)
                    };
                    continue;
                }
                self.bom = None;
                if k > 0 {
                    // A partial byte order mark: its first byte is the document's first byte.
                    self.found = Some(0xef);
                    break;
                }
            }
            if !matches!(b, b' ' | b'\t' | b'\n' | b'\r') {
                self.found = Some(b);
            }
        }
        self.found
    }
}

/// What [`read_blob`] read.
enum BlobRead {
    /// Larger than [`MAX_MANIFEST_BYTES`] and starting like a JSON object: not read further.
    TooLarge,
    /// Read and hashed.
    Read(Blob),
}

/// Streams `git cat-file blob <oid>` through SHA-256 and SHA-512. When `large` (git says it is
/// larger than [`MAX_MANIFEST_BYTES`]) and it starts like a JSON object, stops at that first byte.
fn read_blob(
    root: &Path,
    oid: &str,
    large: bool,
    shown: &str,
    log: &Log,
) -> Result<BlobRead, CliError> {
    let mut child = git_command(root, &["cat-file", "blob", oid], log)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| CliError::new(Code::GitError, format!("cannot run git: {e}")))?;
    let mut hasher = ArtifactHasher::new(true, true);
    let mut head = Vec::new();
    let mut truncated = false;
    let mut first = FirstByte::new();
    let mut buf = vec![0u8; 1 << 16];
    let read_err = |e: std::io::Error| {
        CliError::new(Code::GitError, format!("git cat-file blob {shown}: {e}"))
    };
    if let Some(mut out) = child.stdout.take() {
        loop {
            let n = match out.read(&mut buf) {
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(read_err(e));
                }
            };
            if n == 0 {
                break;
            }
            let chunk = buf.get(..n).unwrap_or(&[]);
            if large && first.feed(chunk) == Some(b'{') {
                let _ = child.kill();
                let _ = child.wait();
                return Ok(BlobRead::TooLarge);
            }
            hasher.update(chunk);
            let room = MAX_MANIFEST_BYTES.saturating_sub(head.len());
            if chunk.len() > room {
                truncated = true;
            }
            head.extend_from_slice(chunk.get(..room.min(chunk.len())).unwrap_or(&[]));
        }
    }
    let o = child.wait_with_output().map_err(read_err)?;
    if !o.status.success() {
        return Err(CliError::new(
            Code::GitError,
            format!("git cat-file blob {shown}: {}", stderr_line(&o)),
        ));
    }
    Ok(BlobRead::Read(Blob {
        digest: hasher.finalize(),
        head,
        truncated,
    }))
}

/// Why a manifest's `urn` cannot be read: the manifest is blocked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrnRefusal {
    /// The reason code.
    pub code: Code,
    /// Human explanation.
    pub message: String,
}

impl UrnRefusal {
    fn new(code: Code, message: impl Into<String>) -> Self {
        UrnRefusal {
            code,
            message: message.into(),
        }
    }
}

/// The top-level `urn` member of a JSON document.
enum TopUrn {
    /// Not an object, or an object without `urn`.
    Absent,
    /// A string `urn`.
    Str(String),
    /// A `urn` of another JSON type (named).
    Other(&'static str),
}

const DUPLICATE_URN: &str = "vouch: duplicate top-level \"urn\"";

impl<'de> Deserialize<'de> for TopUrn {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(TopVisitor)
    }
}

struct TopVisitor;

impl<'de> Visitor<'de> for TopVisitor {
    type Value = TopUrn;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON document")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<TopUrn, A::Error> {
        let mut urn = TopUrn::Absent;
        let mut seen = false;
        while let Some(key) = map.next_key::<String>()? {
            if key == "urn" {
                if seen {
                    return Err(de::Error::custom(DUPLICATE_URN));
                }
                seen = true;
                urn = match map.next_value::<serde_json::Value>()? {
                    serde_json::Value::String(s) => TopUrn::Str(s),
                    serde_json::Value::Null => TopUrn::Other("null"),
                    serde_json::Value::Bool(_) => TopUrn::Other("a boolean"),
                    serde_json::Value::Number(_) => TopUrn::Other("a number"),
                    serde_json::Value::Array(_) => TopUrn::Other("an array"),
                    serde_json::Value::Object(_) => TopUrn::Other("an object"),
                };
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(urn)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<TopUrn, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(TopUrn::Absent)
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<TopUrn, E> {
        Ok(TopUrn::Absent)
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<TopUrn, E> {
        Ok(TopUrn::Absent)
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<TopUrn, E> {
        Ok(TopUrn::Absent)
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<TopUrn, E> {
        Ok(TopUrn::Absent)
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<TopUrn, E> {
        Ok(TopUrn::Absent)
    }
    fn visit_unit<E: de::Error>(self) -> Result<TopUrn, E> {
        Ok(TopUrn::Absent)
    }
}

fn too_large() -> UrnRefusal {
    UrnRefusal::new(
        Code::ManifestTooLarge,
        format!(
            "larger than {} MiB and starts like a JSON object: its urn is not read",
            MAX_MANIFEST_BYTES >> 20
        ),
    )
}

/// Reads a manifest's top-level `"urn"`.
///
/// `Ok(Some(urn))` for a JSON object with a non-empty string `urn`; `Ok(None)` (use the path URN)
/// for a file that is not JSON, or JSON without a top-level `urn`; a refusal for a JSON manifest
/// whose `urn` cannot be trusted: `urn` duplicated, empty or not a string, nesting deeper than
/// [`MAX_MANIFEST_DEPTH`], numbers or strings serde_json cannot represent. One leading UTF-8
/// byte order mark is ignored. `truncated` says `bytes` is only the first
/// [`MAX_MANIFEST_BYTES`] of the file.
pub fn manifest_urn(bytes: &[u8], truncated: bool) -> Result<Option<String>, UrnRefusal> {
    let body = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    if truncated {
        return if FirstByte::new().feed(bytes) == Some(b'{') {
            Err(too_large())
        } else {
            Ok(None)
        };
    }
    let parsed = serde_json::from_slice::<TopUrn>(body);
    if parsed.is_ok() && json_depth(body) > MAX_MANIFEST_DEPTH {
        return Err(UrnRefusal::new(
            Code::ManifestTooDeep,
            format!("JSON nested deeper than {MAX_MANIFEST_DEPTH} levels"),
        ));
    }
    match parsed {
        Ok(TopUrn::Absent) => Ok(None),
        Ok(TopUrn::Str(s)) if s.is_empty() => Err(UrnRefusal::new(
            Code::InvalidManifestUrn,
            "the top-level \"urn\" is an empty string",
        )),
        Ok(TopUrn::Str(s)) => Ok(Some(s)),
        Ok(TopUrn::Other(kind)) => Err(UrnRefusal::new(
            Code::InvalidManifestUrn,
            format!("the top-level \"urn\" is {kind}, not a string"),
        )),
        Err(e) => {
            let msg = e.to_string();
            if msg.starts_with(DUPLICATE_URN) {
                Err(UrnRefusal::new(
                    Code::DuplicateManifestUrn,
                    format!("the top-level \"urn\" appears more than once ({e})"),
                ))
            } else if msg.starts_with("recursion limit exceeded") {
                Err(UrnRefusal::new(
                    Code::ManifestTooDeep,
                    format!("JSON nested deeper than {MAX_MANIFEST_DEPTH} levels ({e})"),
                ))
            } else if [
                "number out of range",
                "lone leading surrogate",
                "unexpected end of hex escape",
                "invalid unicode code point",
            ]
            .iter()
            .any(|p| msg.starts_with(p))
            {
                // Valid JSON grammar serde_json cannot represent: its urn cannot be read.
                Err(UrnRefusal::new(
                    Code::UnsupportedManifestJson,
                    format!("JSON that cannot be read ({e})"),
                ))
            } else if matches!(
                e.classify(),
                serde_json::error::Category::Syntax | serde_json::error::Category::Eof
            ) {
                Ok(None)
            } else {
                Err(UrnRefusal::new(
                    Code::UnsupportedManifestJson,
                    format!("JSON that cannot be read ({e})"),
                ))
            }
        }
    }
}

/// The deepest nesting of arrays and objects in a valid JSON document.
fn json_depth(doc: &[u8]) -> usize {
    let (mut depth, mut max, mut in_string, mut escaped) = (0usize, 0usize, false, false);
    for &b in doc {
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                max = max.max(depth);
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    max
}

/// Resolves a path the way a write would reach it: through symbolic links (also dangling ones) to
/// a canonical path, or the canonical parent joined with the name when the file does not exist.
fn write_target(p: &Path, hops: u32) -> Option<PathBuf> {
    if let Ok(c) = std::fs::canonicalize(p) {
        return Some(c);
    }
    if hops > 40 {
        return None;
    }
    if let Ok(m) = std::fs::symlink_metadata(p)
        && m.file_type().is_symlink()
    {
        let t = std::fs::read_link(p).ok()?;
        let t = match p.parent() {
            Some(dir) if t.is_relative() => dir.join(t),
            _ => t,
        };
        return write_target(&t, hops + 1);
    }
    let name = p.file_name()?;
    let parent = match p.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    Some(std::fs::canonicalize(parent).ok()?.join(name))
}

/// Whether writing `out` would write `protected`: the same resolved path, or (unix) the same
/// device and inode (hard links).
fn same_file(out: &Path, protected: &Path) -> bool {
    if let (Some(a), Some(b)) = (write_target(out, 0), write_target(protected, 0))
        && a == b
    {
        return true;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if let (Ok(a), Ok(b)) = (std::fs::metadata(out), std::fs::metadata(protected))
            && a.dev() == b.dev()
            && a.ino() == b.ino()
        {
            return true;
        }
    }
    false
}

/// Refuses an `--output` that would overwrite the store (or its SQLite side files) or the policy.
fn check_output(out: &Path, db: &Path, policy: &Path) -> Result<(), CliError> {
    let mut protected: Vec<(PathBuf, &str)> = vec![
        (db.to_path_buf(), "the store"),
        (policy.to_path_buf(), "the policy"),
    ];
    for side in ["-wal", "-shm", "-journal"] {
        let mut p = db.as_os_str().to_os_string();
        p.push(side);
        protected.push((PathBuf::from(p), "a file of the store"));
    }
    for (p, what) in &protected {
        if same_file(out, p) {
            return Err(CliError::new(
                Code::Usage,
                format!(
                    "--output {} is {what} ({}): refusing to overwrite it",
                    out.display(),
                    p.display()
                ),
            ));
        }
    }
    Ok(())
}

/// Runs the gate: every manifest changed between `since` and `rev` must have valid provenance in
/// the store. Writes the report to `output` when asked; the verdict is [`GateReport::passed`].
/// `Err` is a fatal error (exit 2: no repository, bad ref, unusable store, bad policy).
pub fn gate(a: &GateOptions) -> Result<GateReport, CliError> {
    let log = Log::new(a.verbose);
    if let Some(out) = &a.output {
        check_output(out, &a.db, &a.policy)?;
    }
    let at =
        a.at.as_deref()
            .map(|s| crate::util::parse_verification_at(s, time::OffsetDateTime::now_utc()))
            .transpose()?;
    let policy = Policy::load(&a.policy)?.prepared();
    log.debug(format_args!(
        "policy {}: {} issuer(s), threshold {}",
        a.policy.display(),
        policy.issuers.len(),
        policy.threshold
    ));
    let opts = glob::MatchOptions {
        case_sensitive: true,
        require_literal_separator: true,
        require_literal_leading_dot: false,
    };
    let globs = a
        .manifests
        .iter()
        .map(|g| {
            glob::Pattern::new(g)
                .map_err(|e| CliError::new(Code::Usage, format!("--manifests {g:?}: {e}")))
        })
        .collect::<Result<Vec<_>, _>>()?;

    let cwd = std::env::current_dir()
        .map_err(|e| CliError::new(Code::IoError, format!("current directory: {e}")))?;
    let top = git(&cwd, &["rev-parse", "--show-toplevel"], &log)?;
    if !top.status.success() {
        return Err(CliError::new(
            Code::NotAGitRepo,
            format!("{}: {}", cwd.display(), stderr_line(&top)),
        ));
    }
    let root = PathBuf::from(stdout_line(&top));
    log.debug(format_args!("repository {}", root.display()));

    let Some(rev_commit) = resolve_commit(&root, &a.rev, &log)? else {
        return Err(CliError::new(
            Code::BadRef,
            format!("--rev {:?} is not a commit in {}", a.rev, root.display()),
        ));
    };
    log.debug(format_args!("rev {} = {rev_commit}", a.rev));

    let since = a.since.clone().unwrap_or_else(|| format!("{}~1", a.rev));
    let (since_commit, empty_tree) = match &a.since {
        Some(s) => match resolve_commit(&root, s, &log)? {
            Some(c) => (c, false),
            None => {
                return Err(CliError::new(
                    Code::BadRef,
                    format!("--since {s:?} is not a commit in {}", root.display()),
                ));
            }
        },
        None => match resolve_commit(&root, &format!("{rev_commit}~1"), &log)? {
            Some(c) => (c, false),
            None => {
                // A root commit: compare with the empty tree, so every file counts as added.
                let empty = git(&root, &["hash-object", "-t", "tree", "/dev/null"], &log)?;
                if !empty.status.success() {
                    return Err(CliError::new(Code::GitError, stderr_line(&empty)));
                }
                log.debug(format_args!(
                    "no previous commit: comparing with the empty tree"
                ));
                (stdout_line(&empty), true)
            }
        },
    };
    log.debug(format_args!("since {since} = {since_commit}"));

    let diff = git(
        &root,
        &[
            "diff",
            "--name-only",
            "-z",
            "--no-renames",
            "--ignore-submodules=none",
            &since_commit,
            &rev_commit,
            "--",
        ],
        &log,
    )?;
    if !diff.status.success() {
        return Err(CliError::new(Code::GitError, stderr_line(&diff)));
    }
    let changed: Vec<&[u8]> = diff
        .stdout
        .split(|&b| b == 0)
        .filter(|p| !p.is_empty())
        .collect();
    log.debug(format_args!("{} changed file(s)", changed.len()));

    let store = open_store(&a.db, OpenMode::Read)?;
    log.debug(format_args!("store {}: open", Location::of(&a.db).label()));

    let mut report = GateReport {
        rev: a.rev.clone(),
        rev_commit: rev_commit.clone(),
        since: since.clone(),
        since_commit,
        checked: 0,
        valid: Vec::new(),
        missing: Vec::new(),
        invalid: Vec::new(),
        blocked: Vec::new(),
        deleted: Vec::new(),
        empty_tree,
    };
    // The policy's trusted root, loaded and parsed at the first stored Sigstore bundle and kept
    // (parsed) for the others.
    let root_file = std::cell::OnceCell::new();
    let bundle_roots = std::cell::OnceCell::new();
    for raw in changed {
        let shown = escape_path(raw);
        let text = std::str::from_utf8(raw).ok();
        if let Some(path) = text
            && !globs.is_empty()
            && !globs.iter().any(|g| g.matches_with(path, opts))
        {
            log.debug(format_args!(
                "{shown}: not a manifest (no --manifests glob matches)"
            ));
            continue;
        }
        let Some(entry) = tree_entry(&root, &rev_commit, raw, &log)? else {
            log.debug(format_args!("{shown}: absent at {rev_commit}: deleted"));
            report.deleted.push(shown);
            continue;
        };
        report.checked += 1;
        let blocked = |reason: Code, message: String, digest: Option<String>| {
            log.debug(format_args!("{shown}: blocked: {reason}: {message}"));
            Blocked {
                path: shown.clone(),
                reason,
                message,
                digest,
            }
        };
        let Some(path) = text else {
            report.blocked.push(blocked(
                Code::NonUtf8Path,
                "the path is not UTF-8: no --manifests glob and no URN can be matched against it"
                    .into(),
                None,
            ));
            continue;
        };
        if !matches!(entry.mode.as_str(), "100644" | "100755") || entry.kind != "blob" {
            let what = match entry.mode.as_str() {
                "120000" => "a symbolic link",
                "160000" => "a submodule (gitlink)",
                "040000" => "a directory (tree)",
                _ => "not a regular file",
            };
            report.blocked.push(blocked(
                Code::NotARegularFile,
                format!(
                    "mode {} ({what}, {} {}) at {rev_commit}: only a regular file can be a manifest",
                    entry.mode, entry.kind, entry.oid
                ),
                None,
            ));
            continue;
        }
        let large = entry.size.is_some_and(|n| n > MAX_MANIFEST_BYTES as u64);
        let blob = match read_blob(&root, &entry.oid, large, &shown, &log)? {
            BlobRead::Read(b) => b,
            BlobRead::TooLarge => {
                let r = too_large();
                report.blocked.push(blocked(r.code, r.message, None));
                continue;
            }
        };
        let digest = blob.digest;
        let sha256 = hex(&digest.sha256.unwrap_or_default());
        let urn = match manifest_urn(&blob.head, blob.truncated) {
            Ok(Some(u)) => u,
            Ok(None) => path_urn(path),
            Err(r) => {
                report
                    .blocked
                    .push(blocked(r.code, r.message, Some(sha256.clone())));
                continue;
            }
        };
        log.debug(format_args!(
            "{shown}: urn {}, sha256 {sha256}",
            show_text(&urn)
        ));
        let entry = |message: Option<String>| Entry {
            urn: urn.clone(),
            path: shown.clone(),
            digest: sha256.clone(),
            message,
        };
        let record = match store.find(&urn, &sha256)? {
            Some(r) if !r.envelope.is_empty() => r,
            Some(_) => {
                log.debug(format_args!("{shown}: recorded without provenance"));
                report.missing.push(entry(Some(
                    "recorded without provenance (permissive put)".into(),
                )));
                continue;
            }
            None => {
                let others = store.history(&urn)?.len();
                let msg = if others == 0 {
                    format!("no record for {urn}")
                } else {
                    format!(
                        "no record at sha256:{sha256}; the store has {others} record(s) for {urn} at other digests (changed since its provenance was recorded)"
                    )
                };
                log.debug(format_args!("{shown}: missing: {}", show_text(&msg)));
                report.missing.push(entry(Some(msg)));
                continue;
            }
        };
        let artifact = verify::Artifact {
            name: path.to_string(),
            digest,
        };
        // A stored Sigstore bundle is verified again against the policy's keyless issuers.
        let (error, keys) = if crate::keyless::is_bundle(&record.envelope) {
            let roots = crate::store::batch_roots(&policy, &root_file, &bundle_roots)?;
            let b = crate::keyless::verify_with_parsed(
                &record.envelope,
                &shown,
                &policy,
                roots,
                artifact,
                at.unwrap_or_else(time::OffsetDateTime::now_utc),
            );
            (b.error, b.keys)
        } else {
            let req = verify::Request {
                policy: Some(&policy),
                artifacts: vec![artifact],
                at,
                ..verify::Request::default()
            };
            let r = verify::verify(&record.envelope, &req)?;
            (r.error, r.keys)
        };
        match error {
            None => {
                log.debug(format_args!("{shown}: valid (keys {})", keys.join(", ")));
                report.valid.push(entry(None));
            }
            Some(e) => {
                log.debug(format_args!(
                    "{shown}: invalid: {}: {}",
                    e.code,
                    show_text(&e.message)
                ));
                report.invalid.push(Invalid {
                    urn: urn.clone(),
                    reason: e.code,
                    message: e.message,
                    path: shown.clone(),
                    digest: sha256.clone(),
                });
            }
        }
    }

    if let Some(out) = &a.output {
        std::fs::write(out, report.to_json()).map_err(|e| CliError::io(out, &e))?;
        log.debug(format_args!("report written to {}", out.display()));
    }
    Ok(report)
}

impl GateReport {
    /// The report as `--output` and `--format json` write it: the one JSON shape of every
    /// command ([`crate::report::gate`], [`crate::report::line()`]).
    pub fn to_json(&self) -> String {
        crate::report::line(&crate::report::gate(self))
    }
    /// Whether the release may go ahead: nothing missing, invalid or blocked.
    pub fn passed(&self) -> bool {
        self.missing.is_empty() && self.invalid.is_empty() && self.blocked.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_byte_skips_one_bom_and_whitespace() {
        let first = |chunks: &[&[u8]]| {
            let mut f = FirstByte::new();
            let mut out = None;
            for c in chunks {
                out = f.feed(c);
            }
            out
        };
        assert_eq!(first(&[b"  \n{"]), Some(b'{'));
        assert_eq!(first(&[b"\xef", b"\xbb", b"\xbf \t{"]), Some(b'{'));
        assert_eq!(first(&[b"\xef\xbb{"]), Some(0xef));
        assert_eq!(first(&[b"\xef\xbb\xbf\xef\xbb\xbf{"]), Some(0xef));
        assert_eq!(first(&[b"   ", b"  "]), None);
        assert_eq!(first(&[b"name: {"]), Some(b'n'));
    }

    #[test]
    fn truncated_manifests() {
        assert_eq!(
            manifest_urn(b"\xef\xbb\xbf  {\"urn\": ", true)
                .unwrap_err()
                .code,
            Code::ManifestTooLarge
        );
        assert_eq!(manifest_urn(b"name: app\n", true), Ok(None));
        assert_eq!(manifest_urn(b"[{\"urn\": \"u\"}", true), Ok(None));
    }

    #[test]
    fn urn_reading() {
        assert_eq!(
            manifest_urn(b"{\"urn\": \"urn:a\"}", false),
            Ok(Some("urn:a".into()))
        );
        assert_eq!(
            manifest_urn(b"{\"urn\": \"a\\\"b\"}", false),
            Ok(Some("a\"b".into()))
        );
        assert_eq!(manifest_urn(b"", false), Ok(None));
        assert_eq!(manifest_urn(b"{", false), Ok(None));
        assert_eq!(manifest_urn(b"{} {}", false), Ok(None));
        for bad in [
            &b"{\"urn\": \"\\ud800\"}"[..],
            b"{\"urn\": \"\\udc00\"}",
            b"{\"urn\": 1e400}",
        ] {
            assert_eq!(
                manifest_urn(bad, false).unwrap_err().code,
                Code::UnsupportedManifestJson
            );
        }
        assert_eq!(
            manifest_urn(b"{\"urn\": \"a\", \"urn\": 1}", false)
                .unwrap_err()
                .code,
            Code::DuplicateManifestUrn
        );
    }

    #[test]
    fn depth() {
        assert_eq!(json_depth(b"{\"a\": [1, {\"b\": \"[[[\\\"[\"}]}"), 3);
        assert_eq!(json_depth(b"1"), 0);
    }

    #[test]
    fn escaping() {
        assert_eq!(escape_path(b"manifests/a.json"), "manifests/a.json");
        assert_eq!(escape_path(b"a\xffb\\c\nd"), "a\\xffb\\\\c\\x0ad");
        assert_eq!(escape_path("\u{85}é".as_bytes()), "\\u{85}é");
        assert_eq!(show_text("a\\b\r"), "a\\b\\x0d");
    }
}
