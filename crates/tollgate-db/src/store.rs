//! The on-disk advisory DB: one immutable SQLite file, `DB_DIR/tollgate.db`.
//!
//! [`build`] writes a new file beside the old one and renames it into place, so a scan that
//! has the old file open keeps reading it and no half-written DB is ever visible. [`Db::open`]
//! opens it read-only with SQLite's `immutable=1`: no locks, no journal, no writes, so any number
//! of scans (processes or threads, one [`Db`] each) read it at once.

use crate::import::data_source as known_source;
use crate::model::{source_rank, Advisory, DataSource, ImportBatch, VulnDetail};
use crate::normalise_package;
use rusqlite::{params, Connection, OpenFlags, OptionalExtension};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};

/// Version of the table layout; a DB of another version is refused by [`Db::open`].
pub const SCHEMA_VERSION: u32 = 1;

/// File name of the DB inside its directory.
pub const DB_FILE: &str = "tollgate.db";

/// What can go wrong building or opening the DB.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// No DB file in the directory.
    #[error(
        "no advisory DB at {0}: build one with `tollgate db build` (or copy a tollgate.db there)"
    )]
    NotFound(PathBuf),
    /// The DB was built by another version of the layout.
    #[error("DB at {path} has schema {found}, this tollgate reads {expected}: rebuild it with `tollgate db build`")]
    SchemaMismatch {
        /// DB file.
        path: PathBuf,
        /// Its schema version.
        found: u32,
        /// The one this build reads.
        expected: u32,
    },
    /// The file is not a readable Tollgate DB.
    #[error("DB at {path} is unreadable or not a Tollgate DB ({reason}): rebuild it with `tollgate db build`")]
    Corrupt {
        /// DB file.
        path: PathBuf,
        /// SQLite's or the decoder's message.
        reason: String,
    },
    /// Filesystem trouble while building.
    #[error("{path}: {source}")]
    Io {
        /// Path involved.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// SQLite trouble while building or querying.
    #[error("advisory DB: {0}")]
    Sqlite(#[from] rusqlite::Error),
}

/// Contents summary stored in the DB.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DbMetadata {
    /// Layout version ([`SCHEMA_VERSION`] for a DB this build opens).
    pub schema_version: u32,
    /// When the DB was built, RFC 3339 UTC.
    pub built_at: String,
    /// The source list given to [`build`] (e.g. `alpine-secdb:/path`, as the CLI chooses).
    pub sources: Vec<String>,
    /// Counts: `advisories`, `details`, `namespaces`, `data_sources`, and `advisories:<ns>`.
    pub counts: BTreeMap<String, u64>,
}

/// What [`build`] wrote.
#[derive(Debug, Clone, Default)]
pub struct BuildSummary {
    /// The DB file.
    pub path: PathBuf,
    /// Advisories stored.
    pub advisories: u64,
    /// Merged details stored.
    pub details: u64,
    /// Namespaces.
    pub namespaces: u64,
    /// Identical advisories dropped.
    pub duplicates_dropped: u64,
    /// Advisories dropped because their id is rejected.
    pub rejected_dropped: u64,
    /// Detail records dropped because no advisory refers to their id.
    pub unreferenced_details_dropped: u64,
    /// Size of the file in bytes.
    pub bytes: u64,
    /// Warnings carried over from the batches.
    pub warnings: Vec<String>,
}

/// Merges the per-source details of one id (each with `sources == [its source]`).
///
/// Title, description and CWE ids come from the first source in precedence order that has
/// them; severities and CVSS are kept per source; references are the sorted union; dates come
/// from NVD (CVE ids), else GHSA, else the first source that has them. Records of the same
/// source are folded first, the later one winning (NVD's `modified` feed after the yearly ones).
pub fn merge_details(id: &str, parts: Vec<VulnDetail>) -> VulnDetail {
    let mut by_src: BTreeMap<(usize, String), VulnDetail> = BTreeMap::new();
    for p in parts {
        let src = p.sources.first().cloned().unwrap_or_default();
        let slot = by_src.entry((source_rank(&src), src)).or_default();
        fold_same_source(slot, p);
    }
    let mut out = VulnDetail {
        id: id.to_string(),
        ..Default::default()
    };
    let mut refs = BTreeSet::new();
    for ((_, src), d) in &by_src {
        if out.title.is_none() {
            out.title = d.title.clone();
        }
        if out.description.is_none() {
            out.description = d.description.clone();
        }
        if out.cwe_ids.is_empty() {
            out.cwe_ids = d.cwe_ids.clone();
        }
        for (k, v) in &d.vendor_severity {
            out.vendor_severity.entry(k.clone()).or_insert(*v);
        }
        for (k, v) in &d.cvss {
            out.cvss.entry(k.clone()).or_insert_with(|| v.clone());
        }
        if out.known_exploited.is_none() {
            out.known_exploited = d.known_exploited.clone();
        }
        if out.epss.is_none() {
            out.epss = d.epss;
        }
        refs.extend(
            d.references
                .iter()
                .map(|r| r.trim().to_string())
                .filter(|r| !r.is_empty()),
        );
        if !src.is_empty() && !out.sources.contains(src) {
            out.sources.push(src.clone());
        }
    }
    out.references = refs.into_iter().collect();
    let date_src = if id.starts_with("CVE-") {
        Some("nvd")
    } else if id.starts_with("GHSA-") {
        Some("ghsa")
    } else {
        None
    };
    let preferred = date_src.and_then(|s| by_src.iter().find(|((_, k), _)| k == s).map(|(_, d)| d));
    let ordered = preferred.into_iter().chain(by_src.values());
    for d in ordered {
        if out.published.is_none() {
            out.published = d.published.clone();
        }
        if out.last_modified.is_none() {
            out.last_modified = d.last_modified.clone();
        }
    }
    out
}

fn fold_same_source(slot: &mut VulnDetail, p: VulnDetail) {
    if slot.sources.is_empty() {
        *slot = p;
        return;
    }
    if p.title.is_some() {
        slot.title = p.title;
    }
    if p.description.is_some() {
        slot.description = p.description;
    }
    if !p.cwe_ids.is_empty() {
        slot.cwe_ids = p.cwe_ids;
    }
    slot.vendor_severity.extend(p.vendor_severity);
    slot.cvss.extend(p.cvss);
    for r in p.references {
        if !slot.references.contains(&r) {
            slot.references.push(r);
        }
    }
    if p.known_exploited.is_some() {
        slot.known_exploited = p.known_exploited;
    }
    if p.epss.is_some() {
        slot.epss = p.epss;
    }
    if p.published.is_some() {
        slot.published = p.published;
    }
    if p.last_modified.is_some() {
        slot.last_modified = p.last_modified;
    }
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> DbError + '_ {
    move |source| DbError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

/// Builds `out_dir/tollgate.db` from import batches: writes a temp file in `out_dir`, fsyncs it
/// and renames it over the old DB (the temp file is removed on any error).
pub fn build(
    out_dir: &Path,
    batches: Vec<ImportBatch>,
    meta_sources: Vec<String>,
) -> Result<BuildSummary, DbError> {
    std::fs::create_dir_all(out_dir).map_err(io_err(out_dir))?;
    let final_path = out_dir.join(DB_FILE);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let tmp = out_dir.join(format!(".{DB_FILE}.tmp-{}-{nanos}", std::process::id()));
    let res = write_db(&tmp, batches, meta_sources).and_then(|mut summary| {
        let f = std::fs::File::open(&tmp).map_err(io_err(&tmp))?;
        f.sync_all().map_err(io_err(&tmp))?;
        summary.bytes = f.metadata().map_err(io_err(&tmp))?.len();
        drop(f);
        std::fs::rename(&tmp, &final_path).map_err(io_err(&final_path))?;
        // Make the rename itself durable.
        if let Ok(d) = std::fs::File::open(out_dir) {
            let _ = d.sync_all();
        }
        summary.path = final_path.clone();
        Ok(summary)
    });
    if res.is_err() {
        let _ = std::fs::remove_file(&tmp);
        for suffix in ["-journal", "-wal", "-shm"] {
            let mut p = tmp.clone().into_os_string();
            p.push(suffix);
            let _ = std::fs::remove_file(PathBuf::from(p));
        }
    }
    res
}

fn write_db(
    tmp: &Path,
    batches: Vec<ImportBatch>,
    meta_sources: Vec<String>,
) -> Result<BuildSummary, DbError> {
    let mut summary = BuildSummary::default();
    let mut rejected: HashSet<String> = HashSet::new();
    let mut batch_sources: Vec<DataSource> = Vec::new();
    let mut advisories: Vec<Advisory> = Vec::new();
    let mut details: Vec<VulnDetail> = Vec::new();
    for b in batches {
        rejected.extend(b.rejected);
        batch_sources.extend(b.sources);
        advisories.extend(b.advisories);
        details.extend(b.details);
        summary.warnings.extend(b.warnings);
    }
    // Any source calling an id rejected rejects it (trivy-db's IsRejected over all details).
    for d in &details {
        if d.description
            .as_deref()
            .is_some_and(crate::import::is_rejected_description)
        {
            rejected.insert(d.id.clone());
        }
    }

    // Advisories: drop rejected ids, normalise, dedupe identical ones.
    let mut rows: Vec<(String, String, String, String)> = Vec::with_capacity(advisories.len());
    let mut seen: HashSet<(String, String, String)> = HashSet::with_capacity(advisories.len());
    let mut referenced: HashSet<String> = HashSet::new();
    let mut per_ns: BTreeMap<String, u64> = BTreeMap::new();
    let mut source_keys: BTreeSet<String> = BTreeSet::new();
    for mut a in advisories {
        if rejected.contains(&a.vuln_id) {
            summary.rejected_dropped += 1;
            continue;
        }
        a.package = normalise_package(&a.namespace, &a.package);
        let json = serde_json::to_string(&a).map_err(|e| DbError::Corrupt {
            path: tmp.to_path_buf(),
            reason: e.to_string(),
        })?;
        if !seen.insert((a.namespace.clone(), a.package.clone(), json.clone())) {
            summary.duplicates_dropped += 1;
            continue;
        }
        referenced.insert(a.vuln_id.clone());
        referenced.extend(a.aliases.iter().cloned());
        *per_ns.entry(a.namespace.clone()).or_default() += 1;
        source_keys.insert(a.source.clone());
        rows.push((a.namespace, a.package, a.vuln_id, json));
    }
    drop(seen);
    rows.sort_unstable_by(|x, y| (&x.0, &x.1, &x.2, &x.3).cmp(&(&y.0, &y.1, &y.2, &y.3)));

    // Details: only referenced, non-rejected ids; merged over sources.
    let mut grouped: HashMap<String, Vec<VulnDetail>> = HashMap::new();
    for d in details {
        if rejected.contains(&d.id) || !referenced.contains(&d.id) {
            summary.unreferenced_details_dropped += 1;
            continue;
        }
        grouped.entry(d.id.clone()).or_default().push(d);
    }
    let mut merged: Vec<(String, String)> = Vec::with_capacity(grouped.len());
    for (id, parts) in grouped {
        let d = merge_details(&id, parts);
        let json = serde_json::to_string(&d).map_err(|e| DbError::Corrupt {
            path: tmp.to_path_buf(),
            reason: e.to_string(),
        })?;
        merged.push((id, json));
    }
    merged.sort_unstable();

    // Data sources: every key an advisory names.
    let mut sources: BTreeMap<String, DataSource> = BTreeMap::new();
    for k in &source_keys {
        let ds = known_source(k)
            .or_else(|| batch_sources.iter().find(|d| &d.id == k).cloned())
            .unwrap_or_else(|| DataSource {
                id: k.clone(),
                name: k.clone(),
                url: String::new(),
            });
        sources.insert(k.clone(), ds);
    }

    let mut conn = Connection::open(tmp)?;
    conn.execute_batch(
        "PRAGMA journal_mode = OFF;
         PRAGMA synchronous = OFF;
         PRAGMA locking_mode = EXCLUSIVE;
         PRAGMA temp_store = MEMORY;
         PRAGMA cache_size = -65536;
         CREATE TABLE metadata (key TEXT NOT NULL, value TEXT NOT NULL);
         CREATE TABLE advisories (namespace TEXT NOT NULL, package TEXT NOT NULL,
                                  vuln_id TEXT NOT NULL, data TEXT NOT NULL);
         CREATE TABLE details (id TEXT NOT NULL, data TEXT NOT NULL);
         CREATE TABLE data_sources (key TEXT NOT NULL, data TEXT NOT NULL);",
    )?;
    let tx = conn.transaction()?;
    {
        let mut st = tx.prepare(
            "INSERT INTO advisories (namespace, package, vuln_id, data) VALUES (?1, ?2, ?3, ?4)",
        )?;
        for (ns, pkg, vid, json) in &rows {
            st.execute(params![ns, pkg, vid, json])?;
        }
        let mut st = tx.prepare("INSERT INTO details (id, data) VALUES (?1, ?2)")?;
        for (id, json) in &merged {
            st.execute(params![id, json])?;
        }
        let mut st = tx.prepare("INSERT INTO data_sources (key, data) VALUES (?1, ?2)")?;
        for (k, ds) in &sources {
            st.execute(params![k, serde_json::to_string(ds).unwrap_or_default()])?;
        }
        let mut counts: BTreeMap<String, u64> = BTreeMap::new();
        counts.insert("advisories".into(), rows.len() as u64);
        counts.insert("details".into(), merged.len() as u64);
        counts.insert("namespaces".into(), per_ns.len() as u64);
        counts.insert("data_sources".into(), sources.len() as u64);
        for (ns, n) in &per_ns {
            counts.insert(format!("advisories:{ns}"), *n);
        }
        let namespaces: Vec<&String> = per_ns.keys().collect();
        let mut st = tx.prepare("INSERT INTO metadata (key, value) VALUES (?1, ?2)")?;
        st.execute(params!["schema_version", SCHEMA_VERSION.to_string()])?;
        st.execute(params!["built_at", now_rfc3339()])?;
        st.execute(params![
            "sources",
            serde_json::to_string(&meta_sources).unwrap_or_default()
        ])?;
        st.execute(params![
            "counts",
            serde_json::to_string(&counts).unwrap_or_default()
        ])?;
        st.execute(params![
            "namespaces",
            serde_json::to_string(&namespaces).unwrap_or_default()
        ])?;
    }
    tx.execute_batch(
        "CREATE INDEX advisories_by_package ON advisories (namespace, package);
         CREATE UNIQUE INDEX details_by_id ON details (id);
         CREATE UNIQUE INDEX data_sources_by_key ON data_sources (key);
         CREATE UNIQUE INDEX metadata_by_key ON metadata (key);",
    )?;
    tx.commit()?;
    conn.close().map_err(|(_, e)| e)?;
    summary.advisories = rows.len() as u64;
    summary.details = merged.len() as u64;
    summary.namespaces = per_ns.len() as u64;
    Ok(summary)
}

/// Percent-encodes a path for a `file:` URI.
fn file_uri(path: &Path) -> String {
    let s = path.to_string_lossy();
    let mut out = String::from("file:");
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"/._-~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out.push_str("?immutable=1");
    out
}

/// A read-only handle on `DB_DIR/tollgate.db`.
///
/// Opened with SQLite's `immutable=1`: SQLite takes no locks and never checks for changes, so
/// any number of scans read the same file at once, and a rebuild (which renames a new file into
/// place) never disturbs a scan that has the old one open. A `Db` is `Send`, not `Sync`: open
/// one per thread (opening is cheap).
pub struct Db {
    conn: Connection,
    path: PathBuf,
    meta: DbMetadata,
    namespaces: Vec<String>,
    sources: BTreeMap<String, DataSource>,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db")
            .field("path", &self.path)
            .field("meta", &self.meta)
            .finish()
    }
}

impl Db {
    /// Opens `dir/tollgate.db` read-only and checks its schema version.
    pub fn open(dir: &Path) -> Result<Db, DbError> {
        let path = dir.join(DB_FILE);
        if !path.is_file() {
            return Err(DbError::NotFound(path));
        }
        let corrupt = |e: &dyn std::fmt::Display| DbError::Corrupt {
            path: path.clone(),
            reason: e.to_string(),
        };
        let conn = Connection::open_with_flags(
            file_uri(&path),
            OpenFlags::SQLITE_OPEN_READ_ONLY
                | OpenFlags::SQLITE_OPEN_URI
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| corrupt(&e))?;
        let mut meta_rows: HashMap<String, String> = HashMap::new();
        {
            let mut st = conn
                .prepare("SELECT key, value FROM metadata")
                .map_err(|e| corrupt(&e))?;
            let it = st
                .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
                .map_err(|e| corrupt(&e))?;
            for row in it {
                let (k, v) = row.map_err(|e| corrupt(&e))?;
                meta_rows.insert(k, v);
            }
        }
        let version: u32 = meta_rows
            .get("schema_version")
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| corrupt(&"no schema_version in metadata"))?;
        if version != SCHEMA_VERSION {
            return Err(DbError::SchemaMismatch {
                path,
                found: version,
                expected: SCHEMA_VERSION,
            });
        }
        let json = |k: &str| meta_rows.get(k).map(String::as_str).unwrap_or("null");
        let meta = DbMetadata {
            schema_version: version,
            built_at: meta_rows.get("built_at").cloned().unwrap_or_default(),
            sources: serde_json::from_str(json("sources")).unwrap_or_default(),
            counts: serde_json::from_str(json("counts")).unwrap_or_default(),
        };
        let namespaces: Vec<String> = serde_json::from_str(json("namespaces")).unwrap_or_default();
        let mut sources = BTreeMap::new();
        {
            let mut st = conn
                .prepare("SELECT key, data FROM data_sources")
                .map_err(|e| corrupt(&e))?;
            let it = st
                .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
                .map_err(|e| corrupt(&e))?;
            for row in it {
                let (k, v) = row.map_err(|e| corrupt(&e))?;
                let ds: DataSource = serde_json::from_str(&v).map_err(|e| corrupt(&e))?;
                sources.insert(k, ds);
            }
        }
        Ok(Db {
            conn,
            path,
            meta,
            namespaces,
            sources,
        })
    }

    /// The DB file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Schema version, build time, sources and counts.
    pub fn metadata(&self) -> DbMetadata {
        self.meta.clone()
    }

    /// Every namespace with advisories (`alpine 3.10`, `debian 12`, `pip`, ...), sorted.
    pub fn namespaces(&self) -> Vec<String> {
        self.namespaces.clone()
    }

    /// Advisories for one package of one namespace; the name is normalised as the namespace
    /// keys it (PEP 503 for `pip`, lower case for `cargo`, ...). Sorted by vuln id.
    pub fn advisories(&self, namespace: &str, package: &str) -> Result<Vec<Advisory>, DbError> {
        let pkg = normalise_package(namespace, package);
        let mut st = self
            .conn
            .prepare_cached("SELECT data FROM advisories WHERE namespace = ?1 AND package = ?2 ORDER BY vuln_id, rowid")?;
        let rows = st.query_map(params![namespace, pkg], |r| r.get::<_, String>(0))?;
        let mut out = Vec::new();
        for r in rows {
            let json = r?;
            let a: Advisory = serde_json::from_str(&json).map_err(|e| DbError::Corrupt {
                path: self.path.clone(),
                reason: format!("advisory row: {e}"),
            })?;
            out.push(a);
        }
        Ok(out)
    }

    /// Merged details of a vulnerability id.
    pub fn detail(&self, id: &str) -> Result<Option<VulnDetail>, DbError> {
        let mut st = self
            .conn
            .prepare_cached("SELECT data FROM details WHERE id = ?1")?;
        let json: Option<String> = st.query_row(params![id], |r| r.get(0)).optional()?;
        json.map(|j| {
            serde_json::from_str(&j).map_err(|e| DbError::Corrupt {
                path: self.path.clone(),
                reason: format!("detail row: {e}"),
            })
        })
        .transpose()
    }

    /// The data source an advisory's `source` key names.
    pub fn data_source(&self, key: &str) -> Option<DataSource> {
        self.sources.get(key).cloned()
    }
}
