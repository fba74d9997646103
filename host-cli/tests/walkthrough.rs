//! The store walkthrough of README.md ("The attestation store and the release gate", the ```sh
//! block after the line starting with "Walkthrough."), executed as documented: with
//! `bash -euo pipefail` in a new empty directory, the built `vouch` first on `PATH` and the git
//! identity in the environment.
//!
//! Every command of the block is one step. Its documented outcome is checked:
//! - the exit code: `exit N` in the command's trailing comment (`# exit 1`,
//!   `# no envelope: refused, exit 1`), else 0;
//! - the output shown in the comment lines right after it (`#   ` and the text), stdout and
//!   stderr together: `…` stands for elided text, a line wrapped in the README may be one line in
//!   the output, and times and commit ids (not `sha256:` digests) may differ;
//! - the outcomes said in words: `release.key (0600)` and `both versions, newest first`.
//!
//! The script stops at the first step whose exit code is not the documented one (so a command
//! documented to exit 1 does not stop the `set -e` script, and one that should fail but does not
//! is caught).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

/// One command of the walkthrough.
struct Step {
    /// README line of the command's first line.
    line: usize,
    /// The command as written (continuation lines and here-document included).
    text: String,
    /// The documented exit code (0 when none is documented).
    exit: i32,
    /// The trailing comment of the command's last line.
    comment: String,
    /// The documented output (comment lines after the command, without their `#   `).
    output: Vec<String>,
}

fn readme() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md")).unwrap()
}

/// The ```sh block after the line starting with "Walkthrough.", with the README line number of
/// its first line.
fn walkthrough_block(readme: &str) -> (usize, Vec<&str>) {
    let lines: Vec<&str> = readme.lines().collect();
    let intro = lines
        .iter()
        .position(|l| l.starts_with("Walkthrough."))
        .expect("README has a line starting with \"Walkthrough.\"");
    let open = intro
        + lines[intro..]
            .iter()
            .position(|l| l.trim_end() == "```sh")
            .expect("a ```sh block follows the walkthrough line");
    let len = lines[open + 1..]
        .iter()
        .position(|l| l.trim_end() == "```")
        .expect("the walkthrough block is closed");
    (open + 2, lines[open + 1..open + 1 + len].to_vec())
}

/// The trailing comment of a command line: from two spaces and `#` on.
fn trailing_comment(line: &str) -> &str {
    line.find("  #")
        .map(|i| line[i..].trim_start())
        .unwrap_or("")
}

/// The documented exit code in a trailing comment (`exit N`), if any.
fn documented_exit(comment: &str) -> Option<i32> {
    let at = comment.rfind("exit ")?;
    let digits: String = comment[at + 5..]
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .collect();
    digits.parse().ok()
}

/// The here-document delimiter a line opens (`<<EOF`, `<<'EOF'`, `<<-EOF`), if any.
fn heredoc_delimiter(line: &str) -> Option<String> {
    let at = line.find("<<")?;
    let rest = line[at + 2..].trim_start_matches('-').trim_start();
    let word: String = rest
        .trim_start_matches(['\'', '"'])
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    (!word.is_empty()).then_some(word)
}

/// Splits the block into steps.
fn steps(first_line: usize, block: &[&str]) -> Vec<Step> {
    let mut steps: Vec<Step> = Vec::new();
    // Whether comment lines now belong to the last step's output.
    let mut in_output = false;
    let mut i = 0;
    while i < block.len() {
        let line = block[i];
        let trimmed = line.trim();
        if trimmed.is_empty() {
            in_output = false;
            i += 1;
            continue;
        }
        if trimmed.starts_with('#') {
            if let Some(text) = line.strip_prefix("#   ").filter(|_| in_output) {
                steps.last_mut().unwrap().output.push(text.to_string());
            } else {
                in_output = false;
            }
            i += 1;
            continue;
        }
        let start = i;
        let mut text = vec![line];
        let mut heredoc = heredoc_delimiter(line);
        while block[i].trim_end().ends_with('\\') && i + 1 < block.len() {
            i += 1;
            text.push(block[i]);
            heredoc = heredoc.or_else(|| heredoc_delimiter(block[i]));
        }
        let last = block[i];
        if let Some(word) = heredoc {
            loop {
                i += 1;
                assert!(i < block.len(), "here-document {word} is not closed");
                text.push(block[i]);
                if block[i] == word {
                    break;
                }
            }
        }
        let comment = trailing_comment(last).to_string();
        steps.push(Step {
            line: first_line + start,
            text: text.join("\n"),
            exit: documented_exit(&comment).unwrap_or(0),
            comment,
            output: Vec::new(),
        });
        in_output = true;
        i += 1;
    }
    steps
}

/// The script: each step in a `{ }` group whose output goes to `$VOUCH_WALKTHROUGH_OUT/N.out`
/// and whose exit code is compared with the documented one at once.
fn script(steps: &[Step]) -> String {
    let mut s = String::from(
        "__wt_check() {\n  if [ \"$3\" != \"$2\" ]; then\n    printf 'README line %s: expected exit %s, got %s\\n' \"$1\" \"$2\" \"$3\" >&2\n    cat \"$4\" >&2\n    exit 97\n  fi\n}\n",
    );
    for (n, st) in steps.iter().enumerate() {
        let out = format!("\"$VOUCH_WALKTHROUGH_OUT/{n}.out\"");
        write!(
            s,
            "__wt_rc=0\n{{\n{}\n}} >{out} 2>&1 || __wt_rc=$?\n__wt_check {} {} \"$__wt_rc\" {out}\n",
            st.text, st.line, st.exit
        )
        .unwrap();
    }
    s.push_str("echo walkthrough-done\n");
    s
}

/// A regular expression for documented output: `…` is any text, whitespace any whitespace,
/// a timestamp any timestamp and a hex id of 7 or more characters (not after `sha256:`) any hex
/// id of that length; the rest is literal. Anchored at both ends (at the start only when the
/// documented output ends with `…`).
fn output_pattern(doc: &str) -> regex::Regex {
    let chars: Vec<char> = doc.trim().chars().collect();
    let is_ts = |at: usize| {
        let shape = "dddd-dd-ddTdd:dd:ddZ";
        chars.len() >= at + shape.len()
            && shape.chars().zip(&chars[at..]).all(|(p, c)| match p {
                'd' => c.is_ascii_digit(),
                _ => p == *c,
            })
    };
    let mut pat = String::from(r"\A\s*");
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '…' {
            pat.push_str("(?s:.*?)");
            i += 1;
        } else if c.is_whitespace() {
            while i < chars.len() && chars[i].is_whitespace() {
                i += 1;
            }
            pat.push_str(r"\s+");
        } else if is_ts(i) {
            pat.push_str(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ");
            i += 20;
        } else if c.is_ascii_hexdigit() && (i == 0 || !chars[i - 1].is_alphanumeric()) && {
            let before: String = chars[..i].iter().collect();
            !before.ends_with("sha256:")
        } {
            let n = chars[i..]
                .iter()
                .take_while(|c| c.is_ascii_digit() || ('a'..='f').contains(*c))
                .count();
            let ends_word = chars.get(i + n).is_none_or(|c| !c.is_alphanumeric());
            if n >= 7 && ends_word {
                write!(pat, "[0-9a-f]{{{n}}}").unwrap();
                i += n;
            } else {
                pat.push_str(&regex::escape(&c.to_string()));
                i += 1;
            }
        } else {
            pat.push_str(&regex::escape(&c.to_string()));
            i += 1;
        }
    }
    if !doc.trim_end().ends_with('…') {
        pat.push_str(r"\s*\z");
    }
    regex::Regex::new(&pat).unwrap()
}

fn bin_dir() -> PathBuf {
    Path::new(env!("CARGO_BIN_EXE_vouch"))
        .parent()
        .unwrap()
        .to_path_buf()
}

#[test]
fn readme_store_walkthrough_runs_as_documented() {
    let readme = readme();
    let (first, block) = walkthrough_block(&readme);
    let steps = steps(first, &block);
    assert!(steps.len() >= 10, "too few steps: {}", steps.len());
    assert!(
        steps.iter().any(|s| s.exit != 0),
        "the walkthrough documents a failing step"
    );

    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path().join("run");
    let out = tmp.path().join("steps");
    let home = tmp.path().join("home");
    for d in [&run, &out, &home] {
        std::fs::create_dir(d).unwrap();
    }
    let script_path = tmp.path().join("walkthrough.sh");
    std::fs::write(&script_path, script(&steps)).unwrap();

    let path = std::env::join_paths(std::iter::once(bin_dir()).chain(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    )))
    .unwrap();
    let result = Command::new("bash")
        .args(["-euo", "pipefail"])
        .arg(&script_path)
        .current_dir(&run)
        .env("PATH", path)
        .env("HOME", &home)
        .env("VOUCH_WALKTHROUGH_OUT", &out)
        .env_remove("VOUCH_LOG")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CEILING_DIRECTORIES", tmp.path())
        .env("GIT_AUTHOR_NAME", "vouch walkthrough")
        .env("GIT_AUTHOR_EMAIL", "walkthrough@vouch.invalid")
        .env("GIT_COMMITTER_NAME", "vouch walkthrough")
        .env("GIT_COMMITTER_EMAIL", "walkthrough@vouch.invalid")
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run bash");
    let stdout = String::from_utf8_lossy(&result.stdout);
    let stderr = String::from_utf8_lossy(&result.stderr);
    assert!(
        result.status.success() && stdout.trim_end().ends_with("walkthrough-done"),
        "the walkthrough did not run as documented (exit {:?}):\n{stdout}\n{stderr}",
        result.status.code()
    );

    // Documented output.
    let output_of = |n: usize| std::fs::read_to_string(out.join(format!("{n}.out"))).unwrap();
    let mut checked = 0;
    for (n, st) in steps.iter().enumerate() {
        if st.output.is_empty() {
            continue;
        }
        let doc = st.output.join("\n");
        let got = output_of(n);
        assert!(
            output_pattern(&doc).is_match(&got),
            "README line {}: `{}`\ndocumented output:\n{doc}\nactual output:\n{got}",
            st.line,
            st.text
        );
        checked += 1;
    }
    assert!(checked >= 4, "documented outputs checked: {checked}");

    // Outcomes said in words.
    let step = |words: &str| {
        steps
            .iter()
            .position(|s| s.comment.contains(words))
            .unwrap_or_else(|| panic!("no step documents {words:?}"))
    };
    let keygen = &steps[step("release.key (0600)")];
    assert!(keygen.text.contains("vouch keygen"), "{}", keygen.text);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let key = std::fs::read_dir(&run)
            .unwrap()
            .map(|d| d.unwrap().path().join("release.key"))
            .find(|p| p.exists())
            .expect("release.key in the demo directory");
        let mode = std::fs::metadata(key).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    let n = step("both versions, newest first");
    let history = output_of(n);
    assert!(history.contains("(2 record(s), newest first)"), "{history}");
    // Newest first: version 1.1.0's digest before 1.0.0's.
    let digest = |version: &str| {
        use sha2::Digest;
        let body = format!("{{\"urn\": \"urn:example:app\", \"version\": \"{version}\"}}\n");
        let hex: String = sha2::Sha256::digest(body.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        history
            .find(&hex)
            .unwrap_or_else(|| panic!("no record of {version} in:\n{history}"))
    };
    assert!(digest("1.1.0") < digest("1.0.0"), "{history}");
}

/// The parser and the matcher on their own, so that the walkthrough test cannot pass by seeing
/// nothing.
#[test]
fn walkthrough_parsing_and_matching() {
    let block = [
        "# 1. A section comment.",
        "vouch keygen --out k          # k.key (0600)",
        "cat > p.json <<EOF",
        "{\"a\": \"$x\"}",
        "EOF",
        "",
        "vouch store put --db s.db \\",
        "    --policy p.json                     # no envelope: refused, exit 1",
        "#   vouch: refused: missing_provenance: no envelope given (--envelope)",
        "vouch attest-verify --output r.json   # exit 0",
        "#   attest-verify: 1 changed manifest(s) since HEAD~1 (8becddd340a9): 0 valid, 1 missing",
        "#     MISSING  urn:x  (m.json): no record at sha256:8c45127a…; the store has",
        "#              1 record(s)",
        "# 2. Next.",
        "vouch store get --db s.db",
        "#   urn:x",
        "#     timestamp    2026-11-22T03:46:56Z",
        "#     …",
    ];
    let s = steps(10, &block);
    let got: Vec<(usize, i32, usize)> =
        s.iter().map(|s| (s.line, s.exit, s.output.len())).collect();
    assert_eq!(
        got,
        [(11, 0, 0), (12, 0, 0), (16, 1, 1), (19, 0, 3), (24, 0, 3)]
    );
    assert_eq!(s[1].text, "cat > p.json <<EOF\n{\"a\": \"$x\"}\nEOF");
    assert!(
        s[2].text
            .ends_with("--policy p.json                     # no envelope: refused, exit 1")
    );

    let gate = output_pattern(&s[3].output.join("\n"));
    let actual = "attest-verify: 1 changed manifest(s) since HEAD~1 (0123456789ab): 0 valid, 1 missing\n  MISSING  urn:x  (m.json): no record at sha256:8c45127a6cb0; the store has 1 record(s)\n";
    assert!(gate.is_match(actual));
    // A changed word, a different digest or more output do not match.
    assert!(!gate.is_match(&actual.replace("MISSING", "INVALID")));
    assert!(!gate.is_match(&actual.replace("8c45127a", "8c45127b")));
    assert!(!gate.is_match(&format!("{actual}release gate: BLOCKED\n")));
    // Elided output may go on.
    let get = output_pattern(&s[4].output.join("\n"));
    assert!(get.is_match("urn:x\n  timestamp    2030-01-01T00:00:00Z\n  more\n"));
    assert!(!get.is_match("urn:y\n  timestamp    2030-01-01T00:00:00Z\n"));

    // A step that exits other than documented stops the script.
    let script = script(&s[2..3]);
    let tmp = tempfile::tempdir().unwrap();
    let fake = tmp.path().join("vouch");
    std::fs::write(&fake, "#!/bin/sh\nexit 0\n").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
        let status = Command::new("bash")
            .args(["-euo", "pipefail", "-c", &script])
            .current_dir(tmp.path())
            .env(
                "PATH",
                format!(
                    "{}:{}",
                    tmp.path().display(),
                    std::env::var("PATH").unwrap_or_default()
                ),
            )
            .env("VOUCH_WALKTHROUGH_OUT", tmp.path())
            .output()
            .unwrap();
        assert_eq!(status.status.code(), Some(97), "{status:?}");
        assert!(
            String::from_utf8_lossy(&status.stderr).contains("expected exit 1, got 0"),
            "{status:?}"
        );
    }
}
