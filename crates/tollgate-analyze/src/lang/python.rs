//! Python packages: installed metadata (`python-pkg`) and the lockfiles Trivy reads
//! (`pip` requirements.txt, `pipenv` Pipfile.lock, `poetry` poetry.lock, `uv` uv.lock,
//! `pylock` PEP 751 pylock.toml).
//!
//! Package lists follow Trivy 0.76 (checked against its own testdata in
//! `tests/lang_python.rs`). Development-only packages are returned with `dev = true`;
//! as in Trivy, the scan drops them unless asked to include dev dependencies.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Read;

use serde::Deserialize;

use super::{base_name, text, MAX_FILE};
use crate::{AnalysisResult, AnalyzeError, Analyzer, Package};

/// Bound on a PKG-INFO read out of a `.egg` zip.
const MAX_EGG_PKG_INFO: u64 = 4 << 20;

/// All Python analyzers.
pub fn analyzers() -> Vec<Box<dyn Analyzer>> {
    vec![
        Box::new(PythonPkgAnalyzer),
        Box::new(PipAnalyzer),
        Box::new(PipenvAnalyzer),
        Box::new(PoetryAnalyzer),
        Box::new(UvAnalyzer),
        Box::new(PylockAnalyzer),
    ]
}

fn pkg(name: &str, version: &str) -> Package {
    Package {
        name: name.to_string(),
        version: version.to_string(),
        ..Default::default()
    }
}

/// PEP 503 name normalisation: lower case, runs of `-`, `_`, `.` become one `-`.
pub fn normalize_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut sep = false;
    for c in name.trim().chars() {
        if matches!(c, '-' | '_' | '.') {
            sep = true;
            continue;
        }
        if sep && !out.is_empty() {
            out.push('-');
        }
        sep = false;
        out.extend(c.to_lowercase());
    }
    out
}

// ---------------------------------------------------------------- python-pkg

/// Installed distributions: `*.dist-info/METADATA`, `*.egg-info/PKG-INFO`, `*.egg-info`
/// files, `EGG-INFO/PKG-INFO` and zipped `.egg` files (Trivy's `python-pkg`).
pub struct PythonPkgAnalyzer;

impl Analyzer for PythonPkgAnalyzer {
    fn name(&self) -> &'static str {
        "python-pkg"
    }
    fn version(&self) -> u32 {
        2
    }
    fn required(&self, path: &str) -> bool {
        [
            ".egg",
            "EGG-INFO/PKG-INFO",
            ".egg-info",
            ".egg-info/PKG-INFO",
            ".dist-info/METADATA",
        ]
        .iter()
        .any(|s| path.ends_with(s))
    }
    fn analyze(&self, path: &str, content: &[u8]) -> Result<AnalysisResult, AnalyzeError> {
        let owned;
        let content = if path.ends_with(".egg") {
            owned = egg_pkg_info(path, content)?;
            &owned[..]
        } else {
            content
        };
        let t = text(path, content, "package metadata")?;
        let mut p = parse_metadata(t).map_err(|m| AnalyzeError::new(path, m))?;
        p.file_path = path.to_string();
        Ok(AnalysisResult::application("python-pkg", path, vec![p]))
    }
}

fn egg_pkg_info(path: &str, content: &[u8]) -> Result<Vec<u8>, AnalyzeError> {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(content))
        .map_err(|e| AnalyzeError::new(path, format!("not a readable .egg zip archive: {e}")))?;
    let mut f = z
        .by_name("EGG-INFO/PKG-INFO")
        .map_err(|e| AnalyzeError::new(path, format!(".egg has no EGG-INFO/PKG-INFO: {e}")))?;
    let mut out = Vec::new();
    (&mut f)
        .take(MAX_EGG_PKG_INFO)
        .read_to_end(&mut out)
        .map_err(|e| AnalyzeError::new(path, format!("cannot read EGG-INFO/PKG-INFO: {e}")))?;
    Ok(out)
}

/// Parses core metadata (the e-mail header format of METADATA / PKG-INFO).
pub fn parse_metadata(text: &str) -> Result<Package, String> {
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        if line.trim().is_empty() {
            break; // the body (long description) follows
        }
        if line.starts_with([' ', '\t']) {
            if let Some(last) = headers.last_mut() {
                last.1.push(' ');
                last.1.push_str(line.trim());
            }
            continue;
        }
        let Some((k, v)) = line.split_once(':') else {
            return Err(format!("malformed metadata header line {line:?}"));
        };
        headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
    }
    let get = |k: &str| {
        headers
            .iter()
            .find(|(h, _)| h == k)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    };
    let (name, version) = (get("name"), get("version"));
    if name.is_empty() || version.is_empty() {
        return Err("metadata has no Name or no Version header".into());
    }
    let mut p = pkg(name, version);
    // Trivy 0.76: License-Expression, else the license classifiers (they name the license;
    // License may only add terms), else License; then split like any license string. A
    // License-File alone is not read: Trivy classifies the file's text, which we do not.
    let classifiers: Vec<&str> = headers
        .iter()
        .filter(|(h, _)| h == "classifier")
        .filter_map(|(_, v)| v.strip_prefix("License :: "))
        .filter_map(|v| v.rsplit(" :: ").next())
        .filter(|v| *v != "OSI Approved")
        .collect();
    let license = match get("license-expression") {
        "" if !classifiers.is_empty() => classifiers.join(", "),
        "" => get("license").to_string(),
        expr => expr.to_string(),
    };
    p.licenses = crate::license::split(&license);
    Ok(p)
}

// ---------------------------------------------------------------- pip

/// `requirements.txt`: only `name==version` lines, as Trivy's `pip` analyzer.
pub struct PipAnalyzer;

impl Analyzer for PipAnalyzer {
    fn name(&self) -> &'static str {
        "pip"
    }
    fn version(&self) -> u32 {
        2
    }
    fn required(&self, path: &str) -> bool {
        base_name(path) == "requirements.txt"
    }
    fn analyze(&self, path: &str, content: &[u8]) -> Result<AnalysisResult, AnalyzeError> {
        if content.len() > MAX_FILE {
            return Err(AnalyzeError::new(path, "requirements file too large"));
        }
        let decoded = decode_text(content).ok_or_else(|| {
            AnalyzeError::new(path, "requirements file is not UTF-8 or UTF-16 text")
        })?;
        Ok(AnalysisResult::application(
            "pip",
            path,
            parse_requirements(&decoded),
        ))
    }
}

/// UTF-8 (BOM optional) or UTF-16 with a BOM, as Trivy's unicode decoder accepts.
fn decode_text(b: &[u8]) -> Option<String> {
    let utf16 = |b: &[u8], le: bool| {
        let units: Vec<u16> = b
            .chunks_exact(2)
            .map(|c| {
                if le {
                    u16::from_le_bytes([c[0], c[1]])
                } else {
                    u16::from_be_bytes([c[0], c[1]])
                }
            })
            .collect();
        String::from_utf16(&units).ok()
    };
    if let Some(r) = b.strip_prefix(b"\xff\xfe") {
        return utf16(r, true);
    }
    if let Some(r) = b.strip_prefix(b"\xfe\xff") {
        return utf16(r, false);
    }
    let b = b.strip_prefix(b"\xef\xbb\xbf").unwrap_or(b);
    std::str::from_utf8(b).ok().map(str::to_string)
}

/// Parses requirements.txt text into pinned packages (Trivy's pip parser rules).
pub fn parse_requirements(text: &str) -> Vec<Package> {
    let mut out = Vec::new();
    for raw in text.lines() {
        let mut line: String = raw.chars().filter(|c| *c != ' ' && *c != '\\').collect();
        line = remove_extras(&line);
        for key in ["#", ";", "--"] {
            if let Some(i) = line.find(key) {
                line.truncate(i);
            }
        }
        let parts: Vec<&str> = line.split("==").collect();
        if parts.len() != 2 {
            continue;
        }
        let (name, version) = (parts[0], parts[1]);
        if !valid_name(name) || !valid_version(version) {
            continue;
        }
        out.push(pkg(name, version));
    }
    out
}

fn remove_extras(line: &str) -> String {
    match (line.find('['), line.find(']')) {
        (Some(a), Some(b)) if a < b => format!("{}{}", &line[..a], &line[b + 1..]),
        _ => line.to_string(),
    }
}

fn valid_name(n: &str) -> bool {
    // PEP 508: ^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$ (case-insensitive)
    let b = n.as_bytes();
    !b.is_empty()
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'-'))
}

fn valid_version(v: &str) -> bool {
    // A PEP 440 shaped version: starts with a digit (after an optional `v` or epoch) and
    // holds only the characters PEP 440 allows; rejects templating like `{{ version }}`.
    let s = v.strip_prefix(['v', 'V']).unwrap_or(v);
    !s.is_empty()
        && s.as_bytes()[0].is_ascii_digit()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '!' | '+' | '-' | '_'))
}

// ---------------------------------------------------------------- pipenv

/// `Pipfile.lock`: the `default` section (Trivy's `pipenv` ignores `develop`).
pub struct PipenvAnalyzer;

#[derive(Deserialize)]
struct PipfileLock {
    #[serde(default)]
    default: BTreeMap<String, PipfileDep>,
}

#[derive(Deserialize)]
struct PipfileDep {
    #[serde(default)]
    version: Option<String>,
}

impl Analyzer for PipenvAnalyzer {
    fn name(&self) -> &'static str {
        "pipenv"
    }
    fn version(&self) -> u32 {
        2
    }
    fn required(&self, path: &str) -> bool {
        base_name(path) == "Pipfile.lock"
    }
    fn analyze(&self, path: &str, content: &[u8]) -> Result<AnalysisResult, AnalyzeError> {
        let t = text(path, content, "Pipfile.lock")?;
        let lock: PipfileLock = serde_json::from_str(t)
            .map_err(|e| AnalyzeError::new(path, format!("Pipfile.lock is not valid: {e}")))?;
        let packages = lock
            .default
            .iter()
            .filter_map(|(name, d)| {
                // Path and VCS entries carry no version; Trivy lists them with an empty one.
                let v = d.version.as_deref()?.trim_start_matches('=');
                (!v.is_empty()).then(|| pkg(name, v))
            })
            .collect();
        Ok(AnalysisResult::application("pipenv", path, packages))
    }
}

// ---------------------------------------------------------------- poetry

/// `poetry.lock` (Trivy's `poetry`). With the sibling `pyproject.toml`, use
/// [`poetry_with_pyproject`] to get direct/indirect and dev as Trivy does.
pub struct PoetryAnalyzer;

#[derive(Deserialize)]
struct PoetryLock {
    #[serde(default)]
    package: Vec<PoetryPkg>,
}

#[derive(Deserialize)]
struct PoetryPkg {
    name: String,
    version: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    groups: Option<Vec<String>>,
    #[serde(default)]
    dependencies: BTreeMap<String, toml::Value>,
}

impl Analyzer for PoetryAnalyzer {
    fn name(&self) -> &'static str {
        "poetry"
    }
    fn version(&self) -> u32 {
        2
    }
    fn required(&self, path: &str) -> bool {
        base_name(path) == "poetry.lock"
    }
    fn analyze(&self, path: &str, content: &[u8]) -> Result<AnalysisResult, AnalyzeError> {
        poetry_with_pyproject(path, content, None)
    }
    fn siblings(&self) -> &'static [&'static str] {
        &["pyproject.toml"]
    }
    fn analyze_with_siblings(
        &self,
        path: &str,
        content: &[u8],
        siblings: &[(&str, &[u8])],
    ) -> Result<AnalysisResult, AnalyzeError> {
        crate::with_sibling(
            path,
            content,
            siblings,
            "pyproject.toml",
            poetry_with_pyproject,
        )
    }
}

/// Parses `poetry.lock` and, when given, its `pyproject.toml`: packages named in the
/// project's dependencies or groups are `direct`, others `indirect`; packages not reachable
/// from the main dependencies are `dev`. An unreadable pyproject is ignored, as Trivy does.
pub fn poetry_with_pyproject(
    path: &str,
    lock: &[u8],
    pyproject: Option<&[u8]>,
) -> Result<AnalysisResult, AnalyzeError> {
    let t = text(path, lock, "poetry.lock")?;
    let lock: PoetryLock = toml::from_str(t)
        .map_err(|e| AnalyzeError::new(path, format!("poetry.lock is not valid: {e}")))?;
    // normalised name -> ids of the locked packages with that name.
    let mut ids: HashMap<String, Vec<String>> = HashMap::new();
    for p in &lock.package {
        ids.entry(normalize_name(&p.name))
            .or_default()
            .push(format!("{}@{}", p.name, p.version));
    }
    let dep_ids = |p: &PoetryPkg| -> Vec<String> {
        let mut v: Vec<String> = p
            .dependencies
            .keys()
            .filter_map(|d| match ids.get(&normalize_name(d)).map(Vec::as_slice) {
                // Only an unambiguous name resolves, as in Trivy.
                Some([one]) => Some(one.clone()),
                _ => None,
            })
            .collect();
        v.sort();
        v.dedup();
        v
    };
    let mut packages: Vec<Package> = lock
        .package
        .iter()
        .map(|p| {
            let mut k = pkg(&p.name, &p.version);
            k.dev = p.category == "dev"
                || p.groups
                    .as_ref()
                    .is_some_and(|g| !g.iter().any(|g| g == "main"));
            k.depends_on = dep_ids(p);
            k
        })
        .collect();

    if let Some(pp) = pyproject.and_then(parse_pyproject) {
        let by_name: HashMap<String, usize> = packages
            .iter()
            .enumerate()
            .map(|(i, p)| (normalize_name(&p.name), i))
            .collect();
        // Walk from the main dependencies: what they reach is not dev.
        let mut prod: HashSet<usize> = HashSet::new();
        let mut stack: Vec<usize> = pp
            .main
            .iter()
            .filter_map(|n| by_name.get(n).copied())
            .collect();
        while let Some(i) = stack.pop() {
            if !prod.insert(i) {
                continue;
            }
            for d in lock.package[i].dependencies.keys() {
                if let Some(&j) = by_name.get(&normalize_name(d)) {
                    stack.push(j);
                }
            }
        }
        for (i, p) in packages.iter_mut().enumerate() {
            let n = normalize_name(&p.name);
            p.relationship = if pp.main.contains(&n) || pp.groups.contains(&n) {
                "direct".into()
            } else {
                "indirect".into()
            };
            p.dev = !prod.contains(&i);
        }
    }
    Ok(AnalysisResult::application("poetry", path, packages))
}

struct PyProject {
    /// Normalised names of the main dependencies.
    main: HashSet<String>,
    /// Normalised names of group (and legacy dev-) dependencies.
    groups: HashSet<String>,
}

fn parse_pyproject(b: &[u8]) -> Option<PyProject> {
    let v: toml::Value = toml::from_str(std::str::from_utf8(b).ok()?).ok()?;
    let keys = |t: Option<&toml::Value>| -> Vec<String> {
        t.and_then(|t| t.as_table())
            .map(|t| {
                t.keys()
                    .filter(|k| *k != "python")
                    .map(|k| normalize_name(k))
                    .collect()
            })
            .unwrap_or_default()
    };
    let poetry = v.get("tool").and_then(|t| t.get("poetry"));
    let mut main: HashSet<String> = keys(poetry.and_then(|p| p.get("dependencies")))
        .into_iter()
        .collect();
    if let Some(arr) = v
        .get("project")
        .and_then(|p| p.get("dependencies"))
        .and_then(|d| d.as_array())
    {
        for s in arr.iter().filter_map(|x| x.as_str()) {
            main.insert(normalize_name(pep508_name(s)));
        }
    }
    let mut groups: HashSet<String> = keys(poetry.and_then(|p| p.get("dev-dependencies")))
        .into_iter()
        .collect();
    if let Some(g) = poetry
        .and_then(|p| p.get("group"))
        .and_then(|g| g.as_table())
    {
        for grp in g.values() {
            groups.extend(keys(grp.get("dependencies")));
        }
    }
    Some(PyProject { main, groups })
}

/// The distribution name at the start of a PEP 508 requirement string.
fn pep508_name(s: &str) -> &str {
    let s = s.trim();
    let end = s
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
        .unwrap_or(s.len());
    &s[..end]
}

// ---------------------------------------------------------------- uv

/// `uv.lock` (Trivy's `uv`): the root project is listed with relationship `root`.
pub struct UvAnalyzer;

#[derive(Deserialize)]
struct UvLock {
    #[serde(default)]
    package: Vec<UvPkg>,
}

#[derive(Deserialize)]
struct UvPkg {
    name: String,
    #[serde(default)]
    version: String,
    #[serde(default)]
    source: BTreeMap<String, toml::Value>,
    #[serde(default)]
    dependencies: Vec<UvDep>,
    #[serde(default, rename = "optional-dependencies")]
    optional_dependencies: BTreeMap<String, Vec<UvDep>>,
    #[serde(default, rename = "dev-dependencies")]
    dev_dependencies: BTreeMap<String, Vec<UvDep>>,
}

#[derive(Deserialize)]
struct UvDep {
    name: String,
    #[serde(default)]
    version: Option<String>,
}

impl UvPkg {
    fn is_root(&self) -> bool {
        ["virtual", "editable"]
            .iter()
            .any(|k| self.source.get(*k).and_then(|v| v.as_str()) == Some("."))
    }
    fn prod_deps(&self) -> impl Iterator<Item = &UvDep> {
        self.dependencies
            .iter()
            .chain(self.optional_dependencies.values().flatten())
    }
}

impl Analyzer for UvAnalyzer {
    fn name(&self) -> &'static str {
        "uv"
    }
    fn version(&self) -> u32 {
        2
    }
    fn required(&self, path: &str) -> bool {
        base_name(path) == "uv.lock"
    }
    fn analyze(&self, path: &str, content: &[u8]) -> Result<AnalysisResult, AnalyzeError> {
        let t = text(path, content, "uv.lock")?;
        let lock: UvLock = toml::from_str(t)
            .map_err(|e| AnalyzeError::new(path, format!("uv.lock is not valid: {e}")))?;
        let roots: Vec<usize> = (0..lock.package.len())
            .filter(|&i| lock.package[i].is_root())
            .collect();
        if roots.len() > 1 {
            return Err(AnalyzeError::new(
                path,
                format!(
                    "uv.lock has {} root packages (source = virtual/editable \".\"), expected one",
                    roots.len()
                ),
            ));
        }
        let root = roots.first().copied();
        let mut by_name: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, p) in lock.package.iter().enumerate() {
            by_name.entry(p.name.as_str()).or_default().push(i);
        }
        let resolve = |d: &UvDep| -> Option<usize> {
            by_name.get(d.name.as_str())?.iter().copied().find(|&i| {
                d.version
                    .as_deref()
                    .is_none_or(|v| v == lock.package[i].version)
            })
        };
        let mut prod: HashSet<usize> = HashSet::new();
        let mut stack: Vec<usize> = root.into_iter().collect();
        while let Some(i) = stack.pop() {
            if prod.insert(i) {
                stack.extend(lock.package[i].prod_deps().filter_map(resolve));
            }
        }
        let direct: HashSet<usize> = root
            .map(|r| {
                let p = &lock.package[r];
                p.prod_deps()
                    .chain(p.dev_dependencies.values().flatten())
                    .filter_map(resolve)
                    .collect()
            })
            .unwrap_or_default();
        let packages = lock
            .package
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let mut k = pkg(&p.name, &p.version);
                k.relationship = if Some(i) == root {
                    "root"
                } else if direct.contains(&i) {
                    "direct"
                } else {
                    "indirect"
                }
                .into();
                k.dev = !prod.contains(&i);
                let mut deps: Vec<String> = p
                    .prod_deps()
                    .chain(p.dev_dependencies.values().flatten())
                    .filter_map(resolve)
                    .map(|j| format!("{}@{}", lock.package[j].name, lock.package[j].version))
                    .collect();
                deps.sort();
                deps.dedup();
                k.depends_on = deps;
                k
            })
            .collect();
        Ok(AnalysisResult::application("uv", path, packages))
    }
}

// ---------------------------------------------------------------- pylock

/// PEP 751 `pylock.toml` / `pylock.<name>.toml` (Trivy's `pylock`). With the sibling
/// `pyproject.toml`, use [`pylock_with_pyproject`] to get the root and direct/indirect.
pub struct PylockAnalyzer;

#[derive(Deserialize)]
struct Pylock {
    #[serde(default)]
    packages: Vec<PylockPkg>,
}

#[derive(Deserialize)]
struct PylockPkg {
    name: String,
    #[serde(default)]
    version: String,
    #[serde(default)]
    dependencies: Vec<UvDep>,
    #[serde(default)]
    directory: Option<PylockDir>,
}

#[derive(Deserialize)]
struct PylockDir {
    #[serde(default)]
    path: String,
}

impl PylockPkg {
    /// The project itself: a `directory` package at `.`.
    fn is_root(&self) -> bool {
        self.directory.as_ref().is_some_and(|d| d.path == ".")
    }
}

impl Analyzer for PylockAnalyzer {
    fn name(&self) -> &'static str {
        "pylock"
    }
    fn version(&self) -> u32 {
        2
    }
    fn required(&self, path: &str) -> bool {
        let b = base_name(path);
        b == "pylock.toml"
            || b.strip_prefix("pylock.")
                .and_then(|r| r.strip_suffix(".toml"))
                .is_some_and(|n| !n.is_empty() && !n.contains('.'))
    }
    fn analyze(&self, path: &str, content: &[u8]) -> Result<AnalysisResult, AnalyzeError> {
        pylock_with_pyproject(path, content, None)
    }
    fn siblings(&self) -> &'static [&'static str] {
        &["pyproject.toml"]
    }
    fn analyze_with_siblings(
        &self,
        path: &str,
        content: &[u8],
        siblings: &[(&str, &[u8])],
    ) -> Result<AnalysisResult, AnalyzeError> {
        crate::with_sibling(
            path,
            content,
            siblings,
            "pyproject.toml",
            pylock_with_pyproject,
        )
    }
}

/// Parses `pylock.toml` and, when given, its `pyproject.toml`. The project (a `directory`
/// package at `.`) is `root`; with the pyproject, packages named in `project.dependencies`
/// or `project.optional-dependencies` are `direct` (and the root depends on them), the
/// others `indirect`.
pub fn pylock_with_pyproject(
    path: &str,
    lock: &[u8],
    pyproject: Option<&[u8]>,
) -> Result<AnalysisResult, AnalyzeError> {
    let t = text(path, lock, "pylock.toml")?;
    let lock: Pylock = toml::from_str(t)
        .map_err(|e| AnalyzeError::new(path, format!("pylock.toml is not valid: {e}")))?;
    let mut by_name: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, p) in lock.packages.iter().enumerate() {
        by_name.entry(normalize_name(&p.name)).or_default().push(i);
    }
    let id = |i: usize| format!("{}@{}", lock.packages[i].name, lock.packages[i].version);
    // One package per name@version; a later entry (another environment marker) wins, as in Trivy.
    let mut order: Vec<String> = Vec::new();
    let mut pkgs: HashMap<String, Package> = HashMap::new();
    for (i, p) in lock.packages.iter().enumerate() {
        let mut k = pkg(&p.name, &p.version);
        if p.is_root() {
            k.relationship = "root".into();
        }
        let mut deps: Vec<String> = p
            .dependencies
            .iter()
            .filter_map(|d| {
                let c = by_name.get(&normalize_name(&d.name))?;
                let hits: Vec<usize> = c
                    .iter()
                    .copied()
                    .filter(|&j| {
                        d.version
                            .as_deref()
                            .is_none_or(|v| v == lock.packages[j].version)
                    })
                    .collect();
                match hits.as_slice() {
                    [one] => Some(id(*one)),
                    _ => None,
                }
            })
            .collect();
        deps.sort();
        deps.dedup();
        k.depends_on = deps;
        if pkgs.insert(id(i), k).is_none() {
            order.push(id(i));
        }
    }
    let mut packages: Vec<Package> = order.iter().filter_map(|i| pkgs.remove(i)).collect();

    if let Some(direct) = pyproject.and_then(project_deps) {
        let mut root_deps = Vec::new();
        for p in packages.iter_mut().filter(|p| p.relationship != "root") {
            let is_direct = direct.contains(&normalize_name(&p.name));
            p.relationship = if is_direct { "direct" } else { "indirect" }.into();
            if is_direct {
                root_deps.push(format!("{}@{}", p.name, p.version));
            }
        }
        root_deps.sort();
        root_deps.dedup();
        if let Some(root) = packages.iter_mut().find(|p| p.relationship == "root") {
            root.depends_on = root_deps;
        }
    }
    Ok(AnalysisResult::application("pylock", path, packages))
}

/// The normalised names of `project.dependencies` and `project.optional-dependencies`
/// of a pyproject.toml.
fn project_deps(b: &[u8]) -> Option<HashSet<String>> {
    let v: toml::Value = toml::from_str(std::str::from_utf8(b).ok()?).ok()?;
    let project = v.get("project")?;
    let mut direct = HashSet::new();
    let reqs = project
        .get("dependencies")
        .and_then(|d| d.as_array())
        .into_iter()
        .flatten()
        .chain(
            project
                .get("optional-dependencies")
                .and_then(|o| o.as_table())
                .into_iter()
                .flat_map(|t| t.values())
                .filter_map(|g| g.as_array())
                .flatten(),
        );
    for r in reqs.filter_map(|r| r.as_str()) {
        direct.insert(normalize_name(pep508_name(r)));
    }
    Some(direct)
}
