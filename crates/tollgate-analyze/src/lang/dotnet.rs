//! .NET packages: `*.deps.json` (Trivy's `dotnet-core`), `packages.lock.json` and
//! `packages.config` (Trivy's `nuget`), and central package management's
//! `Directory.Packages.props` / `*packages.props` (Trivy's `packages-props`).
//!
//! Licenses that Trivy's nuget analyzer reads from `~/.nuget/packages/**/*.nuspec` (another
//! file) are not filled in here.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Deserialize;

use super::base_name;
use crate::{AnalysisResult, AnalyzeError, Analyzer, Package};

/// The .NET analyzers.
pub fn analyzers() -> Vec<Box<dyn crate::Analyzer>> {
    vec![
        Box::new(DotnetCoreAnalyzer),
        Box::new(NugetAnalyzer),
        Box::new(PackagesPropsAnalyzer),
    ]
}

/// Reads `*.deps.json`, the dependency manifest `dotnet publish` writes next to an app.
pub struct DotnetCoreAnalyzer;

/// Reads NuGet's `packages.lock.json` and the legacy `packages.config`.
pub struct NugetAnalyzer;

fn result(kind: &str, path: &str, mut packages: Vec<Package>) -> AnalysisResult {
    for p in &mut packages {
        p.depends_on.sort();
        p.depends_on.dedup();
    }
    super::sorted_application(kind, path, packages)
}

fn new_package(name: &str, version: &str) -> Package {
    Package {
        name: name.to_string(),
        version: version.to_string(),
        ..Default::default()
    }
}

// ---------------------------------------------------------------------------------------
// *.deps.json

#[derive(Deserialize, Default)]
struct DepsJson {
    #[serde(default, rename = "runtimeTarget")]
    runtime_target: Option<RuntimeTarget>,
    #[serde(default)]
    targets: Option<BTreeMap<String, BTreeMap<String, TargetLib>>>,
    #[serde(default)]
    libraries: Option<BTreeMap<String, Library>>,
}

#[derive(Deserialize, Default)]
struct RuntimeTarget {
    #[serde(default)]
    name: Option<String>,
}

type AnyMap = serde_json::Map<String, serde_json::Value>;

#[derive(Deserialize, Default)]
struct TargetLib {
    #[serde(default)]
    dependencies: Option<BTreeMap<String, serde_json::Value>>,
    #[serde(default)]
    runtime: Option<AnyMap>,
    #[serde(default, rename = "runtimeTargets")]
    runtime_targets: Option<AnyMap>,
    #[serde(default)]
    native: Option<AnyMap>,
}

impl TargetLib {
    /// Whether the app loads anything from this library at run time.
    fn has_assets(&self) -> bool {
        [&self.runtime, &self.runtime_targets, &self.native]
            .iter()
            .any(|m| m.as_ref().is_some_and(|m| !m.is_empty()))
    }
}

#[derive(Deserialize, Default)]
struct Library {
    #[serde(default, rename = "type")]
    kind: Option<String>,
}

const RUNTIMEPACK_PREFIX: &str = "runtimepack.";

impl Analyzer for DotnetCoreAnalyzer {
    fn name(&self) -> &'static str {
        "dotnet-core"
    }
    fn version(&self) -> u32 {
        1
    }
    /// Any file whose name ends in `.deps.json` (as Trivy).
    fn required(&self, path: &str) -> bool {
        base_name(path).ends_with(".deps.json")
    }
    fn analyze(&self, path: &str, content: &[u8]) -> Result<AnalysisResult, AnalyzeError> {
        let deps: DepsJson = serde_json::from_slice(content)
            .map_err(|e| AnalyzeError::new(path, format!("invalid .deps.json: {e}")))?;
        Ok(result("dotnet-core", path, parse_deps(deps)))
    }
}

fn split_name_version(key: &str) -> Option<(&str, &str)> {
    let mut it = key.split('/');
    let (n, v) = (it.next()?, it.next()?);
    if it.next().is_some() {
        return None;
    }
    Some((n, v))
}

fn parse_deps(deps: DepsJson) -> Vec<Package> {
    let libraries = deps.libraries.unwrap_or_default();
    let targets = deps.targets.unwrap_or_default();
    let target_name = deps.runtime_target.and_then(|r| r.name).unwrap_or_default();
    let target = targets.get(&target_name);

    let kind_of = |key: &str| -> String {
        libraries
            .get(key)
            .and_then(|l| l.kind.clone())
            .unwrap_or_default()
            .to_ascii_lowercase()
    };
    // The root is the one project no other project depends on.
    let projects: Vec<&String> = libraries
        .keys()
        .filter(|k| kind_of(k) == "project")
        .collect();
    let root: Option<&String> = {
        let mut used: HashSet<String> = HashSet::new();
        if let Some(t) = target {
            for p in &projects {
                if let Some(deps) = t.get(p.as_str()).and_then(|l| l.dependencies.as_ref()) {
                    used.extend(deps.keys().cloned());
                }
            }
        }
        let roots: Vec<&String> = projects
            .iter()
            .copied()
            .filter(|p| !split_name_version(p).is_some_and(|(n, _)| used.contains(n)))
            .collect();
        if roots.len() == 1 {
            Some(roots[0])
        } else {
            None
        }
    };
    let direct: Option<HashSet<String>> = match (target, root) {
        (Some(t), Some(r)) => Some(
            t.get(r.as_str())
                .and_then(|l| l.dependencies.as_ref())
                .map(|d| d.keys().cloned().collect())
                .unwrap_or_default(),
        ),
        _ => None,
    };

    let mut out = Vec::new();
    // library key -> ID of the package listed for it
    let mut listed: HashMap<&str, String> = HashMap::new();
    for key in libraries.keys() {
        let kind = kind_of(key);
        let Some((raw_name, version)) = split_name_version(key) else {
            continue;
        };
        let name = match kind.as_str() {
            "package" => raw_name,
            // Self-contained apps carry the runtime itself as `runtimepack.<name>`.
            "runtimepack" => raw_name
                .strip_prefix(RUNTIMEPACK_PREFIX)
                .unwrap_or(raw_name),
            _ => continue,
        };
        // A package the runtime target lists without any assets is never loaded.
        let entry = target.and_then(|t| t.get(key.as_str()));
        if entry.is_some_and(|e| !e.has_assets()) {
            continue;
        }
        let mut p = new_package(name, version);
        if let Some(direct) = &direct {
            p.relationship = if direct.contains(raw_name) {
                "direct"
            } else {
                "indirect"
            }
            .into();
        }
        if let Some(d) = entry.and_then(|e| e.dependencies.as_ref()) {
            for (dn, dv) in d {
                if let Some(dv) = dv.as_str() {
                    p.depends_on.push(format!("{dn}/{dv}"));
                }
            }
        }
        listed.insert(key.as_str(), format!("{name}/{version}"));
        out.push(p);
    }
    // Dependencies point at listed packages only (Trivy's IDs), not at skipped ones.
    for p in &mut out {
        p.depends_on = p
            .depends_on
            .iter()
            .filter_map(|d| listed.get(d.as_str()).cloned())
            .collect();
    }
    out
}

// ---------------------------------------------------------------------------------------
// packages.lock.json and packages.config

impl Analyzer for NugetAnalyzer {
    fn name(&self) -> &'static str {
        "nuget"
    }
    fn version(&self) -> u32 {
        1
    }
    /// `packages.lock.json` and `packages.config` (as Trivy).
    fn required(&self, path: &str) -> bool {
        matches!(base_name(path), "packages.lock.json" | "packages.config")
    }
    fn analyze(&self, path: &str, content: &[u8]) -> Result<AnalysisResult, AnalyzeError> {
        let packages = if base_name(path) == "packages.config" {
            parse_config(content)
                .map_err(|e| AnalyzeError::new(path, format!("invalid packages.config: {e}")))?
        } else {
            let lock: NugetLock = serde_json::from_slice(content)
                .map_err(|e| AnalyzeError::new(path, format!("invalid packages.lock.json: {e}")))?;
            parse_lock(lock)
        };
        Ok(result("nuget", path, packages))
    }
}

#[derive(Deserialize, Default)]
struct NugetLock {
    /// Target framework -> package -> entry.
    #[serde(default)]
    dependencies: Option<BTreeMap<String, BTreeMap<String, NugetDep>>>,
}

#[derive(Deserialize, Default)]
struct NugetDep {
    #[serde(default, rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    resolved: Option<String>,
    #[serde(default)]
    dependencies: Option<BTreeMap<String, serde_json::Value>>,
}

fn parse_lock(lock: NugetLock) -> Vec<Package> {
    let mut index: HashMap<(String, String), usize> = HashMap::new();
    let mut out: Vec<Package> = Vec::new();
    for target in lock.dependencies.unwrap_or_default().values() {
        for (name, dep) in target {
            // The project itself.
            if dep.kind.as_deref() == Some("Project") {
                continue;
            }
            let version = dep.resolved.clone().unwrap_or_default();
            let depends: Vec<String> = dep
                .dependencies
                .iter()
                .flatten()
                .map(|(dn, _)| {
                    let v = target
                        .get(dn)
                        .and_then(|d| d.resolved.clone())
                        .unwrap_or_default();
                    format!("{dn}@{v}")
                })
                .collect();
            let direct = dep.kind.as_deref() == Some("Direct");
            match index.get(&(name.clone(), version.clone())) {
                Some(&i) => {
                    let p = &mut out[i];
                    p.depends_on.extend(depends);
                    if direct {
                        p.relationship = "direct".into();
                    }
                }
                None => {
                    let mut p = new_package(name, &version);
                    p.relationship = if direct { "direct" } else { "indirect" }.into();
                    p.depends_on = depends;
                    index.insert((name.clone(), version), out.len());
                    out.push(p);
                }
            }
        }
    }
    out
}

/// `<packages><package id=".." version=".." developmentDependency=".."/></packages>`; stops
/// after the root element, as Go's decoder does.
fn parse_config(content: &[u8]) -> Result<Vec<Package>, String> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_reader(content);
    let mut depth = 0usize;
    let mut seen: HashSet<(String, String)> = HashSet::new();
    let mut out = Vec::new();
    let mut buf = Vec::new();
    loop {
        let ev = reader
            .read_event_into(&mut buf)
            .map_err(|e| format!("XML error at byte {}: {e}", reader.error_position()))?;
        let (start, empty) = match &ev {
            Event::Start(s) => (Some(s.clone()), false),
            Event::Empty(s) => (Some(s.clone()), true),
            Event::End(_) => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return Ok(out);
                }
                (None, false)
            }
            Event::Eof => {
                return Err(if depth == 0 {
                    "no <packages> element".to_string()
                } else {
                    "unexpected end of file".to_string()
                })
            }
            _ => (None, false),
        };
        if let Some(s) = start {
            let local_name = s.local_name();
            let local: String = local_name.as_ref().to_string();
            if depth == 0 && local != "packages" {
                return Err(format!("expected element <packages>, found <{local}>"));
            }
            if depth == 1 && local == "package" {
                let mut id = String::new();
                let mut version = String::new();
                let mut dev = false;
                for attr in s.attributes() {
                    let attr = attr.map_err(|e| format!("bad attribute: {e}"))?;
                    let key_name = attr.key.local_name();
                    let key: String = key_name.as_ref().to_string();
                    let value = attr
                        .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                        .map_err(|e| format!("bad attribute value: {e}"))?
                        .into_owned();
                    match key.as_str() {
                        "id" => id = value,
                        "version" => version = value,
                        "developmentDependency" => {
                            dev = match value.as_str() {
                                "1" | "t" | "T" | "true" | "TRUE" | "True" => true,
                                "0" | "f" | "F" | "false" | "FALSE" | "False" => false,
                                other => {
                                    return Err(format!(
                                        "developmentDependency=\"{other}\" is not a boolean"
                                    ))
                                }
                            }
                        }
                        _ => {}
                    }
                }
                // Development-only packages are left out, as Trivy does.
                if !id.is_empty() && !dev && seen.insert((id.clone(), version.clone())) {
                    out.push(new_package(&id, &version));
                }
            }
            if empty {
                if depth == 0 {
                    return Ok(out);
                }
            } else {
                depth += 1;
            }
        }
        buf.clear();
    }
}

// ---------------------------------------------------------------------------------------
// Directory.Packages.props

/// Reads `Directory.Packages.props` and any file whose name ends in `packages.props`, in
/// any case (NuGet accepts lower-case names): the `PackageReference` and `PackageVersion`
/// items of the `<Project>`'s item groups.
pub struct PackagesPropsAnalyzer;

impl Analyzer for PackagesPropsAnalyzer {
    fn name(&self) -> &'static str {
        "packages-props"
    }
    fn version(&self) -> u32 {
        1
    }
    fn required(&self, path: &str) -> bool {
        path.to_lowercase().ends_with("packages.props")
    }
    fn analyze(&self, path: &str, content: &[u8]) -> Result<AnalysisResult, AnalyzeError> {
        let packages = parse_props(content)
            .map_err(|e| AnalyzeError::new(path, format!("invalid packages.props: {e}")))?;
        Ok(result("packages-props", path, packages))
    }
}

/// `<Project><ItemGroup><PackageVersion Include=".." Version=".."/>`: `Include` before the
/// legacy `Update`; items with an empty name or version, or an MSBuild property (`$(X)`) for
/// either, are skipped (the file does not say what the property holds).
fn parse_props(content: &[u8]) -> Result<Vec<Package>, String> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_reader(content);
    // Local names of the open elements.
    let mut open: Vec<String> = Vec::new();
    let mut seen: HashSet<(String, String)> = HashSet::new();
    let mut out = Vec::new();
    let mut buf = Vec::new();
    let is_property = |s: &str| s.starts_with("$(") && s.ends_with(')');
    loop {
        let ev = reader
            .read_event_into(&mut buf)
            .map_err(|e| format!("XML error at byte {}: {e}", reader.error_position()))?;
        let (start, empty) = match &ev {
            Event::Start(s) => (s.clone(), false),
            Event::Empty(s) => (s.clone(), true),
            Event::End(_) => {
                open.pop();
                if open.is_empty() {
                    return Ok(out);
                }
                buf.clear();
                continue;
            }
            Event::Eof => {
                return Err(if open.is_empty() {
                    "no <Project> element".to_string()
                } else {
                    "unexpected end of file".to_string()
                })
            }
            _ => {
                buf.clear();
                continue;
            }
        };
        let local_name = start.local_name();
        let local: String = local_name.as_ref().to_string();
        if open.is_empty() && local != "Project" {
            return Err(format!("expected element <Project>, found <{local}>"));
        }
        if open.len() == 2
            && open[1] == "ItemGroup"
            && matches!(local.as_str(), "PackageReference" | "PackageVersion")
        {
            let (mut include, mut update, mut version) =
                (String::new(), String::new(), String::new());
            for attr in start.attributes() {
                let attr = attr.map_err(|e| format!("bad attribute: {e}"))?;
                let value = attr
                    .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                    .map_err(|e| format!("bad attribute value: {e}"))?
                    .into_owned();
                let key_name = attr.key.local_name();
                match key_name.as_ref() {
                    "Include" => include = value,
                    "Update" => update = value,
                    "Version" => version = value,
                    _ => {}
                }
            }
            let name = if include.is_empty() { update } else { include };
            let (name, version) = (name.trim().to_string(), version.trim().to_string());
            if !name.is_empty()
                && !version.is_empty()
                && !is_property(&name)
                && !is_property(&version)
                && seen.insert((name.clone(), version.clone()))
            {
                out.push(new_package(&name, &version));
            }
        }
        if empty {
            if open.is_empty() {
                return Ok(out);
            }
        } else {
            open.push(local);
        }
        buf.clear();
    }
}
