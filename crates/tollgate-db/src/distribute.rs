//! The DB as an OCI artifact: [`push`] uploads `tollgate.db` zstd-compressed, under its own
//! media types, to any registry; [`update`] pulls it into a DB directory, checks both digests
//! and the schema version, and renames it into place so scans that have the old file open
//! keep reading it and no partial DB is ever visible.

use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use tollgate_registry::{Body, Client, HashingReader, Reference, RegistryError};

use crate::store::{Db, DbError, DB_FILE, SCHEMA_VERSION};

/// The artifact type of a DB manifest.
pub const ARTIFACT_TYPE: &str = "application/vnd.tollgate.db.v1";
/// Media type of the artifact's config (a [`DbArtifactConfig`]).
pub const CONFIG_MEDIA_TYPE: &str = "application/vnd.tollgate.db.config.v1+json";
/// Media type of the one layer: the SQLite file, zstd-compressed.
pub const LAYER_MEDIA_TYPE: &str = "application/vnd.tollgate.db.layer.v1.sqlite+zstd";
const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
/// Remembers which artifact the DB directory holds, so an unchanged one is not downloaded.
const ARTIFACT_FILE: &str = "artifact.json";
/// Configs and manifests of DB artifacts are small.
const MAX_CONFIG: u64 = 1 << 20;

/// What goes wrong pushing or pulling the DB; one line, saying what to do.
#[derive(Debug, thiserror::Error)]
pub enum DistError {
    /// The registry could not be talked to.
    #[error(transparent)]
    Registry(#[from] RegistryError),
    /// The local DB is missing or unreadable.
    #[error(transparent)]
    Db(#[from] DbError),
    /// Local file trouble.
    #[error("{path}: {source}")]
    Io {
        /// Path involved.
        path: PathBuf,
        /// The error.
        source: io::Error,
    },
    /// The reference names something that is not a Tollgate DB.
    #[error("{reference} is not a tollgate DB artifact ({reason}): point --db-repository at a repository written by `tollgate db push`")]
    NotAnArtifact {
        /// The reference.
        reference: String,
        /// What is wrong.
        reason: String,
    },
    /// The artifact holds a DB of another schema version.
    #[error("{reference} holds a DB of schema {found}, this tollgate reads schema {expected}: push a DB built by this tollgate version there, or use a tollgate that reads schema {found}")]
    Schema {
        /// The reference.
        reference: String,
        /// Its schema.
        found: u32,
        /// Ours.
        expected: u32,
    },
    /// The downloaded DB does not match what the artifact announces.
    #[error("{reference}: downloaded DB {what} digest mismatch: expected {expected}, got {actual}: the old DB was kept; retry, or push the DB again")]
    Mismatch {
        /// The reference.
        reference: String,
        /// Which digest.
        what: &'static str,
        /// Announced.
        expected: String,
        /// Got.
        actual: String,
    },
    /// Every repository failed.
    #[error("no DB repository worked: {0}")]
    AllFailed(String),
    /// No repository was given.
    #[error("no DB repository given: pass --db-repository REF (e.g. registry.example.com/tollgate/db:1)")]
    NoRepository,
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> DistError + '_ {
    move |source| DistError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// The artifact's config blob.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct DbArtifactConfig {
    /// [`SCHEMA_VERSION`] of the DB inside.
    pub schema_version: u32,
    /// When the DB was built.
    #[serde(default)]
    pub built_at: String,
    /// The sources it was built from.
    #[serde(default)]
    pub sources: Vec<String>,
    /// sha256 of the uncompressed `tollgate.db`.
    pub db_digest: String,
    /// Size of the uncompressed `tollgate.db`.
    pub db_size: u64,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Desc {
    media_type: String,
    digest: String,
    size: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    annotations: Option<std::collections::BTreeMap<String, String>>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Manifest {
    schema_version: u32,
    #[serde(default)]
    media_type: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    artifact_type: String,
    config: Desc,
    layers: Vec<Desc>,
}

/// What [`push`] uploaded.
#[derive(Debug, Clone)]
pub struct PushSummary {
    /// The reference pushed to.
    pub reference: String,
    /// Manifest digest.
    pub digest: String,
    /// Size of the compressed layer.
    pub compressed_size: u64,
    /// Size of the DB file.
    pub db_size: u64,
}

/// Pushes `db_dir/tollgate.db` to `reference` (tag `latest` when none is given).
pub fn push(client: &Client, db_dir: &Path, reference: &str) -> Result<PushSummary, DistError> {
    let r = Reference::parse(reference)?;
    let db = Db::open(db_dir)?;
    let meta = db.metadata();
    let db_path = db.path().to_path_buf();
    drop(db);
    let raw = File::open(&db_path).map_err(io_err(&db_path))?;
    let mut raw = HashingReader::new(BufReader::new(raw));
    let tmp = tempfile::NamedTempFile::new().map_err(io_err(Path::new("temp file")))?;
    {
        let mut enc = zstd::stream::write::Encoder::new(BufWriter::new(tmp.as_file()), 12)
            .map_err(io_err(tmp.path()))?;
        io::copy(&mut raw, &mut enc).map_err(io_err(&db_path))?;
        enc.finish()
            .and_then(|mut w| w.flush())
            .map_err(io_err(tmp.path()))?;
    }
    let db_size = raw.count;
    let db_digest = raw.digest();
    let mut packed = HashingReader::new(File::open(tmp.path()).map_err(io_err(tmp.path()))?);
    io::copy(&mut packed, &mut io::sink()).map_err(io_err(tmp.path()))?;
    let compressed_size = packed.count;
    let layer_digest = packed.digest();
    let config = serde_json::to_vec(&DbArtifactConfig {
        schema_version: meta.schema_version,
        built_at: meta.built_at.clone(),
        sources: meta.sources.clone(),
        db_digest,
        db_size,
    })
    .map_err(|e| io_err(&db_path)(io::Error::other(e)))?;
    let config_digest = tollgate_registry::sha256_digest(&config);
    client.push_blob(&r, &layer_digest, Body::File(tmp.path()))?;
    client.push_blob(&r, &config_digest, Body::Bytes(&config))?;
    let manifest = Manifest {
        schema_version: 2,
        media_type: OCI_MANIFEST.into(),
        artifact_type: ARTIFACT_TYPE.into(),
        config: Desc {
            media_type: CONFIG_MEDIA_TYPE.into(),
            digest: config_digest,
            size: config.len() as u64,
            annotations: None,
        },
        layers: vec![Desc {
            media_type: LAYER_MEDIA_TYPE.into(),
            digest: layer_digest,
            size: compressed_size,
            annotations: Some(
                [(
                    "org.opencontainers.image.title".to_string(),
                    format!("{DB_FILE}.zst"),
                )]
                .into(),
            ),
        }],
    };
    let body = serde_json::to_vec(&manifest).map_err(|e| io_err(&db_path)(io::Error::other(e)))?;
    let digest = client.push_manifest(&r, r.manifest_ref(), OCI_MANIFEST, &body)?;
    Ok(PushSummary {
        reference: r.to_string(),
        digest,
        compressed_size,
        db_size,
    })
}

/// What [`update`] did.
#[derive(Debug, Clone)]
pub struct UpdateSummary {
    /// The repository the DB came from.
    pub reference: String,
    /// Its manifest digest.
    pub digest: String,
    /// False when the directory already held this artifact (nothing downloaded).
    pub downloaded: bool,
    /// Problems with repositories tried before the one that worked.
    pub skipped: Vec<String>,
}

/// Pulls the DB from the first of `repositories` that serves one into `db_dir`.
pub fn update(
    client: &Client,
    db_dir: &Path,
    repositories: &[String],
) -> Result<UpdateSummary, DistError> {
    let mut skipped = Vec::new();
    let mut last = None;
    for reference in repositories {
        match pull(client, db_dir, reference) {
            Ok((digest, downloaded)) => {
                return Ok(UpdateSummary {
                    reference: reference.clone(),
                    digest,
                    downloaded,
                    skipped,
                })
            }
            Err(e) => {
                skipped.push(e.to_string());
                last = Some(e);
            }
        }
    }
    match last {
        None => Err(DistError::NoRepository),
        Some(e) if skipped.len() == 1 => Err(e),
        Some(_) => Err(DistError::AllFailed(skipped.join("; "))),
    }
}

/// Pulls one reference; returns the manifest digest and whether anything was downloaded.
fn pull(client: &Client, db_dir: &Path, reference: &str) -> Result<(String, bool), DistError> {
    let r = Reference::parse(reference)?;
    let not_artifact = |reason: String| DistError::NotAnArtifact {
        reference: r.to_string(),
        reason,
    };
    let m = client.manifest(&r, r.manifest_ref())?;
    let manifest: Manifest = serde_json::from_slice(&m.data)
        .map_err(|e| not_artifact(format!("manifest is not an OCI image manifest: {e}")))?;
    if manifest.config.media_type != CONFIG_MEDIA_TYPE {
        return Err(not_artifact(format!(
            "config media type is '{}'",
            manifest.config.media_type
        )));
    }
    let layer = match manifest.layers.as_slice() {
        [l] if l.media_type == LAYER_MEDIA_TYPE => l,
        _ => {
            return Err(not_artifact(format!(
                "expected one layer of type {LAYER_MEDIA_TYPE}"
            )))
        }
    };
    for d in [&manifest.config.digest, &layer.digest] {
        if !tollgate_registry::reference::is_digest(d) {
            return Err(not_artifact(format!("bad digest '{}'", d.escape_debug())));
        }
    }
    let craw = client.blob_bytes(&r, &manifest.config.digest, MAX_CONFIG)?;
    let config: DbArtifactConfig = serde_json::from_slice(&craw)
        .map_err(|e| not_artifact(format!("unreadable config: {e}")))?;
    // The schema is checked before anything big is downloaded.
    if config.schema_version != SCHEMA_VERSION {
        return Err(DistError::Schema {
            reference: r.to_string(),
            found: config.schema_version,
            expected: SCHEMA_VERSION,
        });
    }
    let marker = db_dir.join(ARTIFACT_FILE);
    let have = std::fs::read(&marker)
        .ok()
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        .and_then(|v| v.get("digest")?.as_str().map(str::to_string));
    if have.as_deref() == Some(m.digest.as_str()) && Db::open(db_dir).is_ok() {
        return Ok((m.digest, false));
    }

    std::fs::create_dir_all(db_dir).map_err(io_err(db_dir))?;
    // A temp dir beside the DB: same filesystem, so the final rename is atomic; removed on
    // every error path when it drops.
    let tmp = tempfile::Builder::new()
        .prefix(".tollgate-db-update-")
        .tempdir_in(db_dir)
        .map_err(io_err(db_dir))?;
    let tmp_db = tmp.path().join(DB_FILE);
    let stream = client.blob_reader(&r, &layer.digest)?;
    let mut packed = HashingReader::new(stream);
    let mut unpacked_digest;
    {
        let out = File::create(&tmp_db).map_err(io_err(&tmp_db))?;
        let mut out = BufWriter::new(out);
        let dec = zstd::stream::read::Decoder::new(&mut packed)
            .map_err(|e| not_artifact(format!("layer {} is not zstd: {e}", layer.digest)))?;
        // Bounded by the announced size: a hostile artifact cannot fill the disk.
        let mut unpacked = HashingReader::new(dec.take(config.db_size + 1));
        io::copy(&mut unpacked, &mut out).map_err(|e| RegistryError::Network {
            url: format!("blob {} of {r}", layer.digest),
            reason: format!("reading the DB layer: {e}"),
        })?;
        let written = unpacked.count;
        unpacked_digest = unpacked.digest();
        if written != config.db_size {
            unpacked_digest = format!(
                "{unpacked_digest} ({written} bytes, not {})",
                config.db_size
            );
        }
        let f = out
            .into_inner()
            .map_err(|e| io_err(&tmp_db)(e.into_error()))?;
        f.sync_all().map_err(io_err(&tmp_db))?;
    }
    io::copy(&mut packed, &mut io::sink()).map_err(|e| RegistryError::Network {
        url: format!("blob {} of {r}", layer.digest),
        reason: format!("reading the DB layer: {e}"),
    })?;
    let packed_digest = packed.digest();
    if packed_digest != layer.digest {
        return Err(DistError::Mismatch {
            reference: r.to_string(),
            what: "layer",
            expected: layer.digest.clone(),
            actual: packed_digest,
        });
    }
    if unpacked_digest != config.db_digest {
        return Err(DistError::Mismatch {
            reference: r.to_string(),
            what: "file",
            expected: config.db_digest.clone(),
            actual: unpacked_digest,
        });
    }
    // Opening it checks it is a readable DB of our schema before it replaces anything.
    drop(Db::open(tmp.path())?);
    let final_path = db_dir.join(DB_FILE);
    std::fs::rename(&tmp_db, &final_path).map_err(io_err(&final_path))?;
    let marker_tmp = tmp.path().join(ARTIFACT_FILE);
    let note = serde_json::json!({"reference": r.to_string(), "digest": m.digest, "builtAt": config.built_at});
    std::fs::write(&marker_tmp, note.to_string()).map_err(io_err(&marker_tmp))?;
    std::fs::rename(&marker_tmp, &marker).map_err(io_err(&marker))?;
    if let Ok(d) = File::open(db_dir) {
        let _ = d.sync_all();
    }
    Ok((m.digest, true))
}
