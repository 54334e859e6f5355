//! docker-archive tars (`docker save`, `podman save`, skopeo/crane) and OCI layouts inside a tar.
//!
//! The tar is indexed once (member offsets) and blobs are read by seeking. A gzip- or
//! zstd-compressed outer archive is first decompressed once to a temp file (bounded by
//! `max_layer_bytes`, deleted when the source is dropped), because layers must be read by seeking
//! and in parallel.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::Path;

use serde::Deserialize;

use crate::store::{
    hash_blob, sha256_of, sniff_blob, Blob, Store, StoredLayer, StoredSource, TarIndex,
};
use crate::walk::{sniff, Counted, LimitExceeded};
use crate::{
    digest_matches, normalize_ref, short_digest, tag_of, Compression, Image, ImageError, LayerRef,
    OpenOptions, Source,
};

#[derive(Debug, Deserialize)]
struct ManifestEntry {
    #[serde(rename = "Config")]
    config: String,
    #[serde(rename = "RepoTags", default)]
    repo_tags: Option<Vec<String>>,
    #[serde(rename = "Layers", default)]
    layers: Vec<String>,
    #[serde(rename = "LayerSources", default)]
    layer_sources: Option<HashMap<String, SourceDescriptor>>,
}

#[derive(Debug, Deserialize)]
struct SourceDescriptor {
    #[serde(rename = "mediaType", default)]
    media_type: String,
    #[serde(default)]
    digest: String,
}

/// Opens a docker-archive or OCI-layout tar at `path`; `name` is the artifact name to report.
///
/// Selector (docker-archive): a RepoTag, compared after normalising (`alpine` =
/// `docker.io/library/alpine:latest`); failing that, a bare tag (`3.10`) if exactly one image has
/// it; or `sha256:<image id>` (config digest, at least 12 hex digits). An OCI-layout tar selects
/// like [`crate::open_oci_layout_with`].
pub fn open_archive_with(
    path: &Path,
    selector: Option<&str>,
    name: &str,
    opts: &OpenOptions,
) -> Result<Box<dyn Source>, ImageError> {
    let label = path.display().to_string();
    let mut f = File::open(path).map_err(|e| ImageError::io(path, e))?;
    let mut head = [0u8; 4];
    let got = read_head(&mut f, &mut head).map_err(|e| ImageError::io(path, e))?;
    let compression = sniff(&head[..got]);
    let (tar_path, temp) = match compression {
        Compression::None => (path.to_path_buf(), None),
        c => {
            let temp = decompress_to_temp(path, c, opts)?;
            (temp.to_path_buf(), Some(temp))
        }
    };
    let index = TarIndex::build(&tar_path).map_err(|e| match e {
        ImageError::NotAnImage { reason, .. } => ImageError::NotAnImage {
            path: label.clone(),
            reason,
        },
        e => e,
    })?;
    let store = Store::Tar {
        path: tar_path.clone(),
        index,
    };
    let mut source = if let Some(m) = store.file("manifest.json") {
        open_docker(&store, &m, selector, name, &label)?
    } else if store.file("index.json").is_some() {
        crate::oci::open_in_store(&store, selector, name, &label, opts)?
    } else {
        let broken = match &store {
            Store::Tar { index, .. } => index.broken.clone(),
            Store::Dir(_) => None,
        };
        return Err(ImageError::NotAnImage {
            path: label,
            reason: match broken {
                Some(b) => {
                    format!("no manifest.json or index.json (archive is truncated or corrupt: {b})")
                }
                None => "no manifest.json or index.json".into(),
            },
        });
    };
    source.archive = Some(tar_path);
    source._temp = temp;
    Ok(Box::new(source))
}

fn read_head(f: &mut File, head: &mut [u8]) -> io::Result<usize> {
    let mut got = 0;
    while got < head.len() {
        match f.read(&mut head[got..])? {
            0 => break,
            n => got += n,
        }
    }
    Ok(got)
}

fn decompress_to_temp(
    path: &Path,
    c: Compression,
    opts: &OpenOptions,
) -> Result<tempfile::TempPath, ImageError> {
    let dir = opts.temp_dir.clone().unwrap_or_else(std::env::temp_dir);
    let tmp = tempfile::Builder::new()
        .prefix("tollgate-archive-")
        .suffix(".tar")
        .tempfile_in(&dir)
        .map_err(|e| ImageError::io(&dir, e))?;
    let (mut out, tmp_path) = tmp.into_parts();
    let f = File::open(path).map_err(|e| ImageError::io(path, e))?;
    let r = BufReader::with_capacity(64 * 1024, f);
    let mut dec: Box<dyn Read> = match c {
        Compression::Gzip => Box::new(flate2::bufread::MultiGzDecoder::new(r)),
        Compression::Zstd => Box::new(
            zstd::stream::read::Decoder::with_buffer(r).map_err(|e| ImageError::io(path, e))?,
        ),
        Compression::None => Box::new(r),
    };
    let mut counted = Counted::with_hash(&mut dec, opts.limits.max_layer_bytes, false);
    let mut w = io::BufWriter::with_capacity(64 * 1024, &mut out);
    let res = io::copy(&mut counted, &mut w).and_then(|_| io::Write::flush(&mut w));
    if let Err(e) = res {
        if e.get_ref()
            .is_some_and(|i| i.downcast_ref::<LimitExceeded>().is_some())
        {
            return Err(ImageError::LayerTooLarge {
                layer: path.display().to_string(),
                limit: opts.limits.max_layer_bytes,
            });
        }
        return Err(ImageError::NotAnImage {
            path: path.display().to_string(),
            reason: format!("cannot decompress {c} archive ({e})"),
        });
    }
    Ok(tmp_path)
}

/// The digest a layer's member name claims ("blobs/sha256/HEX", "sha256:HEX", "HEX.tar.gz"...).
fn digest_from_name(name: &str) -> Option<String> {
    let base = name.rsplit('/').next().unwrap_or(name);
    let hex = if let Some(h) = name
        .strip_prefix("blobs/sha256/")
        .or_else(|| base.strip_prefix("sha256:"))
    {
        h
    } else {
        let stem = [".tar.gz", ".tgz", ".tar.zst", ".tar", ".gz", ".zst"]
            .iter()
            .find_map(|s| base.strip_suffix(s))?;
        stem
    };
    (hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| format!("sha256:{}", hex.to_ascii_lowercase()))
}

fn open_docker(
    store: &Store,
    manifest: &Blob,
    selector: Option<&str>,
    name: &str,
    label: &str,
) -> Result<StoredSource, ImageError> {
    let what = format!("manifest.json in {label}");
    let raw = store.read(manifest, &what)?;
    let entries: Option<Vec<ManifestEntry>> =
        serde_json::from_slice(&raw).map_err(|e| ImageError::Invalid {
            what: what.clone(),
            reason: format!("invalid JSON: {e}"),
        })?;
    let entries = entries.unwrap_or_default();
    if entries.is_empty() {
        return Err(ImageError::Invalid {
            what,
            reason: "lists no images".into(),
        });
    }
    // Image IDs are needed to list and select images; configs are small.
    let mut configs = Vec::with_capacity(entries.len());
    for e in &entries {
        let blob = store
            .file(&e.config)
            .ok_or_else(|| ImageError::MissingBlob {
                referrer: what.clone(),
                blob: e.config.clone(),
            })?;
        let cwhat = format!("config {} in {label}", e.config);
        let data = store.read(&blob, &cwhat)?;
        let id = sha256_of(&data);
        if let Some(claimed) = digest_from_name(&e.config).or_else(|| {
            e.config
                .strip_suffix(".json")
                .and_then(|s| digest_from_name(&format!("{s}.tar")))
        }) {
            if claimed != id {
                return Err(ImageError::DigestMismatch {
                    what: cwhat,
                    expected: claimed,
                    actual: id,
                });
            }
        }
        configs.push((id, data));
    }
    let describe = |i: usize| {
        let tags = entries[i].repo_tags.clone().unwrap_or_default();
        if tags.is_empty() {
            format!("<untagged> (@{})", configs[i].0)
        } else {
            format!("{} (@{})", tags.join(", "), short_digest(&configs[i].0))
        }
    };
    let available = || {
        (0..entries.len())
            .map(describe)
            .collect::<Vec<_>>()
            .join("; ")
    };
    let chosen = match selector {
        None if entries.len() == 1 => 0,
        None => {
            return Err(ImageError::Ambiguous {
                input: name.to_string(),
                count: entries.len(),
                available: available(),
            })
        }
        Some(sel) => {
            let tags = |i: usize| entries[i].repo_tags.clone().unwrap_or_default();
            let by_digest: Vec<usize> = (0..entries.len())
                .filter(|&i| digest_matches(sel, &configs[i].0))
                .collect();
            let by_ref: Vec<usize> = (0..entries.len())
                .filter(|&i| {
                    tags(i)
                        .iter()
                        .any(|t| t == sel || normalize_ref(t) == normalize_ref(sel))
                })
                .collect();
            let by_tag: Vec<usize> = (0..entries.len())
                .filter(|&i| tags(i).iter().any(|t| tag_of(t) == Some(sel)))
                .collect();
            let hits = [by_digest, by_ref, by_tag]
                .into_iter()
                .find(|h| !h.is_empty())
                .unwrap_or_default();
            match hits.len() {
                1 => hits[0],
                0 => {
                    return Err(ImageError::UnknownImage {
                        input: label.to_string(),
                        selector: sel.to_string(),
                        available: available(),
                    })
                }
                n => {
                    return Err(ImageError::Ambiguous {
                        input: format!("{name} (selector '{sel}')"),
                        count: n,
                        available: hits
                            .iter()
                            .map(|&i| describe(i))
                            .collect::<Vec<_>>()
                            .join("; "),
                    })
                }
            }
        }
    };
    let entry = &entries[chosen];
    let (id, config_raw) = &configs[chosen];
    let cwhat = format!("config {} in {label}", entry.config);
    let config: serde_json::Value =
        serde_json::from_slice(config_raw).map_err(|e| ImageError::Invalid {
            what: cwhat.clone(),
            reason: format!("invalid JSON: {e}"),
        })?;
    let diff_ids = diff_ids(&config, &cwhat)?;
    if diff_ids.len() != entry.layers.len() {
        return Err(ImageError::Invalid {
            what: cwhat,
            reason: format!(
                "rootfs.diff_ids lists {} layers but manifest.json lists {}",
                diff_ids.len(),
                entry.layers.len()
            ),
        });
    }
    let archive = store.archive();
    let mut layers = Vec::new();
    let mut stored = Vec::new();
    for (i, (lname, diff_id)) in entry.layers.iter().zip(diff_ids).enumerate() {
        let blob = store.file(lname).ok_or_else(|| ImageError::MissingBlob {
            referrer: what.clone(),
            blob: lname.clone(),
        })?;
        let compression = sniff_blob(archive, &blob)?;
        let source = entry.layer_sources.as_ref().and_then(|s| s.get(&diff_id));
        let named = digest_from_name(lname);
        // Trivy (via go-containerregistry's tarball package) reports a digest only for layers
        // stored compressed: the sha256 of the stored file. Uncompressed layers get none.
        let (digest, verify) = match compression {
            // Only content-addressed OCI paths are trusted to name the stored bytes; other
            // "<hex>.tar" names (podman, skopeo) may be diff_ids, which are checked anyway.
            Compression::None if lname.starts_with("blobs/") => {
                (String::new(), named.clone().unwrap_or_default())
            }
            Compression::None => (String::new(), String::new()),
            _ => {
                let d = match source.map(|s| s.digest.clone()).filter(|d| !d.is_empty()) {
                    Some(d) => d,
                    None => match &named {
                        Some(n) => n.clone(),
                        None => hash_blob(archive, &blob)?,
                    },
                };
                (d.clone(), d)
            }
        };
        // A name that claims a digest is checked while walking; a name that merely looks like one
        // (legacy "<v1 id>/layer.tar") never reaches here because it ends in "/layer.tar".
        let media_type = source
            .map(|s| s.media_type.clone())
            .filter(|m| !m.is_empty())
            .unwrap_or_else(|| {
                match compression {
                    Compression::None => "application/vnd.docker.image.rootfs.diff.tar",
                    Compression::Gzip => "application/vnd.docker.image.rootfs.diff.tar.gzip",
                    Compression::Zstd => "application/vnd.oci.image.layer.v1.tar+zstd",
                }
                .to_string()
            });
        stored.push(StoredLayer {
            label: format!("layer {} ({lname}) in {label}", i + 1),
            blob: blob.clone(),
            verify_digest: verify,
            announced: None,
        });
        layers.push(LayerRef {
            digest,
            diff_id,
            size: blob.size(),
            media_type,
            compression,
        });
    }
    let image = Image {
        name: name.to_string(),
        id: id.clone(),
        repo_tags: entry.repo_tags.clone().unwrap_or_default(),
        repo_digests: Vec::new(),
        layers,
        os: str_field(&config, "os"),
        architecture: str_field(&config, "architecture"),
        config,
        manifest_digest: String::new(),
    };
    Ok(StoredSource {
        image,
        archive: None,
        _temp: None,
        layers: stored,
    })
}

pub(crate) fn str_field(v: &serde_json::Value, key: &str) -> String {
    v.get(key)
        .and_then(|s| s.as_str())
        .unwrap_or_default()
        .to_string()
}

/// `rootfs.diff_ids` of an image config.
pub(crate) fn diff_ids(config: &serde_json::Value, what: &str) -> Result<Vec<String>, ImageError> {
    let ids = config
        .get("rootfs")
        .and_then(|r| r.get("diff_ids"))
        .and_then(|d| d.as_array())
        .ok_or_else(|| ImageError::Invalid {
            what: what.to_string(),
            reason: "no rootfs.diff_ids: not an image config".into(),
        })?;
    ids.iter()
        .map(|v| {
            v.as_str()
                .filter(|s| crate::store::parse_digest(s).is_some())
                .map(str::to_string)
                .ok_or_else(|| ImageError::Invalid {
                    what: what.to_string(),
                    reason: format!("bad diff_id {v}"),
                })
        })
        .collect()
}
