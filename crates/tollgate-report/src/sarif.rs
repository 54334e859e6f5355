//! SARIF 2.1.0 as Trivy writes it, the shape GitHub code scanning accepts: one rule per
//! vulnerability id, one result per (vulnerability, package) with the target as its location.

use std::collections::BTreeMap;
use std::io::Write;

use serde_json::{json, Value};
use tollgate_db::Severity;
use tollgate_match::Finding;

use crate::{primary_url, Report, TargetResult};

const SCHEMA: &str =
    "https://raw.githubusercontent.com/oasis-tcs/sarif-spec/main/sarif-2.1/schema/sarif-schema-2.1.0.json";

/// SARIF level of a severity, as Trivy maps it.
fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Unknown => "note",
    }
}

/// `security-severity`: the CVSS v3 score of the severity's own source, else a score that
/// falls in the severity's band (GitHub ranks alerts by this number).
pub(crate) fn security_severity(f: &Finding) -> String {
    if let Some(s) = f
        .detail
        .cvss
        .get(&f.severity_source)
        .and_then(|c| c.v3_score.or(c.v40_score))
    {
        return format!("{s:.1}");
    }
    match f.severity {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "2.0",
        Severity::Unknown => "0.0",
    }
    .to_string()
}

/// The artifact a result points at: the package's own file for language packages, else the
/// target without its ` (alpine 3.7.3)` suffix.
fn location_uri(r: &TargetResult, f: &Finding) -> String {
    let path = if !f.package.file_path.is_empty() {
        f.package.file_path.as_str()
    } else if r.class == "os-pkgs" {
        match r.target.rfind(" (") {
            Some(i) if r.target.ends_with(')') => &r.target[..i],
            _ => r.target.as_str(),
        }
    } else {
        r.target.as_str()
    };
    path.replace('\\', "/")
}

fn rule_name(class: &str) -> &'static str {
    match class {
        "os-pkgs" => "OsPackageVulnerability",
        "lang-pkgs" => "LanguageSpecificPackageVulnerability",
        _ => "OtherVulnerability",
    }
}

fn rule(r: &TargetResult, f: &Finding) -> Value {
    let url = primary_url(&f.vuln_id, &f.detail.references);
    let desc = f.detail.description.as_deref().unwrap_or_default();
    let title = f.detail.title.as_deref().unwrap_or(&f.vuln_id);
    let sev = f.severity.as_str();
    let name = &f.package.name;
    let fixed = &f.fixed_version;
    let id = &f.vuln_id;
    let mut rule = json!({
        "id": id,
        "name": rule_name(&r.class),
        "shortDescription": {"text": title},
        "fullDescription": {"text": if desc.is_empty() { title } else { desc }},
        "defaultConfiguration": {"level": level(f.severity)},
        "help": {
            "text": format!("Vulnerability {id}\nSeverity: {sev}\nPackage: {name}\nFixed Version: {fixed}\nLink: [{id}]({url})\n{desc}"),
            "markdown": format!("**Vulnerability {id}**\n| Severity | Package | Fixed Version | Link |\n| --- | --- | --- | --- |\n|{sev}|{name}|{fixed}|[{id}]({url})|\n\n{desc}"),
        },
        "properties": {
            "precision": "very-high",
            "security-severity": security_severity(f),
            "tags": ["vulnerability", "security", sev],
        },
    });
    if !url.is_empty() {
        rule["helpUri"] = Value::String(url);
    }
    // NVD's scores and vectors, as Trivy adds them for tools that rank by them.
    if let Some(c) = f.detail.cvss.get("nvd") {
        let props = &mut rule["properties"];
        for (k, v) in [
            ("cvssv2_score", c.v2_score.map(Value::from)),
            ("cvssv2_vector", c.v2_vector.clone().map(Value::from)),
            ("cvssv3_baseScore", c.v3_score.map(Value::from)),
            ("cvssv3_vector", c.v3_vector.clone().map(Value::from)),
        ] {
            if let Some(v) = v {
                props[k] = v;
            }
        }
    }
    rule
}

/// A fingerprint that stays the same for the same package and vulnerability across runs, so
/// code scanning keeps one alert for it.
fn fingerprint(uri: &str, f: &Finding) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for part in [uri, &f.vuln_id, &f.package.name, &f.installed_version] {
        h.update(part.as_bytes());
        h.update([0]);
    }
    hex::encode(&h.finalize()[..16])
}

/// Writes the report as SARIF 2.1.0.
pub fn write(report: &Report, w: &mut dyn Write) -> std::io::Result<()> {
    let mut rules = Vec::new();
    let mut rule_index: BTreeMap<String, usize> = BTreeMap::new();
    let mut results = Vec::new();
    for r in &report.results {
        for f in &r.findings {
            let idx = *rule_index.entry(f.vuln_id.clone()).or_insert_with(|| {
                rules.push(rule(r, f));
                rules.len() - 1
            });
            let uri = location_uri(r, f);
            let url = primary_url(&f.vuln_id, &f.detail.references);
            results.push(json!({
                "ruleId": f.vuln_id,
                "ruleIndex": idx,
                "level": level(f.severity),
                "message": {"text": format!(
                    "Package: {}\nInstalled Version: {}\nVulnerability {}\nSeverity: {}\nFixed Version: {}\nLink: [{}]({})",
                    f.package.name, f.installed_version, f.vuln_id, f.severity.as_str(),
                    f.fixed_version, f.vuln_id, url
                )},
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": {"uri": uri, "uriBaseId": "ROOTPATH"},
                        "region": {"startLine": 1, "startColumn": 1, "endLine": 1, "endColumn": 1},
                    },
                    "message": {"text": format!("{uri}: {}@{}", f.package.name, f.installed_version)},
                }],
                "partialFingerprints": {"primaryLocationLineHash": fingerprint(&uri, f)},
            }));
        }
    }
    let m = &report.metadata;
    let mut run = json!({
        "tool": {"driver": {
            "fullName": "Tollgate Vulnerability Scanner",
            "name": "Tollgate",
            "rules": rules,
            "version": env!("CARGO_PKG_VERSION"),
        }},
        "results": results,
        "columnKind": "utf16CodeUnits",
        "originalUriBaseIds": {"ROOTPATH": {"uri": "file:///"}},
    });
    if report.artifact_type == "container_image" {
        run["properties"] = json!({
            "imageID": m.image_id,
            "imageName": report.artifact_name,
            "repoDigests": m.repo_digests,
            "repoTags": m.repo_tags,
        });
    }
    let doc = json!({"version": "2.1.0", "$schema": SCHEMA, "runs": [run]});
    serde_json::to_writer_pretty(&mut *w, &doc)?;
    w.write_all(b"\n")
}
