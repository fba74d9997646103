//! The service's metrics, rendered in the Prometheus text format (`GET /metrics`): requests by
//! route, method and status, request latency by route (a histogram), verification outcomes by
//! code, blocking jobs in flight, and store errors.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

/// Upper bounds (seconds) of the latency histogram's buckets.
const BUCKETS: [f64; 10] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 5.0];

#[derive(Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

/// Every metric of one service.
#[derive(Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(&'static str, &'static str, u16), u64>>,
    latency: Mutex<BTreeMap<&'static str, Histogram>>,
    verifications: Mutex<BTreeMap<String, u64>>,
    /// Blocking jobs (store calls, verification) running or waiting for a slot.
    pub jobs_in_flight: AtomicI64,
    /// Store calls that failed.
    pub store_errors: AtomicU64,
    /// Refused authentications answered 429 because their client address was over
    /// `--refusal-limit` (each without an audit row of its own).
    pub refusals_rate_limited: AtomicU64,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A label value with `\`, `"` and newlines escaped.
fn label(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

impl Metrics {
    /// Counts one answered request.
    pub fn request(&self, route: &'static str, method: &'static str, status: u16, took: Duration) {
        *lock(&self.requests)
            .entry((route, method, status))
            .or_default() += 1;
        let secs = took.as_secs_f64();
        let mut lat = lock(&self.latency);
        let h = lat.entry(route).or_default();
        for (i, b) in BUCKETS.iter().enumerate() {
            if secs <= *b
                && let Some(c) = h.counts.get_mut(i)
            {
                *c += 1;
            }
        }
        h.count += 1;
        h.sum += secs;
    }

    /// Counts one verification outcome (`verified`, `missing_provenance`, or the core code).
    pub fn verification(&self, outcome: &str) {
        *lock(&self.verifications)
            .entry(outcome.to_string())
            .or_default() += 1;
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        out.push_str(
            "# HELP vouch_http_requests_total Requests answered, by route, method and status.\n",
        );
        out.push_str("# TYPE vouch_http_requests_total counter\n");
        for ((route, method, status), n) in lock(&self.requests).iter() {
            let _ = writeln!(
                out,
                "vouch_http_requests_total{{route=\"{}\",method=\"{}\",status=\"{status}\"}} {n}",
                label(route),
                label(method)
            );
        }
        out.push_str("# HELP vouch_http_request_duration_seconds Request latency, by route.\n");
        out.push_str("# TYPE vouch_http_request_duration_seconds histogram\n");
        for (route, h) in lock(&self.latency).iter() {
            let r = label(route);
            for (b, c) in BUCKETS.iter().zip(h.counts.iter()) {
                let _ = writeln!(
                    out,
                    "vouch_http_request_duration_seconds_bucket{{route=\"{r}\",le=\"{b}\"}} {c}"
                );
            }
            let _ = writeln!(
                out,
                "vouch_http_request_duration_seconds_bucket{{route=\"{r}\",le=\"+Inf\"}} {}",
                h.count
            );
            let _ = writeln!(
                out,
                "vouch_http_request_duration_seconds_sum{{route=\"{r}\"}} {}",
                h.sum
            );
            let _ = writeln!(
                out,
                "vouch_http_request_duration_seconds_count{{route=\"{r}\"}} {}",
                h.count
            );
        }
        out.push_str(
            "# HELP vouch_verifications_total Verifications of PUT requests, by outcome.\n",
        );
        out.push_str("# TYPE vouch_verifications_total counter\n");
        for (outcome, n) in lock(&self.verifications).iter() {
            let _ = writeln!(
                out,
                "vouch_verifications_total{{outcome=\"{}\"}} {n}",
                label(outcome)
            );
        }
        out.push_str("# HELP vouch_jobs_in_flight Blocking jobs running or queued.\n");
        out.push_str("# TYPE vouch_jobs_in_flight gauge\n");
        let _ = writeln!(
            out,
            "vouch_jobs_in_flight {}",
            self.jobs_in_flight.load(Ordering::Relaxed)
        );
        out.push_str("# HELP vouch_store_errors_total Store calls that failed.\n");
        out.push_str("# TYPE vouch_store_errors_total counter\n");
        let _ = writeln!(
            out,
            "vouch_store_errors_total {}",
            self.store_errors.load(Ordering::Relaxed)
        );
        out.push_str(
            "# HELP vouch_refusals_rate_limited_total Refused authentications answered 429 (client address over --refusal-limit), each without an audit row of its own.\n",
        );
        out.push_str("# TYPE vouch_refusals_rate_limited_total counter\n");
        let _ = writeln!(
            out,
            "vouch_refusals_rate_limited_total {}",
            self.refusals_rate_limited.load(Ordering::Relaxed)
        );
        out
    }
}
