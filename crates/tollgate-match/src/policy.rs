//! Policy over findings: severity filter, `--ignore-unfixed`, and ignore files in
//! `.trivyignore` text form or `.trivyignore.yaml` form.

use serde::Deserialize;
use tollgate_db::{Severity, Status};

use crate::Finding;

/// One ignore rule.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct IgnoreRule {
    /// Vulnerability id (or alias) to ignore.
    pub id: String,
    /// Only for these package paths/targets (empty: everywhere).
    pub paths: Vec<String>,
    /// Only for packages whose PURL starts with one of these (empty: all).
    pub purls: Vec<String>,
    /// `YYYY-MM-DD`: the rule stops applying after this day.
    pub expired_at: Option<String>,
    /// Why it is ignored.
    pub statement: String,
}

/// Parsed ignore file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct IgnoreFile {
    /// Rules for vulnerabilities.
    pub rules: Vec<IgnoreRule>,
}

#[derive(Deserialize)]
struct YamlFile {
    #[serde(default)]
    vulnerabilities: Vec<YamlRule>,
}

#[derive(Deserialize)]
struct YamlRule {
    id: String,
    #[serde(default)]
    paths: Vec<String>,
    #[serde(default)]
    purls: Vec<String>,
    #[serde(default)]
    expired_at: Option<serde_norway::Value>,
    #[serde(default)]
    statement: String,
}

fn valid_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
}

impl IgnoreFile {
    /// Parses an ignore file; YAML when the name ends in `.yaml`/`.yml` or the text looks
    /// like YAML, the `.trivyignore` line form otherwise.
    pub fn parse(name: &str, text: &str) -> Result<IgnoreFile, String> {
        let yaml = name.ends_with(".yaml")
            || name.ends_with(".yml")
            || text
                .lines()
                .any(|l| l.trim_start().starts_with("vulnerabilities:"));
        if yaml {
            let f: YamlFile = serde_norway::from_str(text)
                .map_err(|e| format!("{name}: not a valid ignore YAML file: {e}"))?;
            let mut rules = Vec::new();
            for r in f.vulnerabilities {
                let expired_at = match r.expired_at {
                    None => None,
                    Some(v) => {
                        let s = match &v {
                            serde_norway::Value::String(s) => s.clone(),
                            other => serde_norway::to_string(other)
                                .unwrap_or_default()
                                .trim()
                                .to_string(),
                        };
                        let day = s.get(..10).unwrap_or(&s).to_string();
                        if !valid_date(&day) {
                            return Err(format!(
                                "{name}: rule {}: expired_at {s:?} is not a YYYY-MM-DD date",
                                r.id
                            ));
                        }
                        Some(day)
                    }
                };
                rules.push(IgnoreRule {
                    id: r.id,
                    paths: r.paths,
                    purls: r.purls,
                    expired_at,
                    statement: r.statement,
                });
            }
            return Ok(IgnoreFile { rules });
        }
        let mut rules = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            let mut parts = line.split_whitespace();
            let id = parts.next().unwrap_or_default().to_string();
            let mut rule = IgnoreRule {
                id,
                ..Default::default()
            };
            for p in parts {
                if let Some(d) = p.strip_prefix("exp:") {
                    if !valid_date(d) {
                        return Err(format!(
                            "{name}:{}: exp:{d} is not a YYYY-MM-DD date",
                            n + 1
                        ));
                    }
                    rule.expired_at = Some(d.to_string());
                }
            }
            rules.push(rule);
        }
        Ok(IgnoreFile { rules })
    }

    /// The rule that ignores this finding today (`YYYY-MM-DD`), if any.
    pub fn matches(&self, f: &Finding, purl: &str, today: &str) -> Option<&IgnoreRule> {
        self.rules.iter().find(|r| {
            let id_ok = r.id == f.vuln_id || f.vendor_ids.contains(&r.id);
            let live = r.expired_at.as_deref().is_none_or(|d| today <= d);
            let purl_ok = r.purls.is_empty()
                || r.purls.iter().any(|p| {
                    purl == p
                        || purl
                            .strip_prefix(p.as_str())
                            .is_some_and(|rest| rest.starts_with('@') || rest.starts_with('?'))
                });
            let path_ok = r.paths.is_empty();
            id_ok && live && purl_ok && path_ok
        })
    }
}

/// What the user asked to see.
#[derive(Debug, Clone, Default)]
pub struct Policy {
    /// Severities to keep (empty: all).
    pub severities: Vec<Severity>,
    /// Drop findings with no fixed version.
    pub ignore_unfixed: bool,
    /// Ignore rules.
    pub ignore: IgnoreFile,
    /// Today's date for rule expiry, `YYYY-MM-DD`.
    pub today: String,
}

impl Policy {
    /// Keeps the findings the policy lets through; `purl` gives each finding's package URL.
    pub fn apply(&self, findings: Vec<Finding>, purl: impl Fn(&Finding) -> String) -> Vec<Finding> {
        findings
            .into_iter()
            .filter(|f| self.severities.is_empty() || self.severities.contains(&f.severity))
            .filter(|f| {
                !self.ignore_unfixed || (f.status == Status::Fixed && !f.fixed_version.is_empty())
            })
            .filter(|f| self.ignore.matches(f, &purl(f), &self.today).is_none())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(id: &str, sev: Severity, fixed: &str) -> Finding {
        Finding {
            vuln_id: id.into(),
            vendor_ids: vec![],
            package: Default::default(),
            pkg_id: String::new(),
            installed_version: String::new(),
            fixed_version: fixed.into(),
            status: if fixed.is_empty() {
                Status::Affected
            } else {
                Status::Fixed
            },
            layer: Default::default(),
            severity: sev,
            severity_source: String::new(),
            data_source: None,
            detail: Default::default(),
        }
    }

    #[test]
    fn trivyignore_text() {
        let f = IgnoreFile::parse(
            ".trivyignore",
            "# comment\nCVE-2019-14697\nCVE-2020-1 exp:2020-01-01\n\nCVE-2030-1 exp:2099-12-31 # later\n",
        )
        .unwrap();
        assert_eq!(f.rules.len(), 3);
        let p = Policy {
            ignore: f,
            today: "2026-11-25".into(),
            ..Default::default()
        };
        let kept = p.apply(
            vec![
                finding("CVE-2019-14697", Severity::High, "1"),
                finding("CVE-2020-1", Severity::High, "1"),
                finding("CVE-2030-1", Severity::Low, ""),
            ],
            |_| String::new(),
        );
        let ids: Vec<_> = kept.iter().map(|f| f.vuln_id.as_str()).collect();
        assert_eq!(ids, ["CVE-2020-1"]);
        assert!(IgnoreFile::parse(".trivyignore", "CVE-1 exp:tomorrow").is_err());
    }

    #[test]
    fn trivyignore_yaml_and_filters() {
        let f = IgnoreFile::parse(
            ".trivyignore.yaml",
            "vulnerabilities:\n  - id: CVE-1\n    expired_at: 2099-01-01\n    purls: [\"pkg:apk/alpine/musl\"]\n  - id: CVE-2\n    expired_at: 2001-01-01\n",
        )
        .unwrap();
        assert_eq!(f.rules[0].expired_at.as_deref(), Some("2099-01-01"));
        let p = Policy {
            ignore: f,
            today: "2026-11-25".into(),
            severities: vec![Severity::High, Severity::Critical],
            ignore_unfixed: true,
        };
        let kept = p.apply(
            vec![
                finding("CVE-1", Severity::High, "1"),
                finding("CVE-2", Severity::High, "1"),
                finding("CVE-3", Severity::Low, "1"),
                finding("CVE-4", Severity::Critical, ""),
            ],
            |_| "pkg:apk/alpine/musl@1.2?arch=x86_64".into(),
        );
        let ids: Vec<_> = kept.iter().map(|f| f.vuln_id.as_str()).collect();
        assert_eq!(ids, ["CVE-2"]);
        assert!(IgnoreFile::parse("x.yaml", "vulnerabilities: 3").is_err());
    }
}
