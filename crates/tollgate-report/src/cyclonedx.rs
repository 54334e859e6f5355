//! CycloneDX 1.6 JSON as Trivy writes it: the image as `metadata.component`, one component
//! per package with its PURL as `bom-ref`, the OS and each application as components of their
//! own, a dependency graph, and the vulnerabilities found with what they affect.

use std::collections::BTreeMap;
use std::io::Write;

use serde_json::{json, Map, Value};
use tollgate_analyze::Package;
use tollgate_db::Severity;

use crate::sbom::{Bom, Node, NodeKind};
use crate::{primary_url, Report};

/// Property name prefix (Trivy uses `aquasecurity:trivy:`).
pub const PROP_PREFIX: &str = "tollgate:";

fn props(list: &[(&str, String)]) -> Value {
    Value::Array(
        list.iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| json!({"name": format!("{PROP_PREFIX}{k}"), "value": v}))
            .collect(),
    )
}

fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "critical",
        Severity::High => "high",
        Severity::Medium => "medium",
        Severity::Low => "low",
        Severity::Unknown => "unknown",
    }
}

/// Severity band of a CVSS score (CVSS v3 qualitative ratings).
fn severity_of_score(s: f64) -> &'static str {
    match s {
        s if s >= 9.0 => "critical",
        s if s >= 7.0 => "high",
        s if s >= 4.0 => "medium",
        s if s > 0.0 => "low",
        _ => "none",
    }
}

/// Maven `group:artifact` and npm `@scope/name` carry a CycloneDX group.
fn group_and_name<'a>(kind: &str, p: &'a Package) -> (Option<&'a str>, &'a str) {
    match tollgate_match::lang_namespace(kind) {
        Some("maven") => match p.name.split_once(':') {
            Some((g, a)) => (Some(g), a),
            None => (None, &p.name),
        },
        Some("npm") if p.name.starts_with('@') => match p.name.split_once('/') {
            Some((g, a)) => (Some(g), a),
            None => (None, &p.name),
        },
        _ => (None, &p.name),
    }
}

fn component(bom: &Bom, n: &Node) -> Value {
    let mut c = Map::new();
    c.insert("bom-ref".into(), json!(n.bom_ref));
    match &n.kind {
        NodeKind::Root => return root_component(bom),
        NodeKind::Os { family, name } => {
            c.insert("type".into(), json!("operating-system"));
            c.insert("name".into(), json!(family));
            c.insert("version".into(), json!(name));
            c.insert(
                "properties".into(),
                props(&[("Class", "os-pkgs".into()), ("Type", family.clone())]),
            );
        }
        NodeKind::App { kind, target } => {
            c.insert("type".into(), json!("application"));
            c.insert("name".into(), json!(target));
            c.insert(
                "properties".into(),
                props(&[("Class", "lang-pkgs".into()), ("Type", kind.clone())]),
            );
        }
        NodeKind::Package {
            target: t,
            package: ip,
            purl,
        } => {
            let r = &bom.report.results[*t];
            let p = &ip.package;
            let (group, name) = group_and_name(&r.kind, p);
            c.insert("type".into(), json!("library"));
            if !p.maintainer.is_empty() {
                c.insert("supplier".into(), json!({"name": p.maintainer}));
            }
            if let Some(g) = group {
                c.insert("group".into(), json!(g));
            }
            c.insert("name".into(), json!(name));
            if !p.version.is_empty() {
                c.insert("version".into(), json!(p.full_version()));
            }
            let lic: Vec<Value> = p
                .licenses
                .iter()
                .filter(|l| !l.trim().is_empty())
                .map(|l| match crate::spdx_license_id(l) {
                    Some(id) => json!({"license": {"id": id}}),
                    None => json!({"license": {"name": l.trim()}}),
                })
                .collect();
            if !lic.is_empty() {
                c.insert("licenses".into(), Value::Array(lic));
            }
            c.insert("purl".into(), json!(purl));
            let src = if p.src_name.is_empty() {
                String::new()
            } else {
                p.full_src_version()
            };
            c.insert(
                "properties".into(),
                props(&[
                    ("FilePath", p.file_path.clone()),
                    ("LayerDiffID", ip.layer.diff_id.clone()),
                    ("LayerDigest", ip.layer.digest.clone()),
                    ("PkgID", format!("{}@{}", p.name, p.full_version())),
                    ("PkgType", r.kind.clone()),
                    ("SrcName", p.src_name.clone()),
                    ("SrcVersion", src),
                ]),
            );
        }
    }
    Value::Object(c)
}

fn root_component(bom: &Bom) -> Value {
    let report = bom.report;
    let m = &report.metadata;
    let root = &bom.nodes[0];
    let mut c = Map::new();
    c.insert("bom-ref".into(), json!(root.bom_ref));
    let image = report.artifact_type == "container_image";
    c.insert(
        "type".into(),
        json!(if image { "container" } else { "application" }),
    );
    c.insert("name".into(), json!(report.artifact_name));
    if let Some(p) = &bom.root_purl {
        c.insert("purl".into(), json!(p));
    }
    let mut list: Vec<(&str, String)> = Vec::new();
    for d in &m.diff_ids {
        list.push(("DiffID", d.clone()));
    }
    list.push(("ImageID", m.image_id.clone()));
    for d in &m.repo_digests {
        list.push(("RepoDigest", d.clone()));
    }
    for t in &m.repo_tags {
        list.push(("RepoTag", t.clone()));
    }
    list.push(("SchemaVersion", "2".into()));
    c.insert("properties".into(), props(&list));
    Value::Object(c)
}

fn ratings(f: &tollgate_match::Finding) -> Vec<Value> {
    let d = &f.detail;
    let mut out = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for (src, c) in &d.cvss {
        let sev = d.vendor_severity.get(src).map(|s| severity(*s));
        let mut add = |score: Option<f64>, vector: &Option<String>, method: &str| {
            if score.is_none() && vector.is_none() {
                return;
            }
            let mut r = json!({"source": {"name": src}, "method": method});
            if let Some(s) = score {
                r["score"] = json!(s);
            }
            r["severity"] =
                json!(sev.unwrap_or_else(|| score.map(severity_of_score).unwrap_or("unknown")));
            if let Some(v) = vector {
                r["vector"] = json!(v);
            }
            out.push(r);
            seen.insert(src.clone());
        };
        add(c.v2_score, &c.v2_vector, "CVSSv2");
        let v3 = if c
            .v3_vector
            .as_deref()
            .is_some_and(|v| v.starts_with("CVSS:3.1/"))
        {
            "CVSSv31"
        } else {
            "CVSSv3"
        };
        add(c.v3_score, &c.v3_vector, v3);
        add(c.v40_score, &c.v40_vector, "CVSSv4");
    }
    for (src, s) in &d.vendor_severity {
        if !seen.contains(src) {
            out.push(json!({"source": {"name": src}, "severity": severity(*s)}));
        }
    }
    out
}

/// RFC 3339 date-times only: CycloneDX validates the format and feeds differ in precision.
fn date_time(s: Option<&str>) -> Option<String> {
    let s = s?;
    let (date, rest) = s.split_once('T')?;
    if date.len() != 10 || rest.is_empty() {
        return None;
    }
    let has_zone = rest.ends_with('Z') || rest.get(1..).is_some_and(|r| r.contains(['+', '-']));
    let time_part = rest.trim_end_matches('Z');
    let hms = time_part.split(['+', '-']).next().unwrap_or("");
    let fixed = if hms.len() == 5 {
        // NVD 1.1 feeds write `2017-08-21T18:29Z`, without seconds.
        s.replacen(hms, &format!("{hms}:00"), 1)
    } else {
        s.to_string()
    };
    Some(if has_zone { fixed } else { format!("{fixed}Z") })
}

fn vulnerabilities(bom: &Bom) -> Vec<Value> {
    // One entry per vulnerability id, affecting every package it was found in.
    let mut by_id: BTreeMap<&str, Value> = BTreeMap::new();
    let mut order = Vec::new();
    for (t, r) in bom.report.results.iter().enumerate() {
        for f in &r.findings {
            let Some(bref) = bom.finding_ref(t, f) else {
                continue;
            };
            let affect = json!({"ref": bref, "versions": [{"version": f.installed_version, "status": "affected"}]});
            let rec = (!f.fixed_version.is_empty())
                .then(|| format!("Upgrade {} to version {}", f.package.name, f.fixed_version));
            if let Some(v) = by_id.get_mut(f.vuln_id.as_str()) {
                let affects = v["affects"].as_array_mut().expect("built as an array");
                if !affects.iter().any(|a| a["ref"] == bref) {
                    affects.push(affect);
                }
                if let Some(rec) = rec {
                    let old = v["recommendation"].as_str().unwrap_or("");
                    if !old.split("; ").any(|o| o == rec) {
                        v["recommendation"] = json!(if old.is_empty() {
                            rec
                        } else {
                            format!("{old}; {rec}")
                        });
                    }
                }
                continue;
            }
            let d = &f.detail;
            let mut v = Map::new();
            v.insert("id".into(), json!(f.vuln_id));
            if let Some(ds) = &f.data_source {
                v.insert("source".into(), json!({"name": ds.id, "url": ds.url}));
            }
            let rt = ratings(f);
            if !rt.is_empty() {
                v.insert("ratings".into(), Value::Array(rt));
            }
            let cwes: Vec<u64> = d
                .cwe_ids
                .iter()
                .filter_map(|c| c.strip_prefix("CWE-")?.parse().ok())
                .collect();
            if !cwes.is_empty() {
                v.insert("cwes".into(), json!(cwes));
            }
            if let Some(desc) = &d.description {
                v.insert("description".into(), json!(desc));
            }
            if let Some(rec) = rec {
                v.insert("recommendation".into(), json!(rec));
            }
            let mut adv: Vec<Value> = Vec::new();
            let primary = primary_url(&f.vuln_id, &d.references);
            for u in std::iter::once(&primary).chain(&d.references) {
                if !u.is_empty() && !adv.iter().any(|a| a["url"] == *u) {
                    adv.push(json!({"url": u}));
                }
            }
            if !adv.is_empty() {
                v.insert("advisories".into(), Value::Array(adv));
            }
            if let Some(p) = date_time(d.published.as_deref()) {
                v.insert("published".into(), json!(p));
            }
            if let Some(p) = date_time(d.last_modified.as_deref()) {
                v.insert("updated".into(), json!(p));
            }
            v.insert("affects".into(), json!([affect]));
            order.push(f.vuln_id.as_str());
            by_id.insert(&f.vuln_id, Value::Object(v));
        }
    }
    order
        .into_iter()
        .filter_map(|id| by_id.remove(id))
        .collect()
}

/// Writes the report as a CycloneDX 1.6 JSON BOM.
pub fn write(report: &Report, w: &mut dyn Write) -> std::io::Result<()> {
    let bom = Bom::new(report);
    // The root is metadata.component, not one of the components.
    let components: Vec<Value> = bom.nodes[1..].iter().map(|n| component(&bom, n)).collect();
    let dependencies: Vec<Value> = bom
        .nodes
        .iter()
        .map(|n| {
            let deps: Vec<&str> = n
                .depends_on
                .iter()
                .map(|&i| bom.nodes[i].bom_ref.as_str())
                .collect();
            json!({"ref": n.bom_ref, "dependsOn": deps})
        })
        .collect();
    let mut doc = json!({
        "$schema": "http://cyclonedx.org/schema/bom-1.6.schema.json",
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "serialNumber": format!("urn:uuid:{}", crate::uuid(&[&report.artifact_name, &report.created_at, "cyclonedx"])),
        "version": 1,
        "metadata": {
            "tools": {"components": [{
                "type": "application",
                "name": "tollgate",
                "version": env!("CARGO_PKG_VERSION"),
            }]},
            "component": root_component(&bom),
        },
        "components": components,
        "dependencies": dependencies,
    });
    if let Some(ts) = date_time(Some(&report.created_at)) {
        doc["metadata"]["timestamp"] = json!(ts);
    }
    let vulns = vulnerabilities(&bom);
    if !vulns.is_empty() {
        doc["vulnerabilities"] = Value::Array(vulns);
    }
    serde_json::to_writer_pretty(&mut *w, &doc)?;
    w.write_all(b"\n")
}
