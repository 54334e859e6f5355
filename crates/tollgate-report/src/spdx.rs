//! SPDX 2.3 as Trivy writes it, in JSON (`spdx-json`) and tag-value (`spdx`): one package per
//! component with its PURL as a PACKAGE-MANAGER external reference, the document DESCRIBES
//! the artifact, which CONTAINS its OS and applications, which CONTAIN their packages.

use std::collections::BTreeMap;
use std::io::Write;

use serde_json::{json, Map, Value};

use crate::sbom::{Bom, NodeKind};
use crate::Report;

fn spdx_id(prefix: &str, bom_ref: &str) -> String {
    format!(
        "SPDXRef-{prefix}-{}",
        &crate::uuid(&[bom_ref]).replace('-', "")[..16]
    )
}

/// Characters a document name may keep in the namespace URI.
fn uri_safe(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-".contains(c) {
                c
            } else {
                '-'
            }
        })
        .collect()
}

/// SPDX wants `YYYY-MM-DDThh:mm:ssZ`.
fn spdx_time(rfc3339: &str) -> String {
    match rfc3339.get(..19) {
        Some(s) if s.as_bytes().get(10) == Some(&b'T') => format!("{s}Z"),
        _ => "1970-01-01T00:00:00Z".to_string(),
    }
}

/// SPDX license ids as they are; anything else (`GPL2`, a free-text license) becomes a
/// `LicenseRef-` with its text kept in `hasExtractedLicensingInfos`.
struct Licenses {
    extracted: BTreeMap<String, String>,
}

/// A license expression made of SPDX ids (`MIT OR Apache-2.0`), with the ids in canonical case.
fn expression(l: &str) -> Option<String> {
    let spaced = l.replace('(', " ( ").replace(')', " ) ");
    let mut out = Vec::new();
    let mut ids = 0;
    for t in spaced.split_whitespace() {
        match t {
            "AND" | "OR" | "WITH" | "(" | ")" => out.push(t.to_string()),
            _ => {
                out.push(crate::spdx_license_id(t)?.to_string());
                ids += 1;
            }
        }
    }
    (ids > 1).then(|| out.join(" ").replace("( ", "(").replace(" )", ")"))
}

impl Licenses {
    fn expr(&mut self, list: &[String]) -> Option<String> {
        let parts: Vec<String> = list
            .iter()
            .map(|l| l.trim())
            .filter(|l| !l.is_empty())
            .map(|l| {
                if let Some(id) = crate::spdx_license_id(l) {
                    id.to_string()
                } else if let Some(e) = expression(l) {
                    e
                } else {
                    let id = format!("LicenseRef-{}", &crate::uuid(&[l]).replace('-', "")[..12]);
                    self.extracted.insert(id.clone(), l.to_string());
                    id
                }
            })
            .collect();
        match parts.len() {
            0 => None,
            1 => parts.into_iter().next(),
            _ => Some(parts.join(" AND ")),
        }
    }
}

/// Builds the SPDX 2.3 document as JSON.
fn document(report: &Report) -> Value {
    let bom = Bom::new(report);
    let created = spdx_time(&report.created_at);
    let tool = format!("Tool: tollgate-{}", env!("CARGO_PKG_VERSION"));
    let annotate = |items: &[(&str, String)]| -> Value {
        Value::Array(
            items
                .iter()
                .filter(|(_, v)| !v.is_empty())
                .map(|(k, v)| {
                    json!({"annotator": tool, "annotationDate": created, "annotationType": "OTHER", "comment": format!("{k}: {v}")})
                })
                .collect(),
        )
    };
    let mut lic = Licenses {
        extracted: BTreeMap::new(),
    };
    let mut ids = Vec::with_capacity(bom.nodes.len());
    let mut packages = Vec::with_capacity(bom.nodes.len());
    for n in &bom.nodes {
        let mut p = Map::new();
        let id;
        match &n.kind {
            NodeKind::Root => {
                let image = report.artifact_type == "container_image";
                id = spdx_id(
                    if image {
                        "ContainerImage"
                    } else {
                        "Filesystem"
                    },
                    &n.bom_ref,
                );
                p.insert("name".into(), json!(report.artifact_name));
                p.insert("SPDXID".into(), json!(id));
                if let Some(purl) = &bom.root_purl {
                    p.insert("externalRefs".into(), json!([{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl", "referenceLocator": purl}]));
                }
                p.insert(
                    "primaryPackagePurpose".into(),
                    json!(if image { "CONTAINER" } else { "SOURCE" }),
                );
                let m = &report.metadata;
                let mut a: Vec<(&str, String)> = Vec::new();
                for d in &m.diff_ids {
                    a.push(("DiffID", d.clone()));
                }
                a.push(("ImageID", m.image_id.clone()));
                for d in &m.repo_digests {
                    a.push(("RepoDigest", d.clone()));
                }
                for t in &m.repo_tags {
                    a.push(("RepoTag", t.clone()));
                }
                a.push(("SchemaVersion", "2".into()));
                p.insert("annotations".into(), annotate(&a));
            }
            NodeKind::Os { family, name } => {
                id = spdx_id("OperatingSystem", &n.bom_ref);
                p.insert("name".into(), json!(family));
                p.insert("SPDXID".into(), json!(id));
                p.insert("versionInfo".into(), json!(name));
                p.insert("primaryPackagePurpose".into(), json!("OPERATING_SYSTEM"));
                p.insert(
                    "annotations".into(),
                    annotate(&[("Class", "os-pkgs".into()), ("Type", family.clone())]),
                );
            }
            NodeKind::App { kind, target } => {
                id = spdx_id("Application", &n.bom_ref);
                p.insert("name".into(), json!(target));
                p.insert("SPDXID".into(), json!(id));
                p.insert("primaryPackagePurpose".into(), json!("APPLICATION"));
                p.insert(
                    "annotations".into(),
                    annotate(&[("Class", "lang-pkgs".into()), ("Type", kind.clone())]),
                );
            }
            NodeKind::Package {
                target,
                package: ip,
                purl,
            } => {
                let r = &report.results[*target];
                let pk = &ip.package;
                id = spdx_id("Package", &n.bom_ref);
                p.insert("name".into(), json!(pk.name));
                p.insert("SPDXID".into(), json!(id));
                if !pk.version.is_empty() {
                    p.insert("versionInfo".into(), json!(pk.full_version()));
                }
                p.insert(
                    "supplier".into(),
                    json!(if pk.maintainer.is_empty() {
                        "NOASSERTION".to_string()
                    } else {
                        format!("Organization: {}", pk.maintainer)
                    }),
                );
                if !pk.src_name.is_empty() {
                    p.insert(
                        "sourceInfo".into(),
                        json!(format!(
                            "built package from: {} {}",
                            pk.src_name,
                            pk.full_src_version()
                        )),
                    );
                }
                let src_version = if pk.src_name.is_empty() {
                    String::new()
                } else {
                    pk.full_src_version()
                };
                let l = lic
                    .expr(&pk.licenses)
                    .unwrap_or_else(|| "NOASSERTION".into());
                p.insert("licenseConcluded".into(), json!(l));
                p.insert("licenseDeclared".into(), json!(l));
                p.insert("externalRefs".into(), json!([{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl", "referenceLocator": purl}]));
                p.insert("primaryPackagePurpose".into(), json!("LIBRARY"));
                p.insert(
                    "annotations".into(),
                    annotate(&[
                        ("FilePath", pk.file_path.clone()),
                        ("LayerDiffID", ip.layer.diff_id.clone()),
                        ("PkgID", format!("{}@{}", pk.name, pk.full_version())),
                        ("PkgType", r.kind.clone()),
                        ("SrcName", pk.src_name.clone()),
                        ("SrcVersion", src_version),
                    ]),
                );
            }
        }
        p.insert("downloadLocation".into(), json!("NONE"));
        p.insert("filesAnalyzed".into(), json!(false));
        if p.get("annotations")
            .is_some_and(|a| a.as_array().is_some_and(|a| a.is_empty()))
        {
            p.remove("annotations");
        }
        ids.push(id);
        packages.push(Value::Object(p));
    }
    let mut rels = vec![
        json!({"spdxElementId": "SPDXRef-DOCUMENT", "relatedSpdxElement": ids[0], "relationshipType": "DESCRIBES"}),
    ];
    for (i, n) in bom.nodes.iter().enumerate() {
        let kind = if matches!(n.kind, NodeKind::Package { .. }) {
            "DEPENDS_ON"
        } else {
            "CONTAINS"
        };
        for &j in &n.depends_on {
            rels.push(json!({"spdxElementId": ids[i], "relatedSpdxElement": ids[j], "relationshipType": kind}));
        }
    }
    let mut doc = json!({
        "spdxVersion": "SPDX-2.3",
        "dataLicense": "CC0-1.0",
        "SPDXID": "SPDXRef-DOCUMENT",
        "name": report.artifact_name,
        "documentNamespace": format!(
            "http://spdx.org/spdxdocs/tollgate/{}/{}-{}",
            report.artifact_type,
            uri_safe(&report.artifact_name),
            crate::uuid(&[&report.artifact_name, &report.created_at, "spdx"])
        ),
        "creationInfo": {"creators": ["Organization: Tollgate", tool], "created": created},
        "packages": packages,
        "relationships": rels,
    });
    if !lic.extracted.is_empty() {
        doc["hasExtractedLicensingInfos"] = Value::Array(
            lic.extracted
                .iter()
                .map(|(id, text)| json!({"licenseId": id, "name": text, "extractedText": text}))
                .collect(),
        );
    }
    doc
}

/// Writes the report as an SPDX 2.3 JSON document.
pub fn write_json(report: &Report, w: &mut dyn Write) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *w, &document(report))?;
    w.write_all(b"\n")
}

/// A tag-value value: one line, or `<text>` for several.
fn tv(v: &str) -> String {
    if v.contains('\n') {
        format!("<text>{v}</text>")
    } else {
        v.to_string()
    }
}

/// Writes the report as an SPDX 2.3 tag-value document.
pub fn write_tag_value(report: &Report, w: &mut dyn Write) -> std::io::Result<()> {
    let d = document(report);
    let s = |v: &Value| v.as_str().map(tv).unwrap_or_default();
    writeln!(w, "SPDXVersion: {}", s(&d["spdxVersion"]))?;
    writeln!(w, "DataLicense: {}", s(&d["dataLicense"]))?;
    writeln!(w, "SPDXID: {}", s(&d["SPDXID"]))?;
    writeln!(w, "DocumentName: {}", s(&d["name"]))?;
    writeln!(w, "DocumentNamespace: {}", s(&d["documentNamespace"]))?;
    for c in d["creationInfo"]["creators"]
        .as_array()
        .into_iter()
        .flatten()
    {
        writeln!(w, "Creator: {}", s(c))?;
    }
    writeln!(w, "Created: {}", s(&d["creationInfo"]["created"]))?;
    for p in d["packages"].as_array().into_iter().flatten() {
        writeln!(w, "\n##### Package: {}\n", s(&p["name"]))?;
        for (tag, key) in [
            ("PackageName", "name"),
            ("SPDXID", "SPDXID"),
            ("PackageVersion", "versionInfo"),
            ("PackageSupplier", "supplier"),
            ("PackageDownloadLocation", "downloadLocation"),
        ] {
            if p.get(key).is_some() {
                writeln!(w, "{tag}: {}", s(&p[key]))?;
            }
        }
        writeln!(w, "FilesAnalyzed: false")?;
        for (tag, key) in [
            ("PackageSourceInfo", "sourceInfo"),
            ("PackageLicenseConcluded", "licenseConcluded"),
            ("PackageLicenseDeclared", "licenseDeclared"),
        ] {
            if p.get(key).is_some() {
                writeln!(w, "{tag}: {}", s(&p[key]))?;
            }
        }
        for r in p["externalRefs"].as_array().into_iter().flatten() {
            writeln!(
                w,
                "ExternalRef: {} {} {}",
                s(&r["referenceCategory"]),
                s(&r["referenceType"]),
                s(&r["referenceLocator"])
            )?;
        }
        if p.get("primaryPackagePurpose").is_some() {
            // Tag-value spells the purpose with a dash where JSON has an underscore.
            writeln!(
                w,
                "PrimaryPackagePurpose: {}",
                s(&p["primaryPackagePurpose"]).replace('_', "-")
            )?;
        }
        for a in p["annotations"].as_array().into_iter().flatten() {
            writeln!(w, "Annotator: {}", s(&a["annotator"]))?;
            writeln!(w, "AnnotationDate: {}", s(&a["annotationDate"]))?;
            writeln!(w, "AnnotationType: {}", s(&a["annotationType"]))?;
            writeln!(w, "SPDXREF: {}", s(&p["SPDXID"]))?;
            writeln!(
                w,
                "AnnotationComment: <text>{}</text>",
                a["comment"].as_str().unwrap_or("")
            )?;
        }
    }
    if let Some(ex) = d["hasExtractedLicensingInfos"].as_array() {
        writeln!(w, "\n##### Other Licenses\n")?;
        for e in ex {
            writeln!(w, "LicenseID: {}", s(&e["licenseId"]))?;
            writeln!(
                w,
                "ExtractedText: <text>{}</text>",
                e["extractedText"].as_str().unwrap_or("")
            )?;
            writeln!(w, "LicenseName: {}", s(&e["name"]))?;
        }
    }
    writeln!(w, "\n##### Relationships\n")?;
    for r in d["relationships"].as_array().into_iter().flatten() {
        writeln!(
            w,
            "Relationship: {} {} {}",
            s(&r["spdxElementId"]),
            s(&r["relationshipType"]),
            s(&r["relatedSpdxElement"])
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn licenses_become_spdx_expressions_or_license_refs() {
        let mut l = Licenses {
            extracted: BTreeMap::new(),
        };
        let v = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(l.expr(&v(&["mit"])).as_deref(), Some("MIT"));
        assert_eq!(
            l.expr(&v(&["(MIT OR apache-2.0)", "BSD-3-Clause"]))
                .as_deref(),
            Some("(MIT OR Apache-2.0) AND BSD-3-Clause")
        );
        let r = l.expr(&v(&["GPL2"])).unwrap();
        assert!(r.starts_with("LicenseRef-"));
        assert_eq!(l.extracted[&r], "GPL2");
        assert_eq!(l.expr(&v(&[" "])), None);
    }
}
