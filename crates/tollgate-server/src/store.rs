//! Scan results kept by image digest: in memory, and as Trivy JSON files under the cache
//! directory so a restart keeps every verdict.

use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock, RwLock};

use serde_json::Value;
use tollgate_db::Severity;

use crate::resolve::is_digest;

/// One vulnerability of a stored report, as much as verdicts and messages need.
#[derive(Debug, Clone, PartialEq)]
pub struct Vuln {
    /// CVE or advisory id.
    pub id: String,
    /// Package name.
    pub pkg: String,
    /// Installed version.
    pub installed: String,
    /// Fixed version, empty when there is none.
    pub fixed: String,
    /// Severity.
    pub severity: Severity,
    /// Listed in CISA's Known Exploited Vulnerabilities catalog.
    pub kev: bool,
}

/// Everything a verdict needs from one report.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Summary {
    /// Findings, most severe first.
    pub vulns: Vec<Vuln>,
}

impl Summary {
    /// Reads the findings out of a Trivy JSON report.
    pub fn from_report(report: &Value) -> Summary {
        let mut vulns = Vec::new();
        let results = report["Results"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        for r in results {
            let vs = r["Vulnerabilities"]
                .as_array()
                .map(Vec::as_slice)
                .unwrap_or(&[]);
            for v in vs {
                let s = |k: &str| v[k].as_str().unwrap_or("").to_string();
                vulns.push(Vuln {
                    id: s("VulnerabilityID"),
                    pkg: s("PkgName"),
                    installed: s("InstalledVersion"),
                    fixed: s("FixedVersion"),
                    severity: Severity::parse(v["Severity"].as_str().unwrap_or(""))
                        .unwrap_or_default(),
                    kev: !v["KnownExploited"].is_null(),
                });
            }
        }
        vulns.sort_by(|a, b| b.severity.cmp(&a.severity).then_with(|| a.id.cmp(&b.id)));
        Summary { vulns }
    }

    /// Counts per severity, indexed by [`Severity::as_number`].
    pub fn counts(&self) -> [usize; 5] {
        let mut c = [0; 5];
        for v in &self.vulns {
            c[v.severity.as_number() as usize] += 1;
        }
        c
    }

    /// `CRITICAL: 1, HIGH: 0, MEDIUM: 2, LOW: 0, UNKNOWN: 0`.
    pub fn counts_text(&self) -> String {
        let c = self.counts();
        format!(
            "CRITICAL: {}, HIGH: {}, MEDIUM: {}, LOW: {}, UNKNOWN: {}",
            c[4], c[3], c[2], c[1], c[0]
        )
    }
}

/// One image's stored result.
#[derive(Debug)]
pub struct Entry {
    /// The image digest.
    pub digest: String,
    /// The complete report (every severity), Trivy JSON.
    pub json: Arc<Vec<u8>>,
    /// The report's findings.
    pub summary: Summary,
    /// The admission verdict of the digest-keyed rules, computed once per stored result.
    pub verdict: OnceLock<Arc<crate::policy::ScanVerdict>>,
}

/// Results by digest: on disk, and the most recently stored or read ones in memory.
#[derive(Debug)]
pub struct Store {
    dir: PathBuf,
    mem: RwLock<Mem>,
    max_in_memory: usize,
}

/// Memory is bounded by count: past it the oldest entries leave memory and are read back from
/// disk when asked for again.
#[derive(Debug, Default)]
struct Mem {
    map: HashMap<String, Arc<Entry>>,
    order: VecDeque<String>,
}

impl Mem {
    fn insert(&mut self, entry: Arc<Entry>, max: usize) {
        if self
            .map
            .insert(entry.digest.clone(), entry.clone())
            .is_none()
        {
            self.order.push_back(entry.digest.clone());
        }
        while self.map.len() > max.max(1) {
            match self.order.pop_front() {
                Some(old) => {
                    self.map.remove(&old);
                }
                None => break,
            }
        }
    }
}

impl Store {
    /// Opens (creating) the store under `cache_dir/server/reports`, keeping at most
    /// `max_in_memory` results in memory.
    pub fn open(cache_dir: &Path, max_in_memory: usize) -> std::io::Result<Store> {
        let dir = cache_dir.join("server").join("reports");
        std::fs::create_dir_all(&dir)?;
        Ok(Store {
            dir,
            mem: RwLock::new(Mem::default()),
            max_in_memory,
        })
    }

    fn path(&self, digest: &str) -> Option<PathBuf> {
        // Only strict digests become file names, so a request cannot reach another path.
        is_digest(digest).then(|| self.dir.join(digest.replace(':', "-") + ".json"))
    }

    /// The stored result for `digest`, from memory or disk.
    pub fn get(&self, digest: &str) -> Option<Arc<Entry>> {
        if let Some(e) = self.mem.read().ok()?.map.get(digest) {
            return Some(e.clone());
        }
        let bytes = std::fs::read(self.path(digest)?).ok()?;
        // A file cut short by a crash is not JSON: treated as never scanned, rescanned.
        let value: Value = serde_json::from_slice(&bytes).ok()?;
        let entry = Arc::new(Entry {
            digest: digest.to_string(),
            summary: Summary::from_report(&value),
            json: Arc::new(bytes),
            verdict: OnceLock::new(),
        });
        self.mem
            .write()
            .ok()?
            .insert(entry.clone(), self.max_in_memory);
        Some(entry)
    }

    /// Stores a report for `digest`, replacing an older one; the disk copy is best effort
    /// (a full disk costs the restart, not the answer).
    pub fn put(&self, digest: &str, json: Vec<u8>) -> Result<Arc<Entry>, String> {
        let value: Value =
            serde_json::from_slice(&json).map_err(|e| format!("report is not JSON: {e}"))?;
        let entry = Arc::new(Entry {
            digest: digest.to_string(),
            summary: Summary::from_report(&value),
            json: Arc::new(json),
            verdict: OnceLock::new(),
        });
        if let Some(p) = self.path(digest) {
            let write = || -> std::io::Result<()> {
                let tmp = p.with_extension("json.tmp");
                std::fs::write(&tmp, entry.json.as_slice())?;
                std::fs::rename(&tmp, &p)
            };
            if let Err(e) = write() {
                eprintln!(
                    "tollgate: warning: cannot keep the report of {digest} on disk ({}): {e}",
                    p.display()
                );
            }
        }
        if let Ok(mut m) = self.mem.write() {
            m.insert(entry.clone(), self.max_in_memory);
        }
        Ok(entry)
    }

    /// How many results are in memory.
    pub fn len_in_memory(&self) -> usize {
        self.mem.read().map(|m| m.map.len()).unwrap_or(0)
    }
}

/// Keeps only the findings a request asked for: `severities` (empty: all) and, with
/// `ignore_unfixed`, only those with a fixed version.
pub fn filter_report(json: &[u8], severities: &[Severity], ignore_unfixed: bool) -> Vec<u8> {
    if severities.is_empty() && !ignore_unfixed {
        return json.to_vec();
    }
    let Ok(mut v) = serde_json::from_slice::<Value>(json) else {
        return json.to_vec();
    };
    if let Some(results) = v["Results"].as_array_mut() {
        for r in results {
            if let Some(vs) = r.get_mut("Vulnerabilities").and_then(Value::as_array_mut) {
                vs.retain(|x| {
                    let sev =
                        Severity::parse(x["Severity"].as_str().unwrap_or("")).unwrap_or_default();
                    let fixed = !x["FixedVersion"].as_str().unwrap_or("").is_empty();
                    (severities.is_empty() || severities.contains(&sev))
                        && (!ignore_unfixed || fixed)
                });
            }
        }
    }
    serde_json::to_vec_pretty(&v).unwrap_or_else(|_| json.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_is_bounded_and_evicted_results_come_back_from_disk() {
        let tmp = tempfile::tempdir().unwrap();
        let store = Store::open(tmp.path(), 2).unwrap();
        let report = |id: &str| {
            serde_json::to_vec(&serde_json::json!({"Results": [{"Vulnerabilities": [
                {"VulnerabilityID": id, "Severity": "HIGH", "FixedVersion": "2"}]}]}))
            .unwrap()
        };
        let digests: Vec<String> = (1..=3)
            .map(|i| format!("sha256:{}", format!("{i}").repeat(64)))
            .collect();
        for (i, d) in digests.iter().enumerate() {
            store.put(d, report(&format!("CVE-0-{i}"))).unwrap();
        }
        assert_eq!(store.len_in_memory(), 2);
        let first = store.get(&digests[0]).expect("read back from disk");
        assert_eq!(first.summary.vulns[0].id, "CVE-0-0");
        assert_eq!(
            first.summary.counts()[Severity::High.as_number() as usize],
            1
        );
        assert_eq!(store.len_in_memory(), 2);
        assert!(store.get("sha256:../../etc/passwd").is_none());
    }
}
