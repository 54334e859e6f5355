//! Counters exposed at `/metrics` in the Prometheus text format.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Duration;

/// Upper bounds (seconds) of the scan duration histogram.
const SCAN_BUCKETS: [f64; 9] = [0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];
/// Upper bounds (seconds) of the admission latency histogram.
const ADMIT_BUCKETS: [f64; 8] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.1, 1.0, 5.0];

#[derive(Debug)]
struct Histogram<const N: usize> {
    bounds: [f64; N],
    counts: [AtomicU64; N],
    count: AtomicU64,
    sum_micros: AtomicU64,
}

impl<const N: usize> Histogram<N> {
    fn new(bounds: [f64; N]) -> Self {
        Histogram {
            bounds,
            counts: std::array::from_fn(|_| AtomicU64::new(0)),
            count: AtomicU64::new(0),
            sum_micros: AtomicU64::new(0),
        }
    }
    fn observe(&self, d: Duration) {
        let s = d.as_secs_f64();
        for (b, c) in self.bounds.iter().zip(&self.counts) {
            if s <= *b {
                c.fetch_add(1, Relaxed);
            }
        }
        self.count.fetch_add(1, Relaxed);
        self.sum_micros.fetch_add(d.as_micros() as u64, Relaxed);
    }
    fn render(&self, out: &mut String, name: &str, help: &str) {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} histogram");
        for (b, c) in self.bounds.iter().zip(&self.counts) {
            let _ = writeln!(out, "{name}_bucket{{le=\"{b}\"}} {}", c.load(Relaxed));
        }
        let n = self.count.load(Relaxed);
        let _ = writeln!(out, "{name}_bucket{{le=\"+Inf\"}} {n}");
        let _ = writeln!(
            out,
            "{name}_sum {}",
            self.sum_micros.load(Relaxed) as f64 / 1e6
        );
        let _ = writeln!(out, "{name}_count {n}");
    }
}

/// The server's counters.
#[derive(Debug)]
pub struct Metrics {
    /// Scans that produced a report.
    pub scans_ok: AtomicU64,
    /// Scans that failed.
    pub scans_failed: AtomicU64,
    /// Scan requests refused because the queue was full.
    pub scans_rejected: AtomicU64,
    /// Lookups answered from stored results.
    pub cache_hits: AtomicU64,
    /// Lookups that needed a scan.
    pub cache_misses: AtomicU64,
    /// Admission answers that admitted with no warning.
    pub admit_allowed: AtomicU64,
    /// Admission answers that admitted with warnings.
    pub admit_warned: AtomicU64,
    /// Admission answers that denied.
    pub admit_denied: AtomicU64,
    /// Admission requests that could not be read (HTTP 400).
    pub admit_invalid: AtomicU64,
    /// Registry events that started a scan.
    pub registry_events: AtomicU64,
    scan_seconds: Histogram<9>,
    admit_seconds: Histogram<8>,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics {
            scans_ok: AtomicU64::new(0),
            scans_failed: AtomicU64::new(0),
            scans_rejected: AtomicU64::new(0),
            cache_hits: AtomicU64::new(0),
            cache_misses: AtomicU64::new(0),
            admit_allowed: AtomicU64::new(0),
            admit_warned: AtomicU64::new(0),
            admit_denied: AtomicU64::new(0),
            admit_invalid: AtomicU64::new(0),
            registry_events: AtomicU64::new(0),
            scan_seconds: Histogram::new(SCAN_BUCKETS),
            admit_seconds: Histogram::new(ADMIT_BUCKETS),
        }
    }
}

impl Metrics {
    /// Records one scan's duration.
    pub fn scan_took(&self, d: Duration) {
        self.scan_seconds.observe(d);
    }
    /// Records one admission's duration.
    pub fn admit_took(&self, d: Duration) {
        self.admit_seconds.observe(d);
    }

    /// The Prometheus text exposition; `db_age` is `None` when the DB's build time is unknown.
    pub fn render(&self, queued: usize, stored: usize, db_age: Option<Duration>) -> String {
        let mut o = String::new();
        let mut counter = |name: &str, help: &str, rows: &[(&str, &AtomicU64)]| {
            let _ = writeln!(o, "# HELP {name} {help}\n# TYPE {name} counter");
            for (labels, v) in rows {
                let _ = writeln!(o, "{name}{labels} {}", v.load(Relaxed));
            }
        };
        counter(
            "tollgate_scans_total",
            "Image scans by result.",
            &[
                ("{result=\"ok\"}", &self.scans_ok),
                ("{result=\"error\"}", &self.scans_failed),
            ],
        );
        counter(
            "tollgate_scans_rejected_total",
            "Scan requests refused with 429 because the queue was full.",
            &[("", &self.scans_rejected)],
        );
        counter(
            "tollgate_cache_hits_total",
            "Lookups answered from a stored result.",
            &[("", &self.cache_hits)],
        );
        counter(
            "tollgate_cache_misses_total",
            "Lookups that needed a scan.",
            &[("", &self.cache_misses)],
        );
        counter(
            "tollgate_admission_verdicts_total",
            "Admission answers by result.",
            &[
                ("{result=\"allowed\"}", &self.admit_allowed),
                ("{result=\"warned\"}", &self.admit_warned),
                ("{result=\"denied\"}", &self.admit_denied),
                ("{result=\"invalid\"}", &self.admit_invalid),
            ],
        );
        counter(
            "tollgate_registry_events_total",
            "Registry push events that started a scan.",
            &[("", &self.registry_events)],
        );
        self.scan_seconds.render(
            &mut o,
            "tollgate_scan_duration_seconds",
            "Time to scan one image.",
        );
        self.admit_seconds.render(
            &mut o,
            "tollgate_admission_duration_seconds",
            "Time to answer one AdmissionReview.",
        );
        let _ = writeln!(
            o,
            "# HELP tollgate_scan_queue_depth Scans queued or running.\n# TYPE tollgate_scan_queue_depth gauge\ntollgate_scan_queue_depth {queued}"
        );
        let _ = writeln!(
            o,
            "# HELP tollgate_stored_results Image results held in memory.\n# TYPE tollgate_stored_results gauge\ntollgate_stored_results {stored}"
        );
        if let Some(age) = db_age {
            let _ = writeln!(
                o,
                "# HELP tollgate_db_age_seconds Seconds since the advisory DB was built.\n# TYPE tollgate_db_age_seconds gauge\ntollgate_db_age_seconds {}",
                age.as_secs()
            );
        }
        o
    }
}
