//! Rust: `Cargo.lock` files and binaries built with `cargo auditable`, as Trivy reads them.

use std::collections::BTreeMap;
use std::io::Read;

use object::{Object, ObjectSection};
use serde::Deserialize;

use super::{is_executable, sorted_application};
use crate::{AnalysisResult, AnalyzeError, Analyzer, Package};

/// The Rust analyzers, for the lead to wire in.
pub fn analyzers() -> Vec<Box<dyn Analyzer>> {
    vec![Box::new(CargoAnalyzer), Box::new(RustBinaryAnalyzer)]
}

// ---------------------------------------------------------------------------------------------
// cargo
// ---------------------------------------------------------------------------------------------

/// `Cargo.lock` files, all lockfile versions (Trivy's `cargo`).
pub struct CargoAnalyzer;

#[derive(Deserialize)]
struct Lockfile {
    #[serde(default)]
    package: Vec<LockPackage>,
}

#[derive(Deserialize)]
struct LockPackage {
    #[serde(default)]
    name: String,
    #[serde(default)]
    version: String,
    #[serde(default)]
    dependencies: Vec<String>,
}

impl Analyzer for CargoAnalyzer {
    fn name(&self) -> &'static str {
        "cargo"
    }
    /// 2: reads its sibling file(s) too.
    fn version(&self) -> u32 {
        2
    }
    fn required(&self, path: &str) -> bool {
        path.rsplit('/').next() == Some("Cargo.lock")
    }
    fn analyze(&self, path: &str, content: &[u8]) -> Result<AnalysisResult, AnalyzeError> {
        let pkgs = parse_cargo_lock(content).map_err(|e| AnalyzeError::new(path, e))?;
        if pkgs.is_empty() {
            return Ok(AnalysisResult::default());
        }
        Ok(sorted_application("cargo", path, pkgs))
    }
    /// Trivy's `cargo` post-analyzer also reads the `Cargo.toml` beside the lockfile and the
    /// ones of the workspace members below it.
    fn siblings(&self) -> &'static [&'static str] {
        &["Cargo.toml"]
    }
    fn analyze_with_siblings(
        &self,
        path: &str,
        content: &[u8],
        siblings: &[(&str, &[u8])],
    ) -> Result<AnalysisResult, AnalyzeError> {
        let Some(root) = crate::sibling_in_dir(path, "Cargo.toml", siblings) else {
            return self.analyze(path, content);
        };
        // As Trivy: an unreadable Cargo.toml is logged and the lockfile alone is reported.
        let Some(root) = std::str::from_utf8(root)
            .ok()
            .and_then(|t| toml::from_str::<toml::Value>(t).ok())
        else {
            return self.analyze(path, content);
        };
        let text = std::str::from_utf8(content)
            .map_err(|e| AnalyzeError::new(path, format!("Cargo.lock is not UTF-8: {e}")))?;
        let lock: Lockfile = toml::from_str(text)
            .map_err(|e| AnalyzeError::new(path, format!("Cargo.lock: {e}")))?;
        if lock.package.is_empty() {
            return Ok(AnalysisResult::default());
        }
        let dir = path.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
        let pkgs = with_cargo_toml(
            &lock.package,
            &root,
            &workspace_members(dir, &root, siblings),
        );
        Ok(sorted_application("cargo", path, pkgs))
    }
}

/// The parsed `Cargo.toml` files of the workspace members (`[workspace] members`, globs
/// included) found among the siblings below `dir`; unreadable ones are skipped, as in Trivy.
fn workspace_members(
    dir: &str,
    root: &toml::Value,
    siblings: &[(&str, &[u8])],
) -> Vec<toml::Value> {
    let Some(members) = root
        .get("workspace")
        .and_then(|w| w.get("members"))
        .and_then(|m| m.as_array())
    else {
        return Vec::new();
    };
    let mut b = globset::GlobSetBuilder::new();
    for m in members.iter().filter_map(|m| m.as_str()) {
        let m = m.trim_start_matches("./").trim_end_matches('/');
        if let Ok(g) = globset::GlobBuilder::new(m).literal_separator(true).build() {
            b.add(g);
        }
    }
    let Ok(set) = b.build() else {
        return Vec::new();
    };
    let prefix = if dir.is_empty() {
        String::new()
    } else {
        format!("{dir}/")
    };
    siblings
        .iter()
        .filter_map(|(p, c)| {
            let rel = p.strip_prefix(&prefix)?.strip_suffix("/Cargo.toml")?;
            if rel.is_empty() || !set.is_match(rel) {
                return None;
            }
            toml::from_str::<toml::Value>(std::str::from_utf8(c).ok()?).ok()
        })
        .collect()
}

/// The requirements a Cargo.toml declares as Trivy reads them: `[dependencies]`,
/// `[target.*.dependencies]` and `[workspace.dependencies]` (not dev- or build-dependencies);
/// `{ workspace = true }` entries and entries without a version are skipped.
fn declared_deps(toml: &toml::Value, out: &mut BTreeMap<String, String>) {
    let mut tables = vec![toml.get("dependencies")];
    if let Some(targets) = toml.get("target").and_then(|t| t.as_table()) {
        tables.extend(targets.values().map(|t| t.get("dependencies")));
    }
    tables.push(toml.get("workspace").and_then(|w| w.get("dependencies")));
    for t in tables.into_iter().flatten().filter_map(|t| t.as_table()) {
        for (name, v) in t {
            let req = match v {
                toml::Value::String(s) => Some(s.as_str()),
                toml::Value::Table(t) if t.contains_key("workspace") => None,
                toml::Value::Table(t) => t.get("version").and_then(|v| v.as_str()),
                _ => None,
            };
            if let Some(req) = req {
                out.insert(name.clone(), req.to_string());
            }
        }
    }
}

/// `[package]` name and version (`version.workspace = true` takes `[workspace.package]`'s).
fn package_id(toml: &toml::Value, root: &toml::Value) -> Option<(String, Option<String>)> {
    let pkg = toml.get("package")?;
    let name = pkg.get("name")?.as_str()?.to_string();
    let version = match pkg.get("version") {
        Some(toml::Value::String(s)) => Some(s.clone()),
        Some(toml::Value::Table(t)) if t.contains_key("workspace") => root
            .get("workspace")
            .and_then(|w| w.get("package"))
            .and_then(|p| p.get("version"))
            .and_then(|v| v.as_str())
            .map(str::to_string),
        _ => None,
    };
    Some((name, version))
}

/// Trivy's use of Cargo.toml: the root package is `root` (a virtual workspace gets a nameless
/// `root` entry), members are `workspace`, the first locked version of each declared
/// requirement that satisfies it is `direct`, what those depend on (Cargo.lock
/// `dependencies`) is `indirect`, and every other crate (dev-only and other unreachable ones)
/// is dropped.
fn with_cargo_toml(
    lock: &[LockPackage],
    root: &toml::Value,
    members: &[toml::Value],
) -> Vec<Package> {
    let mut deps = BTreeMap::new();
    for m in members {
        declared_deps(m, &mut deps);
    }
    // Member requirements do not override the root's.
    declared_deps(root, &mut deps);
    let mut rel: Vec<Option<&str>> = vec![None; lock.len()];
    let mut stack = Vec::new();
    for (name, req) in &deps {
        if let Some(i) = lock
            .iter()
            .position(|p| &p.name == name && cargo_req_matches(req, &p.version))
        {
            rel[i] = Some("direct");
            stack.push(i);
        }
    }
    while let Some(i) = stack.pop() {
        for d in &lock[i].dependencies {
            let mut it = d.split_whitespace();
            let (name, version) = (it.next().unwrap_or(""), it.next());
            let found = lock
                .iter()
                .position(|p| p.name == name && version.is_none_or(|v| p.version == v));
            if let Some(j) = found {
                if rel[j].is_none() {
                    rel[j] = Some("indirect");
                    stack.push(j);
                }
            }
        }
    }
    let find = |(name, version): &(String, Option<String>)| {
        lock.iter()
            .position(|p| &p.name == name && version.as_ref().is_none_or(|v| &p.version == v))
    };
    for m in members {
        if let Some(i) = package_id(m, root).as_ref().and_then(find) {
            rel[i] = Some("workspace");
        }
    }
    let mut out = Vec::new();
    match package_id(root, root) {
        Some(id) => {
            if let Some(i) = find(&id) {
                rel[i] = Some("root");
            }
        }
        None if root.get("workspace").is_some() => out.push(Package {
            relationship: "root".into(),
            ..Default::default()
        }),
        None => {}
    }
    out.extend(lock.iter().zip(rel).filter_map(|(p, r)| {
        Some(Package {
            name: p.name.clone(),
            version: p.version.clone(),
            relationship: r?.to_string(),
            ..Default::default()
        })
    }));
    out
}

/// `major.minor.patch` and whether it is a pre-release; None when not a version.
fn cargo_version(v: &str) -> Option<([u64; 3], bool)> {
    let v = v.split('+').next()?;
    let (core, pre) = match v.split_once('-') {
        Some((c, _)) => (c, true),
        None => (v, false),
    };
    let mut n = [0u64; 3];
    let mut parts = core.split('.');
    for x in &mut n {
        *x = parts.next()?.parse().ok()?;
    }
    parts.next().is_none().then_some((n, pre))
}

/// Whether a locked version satisfies a Cargo version requirement (`1.2`, `^1.2`, `~1`,
/// `=1.7.3`, `<0.6`, `>=1, <2`, `1.*`, `*`), Cargo's rules; pre-releases only match a
/// comparator naming the same `major.minor.patch`.
pub fn cargo_req_matches(req: &str, version: &str) -> bool {
    let Some((v, pre)) = cargo_version(version) else {
        return false;
    };
    let mut same_triple = false;
    for c in req.split(',') {
        let c = c.trim();
        let (op, rest) = ["<=", ">=", "=", "<", ">", "~", "^"]
            .iter()
            .find_map(|op| c.strip_prefix(op).map(|r| (*op, r.trim())))
            .unwrap_or(("", c));
        let rest = rest
            .split('-')
            .next()
            .unwrap_or("")
            .split('+')
            .next()
            .unwrap_or("");
        let mut p: Vec<Option<u64>> = Vec::new();
        for part in rest.split('.').filter(|s| !s.is_empty()) {
            if matches!(part, "*" | "x" | "X") {
                break;
            }
            match part.parse() {
                Ok(n) => p.push(Some(n)),
                Err(_) => return false,
            }
        }
        if p.len() > 3 {
            return false;
        }
        let (maj, min, pat) = (
            p.first().copied().flatten(),
            p.get(1).copied().flatten(),
            p.get(2).copied().flatten(),
        );
        let Some(maj) = maj else {
            continue; // `*`
        };
        let lo = [maj, min.unwrap_or(0), pat.unwrap_or(0)];
        if pat.is_some() && lo == v {
            same_triple = true;
        }
        // The exclusive upper bound of a partial version (`1.2` -> 1.3.0, `1` -> 2.0.0).
        let next = match (min, pat) {
            (None, _) => [maj + 1, 0, 0],
            (Some(m), None) => [maj, m + 1, 0],
            (Some(m), Some(pt)) => [maj, m, pt + 1],
        };
        let ok = match op {
            "=" => v >= lo && v < next,
            "" if rest.contains('*') || rest.contains(['x', 'X']) => v >= lo && v < next,
            ">" => v >= next,
            ">=" => v >= lo,
            "<" => v < lo,
            "<=" => v < next,
            "~" => {
                let hi = match min {
                    None => [maj + 1, 0, 0],
                    Some(m) => [maj, m + 1, 0],
                };
                v >= lo && v < hi
            }
            _ => {
                // caret, the default
                let hi = match (maj, min, pat) {
                    (0, None, _) => [1, 0, 0],
                    (0, Some(0), None) => [0, 1, 0],
                    (0, Some(0), Some(pt)) => [0, 0, pt + 1],
                    (0, Some(m), _) => [0, m + 1, 0],
                    (_, _, _) => [maj + 1, 0, 0],
                };
                v >= lo && v < hi
            }
        };
        if !ok {
            return false;
        }
    }
    !pre || same_triple
}

/// Every `[[package]]` of a Cargo.lock (v1 to v4 share this table), in file order. As in
/// Trivy, a crate locked twice at one version from two sources (registry and git) is listed
/// twice, and workspace members and the root crate are listed too: Trivy only tells them
/// apart with the Cargo.toml next to the lockfile (see `analyze_with_siblings`).
pub fn parse_cargo_lock(content: &[u8]) -> Result<Vec<Package>, String> {
    let text = std::str::from_utf8(content).map_err(|e| format!("Cargo.lock is not UTF-8: {e}"))?;
    let lock: Lockfile = toml::from_str(text).map_err(|e| format!("Cargo.lock: {e}"))?;
    Ok(lock
        .package
        .into_iter()
        .map(|p| Package {
            name: p.name,
            version: p.version,
            ..Default::default()
        })
        .collect())
}

// ---------------------------------------------------------------------------------------------
// rustbinary
// ---------------------------------------------------------------------------------------------

/// Executables carrying `cargo auditable` dependency data (Trivy's `rustbinary`).
pub struct RustBinaryAnalyzer;

/// Decompressed audit data larger than this is refused (real ones are a few KiB).
const MAX_AUDIT_JSON: u64 = 16 << 20;

#[derive(Deserialize)]
struct AuditInfo {
    packages: Vec<AuditPackage>,
}

#[derive(Deserialize)]
struct AuditPackage {
    name: String,
    version: String,
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    dependencies: Vec<usize>,
    #[serde(default)]
    root: bool,
}

impl Analyzer for RustBinaryAnalyzer {
    fn name(&self) -> &'static str {
        "rustbinary"
    }
    fn version(&self) -> u32 {
        2
    }
    /// Without mode bits nothing can be said; the walker calls [`Analyzer::required_file`].
    fn required(&self, _path: &str) -> bool {
        false
    }
    fn required_file(&self, _path: &str, mode: u32, _size: u64) -> bool {
        is_executable(mode)
    }
    fn analyze(&self, path: &str, content: &[u8]) -> Result<AnalysisResult, AnalyzeError> {
        match parse_rust_binary(content) {
            Ok(None) => Ok(AnalysisResult::default()),
            Ok(Some(pkgs)) if pkgs.is_empty() => Ok(AnalysisResult::default()),
            Ok(Some(pkgs)) => Ok(sorted_application("rustbinary", path, pkgs)),
            Err(e) => Err(AnalyzeError::new(path, format!("rust binary: {e}"))),
        }
    }
}

/// The compressed audit data: `.dep-v0` (ELF, PE) or `__DATA,__dep_v0` (Mach-O).
fn audit_section(data: &[u8]) -> Result<Option<&[u8]>, String> {
    let is_elf = data.starts_with(b"\x7fELF");
    let is_macho = [
        [0xfe, 0xed, 0xfa, 0xce],
        [0xfe, 0xed, 0xfa, 0xcf],
        [0xce, 0xfa, 0xed, 0xfe],
        [0xcf, 0xfa, 0xed, 0xfe],
    ]
    .iter()
    .any(|m| data.starts_with(m));
    if !is_elf && !is_macho && !data.starts_with(b"MZ") {
        return Ok(None);
    }
    let file = match object::File::parse(data) {
        Ok(f) => f,
        // The Go library Trivy uses reports an unparsable file as an unknown format.
        Err(_) => return Ok(None),
    };
    let name = if is_macho { "__dep_v0" } else { ".dep-v0" };
    let Some(sec) = file.section_by_name(name) else {
        return Ok(None);
    };
    sec.data()
        .map(Some)
        .map_err(|e| format!("unreadable {name} section: {e}"))
}

/// Trivy's packages for an auditable binary; None when the file carries no audit data.
fn parse_rust_binary(data: &[u8]) -> Result<Option<Vec<Package>>, String> {
    let Some(compressed) = audit_section(data)? else {
        return Ok(None);
    };
    let mut json = Vec::new();
    flate2::read::ZlibDecoder::new(compressed)
        .take(MAX_AUDIT_JSON + 1)
        .read_to_end(&mut json)
        .map_err(|e| format!("cannot decompress the .dep-v0 audit data: {e}"))?;
    if json.len() as u64 > MAX_AUDIT_JSON {
        return Err(format!("audit data larger than {MAX_AUDIT_JSON} bytes"));
    }
    let info: AuditInfo =
        serde_json::from_slice(&json).map_err(|e| format!("invalid audit data JSON: {e}"))?;
    for p in &info.packages {
        if p.dependencies.iter().any(|&i| i >= info.packages.len()) {
            return Err("audit data: dependency index out of range".into());
        }
    }
    // Build-time dependencies (build scripts, proc macros) are not in the binary.
    let runtime = |p: &AuditPackage| p.kind.as_deref().unwrap_or("runtime") == "runtime";
    let pkgs = info
        .packages
        .iter()
        .filter(|p| runtime(p))
        .map(|p| Package {
            name: p.name.clone(),
            version: p.version.clone(),
            relationship: if p.root { "root" } else { "" }.to_string(),
            // The dependency graph `cargo auditable` records, runtime edges only.
            depends_on: p
                .dependencies
                .iter()
                .map(|&i| &info.packages[i])
                .filter(|d| runtime(d))
                .map(|d| format!("{}@{}", d.name, d.version))
                .collect(),
            ..Default::default()
        })
        .collect();
    Ok(Some(pkgs))
}
