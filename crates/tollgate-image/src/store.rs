//! Where blobs live (files in a directory or members of one tar) and the [`Source`] over them.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::tarstream::{Kind, Seekable, TarReader};
use crate::walk::{walk_layer_stream, Expect};
use crate::{
    normalize_path, Compression, FileMeta, Image, ImageError, LayerFiles, Limits, Source,
    WalkedFile,
};

/// Manifests, configs and index files bigger than this are refused (real ones are kilobytes).
pub(crate) const MAX_METADATA: u64 = 64 << 20;

/// A run of bytes: a member of the archive file, or a whole file.
#[derive(Debug, Clone)]
pub(crate) enum Blob {
    Member { offset: u64, size: u64 },
    File { path: PathBuf, size: u64 },
}

impl Blob {
    pub fn size(&self) -> u64 {
        match self {
            Blob::Member { size, .. } | Blob::File { size, .. } => *size,
        }
    }
}

/// One indexed tar member.
#[derive(Debug, Clone)]
struct Member {
    kind: Kind,
    offset: u64,
    size: u64,
    link: String,
}

/// Member offsets of a tar file, read once; blobs are then read by seeking.
#[derive(Debug, Default)]
pub(crate) struct TarIndex {
    members: HashMap<String, Member>,
    /// Why indexing stopped early, if it did (truncated or corrupt archive).
    pub broken: Option<String>,
}

impl TarIndex {
    /// Indexes `path`. Fails only if it is not a tar at all.
    pub fn build(path: &Path) -> Result<TarIndex, ImageError> {
        let file = File::open(path).map_err(|e| ImageError::io(path, e))?;
        let len = file.metadata().map_err(|e| ImageError::io(path, e))?.len();
        let input = Seekable {
            inner: BufReader::with_capacity(16 * 1024, file),
            pos: 0,
            len,
        };
        let mut reader = TarReader::new(input);
        let mut index = TarIndex::default();
        loop {
            match reader.next_entry() {
                Ok(Some(e)) => {
                    let Some(name) = normalize_path(&e.path) else {
                        continue;
                    };
                    index.members.insert(
                        name,
                        Member {
                            kind: e.kind,
                            offset: e.data_offset,
                            size: e.size,
                            link: e.link,
                        },
                    );
                }
                Ok(None) => break,
                Err(e) => {
                    if !reader.seen_header {
                        return Err(ImageError::NotAnImage {
                            path: path.display().to_string(),
                            reason: format!("not a tar archive ({e})"),
                        });
                    }
                    index.broken = Some(e.to_string());
                    break;
                }
            }
        }
        if index.members.is_empty() && index.broken.is_none() && len > 0 && !reader.seen_header {
            return Err(ImageError::NotAnImage {
                path: path.display().to_string(),
                reason: "not a tar archive (no entries)".into(),
            });
        }
        Ok(index)
    }

    /// Finds a regular member by name, following symlinks and hardlinks inside the archive.
    pub fn find(&self, name: &str) -> Option<Blob> {
        let mut name = normalize_path(name)?;
        for _ in 0..16 {
            let m = self.members.get(&name)?;
            match m.kind {
                Kind::Regular => {
                    return Some(Blob::Member {
                        offset: m.offset,
                        size: m.size,
                    })
                }
                Kind::HardLink => name = normalize_path(&m.link)?,
                Kind::Symlink => {
                    let base = match name.rfind('/') {
                        Some(i) => &name[..i],
                        None => "",
                    };
                    // Absolute targets mean the archive root, never the host.
                    name = if m.link.starts_with('/') {
                        normalize_path(&m.link)?
                    } else {
                        normalize_path(&format!("{base}/{}", m.link))?
                    };
                }
                _ => return None,
            }
        }
        None
    }
}

/// Blobs in an OCI layout directory or in an archive.
pub(crate) enum Store {
    Dir(PathBuf),
    Tar { path: PathBuf, index: TarIndex },
}

/// Validates "sha256:<64 hex>" (or sha512) and returns (algorithm, hex); anything else could
/// name a path outside `blobs/`.
pub(crate) fn parse_digest(d: &str) -> Option<(&str, &str)> {
    let (alg, hex) = d.split_once(':')?;
    let len = match alg {
        "sha256" => 64,
        "sha512" => 128,
        _ => return None,
    };
    (hex.len() == len && hex.bytes().all(|b| b.is_ascii_hexdigit())).then_some((alg, hex))
}

impl Store {
    /// Where the blobs are, for messages.
    pub fn describe(&self) -> String {
        match self {
            Store::Dir(p) | Store::Tar { path: p, .. } => p.display().to_string(),
        }
    }

    /// A named file at the top of the layout ("index.json").
    pub fn file(&self, name: &str) -> Option<Blob> {
        match self {
            Store::Dir(d) => {
                let p = d.join(name);
                let m = std::fs::metadata(&p).ok()?;
                m.is_file().then_some(Blob::File {
                    path: p,
                    size: m.len(),
                })
            }
            Store::Tar { index, .. } => index.find(name),
        }
    }

    /// The blob with this digest, if present.
    pub fn blob(&self, digest: &str) -> Option<Blob> {
        let (alg, hex) = parse_digest(digest)?;
        self.file(&format!("blobs/{alg}/{}", hex.to_ascii_lowercase()))
    }

    /// The archive file members live in (None for a directory).
    pub fn archive(&self) -> Option<&Path> {
        match self {
            Store::Dir(_) => None,
            Store::Tar { path, .. } => Some(path),
        }
    }

    /// Reads a small blob whole.
    pub fn read(&self, blob: &Blob, what: &str) -> Result<Vec<u8>, ImageError> {
        if blob.size() > MAX_METADATA {
            return Err(ImageError::Invalid {
                what: what.to_string(),
                reason: format!(
                    "{} bytes is too large for image metadata (limit {MAX_METADATA})",
                    blob.size()
                ),
            });
        }
        let mut r = open_blob(self.archive(), blob)?;
        let mut buf = Vec::with_capacity(blob.size() as usize);
        r.read_to_end(&mut buf)
            .map_err(|e| ImageError::io(self.describe(), e))?;
        if (buf.len() as u64) < blob.size() {
            return Err(ImageError::Invalid {
                what: what.to_string(),
                reason: format!("truncated: {} of {} bytes present", buf.len(), blob.size()),
            });
        }
        Ok(buf)
    }

    /// Reads a blob by digest and checks that its content hashes to it.
    pub fn read_verified(
        &self,
        digest: &str,
        referrer: &str,
        what: &str,
    ) -> Result<Vec<u8>, ImageError> {
        let blob = self.blob(digest).ok_or_else(|| ImageError::MissingBlob {
            referrer: referrer.to_string(),
            blob: digest.to_string(),
        })?;
        let data = self.read(&blob, what)?;
        let actual = sha256_of(&data);
        if !actual.eq_ignore_ascii_case(digest) {
            return Err(ImageError::DigestMismatch {
                what: what.to_string(),
                expected: digest.to_string(),
                actual,
            });
        }
        Ok(data)
    }
}

pub(crate) fn sha256_of(data: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(data)))
}

/// Opens a blob for reading from its first byte.
pub(crate) fn open_blob(
    archive: Option<&Path>,
    blob: &Blob,
) -> Result<Box<dyn Read + Send>, ImageError> {
    match blob {
        Blob::File { path, size } => {
            let f = File::open(path).map_err(|e| ImageError::io(path, e))?;
            Ok(Box::new(f.take(*size)))
        }
        Blob::Member { offset, size } => {
            let path = archive.expect("members only come from an archive");
            let mut f = File::open(path).map_err(|e| ImageError::io(path, e))?;
            f.seek(SeekFrom::Start(*offset))
                .map_err(|e| ImageError::io(path, e))?;
            Ok(Box::new(f.take(*size)))
        }
    }
}

/// Reads the first bytes of a blob to tell its compression.
pub(crate) fn sniff_blob(archive: Option<&Path>, blob: &Blob) -> Result<Compression, ImageError> {
    let mut r = open_blob(archive, blob)?;
    let mut head = [0u8; 4];
    let mut got = 0;
    while got < head.len() {
        match r.read(&mut head[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => {
                return Err(ImageError::io(
                    archive.map(Path::to_path_buf).unwrap_or_default(),
                    e,
                ))
            }
        }
    }
    Ok(crate::walk::sniff(&head[..got]))
}

/// Hashes a whole blob (for docker-archive layers whose digest nothing records).
pub(crate) fn hash_blob(archive: Option<&Path>, blob: &Blob) -> Result<String, ImageError> {
    let mut r = open_blob(archive, blob)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match r.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => {
                return Err(ImageError::io(
                    archive.map(Path::to_path_buf).unwrap_or_default(),
                    e,
                ))
            }
        };
        h.update(&buf[..n]);
    }
    Ok(format!("sha256:{}", hex::encode(h.finalize())))
}

/// How to read and check one stored layer.
#[derive(Debug, Clone)]
pub(crate) struct StoredLayer {
    pub blob: Blob,
    /// sha256 the stored bytes must have ("" = not checked).
    pub verify_digest: String,
    /// Compression the media type announces (OCI), checked against the magic bytes.
    pub announced: Option<Compression>,
    /// Names the layer in errors.
    pub label: String,
}

/// A [`Source`] over blobs in an archive or directory.
pub(crate) struct StoredSource {
    pub image: Image,
    /// The tar file holding the members (the temp copy for a compressed outer archive).
    pub archive: Option<PathBuf>,
    /// Keeps a decompressed outer archive alive; the file is deleted when the source drops.
    pub _temp: Option<tempfile::TempPath>,
    pub layers: Vec<StoredLayer>,
}

impl Source for StoredSource {
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
        let (Some(layer), Some(lref)) = (self.layers.get(index), self.image.layers.get(index))
        else {
            return Err(ImageError::NoSuchLayer {
                index,
                count: self.layers.len(),
            });
        };
        let archive = self.archive.as_deref();
        let open = || open_blob(archive, &layer.blob);
        let expect = Expect {
            label: &layer.label,
            diff_id: &lref.diff_id,
            blob_digest: &layer.verify_digest,
            announced: layer.announced,
        };
        let mut files = walk_layer_stream(&open, &expect, want, visit, limits)?;
        files.digest = (!lref.digest.is_empty()).then(|| lref.digest.clone());
        Ok(files)
    }
}
