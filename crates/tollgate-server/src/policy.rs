//! The admission policy: which findings and image properties deny or warn, and who is
//! exempt until when.

use std::time::Duration;

use serde::Deserialize;
use tollgate_db::Severity;

use crate::store::Summary;

/// What a rule does when it matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Reject the object.
    Deny,
    /// Admit it with a warning.
    Warn,
    /// Rule disabled.
    Off,
}

/// Block on findings at or above a severity.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeverityRule {
    /// Lowest severity that counts.
    #[serde(deserialize_with = "de_severity")]
    pub threshold: Severity,
    /// Count only findings with a fixed version.
    #[serde(default)]
    pub fixable_only: bool,
    /// Deny, warn or off.
    pub mode: Mode,
}

/// A rule that only has a mode.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// Deny, warn or off.
    pub mode: Mode,
}

/// A namespace exempt from every rule, until `expires` (inclusive) when given.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AllowNamespace {
    /// Namespace name.
    pub name: String,
    /// Last day the exemption holds, `YYYY-MM-DD`.
    #[serde(default)]
    pub expires: Option<String>,
    /// Why (logged with each decision it makes).
    #[serde(default)]
    pub reason: Option<String>,
}

/// Images exempt from every rule: an exact reference, or a prefix ending in `*`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AllowImage {
    /// `registry.example/team/app:1.0`, or `registry.example/base/*`.
    pub pattern: String,
    /// Last day the exemption holds, `YYYY-MM-DD`.
    #[serde(default)]
    pub expires: Option<String>,
    /// Why (logged with each decision it makes).
    #[serde(default)]
    pub reason: Option<String>,
}

/// Allow-lists.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AllowLists {
    /// Exempt namespaces.
    #[serde(default)]
    pub namespaces: Vec<AllowNamespace>,
    /// Exempt images.
    #[serde(default)]
    pub images: Vec<AllowImage>,
}

/// The whole admission policy (the `--policy` YAML file).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// How long an admission may wait for a scan; keep it below the webhook's
    /// `timeoutSeconds`. `0s` never waits: unscanned images get the `unscanned` rule at once.
    #[serde(default = "default_deadline", deserialize_with = "de_duration")]
    pub deadline: Duration,
    /// Findings at or above a severity.
    #[serde(default = "default_severity")]
    pub severity: SeverityRule,
    /// Findings in CISA's KEV catalog.
    #[serde(default = "default_kev")]
    pub kev: Rule,
    /// Images referenced by tag rather than `@sha256:` digest.
    #[serde(default = "default_unpinned")]
    pub unpinned: Rule,
    /// Images with no scan result within the deadline (or that cannot be resolved).
    #[serde(default = "default_unscanned")]
    pub unscanned: Rule,
    /// Exemptions.
    #[serde(default)]
    pub allow: AllowLists,
}

fn default_deadline() -> Duration {
    Duration::from_secs(3)
}
fn default_severity() -> SeverityRule {
    SeverityRule {
        threshold: Severity::Critical,
        fixable_only: false,
        mode: Mode::Deny,
    }
}
fn default_kev() -> Rule {
    Rule { mode: Mode::Deny }
}
fn default_unpinned() -> Rule {
    Rule { mode: Mode::Off }
}
fn default_unscanned() -> Rule {
    Rule { mode: Mode::Warn }
}

impl Default for Policy {
    fn default() -> Policy {
        Policy {
            deadline: default_deadline(),
            severity: default_severity(),
            kev: default_kev(),
            unpinned: default_unpinned(),
            unscanned: default_unscanned(),
            allow: AllowLists::default(),
        }
    }
}

fn de_severity<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Severity, D::Error> {
    let s = String::deserialize(d)?;
    Severity::parse(&s).ok_or_else(|| {
        serde::de::Error::custom(format!(
            "severity {s:?}: use UNKNOWN, LOW, MEDIUM, HIGH or CRITICAL"
        ))
    })
}

fn de_duration<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    let s = String::deserialize(d)?;
    parse_duration(&s).ok_or_else(|| {
        serde::de::Error::custom(format!("duration {s:?}: use e.g. 2s, 1500ms or 0s"))
    })
}

/// Parses `500ms`, `2s`, `1.5s`.
pub fn parse_duration(s: &str) -> Option<Duration> {
    let s = s.trim();
    if let Some(ms) = s.strip_suffix("ms") {
        return ms.trim().parse::<u64>().ok().map(Duration::from_millis);
    }
    let secs: f64 = s.strip_suffix('s')?.trim().parse().ok()?;
    (0.0..3600.0)
        .contains(&secs)
        .then(|| Duration::from_secs_f64(secs))
}

fn valid_date(d: &str) -> bool {
    let b = d.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
}

impl Policy {
    /// Reads a policy file, rejecting unknown keys and malformed dates with a message naming them.
    pub fn parse(name: &str, text: &str) -> anyhow::Result<Policy> {
        let p: Policy =
            serde_norway::from_str(text).map_err(|e| anyhow::anyhow!("policy {name}: {e}"))?;
        let dates = p
            .allow
            .namespaces
            .iter()
            .filter_map(|n| n.expires.as_deref())
            .chain(p.allow.images.iter().filter_map(|i| i.expires.as_deref()));
        for d in dates {
            if !valid_date(d) {
                anyhow::bail!("policy {name}: expires {d:?}: use YYYY-MM-DD");
            }
        }
        Ok(p)
    }

    /// The allow-list entry exempting `namespace` today, if any; expired entries are
    /// returned in the second slot so the answer can say so.
    pub fn namespace_exemption(
        &self,
        namespace: &str,
        today: &str,
    ) -> (Option<&AllowNamespace>, Option<&AllowNamespace>) {
        let mut expired = None;
        for n in self.allow.namespaces.iter().filter(|n| n.name == namespace) {
            match &n.expires {
                Some(e) if e.as_str() < today => expired = Some(n),
                _ => return (Some(n), None),
            }
        }
        (None, expired)
    }

    /// As [`Policy::namespace_exemption`], for an image reference as written and its canonical form.
    pub fn image_exemption(
        &self,
        written: &str,
        canonical: &str,
        today: &str,
    ) -> (Option<&AllowImage>, Option<&AllowImage>) {
        let mut expired = None;
        for i in &self.allow.images {
            let hit = |r: &str| match i.pattern.strip_suffix('*') {
                Some(prefix) => r.starts_with(prefix),
                None => r == i.pattern,
            };
            if !(hit(written) || hit(canonical)) {
                continue;
            }
            match &i.expires {
                Some(e) if e.as_str() < today => expired = Some(i),
                _ => return (Some(i), None),
            }
        }
        (None, expired)
    }

    /// The verdict of the rules that depend only on an image's scan result.
    pub fn judge_scan(&self, s: &Summary) -> ScanVerdict {
        let mut out = ScanVerdict::default();
        if self.severity.mode != Mode::Off {
            let hits: Vec<_> = s
                .vulns
                .iter()
                .filter(|v| v.severity >= self.severity.threshold)
                .filter(|v| !self.severity.fixable_only || !v.fixed.is_empty())
                .collect();
            if !hits.is_empty() {
                let top: Vec<String> = s
                    .vulns
                    .iter()
                    .filter(|v| !v.fixed.is_empty())
                    .take(TOP_FIXABLE)
                    .map(|v| {
                        format!(
                            "{} {} ({} {} -> {})",
                            v.id,
                            v.severity.as_str(),
                            v.pkg,
                            v.installed,
                            v.fixed
                        )
                    })
                    .collect();
                let fix = if self.severity.fixable_only {
                    " with a fix"
                } else {
                    ""
                };
                let mut msg = format!(
                    "{} vulnerabilit{} at or above {}{fix} ({})",
                    hits.len(),
                    if hits.len() == 1 { "y" } else { "ies" },
                    self.severity.threshold.as_str(),
                    s.counts_text()
                );
                if top.is_empty() {
                    msg.push_str("; none has a fix yet");
                } else {
                    msg.push_str(&format!("; top fixable: {}", top.join(", ")));
                }
                out.add(self.severity.mode, msg);
            }
        }
        if self.kev.mode != Mode::Off {
            let kev: Vec<&str> = s
                .vulns
                .iter()
                .filter(|v| v.kev)
                .map(|v| v.id.as_str())
                .collect();
            if !kev.is_empty() {
                out.add(
                    self.kev.mode,
                    format!(
                        "{} known exploited vulnerabilit{} (CISA KEV): {}",
                        kev.len(),
                        if kev.len() == 1 { "y" } else { "ies" },
                        kev.join(", ")
                    ),
                );
            }
        }
        out
    }
}

/// How many fixable CVEs a deny message names.
const TOP_FIXABLE: usize = 5;

/// What the scan-result rules say about one image.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScanVerdict {
    /// Reasons to deny.
    pub deny: Vec<String>,
    /// Reasons to warn.
    pub warn: Vec<String>,
}

impl ScanVerdict {
    fn add(&mut self, mode: Mode, msg: String) {
        match mode {
            Mode::Deny => self.deny.push(msg),
            Mode::Warn => self.warn.push(msg),
            Mode::Off => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Vuln;

    fn vuln(id: &str, sev: Severity, fixed: &str, kev: bool) -> Vuln {
        Vuln {
            id: id.into(),
            pkg: "musl".into(),
            installed: "1.1.18-r3".into(),
            fixed: fixed.into(),
            severity: sev,
            kev,
        }
    }

    #[test]
    fn policy_file_reads_every_rule_and_rejects_typos() {
        let p = Policy::parse(
            "p.yaml",
            "deadline: 500ms\nseverity: {threshold: high, fixable_only: true, mode: warn}\n\
             kev: {mode: deny}\nunpinned: {mode: deny}\nunscanned: {mode: deny}\n\
             allow:\n  namespaces: [{name: dev, expires: 2030-01-01}]\n  images: [{pattern: 'r.example/base/*'}]\n",
        )
        .unwrap();
        assert_eq!(p.deadline, Duration::from_millis(500));
        assert_eq!(p.severity.threshold, Severity::High);
        assert!(p.severity.fixable_only);
        assert_eq!(p.severity.mode, Mode::Warn);
        assert_eq!(p.unpinned.mode, Mode::Deny);
        let e = Policy::parse("p.yaml", "severty: {threshold: HIGH, mode: deny}\n").unwrap_err();
        assert!(e.to_string().contains("severty"), "{e}");
        let e = Policy::parse("p.yaml", "severity: {threshold: SEVERE, mode: deny}\n").unwrap_err();
        assert!(e.to_string().contains("SEVERE"), "{e}");
        let e = Policy::parse(
            "p.yaml",
            "allow: {namespaces: [{name: a, expires: tomorrow}]}\n",
        )
        .unwrap_err();
        assert!(e.to_string().contains("tomorrow"), "{e}");
    }

    #[test]
    fn allow_lists_expire() {
        let p = Policy::parse(
            "p",
            "allow:\n  namespaces: [{name: old, expires: 2020-01-01}, {name: dev, expires: 2030-01-01}]\n  images: [{pattern: 'r.example/base/*', expires: 2030-01-01}, {pattern: r.example/x:1, expires: 2020-01-01}]\n",
        )
        .unwrap();
        let today = "2026-11-25";
        assert!(p.namespace_exemption("dev", today).0.is_some());
        let (ok, expired) = p.namespace_exemption("old", today);
        assert!(ok.is_none() && expired.is_some());
        assert!(p
            .image_exemption("r.example/base/alpine:3", "", today)
            .0
            .is_some());
        let (ok, expired) = p.image_exemption("r.example/x:1", "", today);
        assert!(ok.is_none() && expired.is_some());
        assert!(p.namespace_exemption("prod", today).0.is_none());
    }

    #[test]
    fn scan_verdicts_follow_threshold_fixability_and_kev() {
        let s = Summary {
            vulns: vec![
                vuln("CVE-2019-14697", Severity::Critical, "1.1.18-r4", false),
                vuln("CVE-2000-0001", Severity::High, "", true),
            ],
        };
        let mut p = Policy::default();
        let v = p.judge_scan(&s);
        assert_eq!(v.deny.len(), 2, "{v:?}");
        assert!(v.deny[0].contains("CRITICAL: 1, HIGH: 1"), "{v:?}");
        assert!(v.deny[0].contains("CVE-2019-14697 CRITICAL (musl 1.1.18-r3 -> 1.1.18-r4)"));
        assert!(v.deny[1].contains("CVE-2000-0001"));
        p.severity.threshold = Severity::High;
        p.severity.fixable_only = true;
        p.kev.mode = Mode::Warn;
        let v = p.judge_scan(&s);
        assert!(
            v.deny[0].starts_with("1 vulnerability at or above HIGH with a fix"),
            "{v:?}"
        );
        assert_eq!(v.warn.len(), 1);
        p.severity.mode = Mode::Off;
        p.kev.mode = Mode::Off;
        assert_eq!(p.judge_scan(&s), ScanVerdict::default());
    }
}
