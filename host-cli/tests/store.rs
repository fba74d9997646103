//! `vouch store`: runs the built binary against temporary databases. Keys, statements and
//! envelopes are made with the CLI itself (`keygen`, `statement`, `sign`).

use std::path::Path;
use std::process::{Command, Stdio};

use serde_json::Value;

mod common;

use common::pg::Backend;
use common::{BIN, Env, KEYLESS_IDENTITY, KEYLESS_ISSUER, Run, sha256_hex};

/// The material of the set-up Statement.
const MATERIAL: &str = "git+https://git.example/app@sha1:0123abcd";

both_backends!(
    put_get_history_round_trip,
    slsa_statement_facts,
    two_digests_for_one_urn_newest_first,
    enforce_refuses_missing_and_invalid_provenance_leaving_the_db_unchanged,
    permissive_stores_with_warnings,
    usage_and_environment_errors,
    verbose_put_shows_each_step,
    concurrent_writers_lose_nothing,
    killed_bulk_put_leaves_only_whole_transactions,
    racing_creators_all_succeed,
    stored_envelopes_are_byte_exact,
    oversized_envelopes_are_refused_before_the_store,
    keyless_bundles_are_stored_with_their_signer,
    keyless_bundles_outside_the_policy_are_refused_or_warned,
    audit_batch_is_one_transaction_in_order,
);

impl Env {
    /// Keys, policies (enforce.json, permissive.json), a manifest and its signed provenance.
    fn setup() -> Self {
        let e = Env::new();
        e.keygen("ed25519", "ci");
        e.keygen("ed25519", "rogue");
        e.policy("enforce.json", "enforce", &[("ci", "ci.pub", "")], "");
        e.policy("permissive.json", "permissive", &[("ci", "ci.pub", "")], "");
        e.write(
            "manifest.json",
            "{\"urn\": \"urn:example:app\", \"version\": 1}\n",
        );
        e.registry_statement(".", "manifest.json", &[MATERIAL], "statement.json");
        e.sign(&["ci.key"], &["ci"], "statement.json", "envelope.json");
        e
    }
    /// Edits the statement JSON, then signs it with `key` into `out`.
    fn signed_variant(&self, key: &str, out: &str, edit: impl FnOnce(&mut Value)) {
        let mut st: Value = serde_json::from_str(&self.read("statement.json")).unwrap();
        edit(&mut st);
        let name = format!("{out}.statement");
        self.write(&name, &serde_json::to_string(&st).unwrap());
        self.sign(&[key], &["ci"], &name, out);
    }
}

/// The database file and any side files, for byte-for-byte comparison. The -shm file is SQLite's
/// shared-memory index (lock and read marks that any connection, readers included, updates): only
/// whether it exists counts.
fn snapshot(db: &Path) -> Vec<(String, Option<Vec<u8>>)> {
    ["", "-wal", "-shm", "-journal"]
        .iter()
        .map(|s| {
            let p = format!("{}{s}", db.display());
            let content = std::fs::read(&p).ok();
            let content = if *s == "-shm" {
                content.map(|_| Vec::new())
            } else {
                content
            };
            (p.clone(), content)
        })
        .collect()
}

/// Opens a store for the test to inspect or tamper with, as a writer of it must: with persistent
/// WAL, so that closing this connection does not remove the -wal/-shm files readers rely on.
fn open_db(p: &Path) -> rusqlite::Connection {
    let c = rusqlite::Connection::open_with_flags(p, rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE)
        .unwrap();
    let mut persist = 1;
    c.file_control(
        Some(rusqlite::MAIN_DB),
        rusqlite::FileControl::PersistWal(&mut persist),
    )
    .unwrap();
    c
}

fn put_get_history_round_trip(b: Backend) {
    let e = Env::setup();
    let s = b.stores(e.dir.path());
    let db = s.db("store.db");
    let db = db.as_str();
    let (code, v, stderr) = e.put_json(
        db,
        "urn:example:app",
        "manifest.json",
        Some("envelope.json"),
        "enforce.json",
    );
    assert_eq!(code, 0, "{v} {stderr}");
    assert_eq!(v["ok"], true);
    assert_eq!(v["stored"], true);
    assert_eq!(v["replaced"], false);
    assert_eq!(v["urn"], "urn:example:app");
    assert_eq!(v["mode"], "enforce");
    assert_eq!(v["record"]["verified"], true);
    assert_eq!(v["record"]["warnings"], serde_json::json!([]));
    let digest = format!("sha256:{}", sha256_hex(e.read("manifest.json").as_bytes()));
    assert_eq!(v["record"]["digest"], digest.as_str());
    // `put` shows the record without its envelope; `get` adds it.
    assert!(v["record"].get("envelope").is_none(), "{v}");
    assert!(stderr.is_empty(), "{stderr}");

    let (code, v, _) = e.json(&["store", "get", "--db", db, "--urn", "urn:example:app"]);
    assert_eq!(code, 0);
    let r = &v["record"];
    assert_eq!(r["urn"], "urn:example:app");
    assert_eq!(r["digest"], digest.as_str());
    assert_eq!(r["builder"], "https://ci.example/builder");
    assert_eq!(r["timestamp"], "2026-01-02T03:04:05Z");
    assert_eq!(r["payloadType"], "application/vnd.in-toto+json");
    assert!(r["buildTool"].as_str().unwrap().starts_with("vouch "));
    assert_eq!(
        r["inputs"],
        serde_json::json!([{"uri": "git+https://git.example/app", "digest": {"sha1": "0123abcd"}}])
    );
    assert_eq!(r["outputs"][0]["name"], "manifest.json");
    // Quoted from the Statement: the in-toto digest map, as written there.
    assert_eq!(
        r["outputs"][0]["digest"]["sha256"],
        digest.strip_prefix("sha256:").unwrap()
    );
    assert_eq!(r["verified"], true);
    assert_eq!(r["envelope"], e.read("envelope.json").as_str());

    let r = e.ok(&["store", "get", "--db", db, "--urn", "urn:example:app"]);
    for want in [
        "urn:example:app",
        "https://ci.example/builder",
        "2026-01-02T03:04:05Z",
        &digest,
    ] {
        assert!(r.stdout.contains(want), "{want} not in {}", r.stdout);
    }

    let (code, v, _) = e.json(&["store", "history", "--db", db, "--urn", "urn:example:app"]);
    assert_eq!(code, 0);
    assert_eq!(v["records"].as_array().unwrap().len(), 1);
    let r = e.ok(&["store", "history", "--db", db, "--urn", "urn:example:app"]);
    assert!(r.stdout.contains("1 record(s)"), "{}", r.stdout);

    if b == Backend::Postgres {
        // The database is marked as a vouch store at schema version 3, and holds the record.
        assert_eq!(
            s.column("store.db", "SELECT value FROM vouch_meta ORDER BY key"),
            ["vouch", &vouch_cli::store::SCHEMA_VERSION.to_string()[..]]
        );
        assert_eq!(s.count("store.db", "SELECT count(*) FROM provenance"), 1);
        return;
    }
    // The last process out checkpoints and truncates the WAL: it does not pile up between puts.
    // The -wal and -shm files stay (persistent WAL), so that readers need not create them.
    assert_eq!(std::fs::metadata(e.path("store.db-wal")).unwrap().len(), 0);
    assert!(e.path("store.db-shm").exists());
    // The database is a WAL-mode vouch store at schema version 3 (vouch_cli::store::SCHEMA_VERSION).
    let c = open_db(&e.path(db));
    let mode: String = c
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    let v: i32 = c
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(v, vouch_cli::store::SCHEMA_VERSION);
    let app: i32 = c
        .query_row("PRAGMA application_id", [], |r| r.get(0))
        .unwrap();
    assert_eq!(app, 0x564f_5543);
}

fn slsa_statement_facts(b: Backend) {
    let e = Env::setup();
    let s = b.stores(e.dir.path());
    let db = s.db("store.db");
    let db = db.as_str();
    // (urn, builder id, more statement flags, material, build time, expected inputs)
    let cases = [
        // SLSA v1: runDetails.builder.id, runDetails.metadata.finishedOn,
        // buildDefinition.resolvedDependencies.
        (
            "urn:example:app",
            "https://ci.example/slsa",
            &[][..],
            "pkg:cargo/serde@1.0.0",
            "2026-02-03T04:05:06Z",
            serde_json::json!([{"uri": "pkg:cargo/serde@1.0.0"}]),
        ),
        // SLSA v0.2: predicate.builder.id, predicate.metadata.buildFinishedOn,
        // predicate.materials.
        (
            "urn:example:v02",
            "https://ci.example/v02",
            &["--predicate-type", "https://slsa.dev/provenance/v0.2"][..],
            "git+https://git.example/app@sha1:abcdef",
            "2026-03-04T05:06:07Z",
            serde_json::json!([{"uri": "git+https://git.example/app", "digest": {"sha1": "abcdef"}}]),
        ),
    ];
    for (urn, builder, more, material, built, inputs) in cases {
        let mut args = vec![
            "statement",
            "--subject",
            "manifest.json",
            "--builder-id",
            builder,
        ];
        args.extend(more);
        args.extend([
            "--material",
            material,
            "--timestamp",
            built,
            "--out",
            "slsa.json",
        ]);
        e.ok(&args);
        e.sign(&["ci.key"], &["ci"], "slsa.json", "slsa.dsse");
        let (code, v, _) = e.put_json(db, urn, "manifest.json", Some("slsa.dsse"), "enforce.json");
        assert_eq!(code, 0, "{v}");
        let v = &v["record"];
        assert_eq!(v["builder"], builder);
        assert_eq!(v["timestamp"], built);
        assert_eq!(v["inputs"], inputs, "{urn}");
        assert_eq!(v["outputs"][0]["name"], "manifest.json");
        assert!(v["buildTool"].is_null());
    }
}

fn two_digests_for_one_urn_newest_first(b: Backend) {
    let e = Env::setup();
    let s = b.stores(e.dir.path());
    let db = s.db("store.db");
    let db = db.as_str();
    assert_eq!(
        e.put(
            db,
            "urn:example:app",
            "manifest.json",
            Some("envelope.json"),
            "enforce.json"
        )
        .code,
        0
    );
    let d1 = sha256_hex(e.read("manifest.json").as_bytes());
    e.write(
        "manifest.json",
        "{\"urn\": \"urn:example:app\", \"version\": 2}\n",
    );
    let d2 = sha256_hex(e.read("manifest.json").as_bytes());
    // The old envelope does not cover the new manifest.
    let (code, v, _) = e.put_json(
        db,
        "urn:example:app",
        "manifest.json",
        Some("envelope.json"),
        "enforce.json",
    );
    assert_eq!(code, 1);
    assert_eq!(v["error"]["reason"], "subject-mismatch");
    e.registry_statement(".", "manifest.json", &[MATERIAL], "statement2.json");
    e.sign(&["ci.key"], &["ci"], "statement2.json", "envelope2.json");
    let r = e.put(
        db,
        "urn:example:app",
        "manifest.json",
        Some("envelope2.json"),
        "enforce.json",
    );
    assert_eq!(r.code, 0, "{}", r.stderr);

    let (_, v, _) = e.json(&["store", "history", "--db", db, "--urn", "urn:example:app"]);
    let recs = v["records"].as_array().unwrap();
    assert_eq!(recs.len(), 2);
    assert_eq!(recs[0]["digest"], format!("sha256:{d2}"));
    assert_eq!(recs[1]["digest"], format!("sha256:{d1}"));
    let (_, v, _) = e.json(&["store", "get", "--db", db, "--urn", "urn:example:app"]);
    assert_eq!(v["record"]["digest"], format!("sha256:{d2}"));

    // Putting the first version again replaces its record, which becomes the newest.
    e.write(
        "manifest.json",
        "{\"urn\": \"urn:example:app\", \"version\": 1}\n",
    );
    let (code, v, _) = e.put_json(
        db,
        "urn:example:app",
        "manifest.json",
        Some("envelope.json"),
        "enforce.json",
    );
    assert_eq!(code, 0);
    assert_eq!(v["replaced"], true);
    let (_, v, _) = e.json(&["store", "history", "--db", db, "--urn", "urn:example:app"]);
    let recs = v["records"].as_array().unwrap();
    assert_eq!(recs.len(), 2);
    assert_eq!(recs[0]["digest"], format!("sha256:{d1}"));

    // Other URNs are separate.
    let (code, v, _) = e.json(&["store", "get", "--db", db, "--urn", "urn:example:other"]);
    assert_eq!(code, 1);
    assert_eq!(v["error"]["code"], "not-found");
    let r = e.run(&["store", "history", "--db", db, "--urn", "urn:example:other"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("not-found"), "{}", r.stderr);
}

/// The bad envelopes an enforcing policy refuses, with the reason code each must give.
fn bad_envelopes(e: &Env) -> Vec<(&'static str, &'static str)> {
    // Signed by a key the policy does not trust.
    e.sign(&["rogue.key"], &["ci"], "statement.json", "rogue.dsse");
    // A statement with no builder id.
    e.signed_variant("ci.key", "nobuilder.dsse", |st| {
        st.as_object_mut().unwrap().remove("builder");
    });
    // The older registry format without `subject`: not bound to any manifest.
    e.signed_variant("ci.key", "unbound.dsse", |st| {
        st.as_object_mut().unwrap().remove("subject");
    });
    // A statement about another file.
    e.write("other.txt", "other\n");
    e.registry_statement(".", "other.txt", &[MATERIAL], "other.statement");
    e.sign(&["ci.key"], &["ci"], "other.statement", "other.dsse");
    // Not an envelope.
    e.write("garbage.dsse", "{\"payload\": 1}");
    vec![
        ("rogue.dsse", "invalid-signature"),
        ("nobuilder.dsse", "missing-builder-id"),
        ("unbound.dsse", "unbound-provenance"),
        ("other.dsse", "subject-mismatch"),
        ("garbage.dsse", "malformed-envelope"),
    ]
}

fn enforce_refuses_missing_and_invalid_provenance_leaving_the_db_unchanged(b: Backend) {
    let e = Env::setup();
    let s = b.stores(e.dir.path());
    let db = s.db("store.db");
    let db = db.as_str();
    assert_eq!(
        e.put(
            db,
            "urn:example:app",
            "manifest.json",
            Some("envelope.json"),
            "enforce.json"
        )
        .code,
        0
    );
    let before = s.snapshot("store.db");

    let (code, v, _) = e.put_json(db, "urn:example:new", "manifest.json", None, "enforce.json");
    assert_eq!(code, 1, "{v}");
    assert_eq!(v["ok"], false);
    assert_eq!(v["stored"], false);
    assert_eq!(v["error"]["code"], "missing_provenance");
    // The one error-object shape: no `reason` when there is none.
    assert!(v["error"].get("reason").is_none(), "{v}");
    let digest = sha256_hex(e.read("manifest.json").as_bytes());
    assert_eq!(v["digest"], format!("sha256:{digest}"));
    let r = e.put(db, "urn:example:new", "manifest.json", None, "enforce.json");
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("missing_provenance"), "{}", r.stderr);
    assert_eq!(s.snapshot("store.db"), before);

    for (env, reason) in bad_envelopes(&e) {
        let (code, v, _) = e.put_json(
            db,
            "urn:example:new",
            "manifest.json",
            Some(env),
            "enforce.json",
        );
        assert_eq!(code, 1, "{env}: {v}");
        assert_eq!(v["error"]["code"], "invalid_provenance", "{env}");
        assert_eq!(v["error"]["reason"], reason, "{env}: {v}");
        let r = e.put(
            db,
            "urn:example:new",
            "manifest.json",
            Some(env),
            "enforce.json",
        );
        assert_eq!(r.code, 1);
        assert!(
            r.stderr.contains("invalid_provenance") && r.stderr.contains(reason),
            "{env}: {}",
            r.stderr
        );
        assert!(r.stdout.is_empty());
        assert_eq!(s.snapshot("store.db"), before, "{env} changed the database");
    }

    // A refused put into a store that does not exist does not create it.
    let fresh = s.db("fresh.db");
    let fresh_before = s.snapshot("fresh.db");
    let r = e.put(
        &fresh,
        "urn:example:new",
        "manifest.json",
        Some("rogue.dsse"),
        "enforce.json",
    );
    assert_eq!(r.code, 1);
    assert_eq!(s.snapshot("fresh.db"), fresh_before);
    if b == Backend::Sqlite {
        assert!(!e.path("fresh.db").exists());
    }
}

fn permissive_stores_with_warnings(b: Backend) {
    let e = Env::setup();
    let s = b.stores(e.dir.path());
    let db = s.db("store.db");
    let db = db.as_str();
    let (code, v, stderr) = e.put_json(
        db,
        "urn:example:bare",
        "manifest.json",
        None,
        "permissive.json",
    );
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["stored"], true);
    assert_eq!(v["record"]["verified"], false);
    assert_eq!(v["record"]["warnings"][0]["code"], "missing_provenance");
    // Stored without provenance: no builder, no payloadType.
    assert!(v["record"]["builder"].is_null(), "{v}");
    assert!(v["record"]["payloadType"].is_null(), "{v}");
    assert!(stderr.contains("warning: missing_provenance"), "{stderr}");

    for (env, reason) in bad_envelopes(&e) {
        let urn = format!("urn:example:{env}");
        let (code, v, stderr) = e.put_json(db, &urn, "manifest.json", Some(env), "permissive.json");
        assert_eq!(code, 0, "{env}: {v}");
        assert_eq!(v["stored"], true);
        assert_eq!(v["record"]["verified"], false);
        assert_eq!(
            v["record"]["warnings"][0]["code"], "invalid_provenance",
            "{env}"
        );
        assert_eq!(v["record"]["warnings"][0]["reason"], reason, "{env}");
        assert!(
            stderr.contains("warning: invalid_provenance") && stderr.contains(reason),
            "{env}: {stderr}"
        );
        let (code, v, _) = e.json(&["store", "get", "--db", db, "--urn", &urn]);
        assert_eq!(code, 0);
        assert_eq!(v["record"]["verified"], false);
        assert_eq!(v["record"]["warnings"][0]["reason"], reason);
        assert_eq!(v["record"]["envelope"], e.read(env).as_str());
    }
    // The unverified but well-formed envelopes still give their facts.
    let (_, v, _) = e.json(&[
        "store",
        "get",
        "--db",
        db,
        "--urn",
        "urn:example:rogue.dsse",
    ]);
    assert_eq!(v["record"]["builder"], "https://ci.example/builder");
    let r = e.ok(&[
        "store",
        "get",
        "--db",
        db,
        "--urn",
        "urn:example:unbound.dsse",
    ]);
    assert!(
        r.stdout.contains("NO (stored under a permissive policy)"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("unbound-provenance"), "{}", r.stdout);

    // A valid envelope under a permissive policy: stored, no warnings.
    let (code, v, stderr) = e.put_json(
        db,
        "urn:example:app",
        "manifest.json",
        Some("envelope.json"),
        "permissive.json",
    );
    assert_eq!(code, 0);
    assert_eq!(v["record"]["verified"], true);
    assert_eq!(v["record"]["warnings"], serde_json::json!([]));
    assert!(stderr.is_empty(), "{stderr}");
    assert_eq!(s.count("store.db", "SELECT count(*) FROM provenance"), 7);
}

#[test]
fn foreign_files_are_refused_untouched() {
    let e = Env::setup();
    // An SQLite database of some other application.
    let foreign = e.path("other.db");
    {
        let c = rusqlite::Connection::open(&foreign).unwrap();
        c.execute_batch("CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1);")
            .unwrap();
    }
    // A text file.
    e.write("notes.db", "these are not the rows you are looking for\n");
    // A vouch store from the future.
    assert_eq!(
        e.put(
            "future.db",
            "urn:example:app",
            "manifest.json",
            Some("envelope.json"),
            "enforce.json"
        )
        .code,
        0
    );
    open_db(&e.path("future.db"))
        .pragma_update(None, "user_version", 99)
        .unwrap();
    // Another application's id on an otherwise empty database.
    {
        let c = rusqlite::Connection::open(e.path("marked.db")).unwrap();
        c.pragma_update(None, "application_id", 1234).unwrap();
    }

    for (db, code) in [
        ("other.db", "not-a-vouch-db"),
        ("notes.db", "not-a-vouch-db"),
        ("future.db", "newer-schema"),
        ("marked.db", "not-a-vouch-db"),
    ] {
        let before = snapshot(&e.path(db));
        let (rc, v, _) = e.put_json(
            db,
            "urn:example:app",
            "manifest.json",
            Some("envelope.json"),
            "enforce.json",
        );
        assert_eq!(rc, 2, "{db}: {v}");
        assert_eq!(v["error"]["code"], code, "{db}: {v}");
        let r = e.put(
            db,
            "urn:example:app",
            "manifest.json",
            Some("envelope.json"),
            "permissive.json",
        );
        assert_eq!(r.code, 2);
        assert!(r.stderr.contains(code), "{db}: {}", r.stderr);
        for cmd in ["get", "history"] {
            let (rc, v, _) = e.json(&["store", cmd, "--db", db, "--urn", "urn:example:app"]);
            assert_eq!(rc, 2, "{db} {cmd}");
            assert_eq!(v["error"]["code"], code);
        }
        assert_eq!(snapshot(&e.path(db)), before, "{db} was modified");
    }

    // Reading a store that does not exist is an environment error and creates nothing.
    let (rc, v, _) = e.json(&[
        "store",
        "get",
        "--db",
        "none.db",
        "--urn",
        "urn:example:app",
    ]);
    assert_eq!(rc, 2);
    assert_eq!(v["error"]["code"], "store-not-found");
    assert!(!e.path("none.db").exists());
}

fn usage_and_environment_errors(b: Backend) {
    let e = Env::setup();
    let s = b.stores(e.dir.path());
    let db = s.db("store.db");
    let db = db.as_str();
    // Missing artifact, missing envelope file, bad policy, missing flag: exit 2.
    let r = e.put(
        db,
        "urn:x",
        "nope.json",
        Some("envelope.json"),
        "enforce.json",
    );
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("io-error"), "{}", r.stderr);
    let r = e.put(
        db,
        "urn:x",
        "manifest.json",
        Some("nope.dsse"),
        "enforce.json",
    );
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("io-error"), "{}", r.stderr);
    e.write(
        "bad-policy.json",
        "{\"mode\": \"enforce\", \"allowedIssuers\": []}",
    );
    let (rc, v, _) = e.put_json(
        db,
        "urn:x",
        "manifest.json",
        Some("envelope.json"),
        "bad-policy.json",
    );
    assert_eq!(rc, 2);
    assert!(v["error"]["code"].is_string());
    let r = e.run(&[
        "store",
        "put",
        "--db",
        db,
        "--urn",
        "urn:x",
        "--artifact",
        "manifest.json",
    ]);
    assert_eq!(r.code, 2);
    let r = e.put(
        db,
        " ",
        "manifest.json",
        Some("envelope.json"),
        "enforce.json",
    );
    assert_eq!(r.code, 2);
    // Nothing was created.
    match b {
        Backend::Sqlite => assert!(!e.path(db).exists()),
        Backend::Postgres => assert_eq!(s.snapshot("store.db"), ["relations: []"]),
    }
    if b == Backend::Postgres {
        // A connection string that does not parse, and a server that is not there.
        let (rc, v, _) = e.json(&[
            "store",
            "get",
            "--db",
            "host=/nonexistent dbname='x",
            "--urn",
            "urn:x",
        ]);
        assert_eq!(rc, 2, "{v}");
        assert_eq!(v["error"]["code"], "usage", "{v}");
        let (rc, v, _) = e.json(&[
            "store",
            "get",
            "--db",
            "host=/nonexistent dbname=x",
            "--urn",
            "urn:x",
        ]);
        assert_eq!(rc, 2, "{v}");
        assert_eq!(v["error"]["code"], "store-unavailable", "{v}");
        return;
    }
    // A directory as the database.
    std::fs::create_dir(e.path("dir.db")).unwrap();
    let r = e.put(
        "dir.db",
        "urn:x",
        "manifest.json",
        Some("envelope.json"),
        "enforce.json",
    );
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("not-a-vouch-db"), "{}", r.stderr);
    // Help shows an example.
    let r = e.ok(&["store", "put", "--help"]);
    assert!(r.stdout.contains("Example:"), "{}", r.stdout);
}

fn verbose_put_shows_each_step(b: Backend) {
    let e = Env::setup();
    let s = b.stores(e.dir.path());
    let db = s.db("store.db");
    let db = db.as_str();
    let r = e.run(&[
        "store",
        "put",
        "-v",
        "--db",
        db,
        "--urn",
        "urn:example:app",
        "--artifact",
        "manifest.json",
        "--envelope",
        "envelope.json",
        "--policy",
        "enforce.json",
    ]);
    assert_eq!(r.code, 0);
    for step in [
        "debug: policy",
        "debug: artifact",
        "debug: envelope",
        "debug: stored",
    ] {
        assert!(r.stderr.contains(step), "{step} not in {}", r.stderr);
    }
}

/// A bulk list of `n` URNs for one manifest and envelope.
fn bulk_list(e: &Env, name: &str, prefix: &str, n: usize) {
    let mut s = String::new();
    for i in 0..n {
        s.push_str(&format!("urn:{prefix}:{i}\tmanifest.json\tenvelope.json\n"));
    }
    e.write(name, &s);
}

/// `vouch store put` of the set-up envelope and manifest under `urn`, enforcing, not waited for.
fn spawn_put(e: &Env, db: &str, urn: &str) -> std::process::Child {
    let args = common::put_args(
        db,
        urn,
        "manifest.json",
        Some("envelope.json"),
        "enforce.json",
    );
    common::command(e.dir.path(), &args).spawn().unwrap()
}

fn spawn_bulk(e: &Env, db: &str, list: &str, batch: &str) -> std::process::Child {
    let args = [
        "store",
        "put-bulk",
        "--db",
        db,
        "--policy",
        "enforce.json",
        "--list",
        list,
        "--batch",
        batch,
    ];
    common::command(e.dir.path(), &args).spawn().unwrap()
}

fn concurrent_writers_lose_nothing(b: Backend) {
    let e = Env::setup();
    let s = b.stores(e.dir.path());
    let db = s.db("store.db");
    let db = db.as_str();
    // Several single puts racing to create the database.
    let singles: Vec<_> = (0..6)
        .map(|i| spawn_put(&e, db, &format!("urn:single:{i}")))
        .collect();
    // Bulk writers in parallel with them.
    let bulks: Vec<_> = (0..4)
        .map(|i| {
            let list = format!("list{i}.tsv");
            bulk_list(&e, &list, &format!("bulk{i}"), 60);
            spawn_bulk(&e, db, &list, "1")
        })
        .collect();
    for c in singles.into_iter().chain(bulks) {
        let out = c.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let n = s.count("store.db", "SELECT count(*) FROM provenance");
    assert_eq!(n, 6 + 4 * 60);
    for i in 0..4 {
        let k = s.count(
            "store.db",
            &format!("SELECT count(*) FROM provenance WHERE urn LIKE 'urn:bulk{i}:%'"),
        );
        assert_eq!(k, 60);
    }
}

fn killed_bulk_put_leaves_only_whole_transactions(b: Backend) {
    let e = Env::setup();
    let s = b.stores(e.dir.path());
    let db = s.db("store.db");
    let db = db.as_str();
    const BATCH: i64 = 25;
    bulk_list(&e, "big.tsv", "crash", 100_000);
    let mut child = spawn_bulk(&e, db, "big.tsv", &BATCH.to_string());
    // Wait until some transactions are committed (no time limit: poll the database), then kill.
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            panic!("bulk put ended before it could be killed: {status}");
        }
        let committed = s
            .try_count("store.db", "SELECT count(*) FROM provenance")
            .is_some_and(|n| n >= 3 * BATCH);
        if committed {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.kill().unwrap(); // SIGKILL
    let _ = child.wait();

    assert!(s.integrity_ok("store.db"));
    let n = s.count("store.db", "SELECT count(*) FROM provenance");
    assert!(n >= 3 * BATCH);
    assert_eq!(n % BATCH, 0, "{n} rows: a partial transaction survived");
    assert!(n < 100_000);
    // Every row is whole, and the rows are a prefix of the list.
    let envelope = e.read("envelope.json");
    let digest = sha256_hex(e.read("manifest.json").as_bytes());
    let rows = s.rows(
        "store.db",
        "SELECT urn, digest, issuer, committed_at, outputs FROM provenance",
    );
    for row in &rows {
        let [urn, d, issuer, at, outputs] = &row[..] else {
            panic!("{row:?}")
        };
        let i: i64 = urn.strip_prefix("urn:crash:").unwrap().parse().unwrap();
        assert!(i < n, "{urn}");
        assert_eq!(d, &digest);
        assert_eq!(issuer, "https://ci.example/builder");
        assert_eq!(at, "2026-01-02T03:04:05Z");
        assert!(outputs.contains(&digest));
    }
    assert_eq!(rows.len() as i64, n);
    let envs = s.envelopes("store.db");
    assert_eq!(envs.len() as i64, n);
    assert!(envs.iter().all(|(_, env)| env == envelope.as_bytes()));
    // The store is still usable.
    let r = e.put(
        db,
        "urn:after",
        "manifest.json",
        Some("envelope.json"),
        "enforce.json",
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        s.count("store.db", "SELECT count(*) FROM provenance"),
        n + 1
    );
}

/// Many processes creating the same new store at once: every one must see either no store or a
/// complete one — never a half-created store refused as foreign (`not-a-vouch-db`), which is what
/// reading application_id and the schema in separate snapshots allowed. Repeated to give the
/// race room to happen.
fn racing_creators_all_succeed(b: Backend) {
    let e = Env::setup();
    let s = b.stores(e.dir.path());
    for round in 0..12 {
        let name = format!("race{round}.db");
        let db = s.db(&name);
        let procs: Vec<_> = (0..8)
            .map(|i| spawn_put(&e, &db, &format!("urn:race:{i}")))
            .collect();
        for p in procs {
            let out = p.wait_with_output().unwrap();
            assert!(
                out.status.success(),
                "round {round}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let n = s.count(&name, "SELECT count(*) FROM provenance");
        assert_eq!(n, 8, "round {round}");
    }
}

/// A permissive put stores the envelope byte for byte, also when it is not UTF-8 (it used to be
/// stored as a lossy conversion: 300 bytes became 548), and `store get` shows it unaltered.
fn stored_envelopes_are_byte_exact(b: Backend) {
    let e = Env::setup();
    let s = b.stores(e.dir.path());
    let db = s.db("store.db");
    let db = db.as_str();
    let mut odd: Vec<u8> = (0..=255u8).collect();
    odd.extend_from_slice(&[0xff, 0xfe, 0x80, b'{', 0xc3]);
    std::fs::write(e.path("odd.dsse"), &odd).unwrap();
    let r = e.put(
        db,
        "urn:example:odd",
        "manifest.json",
        Some("odd.dsse"),
        "permissive.json",
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let stored = s.envelopes("store.db");
    assert_eq!(stored, [("urn:example:odd".to_string(), odd.clone())]);
    let (rc, v, _) = e.json(&["store", "get", "--db", db, "--urn", "urn:example:odd"]);
    assert_eq!(rc, 0, "{v}");
    use base64ct::Encoding;
    let shown =
        base64ct::Base64::decode_vec(v["record"]["envelopeBase64"].as_str().unwrap()).unwrap();
    assert_eq!(shown, odd);
    assert!(v["record"].get("envelope").is_none(), "{v}");
    // A valid envelope with CRLF line ends and non-ASCII text keeps every byte too.
    let env = e.read("envelope.json");
    let crlf = format!("{{\r\n\"note\": \"caf\u{e9}\",\r\n{}", &env.trim()[1..]);
    e.write("crlf.dsse", &crlf);
    e.ok(&[
        "store",
        "put",
        "--db",
        db,
        "--urn",
        "urn:example:app",
        "--artifact",
        "manifest.json",
        "--envelope",
        "crlf.dsse",
        "--policy",
        "enforce.json",
    ]);
    let (rc, v, _) = e.json(&["store", "get", "--db", db, "--urn", "urn:example:app"]);
    assert_eq!(rc, 0);
    assert_eq!(v["record"]["envelope"].as_str().unwrap(), crlf);
    assert_eq!(v["record"]["verified"], true);
}

/// `store put` reads at most `--max-envelope-size` bytes of an envelope: past it nothing is
/// stored (whatever the policy's mode) and the store is not even created.
fn oversized_envelopes_are_refused_before_the_store(b: Backend) {
    let e = Env::setup();
    let s = b.stores(e.dir.path());
    let big = s.db("big.db");
    for policy in ["enforce.json", "permissive.json"] {
        let (rc, v, _) = e.json(&[
            "store",
            "put",
            "--db",
            &big,
            "--urn",
            "urn:example:app",
            "--artifact",
            "manifest.json",
            "--envelope",
            "/dev/zero",
            "--policy",
            policy,
            "--max-envelope-size",
            "64K",
        ]);
        assert_eq!(rc, 1, "{v}");
        assert_eq!(v["error"]["code"], "envelope-too-large", "{v}");
        match b {
            Backend::Sqlite => assert!(!e.path("big.db").exists()),
            Backend::Postgres => assert_eq!(s.snapshot("big.db"), ["relations: []"]),
        }
    }
}

/// Runs vouch as an unprivileged user (uid/gid 65534), the way a reader without write access
/// would. Needs root (CI runs as root) and util-linux's `setpriv`.
fn run_as_nobody(dir: &Path, args: &[&str]) -> Option<Run> {
    if rustix_euid() != 0 || Command::new("setpriv").arg("--version").output().is_err() {
        return None;
    }
    let out = Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", BIN])
        .args(args)
        .current_dir(dir)
        .env_remove("VOUCH_LOG")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    Some(Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into(),
        stderr: String::from_utf8_lossy(&out.stderr).into(),
    })
}

/// The effective uid, from the owner of a file this process creates.
fn rustix_euid() -> u32 {
    use std::os::unix::fs::MetadataExt;
    let f = tempfile::NamedTempFile::new().unwrap();
    f.as_file().metadata().unwrap().uid()
}

/// The files of a directory with their owners.
fn listing(dir: &Path) -> Vec<(String, u32)> {
    use std::os::unix::fs::MetadataExt;
    let mut v: Vec<(String, u32)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|d| {
            let d = d.unwrap();
            (
                d.file_name().to_string_lossy().into_owned(),
                d.metadata().unwrap().uid(),
            )
        })
        .collect();
    v.sort();
    v
}

/// Readers (`store get`, `store history`) need no write access and write nothing: a user who may
/// only read the store reads it, and a reader who may write the directory leaves no file behind
/// that could block the owner's next put.
#[test]
fn readers_need_no_write_access_and_leave_nothing_behind() {
    use std::os::unix::fs::PermissionsExt;
    let e = Env::setup();
    let dir = e.path("stores");
    std::fs::create_dir(&dir).unwrap();
    let r = e.put(
        "stores/s.db",
        "urn:example:app",
        "manifest.json",
        Some("envelope.json"),
        "enforce.json",
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    // Everyone may enter the temp dir and read the store; only root may write the directory.
    std::fs::set_permissions(e.dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    let before = (listing(&dir), snapshot(&dir.join("s.db")));
    let get = ["store", "get", "--db", "s.db", "--urn", "urn:example:app"];
    let Some(r) = run_as_nobody(&dir, &get) else {
        eprintln!("SKIPPED: needs root and setpriv to run as another user");
        return;
    };
    assert_eq!(r.code, 0, "{} / {}", r.stdout, r.stderr);
    assert!(r.stdout.contains("verified     yes"), "{}", r.stdout);
    let r = run_as_nobody(
        &dir,
        &[
            "store",
            "history",
            "--db",
            "s.db",
            "--urn",
            "urn:example:app",
        ],
    )
    .unwrap();
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!((listing(&dir), snapshot(&dir.join("s.db"))), before);
    // A directory the reader may write: still nothing created, nothing owned by the reader.
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).unwrap();
    let r = run_as_nobody(&dir, &get).unwrap();
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(listing(&dir), before.0);
    // The owner writes on as before.
    e.write(
        "manifest.json",
        "{\"urn\": \"urn:example:app\", \"version\": 2}\n",
    );
    e.registry_statement(".", "manifest.json", &[MATERIAL], "statement2.json");
    e.sign(&["ci.key"], &["ci"], "statement2.json", "envelope2.json");
    let r = e.put(
        "stores/s.db",
        "urn:example:app",
        "manifest.json",
        Some("envelope2.json"),
        "enforce.json",
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    // A store whose -wal/-shm files are gone (as an older vouch left them): another user may not
    // create them, and is told so; nothing is created. Its owner (here root) reads it.
    std::fs::remove_file(dir.join("s.db-wal")).unwrap();
    std::fs::remove_file(dir.join("s.db-shm")).unwrap();
    let r = run_as_nobody(&dir, &get).unwrap();
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("store-error") && r.stderr.contains("-wal/-shm"),
        "{}",
        r.stderr
    );
    assert_eq!(listing(&dir), vec![("s.db".to_string(), 0)]);
    let r = e.run(&[
        "store",
        "history",
        "--db",
        "stores/s.db",
        "--urn",
        "urn:example:app",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("2 record(s)"), "{}", r.stdout);
}

/// A store of schema 1 (envelopes as TEXT) is read as it is, and the first put migrates it to
/// the current schema in place, keeping every row, its envelope bytes and the history order.
#[test]
fn schema_1_stores_are_read_and_migrated() {
    let e = Env::setup();
    let db = e.path("old.db");
    let env = e.read("envelope.json");
    {
        let c = rusqlite::Connection::open(&db).unwrap();
        c.execute_batch(
            "CREATE TABLE provenance (
                urn TEXT NOT NULL, envelope TEXT NOT NULL, payload_type TEXT NOT NULL,
                digest TEXT NOT NULL, issuer TEXT NOT NULL, committed_at TEXT NOT NULL,
                build_tool TEXT, inputs TEXT, outputs TEXT, recorded_at TEXT NOT NULL,
                verified INTEGER NOT NULL CHECK (verified IN (0, 1)), warnings TEXT,
                PRIMARY KEY (urn, digest));
             CREATE INDEX provenance_digest ON provenance (digest);
             CREATE INDEX provenance_issuer ON provenance (issuer);
             PRAGMA application_id = 1448039747;
             PRAGMA user_version = 1;
             PRAGMA journal_mode = WAL;",
        )
        .unwrap();
        for (i, d) in ["aa", "bb"].iter().enumerate() {
            c.execute(
                "INSERT INTO provenance VALUES ('urn:example:old', ?1, 'application/vnd.in-toto+json',
                 ?2, 'https://ci.example/builder', '2026-01-01T00:00:00Z', NULL, '[]', '[]',
                 ?3, 1, NULL)",
                rusqlite::params![env, d.repeat(32), format!("2026-01-0{}T00:00:00Z", i + 1)],
            )
            .unwrap();
        }
    }
    // Read as schema 1 (the owner may create the side files SQLite needs).
    let history = || -> Vec<String> {
        let args = [
            "store",
            "history",
            "--db",
            "old.db",
            "--urn",
            "urn:example:old",
        ];
        let (rc, v, _) = e.json(&args);
        assert_eq!(rc, 0, "{v}");
        let records = v["records"].as_array().unwrap();
        records
            .iter()
            .map(|r| r["digest"].as_str().unwrap().to_string())
            .collect()
    };
    let newest_first = [
        format!("sha256:{}", "bb".repeat(32)),
        format!("sha256:{}", "aa".repeat(32)),
    ];
    assert_eq!(history(), newest_first);
    let version = |db: &Path| -> i32 {
        open_db(db)
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap()
    };
    assert_eq!(version(&db), 1, "a reader migrated the store");
    // A put migrates it.
    let r = e.put(
        "old.db",
        "urn:example:app",
        "manifest.json",
        Some("envelope.json"),
        "enforce.json",
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(version(&db), vouch_cli::store::SCHEMA_VERSION);
    assert_eq!(history(), newest_first);
    let (_, v, _) = e.json(&["store", "get", "--db", "old.db", "--urn", "urn:example:old"]);
    assert_eq!(v["record"]["envelope"].as_str().unwrap(), env);
    let kind: String = open_db(&db)
        .query_row("SELECT typeof(envelope) FROM provenance LIMIT 1", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(kind, "blob");
}

// PostgreSQL only: what has no SQLite counterpart above.

/// A database of another application, one whose `vouch_meta` names another application, and a
/// vouch store of a newer schema are refused by every command, and nothing in them changes; an
/// empty database is "no store" to readers (`store-not-found`), which create nothing.
#[test]
fn postgres_foreign_and_newer_databases_are_refused_untouched() {
    let e = Env::setup();
    let s = Backend::Postgres.stores(e.dir.path());
    let other = s.db("other.db");
    s.pg()
        .client("other_db")
        .batch_execute("CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1);")
        .unwrap();
    let marked = s.db("marked.db");
    s.pg()
        .client("marked_db")
        .batch_execute(
            "CREATE TABLE vouch_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
             INSERT INTO vouch_meta VALUES ('application', 'someone-else'), ('schema_version', '3');",
        )
        .unwrap();
    let future = s.db("future.db");
    assert_eq!(
        e.put(
            &future,
            "urn:example:app",
            "manifest.json",
            Some("envelope.json"),
            "enforce.json"
        )
        .code,
        0
    );
    s.pg()
        .client("future_db")
        .batch_execute("UPDATE vouch_meta SET value = '99' WHERE key = 'schema_version'")
        .unwrap();
    // In another schema only: still another application's database.
    let hidden = s.db("hidden.db");
    s.pg()
        .client("hidden_db")
        .batch_execute("CREATE SCHEMA app; CREATE TABLE app.t (x INTEGER);")
        .unwrap();
    for (name, db, code) in [
        ("other.db", &other, "not-a-vouch-db"),
        ("marked.db", &marked, "not-a-vouch-db"),
        ("future.db", &future, "newer-schema"),
        ("hidden.db", &hidden, "not-a-vouch-db"),
    ] {
        let before = s.snapshot(name);
        let (rc, v, _) = e.put_json(
            db,
            "urn:example:app",
            "manifest.json",
            Some("envelope.json"),
            "enforce.json",
        );
        assert_eq!(rc, 2, "{name}: {v}");
        assert_eq!(v["error"]["code"], code, "{name}: {v}");
        let r = e.put(
            db,
            "urn:example:app",
            "manifest.json",
            None,
            "permissive.json",
        );
        assert_eq!(r.code, 2);
        assert!(r.stderr.contains(code), "{name}: {}", r.stderr);
        for cmd in ["get", "history"] {
            let (rc, v, _) = e.json(&["store", cmd, "--db", db, "--urn", "urn:example:app"]);
            assert_eq!(rc, 2, "{name} {cmd}");
            assert_eq!(v["error"]["code"], code);
        }
        let (rc, v, _) = e.json(&["serve", "api-key", "list", "--db", db]);
        assert_eq!((rc, v["error"]["code"].as_str()), (2, Some(code)), "{v}");
        assert_eq!(s.snapshot(name), before, "{name} was modified");
    }
    // An empty database is no store to a reader, and stays empty.
    let empty = s.db("empty.db");
    let (rc, v, _) = e.json(&["store", "get", "--db", &empty, "--urn", "urn:example:app"]);
    assert_eq!(rc, 2, "{v}");
    assert_eq!(v["error"]["code"], "store-not-found", "{v}");
    assert_eq!(s.snapshot("empty.db"), ["relations: []"]);
    // A database that does not exist: store-not-found for readers and writers; none is created.
    let none = s.missing("none.db");
    let (rc, v, _) = e.json(&["store", "get", "--db", &none, "--urn", "urn:example:app"]);
    assert_eq!(
        (rc, v["error"]["code"].as_str()),
        (2, Some("store-not-found")),
        "{v}"
    );
    let (rc, v, _) = e.put_json(
        &none,
        "urn:example:app",
        "manifest.json",
        Some("envelope.json"),
        "enforce.json",
    );
    assert_eq!(
        (rc, v["error"]["code"].as_str()),
        (2, Some("store-not-found")),
        "{v}"
    );
    assert_eq!(s.snapshot("none.db"), ["no database"]);
    // The password of a connection string is never shown.
    let (rc, v, stderr) = e.json(&[
        "store",
        "get",
        "--db",
        &format!("{none} password=hunter2-secret"),
        "--urn",
        "urn:example:app",
    ]);
    assert_eq!(rc, 2);
    assert!(
        !v.to_string().contains("hunter2") && !stderr.contains("hunter2"),
        "{v} {stderr}"
    );
}

/// `kill -9` of PostgreSQL while puts run, then a restart: every put that was acknowledged
/// (exit 0) is stored whole; a put during the outage fails with `store-unavailable` (exit 2) —
/// never a verdict (exit 1) — and the puts after the restart succeed again.
#[test]
fn postgres_killed_during_writes_loses_no_acknowledged_put() {
    let e = Env::setup();
    let mut s = Backend::Postgres.stores(e.dir.path());
    let db = s.db("store.db");
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let (dir, db, stop) = (e.dir.path().to_path_buf(), db.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut results = Vec::new();
            let mut i = 0;
            // Bounded: at most 4000 puts, and it stops when told.
            while i < 4000 && !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let urn = format!("urn:ack:{i}");
                let r = common::run_in(
                    &dir,
                    &[
                        "store",
                        "put",
                        "--db",
                        &db,
                        "--urn",
                        &urn,
                        "--artifact",
                        "manifest.json",
                        "--envelope",
                        "envelope.json",
                        "--policy",
                        "enforce.json",
                    ],
                    None,
                    &[],
                );
                results.push((urn, r.code, r.stderr));
                i += 1;
            }
            results
        })
    };
    // Some acknowledged puts first (polled), then the crash.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    while s
        .try_count("store.db", "SELECT count(*) FROM provenance")
        .is_none_or(|n| n < 20)
    {
        assert!(std::time::Instant::now() < deadline, "no puts committed");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    s.pg_mut().kill9();
    std::thread::sleep(std::time::Duration::from_millis(500));
    s.pg_mut().restart();
    // Puts after the restart.
    let after = s.count("store.db", "SELECT count(*) FROM provenance");
    while s.count("store.db", "SELECT count(*) FROM provenance") < after + 20 {
        assert!(
            std::time::Instant::now() < deadline,
            "no puts after the restart"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let results = writer.join().unwrap();
    let stored: std::collections::HashMap<String, Vec<u8>> =
        s.envelopes("store.db").into_iter().collect();
    let envelope = e.read("envelope.json");
    let mut failed = 0;
    for (urn, code, stderr) in &results {
        match code {
            0 => assert_eq!(
                stored.get(urn).map(Vec::as_slice),
                Some(envelope.as_bytes()),
                "{urn} was acknowledged but is not stored whole"
            ),
            2 => {
                assert!(stderr.contains("store-unavailable"), "{urn}: {stderr}");
                failed += 1;
            }
            _ => panic!("{urn}: exit {code}: {stderr}"),
        }
    }
    assert!(failed >= 1, "no put saw the outage");
    // Nothing but the puts' own records, each whole.
    assert!(stored.len() <= results.len());
    assert!(stored.values().all(|v| v == envelope.as_bytes()));
    assert!(s.integrity_ok("store.db"));
    let last_ok = results.iter().rposition(|r| r.1 == 0).unwrap();
    assert!(last_ok > results.iter().position(|r| r.1 == 2).unwrap());
}

/// `vouch store migrate` copies records (their order and sequence numbers), API keys and audit
/// rows, so that every command answers the same on the copy; a target that holds anything is
/// refused (`target-not-empty`) and left as it was; a source or target of the wrong kind is a
/// usage error.
#[test]
fn postgres_store_migrate_round_trip_and_non_empty_target() {
    let e = Env::setup();
    let s = Backend::Postgres.stores(e.dir.path());
    // An SQLite store with two URNs, a replaced record, a permissive one, keys and audit rows.
    for (urn, policy, env) in [
        ("urn:example:app", "enforce.json", Some("envelope.json")),
        ("urn:example:bare", "permissive.json", None),
        ("urn:example:other", "enforce.json", Some("envelope.json")),
    ] {
        assert_eq!(e.put("src.db", urn, "manifest.json", env, policy).code, 0);
    }
    e.write(
        "manifest.json",
        "{\"urn\": \"urn:example:app\", \"version\": 2}\n",
    );
    e.registry_statement(".", "manifest.json", &[MATERIAL], "statement2.json");
    e.sign(&["ci.key"], &["ci"], "statement2.json", "envelope2.json");
    assert_eq!(
        e.put(
            "src.db",
            "urn:example:app",
            "manifest.json",
            Some("envelope2.json"),
            "enforce.json"
        )
        .code,
        0
    );
    e.ok(&[
        "serve",
        "api-key",
        "add",
        "--db",
        "src.db",
        "--name",
        "ci",
        "--scope",
        "provenance:write",
    ]);
    let (_, v, _) = e.json(&[
        "serve",
        "api-key",
        "add",
        "--db",
        "src.db",
        "--name",
        "ro",
        "--scope",
        "provenance:read",
    ]);
    e.ok(&[
        "serve",
        "api-key",
        "revoke",
        "--db",
        "src.db",
        v["keyId"].as_str().unwrap(),
    ]);
    {
        let c = rusqlite::Connection::open(e.path("src.db")).unwrap();
        for (i, outcome) in ["created", "replayed", "conflict"].iter().enumerate() {
            c.execute(
                "INSERT INTO audit_log (at, request_id, key_id, action, urn, digest, status, outcome)
                 VALUES (?1, ?2, 'abc', 'put', 'urn:example:app', 'dd', 201, ?3)",
                rusqlite::params![format!("2026-01-0{}T00:00:00Z", i + 1), format!("req{i}"), outcome],
            )
            .unwrap();
        }
    }
    let dst = s.db("dst.db");
    let (rc, v, _) = e.json(&["store", "migrate", "--from", "src.db", "--to", &dst]);
    assert_eq!(rc, 0, "{v}");
    assert_eq!(v["ok"], true, "{v}");
    assert_eq!(v["records"], 4, "{v}");
    assert_eq!(
        (v["apiKeys"].as_i64(), v["auditRows"].as_i64()),
        (Some(2), Some(3)),
        "{v}"
    );
    // Every command answers the same from the copy.
    for urn in ["urn:example:app", "urn:example:bare", "urn:example:other"] {
        for cmd in ["get", "history"] {
            let a = e.json(&["store", cmd, "--db", "src.db", "--urn", urn]);
            let b = e.json(&["store", cmd, "--db", &dst, "--urn", urn]);
            assert_eq!((a.0, &a.1), (b.0, &b.1), "{cmd} {urn}");
            assert_eq!(a.0, 0);
        }
    }
    let a = e.json(&["serve", "api-key", "list", "--db", "src.db"]);
    let b = e.json(&["serve", "api-key", "list", "--db", &dst]);
    assert_eq!(a.1, b.1);
    // Keys are managed on the copy as on the original: revoke one, and an unknown one.
    let ci = |v: &Value| -> Value {
        v["keys"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["name"] == "ci")
            .unwrap()
            .clone()
    };
    let id = ci(&a.1)["keyId"].as_str().unwrap().to_string();
    assert!(ci(&a.1)["revokedAt"].is_null(), "{}", a.1);
    e.ok(&["serve", "api-key", "revoke", "--db", &dst, &id]);
    let b = e.json(&["serve", "api-key", "list", "--db", &dst]);
    assert!(ci(&b.1)["revokedAt"].is_string(), "{}", b.1);
    let (rc, v, _) = e.json(&["serve", "api-key", "revoke", "--db", &dst, "nosuchkey123"]);
    assert_eq!(
        (rc, v["error"]["code"].as_str()),
        (1, Some("not-found")),
        "{v}"
    );
    assert!(!v.to_string().contains("password"), "{v}");
    // Sequence numbers and audit rows as they were; new records come after them.
    let src = Backend::Sqlite.stores(e.dir.path());
    let q = "SELECT seq, urn, digest, recorded_at FROM provenance ORDER BY seq";
    assert_eq!(src.rows("src.db", q), s.rows("dst.db", q));
    let q = "SELECT at, request_id, key_id, outcome, status FROM audit_log ORDER BY id";
    assert_eq!(src.rows("src.db", q), s.rows("dst.db", q));
    assert_eq!(
        e.put(
            &dst,
            "urn:example:new",
            "manifest.json",
            Some("envelope2.json"),
            "enforce.json"
        )
        .code,
        0
    );
    let max_src = src.count("src.db", "SELECT max(seq) FROM provenance");
    assert!(
        s.count(
            "dst.db",
            "SELECT seq FROM provenance WHERE urn = 'urn:example:new'"
        ) > max_src
    );

    // A target that is not empty: refused, nothing copied or changed.
    let before = s.snapshot("dst.db");
    let (rc, v, _) = e.json(&["store", "migrate", "--from", "src.db", "--to", &dst]);
    assert_eq!(
        (rc, v["error"]["code"].as_str()),
        (2, Some("target-not-empty")),
        "{v}"
    );
    assert_eq!(s.snapshot("dst.db"), before);
    // Keys alone make a target non-empty too.
    let keys_only = s.db("keys.db");
    e.ok(&[
        "serve", "api-key", "add", "--db", &keys_only, "--name", "x", "--scope", "admin",
    ]);
    let before = s.snapshot("keys.db");
    let (rc, v, _) = e.json(&["store", "migrate", "--from", "src.db", "--to", &keys_only]);
    assert_eq!(
        (rc, v["error"]["code"].as_str()),
        (2, Some("target-not-empty")),
        "{v}"
    );
    assert_eq!(s.snapshot("keys.db"), before);
    // Wrong kinds of source and target; a source that does not exist.
    let (rc, v, _) = e.json(&["store", "migrate", "--from", "src.db", "--to", "copy.db"]);
    assert_eq!((rc, v["error"]["code"].as_str()), (2, Some("usage")), "{v}");
    assert!(!e.path("copy.db").exists());
    let (rc, v, _) = e.json(&["store", "migrate", "--from", &dst, "--to", &dst]);
    assert_eq!((rc, v["error"]["code"].as_str()), (2, Some("usage")), "{v}");
    let fresh = s.db("fresh.db");
    let (rc, v, _) = e.json(&["store", "migrate", "--from", "nope.db", "--to", &fresh]);
    assert_eq!(
        (rc, v["error"]["code"].as_str()),
        (2, Some("store-not-found")),
        "{v}"
    );
    assert_eq!(s.snapshot("fresh.db"), ["relations: []"]);
}

/// TLS when the connection string asks for it: a server that takes TCP connections over TLS only
/// (plain ones are rejected) is used with `sslmode=require`, `verify-ca` and `verify-full` (URL
/// and key=value forms); `verify-full` refuses a certificate that does not name the host
/// (`verify-ca` does not check the name) and needs `sslrootcert`; plain TCP is refused by the
/// server; TLS over a unix socket (which has none) is an error, never a plain connection.
#[test]
fn postgres_tls_when_the_connection_string_asks_for_it() {
    let e = Env::setup();
    let pg = common::pg::Pg::start_tls();
    pg.create_db("tls");
    let cert = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/test-only-tls.crt");
    let cert = cert.to_str().unwrap();
    let port = pg.port;
    let kv = |more: &str| format!("host=127.0.0.1 port={port} user=vouch dbname=tls {more}");
    let full = kv(&format!("sslmode=verify-full sslrootcert={cert}"));
    assert_eq!(
        e.put(
            &full,
            "urn:example:app",
            "manifest.json",
            Some("envelope.json"),
            "enforce.json"
        )
        .code,
        0
    );
    let get = |db: &str| {
        common::run_in(
            e.dir.path(),
            &[
                "store",
                "get",
                "--db",
                db,
                "--urn",
                "urn:example:app",
                "--format",
                "json",
            ],
            None,
            &[],
        )
    };
    let ok = |db: &str| {
        let r = get(db);
        assert_eq!(r.code, 0, "{db}: {} {}", r.stdout, r.stderr);
        assert_eq!(r.json()["record"]["verified"], true);
    };
    let refused = |db: &str, code: &str| {
        let r = get(db);
        assert_eq!(r.code, 2, "{db}: {}", r.stdout);
        assert_eq!(r.json()["error"]["code"], code, "{db}: {}", r.stdout);
        r.json()["error"]["message"].as_str().unwrap().to_string()
    };
    ok(&full);
    ok(&format!(
        "postgresql://vouch@127.0.0.1:{port}/tls?sslmode=verify-full&sslrootcert={}",
        cert.replace('/', "%2F")
    ));
    ok(&format!(
        "postgresql://vouch@localhost:{port}/tls?sslmode=require"
    ));
    ok(&kv("sslmode=require"));
    ok(&kv(&format!("sslmode=verify-ca sslrootcert={cert}")));
    // The certificate names localhost and 127.0.0.1, not this host name (dialled at 127.0.0.1).
    let other = format!(
        "host=db.invalid hostaddr=127.0.0.1 port={port} user=vouch dbname=tls sslrootcert={cert}"
    );
    ok(&format!("{other} sslmode=verify-ca"));
    let m = refused(&format!("{other} sslmode=verify-full"), "store-error");
    assert!(m.contains("TLS"), "{m}");
    let m = refused(&kv("sslmode=verify-full"), "store-error");
    assert!(m.contains("sslrootcert"), "{m}");
    // Plain TCP: the server rejects it (so the connections above were TLS).
    let m = refused(&kv("sslmode=disable"), "store-error");
    assert!(m.contains("28000") || m.contains("pg_hba"), "{m}");
    // A unix socket has no TLS: asked for, it is refused.
    let sock = format!(
        "host={} port={port} user=vouch dbname=tls sslmode=require",
        pg.socket_dir().display()
    );
    let m = refused(&sock, "store-error");
    assert!(m.contains("does not support TLS"), "{m}");
    ok(&sock.replace("sslmode=require", "sslmode=disable"));
}

fn keyless_bundles_are_stored_with_their_signer(b: Backend) {
    let e = Env::new();
    e.keyless_files();
    e.keyless_policy("keyless.json", "enforce", KEYLESS_IDENTITY);
    let s = b.stores(e.dir.path());
    let db = s.db("store.db");
    let db = db.as_str();
    let (code, v, stderr) = e.put_json(
        db,
        "urn:example:blob",
        "artifact.bin",
        Some("bundle.json"),
        "keyless.json",
    );
    assert_eq!(code, 0, "{v} {stderr}");
    assert_eq!(v["stored"], true);
    assert_eq!(v["record"]["verified"], true, "{v}");
    assert_eq!(v["record"]["warnings"], serde_json::json!([]));
    let digest = format!(
        "sha256:{}",
        sha256_hex(&std::fs::read(e.path("artifact.bin")).unwrap())
    );
    assert_eq!(v["record"]["digest"], digest.as_str());
    let signer = &v["record"]["signer"];
    assert_eq!(signer["certificate"]["identity"], KEYLESS_IDENTITY, "{v}");
    assert_eq!(signer["certificate"]["issuer"], KEYLESS_ISSUER, "{v}");
    assert!(signer["tlog"][0]["logIndex"].is_i64(), "{v}");
    assert_eq!(
        signer["tlog"][0]["logId"].as_str().map(str::len),
        Some(64),
        "{v}"
    );
    assert!(stderr.is_empty(), "{stderr}");

    // `get` gives the bundle back byte for byte, with its signer.
    let (code, v, _) = e.json(&["store", "get", "--db", db, "--urn", "urn:example:blob"]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["record"]["envelope"], e.read("bundle.json").as_str());
    assert_eq!(
        v["record"]["signer"]["certificate"]["identity"],
        KEYLESS_IDENTITY
    );

    // A key-based policy has no trusted root: a bundle cannot be judged (exit 2).
    e.keygen("ed25519", "ci");
    e.policy("keys.json", "enforce", &[("ci", "ci.pub", "")], "");
    let (code, v, _) = e.put_json(
        db,
        "urn:example:other",
        "artifact.bin",
        Some("bundle.json"),
        "keys.json",
    );
    assert_eq!(code, 2, "{v}");
    assert_eq!(v["error"]["code"], "policy-invalid", "{v}");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("trustedRoot: needed to verify Sigstore bundles"),
        "{v}"
    );
}

fn keyless_bundles_outside_the_policy_are_refused_or_warned(b: Backend) {
    let e = Env::new();
    e.keyless_files();
    e.keyless_policy("keyless.json", "enforce", KEYLESS_IDENTITY);
    e.keyless_policy("other.json", "enforce", "someone@example.com");
    e.keyless_policy("other-permissive.json", "permissive", "someone@example.com");
    e.write("other.bin", "not the signed artifact\n");
    let s = b.stores(e.dir.path());
    let db = s.db("store.db");
    let db = db.as_str();
    let before = s.snapshot("store.db");
    // Another identity, and another artifact: refused with the core's code, nothing written.
    for (artifact, policy, reason) in [
        ("artifact.bin", "other.json", "identity-mismatch"),
        ("other.bin", "keyless.json", "message-digest-mismatch"),
    ] {
        let (code, v, _) = e.put_json(
            db,
            "urn:example:blob",
            artifact,
            Some("bundle.json"),
            policy,
        );
        assert_eq!(code, 1, "{policy}: {v}");
        assert_eq!(v["stored"], false);
        assert_eq!(v["error"]["code"], "invalid_provenance", "{v}");
        assert_eq!(v["error"]["reason"], reason, "{v}");
        assert_eq!(s.snapshot("store.db"), before);
    }
    let r = e.put(
        db,
        "urn:example:blob",
        "artifact.bin",
        Some("bundle.json"),
        "other.json",
    );
    assert_eq!(r.code, 1);
    assert!(
        r.stderr
            .contains("refused: invalid_provenance: identity-mismatch"),
        "{}",
        r.stderr
    );
    assert_eq!(s.snapshot("store.db"), before);

    // Permissive: stored, not verified, with the warning.
    let (code, v, stderr) = e.put_json(
        db,
        "urn:example:blob",
        "artifact.bin",
        Some("bundle.json"),
        "other-permissive.json",
    );
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["stored"], true);
    assert_eq!(v["record"]["verified"], false);
    assert_eq!(v["record"]["warnings"][0]["code"], "invalid_provenance");
    assert_eq!(v["record"]["warnings"][0]["reason"], "identity-mismatch");
    assert!(
        stderr.contains("warning: invalid_provenance: identity-mismatch"),
        "{stderr}"
    );
}

/// `Store::audit_batch` (the registry service's refusal rows, group-committed): every row of a
/// batch in the order given, each field as given, one `at` time (RFC 3339), in one transaction
/// (PostgreSQL: the rows share one `xmin`). A batch of which one row fails leaves none behind
/// (`store-error`); on PostgreSQL a batch whose connection dies half-way (the backend terminated
/// by a trigger at the second row) leaves none behind and is `store-unavailable`, and the store
/// then writes again on a new connection.
fn audit_batch_is_one_transaction_in_order(b: Backend) {
    use vouch_cli::store::{AuditEntry, Location, OpenMode};
    let e = Env::new();
    let s = b.stores(e.dir.path());
    let db = match b {
        Backend::Sqlite => e.path("a.db"),
        Backend::Postgres => s.db("a.db").into(),
    };
    let mut store = Location::of(&db).open(OpenMode::Write, 1).unwrap();
    let entry =
        |rid: &str, key: Option<&str>, urn: Option<&str>, status: u16, outcome: &str| AuditEntry {
            request_id: rid.into(),
            key_id: key.map(str::to_string),
            action: if status == 422 { "put" } else { "auth" }.into(),
            urn: urn.map(str::to_string),
            digest: (status == 422).then(|| "ab".repeat(32)),
            status,
            outcome: outcome.into(),
        };
    store.audit_batch(&[]).unwrap();
    assert_eq!(s.count("a.db", "SELECT count(*) FROM audit_log"), 0);
    let batch = [
        entry("r1", None, Some("urn:example:app"), 401, "missing-key"),
        entry(
            "r2",
            Some("abcdefghijkl"),
            Some("urn:example:app"),
            403,
            "missing-scope",
        ),
        entry("r3", Some("abcdefghijkl"), None, 401, "unknown-key"),
        entry("r4", None, Some("urn:example:x"), 422, "invalid-signature"),
    ];
    store.audit_batch(&batch).unwrap();
    let rows = "SELECT request_id, key_id, action, urn, digest, status, outcome FROM audit_log \
                ORDER BY id";
    let want = |rids: &[&str]| -> Vec<Vec<String>> {
        let all = [
            [
                "r1",
                "NULL",
                "auth",
                "urn:example:app",
                "NULL",
                "401",
                "missing-key",
            ],
            [
                "r2",
                "abcdefghijkl",
                "auth",
                "urn:example:app",
                "NULL",
                "403",
                "missing-scope",
            ],
            [
                "r3",
                "abcdefghijkl",
                "auth",
                "NULL",
                "NULL",
                "401",
                "unknown-key",
            ],
            [
                "r4",
                "NULL",
                "put",
                "urn:example:x",
                &"ab".repeat(32),
                "422",
                "invalid-signature",
            ],
            ["r7", "NULL", "auth", "NULL", "NULL", "401", "malformed-key"],
        ];
        rids.iter()
            .map(|r| {
                all.iter()
                    .find(|row| row[0] == *r)
                    .unwrap()
                    .iter()
                    .map(|v| v.to_string())
                    .collect()
            })
            .collect()
    };
    assert_eq!(s.rows("a.db", rows), want(&["r1", "r2", "r3", "r4"]));
    assert_eq!(
        s.column("a.db", "SELECT id FROM audit_log ORDER BY id"),
        ["1", "2", "3", "4"]
    );
    let at = s.column("a.db", "SELECT DISTINCT at FROM audit_log");
    assert_eq!(at.len(), 1, "{at:?}");
    assert!(
        at[0].len() == 20 && at[0].ends_with('Z') && at[0].as_bytes()[10] == b'T',
        "{at:?}"
    );
    if b == Backend::Postgres {
        assert_eq!(
            s.count("a.db", "SELECT count(DISTINCT xmin::text) FROM audit_log"),
            1,
            "one transaction"
        );
    }

    // A row that fails: the rows before it in the batch are not committed either.
    let fails = match b {
        Backend::Sqlite => {
            "CREATE TRIGGER refuse BEFORE INSERT ON audit_log WHEN NEW.request_id = 'boom'
             BEGIN SELECT RAISE(ABORT, 'refused by the test'); END;"
        }
        Backend::Postgres => {
            "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$
             BEGIN
               IF NEW.request_id = 'boom' THEN RAISE EXCEPTION 'refused by the test'; END IF;
               IF NEW.request_id = 'die' THEN
                 PERFORM pg_terminate_backend(pg_backend_pid());
                 PERFORM pg_sleep(10);
               END IF;
               RETURN NEW;
             END $$;
             CREATE TRIGGER refuse BEFORE INSERT ON audit_log
               FOR EACH ROW EXECUTE FUNCTION refuse();"
        }
    };
    s.execute("a.db", fails);
    let ok = |rid: &str| entry(rid, None, None, 401, "malformed-key");
    let err = store
        .audit_batch(&[ok("r5"), ok("boom"), ok("r6")])
        .unwrap_err();
    assert_eq!(err.code.as_str(), "store-error", "{err}");
    assert_eq!(s.rows("a.db", rows), want(&["r1", "r2", "r3", "r4"]));

    if b == Backend::Postgres {
        // The database goes away in the middle of a batch: none of it is committed.
        let err = store
            .audit_batch(&[ok("r5"), ok("die"), ok("r6")])
            .unwrap_err();
        assert_eq!(err.code.as_str(), "store-unavailable", "{err}");
        assert_eq!(s.rows("a.db", rows), want(&["r1", "r2", "r3", "r4"]));
    }
    // The store writes again (PostgreSQL: on a new connection).
    store.audit_batch(&[ok("r7")]).unwrap();
    assert_eq!(s.rows("a.db", rows), want(&["r1", "r2", "r3", "r4", "r7"]));
}
