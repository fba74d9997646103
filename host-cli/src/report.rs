//! One way to show an error: a line for humans, and one JSON shape for every subcommand,
//! `{"ok": false, "error": {"code", "message"[, "reason"]}}` (`vouch verify` puts the same `error`
//! object in its report).

use serde_json::{Value as Json, json};

use crate::error::CliError;

/// The `error` object: `{"code", "message"}`, with `"reason"` (the core code behind a registry
/// refusal) when there is one.
pub fn error_object(e: &CliError, reason: Option<&str>) -> Json {
    match reason {
        Some(r) => json!({"code": e.code, "reason": r, "message": e.message}),
        None => json!({"code": e.code, "message": e.message}),
    }
}

/// The JSON document of a command that failed: `{"ok": false, "error": {...}}`.
pub fn error_json(e: &CliError) -> Json {
    json!({"ok": false, "error": error_object(e, None)})
}

/// The line a human sees on stderr: `vouch: <code>: <message>`, control characters escaped.
pub fn error_line(e: &CliError) -> String {
    format!("vouch: {}: {}", e.code, crate::gate::show_text(&e.message))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Code;

    #[test]
    fn one_shape() {
        let e = CliError::new(Code::NotFound, "no record for \"x\"\nrelease gate: PASSED");
        assert_eq!(
            error_json(&e),
            json!({"ok": false, "error": {"code": "not-found", "message": e.message}})
        );
        assert_eq!(
            error_object(&e, Some("invalid-signature"))["reason"],
            "invalid-signature"
        );
        // A message cannot print a line of its own.
        assert_eq!(error_line(&e).lines().count(), 1);
    }
}
