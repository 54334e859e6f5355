//! Report writers over one [`Report`] value: a table for people, Trivy-compatible JSON
//! (SchemaVersion 2) for the tools that already read Trivy's output, SARIF for code scanning,
//! SBOMs (CycloneDX, SPDX, GitHub dependency snapshots) and user templates.

use serde::Serialize;
use tollgate_analyze::{InstalledPackage, OsInfo};
use tollgate_match::Finding;

pub mod cosign;
pub mod cyclonedx;
pub mod github;
pub mod json;
pub mod misconfig;
pub mod remediation;
pub mod sarif;
pub mod sbom;
pub mod sbom_read;
pub mod spdx;
pub mod table;
pub mod template;

/// Everything a report shows about one scan.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// What was scanned, as the user named it.
    pub artifact_name: String,
    /// `container_image` or `filesystem`.
    pub artifact_type: String,
    /// RFC 3339 time of the scan.
    pub created_at: String,
    /// Image metadata.
    pub metadata: Metadata,
    /// One entry per target (the OS packages for now).
    pub results: Vec<TargetResult>,
    /// Files with exposed secrets, written after the package targets (Trivy's order).
    pub secrets: Vec<SecretResult>,
    /// RFC 3339 time the scan finished (before the report was written).
    pub finished_at: String,
    /// When the advisory DB was built (RFC 3339), which identifies it.
    pub db_built_at: String,
    /// Misconfiguration results, one per checked file.
    pub misconfigs: Vec<tollgate_config::FileResult>,
}

/// A file with exposed secrets (Trivy's `Class: "secret"` result).
#[derive(Debug, Clone, Default)]
pub struct SecretResult {
    /// The file path (absolute in images, relative in fs scans), or the image config.
    pub target: String,
    /// The layer the file came from (empty for fs scans and the image config).
    pub layer: LayerMeta,
    /// The history command that made that layer, when the config says.
    pub created_by: String,
    /// What the rules found.
    pub findings: Vec<tollgate_secret::Finding>,
}

impl SecretResult {
    /// Counts per severity: UNKNOWN, LOW, MEDIUM, HIGH, CRITICAL.
    pub fn severity_counts(&self) -> [usize; 5] {
        let mut c = [0; 5];
        for f in &self.findings {
            let i = ["UNKNOWN", "LOW", "MEDIUM", "HIGH", "CRITICAL"]
                .iter()
                .position(|s| *s == f.severity)
                .unwrap_or(0);
            c[i] += 1;
        }
        c
    }
}

/// Image metadata (Trivy's `Metadata`).
#[derive(Debug, Clone, Default)]
pub struct Metadata {
    /// Detected OS.
    pub os: Option<OsInfo>,
    /// Whether the OS release is past its end of life.
    pub eosl: bool,
    /// Config digest.
    pub image_id: String,
    /// Layer diff-ids, bottom first.
    pub diff_ids: Vec<String>,
    /// Tags.
    pub repo_tags: Vec<String>,
    /// Digests.
    pub repo_digests: Vec<String>,
    /// Raw image config.
    pub image_config: serde_json::Value,
    /// Layers with sizes.
    pub layers: Vec<LayerMeta>,
}

/// Trivy's `Metadata` of an image: ids, tags, config and layers, each layer with the
/// uncompressed size the walk measured (`layer_sizes`, 0 where it failed: then the stored size).
pub fn image_metadata(img: &tollgate_image::Image, layer_sizes: &[u64]) -> Metadata {
    Metadata {
        os: None,
        eosl: false,
        image_id: img.id.clone(),
        diff_ids: img
            .layers
            .iter()
            .map(|l| l.diff_id.clone())
            .filter(|d| !d.is_empty())
            .collect(),
        repo_tags: img.repo_tags.clone(),
        repo_digests: img.repo_digests.clone(),
        image_config: img.config.clone(),
        layers: img
            .layers
            .iter()
            .filter(|l| !l.diff_id.is_empty())
            .zip(layer_sizes.iter().chain(std::iter::repeat(&0)))
            .map(|(l, size)| LayerMeta {
                size: if *size > 0 { *size } else { l.size },
                digest: l.digest.clone(),
                diff_id: l.diff_id.clone(),
            })
            .collect(),
    }
}

/// One layer in the metadata.
#[derive(Debug, Clone, Default, Serialize)]
pub struct LayerMeta {
    /// Stored size in bytes.
    #[serde(rename = "Size", skip_serializing_if = "is_zero")]
    pub size: u64,
    /// Blob digest.
    #[serde(rename = "Digest", skip_serializing_if = "String::is_empty")]
    pub digest: String,
    /// Uncompressed digest.
    #[serde(rename = "DiffID", skip_serializing_if = "String::is_empty")]
    pub diff_id: String,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// One target (`alpine.tar (alpine 3.10.9)`) and what was found in it.
#[derive(Debug, Clone, Default)]
pub struct TargetResult {
    /// Target name.
    pub target: String,
    /// `os-pkgs` or `lang-pkgs`.
    pub class: String,
    /// OS family or language type.
    pub kind: String,
    /// All packages, included when the user asks (`--list-all-pkgs`).
    pub packages: Option<Vec<InstalledPackage>>,
    /// Findings after policy.
    pub findings: Vec<Finding>,
    /// Distro name for PURLs (`3.10.9` for Alpine, `debian-12.5` for Debian).
    pub purl_distro: String,
}

impl TargetResult {
    /// Counts per severity: UNKNOWN, LOW, MEDIUM, HIGH, CRITICAL.
    pub fn severity_counts(&self) -> [usize; 5] {
        let mut c = [0; 5];
        for f in &self.findings {
            c[f.severity.as_number() as usize] += 1;
        }
        c
    }
}

/// Package URL of a language package (`pkg:pypi/django@3.2.1`, `pkg:maven/org.a/b@1.0`).
pub fn lang_purl(kind: &str, p: &tollgate_analyze::Package) -> Option<String> {
    let ns = tollgate_match::lang_namespace(kind)?;
    let u = lang_purl_base(ns, p);
    // A package without a version (a Go main module built as `(devel)`) has no `@`.
    Some(if p.version.is_empty() {
        u
    } else {
        format!("{u}@{}", pct(&p.version))
    })
}

fn lang_purl_base(ns: &str, p: &tollgate_analyze::Package) -> String {
    match ns {
        "pip" => format!(
            "pkg:pypi/{}",
            pct(&p.name.to_ascii_lowercase().replace('_', "-"))
        ),
        "npm" => match p.name.strip_prefix('@').and_then(|n| n.split_once('/')) {
            Some((scope, name)) => format!("pkg:npm/%40{}/{}", pct(scope), pct(name)),
            None => format!("pkg:npm/{}", pct(&p.name)),
        },
        "go" => {
            let (path, name) = p.name.rsplit_once('/').unwrap_or(("", p.name.as_str()));
            let path: Vec<String> = path.split('/').filter(|s| !s.is_empty()).map(pct).collect();
            if path.is_empty() {
                format!("pkg:golang/{}", pct(name))
            } else {
                format!("pkg:golang/{}/{}", path.join("/"), pct(name))
            }
        }
        "cargo" => format!("pkg:cargo/{}", pct(&p.name)),
        "maven" => match p.name.split_once(':') {
            Some((g, a)) => format!("pkg:maven/{}/{}", pct(g), pct(a)),
            None => format!("pkg:maven/{}", pct(&p.name)),
        },
        "rubygems" => format!("pkg:gem/{}", pct(&p.name)),
        "packagist" => match p.name.split_once('/') {
            Some((v, n)) => format!("pkg:composer/{}/{}", pct(v), pct(n)),
            None => format!("pkg:composer/{}", pct(&p.name)),
        },
        "nuget" => format!("pkg:nuget/{}", pct(&p.name)),
        other => format!("pkg:{other}/{}", pct(&p.name)),
    }
}

/// Package URL of an OS package (`pkg:apk/alpine/musl@1.1.22-r3?arch=x86_64&distro=3.10.9`).
pub fn purl(family: &str, distro: &str, p: &tollgate_analyze::Package) -> String {
    if let Some(u) = lang_purl(family, p) {
        return u;
    }
    let (ty, ns) = match family {
        "alpine" => ("apk", "alpine"),
        "wolfi" => ("apk", "wolfi"),
        "chainguard" => ("apk", "chainguard"),
        "debian" => ("deb", "debian"),
        "ubuntu" => ("deb", "ubuntu"),
        "redhat" => ("rpm", "redhat"),
        "centos" => ("rpm", "centos"),
        "rocky" => ("rpm", "rocky"),
        "alma" => ("rpm", "alma"),
        "fedora" => ("rpm", "fedora"),
        "amazon" => ("rpm", "amazon"),
        "oracle" => ("rpm", "oracle"),
        "opensuse.leap" | "opensuse.tumbleweed" => ("rpm", "opensuse"),
        "suse linux enterprise server" => ("rpm", "suse"),
        "cbl-mariner" | "azurelinux" => ("rpm", "microsoft"),
        "photon" => ("rpm", "photon"),
        other => ("generic", other),
    };
    // Qualifiers in key order, as the PURL spec and Trivy write them.
    let mut q = Vec::new();
    if !p.arch.is_empty() {
        q.push(format!("arch={}", pct(&p.arch)));
    }
    if !distro.is_empty() {
        q.push(format!("distro={}", pct(distro)));
    }
    if p.epoch != 0 {
        q.push(format!("epoch={}", p.epoch));
    }
    let ver = tollgate_analyze::format_version(0, &p.version, &p.release);
    let mut s = format!("pkg:{ty}/{ns}/{}@{}", pct(&p.name), pct(&ver));
    if !q.is_empty() {
        s.push('?');
        s.push_str(&q.join("&"));
    }
    s
}

fn pct(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            o.push(b as char);
        } else if b == b'+' {
            o.push_str("%2B");
        } else {
            o.push_str(&format!("%{b:02X}"));
        }
    }
    o
}

/// Stable short id of a package in a report (Trivy's `Identifier.UID`; our own hash).
pub fn uid(p: &tollgate_analyze::Package, file_path: &str, diff_id: &str) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for part in [
        p.name.as_str(),
        &p.full_version(),
        &p.arch,
        file_path,
        diff_id,
    ] {
        h.update(part.as_bytes());
        h.update([0]);
    }
    hex::encode(&h.finalize()[..8])
}

/// A UUID-shaped name derived from `parts`, so the same scan input gives the same references
/// (version 5 layout; the hash is SHA-256, not SHA-1).
pub fn uuid(parts: &[&str]) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for part in parts {
        h.update(part.as_bytes());
        h.update([0]);
    }
    let mut b: [u8; 16] = h.finalize()[..16].try_into().expect("16 of 32 bytes");
    b[6] = (b[6] & 0x0f) | 0x50;
    b[8] = (b[8] & 0x3f) | 0x80;
    let x = hex::encode(b);
    format!(
        "{}-{}-{}-{}-{}",
        &x[..8],
        &x[8..12],
        &x[12..16],
        &x[16..20],
        &x[20..]
    )
}

/// SPDX license ids (license list 3.28.0, with exceptions), one a line: the `enum` of
/// CycloneDX's `spdx.schema.json` (CycloneDX/specification `b29bae66`, Apache-2.0).
const SPDX_LICENSE_IDS: &str = include_str!("spdx-license-ids.txt");

/// The SPDX id a license string names, in its canonical case (`mit` -> `MIT`), if it is one.
pub fn spdx_license_id(s: &str) -> Option<&'static str> {
    let s = s.trim();
    SPDX_LICENSE_IDS
        .lines()
        .find(|id| id.eq_ignore_ascii_case(s))
}

/// The URL a person should open first for a vulnerability.
pub fn primary_url(id: &str, references: &[String]) -> String {
    if id.starts_with("CVE-") {
        format!("https://nvd.nist.gov/vuln/detail/{id}")
    } else if id.starts_with("GHSA-") {
        format!("https://github.com/advisories/{id}")
    } else if id.starts_with("DSA-") || id.starts_with("DLA-") {
        let base: String = id.split('-').take(2).collect::<Vec<_>>().join("-");
        format!("https://security-tracker.debian.org/tracker/{base}")
    } else {
        references.first().cloned().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tollgate_analyze::Package;

    fn pkg(name: &str, version: &str) -> Package {
        Package {
            name: name.into(),
            version: version.into(),
            ..Default::default()
        }
    }

    #[test]
    fn license_ids() {
        assert_eq!(spdx_license_id("mit"), Some("MIT"));
        assert_eq!(spdx_license_id(" GPL-2.0-only "), Some("GPL-2.0-only"));
        assert_eq!(spdx_license_id("GPL2"), None);
        assert_eq!(spdx_license_id("MIT AND BSD-3-Clause"), None);
    }

    #[test]
    fn purls() {
        assert_eq!(
            lang_purl("gobinary", &pkg("example.com/tollgate/goapp", "")).unwrap(),
            "pkg:golang/example.com/tollgate/goapp"
        );
        assert_eq!(
            lang_purl("gobinary", &pkg("golang.org/x/net", "v0.1.0")).unwrap(),
            "pkg:golang/golang.org/x/net@v0.1.0"
        );
        assert_eq!(
            lang_purl("python-pkg", &pkg("Jinja2", "2.10")).unwrap(),
            "pkg:pypi/jinja2@2.10"
        );
        assert_eq!(
            lang_purl("npm", &pkg("@babel/core", "7.0.0")).unwrap(),
            "pkg:npm/%40babel/core@7.0.0"
        );
        assert_eq!(
            lang_purl("jar", &pkg("org.apache.logging.log4j:log4j-core", "2.19.0")).unwrap(),
            "pkg:maven/org.apache.logging.log4j/log4j-core@2.19.0"
        );
        let mut deb = pkg("libssl3", "3.0.11");
        deb.release = "1~deb12u2".into();
        deb.arch = "amd64".into();
        assert_eq!(
            purl("debian", "debian-12.5", &deb),
            "pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12.5"
        );
        deb.epoch = 1;
        assert_eq!(
            purl("debian", "debian-12.5", &deb),
            "pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12.5&epoch=1"
        );
    }
}
