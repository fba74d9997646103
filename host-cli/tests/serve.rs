//! The registry service, end to end: the real `vouch serve` binary on a loopback port (port 0, the
//! address read from its `listening on` line), spoken to over real sockets by a small blocking
//! HTTP/1.1 client. Every wait is bounded.

mod common;
#[path = "common/sigstore.rs"]
mod sigstore;
#[path = "../../core/tests/support/mod.rs"]
mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::pg::Backend;
use common::{Env, KEYLESS_IDENTITY, sha256_hex};

both_backends!(
    kill_9_during_a_stream_of_puts_loses_no_acknowledged_write,
    concurrent_writers_each_get_their_record,
    put_batch_gives_each_put_its_outcome,
    latest_summary_is_latest_without_the_envelope,
    without_a_refusal_limit_every_refusal_is_audited,
    keyless_dsse_bundles_bind_the_card_as_a_subject,
);
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// Longest any single wait in these tests may take.
const WAIT: Duration = Duration::from_secs(30);

/// A running `vouch serve`.
struct Server {
    child: Child,
    addr: String,
    log: Arc<Mutex<String>>,
    /// The test's directory, where the policy, its trusted root and the store live: no response
    /// may name it (a server's paths are none of its clients' business).
    dir: String,
}

impl Server {
    /// Starts `vouch serve --db DB --policy POLICY --listen 127.0.0.1:0 EXTRA…` in the env's
    /// directory and waits (bounded) for its `listening on http://` line.
    fn start(e: &Env, db: &str, policy: &str, extra: &[&str]) -> Server {
        Server::start_at(e, "127.0.0.1:0", db, policy, extra)
    }

    /// [`Server::start`] on another address.
    fn start_at(e: &Env, listen: &str, db: &str, policy: &str, extra: &[&str]) -> Server {
        let mut args = vec!["serve", "--db", db, "--policy", policy, "--listen", listen];
        args.extend(extra);
        let mut child = common::command(e.dir.path(), &args)
            .stdout(Stdio::null())
            .spawn()
            .expect("spawn vouch serve");
        let stderr = child.stderr.take().unwrap();
        let log = Arc::new(Mutex::new(String::new()));
        let (tx, rx) = std::sync::mpsc::channel();
        let sink = Arc::clone(&log);
        std::thread::spawn(move || {
            let mut tx = Some(tx);
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                // Logged before the address is handed over: a test that has the address sees
                // the line in the log.
                {
                    let mut l = sink.lock().unwrap();
                    l.push_str(&line);
                    l.push('\n');
                }
                if let Some(addr) = line
                    .strip_prefix("listening on http://")
                    .or_else(|| line.strip_prefix("listening on https://"))
                    && let Some(tx) = tx.take()
                {
                    let _ = tx.send(addr.to_string());
                }
            }
        });
        match rx.recv_timeout(WAIT) {
            Ok(addr) => Server {
                child,
                addr,
                log,
                dir: e.dir.path().display().to_string(),
            },
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "vouch serve did not start listening: {}",
                    log.lock().unwrap()
                );
            }
        }
    }

    fn req(&self, method: &str, path: &str, headers: &[(&str, &str)], body: Option<&[u8]>) -> Resp {
        let r = http(&self.addr, method, path, headers, body).unwrap_or_else(|e| {
            panic!(
                "{method} {path}: {e}; server log:\n{}",
                self.log.lock().unwrap()
            )
        });
        assert!(
            !r.body.contains(&self.dir),
            "{method} {path}: the response names a server path: {}",
            r.body
        );
        r
    }

    fn get(&self, path: &str, key: Option<&str>) -> Resp {
        match key {
            Some(k) => self.req("GET", path, &[("X-API-Key", k)], None),
            None => self.req("GET", path, &[], None),
        }
    }

    fn put(&self, urn: &str, key: &str, body: &[u8]) -> Resp {
        self.req(
            "PUT",
            &format!("/v1/registry/{urn}"),
            &[("X-API-Key", key), ("Content-Type", "application/json")],
            Some(body),
        )
    }

    /// Sends SIGTERM and waits (bounded) for the exit.
    fn terminate(mut self) -> (ExitStatus, String) {
        let pid = self.child.id().to_string();
        let ok = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        assert!(ok.success());
        let status = wait_bounded(&mut self.child);
        std::thread::sleep(Duration::from_millis(100));
        let log = self.log.lock().unwrap().clone();
        (status, log)
    }

    /// Waits (bounded) for an exit already asked for.
    fn terminate_wait(mut self) -> (ExitStatus, String) {
        let status = wait_bounded(&mut self.child);
        std::thread::sleep(Duration::from_millis(100));
        let log = self.log.lock().unwrap().clone();
        (status, log)
    }

    /// `kill -9`.
    fn kill9(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn wait_bounded(child: &mut Child) -> ExitStatus {
    let deadline = Instant::now() + WAIT;
    loop {
        if let Some(s) = child.try_wait().unwrap() {
            return s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the process did not exit in time");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// One HTTP answer.
#[derive(Debug)]
struct Resp {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Resp {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {} {:?}", self.status, self.body))
    }
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    /// The body as JSON, with its request id checked against `X-Request-Id` and removed.
    fn error_body(&self) -> Value {
        let mut v = self.json();
        let id = v["requestId"].as_str().expect("requestId").to_string();
        assert_eq!(Some(id.as_str()), self.header("x-request-id"));
        assert_eq!(id.len(), 16, "{id}");
        v.as_object_mut().unwrap().remove("requestId");
        v
    }
}

/// A blocking HTTP/1.1 request with `Connection: close`.
fn http(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&[u8]>,
) -> std::io::Result<Resp> {
    let mut s = TcpStream::connect(addr)?;
    s.set_read_timeout(Some(WAIT))?;
    s.set_write_timeout(Some(WAIT))?;
    exchange(&mut s, addr, method, path, headers, body)
}

/// Sends one request over `s` and reads the answer to the end of the stream.
fn exchange(
    s: &mut impl ReadWrite,
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&[u8]>,
) -> std::io::Result<Resp> {
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    if let Some(b) = body {
        head.push_str(&format!("Content-Length: {}\r\n", b.len()));
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes())?;
    if let Some(b) = body {
        // The server may answer (413) and close before reading everything.
        let _ = s.write_all(b);
    }
    let _ = s.flush();
    let mut raw = Vec::new();
    match s.read_to_end(&mut raw) {
        Ok(_) => {}
        // TLS: a peer that closes without close_notify.
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof && !raw.is_empty() => {}
        Err(e) => return Err(e),
    }
    let text = String::from_utf8_lossy(&raw).to_string();
    let (head, body) = text
        .split_once("\r\n\r\n")
        .ok_or_else(|| std::io::Error::other(format!("no header end in {text:?}")))?;
    let mut lines = head.split("\r\n");
    let status: u16 = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("bad status line in {text:?}")))?;
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    Ok(Resp {
        status,
        headers,
        body: body.to_string(),
    })
}

/// A byte stream both ways (TCP, or TLS over TCP).
trait ReadWrite: Read + Write {}
impl<T: Read + Write> ReadWrite for T {}

/// A registry Statement for `artifact`, signed by `key` (keyid `keyid`, none when empty).
fn provenance(e: &Env, artifact: &str, key: &str, keyid: &str, out: &str) {
    let stmt = format!("{out}.statement.json");
    e.registry_statement(
        ".",
        artifact,
        &["git+https://git.example/app@sha1:0123abcd"],
        &stmt,
    );
    let keyids: Vec<&str> = if keyid.is_empty() {
        vec![]
    } else {
        vec![keyid]
    };
    e.sign(&[key], &keyids, &stmt, out);
}

/// Keys `ci` (trusted) and `rogue`, policies enforce.json and permissive.json, a JSON manifest
/// (`manifest.json`, no trailing newline: the card object's bytes are the file's) and a text card
/// (`card.txt`), each with provenance signed by ci.
fn setup() -> Env {
    let e = Env::new();
    e.keygen("ed25519", "ci");
    e.keygen("ed25519", "rogue");
    e.policy("enforce.json", "enforce", &[("ci", "ci.pub", "")], "");
    e.policy("permissive.json", "permissive", &[("ci", "ci.pub", "")], "");
    e.write(
        "manifest.json",
        "{\"urn\": \"urn:example:app\", \"version\": 1,  \"name\": \"caf\\u00e9\"}",
    );
    e.write("card.txt", "name: app\nversion: \"2\"\n");
    provenance(&e, "manifest.json", "ci.key", "ci", "manifest.env.json");
    provenance(&e, "card.txt", "ci.key", "ci", "card.env.json");
    e
}

/// `vouch serve api-key add`; returns the key.
fn add_key(e: &Env, db: &str, extra: &[&str]) -> String {
    let mut args = vec!["serve", "api-key", "add", "--db", db, "--name", "test"];
    args.extend(extra);
    args.extend(["--format", "json"]);
    let r = e.run(&args);
    assert_eq!(r.code, 0, "{} {}", r.stdout, r.stderr);
    let v = r.json();
    assert_eq!(v["ok"], true, "{v}");
    let key = v["key"].as_str().unwrap().to_string();
    assert!(key.starts_with(&format!("vouch_{}_", v["keyId"].as_str().unwrap())));
    key
}

fn rw_key(e: &Env, db: &str) -> String {
    add_key(
        e,
        db,
        &["--scope", "provenance:write", "--scope", "provenance:read"],
    )
}

/// A PUT body with the card as the file's bytes (an object) and the envelope as an object.
fn body_object_card(
    e: &Env,
    urn: &str,
    card_file: &str,
    envelope: Option<&str>,
    sig: &str,
) -> Vec<u8> {
    let card = e.read(card_file);
    let prov = envelope.map_or_else(|| "null".to_string(), |f| e.read(f));
    format!(
        "{{\"urn\": {}, \"card\": {card}, \"sig\": {}, \"provenance\": {prov}}}",
        json!(urn),
        json!(sig)
    )
    .into_bytes()
}

/// A PUT body with the card as a JSON string.
fn body_string_card(e: &Env, urn: &str, card_file: &str, envelope: Option<&str>) -> Vec<u8> {
    let prov: Value = envelope.map_or(Value::Null, |f| serde_json::from_str(&e.read(f)).unwrap());
    json!({"urn": urn, "card": e.read(card_file), "sig": "c2ln", "provenance": prov})
        .to_string()
        .into_bytes()
}

fn count(db: &std::path::Path, sql: &str) -> i64 {
    let c = rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .unwrap();
    c.query_row(sql, [], |r| r.get(0)).unwrap()
}

#[test]
fn put_and_read_back_card_as_object_and_as_string() {
    let e = setup();
    let key = rw_key(&e, "r.db");
    let s = Server::start(&e, "r.db", "enforce.json", &[]);

    // The card as an object: the digest is SHA-256 of its bytes exactly as sent.
    let manifest = e.read("manifest.json");
    let d1 = sha256_hex(manifest.as_bytes());
    let r = s.put(
        "urn:example:app",
        &key,
        &body_object_card(
            &e,
            "urn:example:app",
            "manifest.json",
            Some("manifest.env.json"),
            "sig-1",
        ),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(
        r.json(),
        json!({"urn": "urn:example:app", "digest": format!("sha256:{d1}"), "seq": 1,
               "created": true, "replaced": false, "verified": true, "warnings": []})
    );
    assert_eq!(
        r.header("location"),
        Some(format!("/v1/registry/urn:example:app/provenance/sha256:{d1}").as_str())
    );
    assert_eq!(r.header("etag"), Some(format!("\"sha256:{d1}\"").as_str()));

    // The card as a string: SHA-256 of the unescaped string.
    let card = e.read("card.txt");
    let d2 = sha256_hex(card.as_bytes());
    let r = s.put(
        "urn:example:app",
        &key,
        &body_string_card(&e, "urn:example:app", "card.txt", Some("card.env.json")),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.json()["digest"], json!(format!("sha256:{d2}")));
    assert_eq!(r.json()["seq"], json!(2));

    // Latest: the string card's record.
    let r = s.get("/v1/registry/urn:example:app", Some(&key));
    assert_eq!(r.status, 200, "{}", r.body);
    let mut v = r.json();
    let recorded = v["recordedAt"].as_str().unwrap().to_string();
    assert!(recorded.ends_with('Z'));
    v.as_object_mut().unwrap().remove("recordedAt");
    assert_eq!(
        v,
        json!({"urn": "urn:example:app", "digest": format!("sha256:{d2}"), "seq": 2,
               "builder": "https://ci.example/builder", "timestamp": "2026-01-02T03:04:05Z",
               "verified": true, "payloadType": "application/vnd.in-toto+json",
               "buildTool": format!("vouch {}", env!("CARGO_PKG_VERSION")), "warnings": []})
    );

    // History, newest first, paged.
    let r = s.get("/v1/registry/urn:example:app/provenance", Some(&key));
    assert_eq!(r.status, 200);
    let v = r.json();
    let digests: Vec<&str> = v["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["digest"].as_str().unwrap())
        .collect();
    assert_eq!(digests, [format!("sha256:{d2}"), format!("sha256:{d1}")]);
    assert_eq!(v["next"], Value::Null);
    let r = s.get(
        "/v1/registry/urn:example:app/provenance?limit=1",
        Some(&key),
    );
    let v = r.json();
    assert_eq!(v["records"].as_array().unwrap().len(), 1);
    assert_eq!(v["records"][0]["digest"], json!(format!("sha256:{d2}")));
    let next = v["next"].as_str().expect("a cursor").to_string();
    let r = s.get(
        &format!("/v1/registry/urn:example:app/provenance?limit=1&cursor={next}"),
        Some(&key),
    );
    let v = r.json();
    assert_eq!(v["records"][0]["digest"], json!(format!("sha256:{d1}")));
    assert_eq!(v["next"], Value::Null);

    // One record, with its envelope (as sent) and sig.
    let r = s.get(
        &format!("/v1/registry/urn:example:app/provenance/sha256:{d1}"),
        Some(&key),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let v = r.json();
    let sent: Value = serde_json::from_str(&e.read("manifest.env.json")).unwrap();
    assert_eq!(v["envelope"], sent);
    assert_eq!(v["sig"], json!("sig-1"));
    assert_eq!(v["digest"], json!(format!("sha256:{d1}")));
    // Stored byte for byte: the envelope column is the span as sent.
    let c = rusqlite::Connection::open_with_flags(
        e.path("r.db"),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .unwrap();
    let stored: Vec<u8> = c
        .query_row(
            "SELECT envelope FROM provenance WHERE digest = ?1",
            [&d1],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(stored, e.read("manifest.env.json").trim_end().as_bytes());

    // Search by digest and by issuer; nothing found is [].
    let r = s.get(&format!("/v1/provenance?digest=sha256:{d1}"), Some(&key));
    assert_eq!(r.status, 200);
    let v = r.json();
    assert_eq!(v.as_array().unwrap().len(), 1);
    assert_eq!(v[0]["urn"], json!("urn:example:app"));
    let r = s.get(
        "/v1/provenance?issuer=https://ci.example/builder",
        Some(&key),
    );
    assert_eq!(r.json().as_array().unwrap().len(), 2);
    let r = s.get(
        &format!("/v1/provenance?digest=sha256:{}", "0".repeat(64)),
        Some(&key),
    );
    assert_eq!((r.status, r.body.as_str()), (200, "[]"));

    // The same digest is what `vouch store put` binds for the file, written the same way.
    let (status, _) = s.terminate();
    assert!(status.success());
    let (rc, v, _) = e.json(&["store", "get", "--db", "r.db", "--urn", "urn:example:app"]);
    assert_eq!(rc, 0);
    assert_eq!(v["record"]["digest"], json!(format!("sha256:{d2}")));
}

#[test]
fn identical_replay_is_200_and_a_different_envelope_is_409() {
    let e = setup();
    let key = rw_key(&e, "r.db");
    // Another valid envelope for the same manifest: the same signature, no keyid.
    provenance(&e, "manifest.json", "ci.key", "", "other.env.json");
    assert_ne!(e.read("other.env.json"), e.read("manifest.env.json"));
    let s = Server::start(&e, "r.db", "enforce.json", &[]);
    let body = body_object_card(
        &e,
        "urn:example:app",
        "manifest.json",
        Some("manifest.env.json"),
        "s",
    );
    let first = s.put("urn:example:app", &key, &body);
    assert_eq!(first.status, 201, "{}", first.body);
    let history = s
        .get("/v1/registry/urn:example:app/provenance", Some(&key))
        .body;
    let again = s.put("urn:example:app", &key, &body);
    assert_eq!(again.status, 200, "{}", again.body);
    let mut a = again.json();
    assert_eq!(a["created"], json!(false));
    a["created"] = json!(true);
    assert_eq!(a, first.json(), "the replay answers the original record");
    assert_eq!(again.header("etag"), first.header("etag"));
    assert_eq!(
        s.get("/v1/registry/urn:example:app/provenance", Some(&key))
            .body,
        history
    );

    // A different envelope, or the same envelope with a different sig: 409, nothing changes.
    let d = sha256_hex(e.read("manifest.json").as_bytes());
    for b in [
        body_object_card(
            &e,
            "urn:example:app",
            "manifest.json",
            Some("other.env.json"),
            "s",
        ),
        body_object_card(
            &e,
            "urn:example:app",
            "manifest.json",
            Some("manifest.env.json"),
            "t",
        ),
    ] {
        let r = s.put("urn:example:app", &key, &b);
        assert_eq!(r.status, 409, "{}", r.body);
        assert_eq!(
            r.error_body(),
            json!({"error": "conflict",
                   "message": format!("a different envelope is stored for \"urn:example:app\" at sha256:{d}")})
        );
    }
    assert_eq!(
        s.get("/v1/registry/urn:example:app/provenance", Some(&key))
            .body,
        history
    );
    let one = s
        .get(
            &format!("/v1/registry/urn:example:app/provenance/sha256:{d}"),
            Some(&key),
        )
        .json();
    assert_eq!(
        one["envelope"],
        serde_json::from_str::<Value>(&e.read("manifest.env.json")).unwrap()
    );
    drop(s);
    // One record; an audit row per PUT, in the same store.
    assert_eq!(count(&e.path("r.db"), "SELECT count(*) FROM provenance"), 1);
    assert_eq!(
        count(
            &e.path("r.db"),
            "SELECT count(*) FROM audit_log WHERE action = 'put'"
        ),
        4
    );
    assert_eq!(
        count(
            &e.path("r.db"),
            "SELECT count(*) FROM audit_log WHERE outcome = 'conflict' AND status = 409"
        ),
        2
    );
}

#[test]
fn enforce_refuses_missing_and_invalid_provenance_with_422() {
    let e = setup();
    let key = rw_key(&e, "r.db");
    provenance(&e, "manifest.json", "rogue.key", "ci", "rogue.env.json");
    let s = Server::start(&e, "r.db", "enforce.json", &[]);

    let r = s.put(
        "urn:example:app",
        &key,
        &body_object_card(&e, "urn:example:app", "manifest.json", None, "s"),
    );
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(
        r.error_body(),
        json!({"error": "missing_provenance",
               "message": "DSSE provenance attestation is required in enforce mode."})
    );
    // Absent is the same as null.
    let r = s.put(
        "urn:example:app",
        &key,
        br#"{"urn": "urn:example:app", "card": "x", "sig": null}"#,
    );
    assert_eq!(r.status, 422);
    assert_eq!(r.json()["error"], json!("missing_provenance"));

    let r = s.put(
        "urn:example:app",
        &key,
        &body_object_card(
            &e,
            "urn:example:app",
            "manifest.json",
            Some("rogue.env.json"),
            "s",
        ),
    );
    assert_eq!(r.status, 422, "{}", r.body);
    let v = r.error_body();
    assert_eq!(v["error"], json!("invalid_provenance"));
    assert_eq!(v["reason"], json!("invalid-signature"));
    assert!(v["message"].as_str().unwrap().contains("signature"), "{v}");

    // The card is bound: the manifest's provenance does not cover another card.
    let r = s.put(
        "urn:example:app",
        &key,
        &body_string_card(&e, "urn:example:app", "card.txt", Some("manifest.env.json")),
    );
    assert_eq!(r.status, 422);
    assert_eq!(r.json()["reason"], json!("subject-mismatch"));
    // A card object differing only in whitespace is another digest.
    let spaced = format!("{} ", e.read("manifest.json").replacen(", ", " ,", 1));
    e.write("spaced.json", &spaced);
    let r = s.put(
        "urn:example:app",
        &key,
        &body_object_card(
            &e,
            "urn:example:app",
            "spaced.json",
            Some("manifest.env.json"),
            "s",
        ),
    );
    assert_eq!(r.status, 422);
    assert_eq!(r.json()["reason"], json!("subject-mismatch"));

    let r = s.get("/v1/registry/urn:example:app", Some(&key));
    assert_eq!(r.status, 404, "a refused PUT wrote a record: {}", r.body);
    assert_eq!(
        r.error_body(),
        json!({"error": "not-found", "message": "no record for \"urn:example:app\""})
    );
    let m = s.get("/metrics", None).body;
    assert!(
        m.contains("vouch_verifications_total{outcome=\"invalid-signature\"} 1"),
        "{m}"
    );
    assert!(
        m.contains("vouch_verifications_total{outcome=\"missing_provenance\"} 2"),
        "{m}"
    );
    drop(s);
    assert_eq!(count(&e.path("r.db"), "SELECT count(*) FROM provenance"), 0);
    assert_eq!(
        count(
            &e.path("r.db"),
            "SELECT count(*) FROM audit_log WHERE action = 'put' AND status = 422"
        ),
        5
    );
}

#[test]
fn permissive_stores_with_warnings() {
    let e = setup();
    let key = rw_key(&e, "r.db");
    provenance(&e, "card.txt", "rogue.key", "ci", "rogue.env.json");
    let s = Server::start(&e, "r.db", "permissive.json", &[]);
    let r = s.put(
        "urn:example:app",
        &key,
        &body_object_card(&e, "urn:example:app", "manifest.json", None, "s"),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let v = r.json();
    assert_eq!(v["verified"], json!(false));
    assert_eq!(
        v["warnings"],
        json!([{"code": "missing_provenance", "reason": null,
                "message": "DSSE provenance attestation is required in enforce mode."}])
    );
    let r = s.put(
        "urn:example:other",
        &key,
        &body_string_card(&e, "urn:example:other", "card.txt", Some("rogue.env.json")),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let v = r.json();
    assert_eq!(v["verified"], json!(false));
    assert_eq!(v["warnings"][0]["code"], json!("invalid_provenance"));
    assert_eq!(v["warnings"][0]["reason"], json!("invalid-signature"));
    let latest = s.get("/v1/registry/urn:example:other", Some(&key)).json();
    assert_eq!(latest["verified"], json!(false));
    assert_eq!(latest["warnings"], v["warnings"]);
    assert_eq!(latest["builder"], json!("https://ci.example/builder"));
    let one = s
        .get(
            &format!(
                "/v1/registry/urn:example:app/provenance/sha256:{}",
                sha256_hex(e.read("manifest.json").as_bytes())
            ),
            Some(&key),
        )
        .json();
    assert_eq!(one["envelope"], Value::Null);
    assert_eq!(one["builder"], Value::Null);
}

#[test]
fn malformed_requests_are_400_404_405_413_415() {
    let e = setup();
    let key = rw_key(&e, "r.db");
    let s = Server::start(&e, "r.db", "enforce.json", &["--max-body", "4096"]);
    let put = |path: &str, ct: &str, body: &[u8]| {
        s.req(
            "PUT",
            path,
            &[("X-API-Key", &key), ("Content-Type", ct)],
            Some(body),
        )
    };
    let cases: Vec<(Resp, u16, Value)> = vec![
        (
            put(
                "/v1/registry/urn:example:a",
                "application/json",
                br#"{"urn": "urn:example:b", "card": "x", "sig": "s", "provenance": null}"#,
            ),
            400,
            json!({"error": "urn-mismatch", "message": "the path's URN \"urn:example:a\" is not the body's urn \"urn:example:b\""}),
        ),
        (
            put(
                "/v1/registry/urn:example:a",
                "application/json",
                b"{\"urn\": ",
            ),
            400,
            json!({"error": "invalid-json", "message": "the request body is not strict JSON: the document is not valid JSON"}),
        ),
        (
            put(
                "/v1/registry/urn:example:a",
                "application/json",
                br#"{"urn": "urn:example:a", "card": "x", "card": "y"}"#,
            ),
            400,
            json!({"error": "duplicate-key", "message": "the request body is not strict JSON: a JSON object repeats a key"}),
        ),
        (
            put(
                "/v1/registry/urn:example:a",
                "application/json",
                br#"{"urn": "urn:example:a", "card": 7, "sig": "s"}"#,
            ),
            400,
            json!({"error": "bad-request", "message": "card must be a JSON string or object"}),
        ),
        (
            put(
                "/v1/registry/urn:example:a",
                "application/json; charset=utf-8",
                br#"{"urn": "urn:example:a", "card": "x", "provenance": 1}"#,
            ),
            400,
            json!({"error": "bad-request", "message": "provenance must be a DSSE envelope (a JSON object, or its text as a string)"}),
        ),
        (
            put("/v1/registry/not-a-urn", "application/json", b"{}"),
            400,
            json!({"error": "bad-request", "message": "not a URN (urn:…, at most 1024 bytes): \"not-a-urn\""}),
        ),
        (
            put("/v1/registry/urn:example:a", "text/plain", b"{}"),
            415,
            json!({"error": "unsupported-media-type", "message": "the request body must be application/json"}),
        ),
        (
            put(
                "/v1/registry/urn:example:a",
                "application/json",
                &vec![b' '; 5000],
            ),
            413,
            json!({"error": "payload-too-large", "message": "the request body is larger than 4096 bytes"}),
        ),
        (
            s.get("/v1/nothing", Some(&key)),
            404,
            json!({"error": "not-found", "message": "no such resource"}),
        ),
        (
            s.req(
                "DELETE",
                "/v1/registry/urn:example:a",
                &[("X-API-Key", &key)],
                None,
            ),
            405,
            json!({"error": "method-not-allowed", "message": "this path does not take this method"}),
        ),
        (
            s.get(
                "/v1/registry/urn:example:a/provenance?limit=501",
                Some(&key),
            ),
            400,
            json!({"error": "bad-request", "message": "limit must be 1 to 500"}),
        ),
        (
            s.get(
                "/v1/registry/urn:example:a/provenance/sha256:ABC",
                Some(&key),
            ),
            400,
            json!({"error": "bad-request", "message": "a digest is sha256:<64 lowercase hex digits>"}),
        ),
        (
            s.get("/v1/provenance", Some(&key)),
            400,
            json!({"error": "bad-request", "message": "give exactly one of digest=sha256:<hex> and issuer=<builder id>"}),
        ),
        (
            s.get(
                &format!(
                    "/v1/registry/urn:example:a/provenance/sha256:{}",
                    "a".repeat(64)
                ),
                Some(&key),
            ),
            404,
            json!({"error": "not-found", "message": format!("no record for \"urn:example:a\" at sha256:{}", "a".repeat(64))}),
        ),
        (
            s.get("/v1/registry/urn:example:a/provenance", Some(&key)),
            404,
            json!({"error": "not-found", "message": "no record for \"urn:example:a\""}),
        ),
    ];
    for (i, (r, status, body)) in cases.iter().enumerate() {
        assert_eq!(r.status, *status, "case {i}: {}", r.body);
        assert_eq!(&r.error_body(), body, "case {i}");
    }
    // An unknown member is refused (the message names it).
    let r = put(
        "/v1/registry/urn:example:a",
        "application/json",
        br#"{"urn": "urn:example:a", "card": "x", "extra": 1}"#,
    );
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["error"], json!("bad-request"));
    assert!(
        r.json()["message"].as_str().unwrap().contains("extra"),
        "{}",
        r.body
    );
    // A body over the limit announced by Content-Length is refused before it is read.
    let r = s.req(
        "BREW",
        "/v1/registry/urn:example:a",
        &[("X-API-Key", &key)],
        None,
    );
    assert_eq!(r.status, 405);
    let m = s.get("/metrics", None).body;
    assert!(m.contains("vouch_http_requests_total{route=\"/v1/registry/{urn}\",method=\"PUT\",status=\"413\"} 1"), "{m}");
    assert!(
        m.contains("route=\"/v1/registry/{urn}\",method=\"other\",status=\"405\"} 1"),
        "{m}"
    );
    assert!(!m.contains("BREW"), "{m}");
    assert!(
        m.contains(
            "vouch_http_requests_total{route=\"unmatched\",method=\"GET\",status=\"404\"} 1"
        ),
        "{m}"
    );
    drop(s);
    assert_eq!(count(&e.path("r.db"), "SELECT count(*) FROM provenance"), 0);
    // Every refused PUT that passed auth left an audit row (the bad URN was refused before).
    assert_eq!(
        count(
            &e.path("r.db"),
            "SELECT count(*) FROM audit_log WHERE action = 'put' AND status IN (400, 413, 415)"
        ),
        8
    );
    assert_eq!(
        count(
            &e.path("r.db"),
            "SELECT count(*) FROM audit_log WHERE outcome = 'payload-too-large' AND status = 413"
        ),
        1
    );
}

#[test]
fn every_auth_case() {
    let e = setup();
    let db = "r.db";
    let writer = rw_key(&e, db);
    let reader = add_key(&e, db, &["--scope", "provenance:read"]);
    let prefixed = add_key(
        &e,
        db,
        &["--scope", "provenance:write", "--urn-prefix", "urn:team-a:"],
    );
    let expired = add_key(
        &e,
        db,
        &[
            "--scope",
            "provenance:write",
            "--expires",
            "2020-01-01T00:00:00Z",
        ],
    );
    let revoked = add_key(
        &e,
        db,
        &["--scope", "provenance:write", "--scope", "provenance:read"],
    );
    let revoked_id = &revoked[6..18];
    let r = e.run(&["serve", "api-key", "revoke", "--db", db, revoked_id]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = e.run(&["serve", "api-key", "revoke", "--db", db, "aaaaaaaaaaaa"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    // The list shows ids and state, never a secret.
    let (rc, list, _) = e.json(&["serve", "api-key", "list", "--db", db]);
    assert_eq!(rc, 0);
    assert_eq!(list["keys"].as_array().unwrap().len(), 5);
    assert!(!list.to_string().contains(&writer[19..]));
    assert!(
        list["keys"]
            .as_array()
            .unwrap()
            .iter()
            .any(|k| k["keyId"] == json!(revoked_id) && k["revokedAt"].is_string())
    );
    // The store holds the SHA-256 of each secret, never a secret.
    let stored: Vec<u8> = rusqlite::Connection::open(e.path(db))
        .unwrap()
        .query_row(
            "SELECT secret_sha256 FROM api_keys WHERE key_id = ?1",
            [&writer[6..18]],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(stored, Sha256::digest(&writer.as_bytes()[19..]).to_vec());

    let s = Server::start(&e, db, "enforce.json", &[]);
    let body = body_object_card(
        &e,
        "urn:example:app",
        "manifest.json",
        Some("manifest.env.json"),
        "s",
    );
    let unauth =
        json!({"error": "unauthenticated", "message": "a valid API key is required (X-API-Key)"});
    let wrong_secret = format!("{}x", &writer[..writer.len() - 1]);
    let unknown = format!("vouch_aaaaaaaaaaaa_{}", &writer[19..]);
    for (what, k) in [
        ("unknown id", unknown.as_str()),
        ("wrong secret", wrong_secret.as_str()),
        ("malformed", "not-a-key"),
        ("revoked", revoked.as_str()),
        ("expired", expired.as_str()),
    ] {
        let r = s.put("urn:example:app", k, &body);
        assert_eq!(r.status, 401, "{what}: {}", r.body);
        assert_eq!(r.error_body(), unauth, "{what}");
    }
    let r = s.req(
        "PUT",
        "/v1/registry/urn:example:app",
        &[("Content-Type", "application/json")],
        Some(&body),
    );
    assert_eq!(r.status, 401, "no key");
    assert_eq!(r.error_body(), unauth);
    // Wrong scope, URN outside the prefixes: 403.
    let r = s.put("urn:example:app", &reader, &body);
    assert_eq!(r.status, 403);
    assert_eq!(
        r.error_body(),
        json!({"error": "forbidden", "message": "the API key lacks the provenance:write scope"})
    );
    let r = s.put("urn:example:app", &prefixed, &body);
    assert_eq!(r.status, 403);
    assert_eq!(
        r.error_body(),
        json!({"error": "forbidden", "message": "the URN is outside the API key's URN prefixes"})
    );
    let r = s.get("/v1/registry/urn:example:app", Some(&prefixed));
    assert_eq!(r.status, 403, "a write-only key reads");
    // Reads need a key with the read scope.
    assert_eq!(s.get("/v1/registry/urn:example:app", None).status, 401);
    assert_eq!(s.get("/v1/provenance?issuer=x", None).status, 401);
    // Nothing refused was stored; the writer succeeds.
    assert_eq!(
        s.get("/v1/registry/urn:example:app", Some(&reader)).status,
        404
    );
    let r = s.put("urn:example:app", &writer, &body);
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(
        s.get("/v1/registry/urn:example:app", Some(&reader)).status,
        200
    );
    // A prefixed key writes inside its prefix; a key made while the service runs works at once;
    // a search shows a prefixed key only the URNs it covers.
    let team_body = body_object_card(
        &e,
        "urn:team-a:app",
        "manifest.json",
        Some("manifest.env.json"),
        "s",
    );
    let r = s.put("urn:team-a:app", &prefixed, &team_body);
    assert_eq!(r.status, 201, "{}", r.body);
    let team_reader = add_key(
        &e,
        db,
        &["--scope", "provenance:read", "--urn-prefix", "urn:team-a:"],
    );
    let d = sha256_hex(e.read("manifest.json").as_bytes());
    let urns = |key: &str| -> Vec<String> {
        let r = s.get(&format!("/v1/provenance?digest=sha256:{d}"), Some(key));
        assert_eq!(r.status, 200, "{}", r.body);
        r.json()
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["urn"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(urns(&reader), ["urn:team-a:app", "urn:example:app"]);
    assert_eq!(urns(&team_reader), ["urn:team-a:app"]);
    assert_eq!(
        s.get("/v1/registry/urn:example:app", Some(&team_reader))
            .status,
        403
    );
    drop(s);
    let dbp = e.path(db);
    assert_eq!(
        count(
            &dbp,
            "SELECT count(*) FROM audit_log WHERE action = 'auth' AND status = 401"
        ),
        8
    );
    assert_eq!(
        count(
            &dbp,
            "SELECT count(*) FROM audit_log WHERE action = 'auth' AND status = 403"
        ),
        4
    );
    assert_eq!(
        count(
            &dbp,
            "SELECT count(*) FROM audit_log WHERE outcome = 'revoked-key'"
        ),
        1
    );
    assert_eq!(
        count(
            &dbp,
            "SELECT count(*) FROM audit_log WHERE outcome = 'expired-key'"
        ),
        1
    );
    assert_eq!(
        count(
            &dbp,
            "SELECT count(*) FROM audit_log WHERE outcome = 'wrong-secret'"
        ),
        1
    );
    assert_eq!(
        count(
            &dbp,
            "SELECT count(*) FROM audit_log WHERE action = 'put' AND status = 201"
        ),
        2
    );
    assert_eq!(count(&dbp, "SELECT count(*) FROM provenance"), 2);

    // --public-read: reads need no key; writes still do.
    let s = Server::start(&e, db, "enforce.json", &["--public-read"]);
    assert_eq!(s.get("/v1/registry/urn:example:app", None).status, 200);
    assert_eq!(
        s.get("/v1/registry/urn:example:app/provenance", None)
            .status,
        200
    );
    let r = s.req(
        "PUT",
        "/v1/registry/urn:example:app",
        &[("Content-Type", "application/json")],
        Some(&body),
    );
    assert_eq!(r.status, 401);
}

#[test]
fn health_ready_and_metrics() {
    let e = setup();
    let s = Server::start(&e, "r.db", "enforce.json", &[]);
    let r = s.get("/healthz", None);
    assert_eq!((r.status, r.json()), (200, json!({"status": "ok"})));
    let r = s.get("/readyz", None);
    assert_eq!(r.status, 200);
    let policy_sha = sha256_hex(e.read("enforce.json").as_bytes());
    assert_eq!(
        r.json(),
        json!({"status": "ready", "schemaVersion": vouch_cli::store::SCHEMA_VERSION,
               "durableCommits": true,
               "policySha256": policy_sha, "mode": "enforce"})
    );
    let r = s.get("/metrics", None);
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("text/plain; version=0.0.4"));
    for line in [
        "vouch_http_requests_total{route=\"/healthz\",method=\"GET\",status=\"200\"} 1",
        "vouch_http_requests_total{route=\"/readyz\",method=\"GET\",status=\"200\"} 1",
        "vouch_http_request_duration_seconds_count{route=\"/healthz\"} 1",
        "vouch_jobs_in_flight 0",
        "vouch_store_errors_total 0",
    ] {
        assert!(
            r.body.lines().any(|l| l == line),
            "missing {line:?} in\n{}",
            r.body
        );
    }
}

/// The fixture certificate and key into the env's directory.
fn tls_files(e: &Env) {
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    for f in ["test-only-tls.crt", "test-only-tls.key"] {
        std::fs::copy(fixtures.join(f), e.path(f)).unwrap();
    }
}

/// A TLS client that trusts only the fixture certificate.
fn tls_client(e: &Env) -> Arc<rustls::ClientConfig> {
    use rustls_pki_types::CertificateDer;
    use rustls_pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_file(e.path("test-only-tls.crt")).unwrap())
        .unwrap();
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Arc::new(
        rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth(),
    )
}

#[test]
fn https_with_tls_cert_and_key() {
    let e = setup();
    tls_files(&e);
    let key = rw_key(&e, "r.db");
    let s = Server::start(
        &e,
        "r.db",
        "enforce.json",
        &[
            "--tls-cert",
            "test-only-tls.crt",
            "--tls-key",
            "test-only-tls.key",
            "--header-timeout",
            "1",
        ],
    );
    let log = s.log.lock().unwrap().clone();
    assert!(
        log.contains(&format!("listening on https://{}", s.addr)),
        "{log}"
    );
    let client = tls_client(&e);
    let call = |method: &str, path: &str, headers: &[(&str, &str)], body: Option<&[u8]>| {
        let tcp = TcpStream::connect(&s.addr).unwrap();
        tcp.set_read_timeout(Some(WAIT)).unwrap();
        let name = rustls_pki_types::ServerName::try_from("localhost").unwrap();
        let conn = rustls::ClientConnection::new(Arc::clone(&client), name).unwrap();
        let mut tls = rustls::StreamOwned::new(conn, tcp);
        exchange(&mut tls, &s.addr, method, path, headers, body).unwrap()
    };
    let body = body_object_card(
        &e,
        "urn:example:app",
        "manifest.json",
        Some("manifest.env.json"),
        "s",
    );
    let r = call(
        "PUT",
        "/v1/registry/urn:example:app",
        &[("X-API-Key", &key), ("Content-Type", "application/json")],
        Some(&body),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let r = call(
        "GET",
        "/v1/registry/urn:example:app",
        &[("X-API-Key", &key)],
        None,
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["verified"], json!(true));
    // Plain HTTP to the TLS port gets no answer.
    assert!(http(&s.addr, "GET", "/healthz", &[], None).is_err());
    // A client that never finishes the handshake is dropped after the header timeout (1 s here),
    // while others are served.
    let mut stalled = TcpStream::connect(&s.addr).unwrap();
    stalled.set_read_timeout(Some(WAIT)).unwrap();
    let start = Instant::now();
    let mut buf = [0u8; 64];
    assert_eq!(call("GET", "/healthz", &[], None).status, 200);
    let n = loop {
        match stalled.read(&mut buf) {
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            r => break r.unwrap_or(0),
        }
    };
    assert_eq!(n, 0, "the server answered a client that sent nothing");
    let took = start.elapsed();
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_secs(5),
        "{took:?}"
    );
    drop(s);
    // TLS makes a non-loopback address acceptable; one flag without the other is refused.
    let s = Server::start_at(
        &e,
        "0.0.0.0:0",
        "r.db",
        "enforce.json",
        &[
            "--tls-cert",
            "test-only-tls.crt",
            "--tls-key",
            "test-only-tls.key",
        ],
    );
    assert!(s.addr.starts_with("0.0.0.0:"), "{}", s.addr);
    drop(s);
    let r = e.run(&[
        "serve",
        "--db",
        "r.db",
        "--policy",
        "enforce.json",
        "--listen",
        "127.0.0.1:0",
        "--tls-cert",
        "test-only-tls.crt",
    ]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    let r = e.run(&[
        "serve",
        "--db",
        "r.db",
        "--policy",
        "enforce.json",
        "--listen",
        "127.0.0.1:0",
        "--tls-cert",
        "r.db",
        "--tls-key",
        "test-only-tls.key",
    ]);
    assert_eq!(r.code, 2, "a store is no certificate: {}", r.stderr);
    assert!(r.stderr.contains("key-invalid"), "{}", r.stderr);
}

#[test]
fn non_loopback_listen_needs_insecure_plaintext() {
    let e = setup();
    let r = e.run(&[
        "serve",
        "--db",
        "r.db",
        "--policy",
        "enforce.json",
        "--listen",
        "0.0.0.0:0",
    ]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("--insecure-plaintext"), "{}", r.stderr);
    assert!(
        !e.path("r.db").exists(),
        "refused before touching the store"
    );
    let r = e.run(&["serve", "--db", "r.db", "--policy", "enforce.json"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
}

#[test]
fn slow_headers_are_disconnected_while_others_are_served() {
    let e = setup();
    let s = Server::start(&e, "r.db", "enforce.json", &["--header-timeout", "1"]);
    let mut slow = TcpStream::connect(&s.addr).unwrap();
    slow.set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    slow.write_all(b"GET /healthz HTTP/1.1\r\n").unwrap();
    let start = Instant::now();
    let mut closed = false;
    let mut buf = [0u8; 512];
    while start.elapsed() < Duration::from_secs(10) {
        // A header byte every 100 ms: never a whole header block.
        if slow.write_all(b"X").is_err() {
            closed = true;
            break;
        }
        match slow.read(&mut buf) {
            Ok(0) => {
                closed = true;
                break;
            }
            // hyper may answer 408 before closing.
            Ok(n) => assert!(
                String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 408"),
                "{:?}",
                String::from_utf8_lossy(&buf[..n])
            ),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock
                        | std::io::ErrorKind::TimedOut
                        | std::io::ErrorKind::Interrupted
                ) => {}
            Err(_) => {
                closed = true;
                break;
            }
        }
        // Normal traffic is served meanwhile.
        assert_eq!(s.get("/healthz", None).status, 200);
    }
    assert!(closed, "a client dribbling headers was not disconnected");
    let took = start.elapsed();
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_secs(5),
        "{took:?}"
    );
}

#[test]
fn sigterm_stops_gracefully_with_exit_0() {
    let e = setup();
    let key = rw_key(&e, "r.db");
    let s = Server::start(&e, "r.db", "enforce.json", &[]);
    let r = s.put(
        "urn:example:app",
        &key,
        &body_object_card(
            &e,
            "urn:example:app",
            "manifest.json",
            Some("manifest.env.json"),
            "s",
        ),
    );
    assert_eq!(r.status, 201);
    let addr = s.addr.clone();
    let (status, log) = s.terminate();
    assert_eq!(status.code(), Some(0), "{log}");
    assert!(log.contains("vouch serve: shutting down"), "{log}");
    assert!(log.contains("vouch serve: stopped"), "{log}");
    assert!(
        TcpStream::connect(&addr).is_err(),
        "still accepting after shutdown"
    );
}

#[test]
fn sigterm_lets_a_request_in_flight_finish() {
    let e = setup();
    let key = rw_key(&e, "r.db");
    let s = Server::start(&e, "r.db", "enforce.json", &[]);
    let body = body_object_card(
        &e,
        "urn:example:app",
        "manifest.json",
        Some("manifest.env.json"),
        "s",
    );
    let mut c = TcpStream::connect(&s.addr).unwrap();
    c.set_read_timeout(Some(WAIT)).unwrap();
    write!(
        c,
        "PUT /v1/registry/urn:example:app HTTP/1.1\r\nHost: x\r\nX-API-Key: {key}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .unwrap();
    let (first, rest) = body.split_at(body.len() / 2);
    c.write_all(first).unwrap();
    // The request is in flight (its body half sent) when SIGTERM arrives.
    std::thread::sleep(Duration::from_millis(300));
    let pid = s.child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    std::thread::sleep(Duration::from_millis(300));
    c.write_all(rest).unwrap();
    let mut raw = Vec::new();
    c.read_to_end(&mut raw).unwrap();
    let text = String::from_utf8_lossy(&raw);
    assert!(text.starts_with("HTTP/1.1 201"), "{text}");
    let (status, log) = s.terminate_wait();
    assert_eq!(status.code(), Some(0), "{log}");
    assert!(log.contains("vouch serve: stopped\n"), "{log}");
    let (rc, v, _) = e.json(&["store", "get", "--db", "r.db", "--urn", "urn:example:app"]);
    assert_eq!(rc, 0, "{v}");
}

fn kill_9_during_a_stream_of_puts_loses_no_acknowledged_write(b: Backend) {
    let e = setup();
    let st = b.stores(e.dir.path());
    let db = st.db("r.db");
    let db = db.as_str();
    let key = rw_key(&e, db);
    // 40 manifests with provenance; every fifth signed by the rogue key (refused).
    let n = 40;
    for i in 0..n {
        e.write(
            &format!("m{i}.json"),
            &format!("{{\"urn\": \"urn:example:m\", \"n\": {i}}}"),
        );
        let signer = if i % 5 == 4 { "rogue.key" } else { "ci.key" };
        provenance(
            &e,
            &format!("m{i}.json"),
            signer,
            "ci",
            &format!("m{i}.env.json"),
        );
    }
    let bodies: Vec<(String, Vec<u8>)> = (0..n)
        .map(|i| {
            (
                sha256_hex(e.read(&format!("m{i}.json")).as_bytes()),
                body_object_card(
                    &e,
                    "urn:example:m",
                    &format!("m{i}.json"),
                    Some(&format!("m{i}.env.json")),
                    "s",
                ),
            )
        })
        .collect();
    let s = Server::start(&e, db, "enforce.json", &[]);
    let acked = Arc::new(Mutex::new(Vec::<String>::new()));
    let refused = Arc::new(Mutex::new(Vec::<String>::new()));
    let (addr, k) = (s.addr.clone(), key.clone());
    let (a2, r2) = (Arc::clone(&acked), Arc::clone(&refused));
    let client = std::thread::spawn(move || {
        // Sent over and over (replays are 200) until the server dies.
        for round in 0..1000 {
            for (digest, body) in &bodies {
                let r = http(
                    &addr,
                    "PUT",
                    "/v1/registry/urn:example:m",
                    &[("X-API-Key", &k), ("Content-Type", "application/json")],
                    Some(body),
                );
                match r {
                    Ok(r) if r.status == 201 || r.status == 200 => {
                        a2.lock().unwrap().push(digest.clone())
                    }
                    Ok(r) if r.status == 422 => r2.lock().unwrap().push(digest.clone()),
                    Ok(r) => panic!("round {round}: unexpected {} {}", r.status, r.body),
                    Err(_) => return,
                }
            }
        }
    });
    let deadline = Instant::now() + WAIT;
    while acked.lock().unwrap().len() < 20 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    s.kill9();
    client.join().unwrap();
    let acked = acked.lock().unwrap().clone();
    let refused = refused.lock().unwrap().clone();
    assert!(acked.len() >= 20, "{}", acked.len());
    assert!(!refused.is_empty());

    // Restart on the same store: every acknowledged write is there, no refused one is.
    let s = Server::start(&e, db, "enforce.json", &[]);
    for d in &acked {
        let r = s.get(
            &format!("/v1/registry/urn:example:m/provenance/sha256:{d}"),
            Some(&key),
        );
        assert_eq!(r.status, 200, "acknowledged write sha256:{d} lost");
        assert_eq!(r.json()["verified"], json!(true));
    }
    for d in &refused {
        let r = s.get(
            &format!("/v1/registry/urn:example:m/provenance/sha256:{d}"),
            Some(&key),
        );
        assert_eq!(r.status, 404, "refused write sha256:{d} stored");
    }
    drop(s);
    assert!(st.integrity_ok("r.db"));
    // Every record has its audit row (same transaction).
    let orphans = st.count(
        "r.db",
        "SELECT count(*) FROM provenance p WHERE NOT EXISTS (SELECT 1 FROM audit_log a
         WHERE a.action = 'put' AND a.status = 201 AND a.digest = p.digest)",
    );
    assert_eq!(orphans, 0);
}

/// `n` JSON manifests `m{i}.json` with provenance `m{i}.env.json` signed by ci (by rogue when
/// `rogue(i)`); returns (digest, card file, envelope file) per manifest.
fn manifests(e: &Env, n: usize, rogue: impl Fn(usize) -> bool) -> Vec<(String, String, String)> {
    (0..n)
        .map(|i| {
            let (m, env) = (format!("m{i}.json"), format!("m{i}.env.json"));
            e.write(&m, &format!("{{\"urn\": \"urn:example:m\", \"n\": {i}}}"));
            let signer = if rogue(i) { "rogue.key" } else { "ci.key" };
            provenance(e, &m, signer, "ci", &env);
            (sha256_hex(e.read(&m).as_bytes()), m, env)
        })
        .collect()
}

fn concurrent_writers_each_get_their_record(b: Backend) {
    let e = setup();
    let st = b.stores(e.dir.path());
    let db = st.db("r.db");
    let key = rw_key(&e, &db);
    let list = manifests(&e, 16, |_| false);
    let s = Server::start(&e, &db, "enforce.json", &[]);
    let mut threads = Vec::new();
    for chunk in list.chunks(2) {
        // Half the bodies carry the envelope as a JSON string (its text), half as an object.
        let bodies: Vec<(String, Vec<u8>)> = chunk
            .iter()
            .enumerate()
            .map(|(j, (d, m, env))| {
                let b = if j == 0 {
                    body_object_card(&e, "urn:example:m", m, Some(env), "s")
                } else {
                    let card = e.read(m);
                    json!({"urn": "urn:example:m", "card": card, "sig": "s", "provenance": e.read(env)})
                        .to_string()
                        .into_bytes()
                };
                (d.clone(), b)
            })
            .collect();
        let (addr, k) = (s.addr.clone(), key.clone());
        threads.push(std::thread::spawn(move || {
            bodies
                .into_iter()
                .map(|(d, b)| {
                    let r = http(
                        &addr,
                        "PUT",
                        "/v1/registry/urn:example:m",
                        &[("X-API-Key", &k), ("Content-Type", "application/json")],
                        Some(&b),
                    )
                    .unwrap();
                    (d, r.status, r.body)
                })
                .collect::<Vec<_>>()
        }));
    }
    let mut seqs = Vec::new();
    for t in threads {
        for (d, status, body) in t.join().unwrap() {
            assert_eq!(status, 201, "{body}");
            let v: Value = serde_json::from_str(&body).unwrap();
            assert_eq!(v["digest"], json!(format!("sha256:{d}")));
            seqs.push(v["seq"].as_i64().unwrap());
        }
    }
    seqs.sort_unstable();
    assert_eq!(
        seqs,
        (1..=16).collect::<Vec<i64>>(),
        "every write its own sequence number"
    );
    let v = s
        .get(
            "/v1/registry/urn:example:m/provenance?limit=500",
            Some(&key),
        )
        .json();
    let got: Vec<i64> = v["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["seq"].as_i64().unwrap())
        .collect();
    assert_eq!(
        got,
        (1..=16).rev().collect::<Vec<i64>>(),
        "history is newest first"
    );
    // An envelope sent as a string is stored as its text.
    let (d, _, env) = &list[1];
    let stored: Vec<Vec<u8>> = st
        .envelopes("r.db")
        .into_iter()
        .map(|(_, v)| v)
        .filter(|v| *v == e.read(env).into_bytes())
        .collect();
    assert_eq!(stored.len(), 1, "sha256:{d}");
}

#[test]
fn overload_is_503_with_retry_after_and_never_500() {
    let e = setup();
    let key = rw_key(&e, "r.db");
    let s = Server::start(
        &e,
        "r.db",
        "enforce.json",
        &["--max-jobs", "1", "--queue", "0"],
    );
    let body = body_object_card(
        &e,
        "urn:example:app",
        "manifest.json",
        Some("manifest.env.json"),
        "s",
    );
    let mut overloaded = 0;
    let mut acked = 0;
    for _round in 0..20 {
        let threads: Vec<_> = (0..12)
            .map(|_| {
                let (addr, k, b) = (s.addr.clone(), key.clone(), body.clone());
                std::thread::spawn(move || {
                    (0..5)
                        .map(|_| {
                            http(
                                &addr,
                                "PUT",
                                "/v1/registry/urn:example:app",
                                &[("X-API-Key", &k), ("Content-Type", "application/json")],
                                Some(&b),
                            )
                            .unwrap()
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        for t in threads {
            for r in t.join().unwrap() {
                match r.status {
                    200 | 201 => acked += 1,
                    503 => {
                        overloaded += 1;
                        assert_eq!(r.header("retry-after"), Some("1"));
                        assert_eq!(
                            r.error_body(),
                            json!({"error": "overloaded", "message": "too many requests in progress; retry later"})
                        );
                    }
                    other => panic!("{other}: {}", r.body),
                }
            }
        }
        if overloaded > 0 && acked > 0 {
            break;
        }
    }
    assert!(
        overloaded > 0,
        "one job slot and no queue, yet nothing was refused"
    );
    assert!(acked > 0);
    let r = s.get("/v1/registry/urn:example:app/provenance", Some(&key));
    assert_eq!(r.json()["records"].as_array().unwrap().len(), 1);
}

/// A job that cannot get a slot within `--queue-wait-ms` is answered 503 `overloaded` with
/// `Retry-After` (never 500), though the queue has room: the wait, not only the queue length,
/// bounds how long a request queues. Nothing it carried was written.
#[test]
fn a_job_waiting_longer_than_queue_wait_is_503() {
    let e = setup();
    let key = rw_key(&e, "r.db");
    let s = Server::start(
        &e,
        "r.db",
        "enforce.json",
        &["--max-jobs", "1", "--queue", "1000", "--queue-wait-ms", "1"],
    );
    let mut overloaded = 0;
    let mut acked = Vec::new();
    for round in 0..20 {
        let threads: Vec<_> = (0..12)
            .map(|t| {
                let (addr, k) = (s.addr.clone(), key.clone());
                let bodies: Vec<(String, Vec<u8>)> = (0..5)
                    .map(|i| {
                        let urn = format!("urn:example:q{round}-{t}-{i}");
                        let b = body_object_card(
                            &e,
                            &urn,
                            "manifest.json",
                            Some("manifest.env.json"),
                            "s",
                        );
                        (urn, b)
                    })
                    .collect();
                std::thread::spawn(move || {
                    bodies
                        .into_iter()
                        .map(|(urn, b)| {
                            let r = http(
                                &addr,
                                "PUT",
                                &format!("/v1/registry/{urn}"),
                                &[("X-API-Key", &k), ("Content-Type", "application/json")],
                                Some(&b),
                            )
                            .unwrap();
                            (urn, r)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        for t in threads {
            for (urn, r) in t.join().unwrap() {
                match r.status {
                    201 => acked.push(urn),
                    503 => {
                        overloaded += 1;
                        assert_eq!(r.header("retry-after"), Some("1"));
                        assert_eq!(
                            r.error_body(),
                            json!({"error": "overloaded", "message": "too many requests in progress; retry later"})
                        );
                    }
                    other => panic!("{other}: {}", r.body),
                }
            }
        }
        if overloaded > 0 && !acked.is_empty() {
            break;
        }
    }
    assert!(overloaded > 0, "a 1 ms queue wait, yet nothing was refused");
    assert!(!acked.is_empty());
    drop(s);
    // Exactly the acknowledged records are stored.
    assert_eq!(
        count(&e.path("r.db"), "SELECT count(*) FROM provenance"),
        acked.len() as i64
    );
}

/// `Store::latest_summary` is `latest` without the envelope (records the service stored: with
/// their sig and policy digest), on either engine; and GET latest answers from it.
fn latest_summary_is_latest_without_the_envelope(bk: Backend) {
    use vouch_cli::store::{Location, OpenMode};
    let e = setup();
    let stores = bk.stores(e.dir.path());
    let db = stores.db("r.db");
    let key = rw_key(&e, &db);
    let s = Server::start(&e, &db, "enforce.json", &[]);
    for card in ["manifest.json", "card.txt"] {
        let env = if card == "card.txt" {
            "card.env.json"
        } else {
            "manifest.env.json"
        };
        let body = body_string_card(&e, "urn:example:app", card, Some(env));
        assert_eq!(s.put("urn:example:app", &key, &body).status, 201);
    }
    let latest = s.get("/v1/registry/urn:example:app", Some(&key));
    assert_eq!(latest.status, 200, "{}", latest.body);
    drop(s);
    let path = match bk {
        Backend::Sqlite => e.path("r.db"),
        Backend::Postgres => db.clone().into(),
    };
    let st = Location::of(&path).open(OpenMode::Read, 1).unwrap();
    let full = st.latest("urn:example:app").unwrap().unwrap();
    let summary = st.latest_summary("urn:example:app").unwrap().unwrap();
    assert_eq!(
        full.envelope,
        serde_json::to_vec(&serde_json::from_str::<Value>(&e.read("card.env.json")).unwrap())
            .unwrap()
    );
    assert!(summary.envelope.is_empty());
    assert_eq!(full.seq, 2);
    assert_eq!(full.sig.as_deref(), Some("\"c2ln\""));
    assert_eq!(
        full.policy_digest,
        Some(sha256_hex(e.read("enforce.json").as_bytes()))
    );
    assert_eq!(latest.json()["seq"], 2);
    assert_eq!(latest.json()["digest"], format!("sha256:{}", full.digest));
    assert_eq!(summary.digest, full.digest);
    assert_eq!(summary.seq, full.seq);
    assert_eq!(summary.digest, sha256_hex(e.read("card.txt").as_bytes()));
    assert_eq!(
        serde_json::to_value(Record2::of(&summary)).unwrap(),
        serde_json::to_value(Record2::of(&full)).unwrap()
    );
    assert!(st.latest_summary("urn:example:none").unwrap().is_none());
}

/// Every column of a record but the envelope, for comparing.
#[derive(serde::Serialize)]
struct Record2 {
    urn: String,
    payload_type: String,
    digest: String,
    issuer: String,
    committed_at: String,
    build_tool: Option<String>,
    recorded_at: String,
    verified: bool,
    seq: i64,
    sig: Option<String>,
    policy_digest: Option<String>,
    warnings: usize,
}

impl Record2 {
    fn of(r: &vouch_cli::store::Record) -> Self {
        Record2 {
            urn: r.urn.clone(),
            payload_type: r.payload_type.clone(),
            digest: r.digest.clone(),
            issuer: r.issuer.clone(),
            committed_at: r.committed_at.clone(),
            build_tool: r.build_tool.clone(),
            recorded_at: r.recorded_at.clone(),
            verified: r.verified,
            seq: r.seq,
            sig: r.sig.clone(),
            policy_digest: r.policy_digest.clone(),
            warnings: r.warnings.len(),
        }
    }
}

#[test]
fn a_failing_store_is_503_never_422_and_writes_nothing() {
    let e = setup();
    let key = rw_key(&e, "r.db");
    let s = Server::start(&e, "r.db", "enforce.json", &[]);
    // The store breaks under the running service: its audit table is gone, so the transaction
    // that would write a record and its audit row fails as a whole.
    rusqlite::Connection::open(e.path("r.db"))
        .unwrap()
        .execute_batch("DROP TABLE audit_log")
        .unwrap();
    let body = body_object_card(
        &e,
        "urn:example:app",
        "manifest.json",
        Some("manifest.env.json"),
        "s",
    );
    let r = s.put("urn:example:app", &key, &body);
    assert_eq!(r.status, 503, "{}", r.body);
    assert_eq!(r.header("retry-after"), Some("1"));
    assert_eq!(
        r.error_body(),
        json!({"error": "unavailable", "message": "the store is unavailable: store-error"})
    );
    // A PUT the policy refuses is 503 too when its audit row cannot be written (never a 422).
    let r = s.put(
        "urn:example:app",
        &key,
        &body_object_card(&e, "urn:example:app", "manifest.json", None, "s"),
    );
    assert_eq!(r.status, 503, "{}", r.body);
    assert_eq!(
        s.get("/v1/registry/urn:example:app", Some(&key)).status,
        404
    );
    let m = s.get("/metrics", None).body;
    assert!(m.lines().any(|l| l == "vouch_store_errors_total 2"), "{m}");
    drop(s);
    assert_eq!(count(&e.path("r.db"), "SELECT count(*) FROM provenance"), 0);
}

#[test]
fn a_request_slower_than_the_request_timeout_is_408() {
    let e = setup();
    let key = rw_key(&e, "r.db");
    let s = Server::start(&e, "r.db", "enforce.json", &["--request-timeout", "1"]);
    let mut c = TcpStream::connect(&s.addr).unwrap();
    c.set_read_timeout(Some(WAIT)).unwrap();
    let start = Instant::now();
    // Headers at once, then a body that never completes.
    write!(
        c,
        "PUT /v1/registry/urn:example:app HTTP/1.1\r\nHost: x\r\nX-API-Key: {key}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{{\"urn\""
    )
    .unwrap();
    let mut raw = Vec::new();
    let _ = c.read_to_end(&mut raw);
    let took = start.elapsed();
    let text = String::from_utf8_lossy(&raw);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(text.contains("\"error\":\"request-timeout\""), "{text}");
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_secs(10),
        "{took:?}"
    );
}

#[test]
fn replace_needs_the_replace_scope() {
    let e = setup();
    let writer = rw_key(&e, "r.db");
    let replacer = add_key(
        &e,
        "r.db",
        &[
            "--scope",
            "provenance:write",
            "--scope",
            "provenance:replace",
        ],
    );
    provenance(&e, "manifest.json", "ci.key", "", "other.env.json");
    let s = Server::start(&e, "r.db", "enforce.json", &[]);
    let d = sha256_hex(e.read("manifest.json").as_bytes());
    let first = body_object_card(
        &e,
        "urn:example:app",
        "manifest.json",
        Some("manifest.env.json"),
        "s",
    );
    let second = body_object_card(
        &e,
        "urn:example:app",
        "manifest.json",
        Some("other.env.json"),
        "s",
    );
    assert_eq!(s.put("urn:example:app", &writer, &first).status, 201);
    let put_replace = |key: &str, q: &str, body: &[u8]| {
        s.req(
            "PUT",
            &format!("/v1/registry/urn:example:app?replace={q}"),
            &[("X-API-Key", key), ("Content-Type", "application/json")],
            Some(body),
        )
    };
    let r = put_replace(&writer, "true", &second);
    assert_eq!(r.status, 403, "{}", r.body);
    assert_eq!(
        r.error_body(),
        json!({"error": "forbidden", "message": "the API key lacks the provenance:replace scope"})
    );
    let r = put_replace(&replacer, "maybe", &second);
    assert_eq!(r.status, 400);
    assert_eq!(
        r.error_body(),
        json!({"error": "bad-request", "message": "replace is true or false"})
    );
    // Without ?replace=true even the replacer gets 409.
    assert_eq!(put_replace(&replacer, "false", &second).status, 409);
    let r = put_replace(&replacer, "true", &second);
    assert_eq!(r.status, 201, "{}", r.body);
    let v = r.json();
    assert_eq!(
        (v["replaced"].clone(), v["seq"].clone()),
        (json!(true), json!(2))
    );
    let one = s
        .get(
            &format!("/v1/registry/urn:example:app/provenance/sha256:{d}"),
            Some(&writer),
        )
        .json();
    assert_eq!(
        one["envelope"],
        serde_json::from_str::<Value>(&e.read("other.env.json")).unwrap()
    );
    let h = s
        .get("/v1/registry/urn:example:app/provenance", Some(&writer))
        .json();
    assert_eq!(
        h["records"].as_array().unwrap().len(),
        1,
        "one record per (urn, digest)"
    );
    // Replaying the replacement is an identical replay.
    let r = put_replace(&replacer, "true", &second);
    assert_eq!((r.status, r.json()["seq"].clone()), (200, json!(2)));
    drop(s);
    assert_eq!(
        count(
            &e.path("r.db"),
            "SELECT count(*) FROM audit_log WHERE outcome = 'replaced' AND status = 201"
        ),
        1
    );
}

#[test]
fn a_key_over_the_rate_limit_is_429_with_retry_after() {
    let e = setup();
    let key = rw_key(&e, "r.db");
    let other = rw_key(&e, "r.db");
    let s = Server::start(&e, "r.db", "enforce.json", &["--rate-limit", "3"]);
    // A burst of 3, then the bucket refills at 3 per second: 10 requests at once exceed it.
    let statuses: Vec<Resp> = (0..10)
        .map(|_| s.get("/v1/registry/urn:example:app", Some(&key)))
        .collect();
    assert!(
        statuses.iter().take(3).all(|r| r.status == 404),
        "the burst is served"
    );
    let limited: Vec<&Resp> = statuses.iter().filter(|r| r.status == 429).collect();
    assert!(
        !limited.is_empty(),
        "no 429 in {:?}",
        statuses.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    for r in &limited {
        assert_eq!(r.header("retry-after"), Some("1"));
        assert_eq!(
            r.error_body(),
            json!({"error": "rate-limited", "message": "more than 3 requests per second with this API key"})
        );
    }
    // Another key has its own bucket; unlimited endpoints stay open.
    assert_eq!(
        s.get("/v1/registry/urn:example:app", Some(&other)).status,
        404
    );
    assert_eq!(s.get("/healthz", None).status, 200);
    // The bucket refills.
    std::thread::sleep(Duration::from_millis(1100));
    assert_eq!(
        s.get("/v1/registry/urn:example:app", Some(&key)).status,
        404
    );
}

/// A client without a key cannot make the service write without bound: past `--refusal-limit`
/// refusals per second from one address are 429 `rate-limited` with `Retry-After`, counted in
/// the metrics, with one `rate-limited` audit row per address per 10 s instead of one each. The
/// refusals within the budget keep their audit rows, and a client with a valid key (the same
/// address) is still served.
#[test]
fn refused_auth_past_the_per_address_limit_is_429_and_writes_boundedly() {
    let e = setup();
    let key = rw_key(&e, "r.db");
    let s = Server::start(&e, "r.db", "enforce.json", &["--refusal-limit", "5"]);
    let body = body_object_card(
        &e,
        "urn:example:app",
        "manifest.json",
        Some("manifest.env.json"),
        "s",
    );
    let bad = format!("vouch_aaaaaaaaaaaa_{}", &key[19..]);
    let start = Instant::now();
    // 8 clients, 40 refused requests each: no key, an unknown key, a malformed one.
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let (addr, bad, body) = (s.addr.clone(), bad.clone(), body.clone());
            std::thread::spawn(move || {
                (0..40)
                    .map(|i| {
                        let r = match (t + i) % 3 {
                            0 => http(&addr, "GET", "/v1/registry/urn:example:app", &[], None),
                            1 => http(
                                &addr,
                                "PUT",
                                "/v1/registry/urn:example:app",
                                &[("X-API-Key", &bad), ("Content-Type", "application/json")],
                                Some(&body),
                            ),
                            _ => http(
                                &addr,
                                "GET",
                                "/v1/provenance?issuer=x",
                                &[("X-API-Key", "not-a-key")],
                                None,
                            ),
                        };
                        r.unwrap()
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let answers: Vec<Resp> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    let took = start.elapsed().as_secs_f64();
    let refused = answers.iter().filter(|r| r.status == 401).count();
    let limited: Vec<&Resp> = answers.iter().filter(|r| r.status == 429).collect();
    assert_eq!(refused + limited.len(), 320, "only 401 and 429");
    // The budget: a burst of 5, then 5 per second.
    assert!(
        refused as f64 <= 5.0 + 5.0 * took + 1.0,
        "{refused} refusals answered 401 in {took:.2} s"
    );
    assert!(refused >= 5, "the burst is answered 401: {refused}");
    for r in &limited {
        let wait: u32 = r.header("retry-after").unwrap().parse().unwrap();
        assert!((1..=60).contains(&wait), "{wait}");
        assert_eq!(
            r.error_body(),
            json!({"error": "rate-limited", "message": "too many refused requests from this address; retry later"})
        );
    }
    // Counted in the metrics, each limited answer.
    let m = s.get("/metrics", None).body;
    assert!(
        m.contains(&format!(
            "vouch_refusals_rate_limited_total {}\n",
            limited.len()
        )),
        "{m}"
    );
    assert!(m.contains(
        "vouch_http_requests_total{route=\"/v1/registry/{urn}\",method=\"PUT\",status=\"429\"}"
    ));
    // A client with a valid key, from the same address, is served at once.
    let r = s.put("urn:example:app", &key, &body);
    assert_eq!(r.status, 201, "{}", r.body);
    let r = s.get("/v1/registry/urn:example:app", Some(&key));
    assert_eq!(r.status, 200, "{}", r.body);
    drop(s);
    // The audit log: a row for every 401, and one `rate-limited` row per 10 s of being over the
    // limit — not a row per request.
    let dbp = e.path("r.db");
    assert_eq!(
        count(
            &dbp,
            "SELECT count(*) FROM audit_log WHERE action = 'auth' AND status = 401"
        ),
        refused as i64
    );
    let markers = count(
        &dbp,
        "SELECT count(*) FROM audit_log WHERE action = 'auth' AND status = 429 AND outcome = 'rate-limited'",
    );
    assert!(
        markers >= 1 && markers as f64 <= 1.0 + took / 10.0,
        "{markers} rate-limited rows in {took:.2} s"
    );
    assert_eq!(
        count(&dbp, "SELECT count(*) FROM audit_log WHERE action = 'auth'"),
        refused as i64 + markers
    );
    assert_eq!(count(&dbp, "SELECT count(*) FROM provenance"), 1);
}

/// The refusal budget is per client address: an address over it gets 429s while another
/// (here `::1` beside `127.0.0.1`, on a dual-stack listener) is still answered 401 with its
/// audit row.
#[test]
fn the_refusal_budget_is_per_client_address() {
    let e = setup();
    let _key = rw_key(&e, "r.db");
    let s = Server::start_at(
        &e,
        "[::]:0",
        "r.db",
        "enforce.json",
        &["--refusal-limit", "3", "--insecure-plaintext"],
    );
    let port = s.addr.rsplit(':').next().unwrap().to_string();
    let v4 = format!("127.0.0.1:{port}");
    let v6 = format!("[::1]:{port}");
    let statuses = |addr: &str, n: usize| -> Vec<u16> {
        (0..n)
            .map(|_| {
                http(addr, "GET", "/v1/registry/urn:example:app", &[], None)
                    .unwrap()
                    .status
            })
            .collect()
    };
    let a = statuses(&v4, 10);
    assert!(a.iter().take(3).all(|s| *s == 401), "{a:?}");
    assert!(a.contains(&429), "{a:?}");
    // The other address has its whole budget.
    let b = statuses(&v6, 3);
    assert_eq!(b, [401, 401, 401]);
    drop(s);
    let refused = a.iter().chain(&b).filter(|s| **s == 401).count() as i64;
    assert_eq!(
        count(
            &e.path("r.db"),
            "SELECT count(*) FROM audit_log WHERE action = 'auth' AND status = 401"
        ),
        refused
    );
}

/// `--refusal-limit 0` turns the limit off: every refusal is a 401 with its own audit row (the
/// rows are written in batches, each one committed before its answer), on either engine: one
/// row per answer, with the answer's request id and exactly the refusal's fields.
fn without_a_refusal_limit_every_refusal_is_audited(bk: Backend) {
    let e = setup();
    let st = bk.stores(e.dir.path());
    let db = st.db("r.db");
    let _key = rw_key(&e, &db);
    let s = Server::start(&e, &db, "enforce.json", &["--refusal-limit", "0"]);
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let addr = s.addr.clone();
            std::thread::spawn(move || {
                (0..25)
                    .map(|_| http(&addr, "GET", "/v1/registry/urn:example:app", &[], None).unwrap())
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let mut ids = Vec::new();
    for t in threads {
        for r in t.join().unwrap() {
            assert_eq!(r.status, 401, "{}", r.body);
            ids.push(r.header("x-request-id").unwrap().to_string());
        }
    }
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 200);
    // Each answer came after its row committed: all 200 are there while the service still runs.
    let rows = st.rows(
        "r.db",
        "SELECT request_id, key_id, action, urn, digest, status, outcome FROM audit_log
         ORDER BY request_id",
    );
    let want: Vec<Vec<String>> = ids
        .iter()
        .map(|id| {
            [
                id,
                "NULL",
                "auth",
                "urn:example:app",
                "NULL",
                "401",
                "missing-key",
            ]
            .map(str::to_string)
            .to_vec()
        })
        .collect();
    assert_eq!(rows, want);
    drop(s);
}

/// The group commit of the store: several puts in one transaction, each with its own outcome
/// and audit row, in order (a later put in the batch sees the earlier ones).
fn put_batch_gives_each_put_its_outcome(bk: Backend) {
    use vouch_cli::store::{AuditEntry, Location, OpenMode, PutItem, PutOutcome, Record};
    let dir = tempfile::tempdir().unwrap();
    let st = bk.stores(dir.path());
    let db = match bk {
        Backend::Sqlite => dir.path().join("b.db"),
        Backend::Postgres => st.db("b.db").into(),
    };
    let mut store = Location::of(&db).open(OpenMode::Write, 1).unwrap();
    let record = |digest: &str, envelope: &str| Record {
        urn: "urn:example:b".into(),
        envelope: envelope.as_bytes().to_vec(),
        payload_type: "application/vnd.in-toto+json".into(),
        digest: digest.repeat(64),
        issuer: String::new(),
        committed_at: "2026-01-01T00:00:00Z".into(),
        build_tool: None,
        inputs: None,
        outputs: None,
        recorded_at: "2026-01-01T00:00:00Z".into(),
        verified: true,
        warnings: Vec::new(),
        seq: 0,
        sig: None,
        policy_digest: None,
    };
    let audit = AuditEntry {
        request_id: "r".into(),
        action: "put".into(),
        ..AuditEntry::default()
    };
    let (a, a2, b) = (record("a", "{}"), record("a", "{ }"), record("b", "{}"));
    let items = [
        PutItem {
            record: &a,
            audit: &audit,
            replace: false,
        },
        PutItem {
            record: &a,
            audit: &audit,
            replace: false,
        },
        PutItem {
            record: &a2,
            audit: &audit,
            replace: false,
        },
        PutItem {
            record: &b,
            audit: &audit,
            replace: false,
        },
        PutItem {
            record: &a2,
            audit: &audit,
            replace: true,
        },
    ];
    let out: Vec<PutOutcome> = store
        .put_batch(&items)
        .unwrap()
        .into_iter()
        .map(Result::unwrap)
        .collect();
    assert_eq!(
        out,
        [
            PutOutcome::Created(1),
            PutOutcome::Replayed(1),
            PutOutcome::Conflict(1),
            PutOutcome::Created(2),
            PutOutcome::Replaced(3),
        ]
    );
    let outcomes = st.column("b.db", "SELECT outcome FROM audit_log ORDER BY id");
    assert_eq!(
        outcomes,
        ["created", "replayed", "conflict", "created", "replaced"]
    );
    assert_eq!(store.history("urn:example:b").unwrap().len(), 2);
}

/// Two `vouch serve` replicas on one PostgreSQL database, written to at once by eight clients,
/// each body sent to both replicas: every manifest is stored once (one 201 and one 200 replay,
/// both with its sequence number), a write acknowledged by one replica is read back from the
/// other at once, a client's writes have increasing sequence numbers (history order is commit
/// order), both replicas show the same history with every write, and every PUT has exactly one
/// audit row.
#[test]
fn postgres_two_replicas_share_one_database() {
    let e = setup();
    let st = Backend::Postgres.stores(e.dir.path());
    let db = st.db("r.db");
    let key = rw_key(&e, &db);
    let n = 24;
    let list = manifests(&e, n, |_| false);
    let a = Server::start(&e, &db, "enforce.json", &[]);
    let b = Server::start(&e, &db, "enforce.json", &[]);
    let addrs = [a.addr.clone(), b.addr.clone()];
    let mut threads = Vec::new();
    for t in 0..8 {
        // Client t writes manifests t, t+8, t+16 to replica t%2, in order; client t+4 writes the
        // same ones to the other replica, at the same time.
        let mine: Vec<(String, Vec<u8>)> = (0..n)
            .filter(|i| i % 4 == t % 4)
            .map(|i| {
                let (d, m, env) = &list[i];
                (
                    d.clone(),
                    body_object_card(&e, "urn:example:m", m, Some(env), "s"),
                )
            })
            .collect();
        let (to, other) = (addrs[t % 2].clone(), addrs[(t + 1) % 2].clone());
        let k = key.clone();
        threads.push(std::thread::spawn(move || {
            let mut out = Vec::new();
            for (d, body) in mine {
                let r = http(
                    &to,
                    "PUT",
                    "/v1/registry/urn:example:m",
                    &[("X-API-Key", &k), ("Content-Type", "application/json")],
                    Some(&body),
                )
                .unwrap();
                assert!(
                    r.status == 201 || r.status == 200,
                    "{} {}",
                    r.status,
                    r.body
                );
                let v: Value = serde_json::from_str(&r.body).unwrap();
                let seq = v["seq"].as_i64().unwrap();
                // Read back from the other replica at once.
                let g = http(
                    &other,
                    "GET",
                    &format!("/v1/registry/urn:example:m/provenance/sha256:{d}"),
                    &[("X-API-Key", &k)],
                    None,
                )
                .unwrap();
                assert_eq!(
                    g.status, 200,
                    "{d} acknowledged by {to} but not seen by {other}"
                );
                out.push((d, r.status, seq));
            }
            out
        }));
    }
    let mut by_digest: std::collections::HashMap<String, Vec<(u16, i64)>> = Default::default();
    for t in threads {
        let results = t.join().unwrap();
        // One client's writes, each sent after the last was acknowledged, in increasing order.
        let seqs: Vec<i64> = results.iter().map(|r| r.2).collect();
        assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
        for (d, status, seq) in results {
            by_digest.entry(d).or_default().push((status, seq));
        }
    }
    assert_eq!(by_digest.len(), n);
    let mut seqs = Vec::new();
    for (d, mut answers) in by_digest {
        answers.sort_unstable();
        assert_eq!(answers.len(), 2, "{d}");
        assert_eq!(
            (answers[0].0, answers[1].0),
            (200, 201),
            "{d}: one create, one replay"
        );
        assert_eq!(
            answers[0].1, answers[1].1,
            "{d}: the replay names the record's seq"
        );
        seqs.push(answers[0].1);
    }
    seqs.sort_unstable();
    seqs.dedup();
    assert_eq!(seqs.len(), n, "every write its own sequence number");
    let history = |s: &Server| -> Vec<i64> {
        s.get(
            "/v1/registry/urn:example:m/provenance?limit=500",
            Some(&key),
        )
        .json()["records"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["seq"].as_i64().unwrap())
            .collect()
    };
    let h = history(&a);
    assert_eq!(h, history(&b));
    let mut want = seqs.clone();
    want.reverse();
    assert_eq!(h, want, "history: every write, newest first");
    assert_eq!(
        a.get("/v1/registry/urn:example:m", Some(&key)).body,
        b.get("/v1/registry/urn:example:m", Some(&key)).body
    );
    assert_eq!(
        st.count("r.db", "SELECT count(*) FROM provenance"),
        n as i64
    );
    assert_eq!(
        st.rows(
            "r.db",
            "SELECT outcome, count(*) FROM audit_log WHERE action = 'put' GROUP BY outcome ORDER BY outcome"
        ),
        [
            vec!["created".to_string(), n.to_string()],
            vec!["replayed".to_string(), n.to_string()]
        ]
    );
}

/// PostgreSQL killed (`kill -9`) under a running service: requests answer 503 (never a verdict,
/// never a 500) and `/readyz` says not ready; after PostgreSQL restarts, the service reconnects
/// by itself and every write it acknowledged, before or after, is stored.
#[test]
fn postgres_restart_is_503_then_the_service_reconnects() {
    let e = setup();
    let mut st = Backend::Postgres.stores(e.dir.path());
    let db = st.db("r.db");
    let key = rw_key(&e, &db);
    let list = manifests(&e, 12, |_| false);
    let s = Server::start(&e, &db, "enforce.json", &[]);
    let put = |i: usize| {
        let (_, m, env) = &list[i];
        s.put(
            "urn:example:m",
            &key,
            &body_object_card(&e, "urn:example:m", m, Some(env), "s"),
        )
    };
    for i in 0..4 {
        assert_eq!(put(i).status, 201);
    }
    st.pg_mut().kill9();
    for i in 4..8 {
        let r = put(i);
        assert_eq!(r.status, 503, "{}", r.body);
        assert_eq!(r.json()["error"], "unavailable", "{}", r.body);
        assert!(r.body.contains("store-unavailable"), "{}", r.body);
    }
    let r = s.get("/v1/registry/urn:example:m", Some(&key));
    assert_eq!(r.status, 503, "{}", r.body);
    assert_eq!(s.get("/readyz", None).status, 503);
    assert_eq!(s.get("/healthz", None).status, 200);
    st.pg_mut().restart();
    assert_eq!(s.get("/readyz", None).status, 200);
    for i in 4..12 {
        assert_eq!(put(i).status, 201, "after the restart");
    }
    for (d, _, _) in &list {
        let r = s.get(
            &format!("/v1/registry/urn:example:m/provenance/sha256:{d}"),
            Some(&key),
        );
        assert_eq!(r.status, 200, "sha256:{d}");
    }
    assert_eq!(st.count("r.db", "SELECT count(*) FROM provenance"), 12);
    assert!(st.integrity_ok("r.db"));
}

/// Asserts a 422 `invalid_provenance` with the core reason `reason`.
fn assert_invalid(r: &Resp, reason: &str) {
    assert_eq!(r.status, 422, "{}", r.body);
    let v = r.error_body();
    assert_eq!(v["error"], json!("invalid_provenance"), "{v}");
    assert_eq!(v["reason"], json!(reason), "{v}");
}

/// A PUT body binding `card` (a JSON string card: its text's SHA-256) with the Sigstore bundle in
/// the file `bundle` as the provenance object.
fn bundle_body(e: &Env, urn: &str, card: &str, bundle: &str) -> Vec<u8> {
    let prov: Value = serde_json::from_str(&e.read(bundle)).unwrap();
    json!({"urn": urn, "card": card, "sig": "c2ln", "provenance": prov})
        .to_string()
        .into_bytes()
}

/// A real keyless message-signature bundle (sigstore-python's v0.3 staging case) through the
/// service: its artifact is the card (a string card binds its text's SHA-256, the bundle's
/// message digest). Stored verified, its signer shown where the service shows the record, the
/// replay 200; another identity or another card is refused 422 with the core's reason and
/// nothing written; a permissive policy stores it with the warning.
#[test]
fn keyless_message_bundles_are_verified_and_stored_with_their_signer() {
    let e = setup();
    e.keyless_files();
    e.keyless_policy("keyless.json", "enforce", KEYLESS_IDENTITY);
    e.keyless_policy("other.json", "enforce", "someone@example.com");
    e.keyless_policy("other-permissive.json", "permissive", "someone@example.com");
    let card = e.read("artifact.bin");
    let digest = sha256_hex(card.as_bytes());
    let urn = "urn:example:blob";
    let key = rw_key(&e, "r.db");
    let s = Server::start(&e, "r.db", "keyless.json", &[]);
    let body = bundle_body(&e, urn, &card, "bundle.json");
    let first = s.put(urn, &key, &body);
    assert_eq!(first.status, 201, "{}", first.body);
    assert_eq!(
        first.json(),
        json!({"urn": urn, "digest": format!("sha256:{digest}"), "seq": 1, "created": true,
               "replaced": false, "verified": true, "warnings": []})
    );
    let again = s.put(urn, &key, &body);
    assert_eq!(again.status, 200, "{}", again.body);
    assert_eq!(again.json()["created"], json!(false));

    let latest = s.get(&format!("/v1/registry/{urn}"), Some(&key)).json();
    assert_eq!(latest["verified"], json!(true), "{latest}");
    assert_eq!(latest["digest"], json!(format!("sha256:{digest}")));
    // A message signature has no Statement: no builder, no payloadType.
    assert_eq!(latest["builder"], Value::Null);
    assert_eq!(latest["payloadType"], Value::Null);
    let history = s
        .get(&format!("/v1/registry/{urn}/provenance"), Some(&key))
        .json();
    let one = s
        .get(
            &format!("/v1/registry/{urn}/provenance/sha256:{digest}"),
            Some(&key),
        )
        .json();
    for rec in [&history["records"][0], &one] {
        let signer = &rec["signer"];
        assert_eq!(signer["certificate"]["identity"], KEYLESS_IDENTITY, "{rec}");
        assert_eq!(
            signer["certificate"]["issuer"],
            common::KEYLESS_ISSUER,
            "{rec}"
        );
        assert!(signer["tlog"][0]["logIndex"].is_i64(), "{rec}");
        assert_eq!(
            signer["tlog"][0]["logId"].as_str().map(str::len),
            Some(64),
            "{rec}"
        );
        assert_eq!(rec["verified"], json!(true));
    }
    // The bundle comes back as sent.
    assert_eq!(
        one["envelope"],
        serde_json::from_str::<Value>(&e.read("bundle.json")).unwrap()
    );
    // Another card: the bundle signs another digest.
    let r = s.put(
        "urn:example:other",
        &key,
        &bundle_body(
            &e,
            "urn:example:other",
            "not the signed artifact\n",
            "bundle.json",
        ),
    );
    assert_invalid(&r, "message-digest-mismatch");
    drop(s);

    // Another identity: refused, nothing written. The policy is named by its absolute path, and
    // the refusal says what the certificate has without naming the policy's file (the `req`
    // helper refuses any response naming the test's directory).
    let other = e.path("other.json").display().to_string();
    let s = Server::start(&e, "r.db", &other, &[]);
    let r = s.put(urn, &key, &body);
    assert_invalid(&r, "identity-mismatch");
    let message = r.error_body()["message"].as_str().unwrap().to_string();
    assert!(
        message.contains("no keyless issuer (certificateIdentity) of the policy matches"),
        "{message}"
    );
    assert!(!message.contains("other.json"), "{message}");
    let r = s.put(
        "urn:example:other",
        &key,
        &bundle_body(&e, "urn:example:other", &card, "bundle.json"),
    );
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(
        s.get("/v1/registry/urn:example:other", Some(&key)).status,
        404
    );
    drop(s);
    assert_eq!(count(&e.path("r.db"), "SELECT count(*) FROM provenance"), 1);
    assert_eq!(
        count(
            &e.path("r.db"),
            "SELECT count(*) FROM audit_log WHERE status = 422 AND outcome IN \
             ('message-digest-mismatch', 'identity-mismatch')"
        ),
        3
    );

    // Permissive: stored, not verified, with the warning.
    let s = Server::start(&e, "r.db", "other-permissive.json", &[]);
    let r = s.put(
        "urn:example:other",
        &key,
        &bundle_body(&e, "urn:example:other", &card, "bundle.json"),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let v = r.json();
    assert_eq!(v["verified"], json!(false), "{v}");
    assert_eq!(v["warnings"][0]["code"], json!("invalid_provenance"));
    assert_eq!(v["warnings"][0]["reason"], json!("identity-mismatch"));
    let latest = s.get("/v1/registry/urn:example:other", Some(&key)).json();
    assert_eq!(latest["warnings"], v["warnings"]);
}

/// A keyless DSSE bundle (forged for the card, tests/common/sigstore.rs) whose in-toto
/// Statement's subject is the card's SHA-256: stored verified with the Statement's facts and
/// the signer; a card the Statement does not name is refused with the core's reason.
/// On either engine (the signer and the Statement's facts are stored and read back from each).
fn keyless_dsse_bundles_bind_the_card_as_a_subject(bk: Backend) {
    let e = setup();
    let st = bk.stores(e.dir.path());
    let db = st.db("r.db");
    let card = e.read("card.txt");
    let k = sigstore::dsse_bundle(card.as_bytes());
    std::fs::write(e.path("dsse.bundle.json"), &k.bundle).unwrap();
    std::fs::write(e.path("forged-root.json"), &k.root).unwrap();
    e.write(
        "dsse.json",
        &sigstore::policy("enforce", "forged-root.json", sigstore::IDENTITY),
    );
    let key = rw_key(&e, &db);
    let s = Server::start(&e, &db, "dsse.json", &[]);
    let urn = "urn:example:app";
    let r = s.put(urn, &key, &bundle_body(&e, urn, &card, "dsse.bundle.json"));
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.json()["verified"], json!(true), "{}", r.body);
    let latest = s.get(&format!("/v1/registry/{urn}"), Some(&key)).json();
    assert_eq!(latest["builder"], json!(sigstore::BUILDER), "{latest}");
    assert_eq!(latest["payloadType"], json!(sigstore::PAYLOAD_TYPE));
    let history = s
        .get(&format!("/v1/registry/{urn}/provenance"), Some(&key))
        .json();
    let signer = &history["records"][0]["signer"];
    assert_eq!(
        signer["certificate"]["identity"],
        sigstore::IDENTITY,
        "{history}"
    );
    assert_eq!(signer["certificate"]["issuer"], sigstore::ISSUER);
    assert_eq!(
        signer["tlog"][0]["kind"],
        json!("intoto 0.0.2"),
        "{history}"
    );

    // Another card: not a subject of the Statement.
    let r = s.put(
        "urn:example:other",
        &key,
        &bundle_body(&e, "urn:example:other", "another card", "dsse.bundle.json"),
    );
    assert_invalid(&r, "subject-mismatch");
    drop(s);
    assert_eq!(
        st.rows("r.db", "SELECT count(*) FROM provenance"),
        vec![vec!["1".to_string()]]
    );
}

/// A policy of key issuers only (no `trustedRoot`) cannot judge a bundle: under enforce a 422
/// `invalid_provenance` / `keyless-policy-mismatch` (never a 503 a client would retry), nothing
/// written; under permissive the record is stored with that warning.
#[test]
fn a_bundle_against_a_policy_without_trusted_root_is_422_or_a_warning() {
    let e = setup();
    e.keyless_files();
    let card = e.read("artifact.bin");
    let key = rw_key(&e, "r.db");
    let message = "the policy does not fit the bundle's signer: the policy has no trustedRoot \
                   (no keyless issuers): it cannot verify a Sigstore bundle";
    let s = Server::start(&e, "r.db", "enforce.json", &[]);
    let urn = "urn:example:blob";
    let body = bundle_body(&e, urn, &card, "bundle.json");
    let r = s.put(urn, &key, &body);
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(r.header("retry-after"), None);
    assert_eq!(
        r.error_body(),
        json!({"error": "invalid_provenance", "reason": "keyless-policy-mismatch",
               "message": message})
    );
    let m = s.get("/metrics", None).body;
    assert!(
        m.contains("vouch_verifications_total{outcome=\"keyless-policy-mismatch\"} 1"),
        "{m}"
    );
    drop(s);
    assert_eq!(count(&e.path("r.db"), "SELECT count(*) FROM provenance"), 0);
    assert_eq!(
        count(
            &e.path("r.db"),
            "SELECT count(*) FROM audit_log WHERE status = 422 AND outcome = 'keyless-policy-mismatch'"
        ),
        1
    );

    let s = Server::start(&e, "r.db", "permissive.json", &[]);
    let r = s.put(urn, &key, &body);
    assert_eq!(r.status, 201, "{}", r.body);
    let warnings = json!([{"code": "invalid_provenance", "reason": "keyless-policy-mismatch",
                           "message": message}]);
    let v = r.json();
    assert_eq!(v["verified"], json!(false), "{v}");
    assert_eq!(v["warnings"], warnings);
    let latest = s.get(&format!("/v1/registry/{urn}"), Some(&key)).json();
    assert_eq!(latest["warnings"], warnings);
    drop(s);
    assert_eq!(count(&e.path("r.db"), "SELECT count(*) FROM provenance"), 1);
}

/// A policy whose `trustedRoot` file holds several roots, one a line (what `gh attestation
/// trusted-root` prints): the service verifies a bundle against each root on its own, so the
/// staging bundle is taken after the production root, and refused when only roots that do not
/// know it are given.
#[test]
fn a_trusted_root_file_of_several_roots_is_tried_root_by_root() {
    let e = setup();
    e.keyless_files();
    let roots = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/vectors/sigstore/trusted_roots");
    let one_line = |name: &str| -> String {
        let v: Value = serde_json::from_slice(&std::fs::read(roots.join(name)).unwrap()).unwrap();
        serde_json::to_string(&v).unwrap()
    };
    let production = one_line("production-sigstore-python.json");
    e.write(
        "root.json",
        &format!(
            "{production}\n{}\n",
            one_line("staging-sigstore-python.json")
        ),
    );
    e.keyless_policy("keyless.json", "enforce", KEYLESS_IDENTITY);
    let card = e.read("artifact.bin");
    let urn = "urn:example:blob";
    let key = rw_key(&e, "r.db");
    let body = bundle_body(&e, urn, &card, "bundle.json");
    let s = Server::start(&e, "r.db", "keyless.json", &[]);
    let r = s.put(urn, &key, &body);
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.json()["verified"], json!(true));
    drop(s);

    // Only production roots: no root knows the staging bundle's log.
    e.write(
        "root.json",
        &format!(
            "{production}\n{}\n",
            one_line("production-sigstore-go-testing.json")
        ),
    );
    let s = Server::start(&e, "r2.db", "keyless.json", &[]);
    let key = rw_key(&e, "r2.db");
    let r = s.put(urn, &key, &body);
    assert_invalid(&r, "tlog-no-trusted-log");
}

/// The policy's trusted root is read once, at start: one that is missing or malformed stops the
/// service before it listens (exit 2, the named code), as an invalid policy does; and once
/// started, the service no longer reads the file.
#[test]
fn the_trusted_root_is_loaded_once_at_start() {
    let e = setup();
    e.keyless_files();
    // Bounded: a service that started anyway is killed and the test fails.
    let serve = |policy: &str| {
        let mut child = common::command(
            e.dir.path(),
            &[
                "serve",
                "--db",
                "r.db",
                "--policy",
                policy,
                "--listen",
                "127.0.0.1:0",
            ],
        )
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
        let status = wait_bounded(&mut child);
        let mut stderr = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut stderr)
            .unwrap();
        (status.code(), stderr)
    };
    e.write(
        "missing.json",
        &sigstore::policy("enforce", "nowhere.json", KEYLESS_IDENTITY),
    );
    let (code, stderr) = serve("missing.json");
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("io-error"), "{stderr}");
    assert!(stderr.contains("nowhere.json"), "{stderr}");
    assert!(!stderr.contains("listening on"), "{stderr}");
    e.write("bad-root.json", "{\"mediaType\": \"application/json\"}");
    e.write(
        "malformed.json",
        &sigstore::policy("enforce", "bad-root.json", KEYLESS_IDENTITY),
    );
    let (code, stderr) = serve("malformed.json");
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("trusted-root-media-type"), "{stderr}");
    assert!(!stderr.contains("listening on"), "{stderr}");

    // Started with a good root, the service verifies against what it loaded: the file may go.
    e.keyless_policy("keyless.json", "enforce", KEYLESS_IDENTITY);
    let key = rw_key(&e, "r.db");
    let s = Server::start(&e, "r.db", "keyless.json", &[]);
    std::fs::remove_file(e.path("root.json")).unwrap();
    let card = e.read("artifact.bin");
    let r = s.put(
        "urn:example:blob",
        &key,
        &bundle_body(&e, "urn:example:blob", &card, "bundle.json"),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.json()["verified"], json!(true));
}

/// PostgreSQL killed (`kill -9`) under a stream of refused requests (`--refusal-limit 0`): a
/// refusal is answered 401 only after the batch holding its audit row committed, so every 401's
/// request id is in the audit log after the restart; the refusals whose batch could not be
/// committed are 503 `unavailable` (`store-unavailable`, with `Retry-After`), never a 401 without
/// its row; the log holds no row of a request that was not made; and after the restart a refusal
/// is audited again.
#[test]
fn postgres_down_refusals_are_503_and_never_answered_unaudited() {
    use std::sync::atomic::{AtomicBool, Ordering};
    let e = setup();
    let mut st = Backend::Postgres.stores(e.dir.path());
    let db = st.db("r.db");
    let _key = rw_key(&e, &db);
    let s = Server::start(&e, &db, "enforce.json", &["--refusal-limit", "0"]);
    let stop = Arc::new(AtomicBool::new(false));
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let (addr, stop) = (s.addr.clone(), Arc::clone(&stop));
            std::thread::spawn(move || {
                let mut out = Vec::new();
                while !stop.load(Ordering::Relaxed) {
                    out.push(
                        http(&addr, "GET", "/v1/registry/urn:example:app", &[], None).unwrap(),
                    );
                }
                out
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(500));
    st.pg_mut().kill9();
    std::thread::sleep(Duration::from_millis(500));
    stop.store(true, Ordering::Relaxed);
    let answers: Vec<Resp> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    let mut audited = Vec::new();
    let mut unavailable = Vec::new();
    for r in &answers {
        let id = r.header("x-request-id").unwrap().to_string();
        match r.status {
            401 => audited.push(id),
            503 => {
                assert_eq!(r.header("retry-after"), Some("1"));
                assert_eq!(
                    r.error_body(),
                    json!({"error": "unavailable", "message": "the store is unavailable: store-unavailable"})
                );
                unavailable.push(id);
            }
            other => panic!("{other} {}", r.body),
        }
    }
    assert!(
        !audited.is_empty(),
        "no refusal before the kill was answered"
    );
    assert!(
        !unavailable.is_empty(),
        "no refusal while PostgreSQL was down"
    );
    st.pg_mut().restart();
    let after = s.get("/v1/registry/urn:example:app", None);
    assert_eq!(after.status, 401, "{}", after.body);
    let after_id = after.header("x-request-id").unwrap().to_string();
    let logged: std::collections::HashSet<String> = st
        .column(
            "r.db",
            "SELECT request_id FROM audit_log WHERE action = 'auth'",
        )
        .into_iter()
        .collect();
    for id in audited.iter().chain([&after_id]) {
        assert!(
            logged.contains(id),
            "{id} answered 401 without its audit row"
        );
    }
    let made: std::collections::HashSet<&String> = audited
        .iter()
        .chain(&unavailable)
        .chain([&after_id])
        .collect();
    assert!(logged.iter().all(|id| made.contains(id)));
    drop(s);
}
