//! GitHub dependency snapshot JSON (the dependency submission API), as Trivy writes it: one
//! manifest per target with every package resolved to its PURL and its dependencies.

use std::collections::BTreeMap;
use std::io::Write;

use serde_json::{json, Map, Value};

use crate::sbom::{Bom, NodeKind};
use crate::Report;

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_default()
}

/// Writes the report as a GitHub dependency snapshot; the job, sha and ref come from the
/// `GITHUB_*` variables of the Actions run, as in Trivy.
pub fn write(report: &Report, w: &mut dyn Write) -> std::io::Result<()> {
    let bom = Bom::new(report);
    let mut manifests: BTreeMap<usize, Map<String, Value>> = BTreeMap::new();
    for n in &bom.nodes {
        let NodeKind::Package {
            target,
            package,
            purl,
        } = &n.kind
        else {
            continue;
        };
        let p = &package.package;
        let deps: Vec<&str> = n
            .depends_on
            .iter()
            .filter_map(|&j| match &bom.nodes[j].kind {
                NodeKind::Package { purl, .. } => Some(purl.as_str()),
                _ => None,
            })
            .collect();
        let resolved = manifests.entry(*target).or_default();
        let key = if resolved.contains_key(&p.name) {
            format!("{}@{}", p.name, p.full_version())
        } else {
            p.name.clone()
        };
        resolved.insert(
            key,
            json!({
                "package_url": purl,
                "relationship": if p.relationship == "indirect" { "indirect" } else { "direct" },
                "dependencies": deps,
                "scope": if p.dev { "development" } else { "runtime" },
            }),
        );
    }
    let mut out = Map::new();
    for (i, r) in report.results.iter().enumerate() {
        let resolved = manifests.remove(&i).unwrap_or_default();
        out.insert(
            r.target.clone(),
            json!({"name": r.kind, "file": {"source_location": r.target}, "resolved": resolved}),
        );
    }
    let m = &report.metadata;
    let mut meta = Map::new();
    if let Some(d) = m.repo_digests.first() {
        meta.insert("tollgate:RepoDigest".into(), json!(d));
    }
    if let Some(t) = m.repo_tags.first() {
        meta.insert("tollgate:RepoTag".into(), json!(t));
    }
    let doc = json!({
        "version": 0,
        "detector": {
            "name": "tollgate",
            "version": env!("CARGO_PKG_VERSION"),
            "url": option_env!("CARGO_PKG_REPOSITORY").unwrap_or_default(),
        },
        "metadata": meta,
        "ref": env("GITHUB_REF"),
        "sha": env("GITHUB_SHA"),
        "job": {
            "correlator": format!("{}_{}", env("GITHUB_WORKFLOW"), env("GITHUB_JOB")),
            "id": env("GITHUB_RUN_ID"),
        },
        "scanned": report.created_at,
        "manifests": out,
    });
    serde_json::to_writer_pretty(&mut *w, &doc)?;
    w.write_all(b"\n")
}
