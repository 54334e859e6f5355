//! Images in an OCI distribution registry: the manifest (through an index, for the wanted
//! platform) and the config are fetched when the source is opened; each layer is fetched
//! only when it is walked, streamed straight into the tar walk, so layers whose analysis is
//! cached by diff-id are never downloaded. While a layer streams, its bytes are also written
//! to an anonymous temp file, so a second pass of the walk (for hardlink targets) reads that
//! instead of downloading the blob again.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use tollgate_registry::{Client, Reference, RegistryError};

use crate::archive::{diff_ids, str_field};
use crate::oci::{kind_of, layer_compression, parse_doc, Descriptor, Platform};
use crate::walk::{walk_layer_stream, Expect};
use crate::{
    FileMeta, Image, ImageError, LayerFiles, LayerRef, Limits, OpenOptions, Source, WalkedFile,
};

/// Image configs bigger than this are refused (real ones are kilobytes).
const MAX_CONFIG: u64 = 8 << 20;

/// The platform of this machine as registries name it (`linux/amd64`, `linux/arm64`, ...).
pub fn host_platform() -> String {
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        "powerpc64" => "ppc64le",
        "s390x" => "s390x",
        "arm" => "arm/v7",
        other => other,
    };
    format!("linux/{arch}")
}

/// A [`Source`] over an image in a registry.
pub struct RegistrySource {
    client: Arc<Client>,
    reference: Reference,
    image: Image,
    labels: Vec<String>,
    temp_dir: Option<PathBuf>,
}

/// Copies what it reads into `copy`; sets `complete` once the inner stream ends with the copy
/// intact.
struct Tee<R> {
    inner: R,
    copy: Option<File>,
    complete: Arc<AtomicBool>,
}

impl<R: Read> Read for Tee<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n == 0 {
            if self.copy.take().is_some() {
                self.complete.store(true, Ordering::Release);
            }
        } else if let Some(f) = &mut self.copy {
            if f.write_all(&buf[..n]).is_err() {
                // No spool (disk full?): a second pass downloads again.
                self.copy = None;
            }
        }
        Ok(n)
    }
}

/// Opens `input` (a reference such as `127.0.0.1:5000/alpine:3.10`) in its registry. The
/// platform is `opts.platform`, else this machine's.
pub fn open_registry(
    client: Arc<Client>,
    input: &str,
    opts: &OpenOptions,
) -> Result<RegistrySource, ImageError> {
    let reference = Reference::parse(input)?;
    let top = client.manifest(&reference, reference.manifest_ref())?;
    let mut manifest = top.clone();
    if kind_of(&top.media_type) == Some(true) {
        let what = format!("index {} of {reference}", top.digest);
        let index = parse_doc(&top.data, &what)?;
        let wanted = opts.platform.clone().unwrap_or_else(host_platform);
        let chosen = choose(index.manifests.unwrap_or_default(), &wanted, &reference)?;
        manifest = client.manifest(&reference, &chosen.digest)?;
        if manifest.digest != chosen.digest {
            return Err(RegistryError::DigestMismatch {
                what: format!("manifest for {wanted} in {what}"),
                expected: chosen.digest,
                actual: manifest.digest,
            }
            .into());
        }
    }
    let mwhat = format!("manifest {} of {reference}", manifest.digest);
    let doc = parse_doc(&manifest.data, &mwhat)?;
    let mt = if doc.media_type.is_empty() {
        manifest.media_type.clone()
    } else {
        doc.media_type.clone()
    };
    if kind_of(&mt) != Some(false) && !mt.is_empty() {
        return Err(ImageError::UnsupportedMediaType {
            what: mwhat,
            media_type: mt,
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
    if !tollgate_registry::reference::is_digest(&cdesc.digest) {
        return Err(ImageError::Invalid {
            what: mwhat,
            reason: format!("bad config digest '{}'", cdesc.digest.escape_debug()),
        });
    }
    let cwhat = format!("config {} of {reference}", cdesc.digest);
    let craw = client.blob_bytes(&reference, &cdesc.digest, MAX_CONFIG)?;
    let config: serde_json::Value =
        serde_json::from_slice(&craw).map_err(|e| ImageError::Invalid {
            what: cwhat.clone(),
            reason: format!("invalid JSON: {e}"),
        })?;
    let ids = diff_ids(&config, &cwhat)?;
    if ids.len() != ldescs.len() {
        return Err(ImageError::Invalid {
            what: cwhat,
            reason: format!(
                "rootfs.diff_ids lists {} layers but the manifest lists {}",
                ids.len(),
                ldescs.len()
            ),
        });
    }
    let mut layers = Vec::new();
    let mut labels = Vec::new();
    for (i, (l, diff_id)) in ldescs.iter().zip(ids).enumerate() {
        let label = format!("layer {} ({}) of {reference}", i + 1, l.digest);
        let Some(compression) = layer_compression(&l.media_type) else {
            return Err(ImageError::UnsupportedMediaType {
                what: label,
                media_type: l.media_type.clone(),
            });
        };
        if !tollgate_registry::reference::is_digest(&l.digest) {
            return Err(ImageError::Invalid {
                what: mwhat,
                reason: format!("bad layer digest '{}'", l.digest.escape_debug()),
            });
        }
        labels.push(label);
        layers.push(LayerRef {
            digest: l.digest.clone(),
            diff_id,
            size: l.size,
            media_type: l.media_type.clone(),
            compression,
        });
    }
    let name = reference.familiar_name();
    let image = Image {
        name: input.to_string(),
        id: cdesc.digest.clone(),
        repo_tags: reference
            .tag
            .iter()
            .map(|t| format!("{name}:{t}"))
            .collect(),
        repo_digests: vec![format!("{name}@{}", top.digest)],
        layers,
        os: str_field(&config, "os"),
        architecture: str_field(&config, "architecture"),
        config,
        manifest_digest: manifest.digest,
    };
    Ok(RegistrySource {
        client,
        reference,
        image,
        labels,
        temp_dir: opts.temp_dir.clone(),
    })
}

/// Picks the manifest for `wanted` ("os/arch" matches any variant) from an index.
fn choose(
    entries: Vec<Descriptor>,
    wanted: &str,
    reference: &Reference,
) -> Result<Descriptor, ImageError> {
    let plat = |d: &Descriptor| {
        d.platform
            .as_ref()
            .map(Platform::display)
            .unwrap_or_default()
    };
    let images: Vec<Descriptor> = entries
        .into_iter()
        // buildkit's attestation manifests are not images.
        .filter(|d| d.platform.as_ref().is_none_or(|p| p.os != "unknown"))
        .filter(|d| kind_of(&d.media_type) == Some(false))
        .collect();
    let exact = images.iter().find(|d| plat(d) == wanted);
    let loose = || {
        (wanted.matches('/').count() == 1)
            .then(|| {
                images
                    .iter()
                    .find(|d| plat(d).starts_with(&format!("{wanted}/")))
            })
            .flatten()
    };
    if let Some(d) = exact.or_else(loose) {
        return Ok(d.clone());
    }
    let available: Vec<String> = images.iter().map(plat).collect();
    Err(ImageError::UnknownImage {
        input: reference.to_string(),
        selector: format!("platform {wanted}"),
        available: format!(
            "{}; pick one with --platform",
            if available.is_empty() {
                "none".to_string()
            } else {
                available.join(", ")
            }
        ),
    })
}

impl RegistrySource {
    /// The client (for its request count).
    pub fn client(&self) -> &Client {
        &self.client
    }
}

impl Source for RegistrySource {
    fn image(&self) -> &Image {
        &self.image
    }

    fn walk_layer(
        &self,
        index: usize,
        want: &(dyn Fn(&FileMeta) -> bool + Sync),
        visit: &mut dyn FnMut(WalkedFile),
        limits: &Limits,
    ) -> Result<LayerFiles, ImageError> {
        let (Some(lref), Some(label)) = (self.image.layers.get(index), self.labels.get(index))
        else {
            return Err(ImageError::NoSuchLayer {
                index,
                count: self.image.layers.len(),
            });
        };
        let spool: Mutex<Option<(File, Arc<AtomicBool>)>> = Mutex::new(None);
        let open = || -> Result<Box<dyn Read + Send>, ImageError> {
            let mut spool = spool.lock().unwrap_or_else(|e| e.into_inner());
            if let Some((f, complete)) = spool.as_ref() {
                if complete.load(Ordering::Acquire) {
                    if let Ok(mut again) = f.try_clone() {
                        if again.seek(SeekFrom::Start(0)).is_ok() {
                            return Ok(Box::new(again));
                        }
                    }
                }
            }
            let r = self.client.blob_reader(&self.reference, &lref.digest)?;
            let file = match &self.temp_dir {
                Some(d) => tempfile::tempfile_in(d),
                None => tempfile::tempfile(),
            };
            let Ok((file, copy)) = file.and_then(|f| Ok((f.try_clone()?, f))) else {
                return Ok(Box::new(r));
            };
            let complete = Arc::new(AtomicBool::new(false));
            *spool = Some((file, complete.clone()));
            Ok(Box::new(Tee {
                inner: r,
                copy: Some(copy),
                complete,
            }))
        };
        let expect = Expect {
            label,
            diff_id: &lref.diff_id,
            blob_digest: &lref.digest,
            announced: Some(lref.compression),
        };
        let mut files = walk_layer_stream(&open, &expect, want, visit, limits)?;
        files.digest = Some(lref.digest.clone());
        Ok(files)
    }
}
