//! Analyzers: small pure functions from a file's bytes to package and OS records.
//!
//! Each analyzer says which paths it wants ([`Analyzer::required`]) and turns one file's
//! content into an [`AnalysisResult`]. The layer walker hands over only the files some
//! analyzer asked for, so a layer is read once whatever the number of analyzers.

use serde::{Deserialize, Serialize};

pub mod apk;
pub mod dpkg;
pub mod lang;
pub mod license;
pub mod os;
pub mod rpm;
pub mod types;
pub use types::*;

/// What is scanned decides which analyzers run, as in Trivy: images and root filesystems
/// are read for installed packages and binaries, source trees (`fs`) for lockfiles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScanMode {
    /// A container image.
    Image,
    /// An extracted root filesystem.
    Rootfs,
    /// A source tree or any directory (`tollgate fs`).
    Filesystem,
}

/// Lockfile types: read by `fs`, not in images (Trivy's `TypeLockfiles`).
pub const LOCKFILE_KINDS: &[&str] = &[
    "bundler",
    "npm",
    "yarn",
    "pnpm",
    "bun",
    "pip",
    "pipenv",
    "poetry",
    "uv",
    "gomod",
    "pom",
    "gradle",
    "conan",
    "sbt",
    "cocoapods",
    "swift",
    "pub",
    "mix",
    "composer",
    "conda-environment",
];

/// Installed-package and binary types: read in images, not by `fs` (Trivy's
/// `TypeIndividualPkgs`), and the OS package databases.
pub const INSTALLED_KINDS: &[&str] = &[
    "gemspec",
    "node-pkg",
    "conda-pkg",
    "python-pkg",
    "gobinary",
    "jar",
    "rustbinary",
    "composer-vendor",
    "os",
    "apk",
    "dpkg",
    "rpm",
];

/// The analyzers for a scan mode.
pub fn analyzers_for(mode: ScanMode) -> Vec<Box<dyn Analyzer>> {
    default_analyzers()
        .into_iter()
        .filter(|a| match mode {
            ScanMode::Image | ScanMode::Rootfs => !LOCKFILE_KINDS.contains(&a.name()),
            ScanMode::Filesystem => !INSTALLED_KINDS.contains(&a.name()),
        })
        .collect()
}

/// The analyzers a scan runs by default.
pub fn default_analyzers() -> Vec<Box<dyn Analyzer>> {
    let mut v: Vec<Box<dyn Analyzer>> = vec![
        Box::new(os::OsAnalyzer),
        Box::new(apk::ApkAnalyzer),
        Box::new(dpkg::DpkgAnalyzer),
        Box::new(rpm::RpmAnalyzer),
    ];
    v.extend(lang::python::analyzers());
    v.extend(lang::ruby::analyzers());
    v.extend(lang::php::analyzers());
    v.extend(lang::golang::analyzers());
    v.extend(lang::rust::analyzers());
    v.extend(lang::java::analyzers());
    v.extend(lang::node::analyzers());
    v.extend(lang::dotnet::analyzers());
    v.extend(lang::conda::analyzers());
    v
}

/// One file-format plugin.
pub trait Analyzer: Send + Sync {
    /// Stable name, also used in the layer-cache key.
    fn name(&self) -> &'static str;
    /// Bumped whenever the output for the same input changes; feeds the layer-cache key.
    fn version(&self) -> u32;
    /// Whether this analyzer wants the file at `path` (relative, no leading `/`).
    fn required(&self, path: &str) -> bool;
    /// Whether it wants a file, knowing its mode bits and size; binaries analyzers use the
    /// executable bits (as Trivy does). Defaults to [`Analyzer::required`].
    fn required_file(&self, path: &str, _mode: u32, _size: u64) -> bool {
        self.required(path)
    }
    /// Parses one file. `path` is relative to the image root, without a leading `/`.
    fn analyze(&self, path: &str, content: &[u8]) -> Result<AnalysisResult, AnalyzeError>;
    /// File names this analyzer also reads from the same layer, in the file's directory and
    /// below (`package.json` next to `yarn.lock`), as Trivy's post-analyzers do.
    fn siblings(&self) -> &'static [&'static str] {
        &[]
    }
    /// Whether the [`Analyzer::siblings`] come from the whole layer instead of the file's
    /// directory and below: a Maven parent POM sits above its child.
    fn siblings_anywhere(&self) -> bool {
        false
    }
    /// Parses a file together with the [`Analyzer::siblings`] found in its directory and below,
    /// or anywhere in the layer (`(path, content)`, nearest first). Defaults to
    /// [`Analyzer::analyze`].
    fn analyze_with_siblings(
        &self,
        path: &str,
        content: &[u8],
        _siblings: &[(&str, &[u8])],
    ) -> Result<AnalysisResult, AnalyzeError> {
        self.analyze(path, content)
    }
}

/// Why an analyzer could not read a file.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {message}")]
pub struct AnalyzeError {
    /// The file that failed, relative to the image root.
    pub path: String,
    /// What is wrong with it, for a person.
    pub message: String,
}

impl AnalyzeError {
    /// Builds an error for `path`.
    pub fn new(path: &str, message: impl Into<String>) -> Self {
        Self {
            path: path.to_string(),
            message: message.into(),
        }
    }
}

/// The sibling named `name` in the same directory as `path`, if it was given.
pub fn sibling_in_dir<'a>(
    path: &str,
    name: &str,
    siblings: &[(&str, &'a [u8])],
) -> Option<&'a [u8]> {
    let dir = path.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
    let want = if dir.is_empty() {
        name.to_string()
    } else {
        format!("{dir}/{name}")
    };
    siblings.iter().find(|(p, _)| *p == want).map(|(_, c)| *c)
}

/// A parser of a file and, when present, one sibling file's content.
pub type SiblingParser = fn(&str, &[u8], Option<&[u8]>) -> Result<AnalysisResult, AnalyzeError>;

/// Runs `parse(path, content, sibling)` with the sibling file `name` from the same directory.
pub fn with_sibling(
    path: &str,
    content: &[u8],
    siblings: &[(&str, &[u8])],
    name: &str,
    parse: SiblingParser,
) -> Result<AnalysisResult, AnalyzeError> {
    parse(path, content, sibling_in_dir(path, name, siblings))
}

impl AnalysisResult {
    /// A result holding one application: `packages` of type `kind` read from `path`, their
    /// licenses normalized to SPDX ids as Trivy does for every language package.
    pub fn application(kind: &str, path: &str, mut packages: Vec<Package>) -> AnalysisResult {
        for p in &mut packages {
            for l in &mut p.licenses {
                *l = license::normalize(l);
            }
        }
        AnalysisResult {
            applications: vec![Application {
                kind: kind.to_string(),
                file_path: path.to_string(),
                packages,
            }],
            ..Default::default()
        }
    }
}

impl AnalysisResult {
    /// Like [`AnalysisResult::application`], but no application at all when there are no
    /// packages (Trivy reports no empty target for these formats).
    pub fn application_if_any(kind: &str, path: &str, packages: Vec<Package>) -> AnalysisResult {
        if packages.is_empty() {
            AnalysisResult::default()
        } else {
            AnalysisResult::application(kind, path, packages)
        }
    }
}

/// What one analyzer found in one file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AnalysisResult {
    /// OS identity, when the file is an os-release style file.
    pub os: Option<OsInfo>,
    /// Package databases found (one entry per database file).
    pub package_infos: Vec<PackageInfo>,
    /// Alpine: release from `/etc/apk/repositories`, used when os-release is newer than the DB.
    pub repository: Option<Repository>,
    /// Language packages (lockfiles, installed metadata, binaries, archives).
    pub applications: Vec<Application>,
    /// Files the OS package manager installed (dpkg `info/*.list`), relative paths: language
    /// packages in them belong to OS packages and are not reported twice.
    pub system_files: Vec<String>,
}
