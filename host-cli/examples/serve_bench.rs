//! Load tools of `bench/serve.sh` (not part of vouch itself):
//!
//! - `serve_bench baseline DB POLICY ENVELOPE CARD THREADS SECONDS` — the in-process baseline:
//!   the store's put path without HTTP. Each of THREADS threads verifies the envelope against the
//!   policy for a fresh URN (`store::prepare_digest`, as a PUT does) and commits the record with
//!   its audit row through `Store::put_batch` on one writer connection with `synchronous = FULL`,
//!   grouped the way the service groups them (whoever gets the writer commits every queued put).
//! - `serve_bench open-loop ADDR API_KEY ENVELOPE CARD RATE SECONDS CONNECTIONS` — PUTs at a fixed
//!   rate (open loop): request i is due at start + i / RATE whether or not earlier ones have been
//!   answered, and its latency is measured from that due time (so a stalled server shows up as
//!   latency instead of as a slower sender, which is what wrk's closed loop would hide).
//!
//! Both print `RESULT <req/s> <p50 ms> <p99 ms> <p99.9 ms> <non-2xx or errors>`; with
//! `SERVE_BENCH_SPLIT` set, `baseline` also prints thread 0's time per put verifying and committing.
//!
//! The HTTP/1.1 client here is a few lines over a TCP stream (keep-alive, Content-Length bodies):
//! it sends only what the service answers in that form, and a client crate would bring its own
//! connection pool and scheduling between the intended send time and the wire.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use vouch_cli::log::Log;
use vouch_cli::policy::Policy;
use vouch_cli::store::{
    AuditEntry, OpenMode, PutItem, PutOutcome, Record, SqliteStore, Store, prepare_digest,
};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let r = match args.first().map(String::as_str) {
        Some("baseline") if args.len() == 7 => baseline(&args[1..]),
        Some("open-loop") if args.len() == 8 => open_loop(&args[1..]),
        _ => Err(
            "usage: serve_bench baseline DB POLICY ENVELOPE CARD THREADS SECONDS\n       \
             serve_bench open-loop ADDR API_KEY ENVELOPE CARD RATE SECONDS CONNECTIONS"
                .to_string(),
        ),
    };
    if let Err(e) = r {
        eprintln!("serve_bench: {e}");
        std::process::exit(2);
    }
}

fn num<T: std::str::FromStr>(s: &str, what: &str) -> Result<T, String> {
    s.parse().map_err(|_| format!("{what}: not a number: {s}"))
}

/// Latencies (µs) → `RESULT` line.
fn report(rate: f64, mut lat: Vec<u64>, bad: u64) {
    lat.sort_unstable();
    let pct = |p: f64| -> f64 {
        if lat.is_empty() {
            return 0.0;
        }
        let i = ((p / 100.0) * (lat.len() as f64)).ceil() as usize;
        lat[i.clamp(1, lat.len()) - 1] as f64 / 1000.0
    };
    println!(
        "RESULT {:.0} {:.2} {:.2} {:.2} {}",
        rate,
        pct(50.0),
        pct(99.0),
        pct(99.9),
        bad
    );
}

/// A put waiting for the writer, and where its outcome goes.
type Queued = (
    Arc<Record>,
    AuditEntry,
    Arc<Mutex<Option<Result<PutOutcome, String>>>>,
);

fn baseline(a: &[String]) -> Result<(), String> {
    let (db, policy_path, envelope_path, card) = (&a[0], &a[1], &a[2], &a[3]);
    let threads: usize = num(&a[4], "THREADS")?;
    let secs: f64 = num(&a[5], "SECONDS")?;
    let policy = Policy::load(Path::new(policy_path)).map_err(|e| e.to_string())?;
    let envelope = std::fs::read(envelope_path).map_err(|e| e.to_string())?;
    let sha256: [u8; 32] = Sha256::digest(card.as_bytes()).into();
    let store = SqliteStore::open(Path::new(db), OpenMode::Write).map_err(|e| e.to_string())?;
    store.set_synchronous_full().map_err(|e| e.to_string())?;
    let writer = Arc::new(Mutex::new(store));
    let queue: Arc<Mutex<Vec<Queued>>> = Arc::new(Mutex::new(Vec::new()));
    let policy = Arc::new(policy);
    let run = format!(
        "{:x}",
        Instant::now().elapsed().as_nanos() ^ u128::from(std::process::id())
    );
    let start = Instant::now();
    let end = start + Duration::from_secs_f64(secs);
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            let (writer, queue, policy, envelope, run) = (
                Arc::clone(&writer),
                Arc::clone(&queue),
                Arc::clone(&policy),
                envelope.clone(),
                run.clone(),
            );
            std::thread::spawn(move || -> Result<(Vec<u64>, u64), String> {
                let mut lat = Vec::new();
                let mut bad = 0;
                let mut i = 0u64;
                let (mut verifying, mut committing) = (Duration::ZERO, Duration::ZERO);
                while Instant::now() < end {
                    i += 1;
                    let t0 = Instant::now();
                    let urn = format!("urn:baseline:{run}:{t}:{i}");
                    let mut rec = prepare_digest(
                        &policy,
                        &urn,
                        sha256,
                        Some(envelope.clone()),
                        "missing",
                        None,
                        &Log::new(false),
                    )
                    .map_err(|_| "the envelope does not verify under the policy".to_string())?;
                    rec.sig = None;
                    let t1 = Instant::now();
                    verifying += t1 - t0;
                    let audit = AuditEntry {
                        request_id: format!("{t}-{i}"),
                        key_id: None,
                        action: "put".into(),
                        urn: Some(urn),
                        digest: Some(rec.digest.clone()),
                        status: 0,
                        outcome: String::new(),
                    };
                    let slot = Arc::new(Mutex::new(None));
                    queue
                        .lock()
                        .unwrap()
                        .push((Arc::new(rec), audit, Arc::clone(&slot)));
                    let mut w = writer.lock().unwrap();
                    let mine = slot.lock().unwrap().take();
                    let outcome = match mine {
                        Some(o) => o,
                        None => {
                            let batch = std::mem::take(&mut *queue.lock().unwrap());
                            let items: Vec<PutItem<'_>> = batch
                                .iter()
                                .map(|(r, a, _)| PutItem {
                                    record: r,
                                    audit: a,
                                    replace: false,
                                })
                                .collect();
                            match w.put_batch(&items) {
                                Ok(rs) => {
                                    for ((_, _, s), r) in batch.iter().zip(rs) {
                                        *s.lock().unwrap() = Some(r.map_err(|e| e.to_string()));
                                    }
                                }
                                Err(e) => {
                                    for (_, _, s) in &batch {
                                        *s.lock().unwrap() = Some(Err(e.to_string()));
                                    }
                                }
                            }
                            slot.lock()
                                .unwrap()
                                .take()
                                .unwrap_or(Err("not committed".into()))
                        }
                    };
                    drop(w);
                    committing += t1.elapsed();
                    match outcome {
                        Ok(PutOutcome::Created(_)) => {
                            lat.push(t0.elapsed().as_micros() as u64);
                        }
                        _ => bad += 1,
                    }
                }
                if t == 0 && std::env::var_os("SERVE_BENCH_SPLIT").is_some() {
                    eprintln!(
                        "thread 0: {i} puts, verify {:.3} ms each, commit {:.3} ms each",
                        verifying.as_secs_f64() * 1000.0 / i.max(1) as f64,
                        committing.as_secs_f64() * 1000.0 / i.max(1) as f64
                    );
                }
                Ok((lat, bad))
            })
        })
        .collect();
    let mut lat = Vec::new();
    let mut bad = 0;
    for h in handles {
        let (l, b) = h.join().map_err(|_| "a thread panicked".to_string())??;
        lat.extend(l);
        bad += b;
    }
    let took = start.elapsed().as_secs_f64();
    report(lat.len() as f64 / took, lat, bad);
    Ok(())
}

fn open_loop(a: &[String]) -> Result<(), String> {
    let addr = a[0].clone();
    let key = a[1].clone();
    let envelope = std::fs::read_to_string(&a[2]).map_err(|e| e.to_string())?;
    let card = a[3].clone();
    let rate: f64 = num(&a[4], "RATE")?;
    let secs: f64 = num(&a[5], "SECONDS")?;
    let conns: usize = num(&a[6], "CONNECTIONS")?;
    if rate <= 0.0 || conns == 0 {
        return Err("RATE and CONNECTIONS must be positive".into());
    }
    // One thread: the generator should take as little of the shared cores as it can.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    rt.block_on(async move {
        let total = (rate * secs) as u64;
        let next = Arc::new(AtomicU64::new(0));
        let start = tokio::time::Instant::now() + Duration::from_millis(100);
        let run = format!("{:x}", std::process::id());
        let envelope = Arc::new(envelope.trim_end().to_string());
        let card = Arc::new(serde_json::to_string(&card).map_err(|e| e.to_string())?);
        let mut tasks = Vec::new();
        for _ in 0..conns {
            let (addr, key, next, envelope, card, run) = (
                addr.clone(),
                key.clone(),
                Arc::clone(&next),
                Arc::clone(&envelope),
                Arc::clone(&card),
                run.clone(),
            );
            tasks.push(tokio::spawn(async move {
                let mut lat = Vec::new();
                let mut bad = 0u64;
                let mut conn: Option<BufReader<tokio::net::TcpStream>> = None;
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= total {
                        break;
                    }
                    let due = start + Duration::from_secs_f64(i as f64 / rate);
                    tokio::time::sleep_until(due).await;
                    let urn = format!("urn:bench:open:{run}:{i}");
                    let body = format!(
                        "{{\"urn\":\"{urn}\",\"card\":{card},\"provenance\":{envelope}}}"
                    );
                    let req = format!(
                        "PUT /v1/registry/{urn} HTTP/1.1\r\nHost: {addr}\r\nX-API-Key: {key}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                        body.len()
                    );
                    match exchange(&mut conn, &addr, req.as_bytes()).await {
                        Ok(status) => {
                            if !(200..300).contains(&status) {
                                bad += 1;
                            }
                        }
                        Err(_) => {
                            bad += 1;
                            conn = None;
                        }
                    }
                    lat.push(due.elapsed().as_micros() as u64);
                }
                (lat, bad)
            }));
        }
        let mut lat = Vec::new();
        let mut bad = 0;
        for t in tasks {
            let (l, b) = t.await.map_err(|e| e.to_string())?;
            lat.extend(l);
            bad += b;
        }
        let took = start.elapsed().as_secs_f64();
        report(lat.len() as f64 / took, lat, bad);
        Ok::<(), String>(())
    })
}

/// Sends one request on the connection (opening it if needed) and reads the answer; its status.
async fn exchange(
    conn: &mut Option<BufReader<tokio::net::TcpStream>>,
    addr: &str,
    req: &[u8],
) -> std::io::Result<u16> {
    if conn.is_none() {
        let s = tokio::net::TcpStream::connect(addr).await?;
        s.set_nodelay(true)?;
        *conn = Some(BufReader::new(s));
    }
    let c = conn
        .as_mut()
        .ok_or_else(|| std::io::Error::other("no connection"))?;
    c.get_mut().write_all(req).await?;
    let mut line = String::new();
    c.read_line(&mut line).await?;
    let status: u16 = line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("bad status line {line:?}")))?;
    let mut len = 0usize;
    let mut close = false;
    loop {
        line.clear();
        c.read_line(&mut line).await?;
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        if let Some((k, v)) = l.split_once(':') {
            if k.eq_ignore_ascii_case("content-length") {
                len = v.trim().parse().unwrap_or(0);
            } else if k.eq_ignore_ascii_case("connection") && v.trim() == "close" {
                close = true;
            }
        }
    }
    let mut body = vec![0u8; len];
    c.read_exact(&mut body).await?;
    if close {
        *conn = None;
    }
    Ok(status)
}
