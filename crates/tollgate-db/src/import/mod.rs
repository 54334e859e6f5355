//! Importers: one per feed format, each turning a file or a directory into an [`ImportBatch`].
//!
//! A file that does not parse becomes a warning naming the file (the build goes on); a path that
//! does not exist, or holds nothing of the requested kind, is an [`ImportError`]. No input panics.

mod alpine;
mod debian;
mod exploit;
mod nvd;
mod osv;

use crate::model::{DataSource, ImportBatch};
use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::str::FromStr;

pub use debian::dpkg_compare;
pub(crate) use nvd::is_rejected_description;
pub use osv::osv_namespace;

/// The feed formats Tollgate imports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SourceKind {
    /// Alpine secdb: legacy YAML (`v3.X/main.yaml`) or current JSON, or vuln-list per-package JSON.
    AlpineSecdb,
    /// Debian security tracker: `data/{CVE,DSA,DLA}/list` text, or vuln-list-debian tracker JSON.
    DebianTracker,
    /// OSV records (`.json`, `.yaml`, `.yml`, or a `.zip` of them), any ecosystem.
    Osv,
    /// NVD: JSON 1.1 yearly feeds (`.json`/`.json.gz`) or API 2.0 JSON (pages or single CVEs).
    Nvd,
    /// CISA Known Exploited Vulnerabilities catalog (JSON or CSV).
    Kev,
    /// FIRST EPSS scores (CSV, plain or gzipped).
    Epss,
}

impl SourceKind {
    /// All kinds, in CLI-name order.
    pub const ALL: [SourceKind; 6] = [
        SourceKind::AlpineSecdb,
        SourceKind::DebianTracker,
        SourceKind::Osv,
        SourceKind::Nvd,
        SourceKind::Kev,
        SourceKind::Epss,
    ];

    /// The CLI name (`alpine-secdb`, `debian-tracker`, `osv`, `nvd`).
    pub fn name(self) -> &'static str {
        match self {
            SourceKind::AlpineSecdb => "alpine-secdb",
            SourceKind::DebianTracker => "debian-tracker",
            SourceKind::Osv => "osv",
            SourceKind::Nvd => "nvd",
            SourceKind::Kev => "cisa-kev",
            SourceKind::Epss => "epss",
        }
    }

    fn describe(self) -> &'static str {
        match self {
            SourceKind::AlpineSecdb => "Alpine secdb",
            SourceKind::DebianTracker => "Debian security tracker",
            SourceKind::Osv => "OSV",
            SourceKind::Nvd => "NVD",
            SourceKind::Kev => "CISA KEV",
            SourceKind::Epss => "EPSS",
        }
    }
}

impl fmt::Display for SourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for SourceKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        SourceKind::ALL
            .into_iter()
            .find(|k| k.name() == s)
            .ok_or_else(|| {
                format!(
                    "unknown advisory source kind `{s}` (expected one of: alpine-secdb, debian-tracker, osv, nvd, cisa-kev, epss)"
                )
            })
    }
}

/// Why an import produced nothing.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The path does not exist.
    #[error("{0}: no such file or directory")]
    NotFound(PathBuf),
    /// The path holds no data of the requested kind.
    #[error("{path}: no {kind} data found{detail}")]
    Empty {
        /// Kind asked for.
        kind: &'static str,
        /// Path given.
        path: PathBuf,
        /// Extra context (first warning), starting with `: ` when set.
        detail: String,
    },
    /// The path could not be read at all.
    #[error("{path}: {reason}")]
    Io {
        /// Path given.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
}

/// Imports `path` (a file, or a directory walked recursively) as `kind`.
pub fn import(kind: SourceKind, path: &Path) -> Result<ImportBatch, ImportError> {
    if !path.exists() {
        return Err(ImportError::NotFound(path.to_path_buf()));
    }
    let files = walk(path)?;
    let mut ctx = Ctx::default();
    match kind {
        SourceKind::AlpineSecdb => alpine::import(&files, &mut ctx),
        SourceKind::DebianTracker => debian::import(&files, &mut ctx),
        SourceKind::Osv => osv::import(&files, &mut ctx),
        SourceKind::Nvd => nvd::import(&files, &mut ctx),
        SourceKind::Kev => exploit::import_kev(&files, &mut ctx),
        SourceKind::Epss => exploit::import_epss(&files, &mut ctx),
    }
    if ctx.recognised == 0 {
        let detail = match ctx.batch.warnings.first() {
            Some(w) if ctx.batch.warnings.len() > 1 => {
                format!(": {w} (and {} more warnings)", ctx.batch.warnings.len() - 1)
            }
            Some(w) => format!(": {w}"),
            None if files.is_empty() => " (no files)".to_string(),
            None => format!(" ({} files looked at)", files.len()),
        };
        return Err(ImportError::Empty {
            kind: kind.describe(),
            path: path.to_path_buf(),
            detail,
        });
    }
    let mut keys: Vec<String> = ctx
        .batch
        .advisories
        .iter()
        .map(|a| a.source.clone())
        .collect();
    keys.extend(ctx.extra_sources.iter().cloned());
    keys.sort();
    keys.dedup();
    ctx.batch.sources = keys.iter().filter_map(|k| data_source(k)).collect();
    Ok(ctx.batch)
}

/// Importer state shared by the formats.
#[derive(Default)]
pub(crate) struct Ctx {
    pub batch: ImportBatch,
    /// Files recognised as the requested kind (parsed, possibly with nothing to add).
    pub recognised: usize,
    /// Data-source keys used by details only (e.g. `nvd`).
    pub extra_sources: Vec<String>,
}

impl Ctx {
    pub fn warn(&mut self, path: &Path, reason: impl fmt::Display) {
        self.batch
            .warnings
            .push(format!("{}: {reason}", path.display()));
    }
}

/// Regular files under `path` (or `path` itself), sorted by path, hidden entries skipped.
fn walk(path: &Path) -> Result<Vec<PathBuf>, ImportError> {
    if path.is_file() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut out = Vec::new();
    let it = walkdir::WalkDir::new(path)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'));
    for entry in it {
        match entry {
            Ok(e) if e.file_type().is_file() => out.push(e.into_path()),
            Ok(_) => {}
            Err(e) if e.depth() == 0 => {
                return Err(ImportError::Io {
                    path: path.to_path_buf(),
                    reason: e.to_string(),
                })
            }
            // An unreadable entry deeper down is skipped; the importer reports what it read.
            Err(_) => {}
        }
    }
    Ok(out)
}

/// Largest file (after decompression) an importer reads into memory.
const MAX_FILE_BYTES: u64 = 1 << 30;

/// Reads a file, gunzipping `.gz`, refusing more than [`MAX_FILE_BYTES`].
pub(crate) fn read_file(path: &Path) -> Result<Vec<u8>, String> {
    let f = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let mut buf = Vec::new();
    let mut reader: Box<dyn Read> = if has_ext(path, "gz") {
        Box::new(flate2::read::MultiGzDecoder::new(std::io::BufReader::new(
            f,
        )))
    } else {
        Box::new(f)
    };
    (&mut reader)
        .take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut buf)
        .map_err(|e| e.to_string())?;
    if buf.len() as u64 > MAX_FILE_BYTES {
        return Err(format!("larger than {MAX_FILE_BYTES} bytes, skipped"));
    }
    Ok(buf)
}

/// Case-insensitive extension test.
pub(crate) fn has_ext(path: &Path, ext: &str) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case(ext))
}

/// File name as a string ("" when not UTF-8).
pub(crate) fn file_name(path: &Path) -> &str {
    path.file_name().and_then(|n| n.to_str()).unwrap_or("")
}

/// The data source a data-source key (`Advisory::source`) stands for, as trivy-db names it.
/// The returned `id` is Trivy's source id (`osv` for both PyPA and RustSec), the key is ours.
pub fn data_source(key: &str) -> Option<DataSource> {
    let (id, name, url) = match key {
        "alpine" => ("alpine", "Alpine Secdb", "https://secdb.alpinelinux.org/"),
        "debian" => (
            "debian",
            "Debian Security Tracker",
            "https://salsa.debian.org/security-tracker-team/security-tracker",
        ),
        "nvd" => (
            "nvd",
            "National Vulnerability Database",
            "https://nvd.nist.gov/",
        ),
        "pypa" => (
            "osv",
            "Python Packaging Advisory Database",
            "https://github.com/pypa/advisory-db",
        ),
        "rustsec" => (
            "osv",
            "RustSec Advisory Database",
            "https://github.com/RustSec/advisory-db",
        ),
        "govulndb" => (
            "govulndb",
            "The Go Vulnerability Database",
            "https://pkg.go.dev/vuln/",
        ),
        "ghsa" => (
            "ghsa",
            "GitHub Security Advisory Database",
            "https://github.com/advisories",
        ),
        "ubuntu" => (
            "ubuntu",
            "Ubuntu CVE Tracker",
            "https://git.launchpad.net/ubuntu-cve-tracker",
        ),
        "alma" => (
            "alma",
            "AlmaLinux Product Errata",
            "https://errata.almalinux.org/",
        ),
        "rocky" => (
            "rocky",
            "Rocky Linux updateinfo",
            "https://download.rockylinux.org/pub/rocky/",
        ),
        "redhat" => ("redhat", "Red Hat", "https://www.redhat.com/security/data/"),
        "osv" => ("osv", "OSV", "https://osv.dev/"),
        _ => return None,
    };
    Some(DataSource {
        id: id.to_string(),
        name: name.to_string(),
        url: url.to_string(),
    })
}

/// Normalises a timestamp to RFC 3339 UTC (`2020-01-08T19:15:12Z`); `None` when unparseable or
/// the zero time (`0001-01-01T00:00:00Z`, which Go writes for "unknown").
pub(crate) fn rfc3339(s: &str) -> Option<String> {
    use time::format_description::well_known::Rfc3339;
    use time::macros::format_description;
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    let dt = if let Ok(t) = time::OffsetDateTime::parse(s, &Rfc3339) {
        t
    } else {
        // NVD: "2020-01-08T19:15:12.843" (API 2.0), "2020-01-08T19:15Z" (1.1 feeds); both UTC.
        let s2 = s.trim_end_matches('Z');
        let fmts = [
            format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond]"),
            format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]"),
            format_description!("[year]-[month]-[day]T[hour]:[minute]"),
        ];
        let pdt = fmts
            .iter()
            .find_map(|f| time::PrimitiveDateTime::parse(s2, f).ok())
            .or_else(|| {
                time::Date::parse(s2, format_description!("[year]-[month]-[day]"))
                    .ok()
                    .map(|d| d.midnight())
            })?;
        pdt.assume_utc()
    };
    if dt.year() <= 1 {
        return None;
    }
    let dt = dt
        .to_offset(time::UtcOffset::UTC)
        .replace_nanosecond(0)
        .ok()?;
    dt.format(&Rfc3339).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_names_roundtrip() {
        for k in SourceKind::ALL {
            assert_eq!(k.name().parse::<SourceKind>(), Ok(k));
        }
        assert!("ubuntu"
            .parse::<SourceKind>()
            .unwrap_err()
            .contains("alpine-secdb"));
    }

    #[test]
    fn timestamps_normalise() {
        assert_eq!(
            rfc3339("2020-01-08T19:15:12.843").as_deref(),
            Some("2020-01-08T19:15:12Z")
        );
        assert_eq!(
            rfc3339("2017-08-08T00:29Z").as_deref(),
            Some("2017-08-08T00:29:00Z")
        );
        assert_eq!(
            rfc3339("2023-11-07T20:24:23.946863Z").as_deref(),
            Some("2023-11-07T20:24:23Z")
        );
        assert_eq!(
            rfc3339("2021-03-01T10:00:00+02:00").as_deref(),
            Some("2021-03-01T08:00:00Z")
        );
        assert_eq!(rfc3339("0001-01-01T00:00:00Z"), None);
        assert_eq!(rfc3339("yesterday"), None);
    }

    #[test]
    fn missing_path_is_an_error() {
        let e = import(SourceKind::Osv, Path::new("/nonexistent/tollgate")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "/nonexistent/tollgate: no such file or directory"
        );
    }
}
