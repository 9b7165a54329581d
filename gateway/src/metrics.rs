//! Counters exposed on `/metrics` (Prometheus text format), and the JSON log line written for
//! each decision.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use dicom_sanitize::Action;
use serde_json::{json, Value};

/// The gateway's counters.
#[derive(Debug, Default)]
pub struct Metrics {
    /// STOW-RS requests, by the status answered.
    stow_requests: [AtomicU64; STATUSES.len()],
    /// Requests passed through untouched.
    passed_through: AtomicU64,
    /// Instances forwarded, by action (index of [`Action::ALL`]).
    forwarded: [AtomicU64; Action::ALL.len()],
    /// Instances refused.
    refused: AtomicU64,
    /// Requests the origin could not answer (502, 504).
    origin_errors: AtomicU64,
    /// Requests turned away because the gateway was at its concurrency limit.
    busy: AtomicU64,
    /// Request body bytes read from clients in STOW-RS requests.
    stow_bytes: AtomicU64,
    /// Instances sent back to clients (`--sanitize-responses`), by action.
    retrieved: [AtomicU64; Action::ALL.len()],
    /// Instances withheld from clients (`--sanitize-responses`).
    retrieved_refused: AtomicU64,
}

/// The statuses counted apart; every other one is `other`.
const STATUSES: [u16; 12] = [200, 202, 400, 408, 409, 413, 415, 502, 503, 504, 500, 0];

fn status_index(status: u16) -> usize {
    STATUSES
        .iter()
        .position(|&s| s == status)
        .unwrap_or(STATUSES.len() - 1)
}

impl Metrics {
    /// Counts a STOW-RS request's answer.
    pub fn stow(&self, status: u16, body_bytes: u64) {
        self.stow_requests[status_index(status)].fetch_add(1, Ordering::Relaxed);
        self.stow_bytes.fetch_add(body_bytes, Ordering::Relaxed);
        if matches!(status, 502 | 504) {
            self.origin_errors.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Counts a request passed through.
    pub fn passed_through(&self, status: u16) {
        self.passed_through.fetch_add(1, Ordering::Relaxed);
        if matches!(status, 502 | 504) {
            self.origin_errors.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Counts an instance forwarded with `action` done to its preamble.
    pub fn forwarded(&self, action: Action) {
        let i = Action::ALL.iter().position(|&a| a == action).unwrap_or(0);
        self.forwarded[i].fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a refused instance.
    pub fn refused(&self) {
        self.refused.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts an instance sent back sanitized (`Some(action)`) or withheld (`None`).
    pub fn retrieved(&self, action: Option<Action>) {
        match action {
            Some(action) => {
                let i = Action::ALL.iter().position(|&a| a == action).unwrap_or(0);
                self.retrieved[i].fetch_add(1, Ordering::Relaxed);
            }
            None => {
                self.retrieved_refused.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// Counts a request turned away at the concurrency limit.
    pub fn busy(&self) {
        self.busy.fetch_add(1, Ordering::Relaxed);
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        out.push_str(
            "# HELP dicom_gateway_stow_requests_total STOW-RS requests, by the status answered.\n",
        );
        out.push_str("# TYPE dicom_gateway_stow_requests_total counter\n");
        for (i, status) in STATUSES.iter().enumerate() {
            let label = if *status == 0 {
                "other".to_owned()
            } else {
                status.to_string()
            };
            let _ = writeln!(
                out,
                "dicom_gateway_stow_requests_total{{status=\"{label}\"}} {}",
                get(&self.stow_requests[i])
            );
        }
        out.push_str("# HELP dicom_gateway_instances_forwarded_total Instances forwarded to the origin, by what was done to the preamble.\n");
        out.push_str("# TYPE dicom_gateway_instances_forwarded_total counter\n");
        for (i, action) in Action::ALL.iter().enumerate() {
            if *action == Action::Reject {
                continue;
            }
            let _ = writeln!(
                out,
                "dicom_gateway_instances_forwarded_total{{action=\"{}\"}} {}",
                action.as_str(),
                get(&self.forwarded[i])
            );
        }
        out.push_str("# HELP dicom_gateway_retrieved_instances_total Instances sent back to clients with --sanitize-responses, by what was done to the preamble.\n");
        out.push_str("# TYPE dicom_gateway_retrieved_instances_total counter\n");
        for (i, action) in Action::ALL.iter().enumerate() {
            if *action == Action::Reject {
                continue;
            }
            let _ = writeln!(
                out,
                "dicom_gateway_retrieved_instances_total{{action=\"{}\"}} {}",
                action.as_str(),
                get(&self.retrieved[i])
            );
        }
        let single = [
            (
                "retrieved_refused_total",
                "Instances withheld from clients by the policy (--sanitize-responses).",
                &self.retrieved_refused,
            ),
            (
                "instances_refused_total",
                "Instances refused by the policy (not forwarded).",
                &self.refused,
            ),
            (
                "passed_through_total",
                "Requests passed through untouched.",
                &self.passed_through,
            ),
            (
                "origin_errors_total",
                "Requests the origin did not answer in time or at all.",
                &self.origin_errors,
            ),
            (
                "busy_total",
                "Requests turned away at the concurrency limit.",
                &self.busy,
            ),
            (
                "stow_body_bytes_total",
                "Bytes of STOW-RS request bodies read from clients.",
                &self.stow_bytes,
            ),
        ];
        for (name, help, counter) in single {
            let _ = writeln!(out, "# HELP dicom_gateway_{name} {help}");
            let _ = writeln!(out, "# TYPE dicom_gateway_{name} counter");
            let _ = writeln!(out, "dicom_gateway_{name} {}", get(counter));
        }
        out
    }
}

/// Writes one JSON log line to standard output: `event`, a timestamp, then `fields`.
pub fn log(event: &str, fields: Value) {
    let ts = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64());
    let mut line = json!({"ts": (ts * 1000.0).round() / 1000.0, "event": event});
    if let (Some(line), Value::Object(fields)) = (line.as_object_mut(), fields) {
        line.extend(fields);
    }
    println!("{line}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exposition() {
        let m = Metrics::default();
        m.stow(202, 1000);
        m.stow(299, 5);
        m.forwarded(Action::Zero);
        m.forwarded(Action::Zero);
        m.refused();
        let text = m.render();
        assert!(
            text.contains("dicom_gateway_stow_requests_total{status=\"202\"} 1\n"),
            "{text}"
        );
        assert!(text.contains("dicom_gateway_stow_requests_total{status=\"other\"} 1\n"));
        assert!(text.contains("dicom_gateway_instances_forwarded_total{action=\"zero\"} 2\n"));
        assert!(text.contains("dicom_gateway_instances_refused_total 1\n"));
        assert!(text.contains("dicom_gateway_stow_body_bytes_total 1005\n"));
        // Every sample line is `name{labels} value` or `name value`.
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            let (_, value) = line.rsplit_once(' ').unwrap();
            value.parse::<u64>().unwrap();
        }
    }
}
