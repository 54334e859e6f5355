//! The scan pipeline: a source's layers are walked once each (in parallel), every wanted
//! file goes to its analyzers, per-layer results are cached by diff-id, and the layers are
//! merged (whiteouts, opaque dirs) into one [`Inventory`].

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tollgate_analyze::{
    os::merge_os, Analyzer, Application, InstalledApplication, OsInfo, Package, PackageInfo,
    Repository, AGGREGATED_KINDS,
};
pub use tollgate_analyze::{InstalledPackage, Inventory, LayerId};
use tollgate_image::{FileMeta, Limits, Source, WalkedFile};

/// Bumped when the layout of [`LayerResult`] or the walk changes: old cache entries are ignored.
const CACHE_FORMAT: u32 = 5;

/// Everything the analyzers found in one layer.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct LayerResult {
    /// The layer.
    pub layer: LayerId,
    /// OS records, keyed by the file they came from.
    pub os: Vec<OsInfo>,
    /// Alpine repositories file.
    pub repository: Option<Repository>,
    /// Package databases.
    pub package_infos: Vec<PackageInfo>,
    /// Language packages by file.
    #[serde(default)]
    pub applications: Vec<Application>,
    /// Files installed by the OS package manager (dpkg `.list` files).
    #[serde(default)]
    pub system_files: Vec<String>,
    /// Paths deleted by this layer.
    pub whiteouts: Vec<String>,
    /// Directories whose lower contents this layer hides.
    pub opaque_dirs: Vec<String>,
    /// Files an analyzer could not read: the scan goes on without them.
    pub errors: Vec<String>,
    /// Walk warnings (skipped entries).
    pub warnings: Vec<String>,
    /// Bytes in the uncompressed layer tar.
    #[serde(default)]
    pub uncompressed_size: u64,
    /// Secrets found in this layer's files (when secret scanning is on).
    #[serde(default)]
    pub secrets: Vec<SecretFile>,
}

/// The secrets found in one file of a layer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretFile {
    /// Path in the layer, relative (no leading '/').
    pub path: String,
    /// What the rules found, in report order.
    pub findings: Vec<tollgate_secret::Finding>,
}

/// A file of the merged image with secrets, and the layer it came from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SecretTarget {
    /// Path in the image, relative (no leading '/').
    pub path: String,
    /// The layer that holds the file's surviving version.
    pub layer: LayerId,
    /// What the rules found.
    pub findings: Vec<tollgate_secret::Finding>,
}

/// Counters for benchmarks and tests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ScanStats {
    /// Layers read from the source.
    pub layers_walked: usize,
    /// Layers whose result came from the cache.
    pub layers_cached: usize,
}

/// Per-layer result cache in a directory; safe with concurrent scans (atomic renames).
pub struct LayerCache {
    dir: PathBuf,
}

impl LayerCache {
    /// Opens (creating) the cache under `dir/layers`.
    pub fn open(dir: &Path) -> std::io::Result<LayerCache> {
        let dir = dir.join("layers");
        std::fs::create_dir_all(&dir)?;
        Ok(LayerCache { dir })
    }

    fn path(&self, key: &str) -> PathBuf {
        self.dir.join(format!("{key}.json"))
    }

    fn get(&self, key: &str) -> Option<LayerResult> {
        let bytes = std::fs::read(self.path(key)).ok()?;
        // A corrupt entry (disk full, old format) is ignored and rewritten.
        serde_json::from_slice(&bytes).ok()
    }

    fn put(&self, key: &str, value: &LayerResult) -> std::io::Result<()> {
        let bytes = serde_json::to_vec(value).map_err(std::io::Error::other)?;
        let mut tmp = tempfile::NamedTempFile::new_in(&self.dir)?;
        std::io::Write::write_all(&mut tmp, &bytes)?;
        // No fsync: a cache entry cut short by a crash reads as corrupt JSON, which `get`
        // treats as a miss; the rename still keeps readers from seeing half-written files.
        tmp.persist(self.path(key)).map(drop).map_err(|e| e.error)
    }
}

/// The cache key of a layer: its diff-id plus every analyzer's name and version.
pub fn cache_key(diff_id: &str, analyzers: &[Box<dyn Analyzer>]) -> String {
    cache_key_with(diff_id, analyzers, None)
}

/// [`cache_key`] with the secret rule set, when secrets are scanned, in the key too.
pub fn cache_key_with(
    diff_id: &str,
    analyzers: &[Box<dyn Analyzer>],
    secrets: Option<&tollgate_secret::Scanner>,
) -> String {
    let mut h = Sha256::new();
    h.update(format!("tollgate-layer-v{CACHE_FORMAT}\n{diff_id}\n"));
    if let Some(s) = secrets {
        h.update(format!("secret={}\n", s.fingerprint()));
    }
    let mut names: Vec<String> = analyzers
        .iter()
        .map(|a| format!("{}={}", a.name(), a.version()))
        .collect();
    names.sort();
    h.update(names.join(","));
    hex::encode(h.finalize())
}

/// What the analyzers found in one file of a layer.
#[derive(Default)]
struct FileFindings {
    os: Vec<OsInfo>,
    repository: Option<Repository>,
    package_infos: Vec<PackageInfo>,
    applications: Vec<Application>,
    system_files: Vec<String>,
    secrets: Vec<SecretFile>,
    errors: Vec<String>,
}

impl FileFindings {
    /// Adds what analyzer `name` made of a file.
    fn add(
        &mut self,
        name: &str,
        r: Result<tollgate_analyze::AnalysisResult, tollgate_analyze::AnalyzeError>,
    ) {
        match r {
            Ok(r) => self.extend(FileFindings {
                os: r.os.into_iter().collect(),
                repository: r.repository,
                package_infos: r.package_infos,
                applications: r.applications,
                system_files: r.system_files,
                secrets: Vec::new(),
                errors: Vec::new(),
            }),
            Err(e) => self.errors.push(format!("{name} analyzer: {e}")),
        }
    }

    fn extend(&mut self, o: FileFindings) {
        self.os.extend(o.os);
        if o.repository.is_some() {
            self.repository = o.repository;
        }
        self.package_infos.extend(o.package_infos);
        self.applications.extend(o.applications);
        self.system_files.extend(o.system_files);
        self.secrets.extend(o.secrets);
        self.errors.extend(o.errors);
    }

    fn is_empty(&self) -> bool {
        self.os.is_empty()
            && self.repository.is_none()
            && self.package_infos.is_empty()
            && self.applications.is_empty()
            && self.system_files.is_empty()
            && self.secrets.is_empty()
            && self.errors.is_empty()
    }
}

/// Directories holding other projects' files (package managers' caches and vendored copies):
/// their thousands of package.json / Cargo.toml / go.sum are not the project's siblings.
fn in_dependency_cache(path: &str) -> bool {
    let parts: Vec<&str> = path.split('/').collect();
    parts
        .iter()
        .any(|c| matches!(*c, "node_modules" | ".cargo" | "vendor"))
        || parts.windows(2).any(|w| w == ["pkg", "mod"])
}

/// Keeps what was found at `path`: a new visit replaces an earlier one of the same path,
/// deferred (sibling-aware) results are added to it.
fn record(
    found: &mut Vec<FileFindings>,
    at: &mut HashMap<String, usize>,
    path: String,
    f: FileFindings,
    replace: bool,
) {
    match at.get(&path) {
        Some(&i) if replace => found[i] = f,
        Some(&i) => found[i].extend(f),
        None if f.is_empty() => {}
        None => {
            at.insert(path, found.len());
            found.push(f);
        }
    }
}

/// Walks and analyzes one layer. Each file is analyzed as the walk visits it and its content
/// dropped right after, so a layer's files are never all in memory. Findings are kept per
/// path: a path visited again (it appears twice in the layer) replaces what the earlier visit
/// found, and the paths the walk reports as superseded lose theirs, so the layer's last entry
/// at each path is what counts.
pub fn analyze_layer(
    source: &dyn Source,
    index: usize,
    analyzers: &[Box<dyn Analyzer>],
    limits: &Limits,
) -> Result<LayerResult, String> {
    analyze_layer_with(source, index, analyzers, None, limits)
}

/// [`analyze_layer`], also handing every file the secret scanner wants to it.
pub fn analyze_layer_with(
    source: &dyn Source,
    index: usize,
    analyzers: &[Box<dyn Analyzer>],
    secrets: Option<&tollgate_secret::Scanner>,
    limits: &Limits,
) -> Result<LayerResult, String> {
    let lref = &source.image().layers[index];
    // Binary analyzers choose by the executable bits, so files are picked with their metadata.
    let wants = |a: &dyn Analyzer, f: &FileMeta| a.required_file(f.path, f.mode, f.size);
    // Files some analyzer reads beside its own (package.json next to yarn.lock), kept for the
    // end of the walk; never from node_modules, whose thousands of package.json are not
    // projects.
    let sibling_names: HashSet<&str> = analyzers
        .iter()
        .flat_map(|a| a.siblings())
        .copied()
        .collect();
    let is_sibling = |p: &str| {
        let base = p.rsplit('/').next().unwrap_or(p);
        sibling_names.contains(base) && !in_dependency_cache(p)
    };
    let wants_secret = |f: &FileMeta| secrets.is_some_and(|s| s.wants(f.path, f.size));
    let want = |f: &FileMeta| {
        is_sibling(f.path) || wants_secret(f) || analyzers.iter().any(|a| wants(a.as_ref(), f))
    };
    // Rule paths see image files as absolute paths, as Trivy's do; a rootfs or fs scan's
    // relative ones.
    let absolute = !lref.diff_id.is_empty();
    // Findings per path, in the order paths were first visited.
    let mut found: Vec<FileFindings> = Vec::new();
    let mut at: HashMap<String, usize> = HashMap::new();
    let mut siblings: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    let mut deferred: BTreeMap<(usize, String), Vec<u8>> = BTreeMap::new();
    let mut visit = |file: WalkedFile| {
        let mut f = FileFindings::default();
        let meta = file.meta();
        for (ai, a) in analyzers
            .iter()
            .enumerate()
            .filter(|(_, a)| wants(a.as_ref(), &meta))
        {
            if !a.siblings().is_empty() {
                // Analyzed once the whole layer is seen, with its siblings.
                deferred.insert((ai, file.path.clone()), file.content.clone());
                continue;
            }
            f.add(a.name(), a.analyze(&file.path, &file.content));
        }
        if let Some(s) = secrets.filter(|_| wants_secret(&meta)) {
            let shown = if absolute {
                format!("/{}", file.path)
            } else {
                file.path.clone()
            };
            let findings = s.scan(&shown, &file.content);
            if !findings.is_empty() {
                f.secrets.push(SecretFile {
                    path: file.path.clone(),
                    findings,
                });
            }
        }
        let WalkedFile { path, content, .. } = file;
        if is_sibling(&path) {
            siblings.insert(path.clone(), content);
        } else {
            drop(content);
        }
        record(&mut found, &mut at, path, f, true);
    };
    let files = source
        .walk_layer(index, &want, &mut visit, limits)
        .map_err(|e| e.to_string())?;
    for path in &files.superseded {
        siblings.remove(path);
        deferred.retain(|(_, p), _| p != path);
    }
    for ((ai, path), content) in deferred {
        let a = &analyzers[ai];
        let dir = path.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
        let mut near: Vec<(&str, &[u8])> = siblings
            .iter()
            .filter(|(p, _)| {
                a.siblings_anywhere()
                    || dir.is_empty()
                    || p.starts_with(dir) && p.as_bytes().get(dir.len()) == Some(&b'/')
            })
            .map(|(p, c)| (p.as_str(), c.as_slice()))
            .collect();
        near.sort_by_key(|(p, _)| p.matches('/').count());
        let mut f = FileFindings::default();
        f.add(a.name(), a.analyze_with_siblings(&path, &content, &near));
        record(&mut found, &mut at, path, f, false);
    }
    for path in &files.superseded {
        if let Some(&i) = at.get(path) {
            found[i] = FileFindings::default();
        }
    }
    let mut all = FileFindings::default();
    for f in found {
        all.extend(f);
    }
    Ok(LayerResult {
        layer: LayerId {
            digest: lref.digest.clone(),
            diff_id: lref.diff_id.clone(),
        },
        os: all.os,
        repository: all.repository,
        package_infos: all.package_infos,
        applications: all.applications,
        system_files: all.system_files,
        secrets: all.secrets,
        errors: all.errors,
        whiteouts: files.whiteouts,
        opaque_dirs: files.opaque_dirs,
        warnings: files.warnings,
        uncompressed_size: files.uncompressed_size,
    })
}

/// Runs the analyzers over every layer of `source` (cached where possible) and merges them.
pub fn scan(
    source: &dyn Source,
    analyzers: &[Box<dyn Analyzer>],
    cache: Option<&LayerCache>,
    limits: &Limits,
) -> (Inventory, ScanStats) {
    let (inv, _, stats) = scan_with(source, analyzers, None, cache, limits);
    (inv, stats)
}

/// [`scan`], with secret scanning when `secrets` is given: the secrets of the files that
/// survive in the merged image come back beside the inventory.
pub fn scan_with(
    source: &dyn Source,
    analyzers: &[Box<dyn Analyzer>],
    secrets: Option<&tollgate_secret::Scanner>,
    cache: Option<&LayerCache>,
    limits: &Limits,
) -> (Inventory, Vec<SecretTarget>, ScanStats) {
    let layers = &source.image().layers;
    let results: Vec<(Result<LayerResult, String>, bool)> = (0..layers.len())
        .into_par_iter()
        .map(|i| {
            let diff_id = &layers[i].diff_id;
            let key = (!diff_id.is_empty()).then(|| cache_key_with(diff_id, analyzers, secrets));
            if let (Some(c), Some(k)) = (cache, &key) {
                if let Some(hit) = c.get(k) {
                    return (Ok(hit), true);
                }
            }
            let r = analyze_layer_with(source, i, analyzers, secrets, limits);
            if let (Some(c), Some(k), Ok(v)) = (cache, &key, &r) {
                // Results with analyzer errors are not cached: the next scan retries them.
                if v.errors.is_empty() {
                    let _ = c.put(k, v);
                }
            }
            (r, false)
        })
        .collect();
    let mut stats = ScanStats::default();
    let mut ok = Vec::with_capacity(results.len());
    let mut errors = Vec::new();
    let mut sizes = vec![0; results.len()];
    for (i, (r, cached)) in results.into_iter().enumerate() {
        if cached {
            stats.layers_cached += 1;
        } else {
            stats.layers_walked += 1;
        }
        match r {
            Ok(mut v) => {
                sizes[i] = v.uncompressed_size;
                // The cache is keyed by diff-id alone: the same layer stored compressed
                // (OCI) or not (docker save) has another blob digest, which is the source's.
                v.layer = LayerId {
                    digest: layers[i].digest.clone(),
                    diff_id: layers[i].diff_id.clone(),
                };
                ok.push(v)
            }
            Err(e) => errors.push(format!(
                "layer {} ({}) could not be read: {e}",
                i + 1,
                short(&layers[i].diff_id)
            )),
        }
    }
    let mut inv = merge(&ok);
    inv.layer_sizes = sizes;
    errors.append(&mut inv.errors);
    inv.errors = errors;
    let found = merge_secrets(&ok);
    (inv, found, stats)
}

/// The secrets of the files that survive the merge: a file's last version counts, and a
/// whiteout or opaque dir drops what lower layers found under it.
pub fn merge_secrets(layers: &[LayerResult]) -> Vec<SecretTarget> {
    let mut files: BTreeMap<String, SecretTarget> = BTreeMap::new();
    for l in layers {
        for gone in l.opaque_dirs.iter().chain(&l.whiteouts) {
            files.retain(|p, _| !removed(p, gone));
        }
        for f in &l.secrets {
            files.insert(
                f.path.clone(),
                SecretTarget {
                    path: f.path.clone(),
                    layer: l.layer.clone(),
                    findings: f.findings.clone(),
                },
            );
        }
    }
    files.into_values().collect()
}

fn short(d: &str) -> &str {
    let d = d.strip_prefix("sha256:").unwrap_or(d);
    &d[..d.len().min(12)]
}

fn removed(path: &str, gone: &str) -> bool {
    path == gone
        || (path.len() > gone.len()
            && path.starts_with(gone)
            && path.as_bytes()[gone.len()] == b'/')
}

/// Merges per-layer results, bottom layer first, as the union filesystem would show them.
pub fn merge(layers: &[LayerResult]) -> Inventory {
    // Surviving files: path -> (layer index, what it held).
    let mut pkg_files: BTreeMap<String, (usize, PackageInfo)> = BTreeMap::new();
    let mut os_files: BTreeMap<String, (usize, OsInfo)> = BTreeMap::new();
    let mut repo: Option<(usize, Repository)> = None;
    let mut apps: BTreeMap<(String, String), Application> = BTreeMap::new();
    let mut inv = Inventory::default();
    for (i, l) in layers.iter().enumerate() {
        for gone in l.opaque_dirs.iter().chain(&l.whiteouts) {
            // An opaque dir hides what lower layers put under it; a whiteout deletes the path.
            pkg_files.retain(|p, _| !removed(p, gone));
            apps.retain(|(p, _), _| !removed(p, gone));
            os_files.retain(|p, _| !removed(p, gone));
            if removed("etc/apk/repositories", gone) {
                repo = None;
            }
        }
        for info in &l.package_infos {
            pkg_files.insert(info.file_path.clone(), (i, info.clone()));
        }
        for os in &l.os {
            os_files.insert(os.source_file.clone(), (i, os.clone()));
        }
        for app in &l.applications {
            apps.insert((app.file_path.clone(), app.kind.clone()), app.clone());
        }
        if let Some(r) = &l.repository {
            repo = Some((i, r.clone()));
        }
        inv.errors.extend(l.errors.iter().cloned());
        inv.warnings.extend(l.warnings.iter().cloned());
    }
    // OS records in layer order, then file order within a layer.
    let mut oses: Vec<&(usize, OsInfo)> = os_files.values().collect();
    oses.sort_by_key(|(i, o)| (*i, os_file_order(&o.source_file)));
    for (_, os) in oses {
        merge_os(&mut inv.os, os);
    }
    inv.repository = repo.map(|(_, r)| r);
    for (path, (_, info)) in &pkg_files {
        for p in &info.packages {
            inv.packages.push(InstalledPackage {
                package: p.clone(),
                file_path: path.clone(),
                layer: origin_layer(p, layers),
            });
        }
    }
    inv.packages.sort_by(|a, b| {
        (&a.package.name, a.package.full_version(), &a.file_path).cmp(&(
            &b.package.name,
            b.package.full_version(),
            &b.file_path,
        ))
    });
    // Language packages that an OS package installed are the OS package's (Trivy's rule).
    let mut system: std::collections::HashSet<&str> = layers
        .iter()
        .flat_map(|l| l.system_files.iter().map(String::as_str))
        .collect();
    for ip in &inv.packages {
        system.extend(
            ip.package
                .installed_files
                .iter()
                .map(|f| f.trim_start_matches('/')),
        );
    }
    let apps: Vec<Application> = apps
        .into_values()
        .filter(|a| !system.contains(a.file_path.as_str()))
        .map(|mut a| {
            a.packages
                .retain(|p| p.file_path.is_empty() || !system.contains(p.file_path.as_str()));
            a
        })
        .collect();
    inv.applications = merge_applications(apps, layers);
    inv.packages.dedup_by(|a, b| {
        a.package.name == b.package.name
            && a.package.full_version() == b.package.full_version()
            && a.package.arch == b.package.arch
    });
    inv
}

/// Surviving applications with each package's origin layer; the installed-package types
/// (Python, Node.js, Ruby, Java) are aggregated into one target each, as Trivy reports them.
fn merge_applications(apps: Vec<Application>, layers: &[LayerResult]) -> Vec<InstalledApplication> {
    let mut out: Vec<InstalledApplication> = Vec::new();
    for app in apps {
        let aggregated = AGGREGATED_KINDS.iter().any(|(k, _)| *k == app.kind);
        let packages = app.packages.iter().map(|p| {
            let mut p = p.clone();
            if p.file_path.is_empty() && aggregated {
                p.file_path = app.file_path.clone();
            }
            InstalledPackage {
                layer: origin_layer_for_app(&app.file_path, &p, layers),
                file_path: app.file_path.clone(),
                package: p,
            }
        });
        if aggregated {
            match out
                .iter_mut()
                .find(|a| a.kind == app.kind && a.file_path.is_empty())
            {
                Some(a) => a.packages.extend(packages),
                None => out.push(InstalledApplication {
                    kind: app.kind.clone(),
                    file_path: String::new(),
                    packages: packages.collect(),
                }),
            }
        } else {
            out.push(InstalledApplication {
                kind: app.kind.clone(),
                file_path: app.file_path.clone(),
                packages: packages.collect(),
            });
        }
    }
    for a in &mut out {
        a.packages.sort_by(|x, y| {
            (&x.package.name, &x.package.version, &x.package.file_path).cmp(&(
                &y.package.name,
                &y.package.version,
                &y.package.file_path,
            ))
        });
    }
    out.retain(|a| !a.packages.is_empty());
    out.sort_by_key(|a| (a.target(), a.kind.clone()));
    out
}

/// Trivy's rule for language packages: the first layer whose same file lists this version.
fn origin_layer_for_app(file_path: &str, p: &Package, layers: &[LayerResult]) -> LayerId {
    for l in layers {
        for app in &l.applications {
            if app.file_path == file_path
                && app
                    .packages
                    .iter()
                    .any(|q| q.name == p.name && q.version == p.version)
            {
                return l.layer.clone();
            }
        }
    }
    LayerId::default()
}

fn os_file_order(f: &str) -> u8 {
    // Trivy's analyzers run os-release style files before the distro-specific ones.
    match f {
        "etc/os-release" | "usr/lib/os-release" => 0,
        "etc/debian_version" | "etc/redhat-release" => 1,
        _ => 2,
    }
}

/// The first layer, bottom up, whose package databases list this name, version and release
/// (Trivy's rule: where this exact version was installed, not where the DB last changed).
fn origin_layer(p: &Package, layers: &[LayerResult]) -> LayerId {
    for l in layers {
        for info in &l.package_infos {
            if info
                .packages
                .iter()
                .any(|q| q.name == p.name && q.version == p.version && q.release == p.release)
            {
                return l.layer.clone();
            }
        }
    }
    LayerId::default()
}

#[cfg(test)]
mod tests;

/// `--skip-dirs` / `--skip-files`: glob patterns over paths relative to the image root.
#[derive(Debug, Clone, Default)]
pub struct PathFilter {
    dirs: Option<globset::GlobSet>,
    files: Option<globset::GlobSet>,
}

fn glob_set(patterns: &[String], what: &str) -> Result<Option<globset::GlobSet>, String> {
    if patterns.is_empty() {
        return Ok(None);
    }
    let mut b = globset::GlobSetBuilder::new();
    for p in patterns {
        let norm = p
            .trim_start_matches("./")
            .trim_start_matches('/')
            .trim_end_matches('/');
        let g = globset::GlobBuilder::new(norm)
            .literal_separator(true)
            .build()
            .map_err(|e| format!("{what} {p:?}: not a valid glob: {e}"))?;
        b.add(g);
    }
    b.build().map(Some).map_err(|e| format!("{what}: {e}"))
}

impl PathFilter {
    /// Builds a filter from Trivy-style patterns (`/usr/lib`, `**/node_modules`, `app/*.lock`).
    pub fn new(skip_dirs: &[String], skip_files: &[String]) -> Result<PathFilter, String> {
        Ok(PathFilter {
            dirs: glob_set(skip_dirs, "--skip-dirs")?,
            files: glob_set(skip_files, "--skip-files")?,
        })
    }

    /// Whether a file path is skipped (it matches a file pattern or lies under a skipped dir).
    pub fn skipped(&self, path: &str) -> bool {
        if path.is_empty() {
            return false;
        }
        if self.files.as_ref().is_some_and(|f| f.is_match(path)) {
            return true;
        }
        let Some(dirs) = &self.dirs else {
            return false;
        };
        let mut end = 0;
        while let Some(i) = path[end..].find('/') {
            end += i;
            if dirs.is_match(&path[..end]) {
                return true;
            }
            end += 1;
        }
        false
    }

    /// Drops what the filter skips from an inventory.
    pub fn apply(&self, inv: &mut Inventory) {
        if self.dirs.is_none() && self.files.is_none() {
            return;
        }
        inv.packages.retain(|p| !self.skipped(&p.file_path));
        inv.applications.retain(|a| !self.skipped(&a.file_path));
        for a in &mut inv.applications {
            a.packages.retain(|p| !self.skipped(&p.package.file_path));
        }
        inv.applications.retain(|a| !a.packages.is_empty());
    }
}
