//! Matching: an image's inventory against the advisory DB, per OS family, in that
//! family's version order, giving [`Finding`]s.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use tollgate_analyze::{InstalledPackage, Inventory, LayerId, OsInfo, Package};
use tollgate_db::{Advisory, DataSource, Severity, Status, VulnDetail};
use tollgate_version::Scheme;

pub mod eol;
pub mod policy;
pub mod vex;

/// Read access to advisories; implemented by the on-disk DB and by test fixtures.
pub trait AdvisorySource {
    /// Advisories for `package` in `namespace` (`debian 12`, `alpine 3.10`).
    fn advisories(&self, namespace: &str, package: &str) -> Result<Vec<Advisory>, String>;
    /// Details of a vulnerability id.
    fn detail(&self, id: &str) -> Result<Option<VulnDetail>, String>;
    /// A data source by id.
    fn data_source(&self, id: &str) -> Option<DataSource>;
}

/// The on-disk advisory DB is the source scans read.
impl AdvisorySource for tollgate_db::store::Db {
    fn advisories(&self, namespace: &str, package: &str) -> Result<Vec<Advisory>, String> {
        tollgate_db::store::Db::advisories(self, namespace, package).map_err(|e| e.to_string())
    }
    fn detail(&self, id: &str) -> Result<Option<VulnDetail>, String> {
        tollgate_db::store::Db::detail(self, id).map_err(|e| e.to_string())
    }
    fn data_source(&self, id: &str) -> Option<DataSource> {
        tollgate_db::store::Db::data_source(self, id)
    }
}

/// One vulnerable package.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// CVE or advisory id.
    pub vuln_id: String,
    /// Vendor advisory ids (DSA/DLA).
    pub vendor_ids: Vec<String>,
    /// The package as installed.
    pub package: Package,
    /// `name@version` as Trivy prints `PkgID`.
    pub pkg_id: String,
    /// Installed version as shown (`epoch:version-release`).
    pub installed_version: String,
    /// Fixed version(s), empty when there is none.
    pub fixed_version: String,
    /// Status (`fixed`, `affected`, `will_not_fix`, ...).
    pub status: Status,
    /// Layer that introduced the package.
    pub layer: LayerId,
    /// Final severity.
    pub severity: Severity,
    /// Which source the severity came from (`alpine`, `debian`, `nvd`, ...; empty if none).
    pub severity_source: String,
    /// The feed that reported this.
    pub data_source: Option<DataSource>,
    /// Title, description, CVSS, references.
    pub detail: VulnDetail,
}

/// What a scan matched, and the OS it matched against.
#[derive(Debug, Clone, Default)]
pub struct MatchResult {
    /// Findings, sorted as Trivy sorts them.
    pub findings: Vec<Finding>,
    /// Namespace used (`alpine 3.10`), empty when the OS is unsupported.
    pub namespace: String,
    /// Messages for the user (unsupported OS, EOL, mixed Alpine versions).
    pub warnings: Vec<String>,
}

/// The DB namespace for an OS: `alpine 3.10`, `debian 12`, `ubuntu 22.04`, `rocky 8`.
pub fn namespace(os: &OsInfo, repository_release: Option<&str>) -> (String, Vec<String>) {
    let mut warnings = Vec::new();
    let ver = os.name.as_str();
    let release = match os.family.as_str() {
        "alpine" => {
            let minor = major_minor(ver);
            match repository_release {
                Some(r) if r != minor => {
                    if r != "edge" {
                        warnings.push(format!(
                            "mixing Alpine versions is unsupported: OS {ver}, repositories {r}; using {r}"
                        ));
                    }
                    r.to_string()
                }
                _ => minor,
            }
        }
        "ubuntu"
        | "opensuse.leap"
        | "suse linux enterprise server"
        | "photon"
        | "cbl-mariner"
        | "azurelinux" => major_minor(ver),
        "wolfi" | "chainguard" => String::new(),
        _ => ver.split('.').next().unwrap_or("").to_string(),
    };
    let ns = if release.is_empty() {
        os.family.clone()
    } else {
        format!("{} {}", os.family, release)
    };
    (ns, warnings)
}

fn major_minor(v: &str) -> String {
    let mut it = v.split('.');
    match (it.next(), it.next()) {
        (Some(a), Some(b)) => format!("{a}.{b}"),
        (Some(a), None) => a.to_string(),
        _ => String::new(),
    }
}

/// Whether `installed` falls in an advisory's affected set.
pub fn is_affected(scheme: Scheme, installed: &str, adv: &Advisory) -> bool {
    let cmp = |a: &str, b: &str| tollgate_version::compare(scheme, a, b);
    if !adv.versions.is_empty()
        && adv
            .versions
            .iter()
            .any(|v| cmp(installed, v) == Ordering::Equal)
    {
        return true;
    }
    if adv.ranges.is_empty() {
        return match (&adv.status, &adv.fixed_version) {
            (Status::NotAffected, _) => false,
            (Status::Fixed, Some(f)) => f.split(", ").all(|f| cmp(installed, f) == Ordering::Less),
            (Status::Fixed, None) => adv.versions.is_empty(),
            _ => adv.versions.is_empty(),
        };
    }
    adv.ranges.iter().any(|r| {
        let lower = match r.introduced.as_deref() {
            None | Some("0") | Some("") => true,
            Some(i) => cmp(installed, i) != Ordering::Less,
        };
        let upper_fixed = match r.fixed.as_deref() {
            None => true,
            Some(f) => cmp(installed, f) == Ordering::Less,
        };
        let upper_last = match r.last_affected.as_deref() {
            None => true,
            Some(l) => cmp(installed, l) != Ordering::Greater,
        };
        lower && upper_fixed && upper_last
    })
}

/// The highest fixed version an advisory names, in its fixed-version field or its ranges.
fn highest_fix(scheme: Scheme, a: &Advisory) -> Option<String> {
    let mut best: Option<String> = None;
    let fixes = a
        .fixed_version
        .iter()
        .flat_map(|f| f.split(", "))
        .chain(a.ranges.iter().filter_map(|r| r.fixed.as_deref()))
        .filter(|f| !f.is_empty());
    for f in fixes {
        best = match best {
            Some(b) if tollgate_version::compare(scheme, &b, f) != Ordering::Less => Some(b),
            _ => Some(f.to_string()),
        };
    }
    best
}

/// Several feeds (DSA and DLA lists, OSV, the CVE list) may say something about the same
/// vulnerability in the same package: fold them into one advisory per id. A known fix
/// wins over "affected"; between two fixes the record with the higher fixed version wins
/// (as trivy-db does); vendor ids are kept from all of them.
fn fold(scheme: Scheme, advs: Vec<Advisory>) -> Vec<Advisory> {
    let mut by_id: BTreeMap<String, Advisory> = BTreeMap::new();
    for a in advs {
        let Some(cur) = by_id.get_mut(&a.vuln_id) else {
            by_id.insert(a.vuln_id.clone(), a);
            continue;
        };
        let mut vendor_ids = cur.vendor_ids.clone();
        for v in &a.vendor_ids {
            if !vendor_ids.contains(v) {
                vendor_ids.push(v.clone());
            }
        }
        let severity = cur.severity.or(a.severity);
        let replace = match (cur.status == Status::Fixed, a.status == Status::Fixed) {
            (false, true) => true,
            (true, true) => match (highest_fix(scheme, cur), highest_fix(scheme, &a)) {
                (Some(c), Some(n)) => tollgate_version::compare(scheme, &c, &n) == Ordering::Less,
                (None, Some(_)) => true,
                _ => false,
            },
            _ => false,
        };
        if replace {
            *cur = a;
        }
        cur.severity = severity;
        cur.vendor_ids = vendor_ids;
    }
    by_id.into_values().collect()
}

/// Builds findings, caching vulnerability details across packages.
struct Findings<'a> {
    db: &'a dyn AdvisorySource,
    details: BTreeMap<String, VulnDetail>,
}

impl<'a> Findings<'a> {
    fn new(db: &'a dyn AdvisorySource) -> Self {
        Findings {
            db,
            details: BTreeMap::new(),
        }
    }

    /// One finding of `adv` on the installed package `ip`, shown at `installed_version`.
    fn make(
        &mut self,
        adv: &Advisory,
        ip: &InstalledPackage,
        installed_version: String,
        status: Status,
    ) -> Result<Finding, String> {
        if !self.details.contains_key(&adv.vuln_id) {
            let mut d = self.db.detail(&adv.vuln_id)?.unwrap_or_else(|| VulnDetail {
                id: adv.vuln_id.clone(),
                ..Default::default()
            });
            // KEV and EPSS are keyed by CVE: a GHSA/GO/PYSEC record takes them from its CVE alias.
            for alias in adv.aliases.iter().filter(|a| a.starts_with("CVE-")) {
                if d.known_exploited.is_some() && d.epss.is_some() {
                    break;
                }
                if let Some(cve) = self.db.detail(alias)? {
                    d.known_exploited = d.known_exploited.or(cve.known_exploited);
                    d.epss = d.epss.or(cve.epss);
                }
            }
            self.details.insert(adv.vuln_id.clone(), d);
        }
        let detail = self.details[&adv.vuln_id].clone();
        let data_source = self.db.data_source(&adv.source);
        let (severity, severity_source) = pick_severity(adv, data_source.as_ref(), &detail);
        let p = &ip.package;
        // Vendor ids: the feed's own (DSA/DLA) and, for OSV records, the non-CVE ids of the
        // same vulnerability (GHSA-..., GO-..., PYSEC-...), as Trivy lists them.
        let mut vendor_ids = adv.vendor_ids.clone();
        let mut others: Vec<String> = adv
            .aliases
            .iter()
            .filter(|a| **a != adv.vuln_id && !a.starts_with("CVE-") && !vendor_ids.contains(a))
            .cloned()
            .collect();
        others.sort();
        others.dedup();
        vendor_ids.extend(others);
        Ok(Finding {
            vuln_id: adv.vuln_id.clone(),
            vendor_ids,
            pkg_id: format!("{}@{installed_version}", p.name),
            installed_version,
            fixed_version: adv.fixed_version.clone().unwrap_or_default(),
            status,
            layer: ip.layer.clone(),
            severity,
            severity_source,
            data_source,
            package: p.clone(),
            detail,
        })
    }
}

/// Matches the OS packages of an inventory.
pub fn match_os(inv: &Inventory, db: &dyn AdvisorySource) -> Result<MatchResult, String> {
    let mut out = MatchResult::default();
    let Some(os) = &inv.os else {
        if !inv.packages.is_empty() {
            out.warnings
                .push("OS is not detected: OS packages are not matched".to_string());
        }
        return Ok(out);
    };
    let Some(scheme) = tollgate_version::scheme_for_ecosystem(&os.family) else {
        out.warnings.push(format!(
            "unsupported OS family {:?}: OS packages are not matched",
            os.family
        ));
        return Ok(out);
    };
    let (ns, w) = namespace(os, inv.repository.as_ref().map(|r| r.release.as_str()));
    out.warnings.extend(w);
    let scheme = apk_generation(scheme, &ns);
    out.namespace = ns.clone();
    let mut make = Findings::new(db);
    let mut cache: BTreeMap<String, Vec<Advisory>> = BTreeMap::new();
    for ip in &inv.packages {
        let p = &ip.package;
        // Debian/Ubuntu trackers and Alpine's secdb are keyed by source package; rpm feeds
        // by binary package (source where the feed says so).
        let keys: Vec<&str> = match scheme {
            Scheme::Rpm => {
                let mut k = vec![p.name.as_str()];
                if !p.src_name.is_empty() && p.src_name != p.name {
                    k.push(p.src_name.as_str());
                }
                k
            }
            _ => vec![if p.src_name.is_empty() {
                p.name.as_str()
            } else {
                p.src_name.as_str()
            }],
        };
        let mut advs = Vec::new();
        for k in keys {
            if !cache.contains_key(k) {
                cache.insert(k.to_string(), db.advisories(&ns, k)?);
            }
            advs.extend(cache[k].iter().cloned());
        }
        if advs.is_empty() {
            continue;
        }
        let installed_cmp = match scheme {
            Scheme::Rpm => p.full_version(),
            _ if p.src_version.is_empty() => p.full_version(),
            _ => p.full_src_version(),
        };
        for adv in fold(scheme, advs) {
            if adv.status == Status::NotAffected || !is_affected(scheme, &installed_cmp, &adv) {
                continue;
            }
            out.findings
                .push(make.make(&adv, ip, p.full_version(), adv.status)?);
        }
    }
    sort_findings(&mut out.findings);
    Ok(out)
}

/// The DB namespace of a language package type (`pip` for `poetry`, `maven` for `jar`).
pub fn lang_namespace(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "pip" | "pipenv" | "poetry" | "uv" | "python-pkg" => "pip",
        "npm" | "yarn" | "pnpm" | "bun" | "node-pkg" => "npm",
        "gomod" | "gobinary" => "go",
        "cargo" | "rustbinary" => "cargo",
        "jar" | "pom" | "gradle" | "sbt" => "maven",
        "bundler" | "gemspec" => "rubygems",
        "composer" | "composer-vendor" => "packagist",
        "dotnet-core" | "nuget" | "packages-props" => "nuget",
        "pub" => "pub",
        "hex" => "hex",
        "swift" | "cocoapods" => "swift",
        "conan" => "conan",
        "conda-pkg" | "conda-environment" => "conda",
        _ => return None,
    })
}

/// Findings of one language target.
#[derive(Debug, Clone, Default)]
pub struct AppFindings {
    /// Index into `Inventory::applications`.
    pub app: usize,
    /// Findings, sorted.
    pub findings: Vec<Finding>,
}

/// Matches the language packages of an inventory against OSV-style advisories, evaluating
/// each advisory's ranges in its ecosystem's version order.
pub fn match_apps(inv: &Inventory, db: &dyn AdvisorySource) -> Result<Vec<AppFindings>, String> {
    let mut out = Vec::new();
    let mut make = Findings::new(db);
    for (idx, app) in inv.applications.iter().enumerate() {
        let Some(ns) = lang_namespace(&app.kind) else {
            continue;
        };
        let Some(scheme) = tollgate_version::scheme_for_ecosystem(ns) else {
            continue;
        };
        let mut findings = Vec::new();
        for ip in &app.packages {
            let p = &ip.package;
            // The scanned project itself and its workspaces are not dependencies.
            if p.version.is_empty() || p.relationship == "root" || p.relationship == "workspace" {
                continue;
            }
            let advs = db.advisories(ns, &p.name)?;
            for adv in fold(scheme, advs) {
                if adv.status == Status::NotAffected || !is_affected(scheme, &p.version, &adv) {
                    continue;
                }
                let status = if adv.fixed_version.as_deref().is_some_and(|f| !f.is_empty()) {
                    Status::Fixed
                } else {
                    Status::Affected
                };
                findings.push(make.make(&adv, ip, p.version.clone(), status)?);
            }
        }
        sort_findings(&mut findings);
        findings.dedup_by(|a, b| {
            a.vuln_id == b.vuln_id
                && a.package.name == b.package.name
                && a.installed_version == b.installed_version
                && a.package.file_path == b.package.file_path
        });
        if !findings.is_empty() {
            out.push(AppFindings { app: idx, findings });
        }
    }
    Ok(out)
}

/// Alpine switched from apk-tools 2 to 3 in 3.23; the two differ on versions apk calls
/// invalid (`6.0.2p1-r0`), and an image's own package manager is the one to agree with.
fn apk_generation(scheme: Scheme, namespace: &str) -> Scheme {
    if scheme != Scheme::Apk {
        return scheme;
    }
    let release = namespace.split_once(' ').map(|(_, r)| r).unwrap_or("");
    let mut it = release.split('.').map(|p| p.parse::<u32>().ok());
    match (it.next().flatten(), it.next().flatten()) {
        (Some(3), Some(minor)) if minor < 23 => Scheme::ApkV2,
        (Some(major), _) if major < 3 => Scheme::ApkV2,
        _ => Scheme::Apk,
    }
}

/// The package-specific severity first, then the advisory's source, then NVD, then any
/// other vendor; the source that decided is named.
fn pick_severity(adv: &Advisory, ds: Option<&DataSource>, d: &VulnDetail) -> (Severity, String) {
    // Details are keyed by the data source's report id (`osv` for PyPA and RustSec).
    let src = ds.map(|d| d.id.as_str()).unwrap_or(adv.source.as_str());
    if let Some(s) = adv.severity.filter(|s| *s != Severity::Unknown) {
        return (s, src.to_string());
    }
    if let Some(s) = d
        .vendor_severity
        .get(src)
        .filter(|s| **s != Severity::Unknown)
    {
        return (*s, src.to_string());
    }
    if let Some(s) = d
        .vendor_severity
        .get("nvd")
        .filter(|s| **s != Severity::Unknown)
    {
        return (*s, "nvd".to_string());
    }
    if let Some((src, s)) = d
        .vendor_severity
        .iter()
        .filter(|(_, s)| **s != Severity::Unknown)
        .max_by_key(|(_, s)| **s)
    {
        return (*s, src.clone());
    }
    (Severity::Unknown, String::new())
}

/// Trivy's order: package name, installed version, then severity (highest first), then id.
pub fn sort_findings(f: &mut [Finding]) {
    f.sort_by(|a, b| {
        a.package
            .name
            .cmp(&b.package.name)
            .then_with(|| a.package.file_path.cmp(&b.package.file_path))
            .then_with(|| a.installed_version.cmp(&b.installed_version))
            .then_with(|| b.severity.cmp(&a.severity))
            .then_with(|| a.vuln_id.cmp(&b.vuln_id))
            .then_with(|| a.fixed_version.cmp(&b.fixed_version))
    });
}

/// How a report orders findings (`--sort-by`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortBy {
    /// Trivy's order (package, version, severity).
    #[default]
    Severity,
    /// Highest EPSS score first.
    Epss,
    /// Highest [`Finding::risk`] first.
    Risk,
}

impl Finding {
    /// The CVSS base score a person would look at: the severity source's, else NVD's, else
    /// any source's; v4 before v3 before v2.
    pub fn cvss_score(&self) -> Option<f64> {
        let score = |c: &tollgate_db::Cvss| c.v40_score.or(c.v3_score).or(c.v2_score);
        self.detail
            .cvss
            .get(&self.severity_source)
            .and_then(score)
            .or_else(|| self.detail.cvss.get("nvd").and_then(score))
            .or_else(|| self.detail.cvss.values().find_map(score))
    }

    /// Risk from 0 to 100: likelihood times impact. Likelihood is 1 for a known exploited
    /// vulnerability (CISA KEV), else its EPSS score (0 when unscored); impact is the CVSS
    /// base score over 10, or the severity's band middle when there is no score.
    pub fn risk(&self) -> f64 {
        let likelihood = if self.detail.known_exploited.is_some() {
            1.0
        } else {
            self.detail.epss.map_or(0.0, |e| e.score)
        };
        let impact = match self.cvss_score() {
            Some(s) if s > 0.0 => s / 10.0,
            _ => match self.severity {
                Severity::Critical => 0.95,
                Severity::High => 0.8,
                Severity::Medium => 0.55,
                Severity::Low => 0.2,
                Severity::Unknown => 0.5,
            },
        };
        (likelihood * impact * 1000.0).round() / 10.0
    }
}

/// Reorders findings for `--sort-by`: stable, so equal keys keep Trivy's order.
pub fn sort_by(f: &mut [Finding], by: SortBy) {
    let key = |x: &Finding| match by {
        SortBy::Severity => 0.0,
        SortBy::Epss => x.detail.epss.map_or(-1.0, |e| e.score),
        SortBy::Risk => x.risk(),
    };
    if by != SortBy::Severity {
        f.sort_by(|a, b| key(b).total_cmp(&key(a)));
    }
}

#[cfg(test)]
mod tests;
