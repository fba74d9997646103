//! `vouch sign`: a payload into a DSSE envelope (one signature per `--key`).

use serde_json::json;
use vouch_cli::error::{CliError, Code, EXIT_OK};
use vouch_cli::util::read_input;
use vouch_cli::{keys, report};

use crate::cli::{Format, SignArgs};
use crate::out;

/// Runs the subcommand; returns the exit status.
pub fn run(a: SignArgs, format: Format) -> u8 {
    out::finish(sign(a, format).map(|()| EXIT_OK), format)
}

fn sign(a: SignArgs, format: Format) -> Result<(), CliError> {
    if a.keyids.len() > a.keys.len() {
        return Err(CliError::new(Code::Usage, "more --keyid than --key"));
    }
    if a.payload_type.is_empty() {
        return Err(CliError::new(
            Code::Usage,
            "--payload-type must not be empty",
        ));
    }
    let payload = read_input(&a.payload)?;
    let mut sigs = Vec::new();
    for (i, path) in a.keys.iter().enumerate() {
        let key = keys::load_private(path)?;
        let sig = key.sign_pae(&a.payload_type, &payload);
        let mut entry = serde_json::Map::new();
        if let Some(id) = a.keyids.get(i) {
            entry.insert("keyid".into(), json!(id));
        }
        entry.insert("sig".into(), json!(vouch_b64(&sig)));
        sigs.push(serde_json::Value::Object(entry));
    }
    let env =
        json!({"payload": vouch_b64(&payload), "payloadType": a.payload_type, "signatures": sigs});
    let text = serde_json::to_string(&env).unwrap_or_default() + "\n";
    match &a.out {
        Some(p) => std::fs::write(p, text).map_err(|e| CliError::io(p, &e))?,
        None => print!("{text}"),
    }
    if a.out.is_some() && format == Format::Json {
        out::json(&report::success(
            json!({"envelope": a.out, "signatures": a.keys.len()}),
        ));
    }
    Ok(())
}

fn vouch_b64(b: &[u8]) -> String {
    use base64ct::Encoding;
    base64ct::Base64::encode_string(b)
}
