//! Policy over findings: severity filter, `--ignore-unfixed`, `--ignore-status`, ignore files
//! in `.trivyignore` text form or `.trivyignore.yaml` form (ids, expiry, paths, purls), and VEX.

use serde::Deserialize;
use tollgate_db::{Severity, Status};

use crate::vex::Vex;
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
    pub fn matches(
        &self,
        f: &Finding,
        target: &str,
        purl: &str,
        today: &str,
    ) -> Option<&IgnoreRule> {
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
            let path_ok = r.paths.is_empty()
                || r.paths.iter().any(|g| {
                    let (t, p) = (
                        target.trim_start_matches('/'),
                        f.package.file_path.trim_start_matches('/'),
                    );
                    glob_match(g, t) || (!p.is_empty() && glob_match(g, p))
                });
            id_ok && live && purl_ok && path_ok
        })
    }
}

/// `paths` entries are globs over the target or package path (`**/node_modules/**`,
/// `app/*.jar`); an entry that is not a valid glob matches its literal text.
fn glob_match(pattern: &str, path: &str) -> bool {
    let pattern = pattern.trim_start_matches('/');
    match globset::Glob::new(pattern) {
        Ok(g) => g.compile_matcher().is_match(path),
        Err(_) => pattern == path,
    }
}

/// What the policy did with one batch of findings.
#[derive(Debug, Clone, Default)]
pub struct Applied {
    /// The findings the policy lets through.
    pub kept: Vec<Finding>,
    /// Dropped by a VEX `not_affected` statement: (vulnerability id, package URL, VEX file).
    pub vex_suppressed: Vec<(String, String, String)>,
    /// Dropped by an ignore rule.
    pub ignored: usize,
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
    /// Statuses to drop (`--ignore-status`).
    pub ignore_statuses: Vec<Status>,
    /// VEX statements (`--vex`).
    pub vex: Vex,
    /// The scanned image's repository names (no tag) and digests, which VEX statements
    /// about the image (`pkg:oci/...`) name.
    pub image_ids: Vec<String>,
}

/// Parses a status as Trivy spells it (`--ignore-status will_not_fix`).
pub fn parse_status(s: &str) -> Option<Status> {
    [
        Status::Fixed,
        Status::Affected,
        Status::WillNotFix,
        Status::FixDeferred,
        Status::EndOfLife,
        Status::UnderInvestigation,
        Status::NotAffected,
    ]
    .into_iter()
    .find(|x| x.as_str() == s.trim().to_ascii_lowercase())
}

impl Policy {
    /// Keeps the findings the policy lets through; `purl` gives each finding's package URL.
    pub fn apply(&self, findings: Vec<Finding>, purl: impl Fn(&Finding) -> String) -> Vec<Finding> {
        self.apply_in(findings, "", purl).kept
    }

    /// [`Policy::apply`] for the findings of one target (a lockfile path, an image), saying
    /// what VEX and the ignore rules dropped.
    pub fn apply_in(
        &self,
        findings: Vec<Finding>,
        target: &str,
        purl: impl Fn(&Finding) -> String,
    ) -> Applied {
        let mut out = Applied::default();
        for f in findings {
            if !self.severities.is_empty() && !self.severities.contains(&f.severity) {
                continue;
            }
            let unfixed = f.status != Status::Fixed || f.fixed_version.is_empty();
            if self.ignore_unfixed && unfixed {
                continue;
            }
            if self.ignore_statuses.contains(&f.status) {
                continue;
            }
            let u = purl(&f);
            if self.ignore.matches(&f, target, &u, &self.today).is_some() {
                out.ignored += 1;
                continue;
            }
            if let Some(st) = self.vex.not_affected(&f, &u, &self.image_ids) {
                out.vex_suppressed
                    .push((f.vuln_id.clone(), u, st.source.clone()));
                continue;
            }
            out.kept.push(f);
        }
        out
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
            ..Default::default()
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

    #[test]
    fn paths_statuses_and_vex() {
        let f = IgnoreFile::parse(
            ".trivyignore.yaml",
            "vulnerabilities:\n  - id: CVE-1\n    paths: [\"app/**/package-lock.json\"]\n",
        )
        .unwrap();
        let mut vex = Vex::default();
        vex.load(
            "vex.json",
            r#"{"@context": "https://openvex.dev/ns/v0.2.0", "statements": [
                {"vulnerability": {"name": "CVE-2"}, "products": [{"@id": "pkg:npm/lodash@4.17.20"}],
                 "status": "not_affected", "justification": "vulnerable_code_not_in_execute_path"},
                {"vulnerability": {"name": "CVE-3"}, "products": [{"@id": "pkg:npm/lodash"}], "status": "affected"}]}"#,
        )
        .unwrap();
        let p = Policy {
            ignore: f,
            today: "2026-11-25".into(),
            ignore_statuses: vec![parse_status("will_not_fix").unwrap()],
            vex,
            ..Default::default()
        };
        let mut wnf = finding("CVE-4", Severity::High, "");
        wnf.status = Status::WillNotFix;
        let batch = || {
            vec![
                finding("CVE-1", Severity::High, "1"),
                finding("CVE-2", Severity::High, "1"),
                finding("CVE-3", Severity::High, "1"),
                wnf.clone(),
            ]
        };
        let purl = |_: &Finding| "pkg:npm/lodash@4.17.20".to_string();
        let a = p.apply_in(batch(), "app/web/package-lock.json", purl);
        let ids: Vec<_> = a.kept.iter().map(|f| f.vuln_id.as_str()).collect();
        assert_eq!(ids, ["CVE-3"]);
        assert_eq!(a.ignored, 1);
        assert_eq!(a.vex_suppressed.len(), 1);
        assert_eq!(a.vex_suppressed[0].0, "CVE-2");
        // Another path: the ignore rule does not apply; another version: VEX does not.
        let a = p.apply_in(batch(), "srv/package-lock.json", |_| {
            "pkg:npm/lodash@4.17.21".to_string()
        });
        let ids: Vec<_> = a.kept.iter().map(|f| f.vuln_id.as_str()).collect();
        assert_eq!(ids, ["CVE-1", "CVE-2", "CVE-3"]);
        assert!(parse_status("nonsense").is_none());
    }
}
