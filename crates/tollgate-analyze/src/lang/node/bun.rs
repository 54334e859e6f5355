//! `bun.lock`, Bun's text lockfile (JSON with trailing commas), as Trivy 0.76 reads it
//! (Trivy's `bun`).

use std::collections::{BTreeMap, HashSet};

use serde::Deserialize;
use serde_json::Value;

use super::{base_name, finish, in_dir, new_package, pkg_id};
use crate::{AnalysisResult, AnalyzeError, Analyzer, Package};

/// Reads `bun.lock` outside `node_modules`.
pub struct BunAnalyzer;

impl Analyzer for BunAnalyzer {
    fn name(&self) -> &'static str {
        "bun"
    }
    fn version(&self) -> u32 {
        1
    }
    fn required(&self, path: &str) -> bool {
        base_name(path) == "bun.lock" && !in_dir(path, "node_modules")
    }
    fn analyze(&self, path: &str, content: &[u8]) -> Result<AnalysisResult, AnalyzeError> {
        let text = super::super::text(path, content, "bun.lock")?;
        let packages =
            parse(text).map_err(|e| AnalyzeError::new(path, format!("invalid bun.lock: {e}")))?;
        Ok(finish("bun", path, packages))
    }
}

#[derive(Deserialize)]
struct Lock {
    #[serde(default)]
    packages: BTreeMap<String, Vec<Value>>,
    #[serde(default)]
    workspaces: BTreeMap<String, Workspace>,
    #[serde(default, rename = "lockfileVersion")]
    _lockfile_version: Option<i64>,
}

#[derive(Deserialize, Default)]
struct Workspace {
    #[serde(default)]
    version: String,
    #[serde(default)]
    dependencies: BTreeMap<String, Value>,
    #[serde(default, rename = "devDependencies")]
    dev_dependencies: BTreeMap<String, Value>,
    #[serde(default, rename = "optionalDependencies")]
    optional_dependencies: BTreeMap<String, Value>,
    #[serde(default, rename = "peerDependencies")]
    peer_dependencies: BTreeMap<String, Value>,
}

/// Packages of a `bun.lock`. Workspaces themselves are the project's own code and are not
/// listed; a package is `direct` when a workspace names it, and `dev` unless a production
/// dependency of a workspace (dependencies, peer or optional) leads to it.
pub fn parse(text: &str) -> Result<Vec<Package>, String> {
    let json = strip_jsonc(text);
    let lock: Lock = serde_json::from_str(&json).map_err(|e| e.to_string())?;
    let mut prod_direct: HashSet<&str> = HashSet::new();
    let mut dev_direct: HashSet<&str> = HashSet::new();
    for ws in lock.workspaces.values() {
        for m in [
            &ws.dependencies,
            &ws.peer_dependencies,
            &ws.optional_dependencies,
        ] {
            prod_direct.extend(m.keys().map(String::as_str));
        }
        dev_direct.extend(ws.dev_dependencies.keys().map(String::as_str));
    }
    // name -> (version, dependency names)
    let mut entries: BTreeMap<&str, (String, Vec<String>)> = BTreeMap::new();
    for (name, raw) in &lock.packages {
        let ident = raw
            .first()
            .and_then(Value::as_str)
            .ok_or_else(|| format!("package {name:?}: the first element is not a string"))?;
        let mut version = ident
            .strip_prefix(&format!("{name}@"))
            .unwrap_or(ident)
            .to_string();
        if version.starts_with("workspace") {
            version = lock
                .workspaces
                .get(name)
                .map(|w| w.version.clone())
                .unwrap_or_default();
        }
        // [id], [id, info], [id, info, tag], [id, registry, info, integrity]
        let meta = match raw.len() {
            1 => None,
            n => Some(&raw[if n > 3 { 2 } else { 1 }]),
        };
        let deps = match meta {
            None => Vec::new(),
            Some(Value::Object(m)) => match m.get("dependencies") {
                Some(Value::Object(d)) => d.keys().cloned().collect(),
                _ => Vec::new(),
            },
            Some(_) => {
                return Err(format!(
                    "package {name:?}: the info element is not an object"
                ))
            }
        };
        entries.insert(name, (version, deps));
    }
    // Everything is dev until reached from a production direct dependency.
    let mut prod: HashSet<&str> = HashSet::new();
    let mut stack: Vec<&str> = entries
        .keys()
        .copied()
        .filter(|n| prod_direct.contains(n) && !lock.workspaces.contains_key(*n))
        .collect();
    while let Some(n) = stack.pop() {
        if !prod.insert(n) {
            continue;
        }
        if let Some((_, deps)) = entries.get(n) {
            stack.extend(
                deps.iter()
                    .map(String::as_str)
                    .filter(|d| entries.contains_key(d)),
            );
        }
    }
    let mut out = Vec::new();
    for (name, (version, deps)) in &entries {
        if lock.workspaces.contains_key(*name) {
            continue;
        }
        let mut p = new_package(name, version);
        p.relationship = if prod_direct.contains(name) || dev_direct.contains(name) {
            "direct"
        } else {
            "indirect"
        }
        .into();
        p.dev = !prod.contains(name);
        p.depends_on = deps
            .iter()
            .filter_map(|d| entries.get(d.as_str()).map(|(v, _)| pkg_id(d, v)))
            .collect();
        out.push(p);
    }
    Ok(out)
}

/// JSON with comments and trailing commas -> JSON: `//` and `/* */` comments outside
/// strings are dropped, and so is a comma whose next token closes an object or array.
fn strip_jsonc(s: &str) -> String {
    let b = s.as_bytes();
    let mut out: Vec<u8> = Vec::with_capacity(b.len());
    let mut i = 0;
    // Skips whitespace and comments from `i`; returns the index of the next token.
    let skip = |mut i: usize| -> usize {
        loop {
            while i < b.len() && b[i].is_ascii_whitespace() {
                i += 1;
            }
            if b[i..].starts_with(b"//") {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            } else if b[i..].starts_with(b"/*") {
                i = match s[i + 2..].find("*/") {
                    Some(e) => i + 2 + e + 2,
                    None => b.len(),
                };
            } else {
                return i;
            }
        }
    };
    while i < b.len() {
        match b[i] {
            b'"' => {
                let start = i;
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
                i = (i + 1).min(b.len());
                out.extend_from_slice(&b[start..i]);
            }
            b'/' if b[i..].starts_with(b"//") || b[i..].starts_with(b"/*") => {
                out.push(b' ');
                i = skip(i);
            }
            b',' => {
                let next = skip(i + 1);
                if !matches!(b.get(next), Some(b'}' | b']')) {
                    out.push(b',');
                }
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    // Only whole ASCII bytes were dropped, so the rest is still UTF-8.
    String::from_utf8(out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jsonc() {
        assert_eq!(strip_jsonc("{\"a\": [1, 2,], } "), "{\"a\": [1, 2] } ");
        assert_eq!(strip_jsonc("{\"a,\": 1 // c, d\n}"), "{\"a,\": 1  }");
        assert_eq!(strip_jsonc("[1, /* x */ ]"), "[1  ]");
        assert_eq!(strip_jsonc("\"\\\",\""), "\"\\\",\"");
    }
}
