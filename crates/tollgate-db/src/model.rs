//! Plain data types of the advisory DB.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Severity on Trivy's scale.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
pub enum Severity {
    /// Not rated.
    #[default]
    #[serde(rename = "UNKNOWN")]
    Unknown,
    /// Low.
    #[serde(rename = "LOW")]
    Low,
    /// Medium.
    #[serde(rename = "MEDIUM")]
    Medium,
    /// High.
    #[serde(rename = "HIGH")]
    High,
    /// Critical.
    #[serde(rename = "CRITICAL")]
    Critical,
}

impl Severity {
    /// Trivy's upper-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Unknown => "UNKNOWN",
            Severity::Low => "LOW",
            Severity::Medium => "MEDIUM",
            Severity::High => "HIGH",
            Severity::Critical => "CRITICAL",
        }
    }
    /// Parses a name case-insensitively (`low`, `MODERATE` -> Medium, `important` -> High).
    pub fn parse(s: &str) -> Option<Severity> {
        Some(match s.trim().to_ascii_uppercase().as_str() {
            "UNKNOWN" | "NONE" | "UNIMPORTANT" | "NEGLIGIBLE" => Severity::Unknown,
            "LOW" => Severity::Low,
            "MEDIUM" | "MODERATE" => Severity::Medium,
            "HIGH" | "IMPORTANT" => Severity::High,
            "CRITICAL" => Severity::Critical,
            _ => return None,
        })
    }
    /// Trivy's numeric form used in `VendorSeverity` (0 unknown .. 4 critical).
    pub fn as_number(self) -> u8 {
        self as u8
    }
    /// Severity from a CVSS v3 base score (NVD bands).
    pub fn from_cvss3(score: f64) -> Severity {
        if score >= 9.0 {
            Severity::Critical
        } else if score >= 7.0 {
            Severity::High
        } else if score >= 4.0 {
            Severity::Medium
        } else if score > 0.0 {
            Severity::Low
        } else {
            Severity::Unknown
        }
    }
}

/// Status of a package with respect to one advisory (Trivy's `Status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// A fixed version exists.
    #[default]
    Fixed,
    /// Affected, no fix yet.
    Affected,
    /// The vendor will not fix it.
    WillNotFix,
    /// The fix is postponed.
    FixDeferred,
    /// The release is end of life for this package.
    EndOfLife,
    /// Under investigation.
    UnderInvestigation,
    /// Not affected (used by VEX-like feeds; never matched).
    NotAffected,
}

impl Status {
    /// Trivy's JSON spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Fixed => "fixed",
            Status::Affected => "affected",
            Status::WillNotFix => "will_not_fix",
            Status::FixDeferred => "fix_deferred",
            Status::EndOfLife => "end_of_life",
            Status::UnderInvestigation => "under_investigation",
            Status::NotAffected => "not_affected",
        }
    }
}

/// One affected version range; bounds are in the ecosystem's version order.
/// `introduced` absent means "from the beginning"; `fixed` and `last_affected` absent means "no fix".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Range {
    /// First affected version (inclusive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub introduced: Option<String>,
    /// First fixed version (exclusive upper bound).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixed: Option<String>,
    /// Last affected version (inclusive upper bound).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_affected: Option<String>,
}

/// One (vulnerability, package, release) fact from one feed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Advisory {
    /// Vulnerability id reported to users: the CVE when known, else the feed's id.
    pub vuln_id: String,
    /// Other ids for the same vulnerability (GHSA, OSV id, ...).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// Vendor advisory ids (DSA-1234-1, DLA-..., ALSA-...).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub vendor_ids: Vec<String>,
    /// Data source id (`alpine`, `debian`, `osv`, `ubuntu`, `nvd`, ...): keys [`DataSource`].
    pub source: String,
    /// Namespace the advisory applies to, Trivy-bucket style: `alpine 3.10`, `debian 12`,
    /// `ubuntu 20.04`, `rocky 8`, or a language ecosystem (`pip`, `go`, `cargo`, `npm`, ...).
    pub namespace: String,
    /// Package name as the namespace keys it (Debian: source package; Alpine: origin).
    pub package: String,
    /// Affected ranges. Empty with `status == Fixed` and `fixed_version` set means `< fixed_version`;
    /// empty with another status means every version is affected.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ranges: Vec<Range>,
    /// Explicitly listed affected versions (OSV `versions`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub versions: Vec<String>,
    /// Fixed version(s) as shown to users (`1.2-r1`, or `1.2.3, 2.0.1` for several branches).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixed_version: Option<String>,
    /// Status of the affected package in this release.
    pub status: Status,
    /// The feed's own severity for this package/release, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<Severity>,
}

/// CVSS scores of one source.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Cvss {
    /// CVSS v2 vector.
    #[serde(rename = "V2Vector", default, skip_serializing_if = "Option::is_none")]
    pub v2_vector: Option<String>,
    /// CVSS v3.x vector.
    #[serde(rename = "V3Vector", default, skip_serializing_if = "Option::is_none")]
    pub v3_vector: Option<String>,
    /// CVSS v2 base score.
    #[serde(rename = "V2Score", default, skip_serializing_if = "Option::is_none")]
    pub v2_score: Option<f64>,
    /// CVSS v3.x base score.
    #[serde(rename = "V3Score", default, skip_serializing_if = "Option::is_none")]
    pub v3_score: Option<f64>,
    /// CVSS v4 vector.
    #[serde(rename = "V40Vector", default, skip_serializing_if = "Option::is_none")]
    pub v40_vector: Option<String>,
    /// CVSS v4 score.
    #[serde(rename = "V40Score", default, skip_serializing_if = "Option::is_none")]
    pub v40_score: Option<f64>,
}

/// Details of one vulnerability id, merged over sources.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct VulnDetail {
    /// The id (`CVE-2021-3711`).
    pub id: String,
    /// Short title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Longer description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Severity per source id (`nvd`, `debian`, `osv`, ...).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub vendor_severity: BTreeMap<String, Severity>,
    /// CVSS per source id.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub cvss: BTreeMap<String, Cvss>,
    /// CWE ids.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cwe_ids: Vec<String>,
    /// Reference URLs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<String>,
    /// RFC 3339 publication date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<String>,
    /// RFC 3339 last-modified date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_modified: Option<String>,
    /// The CISA KEV entry, when the vulnerability is known to be exploited in the wild.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub known_exploited: Option<KnownExploited>,
    /// The EPSS probability of exploitation in the next 30 days.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub epss: Option<Epss>,
    /// Source ids that contributed, in precedence order (`nvd`, `debian`, `osv`, ...).
    /// An importer sets exactly one: the source the record came from; the DB build merges them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<String>,
}

/// One entry of CISA's Known Exploited Vulnerabilities catalog.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KnownExploited {
    /// Date CISA added it (`2021-12-10`).
    #[serde(rename = "DateAdded")]
    pub date_added: String,
    /// Date by which US federal agencies must remediate it.
    #[serde(rename = "DueDate", default, skip_serializing_if = "String::is_empty")]
    pub due_date: String,
    /// Vendor or project (`Apache`).
    #[serde(
        rename = "VendorProject",
        default,
        skip_serializing_if = "String::is_empty"
    )]
    pub vendor_project: String,
    /// Product (`Log4j2`).
    #[serde(rename = "Product", default, skip_serializing_if = "String::is_empty")]
    pub product: String,
    /// CISA's name for it.
    #[serde(rename = "Name", default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// What CISA asks to be done.
    #[serde(
        rename = "RequiredAction",
        default,
        skip_serializing_if = "String::is_empty"
    )]
    pub required_action: String,
    /// Whether it is known to be used in ransomware campaigns.
    #[serde(rename = "KnownRansomwareCampaignUse", default)]
    pub ransomware: bool,
}

/// An EPSS score (FIRST's Exploit Prediction Scoring System).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Epss {
    /// Probability of exploitation activity in the next 30 days, 0 to 1.
    #[serde(rename = "Score")]
    pub score: f64,
    /// Rank among all scored CVEs, 0 to 1.
    #[serde(rename = "Percentile")]
    pub percentile: f64,
}

/// Source ids in the order their title, description and severity win when several sources
/// describe one vulnerability (trivy-db's `AllSourceIDs`).
pub const SOURCE_PRECEDENCE: &[&str] = &[
    "nvd",
    "redhat",
    "redhat-oval",
    "debian",
    "ubuntu",
    "alpine",
    "amazon",
    "oracle-oval",
    "suse-cvrf",
    "photon",
    "arch-linux",
    "alma",
    "rocky",
    "cbl-mariner",
    "azure",
    "ruby-advisory-db",
    "php-security-advisories",
    "nodejs-security-wg",
    "ghsa",
    "glad",
    "aqua",
    "osv",
    "k8s",
    "wolfi",
    "chainguard",
    "bitnami",
    "govulndb",
    "julia",
];

/// Rank of a source id in [`SOURCE_PRECEDENCE`]; unknown ids rank last.
pub fn source_rank(source: &str) -> usize {
    SOURCE_PRECEDENCE
        .iter()
        .position(|s| *s == source)
        .unwrap_or(SOURCE_PRECEDENCE.len())
}

impl VulnDetail {
    /// Overall severity as Trivy computes it: the first source in [`SOURCE_PRECEDENCE`] order
    /// with a known severity, falling back to its CVSS scores (v4, v3, then v2 bands).
    pub fn severity(&self) -> Severity {
        let mut srcs: Vec<&String> = self
            .vendor_severity
            .keys()
            .chain(self.cvss.keys())
            .collect();
        srcs.sort_by_key(|s| (source_rank(s), s.as_str()));
        srcs.dedup();
        for s in srcs {
            if let Some(sev) = self
                .vendor_severity
                .get(s)
                .filter(|v| **v != Severity::Unknown)
            {
                return *sev;
            }
            if let Some(c) = self.cvss.get(s) {
                let score = c.v40_score.or(c.v3_score).or(c.v2_score).unwrap_or(0.0);
                if score > 0.0 {
                    return Severity::from_cvss3(score);
                }
            }
        }
        Severity::Unknown
    }
}

/// A feed, as shown in reports (`DataSource`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataSource {
    /// Id (`alpine`, `debian`, `osv`).
    #[serde(rename = "ID")]
    pub id: String,
    /// Name (`Alpine Secdb`).
    #[serde(rename = "Name")]
    pub name: String,
    /// Home URL.
    #[serde(rename = "URL")]
    pub url: String,
}

/// What one importer produced from one source path.
#[derive(Debug, Clone, Default)]
pub struct ImportBatch {
    /// Package-level facts.
    pub advisories: Vec<Advisory>,
    /// Vulnerability details.
    pub details: Vec<VulnDetail>,
    /// Data sources referenced by `advisories[].source`.
    pub sources: Vec<DataSource>,
    /// Files skipped with the reason (a warning is printed; the build goes on).
    pub warnings: Vec<String>,
    /// Ids a source marks as rejected (NVD `** REJECT **`): the DB build drops every advisory
    /// and detail of them, as trivy-db does.
    pub rejected: Vec<String>,
}
