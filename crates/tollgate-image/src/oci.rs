//! OCI image layouts: `index.json` -> (nested indexes) -> manifest -> config + layers.

use std::collections::HashMap;
use std::path::Path;

use serde::Deserialize;

use crate::archive::{diff_ids, str_field};
use crate::store::{Store, StoredLayer, StoredSource};
use crate::{
    digest_matches, normalize_ref, short_digest, tag_of, Compression, Image, ImageError, LayerRef,
    OpenOptions, Source,
};

const MT_OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
const MT_OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
const MT_DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
const MT_DOCKER_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
const ANN_REF_NAME: &str = "org.opencontainers.image.ref.name";
const ANN_IMAGE_NAME: &str = "io.containerd.image.name";
/// Nested indexes deeper than this are refused (a cycle cannot happen with content addressing,
/// but a hostile layout can still chain many).
const MAX_DEPTH: usize = 8;

#[derive(Debug, Clone, Deserialize, Default)]
pub(crate) struct Descriptor {
    #[serde(rename = "mediaType", default)]
    pub media_type: String,
    #[serde(default)]
    pub digest: String,
    #[serde(default)]
    pub size: u64,
    #[serde(default)]
    pub annotations: Option<HashMap<String, String>>,
    #[serde(default)]
    pub platform: Option<Platform>,
}

#[derive(Debug, Clone, Deserialize, Default, PartialEq, Eq)]
pub(crate) struct Platform {
    #[serde(default)]
    pub os: String,
    #[serde(default)]
    pub architecture: String,
    #[serde(default)]
    pub variant: Option<String>,
}

impl Platform {
    pub(crate) fn display(&self) -> String {
        match &self.variant {
            Some(v) if !v.is_empty() => format!("{}/{}/{v}", self.os, self.architecture),
            _ => format!("{}/{}", self.os, self.architecture),
        }
    }
}

/// A manifest or index document (the fields either has).
#[derive(Debug, Deserialize, Default)]
pub(crate) struct Document {
    #[serde(rename = "mediaType", default)]
    pub media_type: String,
    #[serde(default)]
    pub manifests: Option<Vec<Descriptor>>,
    #[serde(default)]
    pub config: Option<Descriptor>,
    #[serde(default)]
    pub layers: Option<Vec<Descriptor>>,
}

/// A manifest reachable from index.json, with what leads to it.
#[derive(Debug, Clone)]
struct Candidate {
    /// Which index.json entry it came from.
    top: usize,
    manifest: Descriptor,
    /// Digests of every descriptor on the way (top-level entry, nested indexes, manifest).
    chain: Vec<String>,
    /// ref.name / image.name annotations on the way.
    names: Vec<String>,
    platform: Option<Platform>,
}

/// Opens an OCI layout directory; `name` is the artifact name to report.
///
/// Selector: a tag matching an `org.opencontainers.image.ref.name` annotation (or an
/// `io.containerd.image.name` reference), or `sha256:<digest>` of any index or manifest on the
/// way (at least 12 hex digits). Multi-platform indexes resolve to `opts.platform`, else
/// linux/amd64, else the only platform.
pub fn open_oci_layout_with(
    dir: &Path,
    selector: Option<&str>,
    name: &str,
    opts: &OpenOptions,
) -> Result<Box<dyn Source>, ImageError> {
    let label = dir.display().to_string();
    if !dir.is_dir() {
        return Err(ImageError::NotFound { path: label });
    }
    let store = Store::Dir(dir.to_path_buf());
    Ok(Box::new(open_in_store(
        &store, selector, name, &label, opts,
    )?))
}

pub(crate) fn kind_of(mt: &str) -> Option<bool> {
    // Some(true) = index, Some(false) = manifest, None = something else.
    match mt {
        MT_OCI_INDEX | MT_DOCKER_LIST => Some(true),
        MT_OCI_MANIFEST | MT_DOCKER_MANIFEST => Some(false),
        _ => None,
    }
}

pub(crate) fn parse_doc(data: &[u8], what: &str) -> Result<Document, ImageError> {
    let doc: Option<Document> = serde_json::from_slice(data).map_err(|e| ImageError::Invalid {
        what: what.to_string(),
        reason: format!("invalid JSON: {e}"),
    })?;
    Ok(doc.unwrap_or_default())
}

struct Walker<'a> {
    store: &'a Store,
    label: &'a str,
    out: Vec<Candidate>,
    /// Descriptors that are neither manifests nor indexes (for the error when nothing else is).
    skipped: Vec<(String, String)>,
}

impl Walker<'_> {
    fn descend(
        &mut self,
        top: usize,
        desc: &Descriptor,
        referrer: &str,
        mut chain: Vec<String>,
        mut names: Vec<String>,
        depth: usize,
    ) -> Result<(), ImageError> {
        if crate::store::parse_digest(&desc.digest).is_none() {
            return Err(ImageError::Invalid {
                what: referrer.to_string(),
                reason: format!("bad digest '{}'", desc.digest.escape_debug()),
            });
        }
        chain.push(desc.digest.clone());
        if let Some(a) = &desc.annotations {
            for k in [ANN_REF_NAME, ANN_IMAGE_NAME] {
                if let Some(v) = a.get(k) {
                    names.push(v.clone());
                }
            }
            if a.get("vnd.docker.reference.type").map(String::as_str)
                == Some("attestation-manifest")
            {
                return Ok(());
            }
        }
        if let Some(p) = &desc.platform {
            if p.os == "unknown" {
                // buildkit attestation manifests.
                return Ok(());
            }
        }
        let mut kind = kind_of(&desc.media_type);
        let mut doc = None;
        if kind != Some(false) {
            // Indexes are read now; descriptors of unknown type (e.g. the generic
            // application/vnd.oci.descriptor.v1+json) are sniffed when their blob is there.
            if self.store.blob(&desc.digest).is_none() {
                if kind.is_none() {
                    self.skipped
                        .push((desc.media_type.clone(), desc.digest.clone()));
                    return Ok(());
                }
                return Err(ImageError::MissingBlob {
                    referrer: referrer.to_string(),
                    blob: desc.digest.clone(),
                });
            }
            let what = format!("blob {} in {}", desc.digest, self.label);
            let data = self.store.read_verified(&desc.digest, referrer, &what)?;
            let d = parse_doc(&data, &what);
            match (kind, d) {
                (Some(true), Ok(d)) => doc = Some(d),
                (Some(true), Err(e)) => return Err(e),
                (_, Ok(d)) if d.manifests.is_some() => {
                    kind = Some(true);
                    doc = Some(d);
                }
                (_, Ok(d)) if d.config.is_some() && d.layers.is_some() => kind = Some(false),
                _ => {
                    self.skipped
                        .push((desc.media_type.clone(), desc.digest.clone()));
                    return Ok(());
                }
            }
        }
        if kind == Some(true) {
            if depth >= MAX_DEPTH {
                return Err(ImageError::Invalid {
                    what: format!("index {} in {}", desc.digest, self.label),
                    reason: format!("indexes nested more than {MAX_DEPTH} deep"),
                });
            }
            let doc = doc.unwrap_or_default();
            let r = format!("index {} in {}", desc.digest, self.label);
            for child in doc.manifests.unwrap_or_default() {
                self.descend(top, &child, &r, chain.clone(), names.clone(), depth + 1)?;
            }
            return Ok(());
        }
        self.out.push(Candidate {
            top,
            manifest: desc.clone(),
            chain,
            names,
            platform: desc.platform.clone(),
        });
        Ok(())
    }
}

/// Resolves index.json in `store` to one image.
pub(crate) fn open_in_store(
    store: &Store,
    selector: Option<&str>,
    name: &str,
    label: &str,
    opts: &OpenOptions,
) -> Result<StoredSource, ImageError> {
    let index_what = format!("index.json in {label}");
    let blob = store
        .file("index.json")
        .ok_or_else(|| ImageError::NotAnImage {
            path: label.to_string(),
            reason: "no index.json (not an OCI layout)".into(),
        })?;
    let data = store.read(&blob, &index_what)?;
    let index = parse_doc(&data, &index_what)?;
    let tops = index.manifests.unwrap_or_default();
    if tops.is_empty() {
        return Err(ImageError::Invalid {
            what: index_what,
            reason: "lists no manifests".into(),
        });
    }
    let mut w = Walker {
        store,
        label,
        out: Vec::new(),
        skipped: Vec::new(),
    };
    for (i, d) in tops.iter().enumerate() {
        w.descend(i, d, &index_what, Vec::new(), Vec::new(), 0)?;
    }
    if w.out.is_empty() {
        let (mt, dg) = w.skipped.first().cloned().unwrap_or_default();
        return Err(ImageError::UnsupportedMediaType {
            what: format!("{index_what} lists no image manifest; descriptor {dg}"),
            media_type: mt,
        });
    }
    let cands = w.out;
    let describe_top = |t: usize| {
        let d = &tops[t];
        let names: Vec<&str> = d
            .annotations
            .iter()
            .flat_map(|a| [a.get(ANN_REF_NAME), a.get(ANN_IMAGE_NAME)])
            .flatten()
            .map(String::as_str)
            .collect();
        if names.is_empty() {
            format!("<untagged> (@{})", d.digest)
        } else {
            format!("{} (@{})", names.join(", "), short_digest(&d.digest))
        }
    };
    let mut top_ids: Vec<usize> = cands.iter().map(|c| c.top).collect();
    top_ids.dedup();
    let available = || {
        top_ids
            .iter()
            .map(|&t| describe_top(t))
            .collect::<Vec<_>>()
            .join("; ")
    };

    let picked: Vec<Candidate> = match selector {
        None => {
            // Several entries are fine if they all name the same manifests (e.g. two tags).
            let mut sets: Vec<Vec<&str>> = top_ids
                .iter()
                .map(|&t| {
                    let mut v: Vec<&str> = cands
                        .iter()
                        .filter(|c| c.top == t)
                        .map(|c| c.manifest.digest.as_str())
                        .collect();
                    v.sort();
                    v
                })
                .collect();
            sets.dedup();
            if sets.len() > 1 {
                return Err(ImageError::Ambiguous {
                    input: name.to_string(),
                    count: top_ids.len(),
                    available: available(),
                });
            }
            cands
                .iter()
                .filter(|c| c.top == top_ids[0])
                .cloned()
                .collect()
        }
        Some(sel) => {
            let sel_d = sel.strip_prefix('@').unwrap_or(sel);
            let by_digest: Vec<Candidate> = cands
                .iter()
                // Selecting a manifest inside an index also selects its platform.
                .filter(|c| c.chain.iter().any(|d| digest_matches(sel_d, d)))
                .cloned()
                .collect();
            let by_name: Vec<Candidate> = cands
                .iter()
                .filter(|c| {
                    c.names.iter().any(|n| {
                        n == sel || normalize_ref(n) == normalize_ref(sel) || tag_of(n) == Some(sel)
                    })
                })
                .cloned()
                .collect();
            let hits = if by_digest.is_empty() {
                by_name
            } else {
                by_digest
            };
            if hits.is_empty() {
                return Err(ImageError::UnknownImage {
                    input: label.to_string(),
                    selector: sel.to_string(),
                    available: available(),
                });
            }
            hits
        }
    };
    let chosen = choose_platform(picked, opts, name)?;
    load_manifest(store, &chosen, name, label)
}

/// Picks one manifest among platform variants.
fn choose_platform(
    mut cands: Vec<Candidate>,
    opts: &OpenOptions,
    name: &str,
) -> Result<Candidate, ImageError> {
    // The same manifest reached along several paths counts once.
    let mut seen = std::collections::HashSet::new();
    cands.retain(|c| seen.insert(c.manifest.digest.clone()));
    if cands.len() == 1 {
        return Ok(cands.remove(0));
    }
    let plat = |c: &Candidate| {
        c.platform
            .as_ref()
            .map(Platform::display)
            .unwrap_or_default()
    };
    let wanted = opts
        .platform
        .clone()
        .unwrap_or_else(|| "linux/amd64".into());
    let matches = |c: &Candidate| {
        let p = plat(c);
        p == wanted || (wanted.matches('/').count() == 1 && p.starts_with(&format!("{wanted}/")))
    };
    if let Some(i) = cands.iter().position(matches) {
        return Ok(cands.remove(i));
    }
    Err(ImageError::UnknownImage {
        input: name.to_string(),
        selector: format!("platform {wanted}"),
        available: cands
            .iter()
            .map(|c| {
                let p = plat(c);
                format!(
                    "{} (@{})",
                    if p.is_empty() {
                        "<no platform>".into()
                    } else {
                        p
                    },
                    short_digest(&c.manifest.digest)
                )
            })
            .collect::<Vec<_>>()
            .join("; "),
    })
}

/// Layer media types this scanner reads, with the compression they announce.
pub(crate) fn layer_compression(mt: &str) -> Option<Compression> {
    Some(match mt {
        "application/vnd.oci.image.layer.v1.tar"
        | "application/vnd.oci.image.layer.nondistributable.v1.tar"
        | "application/vnd.docker.image.rootfs.diff.tar" => Compression::None,
        "application/vnd.oci.image.layer.v1.tar+gzip"
        | "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip"
        | "application/vnd.docker.image.rootfs.diff.tar.gzip"
        | "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip" => Compression::Gzip,
        "application/vnd.oci.image.layer.v1.tar+zstd"
        | "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd" => Compression::Zstd,
        _ => return None,
    })
}

fn load_manifest(
    store: &Store,
    cand: &Candidate,
    name: &str,
    label: &str,
) -> Result<StoredSource, ImageError> {
    let digest = &cand.manifest.digest;
    let mwhat = format!("manifest {digest} in {label}");
    let data = store.read_verified(digest, &format!("index.json in {label}"), &mwhat)?;
    let doc = parse_doc(&data, &mwhat)?;
    if !doc.media_type.is_empty() && kind_of(&doc.media_type) != Some(false) {
        return Err(ImageError::UnsupportedMediaType {
            what: mwhat,
            media_type: doc.media_type,
        });
    }
    let (Some(cdesc), Some(ldescs)) = (doc.config, doc.layers) else {
        return Err(ImageError::Invalid {
            what: mwhat,
            reason: "no config or layers: not an image manifest".into(),
        });
    };
    match cdesc.media_type.as_str() {
        ""
        | "application/vnd.oci.image.config.v1+json"
        | "application/vnd.docker.container.image.v1+json" => {}
        other => {
            return Err(ImageError::UnsupportedMediaType {
                what: format!("config of {mwhat} (not a container image)"),
                media_type: other.to_string(),
            })
        }
    }
    let cwhat = format!("config {} in {label}", cdesc.digest);
    let craw = store.read_verified(&cdesc.digest, &mwhat, &cwhat)?;
    let config: serde_json::Value =
        serde_json::from_slice(&craw).map_err(|e| ImageError::Invalid {
            what: cwhat.clone(),
            reason: format!("invalid JSON: {e}"),
        })?;
    let diff_ids = diff_ids(&config, &cwhat)?;
    if diff_ids.len() != ldescs.len() {
        return Err(ImageError::Invalid {
            what: cwhat,
            reason: format!(
                "rootfs.diff_ids lists {} layers but the manifest lists {}",
                diff_ids.len(),
                ldescs.len()
            ),
        });
    }
    let mut layers = Vec::new();
    let mut stored = Vec::new();
    for (i, (l, diff_id)) in ldescs.iter().zip(diff_ids).enumerate() {
        let Some(compression) = layer_compression(&l.media_type) else {
            return Err(ImageError::UnsupportedMediaType {
                what: format!("layer {} ({}) of {mwhat}", i + 1, l.digest),
                media_type: l.media_type.clone(),
            });
        };
        if crate::store::parse_digest(&l.digest).is_none() {
            return Err(ImageError::Invalid {
                what: mwhat.clone(),
                reason: format!("bad layer digest '{}'", l.digest.escape_debug()),
            });
        }
        let blob = store
            .blob(&l.digest)
            .ok_or_else(|| ImageError::MissingBlob {
                referrer: mwhat.clone(),
                blob: l.digest.clone(),
            })?;
        stored.push(StoredLayer {
            label: format!("layer {} ({}) in {label}", i + 1, l.digest),
            blob: blob.clone(),
            verify_digest: l.digest.clone(),
            announced: Some(compression),
        });
        layers.push(LayerRef {
            digest: l.digest.clone(),
            diff_id,
            size: blob.size(),
            media_type: l.media_type.clone(),
            compression,
        });
    }
    let mut repo_tags: Vec<String> = Vec::new();
    for n in &cand.names {
        if (n.contains(':') || n.contains('/')) && !repo_tags.contains(n) {
            repo_tags.push(n.clone());
        }
    }
    let image = Image {
        name: name.to_string(),
        id: cdesc.digest.clone(),
        repo_tags,
        repo_digests: Vec::new(),
        layers,
        os: str_field(&config, "os"),
        architecture: str_field(&config, "architecture"),
        config,
        manifest_digest: digest.clone(),
    };
    Ok(StoredSource {
        image,
        archive: None,
        _temp: None,
        layers: stored,
    })
}
