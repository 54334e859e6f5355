//! OSV records (JSON or YAML, loose or in a `.zip`), every ecosystem.

use super::{has_ext, read_file, rfc3339, Ctx};
use crate::cvss::{cvss2_score, cvss3_score};
use crate::model::{Advisory, Cvss, Range, Severity, Status, VulnDetail};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

#[derive(Deserialize, Default)]
#[serde(default)]
struct Record {
    id: String,
    modified: Option<String>,
    published: Option<String>,
    withdrawn: Option<String>,
    aliases: Vec<String>,
    upstream: Vec<String>,
    summary: Option<String>,
    details: Option<String>,
    severity: Vec<SeverityEntry>,
    affected: Vec<Affected>,
    references: Vec<Reference>,
    database_specific: Option<serde_json::Value>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct SeverityEntry {
    #[serde(rename = "type")]
    kind: String,
    score: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Affected {
    package: Option<Package>,
    severity: Vec<SeverityEntry>,
    ranges: Vec<OsvRange>,
    versions: Vec<String>,
    database_specific: Option<serde_json::Value>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Package {
    ecosystem: String,
    name: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct OsvRange {
    #[serde(rename = "type")]
    kind: String,
    events: Vec<Event>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Event {
    introduced: Option<String>,
    fixed: Option<String>,
    last_affected: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Reference {
    url: String,
}

/// Namespace of an OSV ecosystem string: `Debian:12` -> `debian 12`, `PyPI` -> `pip`, ...
/// `None` for ecosystems without a version where one is needed, or unknown ones.
pub fn osv_namespace(ecosystem: &str) -> Option<String> {
    let eco = ecosystem.trim();
    let (base, rest) = eco.split_once(':').unwrap_or((eco, ""));
    let lang = match base {
        "PyPI" => Some("pip"),
        "Go" => Some("go"),
        "crates.io" => Some("cargo"),
        "npm" => Some("npm"),
        "Maven" => Some("maven"),
        "RubyGems" => Some("rubygems"),
        "NuGet" => Some("nuget"),
        "Packagist" => Some("packagist"),
        "Pub" => Some("pub"),
        "Hex" => Some("hex"),
        "SwiftURL" => Some("swift"),
        "ConanCenter" => Some("conan"),
        "CRAN" => Some("cran"),
        "Bioconductor" => Some("bioconductor"),
        "Hackage" => Some("hackage"),
        "GHC" => Some("ghc"),
        "Julia" => Some("julia"),
        "opam" => Some("opam"),
        "GitHub Actions" => Some("github-actions"),
        "VSCode" => Some("vscode"),
        "Kubernetes" => Some("k8s"),
        "Bitnami" => Some("bitnami"),
        "Wolfi" => Some("wolfi"),
        "Chainguard" => Some("chainguard"),
        "Linux" => Some("linux"),
        "Android" => Some("android"),
        _ => None,
    };
    if let Some(l) = lang {
        return Some(l.to_string());
    }
    let parts: Vec<&str> = rest
        .split(':')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    let distro = |name: &str, ver: Option<&str>| -> Option<String> {
        let v = ver?.trim();
        (!v.is_empty()).then(|| format!("{name} {v}"))
    };
    match base {
        "Debian" => distro("debian", parts.first().copied()),
        "Alpine" => distro("alpine", parts.first().map(|v| v.trim_start_matches('v'))),
        // "Ubuntu:22.04:LTS", "Ubuntu:Pro:18.04:LTS", "Ubuntu:Pro:FIPS-updates:20.04:LTS"
        "Ubuntu" => distro(
            "ubuntu",
            parts
                .iter()
                .copied()
                .find(|p| p.starts_with(|c: char| c.is_ascii_digit())),
        ),
        "Rocky Linux" => distro(
            "rocky",
            parts.first().map(|v| v.split('.').next().unwrap_or(v)),
        ),
        "AlmaLinux" => distro(
            "alma",
            parts.first().map(|v| v.split('.').next().unwrap_or(v)),
        ),
        // "Red Hat:enterprise_linux:8::appstream", "Red Hat:rhel_eus:8.6::baseos"
        "Red Hat" => {
            let v = parts.iter().find_map(|p| {
                p.split('.')
                    .next()
                    .filter(|m| !m.is_empty() && m.chars().all(|c| c.is_ascii_digit()))
            });
            distro("redhat", v)
        }
        "openSUSE" => distro(
            "opensuse",
            parts.first().map(|v| {
                v.trim_start_matches("Leap ")
                    .trim_start_matches("Leap Micro ")
            }),
        ),
        "SUSE" => distro("suse", parts.first().copied()),
        "Photon OS" => distro("photon", parts.first().copied()),
        "Mageia" => distro("mageia", parts.first().copied()),
        "openEuler" => distro("openeuler", parts.first().copied()),
        "Azure Linux" => distro("azure", parts.first().copied()),
        "MinimOS" => Some("minimos".into()),
        "Echo" => Some("echo".into()),
        "Alpaquita" => distro("alpaquita", parts.first().copied()),
        "FreeBSD" => Some("freebsd".into()),
        _ => None,
    }
}

use crate::normalise_package as normalise_name;

/// Data-source key of a record, from its id prefix (PYSEC-, RUSTSEC-, GO-, GHSA-, DEBIAN-, ...).
fn source_key(id: &str, namespace: &str) -> &'static str {
    let prefix = id.split('-').next().unwrap_or("");
    match prefix {
        "PYSEC" => "pypa",
        "RUSTSEC" => "rustsec",
        "GO" => "govulndb",
        "GHSA" => "ghsa",
        "DEBIAN" | "DSA" | "DLA" | "DTSA" => "debian",
        "UBUNTU" | "USN" => "ubuntu",
        "ALPINE" => "alpine",
        "ALSA" | "ALBA" | "ALEA" => "alma",
        "RLSA" | "RXSA" => "rocky",
        "RHSA" | "RHBA" | "RHEA" => "redhat",
        _ if namespace.starts_with("debian ") => "debian",
        _ => "osv",
    }
}

/// The source id details and severities are keyed by (Trivy's: `osv` for PyPA and RustSec).
fn detail_source(key: &str) -> String {
    super::data_source(key)
        .map(|d| d.id)
        .unwrap_or_else(|| key.to_string())
}

#[derive(Default)]
struct Sev {
    cvss: Cvss,
    severity: Option<Severity>,
}

fn parse_severity(entries: &[SeverityEntry]) -> Sev {
    let mut out = Sev::default();
    for e in entries {
        let score = e.score.trim().trim_end_matches('/');
        if score.is_empty() {
            continue;
        }
        match e.kind.as_str() {
            "CVSS_V3" => {
                if let Some(s) = cvss3_score(score) {
                    out.cvss.v3_vector = Some(score.to_string());
                    out.cvss.v3_score = Some(s);
                }
            }
            "CVSS_V2" => {
                if let Some(s) = cvss2_score(score) {
                    out.cvss.v2_vector = Some(score.to_string());
                    out.cvss.v2_score = Some(s);
                }
            }
            // v4 scoring is a lookup table over macro vectors; the vector is kept, no score.
            "CVSS_V4" => out.cvss.v40_vector = Some(score.to_string()),
            // "Ubuntu" and other qualitative types carry a severity word.
            _ => {
                if out.severity.is_none() {
                    out.severity = Severity::parse(score);
                }
            }
        }
    }
    if let Some(s) = out.cvss.v3_score {
        out.severity = Some(Severity::from_cvss3(s));
    } else if out.severity.is_none() {
        if let Some(s) = out.cvss.v2_score {
            out.severity = Some(if s >= 7.0 {
                Severity::High
            } else if s >= 4.0 {
                Severity::Medium
            } else if s > 0.0 {
                Severity::Low
            } else {
                Severity::Unknown
            });
        }
    }
    out
}

fn db_specific_severity(v: Option<&serde_json::Value>) -> Option<Severity> {
    v?.get("severity")?.as_str().and_then(Severity::parse)
}

/// The record's vulnerability ids: every CVE alias (or upstream) gets its own advisory;
/// `DEBIAN-CVE-X` is `CVE-X`; without a CVE the record's own id.
fn vuln_ids(rec: &Record) -> (Vec<String>, Vec<String>) {
    let mut all: Vec<String> = Vec::new();
    for a in rec
        .aliases
        .iter()
        .chain(rec.upstream.iter())
        .chain(std::iter::once(&rec.id))
    {
        let a = a.trim();
        if !a.is_empty() && !all.iter().any(|x| x == a) {
            all.push(a.to_string());
        }
    }
    let mut cves: Vec<String> = all
        .iter()
        .filter(|a| a.starts_with("CVE-"))
        .cloned()
        .collect();
    if let Some(i) = rec.id.find("-CVE-") {
        let c = rec.id[i + 1..].to_string();
        if !cves.contains(&c) {
            cves.insert(0, c);
        }
    }
    let others: Vec<String> = all.into_iter().filter(|a| !a.starts_with("CVE-")).collect();
    if cves.is_empty() {
        let others = others.into_iter().filter(|a| *a != rec.id).collect();
        (vec![rec.id.clone()], others)
    } else {
        (cves, others)
    }
}

fn convert(rec: Record, ctx: &mut Ctx, now: &str) {
    if let Some(w) = rec.withdrawn.as_deref() {
        // A withdrawal in the future is not one yet (trivy-db keeps those records).
        match rfc3339(w) {
            Some(t) if t.as_str() > now => {}
            _ => return,
        }
    }
    let (vids, others) = vuln_ids(&rec);
    let top = parse_severity(&rec.severity);
    let top_db_sev = db_specific_severity(rec.database_specific.as_ref());
    // (namespace, package, vuln id) -> advisory; several `affected` entries of one package merge.
    let mut advs: BTreeMap<(String, String, String), Advisory> = BTreeMap::new();
    let mut order: Vec<(String, String, String)> = Vec::new();
    let mut keys_used: Vec<&'static str> = Vec::new();
    for aff in &rec.affected {
        let Some(pkg) = &aff.package else { continue };
        let Some(ns) = osv_namespace(&pkg.ecosystem) else {
            continue;
        };
        let name = normalise_name(&ns, &pkg.name);
        if name.is_empty() {
            continue;
        }
        let key = source_key(&rec.id, &ns);
        if !keys_used.contains(&key) {
            keys_used.push(key);
        }
        let mut ranges = Vec::new();
        let mut fixed = Vec::new();
        for r in &aff.ranges {
            if r.kind == "GIT" {
                continue;
            }
            let mut cur: Option<Range> = None;
            for ev in &r.events {
                if let Some(i) = ev.introduced.as_deref().filter(|s| !s.is_empty()) {
                    if let Some(c) = cur.take() {
                        ranges.push(c);
                    }
                    cur = Some(Range {
                        introduced: (i != "0").then(|| i.to_string()),
                        ..Default::default()
                    });
                } else if let Some(f) = ev.fixed.as_deref().filter(|s| !s.is_empty()) {
                    fixed.push(f.to_string());
                    let mut c = cur.take().unwrap_or_default();
                    c.fixed = Some(f.to_string());
                    ranges.push(c);
                } else if let Some(l) = ev.last_affected.as_deref().filter(|s| !s.is_empty()) {
                    let mut c = cur.take().unwrap_or_default();
                    c.last_affected = Some(l.to_string());
                    ranges.push(c);
                }
            }
            if let Some(c) = cur {
                ranges.push(c);
            }
        }
        let asev = parse_severity(&aff.severity);
        let severity = asev
            .severity
            .or(db_specific_severity(aff.database_specific.as_ref()))
            .or(top.severity)
            .or(top_db_sev)
            .filter(|s| *s != Severity::Unknown);
        for vid in &vids {
            let k = (ns.clone(), name.clone(), vid.clone());
            let adv = advs.entry(k.clone()).or_insert_with(|| {
                order.push(k.clone());
                Advisory {
                    vuln_id: vid.clone(),
                    aliases: others.clone(),
                    source: key.to_string(),
                    namespace: ns.clone(),
                    package: name.clone(),
                    status: Status::Affected,
                    severity,
                    ..Default::default()
                }
            });
            adv.ranges.extend(ranges.iter().cloned());
            adv.versions.extend(aff.versions.iter().cloned());
            let mut fv: Vec<String> = adv
                .fixed_version
                .as_deref()
                .map(|s| s.split(", ").map(str::to_string).collect())
                .unwrap_or_default();
            for f in &fixed {
                if !fv.contains(f) {
                    fv.push(f.clone());
                }
            }
            if !fv.is_empty() {
                adv.fixed_version = Some(fv.join(", "));
                adv.status = Status::Fixed;
            }
        }
    }
    if order.is_empty() {
        return;
    }
    for k in order {
        if let Some(a) = advs.remove(&k) {
            ctx.batch.advisories.push(a);
        }
    }
    let mut refs: Vec<String> = rec
        .references
        .iter()
        .map(|r| r.url.trim().to_string())
        .filter(|u| !u.is_empty())
        .collect();
    if let Some(u) = rec
        .database_specific
        .as_ref()
        .and_then(|d| d.get("url"))
        .and_then(|u| u.as_str())
    {
        refs.push(u.to_string());
    }
    let cwes: Vec<String> = rec
        .database_specific
        .as_ref()
        .and_then(|d| d.get("cwe_ids"))
        .and_then(|c| c.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|c| c.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    let severity = top
        .severity
        .or(top_db_sev)
        .filter(|s| *s != Severity::Unknown);
    for key in keys_used {
        let src = detail_source(key);
        for vid in &vids {
            let mut d = VulnDetail {
                id: vid.clone(),
                title: rec.summary.clone().filter(|s| !s.trim().is_empty()),
                description: rec.details.clone().filter(|s| !s.trim().is_empty()),
                cwe_ids: cwes.clone(),
                references: refs.clone(),
                published: rec.published.as_deref().and_then(rfc3339),
                last_modified: rec.modified.as_deref().and_then(rfc3339),
                sources: vec![src.clone()],
                ..Default::default()
            };
            if let Some(s) = severity {
                d.vendor_severity.insert(src.clone(), s);
            }
            if top.cvss != Cvss::default() {
                d.cvss.insert(src.clone(), top.cvss.clone());
            }
            ctx.batch.details.push(d);
        }
    }
}

fn parse_record(bytes: &[u8], yaml: bool) -> Result<Record, String> {
    let rec: Record = if yaml {
        serde_norway::from_slice(bytes).map_err(|e| e.to_string())?
    } else {
        serde_json::from_slice(bytes).map_err(|e| e.to_string())?
    };
    if rec.id.trim().is_empty() {
        return Err("not an OSV record: no `id`".into());
    }
    Ok(rec)
}

fn now_rfc3339() -> String {
    let now = time::OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    now.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// Largest zip member read (records are a few KB; this bounds a hostile archive).
const MAX_MEMBER: u64 = 64 << 20;

fn import_zip(path: &Path, ctx: &mut Ctx, now: &str) {
    let f = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) => return ctx.warn(path, e),
    };
    let mut zip = match zip::ZipArchive::new(std::io::BufReader::new(f)) {
        Ok(z) => z,
        Err(e) => return ctx.warn(path, format!("not a zip archive: {e}")),
    };
    let mut any = false;
    for i in 0..zip.len() {
        let mut m = match zip.by_index(i) {
            Ok(m) => m,
            Err(e) => {
                ctx.warn(path, format!("member {i}: {e}"));
                continue;
            }
        };
        let name = m.name().to_string();
        let lower = name.to_ascii_lowercase();
        let yaml = lower.ends_with(".yaml") || lower.ends_with(".yml");
        if !m.is_file() || !(yaml || lower.ends_with(".json")) {
            continue;
        }
        let mut buf = Vec::new();
        if let Err(e) = (&mut m).take(MAX_MEMBER + 1).read_to_end(&mut buf) {
            ctx.warn(path, format!("{name}: {e}"));
            continue;
        }
        if buf.len() as u64 > MAX_MEMBER {
            ctx.warn(
                path,
                format!("{name}: larger than {MAX_MEMBER} bytes, skipped"),
            );
            continue;
        }
        match parse_record(&buf, yaml) {
            Ok(rec) => {
                any = true;
                ctx.recognised += 1;
                convert(rec, ctx, now);
            }
            Err(e) => ctx.warn(path, format!("{name}: {e}")),
        }
    }
    if !any {
        ctx.warn(path, "no OSV records in the archive");
    }
}

pub(crate) fn import(files: &[PathBuf], ctx: &mut Ctx) {
    let now = now_rfc3339();
    for path in files {
        if has_ext(path, "zip") {
            import_zip(path, ctx, &now);
            continue;
        }
        let yaml = has_ext(path, "yaml") || has_ext(path, "yml");
        if !yaml && !has_ext(path, "json") {
            continue;
        }
        match read_file(path).and_then(|b| parse_record(&b, yaml)) {
            Ok(rec) => {
                ctx.recognised += 1;
                convert(rec, ctx, &now);
            }
            Err(e) => ctx.warn(path, e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ecosystems_map_to_namespaces() {
        let cases = [
            ("Debian:12", Some("debian 12")),
            ("Alpine:v3.18", Some("alpine 3.18")),
            ("Ubuntu:22.04:LTS", Some("ubuntu 22.04")),
            ("Ubuntu:Pro:18.04:LTS", Some("ubuntu 18.04")),
            ("Rocky Linux:8", Some("rocky 8")),
            ("AlmaLinux:9", Some("alma 9")),
            ("Red Hat:enterprise_linux:8::appstream", Some("redhat 8")),
            ("PyPI", Some("pip")),
            ("Go", Some("go")),
            ("crates.io", Some("cargo")),
            ("Maven", Some("maven")),
            ("Packagist", Some("packagist")),
            ("SwiftURL", Some("swift")),
            ("Debian", None),
            ("Nonsense", None),
        ];
        for (eco, want) in cases {
            assert_eq!(osv_namespace(eco).as_deref(), want, "{eco}");
        }
    }

    #[test]
    fn names_normalise() {
        assert_eq!(
            normalise_name("pip", "Zope_Interface.x"),
            "zope-interface-x"
        );
        assert_eq!(normalise_name("pip", "a__b"), "a-b");
        assert_eq!(normalise_name("cargo", "Tokio"), "tokio");
        assert_eq!(
            normalise_name("go", "github.com/Foo/Bar"),
            "github.com/Foo/Bar"
        );
    }
}
