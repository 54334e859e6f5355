//! Plain data types at the analyzer boundary.

use serde::{Deserialize, Serialize};

/// The operating system of an image, as the release files say.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OsInfo {
    /// Family as Trivy names it: `alpine`, `debian`, `ubuntu`, `redhat`, `centos`, `rocky`,
    /// `alma`, `fedora`, `amazon`, `oracle`, `opensuse.leap`, `sles`, `cbl-mariner`, `photon`, ...
    pub family: String,
    /// Version string as Trivy reports it (`3.10.4`, `12.5`, `8.4`).
    pub name: String,
    /// Which file said so (priority between files is decided when merging).
    #[serde(default)]
    pub source_file: String,
}

/// Alpine `/etc/apk/repositories` release (`v3.10` -> `3.10`, `edge`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Repository {
    /// Family (`alpine`).
    pub family: String,
    /// Release (`3.10`, `edge`).
    pub release: String,
}

/// One package database file and the packages it lists.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PackageInfo {
    /// Path of the database file, relative to the image root (`lib/apk/db/installed`).
    pub file_path: String,
    /// Packages listed in it.
    pub packages: Vec<Package>,
}

/// An installed OS package. Fields follow Trivy's `Package` so reports map one to one.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Package {
    /// Binary package name.
    pub name: String,
    /// Upstream version, without epoch and without release/revision for dpkg and rpm
    /// (apk keeps its full `1.2.3-r0` here, as Trivy does).
    pub version: String,
    /// dpkg revision / rpm release; empty for apk.
    #[serde(default)]
    pub release: String,
    /// dpkg/rpm epoch; 0 when absent.
    #[serde(default)]
    pub epoch: u32,
    /// Architecture (`x86_64`, `amd64`, `noarch`).
    #[serde(default)]
    pub arch: String,
    /// Source package (dpkg `Source:`, apk origin, rpm source rpm name).
    #[serde(default)]
    pub src_name: String,
    /// Source version (same split as `version`).
    #[serde(default)]
    pub src_version: String,
    /// Source release.
    #[serde(default)]
    pub src_release: String,
    /// Source epoch.
    #[serde(default)]
    pub src_epoch: u32,
    /// Licenses as the database states them.
    #[serde(default)]
    pub licenses: Vec<String>,
    /// Maintainer / packager, where recorded.
    #[serde(default)]
    pub maintainer: String,
    /// Names of the packages this one depends on (resolved where possible).
    #[serde(default)]
    pub depends_on: Vec<String>,
    /// Files the package installed (rpm, apk, dpkg `.list`), used to drop language
    /// packages owned by the OS package manager.
    #[serde(default)]
    pub installed_files: Vec<String>,
    /// rpm: `SIGMD5`/digest of the package header, where the DB has one.
    #[serde(default)]
    pub digest: String,
    /// rpm: module stream (`nodejs:18`), empty otherwise.
    #[serde(default)]
    pub modularity_label: String,
    /// Language packages: the file that records this package, relative to the image root
    /// (`usr/lib/python3/dist-packages/six-1.16.0.dist-info/METADATA`, `app/lib/x.jar`);
    /// empty when it is the application's own file (a lockfile).
    #[serde(default)]
    pub file_path: String,
    /// Language packages: `root`, `direct`, `indirect`, or empty when unknown.
    #[serde(default)]
    pub relationship: String,
    /// Language packages: a development-only dependency.
    #[serde(default)]
    pub dev: bool,
}

impl Package {
    /// Version as Trivy prints it: `epoch:version-release` with empty parts left out.
    pub fn full_version(&self) -> String {
        format_version(self.epoch, &self.version, &self.release)
    }

    /// Source version formatted like [`Package::full_version`].
    pub fn full_src_version(&self) -> String {
        format_version(self.src_epoch, &self.src_version, &self.src_release)
    }
}

/// `epoch:version-release`, leaving out a zero epoch and an empty release.
pub fn format_version(epoch: u32, version: &str, release: &str) -> String {
    let mut s = String::new();
    if epoch != 0 {
        s.push_str(&epoch.to_string());
        s.push(':');
    }
    s.push_str(version);
    if !release.is_empty() {
        s.push('-');
        s.push_str(release);
    }
    s
}

/// Language packages found in one file: a lockfile, an installed-package metadata file, a
/// binary or an archive (Trivy's `Application`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Application {
    /// Trivy's type name: `pip`, `pipenv`, `poetry`, `uv`, `python-pkg`, `npm`, `yarn`, `pnpm`,
    /// `node-pkg`, `gomod`, `gobinary`, `cargo`, `rustbinary`, `jar`, `pom`, `gradle`, `bundler`,
    /// `gemspec`, `composer`, `composer-vendor`, `dotnet-core`, `nuget`, ...
    pub kind: String,
    /// The file, relative to the image root (`app/package-lock.json`, `usr/local/bin/app`).
    pub file_path: String,
    /// The packages; for lockfiles with a root project, the root is not listed.
    pub packages: Vec<Package>,
}

/// Where a package came from.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LayerId {
    /// Blob digest of the layer as stored ("" when unknown).
    pub digest: String,
    /// Digest of the uncompressed layer.
    pub diff_id: String,
}

/// An OS package with the database and layer it was found in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstalledPackage {
    /// The package.
    pub package: Package,
    /// Database file it is listed in.
    pub file_path: String,
    /// The layer that introduced this exact version.
    pub layer: LayerId,
}

/// The merged view of an image.
#[derive(Debug, Clone, Default)]
pub struct Inventory {
    /// Detected OS.
    pub os: Option<OsInfo>,
    /// Alpine repositories release.
    pub repository: Option<Repository>,
    /// OS packages, sorted by name then version.
    pub packages: Vec<InstalledPackage>,
    /// Things that could not be read: layers, files. Empty for a complete scan.
    pub errors: Vec<String>,
    /// Warnings worth showing.
    pub warnings: Vec<String>,
    /// Uncompressed size of each layer, bottom first (0 where unknown or unreadable).
    pub layer_sizes: Vec<u64>,
    /// Language packages, one entry per file (or per aggregated type), sorted by target.
    pub applications: Vec<InstalledApplication>,
}

/// Language packages of one target after the layers are merged.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstalledApplication {
    /// Trivy's type (`pip`, `python-pkg`, `jar`, ...).
    pub kind: String,
    /// The file; empty for types aggregated over many files (installed Python, Node.js,
    /// Ruby and Java packages), whose packages carry their own `file_path`.
    pub file_path: String,
    /// The packages with the layer that introduced each.
    pub packages: Vec<InstalledPackage>,
}

/// Installed-package types whose many small files Trivy reports as one target.
pub const AGGREGATED_KINDS: &[(&str, &str)] = &[
    ("python-pkg", "Python"),
    ("conda-pkg", "Conda"),
    ("gemspec", "Ruby"),
    ("node-pkg", "Node.js"),
    ("jar", "Java"),
];

impl InstalledApplication {
    /// The report target: the file, or the language name for aggregated types.
    pub fn target(&self) -> String {
        if self.file_path.is_empty() {
            AGGREGATED_KINDS
                .iter()
                .find(|(k, _)| *k == self.kind)
                .map(|(_, n)| n.to_string())
                .unwrap_or_else(|| self.kind.clone())
        } else {
            self.file_path.clone()
        }
    }
}
