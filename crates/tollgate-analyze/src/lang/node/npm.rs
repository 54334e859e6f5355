//! `package-lock.json`, lockfile versions 1, 2 and 3 (Trivy's `npm`).

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Deserialize;

use super::pkgjson::first_json_value;
use super::{base_name, finish, in_dir, new_package, parse_license, pkg_id};
use crate::{AnalysisResult, AnalyzeError, Analyzer, Package};

/// Reads `package-lock.json` outside `node_modules`.
pub struct NpmAnalyzer;

const NODE_MODULES: &str = "node_modules";

#[derive(Deserialize)]
struct LockFile {
    #[serde(default)]
    dependencies: Option<BTreeMap<String, V1Dep>>,
    #[serde(default)]
    packages: Option<BTreeMap<String, V2Pkg>>,
    #[serde(default, rename = "lockfileVersion")]
    lockfile_version: Option<serde_json::Value>,
}

#[derive(Deserialize, Default, Clone)]
struct V1Dep {
    #[serde(default)]
    version: Option<String>,
    #[serde(default)]
    dev: Option<bool>,
    #[serde(default)]
    dependencies: Option<BTreeMap<String, V1Dep>>,
    #[serde(default)]
    requires: Option<BTreeMap<String, serde_json::Value>>,
}

type StrMap = BTreeMap<String, String>;

#[derive(Deserialize, Default, Clone)]
struct V2Pkg {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    version: Option<String>,
    #[serde(default)]
    dependencies: Option<StrMap>,
    #[serde(default, rename = "optionalDependencies")]
    optional_dependencies: Option<StrMap>,
    #[serde(default, rename = "devDependencies")]
    dev_dependencies: Option<StrMap>,
    #[serde(default, rename = "peerDependencies")]
    peer_dependencies: Option<StrMap>,
    #[serde(default)]
    resolved: Option<String>,
    #[serde(default)]
    dev: Option<bool>,
    #[serde(default)]
    link: Option<bool>,
    #[serde(default)]
    workspaces: Option<serde_json::Value>,
    #[serde(default)]
    license: Option<serde_json::Value>,
}

impl Analyzer for NpmAnalyzer {
    fn name(&self) -> &'static str {
        "npm"
    }
    fn version(&self) -> u32 {
        2
    }
    /// `package-lock.json`, except copies inside `node_modules` (as Trivy).
    fn required(&self, path: &str) -> bool {
        base_name(path) == "package-lock.json" && !in_dir(path, NODE_MODULES)
    }
    fn analyze(&self, path: &str, content: &[u8]) -> Result<AnalysisResult, AnalyzeError> {
        let lock: LockFile = first_json_value(content)
            .map_err(|e| AnalyzeError::new(path, format!("invalid package-lock.json: {e}")))?;
        let version = match &lock.lockfile_version {
            None => 0,
            Some(serde_json::Value::Number(n)) => n.as_i64().unwrap_or(0),
            Some(other) => {
                return Err(AnalyzeError::new(
                    path,
                    format!("invalid package-lock.json: lockfileVersion is {other}, not a number"),
                ))
            }
        };
        let packages = if version == 1 {
            let mut out = Vec::new();
            parse_v1(
                lock.dependencies.as_ref().unwrap_or(&BTreeMap::new()),
                &HashMap::new(),
                &mut out,
            );
            unique(out)
        } else {
            parse_v2(lock.packages.unwrap_or_default())
        };
        Ok(finish("npm", path, packages))
    }
}

/// Merges packages with the same ID: dev only if every copy is dev, direct if any copy is.
fn unique(pkgs: Vec<Package>) -> Vec<Package> {
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut out: Vec<Package> = Vec::new();
    for p in pkgs {
        let id = pkg_id(&p.name, &p.version);
        match index.get(&id) {
            Some(&i) => {
                let q = &mut out[i];
                q.dev = q.dev && p.dev;
                if p.relationship == "direct" {
                    q.relationship = p.relationship;
                }
                q.depends_on.extend(p.depends_on);
            }
            None => {
                index.insert(id, out.len());
                out.push(p);
            }
        }
    }
    out
}

fn parse_v1(
    deps: &BTreeMap<String, V1Dep>,
    parent: &HashMap<String, String>,
    out: &mut Vec<Package>,
) {
    // Nested versions take precedence over the ones higher up.
    let mut versions = parent.clone();
    for (name, dep) in deps {
        versions.insert(name.clone(), dep.version.clone().unwrap_or_default());
    }
    for (name, dep) in deps {
        let version = dep.version.clone().unwrap_or_default();
        let mut p = new_package(name, &version);
        p.dev = dep.dev.unwrap_or(false);
        if let Some(req) = &dep.requires {
            for r in req.keys() {
                let nested = dep
                    .dependencies
                    .as_ref()
                    .and_then(|d| d.get(r))
                    .map(|d| d.version.clone().unwrap_or_default());
                if let Some(v) = nested.or_else(|| versions.get(r).cloned()) {
                    p.depends_on.push(pkg_id(r, &v));
                }
            }
        }
        out.push(p);
        if let Some(children) = &dep.dependencies {
            parse_v1(children, &versions, out);
        }
    }
}

fn workspaces(v: Option<&serde_json::Value>) -> Vec<String> {
    use serde_json::Value;
    let list = match v {
        Some(Value::Array(a)) => Some(a),
        Some(Value::Object(o)) => match o.get("packages") {
            Some(Value::Array(a)) => Some(a),
            _ => None,
        },
        _ => None,
    };
    list.map(|a| {
        a.iter()
            .filter_map(|x| x.as_str().map(str::to_string))
            .collect()
    })
    .unwrap_or_default()
}

/// Go's `path.Match` for the patterns npm workspaces use: `*` and `?` stay within one path
/// segment. A table over (pattern, name) positions, so hostile patterns cost at most
/// `MAX_GLOB * MAX_GLOB` steps.
fn glob_match(pattern: &str, name: &str) -> bool {
    const MAX_GLOB: usize = 1024;
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    if p.len() > MAX_GLOB || n.len() > MAX_GLOB {
        return false;
    }
    // row[j]: pattern[..i] matches name[..j].
    let mut row = vec![false; n.len() + 1];
    row[0] = true;
    for &pc in &p {
        let mut next = vec![false; n.len() + 1];
        if pc == '*' {
            next[0] = row[0];
        }
        for j in 1..=n.len() {
            let c = n[j - 1];
            next[j] = match pc {
                '*' => row[j] || (next[j - 1] && c != '/'),
                '?' => row[j - 1] && c != '/',
                _ => row[j - 1] && c == pc,
            };
        }
        row = next;
    }
    row[n.len()]
}

/// Name after the last `node_modules/` of a lockfile path.
fn name_from_path(path: &str) -> String {
    match path.rfind(NODE_MODULES) {
        Some(i) => path
            .get(i + NODE_MODULES.len() + 1..)
            .unwrap_or("")
            .to_string(),
        None => path.to_string(),
    }
}

/// Moves linked packages (workspaces, `file:` deps) under `node_modules`, as npm does on install.
fn resolve_links(packages: &mut BTreeMap<String, V2Pkg>) {
    let mut links: Vec<(String, String)> = Vec::new();
    packages.retain(|path, pkg| {
        if !pkg.link.unwrap_or(false) {
            return true;
        }
        match pkg.resolved.as_deref() {
            // A broken link: Trivy drops it rather than list an empty package.
            None | Some("") => false,
            Some(r) => {
                links.push((path.clone(), r.to_string()));
                true
            }
        }
    });
    if links.is_empty() {
        return;
    }
    let mut root = packages.get("").cloned().unwrap_or_default();
    let mut root_deps = root.dependencies.take().unwrap_or_default();
    let ws = workspaces(root.workspaces.as_ref());
    let paths: Vec<String> = packages.keys().cloned().collect();
    for pkg_path in paths {
        for (link_path, resolved) in &links {
            if !pkg_path.starts_with(resolved.as_str()) {
                continue;
            }
            let Some(mut pkg) = packages.remove(&pkg_path) else {
                break;
            };
            if pkg.resolved.as_deref().unwrap_or("").is_empty() {
                pkg.resolved = Some(resolved.clone());
            }
            let new_path = pkg_path.replace(resolved.as_str(), link_path);
            if ws.iter().any(|w| glob_match(w, &pkg_path)) {
                root_deps.insert(
                    name_from_path(link_path),
                    pkg.version.clone().unwrap_or_default(),
                );
            }
            packages.insert(new_path, pkg);
            break;
        }
    }
    root.dependencies = Some(root_deps);
    packages.insert(String::new(), root);
}

/// The package a dependency of `pkg_path` resolves to: the nearest `node_modules` up the tree.
fn find_depends_on(
    pkg_path: &str,
    dep: &str,
    packages: &BTreeMap<String, V2Pkg>,
) -> Option<String> {
    let dep_path = format!("{pkg_path}/{NODE_MODULES}");
    let parts: Vec<&str> = dep_path.split('/').collect();
    for i in (0..parts.len()).rev() {
        if parts[i] != NODE_MODULES {
            continue;
        }
        let candidate = format!("{}/{dep}", parts[..=i].join("/"));
        if let Some(p) = packages.get(&candidate) {
            return Some(pkg_id(dep, p.version.as_deref().unwrap_or("")));
        }
    }
    None
}

fn parse_v2(mut packages: BTreeMap<String, V2Pkg>) -> Vec<Package> {
    resolve_links(&mut packages);

    let mut direct: HashSet<String> = HashSet::new();
    if let Some(root) = packages.get("") {
        for m in [
            &root.dependencies,
            &root.optional_dependencies,
            &root.dev_dependencies,
            &root.peer_dependencies,
        ]
        .into_iter()
        .flatten()
        {
            for name in m.keys() {
                let p = format!("{NODE_MODULES}/{name}");
                if packages.contains_key(&p) {
                    direct.insert(p);
                }
            }
        }
    }

    let mut out = Vec::new();
    for (pkg_path, pkg) in &packages {
        if !pkg_path.starts_with(NODE_MODULES) {
            continue;
        }
        let name = match pkg.name.as_deref() {
            Some(n) if !n.is_empty() => n.to_string(),
            _ => name_from_path(pkg_path),
        };
        let version = pkg.version.clone().unwrap_or_default();
        let mut p = new_package(&name, &version);
        p.dev = pkg.dev.unwrap_or(false);
        p.relationship = if direct.contains(pkg_path) {
            "direct"
        } else {
            "indirect"
        }
        .to_string();
        p.licenses = parse_license(pkg.license.as_ref());
        for m in [
            &pkg.dependencies,
            &pkg.optional_dependencies,
            &pkg.peer_dependencies,
        ]
        .into_iter()
        .flatten()
        {
            for dep in m.keys() {
                if let Some(id) = find_depends_on(pkg_path, dep, &packages) {
                    p.depends_on.push(id);
                }
            }
        }
        out.push(p);
    }
    unique(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob_match("packages/*", "packages/a"));
        assert!(!glob_match("packages/*", "packages/a/b"));
        assert!(glob_match("functions/func1", "functions/func1"));
        assert!(glob_match("a?c", "abc"));
    }
}
