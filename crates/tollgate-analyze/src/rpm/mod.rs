//! rpm package databases, read natively (no librpm) in all three backends rpm has used:
//! BerkeleyDB hash (`Packages`), ndb (`Packages.db`, SUSE) and sqlite (`rpmdb.sqlite`).
//! The backend is chosen from the file's content, not its name.
//!
//! Damaged input: damage to the database structure (bad magic, bad metadata, a file
//! shorter than its own metadata says) is an error. One unreadable entry (a blob pointing
//! past the end, a looping overflow chain, a header that does not parse) is skipped and
//! recorded in [`RpmDb::problems`]; [`RpmAnalyzer`] then still returns the packages it
//! could read, and fails only when entries exist but none of them could be read.

mod bdb;
mod header;
mod ndb;
mod sqlite;

use std::collections::{BTreeSet, HashMap};
use std::fmt;

use crate::{AnalysisResult, AnalyzeError, Analyzer, Package, PackageInfo};
use header::{tag, Header};

/// Paths of rpm databases, as Trivy's rpm analyzer wants them.
pub const REQUIRED_FILES: &[&str] = &[
    "var/lib/rpm/Packages",
    "var/lib/rpm/Packages.db",
    "var/lib/rpm/rpmdb.sqlite",
    "usr/lib/sysimage/rpm/Packages",
    "usr/lib/sysimage/rpm/Packages.db",
    "usr/lib/sysimage/rpm/rpmdb.sqlite",
];

/// Vendors whose packages' files are recorded as OS-owned (Trivy's list): files of a
/// third-party rpm are not, so language packages it ships are still scanned.
const OS_VENDORS: &[&str] = &[
    "Amazon Linux",
    "Amazon.com",
    "CentOS",
    "Fedora Project",
    "Oracle America",
    "Red Hat",
    "AlmaLinux",
    "CloudLinux",
    "VMware",
    "SUSE",
    "openSUSE",
    "Microsoft Corporation",
    "Rocky",
];

/// Why an rpm database or header could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RpmError(String);

impl RpmError {
    pub(crate) fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}

impl fmt::Display for RpmError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for RpmError {}

/// Receives each stored header blob, or why one entry could not be read.
pub(crate) type EachBlob<'a> = dyn FnMut(Result<&[u8], String>) + 'a;

/// Storage format of an rpm database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// BerkeleyDB hash (`Packages`), either byte order.
    BerkeleyDb,
    /// rpm's ndb (`Packages.db`).
    Ndb,
    /// sqlite (`rpmdb.sqlite`).
    Sqlite,
}

/// Detects the backend from the file's first bytes.
pub fn detect_backend(content: &[u8]) -> Option<Backend> {
    if sqlite::looks_like(content) {
        Some(Backend::Sqlite)
    } else if ndb::looks_like(content) {
        Some(Backend::Ndb)
    } else if bdb::looks_like(content) {
        Some(Backend::BerkeleyDb)
    } else {
        None
    }
}

/// What one rpm database lists.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RpmDb {
    /// Installed packages in database order (`gpg-pubkey` entries left out, as Trivy does).
    pub packages: Vec<Package>,
    /// Entries that could not be read, or were read only in part, one line each.
    pub problems: Vec<String>,
    /// How many entries were skipped entirely (the rest of `problems` are partial reads).
    pub skipped: usize,
}

/// Reads an rpm database of any backend.
pub fn parse_rpmdb(content: &[u8]) -> Result<RpmDb, RpmError> {
    let backend = detect_backend(content).ok_or_else(|| {
        RpmError::new("not an rpm database: neither sqlite, ndb nor BerkeleyDB magic found")
    })?;
    let mut raws = Vec::new();
    let mut db = RpmDb::default();
    let mut each = |blob: Result<&[u8], String>| match blob
        .and_then(|b| raw_package(b).map_err(|e| format!("header: {e}")))
    {
        Ok(Some(raw)) => raws.push(raw),
        Ok(None) => {}
        Err(e) => {
            db.skipped += 1;
            db.problems.push(e);
        }
    };
    match backend {
        Backend::BerkeleyDb => bdb::for_each_value(content, &mut each)?,
        Backend::Ndb => ndb::for_each_blob(content, &mut each)?,
        Backend::Sqlite => sqlite::for_each_blob(content, &mut each)?,
    }
    let budget = content.len().saturating_mul(16).saturating_add(1 << 20);
    db.packages = to_packages(raws, &mut db.problems, budget);
    Ok(db)
}

/// Reads one header blob (as stored in the database: no lead, no header magic) into a
/// package. `Ok(None)` for a `gpg-pubkey` entry. `depends_on` is left empty: it can only
/// be resolved against the other packages of the database.
pub fn parse_header_blob(blob: &[u8]) -> Result<Option<Package>, RpmError> {
    let Some(raw) = raw_package(blob)? else {
        return Ok(None);
    };
    let mut problems = Vec::new();
    let mut pkgs = to_packages(vec![raw], &mut problems, 0);
    Ok(pkgs.pop())
}

/// A package plus what is needed to resolve dependencies across the database.
struct RawPackage {
    pkg: Package,
    raw_arch: String,
    requires: Vec<String>,
    provides: Vec<String>,
    file_problem: Option<String>,
}

fn raw_package(blob: &[u8]) -> Result<Option<RawPackage>, RpmError> {
    let h = Header::parse(blob)?;
    let name = h
        .string(tag::NAME)
        .filter(|n| !n.is_empty())
        .ok_or_else(|| RpmError::new("header has no NAME"))?;
    // gpg-pubkey entries are imported signing keys, not packages.
    if name == "gpg-pubkey" {
        return Ok(None);
    }
    let epoch = h.int32s(tag::EPOCH).first().copied().unwrap_or(0);
    let raw_arch = h.string(tag::ARCH).unwrap_or_default();
    let mut pkg = Package {
        name,
        version: h.string(tag::VERSION).unwrap_or_default(),
        release: h.string(tag::RELEASE).unwrap_or_default(),
        epoch,
        arch: if raw_arch.is_empty() {
            "None".to_string()
        } else {
            raw_arch.clone()
        },
        src_epoch: epoch, // SOURCERPM carries no epoch; Trivy uses the binary's.
        maintainer: h.string(tag::VENDOR).unwrap_or_default(),
        modularity_label: h.string(tag::MODULARITYLABEL).unwrap_or_default(),
        ..Package::default()
    };
    if let Some(srpm) = h
        .string(tag::SOURCERPM)
        .filter(|s| !s.is_empty() && s != "(none)")
    {
        if let Some((n, v, r)) = split_file_name(&srpm) {
            pkg.src_name = n.to_string();
            pkg.src_version = v.to_string();
            pkg.src_release = r.to_string();
        }
    }
    if let Some(license) = h.string(tag::LICENSE).filter(|l| !l.is_empty()) {
        pkg.licenses.push(license);
    }
    if let Some(md5) = h.bin(tag::SIGMD5).filter(|d| !d.is_empty()) {
        pkg.digest = format!("md5:{}", hex(md5));
    }
    let mut file_problem = None;
    if OS_VENDORS.iter().any(|v| pkg.maintainer.starts_with(v)) {
        // DIRINDEXES can point many files at one long directory name; cap the expansion so
        // a small hostile blob cannot make a huge list (real lists are smaller than the blob).
        let limit = blob.len().saturating_mul(16).saturating_add(64 * 1024);
        match installed_files(&h, limit) {
            Ok(files) => pkg.installed_files = files,
            Err(e) => file_problem = Some(format!("{}: {e}", pkg.name)),
        }
    }
    Ok(Some(RawPackage {
        pkg,
        raw_arch,
        requires: h.strings(tag::REQUIRENAME),
        provides: h.strings(tag::PROVIDENAME),
        file_problem,
    }))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// DIRNAMES[DIRINDEXES[i]] + BASENAMES[i], or OLDFILENAMES in headers older than rpm 4.
fn installed_files(h: &Header<'_>, limit: usize) -> Result<Vec<String>, String> {
    let basenames = h.strings(tag::BASENAMES);
    if basenames.is_empty() {
        return Ok(h.strings(tag::OLDFILENAMES));
    }
    let dirnames = h.strings(tag::DIRNAMES);
    let indexes = h.int32s(tag::DIRINDEXES);
    if indexes.len() != basenames.len() {
        return Err(format!(
            "{} base names but {} directory indexes; file list left out",
            basenames.len(),
            indexes.len()
        ));
    }
    let mut total = 0usize;
    basenames
        .iter()
        .zip(indexes)
        .map(|(base, i)| {
            let dir = dirnames
                .get(i as usize)
                .ok_or_else(|| format!("directory index {i} out of range; file list left out"))?;
            total += dir.len() + base.len();
            if total > limit {
                return Err(format!("file list longer than {limit} bytes; left out"));
            }
            Ok(format!("{dir}{base}"))
        })
        .collect()
}

/// Resolves REQUIRENAME through every package's PROVIDENAME into Trivy-style package IDs
/// (`name@version-release.arch`), sorted and deduplicated, self-references dropped. The
/// total size of the lists is capped by `budget` bytes, so hostile requires cannot make the
/// output much larger than the database.
fn to_packages(
    mut raws: Vec<RawPackage>,
    problems: &mut Vec<String>,
    mut budget: usize,
) -> Vec<Package> {
    let ids: Vec<String> = raws
        .iter()
        .map(|r| {
            format!(
                "{}@{}-{}.{}",
                r.pkg.name, r.pkg.version, r.pkg.release, r.raw_arch
            )
        })
        .collect();
    let provide_lists: Vec<Vec<String>> = raws
        .iter_mut()
        .map(|r| std::mem::take(&mut r.provides))
        .collect();
    let mut provides: HashMap<&str, usize> = HashMap::new();
    for (i, list) in provide_lists.iter().enumerate() {
        for p in list {
            provides.insert(p, i);
        }
    }
    let mut out = Vec::with_capacity(raws.len());
    for (i, r) in raws.into_iter().enumerate() {
        let deps: BTreeSet<&str> = r
            .requires
            .iter()
            .filter_map(|req| provides.get(req.as_str()))
            .map(|&j| ids[j].as_str())
            .filter(|d| *d != ids[i])
            .collect();
        let cost: usize = deps.iter().map(|d| d.len()).sum();
        let mut pkg = r.pkg;
        if cost <= budget {
            budget -= cost;
            pkg.depends_on = deps.into_iter().map(str::to_string).collect();
        } else {
            problems.push(format!(
                "{}: dependency list left out (output limit)",
                pkg.name
            ));
        }
        if let Some(p) = r.file_problem {
            problems.push(p);
        }
        out.push(pkg);
    }
    out
}

/// Splits a source rpm file name (`bash-5.1.8-6.el9.src.rpm`) into name, version and
/// release, the way Trivy (after yum's `splitFilename`) does.
pub fn split_file_name(file_name: &str) -> Option<(&str, &str, &str)> {
    let f = file_name.strip_suffix(".rpm").unwrap_or(file_name);
    let arch = f.rfind('.')?;
    let rel = f[..arch].rfind('-')?;
    let ver = f[..rel].rfind('-')?;
    Some((&f[..ver], &f[ver + 1..rel], &f[rel + 1..arch]))
}

/// The rpm database analyzer (all three backends).
#[derive(Debug, Clone, Copy, Default)]
pub struct RpmAnalyzer;

impl Analyzer for RpmAnalyzer {
    fn name(&self) -> &'static str {
        "rpm"
    }

    fn version(&self) -> u32 {
        1
    }

    fn required(&self, path: &str) -> bool {
        REQUIRED_FILES.contains(&path)
    }

    fn analyze(&self, path: &str, content: &[u8]) -> Result<AnalysisResult, AnalyzeError> {
        let db = parse_rpmdb(content).map_err(|e| AnalyzeError::new(path, e.to_string()))?;
        if db.packages.is_empty() && db.skipped > 0 {
            return Err(AnalyzeError::new(
                path,
                format!(
                    "no readable package in rpm database: {} entries unreadable, first: {}",
                    db.skipped,
                    db.problems.first().map(String::as_str).unwrap_or("")
                ),
            ));
        }
        Ok(AnalysisResult {
            package_infos: vec![PackageInfo {
                file_path: path.to_string(),
                packages: db.packages,
            }],
            ..AnalysisResult::default()
        })
    }
}
