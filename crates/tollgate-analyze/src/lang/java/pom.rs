//! Maven `pom.xml`, read on its own as Trivy 0.76 reads it offline with nothing to fetch.
//!
//! Rules (Trivy's `pkg/dependency/parser/java/pom`):
//! - The project itself is listed (relationship `root`) when it has a groupId and an
//!   artifactId of its own; groupId/version are *not* taken from `<parent>` because the parent
//!   POM is not available, and Trivy then inherits from an empty parent.
//! - `${...}` is substituted from `<properties>` and the project fields (`project.version`,
//!   `version`, `project.parent.version`, `parent.groupId`, ...), recursively, with loop
//!   detection; an unknown property becomes the empty string; `${env.X}` reads nothing
//!   (a scanner must not depend on its own environment) -- see `evaluate`.
//! - Direct `<dependencies>` (first of each raw `groupId:artifactId`) are listed with
//!   relationship `direct`; missing fields come from `<dependencyManagement>` of the same
//!   file; scopes other than compile/runtime (or empty) and optional ones are skipped.
//! - Versions: `[1.0]` is the hard requirement `1.0`; any other range becomes empty.
//! - A pom under `**/src/it/*/` or `**/target/it/*/` (maven-invoker tests) is all `dev`.
//!
//! Skipped, because they need other files or the network: parent POMs (relative path,
//! `../pom.xml`, local repository, remote repositories), `<modules>`, BOM imports
//! (`<scope>import</scope>`), transitive dependencies, and license URLs mapped to SPDX ids.

use std::collections::{HashMap, HashSet};

use super::xml::{self, Element};
use crate::{AnalysisResult, AnalyzeError, Analyzer, Application, Package};

/// Parses `pom.xml`.
pub struct PomAnalyzer;

impl Analyzer for PomAnalyzer {
    fn name(&self) -> &'static str {
        "pom"
    }
    fn version(&self) -> u32 {
        1
    }
    fn required(&self, path: &str) -> bool {
        path.rsplit('/').next() == Some("pom.xml")
    }
    fn analyze(&self, path: &str, content: &[u8]) -> Result<AnalysisResult, AnalyzeError> {
        let mut packages = parse_pom(content).map_err(|e| AnalyzeError::new(path, e))?;
        if is_integration_test_dir(path) {
            for p in &mut packages {
                p.dev = true;
            }
        }
        Ok(AnalysisResult {
            // Like Trivy, a file with no packages gives no application.
            applications: if packages.is_empty() {
                Vec::new()
            } else {
                vec![Application {
                    kind: "pom".to_string(),
                    file_path: path.to_string(),
                    packages,
                }]
            },
            ..Default::default()
        })
    }
}

/// `**/[src|target]/it/*/pom.xml`: integration-test projects of maven-invoker-plugin.
fn is_integration_test_dir(path: &str) -> bool {
    let dirs: Vec<&str> = path.split('/').collect();
    let n = dirs.len();
    n >= 4 && (dirs[n - 4] == "src" || dirs[n - 4] == "target") && dirs[n - 3] == "it"
}

#[derive(Debug, Clone, Default)]
struct Dep {
    group_id: String,
    artifact_id: String,
    version: String,
    scope: String,
    optional: bool,
}

impl Dep {
    fn name(&self) -> String {
        format!("{}:{}", self.group_id, self.artifact_id)
    }
    fn from_element(e: &Element) -> Result<Self, String> {
        let optional = e.child_text("optional");
        let optional = match optional.trim() {
            "" => false,
            "1" | "t" | "T" | "true" | "TRUE" | "True" => true,
            "0" | "f" | "F" | "false" | "FALSE" | "False" => false,
            other => return Err(format!("invalid <optional> value {other:?}")),
        };
        Ok(Dep {
            group_id: e.child_text("groupId"),
            artifact_id: e.child_text("artifactId"),
            version: e.child_text("version"),
            scope: e.child_text("scope"),
            optional,
        })
    }
    fn evaluated(&self, props: &HashMap<String, String>) -> Dep {
        Dep {
            group_id: evaluate(&self.group_id, props),
            artifact_id: evaluate(&self.artifact_id, props),
            version: evaluate(&self.version, props),
            scope: evaluate(&self.scope, props),
            optional: self.optional,
        }
    }
}

fn deps_of(e: Option<&Element>) -> Result<Vec<Dep>, String> {
    match e {
        None => Ok(Vec::new()),
        Some(e) => e
            .children_named("dependency")
            .map(Dep::from_element)
            .collect(),
    }
}

/// Parses one `pom.xml` into its root project and direct dependencies.
pub fn parse_pom(content: &[u8]) -> Result<Vec<Package>, String> {
    let text = xml::decode(content)?;
    let root = xml::parse(&text).map_err(|e| format!("failed to parse POM: {e}"))?;
    let parent = root.child("parent");
    let ptext = |n: &str| parent.map(|p| p.child_text(n)).unwrap_or_default();

    // Fields as Trivy lists them for `project.*` properties (struct order matters only for
    // which of a field and a same-named property wins; fields win when non-empty).
    let mut group_id = root.child_text("groupId");
    let artifact_id = root.child_text("artifactId");
    let mut version = root.child_text("version");
    let licenses: Vec<String> = root
        .path(&["licenses"])
        .map(|l| {
            l.children_named("license")
                .map(|x| x.child_text("name").trim().to_string())
                .filter(|n| !n.is_empty())
                .collect()
        })
        .unwrap_or_default();

    let mut own_props: Vec<(String, String)> = Vec::new();
    if let Some(p) = root.child("properties") {
        for c in &p.children {
            own_props.push((c.name.clone(), c.text.clone()));
        }
    }

    // Inherit from an empty parent: its project properties are all empty strings, under ours.
    let mut content_props: HashMap<String, String> = HashMap::new();
    for k in FIELD_KEYS {
        content_props.insert(k.to_string(), String::new());
        content_props.insert(format!("project.{k}"), String::new());
    }
    for (k, v) in &own_props {
        content_props.insert(k.clone(), v.clone());
    }
    group_id = evaluate(&group_id, &content_props);
    let artifact_id = evaluate(&artifact_id, &content_props);
    version = hard_version(&evaluate(&version, &content_props)).0;

    // Full property set: <properties> overlaid with the project fields.
    let fields: Vec<(&str, String)> = vec![
        ("parent.groupId", ptext("groupId")),
        ("parent.artifactId", ptext("artifactId")),
        ("parent.version", ptext("version")),
        ("parent.relativePath", ptext("relativePath")),
        ("groupId", group_id.clone()),
        ("artifactId", artifact_id.clone()),
        ("version", version.clone()),
    ];
    let mut listed: HashMap<String, String> = HashMap::new();
    for (k, v) in &fields {
        listed.insert(k.to_string(), v.clone());
    }
    for (k, v) in &content_props {
        if listed.get(k).is_some_and(|x| !x.is_empty()) {
            continue;
        }
        listed.insert(k.clone(), v.clone());
    }
    listed.insert("groupId".into(), group_id.clone());
    listed.insert("version".into(), version.clone());
    let mut props = content_props.clone();
    for (k, v) in &listed {
        if k.starts_with("project.") {
            continue;
        }
        props.insert(format!("project.{k}"), v.clone());
        props.insert(k.clone(), v.clone());
    }

    // Dependencies, first of each raw name.
    let mut seen = HashSet::new();
    let deps: Vec<Dep> = deps_of(root.child("dependencies"))?
        .into_iter()
        .filter(|d| seen.insert(d.name()))
        .collect();
    let managed: Vec<Dep> = deps_of(root.path(&["dependencyManagement", "dependencies"]))?
        .into_iter()
        .filter(|d| d.scope != "import")
        .map(|d| d.evaluated(&props))
        .collect();

    let mut out: Vec<Package> = Vec::new();
    let mut listed_names: HashMap<String, usize> = HashMap::new();
    let mut hard: HashMap<String, bool> = HashMap::new();
    if !group_id.is_empty() && !artifact_id.is_empty() {
        let name = format!("{group_id}:{artifact_id}");
        listed_names.insert(name.clone(), 0);
        hard.insert(name.clone(), false);
        out.push(Package {
            name,
            version: version.clone(),
            licenses,
            relationship: "root".into(),
            ..Default::default()
        });
    }
    for d in deps {
        let mut d = d.evaluated(&props);
        if let Some(m) = managed.iter().find(|m| m.name() == d.name()) {
            if d.version.is_empty() {
                d.version = evaluate(&m.version, &props);
            }
            if d.scope.is_empty() {
                d.scope = evaluate(&m.scope, &props);
            }
            d.optional = d.optional || m.optional;
        }
        if !(d.scope.is_empty() || d.scope == "compile" || d.scope == "runtime") || d.optional {
            continue;
        }
        if d.group_id.is_empty() || d.artifact_id.is_empty() {
            continue;
        }
        let (ver, is_hard) = hard_version(&d.version);
        let name = d.name();
        if let Some(&i) = listed_names.get(&name) {
            // A later hard requirement (`[1.0]`) overrides an earlier soft one.
            if hard[&name] || !is_hard {
                continue;
            }
            out[i].version = ver;
            hard.insert(name, true);
            continue;
        }
        listed_names.insert(name.clone(), out.len());
        hard.insert(name.clone(), is_hard);
        out.push(Package {
            name,
            version: ver,
            relationship: "direct".into(),
            ..Default::default()
        });
    }
    Ok(out)
}

const FIELD_KEYS: [&str; 7] = [
    "parent.groupId",
    "parent.artifactId",
    "parent.version",
    "parent.relativePath",
    "groupId",
    "artifactId",
    "version",
];

/// `[1.2]` -> (`1.2`, hard); other ranges -> empty (Trivy supports no other requirement).
fn hard_version(s: &str) -> (String, bool) {
    let mut s = s;
    let mut hard = false;
    if s.starts_with('[') && s.ends_with(']') {
        s = s.trim_matches(|c| c == '[' || c == ']');
        hard = true;
    }
    if s.contains([',', '(', ')', '[', ']']) {
        return (String::new(), hard);
    }
    (s.to_string(), hard)
}

/// Substitutes `${name}` (no whitespace inside the braces) from `props`, recursively; unknown
/// names become empty, and a property loop yields an empty result, as in Trivy.
/// `${env.X}` also becomes empty: Trivy reads the scanner's own environment there, which
/// says nothing about the scanned project.
pub fn evaluate(s: &str, props: &HashMap<String, String>) -> String {
    let mut budget = 10_000usize;
    evaluate_inner(s, props, Vec::new(), &mut budget, 0)
}

fn evaluate_inner(
    s: &str,
    props: &HashMap<String, String>,
    mut seen: Vec<String>,
    budget: &mut usize,
    depth: usize,
) -> String {
    // Trivy has no bound here; ours stops "billion laughs" property trees and deep chains.
    if *budget == 0 || depth > 100 {
        return String::new();
    }
    *budget -= 1;
    let mut out = s.to_string();
    for m in find_vars(s) {
        let mut value = String::new();
        if !m.starts_with("env.") {
            if let Some(v) = props.get(&m) {
                // A loop empties the string being evaluated at this level, as in Trivy.
                if seen.contains(v) {
                    return String::new();
                }
                seen.push(v.clone());
                value = evaluate_inner(v, props, seen.clone(), budget, depth + 1);
                seen.clear();
            }
        }
        out = out.replace(&format!("${{{m}}}"), &value);
    }
    out.trim().to_string()
}

/// Names in `${...}` matches of `\$\{(\S+?)\}`, in order.
fn find_vars(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(i) = rest.find("${") {
        let after = &rest[i + 2..];
        let mut end = None;
        for (j, c) in after.char_indices() {
            if c == '}' && j > 0 {
                end = Some(j);
                break;
            }
            if c.is_whitespace() {
                break;
            }
        }
        match end {
            Some(j) => {
                out.push(after[..j].to_string());
                rest = &after[j + 1..];
            }
            None => rest = &rest[i + 2..],
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evaluates_nested_and_looped_properties() {
        let mut p = HashMap::new();
        p.insert("a".to_string(), "${b}-x".to_string());
        p.insert("b".to_string(), "1".to_string());
        p.insert("l1".to_string(), "${l2}".to_string());
        p.insert("l2".to_string(), "${l1}".to_string());
        assert_eq!(evaluate("${a}", &p), "1-x");
        assert_eq!(evaluate(" ${unknown}2 ", &p), "2");
        assert_eq!(evaluate("${l1}", &p), "");
        assert_eq!(evaluate("${b}.${b}", &p), "1.1");
    }

    #[test]
    fn version_requirements() {
        assert_eq!(hard_version("[1.0]"), ("1.0".to_string(), true));
        assert_eq!(hard_version("(,1.0]"), (String::new(), false));
        assert_eq!(hard_version("1.0"), ("1.0".to_string(), false));
    }
}
