//! Small helpers shared by the subcommands.

use std::io::{IsTerminal, Read, Write};
use std::path::Path;

use vouch_core::json::JsonStr;
use vouch_core::{ArtifactDigest, ArtifactHasher};

use crate::error::{CliError, Code};

/// Lowercase hex.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// `sha256:<hex>` fingerprint label of a key.
pub fn fingerprint_label(fp: [u8; 32]) -> String {
    format!("sha256:{}", hex(&fp))
}

/// The unescaped text of a JSON string from a validated document.
pub fn json_text(s: &JsonStr<'_>) -> String {
    let mut out = Vec::with_capacity(s.raw().len());
    let _ = s.for_each_chunk(|c| {
        out.extend_from_slice(c);
        Ok::<(), ()>(())
    });
    String::from_utf8_lossy(&out).into_owned()
}

/// Reads a file, or stdin for `-`.
pub fn read_input(path: &Path) -> Result<Vec<u8>, CliError> {
    if path == Path::new("-") {
        let mut buf = Vec::new();
        std::io::stdin()
            .read_to_end(&mut buf)
            .map_err(|e| CliError::new(Code::IoError, format!("stdin: {e}")))?;
        return Ok(buf);
    }
    std::fs::read(path).map_err(|e| CliError::io(path, &e))
}

/// Parses a byte size: a number with an optional `K`/`M`/`G` (or `KiB`/`MiB`/`GiB`) suffix, powers
/// of 1024 (for `--max-envelope-size`).
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: u64 = num
        .parse()
        .map_err(|_| format!("{s:?} is not a size (bytes, or a number with K, M or G)"))?;
    let shift = match unit.to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "kib" => 10,
        "m" | "mib" => 20,
        "g" | "gib" => 30,
        _ => return Err(format!("{s:?}: unknown unit {unit:?} (use K, M or G)")),
    };
    n.checked_mul(1u64 << shift)
        .filter(|&v| v > 0)
        .ok_or_else(|| format!("{s:?} is out of range"))
}

/// Reads an envelope (a file, or stdin for `-`) of at most `limit` bytes. A larger input is the
/// verdict `envelope-too-large` (exit 1), found without reading more than `limit + 1` bytes, so an
/// endless stream (`/dev/zero`) cannot exhaust memory.
pub fn read_envelope(path: &Path, limit: u64) -> Result<Vec<u8>, CliError> {
    let too_large = || {
        CliError::new(
            Code::EnvelopeTooLarge,
            format!(
                "{}: larger than the envelope size limit of {limit} bytes (--max-envelope-size)",
                path.display()
            ),
        )
    };
    let mut buf = Vec::new();
    let read = if path == Path::new("-") {
        std::io::stdin()
            .lock()
            .take(limit.saturating_add(1))
            .read_to_end(&mut buf)
    } else {
        let f = std::fs::File::open(path).map_err(|e| CliError::io(path, &e))?;
        let meta = f.metadata().map_err(|e| CliError::io(path, &e))?;
        if meta.is_dir() {
            return Err(CliError::new(
                Code::IoError,
                format!("{}: is a directory", path.display()),
            ));
        }
        if meta.is_file() {
            if meta.len() > limit {
                return Err(too_large());
            }
            // Exactly the file's size (+1 to see the end): no doubling of the buffer.
            buf.reserve_exact(usize::try_from(meta.len()).unwrap_or(0).saturating_add(1));
        }
        f.take(limit.saturating_add(1)).read_to_end(&mut buf)
    };
    read.map_err(|e| CliError::io(path, &e))?;
    if buf.len() as u64 > limit {
        return Err(too_large());
    }
    Ok(buf)
}

/// Streams a file through SHA-256 and SHA-512, with a progress bar on a terminal for large files.
pub fn hash_file(path: &Path) -> Result<ArtifactDigest, CliError> {
    let mut f = std::fs::File::open(path).map_err(|e| CliError::io(path, &e))?;
    let total = f.metadata().map(|m| m.len()).unwrap_or(0);
    let show = total >= 64 << 20 && std::io::stderr().is_terminal();
    let mut hasher = ArtifactHasher::new(true, true);
    let mut buf = vec![0u8; 1 << 20];
    let mut done: u64 = 0;
    let mut last_pct = u64::MAX;
    loop {
        let n = f.read(&mut buf).map_err(|e| CliError::io(path, &e))?;
        if n == 0 {
            break;
        }
        hasher.update(buf.get(..n).unwrap_or(&[]));
        done += n as u64;
        if show {
            let pct = done * 100 / total.max(1);
            if pct != last_pct {
                last_pct = pct;
                let bar = "#".repeat((pct / 4) as usize);
                let mut err = std::io::stderr();
                let _ = write!(err, "\rhashing {} [{bar:<25}] {pct:>3}%", path.display());
                let _ = err.flush();
            }
        }
    }
    if show {
        eprintln!();
    }
    Ok(hasher.finalize())
}

/// Parses an RFC 3339 timestamp.
pub fn parse_time(s: &str) -> Result<time::OffsetDateTime, String> {
    time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
        .map_err(|e| format!("not an RFC 3339 timestamp ({e})"))
}

/// Parses the `--at` of a verifying command (`vouch verify`, `vouch attest-verify`): an RFC 3339
/// time that may only move the verification time *forward* from `now`. An earlier time is refused:
/// verifying "as of" the past would count keys whose `validUntil` has passed, policies past their
/// `expires` and issuers outside their windows again — a flag may tighten a policy, never loosen
/// it (docs/profile.md, P-POL-5). `vouch policy check --at` only reports and takes any time.
pub fn parse_verification_at(
    s: &str,
    now: time::OffsetDateTime,
) -> Result<time::OffsetDateTime, crate::error::CliError> {
    use crate::error::{CliError, Code};
    let at = parse_time(s).map_err(|e| CliError::new(Code::Usage, format!("--at: {e}")))?;
    if at < now {
        return Err(CliError::new(
            Code::Usage,
            format!(
                "--at {s}: earlier than the clock ({}); --at may only move the verification time \
                 forward (a past time would revive expired keys and policies: a flag may tighten a \
                 policy, never loosen it)",
                format_time(now)
            ),
        ));
    }
    Ok(at)
}

/// Formats a time as RFC 3339.
pub fn format_time(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| t.to_string())
}

/// 1-based line and column of a byte offset.
pub fn line_col(text: &[u8], offset: usize) -> (usize, usize) {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map(|p| p + 1)
        .unwrap_or(0);
    let col = String::from_utf8_lossy(before.get(line_start..).unwrap_or(&[]))
        .chars()
        .count()
        + 1;
    (line, col)
}
