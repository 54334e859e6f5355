//! Node.js packages: `package-lock.json` (npm), `yarn.lock` (yarn classic and berry),
//! `pnpm-lock.yaml` (pnpm), `bun.lock` (bun) and installed `node_modules/**/package.json` (node-pkg).
//!
//! Each analyzer reads one file, as Trivy's parsers do. What Trivy's post-analyzers add from
//! sibling files is not done by the analyzers: licenses from `node_modules/*/package.json`,
//! the project's own and workspace packages, and yarn's direct/dev marking from the project's
//! `package.json` ([`yarn_with_package_json`] does the latter for a caller that has the files).

mod bun;
mod npm;
mod pkgjson;
mod pnpm;
mod yarn;

pub use bun::BunAnalyzer;
pub use npm::NpmAnalyzer;
pub use pkgjson::NodePkgAnalyzer;
pub use pnpm::PnpmAnalyzer;
pub use yarn::{analyze_with_package_json as yarn_with_package_json, YarnAnalyzer};

pub(crate) use super::base_name;
use crate::{AnalysisResult, Package};

/// The Node.js analyzers.
pub fn analyzers() -> Vec<Box<dyn crate::Analyzer>> {
    vec![
        Box::new(NodePkgAnalyzer),
        Box::new(NpmAnalyzer),
        Box::new(YarnAnalyzer),
        Box::new(PnpmAnalyzer),
        Box::new(BunAnalyzer),
    ]
}

/// Whether a directory component of `path` (not the file name) equals `dir`.
fn in_dir(path: &str, dir: &str) -> bool {
    let mut parts: Vec<&str> = path.split('/').collect();
    parts.pop();
    parts.contains(&dir)
}

/// Trivy's package ID for npm-like ecosystems.
fn pkg_id(name: &str, version: &str) -> String {
    format!("{name}@{version}")
}

fn new_package(name: &str, version: &str) -> Package {
    Package {
        name: name.to_string(),
        version: version.to_string(),
        ..Default::default()
    }
}

/// Licenses the way Trivy reads `license` in package.json and package-lock.json: a string,
/// an object's `type`, or the `type` of each object in a legacy array.
fn parse_license(v: Option<&serde_json::Value>) -> Vec<String> {
    use serde_json::Value;
    let type_of = |v: &Value| match v.get("type") {
        Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
        _ => None,
    };
    match v {
        Some(Value::String(s)) if !s.is_empty() => vec![s.clone()],
        Some(obj @ Value::Object(_)) => type_of(obj).into_iter().collect(),
        Some(Value::Array(items)) => items.iter().filter_map(type_of).collect(),
        _ => Vec::new(),
    }
}

/// Sorts by name, version and file path, and sorts each `depends_on`.
fn finish(kind: &str, path: &str, mut packages: Vec<Package>) -> AnalysisResult {
    for p in &mut packages {
        p.depends_on.sort();
        p.depends_on.dedup();
    }
    packages.sort_by(|a, b| {
        (&a.name, &a.version, &a.file_path).cmp(&(&b.name, &b.version, &b.file_path))
    });
    AnalysisResult::application(kind, path, packages)
}
