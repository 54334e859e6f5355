//! `pnpm-lock.yaml`, lockfile versions 5, 6 and 9 (Trivy's `pnpm`).

use std::collections::{BTreeMap, HashMap, HashSet};

use serde_norway::Value;

use super::{base_name, finish, in_dir, new_package, pkg_id};
use crate::{AnalysisResult, AnalyzeError, Analyzer, Package};

/// Reads `pnpm-lock.yaml` outside `node_modules`.
pub struct PnpmAnalyzer;

impl Analyzer for PnpmAnalyzer {
    fn name(&self) -> &'static str {
        "pnpm"
    }
    fn version(&self) -> u32 {
        1
    }
    /// `pnpm-lock.yaml`, except copies inside `node_modules` (as Trivy).
    fn required(&self, path: &str) -> bool {
        base_name(path) == "pnpm-lock.yaml" && !in_dir(path, "node_modules")
    }
    fn analyze(&self, path: &str, content: &[u8]) -> Result<AnalysisResult, AnalyzeError> {
        let doc = last_document(content)
            .map_err(|e| AnalyzeError::new(path, format!("invalid pnpm-lock.yaml: {e}")))?;
        if !matches!(doc, Value::Mapping(_) | Value::Null) {
            return Err(AnalyzeError::new(
                path,
                "invalid pnpm-lock.yaml: the document is not a mapping",
            ));
        }
        let packages = match lockfile_version(&doc) {
            // Trivy lists nothing for a lockfile whose version it cannot read.
            None => Vec::new(),
            Some(v) if v >= 9.0 => parse_v9(&doc),
            Some(v) => parse_v5_v6(&doc, v),
        };
        Ok(finish("pnpm", path, packages))
    }
}

/// pnpm 11 may write a first document for its own `packageManagerDependencies` before the
/// project's lockfile; the project's is the last one.
fn last_document(content: &[u8]) -> Result<Value, serde_norway::Error> {
    use serde::Deserialize;
    let mut last = Value::Null;
    for doc in serde_norway::Deserializer::from_slice(content) {
        last = Value::deserialize(doc)?;
    }
    Ok(last)
}

fn lockfile_version(doc: &Value) -> Option<f64> {
    match doc.get("lockfileVersion")? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A scalar as text (YAML may type `1.0` as a number).
fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// The entries of a mapping under `key`, keys as text.
fn entries<'a>(v: &'a Value, key: &str) -> Vec<(String, &'a Value)> {
    match v.get(key) {
        Some(Value::Mapping(m)) => m
            .iter()
            .filter_map(|(k, v)| scalar(k).map(|k| (k, v)))
            .collect(),
        _ => Vec::new(),
    }
}

fn str_field(v: &Value, key: &str) -> String {
    v.get(key).and_then(scalar).unwrap_or_default()
}

/// Trims a registry prefix (before v9), splits scope, name and version, and drops the peer
/// suffix: `/@babel/core/7.21.0_x` (v5), `/@babel/core@7.21.0(x)` (v6), `@babel/core@7.21.0(x)` (v9).
fn parse_dep_path(dep_path: &str, lock_ver: f64) -> (String, String) {
    let mut d = dep_path;
    if lock_ver < 9.0 {
        d = d.split_once('/').map(|(_, rest)| rest).unwrap_or("");
    }
    let mut scope = "";
    if d.starts_with('@') {
        match d.split_once('/') {
            Some((s, rest)) => {
                scope = s;
                d = rest;
            }
            None => {
                scope = d;
                d = "";
            }
        }
    }
    let sep = if lock_ver < 6.0 { '/' } else { '@' };
    let (name, version) = d.split_once(sep).unwrap_or((d, ""));
    let name = if scope.is_empty() {
        name.to_string()
    } else {
        format!("{scope}/{name}")
    };
    (name, trim_peers(version, lock_ver).to_string())
}

fn trim_peers(v: &str, lock_ver: f64) -> &str {
    let sep = if lock_ver < 6.0 { '_' } else { '(' };
    v.split(sep).next().unwrap_or("")
}

/// Versions that are not semver (tarballs, `file:` paths) are blanked, as Trivy does.
fn parse_version(ver: &str, lock_ver: f64) -> String {
    if lock_ver < 9.0 && (ver.starts_with("file:") || ver.starts_with("http")) {
        return String::new();
    }
    if is_semver(ver) {
        ver.to_string()
    } else {
        String::new()
    }
}

/// semver.org's grammar: `MAJOR.MINOR.PATCH[-pre][+build]`, no leading zeros.
fn is_semver(v: &str) -> bool {
    let (core_pre, build) = match v.split_once('+') {
        Some((a, b)) => (a, Some(b)),
        None => (v, None),
    };
    let (core, pre) = match core_pre.split_once('-') {
        Some((a, b)) => (a, Some(b)),
        None => (core_pre, None),
    };
    let num = |s: &str| {
        !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && (s == "0" || !s.starts_with('0'))
    };
    let ident =
        |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    let parts: Vec<&str> = core.split('.').collect();
    if parts.len() != 3 || !parts.iter().all(|p| num(p)) {
        return false;
    }
    if let Some(pre) = pre {
        let ok = pre
            .split('.')
            .all(|id| ident(id) && (!id.bytes().all(|b| b.is_ascii_digit()) || num(id)));
        if !ok {
            return false;
        }
    }
    if let Some(build) = build {
        if !build.split('.').all(ident) {
            return false;
        }
    }
    true
}

fn parse_v5_v6(doc: &Value, lock_ver: f64) -> Vec<Package> {
    let direct: HashSet<String> = entries(doc, "dependencies")
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    let mut out = Vec::new();
    for (dep_path, info) in entries(doc, "packages") {
        // Before v9, dev packages are marked in the lockfile and Trivy leaves them out.
        if matches!(info.get("dev"), Some(Value::Bool(true))) {
            continue;
        }
        let mut name = str_field(info, "name");
        let mut version = str_field(info, "version");
        if name.is_empty() {
            let (n, v) = parse_dep_path(&dep_path, lock_ver);
            name = n;
            version = parse_version(&v, lock_ver);
        }
        let mut p = new_package(&name, &version);
        p.relationship = if direct.contains(&name) {
            "direct"
        } else {
            "indirect"
        }
        .to_string();
        for (dn, dv) in entries(info, "dependencies") {
            p.depends_on
                .push(pkg_id(&dn, &scalar(dv).unwrap_or_default()));
        }
        out.push(p);
    }
    out
}

/// Lockfile v9: one package per snapshot (`name@version(peers)`), so the same version with
/// different peers is listed once per snapshot, as Trivy does. `packages` gives versions
/// for `file:`/tarball dependencies; importers give the direct and production roots.
fn parse_v9(doc: &Value) -> Vec<Package> {
    const V: f64 = 9.0;
    let packages = entries(doc, "packages");
    let explicit_version: HashMap<&str, String> = packages
        .iter()
        .map(|(k, info)| (k.as_str(), str_field(info, "version")))
        .collect();
    let mut snapshots = entries(doc, "snapshots");
    if snapshots.is_empty() {
        snapshots = packages
            .iter()
            .map(|(k, _)| (k.clone(), &Value::Null))
            .collect();
    }
    let keys: HashSet<&str> = snapshots.iter().map(|(k, _)| k.as_str()).collect();

    // Importers name the direct dependencies, as `name@version(peers)`.
    let mut dev_direct: HashSet<String> = HashSet::new();
    let mut prod_direct: HashSet<String> = HashSet::new();
    for (_, importer) in entries(doc, "importers") {
        for (key, target) in [
            ("devDependencies", &mut dev_direct),
            ("dependencies", &mut prod_direct),
        ] {
            for (n, v) in entries(importer, key) {
                target.insert(pkg_id(&n, &str_field(v, "version")));
            }
        }
    }

    let mut pkgs: BTreeMap<String, Package> = BTreeMap::new();
    for (snap_key, snap) in &snapshots {
        let (name, ver) = parse_dep_path(snap_key, V);
        let mut version = parse_version(&ver, V);
        if let Some(v) = explicit_version.get(pkg_id(&name, &ver).as_str()) {
            if !v.is_empty() {
                version = v.clone();
            }
        }
        let mut p = new_package(&name, &version);
        p.dev = !prod_direct.contains(snap_key);
        p.relationship = if prod_direct.contains(snap_key) || dev_direct.contains(snap_key) {
            "direct"
        } else {
            "indirect"
        }
        .to_string();
        for key in ["optionalDependencies", "dependencies"] {
            for (dn, dv) in entries(snap, key) {
                let id = pkg_id(&dn, &scalar(dv).unwrap_or_default());
                if keys.contains(id.as_str()) {
                    p.depends_on.push(id);
                }
            }
        }
        pkgs.insert(snap_key.clone(), p);
    }

    // Whatever a production dependency pulls in is not dev-only.
    let mut stack: Vec<String> = pkgs
        .iter()
        .filter(|(_, p)| !p.dev)
        .map(|(id, _)| id.clone())
        .collect();
    let mut visited: HashSet<String> = HashSet::new();
    while let Some(id) = stack.pop() {
        if !visited.insert(id.clone()) {
            continue;
        }
        if let Some(p) = pkgs.get_mut(&id) {
            p.dev = false;
            stack.extend(p.depends_on.iter().cloned());
        }
    }
    // depends_on as Trivy's IDs of the dependencies' snapshots.
    pkgs.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dep_paths() {
        assert_eq!(
            parse_dep_path("/@babel/generator/7.21.9_x@1.0.0", 5.4),
            ("@babel/generator".into(), "7.21.9".into())
        );
        assert_eq!(
            parse_dep_path("/@babel/core@7.21.5(@x/y@1.0.0)", 6.0),
            ("@babel/core".into(), "7.21.5".into())
        );
        assert_eq!(
            parse_dep_path("debug@4.3.4(supports-color@8.1.1)", 9.0),
            ("debug".into(), "4.3.4".into())
        );
        assert!(is_semver("1.0.0-beta.1+b"));
        assert!(!is_semver("1.0"));
        assert!(!is_semver("file:x"));
    }
}
