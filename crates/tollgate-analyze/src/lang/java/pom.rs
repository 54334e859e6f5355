//! Maven `pom.xml`, read as Trivy 0.76 reads it offline: with its parent POMs and `<modules>`
//! found in the same tree, and nothing fetched from a repository.
//!
//! Rules (Trivy's `pkg/dependency/parser/java/pom`):
//! - **Parents** are looked up at `<parent><relativePath>` (a directory means its `pom.xml`),
//!   then at `../pom.xml`, among the scanned tree's `pom.xml` files (the analyzer's
//!   [`Analyzer::siblings_anywhere`]). A candidate counts only when its artifactId is the one
//!   `<parent>` names. A parent's properties, groupId, version, licenses, dependencies and
//!   `<dependencyManagement>` are inherited, recursively. A parent not found (it would come
//!   from `~/.m2` or a remote repository) is an empty one, as in Trivy offline.
//! - The project itself is listed (relationship `root`) when it has a groupId and an
//!   artifactId, own or inherited.
//! - `${...}` is substituted from `<properties>` and the project fields (`project.version`,
//!   `version`, `project.parent.version`, `parent.groupId`, ...), recursively, with loop
//!   detection; an unknown property becomes the empty string; `${env.X}` reads nothing
//!   (a scanner must not depend on its own environment) -- see `evaluate`.
//! - Direct `<dependencies>` (first of each raw `groupId:artifactId`, own before inherited)
//!   are listed with relationship `direct`; missing fields come from the merged
//!   `<dependencyManagement>`; scopes other than compile/runtime (or empty) and optional ones
//!   are skipped. BOM imports (`<scope>import</scope>`) are read only when they name a POM of
//!   the tree already read (the root or a module), as Trivy's cache does offline.
//! - **`<modules>`**: each module's `pom.xml` is read (with its own parents) and listed as
//!   `workspace`, its dependencies as `direct`, recursively; a dependency that names a module
//!   brings that module's dependencies too. A module is read once per root.
//! - Versions: `[1.0]` is the hard requirement `1.0` (it overrides an earlier soft one);
//!   any other range becomes empty.
//! - A pom under `**/src/it/*/` or `**/target/it/*/` (maven-invoker tests) is all `dev`.
//!
//! Not done, because it needs the network or the scanning machine's files: the local
//! repository (`~/.m2`, `settings.xml`), remote repositories, and so transitive dependencies.
//! Parents above the scanned directory are not read: the analyzer sees the scanned tree only.

use std::collections::{HashMap, HashSet, VecDeque};

use super::xml::{self, Element};
use crate::{AnalysisResult, AnalyzeError, Analyzer, Package};

/// Parses `pom.xml`, with the tree's other `pom.xml` files as parents and modules.
pub struct PomAnalyzer;

impl Analyzer for PomAnalyzer {
    fn name(&self) -> &'static str {
        "pom"
    }
    fn version(&self) -> u32 {
        2
    }
    fn required(&self, path: &str) -> bool {
        path.rsplit('/').next() == Some("pom.xml")
    }
    fn siblings(&self) -> &'static [&'static str] {
        &["pom.xml"]
    }
    fn siblings_anywhere(&self) -> bool {
        true
    }
    fn analyze(&self, path: &str, content: &[u8]) -> Result<AnalysisResult, AnalyzeError> {
        self.analyze_with_siblings(path, content, &[])
    }
    fn analyze_with_siblings(
        &self,
        path: &str,
        content: &[u8],
        siblings: &[(&str, &[u8])],
    ) -> Result<AnalysisResult, AnalyzeError> {
        let mut packages =
            parse_pom_tree(path, content, siblings).map_err(|e| AnalyzeError::new(path, e))?;
        if is_integration_test_dir(path) {
            for p in &mut packages {
                p.dev = true;
            }
        }
        // Like Trivy, a file with no packages gives no application.
        Ok(AnalysisResult::application_if_any("pom", path, packages))
    }
}

/// `**/[src|target]/it/*/pom.xml`: integration-test projects of maven-invoker-plugin.
fn is_integration_test_dir(path: &str) -> bool {
    let dirs: Vec<&str> = path.split('/').collect();
    let n = dirs.len();
    n >= 4 && (dirs[n - 4] == "src" || dirs[n - 4] == "target") && dirs[n - 3] == "it"
}

/// Parses one `pom.xml` alone: its root project and direct dependencies.
pub fn parse_pom(content: &[u8]) -> Result<Vec<Package>, String> {
    parse_pom_tree("pom.xml", content, &[])
}

/// Parses the `pom.xml` at `path` with the other `pom.xml` files of its tree (`(path,
/// content)`, paths relative to the same root) available as parents and modules.
pub fn parse_pom_tree(
    path: &str,
    content: &[u8],
    tree: &[(&str, &[u8])],
) -> Result<Vec<Package>, String> {
    let mut parser = Parser {
        files: tree.iter().copied().collect(),
        cache: HashMap::new(),
        work: 0,
    };
    parser.parse(path, content)
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
    fn evaluated(&self, props: &Props) -> Dep {
        Dep {
            group_id: evaluate(&self.group_id, props),
            artifact_id: evaluate(&self.artifact_id, props),
            version: evaluate(&self.version, props),
            scope: evaluate(&self.scope, props),
            optional: self.optional,
        }
    }
    /// Variables evaluated, empty fields filled from the managed entry of the same name.
    fn resolved(&self, props: &Props, managed: &[Dep]) -> Dep {
        let mut d = self.evaluated(props);
        let name = d.name();
        if let Some(m) = managed.iter().find(|m| m.name() == name) {
            if d.version.is_empty() {
                d.version = evaluate(&m.version, props);
            }
            if d.scope.is_empty() {
                d.scope = evaluate(&m.scope, props);
            }
            d.optional = d.optional || m.optional;
        }
        d
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

type Props = HashMap<String, String>;

/// `<parent>` as written.
#[derive(Debug, Clone, Default)]
struct ParentRef {
    group_id: String,
    artifact_id: String,
    version: String,
    relative_path: String,
}

/// The parts of a POM Trivy reads, as written (Trivy's `pomXML`).
#[derive(Debug, Clone, Default)]
struct Content {
    parent: ParentRef,
    group_id: String,
    artifact_id: String,
    version: String,
    licenses: Vec<String>,
    modules: Vec<String>,
    properties: Props,
    dep_mgmt: Vec<Dep>,
    deps: Vec<Dep>,
}

impl Content {
    fn parse(content: &[u8]) -> Result<Content, String> {
        let text = xml::decode(content)?;
        let root = xml::parse(&text).map_err(|e| format!("failed to parse POM: {e}"))?;
        let parent = root.child("parent");
        let ptext = |n: &str| parent.map(|p| p.child_text(n)).unwrap_or_default();
        let licenses = root
            .path(&["licenses"])
            .map(|l| {
                // The name, else the URL's SPDX id (Trivy's `pomLicenseName`).
                l.children_named("license")
                    .filter_map(|x| {
                        let name = x.child_text("name").trim().to_string();
                        if name.is_empty() {
                            crate::license::id_by_url(&x.child_text("url"))
                        } else {
                            Some(name)
                        }
                    })
                    .collect()
            })
            .unwrap_or_default();
        let modules = root
            .children_named("modules")
            .flat_map(|m| m.children_named("module"))
            .map(|m| m.text.clone())
            .collect();
        let mut properties = Props::new();
        if let Some(p) = root.child("properties") {
            for c in &p.children {
                properties.insert(c.name.clone(), c.text.clone());
            }
        }
        Ok(Content {
            parent: ParentRef {
                group_id: ptext("groupId"),
                artifact_id: ptext("artifactId"),
                version: ptext("version"),
                relative_path: ptext("relativePath"),
            },
            group_id: root.child_text("groupId"),
            artifact_id: root.child_text("artifactId"),
            version: root.child_text("version"),
            licenses,
            modules,
            properties,
            dep_mgmt: deps_of(root.path(&["dependencyManagement", "dependencies"]))?,
            deps: deps_of(root.child("dependencies"))?,
        })
    }

    /// The project fields as properties, each also under `project.` (Trivy's
    /// `projectProperties`): a field wins over a same-named `<properties>` entry unless empty.
    fn project_properties(&self) -> Props {
        let mut listed: Props = Props::new();
        for (k, v) in [
            ("parent.groupId", &self.parent.group_id),
            ("parent.artifactId", &self.parent.artifact_id),
            ("parent.version", &self.parent.version),
            ("parent.relativePath", &self.parent.relative_path),
            ("groupId", &self.group_id),
            ("artifactId", &self.artifact_id),
            ("version", &self.version),
        ] {
            listed.insert(k.to_string(), v.clone());
        }
        for (k, v) in &self.properties {
            if listed.get(k).is_some_and(|x| !x.is_empty()) {
                continue;
            }
            listed.insert(k.clone(), v.clone());
        }
        listed.insert("groupId".into(), self.group_id.clone());
        listed.insert("version".into(), self.version.clone());
        let mut out = Props::new();
        for (k, v) in listed {
            if k.starts_with("project.") {
                continue;
            }
            out.insert(format!("project.{k}"), v.clone());
            out.insert(k, v);
        }
        out
    }

    /// `<properties>` overlaid with the project properties.
    fn all_properties(&self) -> Props {
        let mut props = self.properties.clone();
        props.extend(self.project_properties());
        props
    }

    fn artifact(&self) -> Art {
        let (version, hard) = hard_version(&evaluate(&self.version, &self.properties));
        Art {
            group_id: evaluate(&self.group_id, &self.properties),
            artifact_id: evaluate(&self.artifact_id, &self.properties),
            version,
            hard,
            licenses: self.licenses.clone(),
            ..Default::default()
        }
    }

    /// Takes over what a parent gives: its properties (ours win), and groupId, version and
    /// licenses where ours are empty.
    fn inherit(&mut self, parent: &Content) {
        let mut props = parent.all_properties();
        props.extend(std::mem::take(&mut self.properties));
        self.properties = props;
        let mut art = self.artifact();
        let p = parent.artifact();
        if art.group_id.is_empty() {
            art.group_id = p.group_id;
        }
        if art.licenses.is_empty() {
            art.licenses = p.licenses;
        }
        if art.version.is_empty() {
            art.version = p.version;
        }
        self.group_id = art.group_id;
        self.artifact_id = art.artifact_id;
        self.licenses = art.licenses;
        self.version = if is_property(&art.version) {
            evaluate(&art.version, &self.properties)
        } else {
            art.version
        };
    }
}

/// A POM file: its path in the tree and what it says.
#[derive(Debug, Clone, Default)]
struct Pom {
    path: String,
    content: Content,
}

/// A Maven coordinate as the resolution queue carries it (Trivy's `artifact`).
#[derive(Debug, Clone, Default)]
struct Art {
    group_id: String,
    artifact_id: String,
    version: String,
    /// `[1.0]`: a hard requirement, which overrides a soft one met earlier.
    hard: bool,
    licenses: Vec<String>,
    /// A `<module>` of the POM being resolved: resolved on its own.
    module: bool,
    relationship: &'static str,
    /// The root or module POM this artifact was found under.
    root_path: String,
}

impl Art {
    fn name(&self) -> String {
        format!("{}:{}", self.group_id, self.artifact_id)
    }
    fn key(&self) -> String {
        format!("{}:{}", self.name(), self.version)
    }
    fn is_empty(&self) -> bool {
        self.group_id.is_empty() || self.artifact_id.is_empty()
    }
}

/// What reading one POM gives (Trivy's `analysisResult`).
#[derive(Debug, Clone, Default)]
struct Analysis {
    path: String,
    art: Art,
    deps: Vec<Art>,
    dep_mgmt: Vec<Dep>,
    props: Props,
    modules: Vec<String>,
}

/// Deepest parent chain or BOM import nesting followed; Trivy has no bound, real projects
/// stay under ten.
const MAX_DEPTH: usize = 32;
/// Artifacts dequeued per root file, bounding hostile module and dependency graphs.
const MAX_WORK: usize = 100_000;

struct Parser<'a> {
    files: HashMap<&'a str, &'a [u8]>,
    /// Read POMs by `group:artifact:version`: the root and modules, and misses (Trivy's
    /// cache, which offline holds nothing else).
    cache: HashMap<String, Analysis>,
    work: usize,
}

impl Parser<'_> {
    fn parse(&mut self, path: &str, content: &[u8]) -> Result<Vec<Package>, String> {
        let mut root = Pom {
            path: path.to_string(),
            content: Content::parse(content)?,
        };
        let result = self.analyze(&mut root, path);
        self.cache.insert(result.art.key(), result.clone());
        let mut art = result.art;
        art.relationship = "root";
        let mut modules = HashSet::new();
        Ok(self.parse_root(art, &mut modules))
    }

    /// Resolves `root` and what it brings (its dependencies and, each on its own, its
    /// modules) into packages.
    fn parse_root(&mut self, mut root: Art, modules: &mut HashSet<String>) -> Vec<Package> {
        root.module = false;
        let mut queue = VecDeque::from([root]);
        let mut pkgs = Vec::new();
        // name -> (version, hard, licenses, relationship), in first-seen order.
        let mut uniq: Vec<(String, Art)> = Vec::new();
        while let Some(mut art) = queue.pop_front() {
            self.work += 1;
            if self.work > MAX_WORK {
                break;
            }
            if art.module {
                let id = format!("{}@{}", art.key(), art.root_path);
                if modules.insert(id) {
                    pkgs.extend(self.parse_root(art, modules));
                }
                continue;
            }
            let name = art.name();
            let seen = uniq.iter().position(|(n, _)| *n == name);
            if let Some(i) = seen {
                let old = &uniq[i].1;
                if old.hard || !art.hard {
                    continue;
                }
                if matches!(old.relationship, "root" | "workspace" | "direct") {
                    art.relationship = old.relationship;
                }
            }
            let mut result = self.resolve(&art);
            if matches!(art.relationship, "root" | "workspace") {
                for d in &mut result.deps {
                    d.relationship = "direct";
                }
            }
            for m in &result.modules {
                if let Ok(m) = self.parse_module(&result.path, m) {
                    queue.push_back(m);
                }
            }
            queue.extend(result.deps);
            if !art.is_empty() {
                let kept = Art {
                    licenses: result.art.licenses,
                    ..art
                };
                match seen {
                    Some(i) => uniq[i].1 = kept,
                    None => uniq.push((name, kept)),
                }
            }
        }
        for (name, art) in uniq {
            pkgs.push(Package {
                name,
                version: art.version,
                licenses: art.licenses,
                relationship: art.relationship.to_string(),
                ..Default::default()
            });
        }
        pkgs
    }

    /// A read POM for `art`: offline only the root and modules are known; anything else
    /// resolves to nothing (no transitive dependencies).
    fn resolve(&mut self, art: &Art) -> Analysis {
        if let Some(r) = self.cache.get(&art.key()) {
            return r.clone();
        }
        if art.version.is_empty() {
            return Analysis {
                art: art.clone(),
                ..Default::default()
            };
        }
        self.cache.insert(art.key(), Analysis::default());
        Analysis::default()
    }

    fn parse_module(&mut self, current: &str, relative: &str) -> Result<Art, String> {
        let mut module = self.open_relative(current, relative)?;
        let path = module.path.clone();
        let result = self.analyze(&mut module, &path);
        let mut art = module.content.artifact();
        art.module = true;
        art.root_path = module.path.clone();
        art.relationship = "workspace";
        self.cache.insert(art.key(), result);
        Ok(art)
    }

    fn analyze(&mut self, pom: &mut Pom, root_path: &str) -> Analysis {
        self.resolve_parent(pom, 0);
        let props = pom.content.all_properties();
        let deps = self.dependencies(&pom.content.deps, &props, &pom.content.dep_mgmt, root_path);
        let mut art = pom.content.artifact();
        art.root_path = root_path.to_string();
        Analysis {
            path: pom.path.clone(),
            art,
            deps,
            dep_mgmt: pom.content.dep_mgmt.clone(),
            props,
            modules: pom.content.modules.clone(),
        }
    }

    /// Finds the parent chain of `pom` and inherits from it: properties, fields, managed
    /// dependencies (ours first) and dependencies (first of each name, ours first).
    fn resolve_parent(&mut self, pom: &mut Pom, depth: usize) {
        let parent = self.parse_parent(&pom.path, &pom.content.parent.clone(), depth);
        let c = &mut pom.content;
        c.inherit(&parent.content);
        let mut props = parent.content.properties.clone();
        props.extend(std::mem::take(&mut c.properties));
        c.properties = props;
        let mut seen = HashSet::new();
        c.dep_mgmt = std::mem::take(&mut c.dep_mgmt)
            .into_iter()
            .chain(parent.content.dep_mgmt.iter().cloned())
            .filter(|d| seen.insert(d.name()))
            .collect();
        let mut seen = HashSet::new();
        c.deps = std::mem::take(&mut c.deps)
            .into_iter()
            .chain(parent.content.deps.iter().cloned())
            .filter(|d| seen.insert(d.name()))
            .collect();
    }

    fn parse_parent(&mut self, current: &str, parent: &ParentRef, depth: usize) -> Pom {
        // `<parent>` itself is read without properties: `${x}` there is empty.
        let none = Props::new();
        let target = Art {
            group_id: evaluate(&parent.group_id, &none),
            artifact_id: evaluate(&parent.artifact_id, &none),
            version: hard_version(&evaluate(&parent.version, &none)).0,
            ..Default::default()
        };
        if (target.is_empty() && !is_property(&parent.version)) || depth >= MAX_DEPTH {
            return Pom::default();
        }
        let mut tries = Vec::new();
        if !parent.relative_path.is_empty() {
            tries.push(parent.relative_path.as_str());
        }
        tries.push("../pom.xml");
        for rel in tries {
            let Ok(mut found) = self.open_relative(current, rel) else {
                continue;
            };
            if found.content.artifact().artifact_id != target.artifact_id {
                continue;
            }
            self.resolve_parent(&mut found, depth + 1);
            let a = found.content.artifact();
            // Trivy's `Equal`: any one of the three coordinates matching is enough.
            if a.group_id == target.group_id
                || a.artifact_id == target.artifact_id
                || a.version == target.version
            {
                return found;
            }
        }
        Pom::default()
    }

    /// The POM at `relative` from the directory of `current` (a directory means its
    /// `pom.xml`), among the tree's files.
    fn open_relative(&self, current: &str, relative: &str) -> Result<Pom, String> {
        let dir = current.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
        let mut path =
            join(dir, relative).ok_or_else(|| format!("{relative}: outside the tree"))?;
        let prefix = if path.is_empty() {
            String::new()
        } else {
            format!("{path}/")
        };
        if path.is_empty() || self.files.keys().any(|k| k.starts_with(&prefix)) {
            path = format!("{prefix}pom.xml");
        }
        let content = self
            .files
            .get(path.as_str())
            .ok_or_else(|| format!("{path}: not found"))?;
        Ok(Pom {
            content: Content::parse(content)?,
            path,
        })
    }

    /// Direct dependencies: resolved against the managed ones, test/provided/system and
    /// optional ones left out.
    fn dependencies(
        &mut self,
        deps: &[Dep],
        props: &Props,
        managed: &[Dep],
        root_path: &str,
    ) -> Vec<Art> {
        if deps.is_empty() {
            return Vec::new();
        }
        let managed = self.dep_management(props, managed, 0);
        let mut out = Vec::new();
        for d in deps {
            let d = d.resolved(props, &managed);
            if !(d.scope.is_empty() || d.scope == "compile" || d.scope == "runtime") || d.optional {
                continue;
            }
            let (version, hard) = hard_version(&d.version);
            out.push(Art {
                group_id: d.group_id,
                artifact_id: d.artifact_id,
                version,
                hard,
                relationship: "indirect",
                root_path: root_path.to_string(),
                ..Default::default()
            });
        }
        out
    }

    /// `<dependencyManagement>` with variables evaluated and BOM imports merged after the
    /// POM's own entries.
    fn dep_management(&mut self, props: &Props, managed: &[Dep], depth: usize) -> Vec<Dep> {
        let mut out: Vec<Dep> = managed
            .iter()
            .filter(|d| d.scope != "import")
            .map(|d| d.evaluated(props))
            .collect();
        if depth >= MAX_DEPTH {
            return out;
        }
        for imp in managed.iter().filter(|d| d.scope == "import") {
            let e = imp.evaluated(props);
            let art = Art {
                group_id: e.group_id,
                artifact_id: e.artifact_id,
                version: hard_version(&e.version).0,
                ..Default::default()
            };
            let result = self.resolve(&art);
            let mut merged = props.clone();
            merged.extend(result.props.clone());
            let imported: Vec<Dep> = self
                .dep_management(&merged, &result.dep_mgmt, depth + 1)
                .iter()
                .map(|d| d.evaluated(&merged))
                .collect();
            for d in imported {
                if !out.iter().any(|o| o.name() == d.name()) {
                    out.push(d);
                }
            }
        }
        out
    }
}

/// `dir` + `relative`, cleaned; `None` when it leaves the tree's root.
fn join(dir: &str, relative: &str) -> Option<String> {
    let mut parts: Vec<&str> = dir.split('/').filter(|s| !s.is_empty()).collect();
    for c in relative.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            c => parts.push(c),
        }
    }
    Some(parts.join("/"))
}

/// `${...}` as the whole value: a version still to be evaluated.
fn is_property(s: &str) -> bool {
    s.starts_with("${") && s.ends_with('}')
}

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
