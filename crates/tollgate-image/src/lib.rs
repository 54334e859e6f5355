//! Image sources and streamed layer walking.
//!
//! A [`Source`] yields an image's metadata ([`Image`]) and, per layer, the files some analyzer
//! wants ([`Source::walk_layer`]), handed to a visitor one at a time as they are read: each
//! layer tar is streamed (once, or twice when wanted hardlinks need their targets re-read),
//! checked against its digests, and never unpacked to disk or held in memory. Sources: docker-archive tars (`docker save`, `podman save`,
//! skopeo/crane, Docker 25+ OCI-in-tar; plain, gzip or zstd outer archive), OCI layout
//! directories, and rootfs directories. [`open`] picks one from what a user typed.

use std::fmt;
use std::path::{Path, PathBuf};

mod archive;
mod oci;
mod registry;
mod rootfs;
mod store;
mod tarstream;
mod walk;

pub use archive::open_archive_with;
pub use oci::open_oci_layout_with;
pub use registry::{host_platform, open_registry, RegistrySource};
pub use rootfs::open_rootfs;
pub use tollgate_registry as registry_client;

/// An image as a source describes it.
#[derive(Debug, Clone, Default)]
pub struct Image {
    /// The artifact name, as the user gave it.
    pub name: String,
    /// Config digest "sha256:..." (Trivy's ImageID); "" for a rootfs.
    pub id: String,
    /// Raw image config JSON; `Null` for a rootfs.
    pub config: serde_json::Value,
    /// Tags the archive or layout records for this image.
    pub repo_tags: Vec<String>,
    /// "repo@sha256:..." references, when the source knows any.
    pub repo_digests: Vec<String>,
    /// Layers, bottom first (history-only "empty layers" are not layers and never appear).
    pub layers: Vec<LayerRef>,
    /// From the config (`os`), "" if unknown.
    pub os: String,
    /// From the config (`architecture`), "" if unknown.
    pub architecture: String,
    /// Digest of the chosen manifest, for OCI layouts ("" for docker-archives and rootfs).
    pub manifest_digest: String,
}

/// One layer of an [`Image`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LayerRef {
    /// The digest Trivy reports as `Layer.Digest`: the stored blob's sha256 for OCI layouts and
    /// for compressed docker-archive layers; "" for uncompressed docker-archive layers and rootfs.
    pub digest: String,
    /// From the config's `rootfs.diff_ids` ("" for a rootfs); checked while walking.
    pub diff_id: String,
    /// Size of the stored blob in bytes (compressed size for compressed layers; 0 for a rootfs).
    pub size: u64,
    /// Media type from the manifest, or one matching the stored data for docker-archives.
    pub media_type: String,
    /// Compression of the stored blob, from its magic bytes (docker-archive) or media type (OCI).
    pub compression: Compression,
}

/// How a stored layer is compressed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Compression {
    /// A plain tar.
    #[default]
    None,
    /// gzip (possibly several members).
    Gzip,
    /// zstd.
    Zstd,
}

impl fmt::Display for Compression {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Compression::None => "uncompressed tar",
            Compression::Gzip => "gzip",
            Compression::Zstd => "zstd",
        })
    }
}

/// What `want` is told about a file before it is read (see [`Source::walk_layer`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileMeta<'a> {
    /// Normalised relative path (no leading '/').
    pub path: &'a str,
    /// Permission bits (`& 0o7777`): the tar header's mode field, or the rootfs file's
    /// `st_mode`. For a tar hardlink, the link entry's own header mode.
    pub mode: u32,
    /// Size in bytes: the tar entry's data size, or the rootfs file's length. For a tar
    /// hardlink, the target's size when the target itself was wanted (and visited), else the
    /// link entry's (0).
    pub size: u64,
}

/// One wanted file, as a layer walk hands it to the visitor.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WalkedFile {
    /// Normalised relative path (no leading '/').
    pub path: String,
    /// Permission bits, as given to `want` in [`FileMeta::mode`].
    pub mode: u32,
    /// Size, as given to `want` in [`FileMeta::size`] (may differ from `content.len()` only
    /// for a hardlink to a file that was not itself wanted).
    pub size: u64,
    /// The file's content.
    pub content: Vec<u8>,
}

impl WalkedFile {
    /// The metadata `want` was asked about.
    pub fn meta(&self) -> FileMeta<'_> {
        FileMeta {
            path: &self.path,
            mode: self.mode,
            size: self.size,
        }
    }
}

/// What one layer walk found besides the files, which went to the visitor (file content is
/// never kept here).
#[derive(Debug, Clone, Default)]
pub struct LayerFiles {
    /// Paths that were visited but whose last entry in the layer was not (the same path again,
    /// unwanted, oversized, a directory, a symlink...): what the visitor made of them must be
    /// discarded. Sorted.
    pub superseded: Vec<String>,
    /// Paths deleted by `.wh.NAME` entries.
    pub whiteouts: Vec<String>,
    /// Directories whose lower-layer content is hidden (`.wh..wh..opq`); "" is the root.
    pub opaque_dirs: Vec<String>,
    /// Entries skipped and why (escaping paths, oversized files, devices, ...).
    pub warnings: Vec<String>,
    /// The layer digest to report, confirmed while streaming; `None` when there is none. Always
    /// equal to the `LayerRef::digest` known at open time (kept for callers that merge it in).
    pub digest: Option<String>,
    /// Bytes in the uncompressed layer tar (what Trivy reports as `Layer.Size`).
    pub uncompressed_size: u64,
}

/// Bounds on what a walk reads.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Wanted files bigger than this are skipped with a warning (default 256 MiB).
    pub max_file_size: u64,
    /// Decompression-bomb bound on a layer's (and an outer archive's) uncompressed bytes
    /// (default 64 GiB).
    pub max_layer_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_size: 256 << 20,
            max_layer_bytes: 64 << 30,
        }
    }
}

/// Options for opening a source.
#[derive(Debug, Clone, Default)]
pub struct OpenOptions {
    /// Where a compressed outer archive is decompressed to (a temp file deleted when the source
    /// is dropped); the system temp dir when `None`.
    pub temp_dir: Option<PathBuf>,
    /// Platform to pick from a multi-platform index, "os/arch" or "os/arch/variant";
    /// linux/amd64 is preferred when `None`.
    pub platform: Option<String>,
    /// Bounds applied while opening (outer archive decompression).
    pub limits: Limits,
}

/// An image source: metadata plus a streamed walk of each layer.
pub trait Source: Send + Sync {
    /// The image's metadata.
    fn image(&self) -> &Image;
    /// Streams layer `index` and hands each wanted regular file (path relative, no leading
    /// '/', normalised) with its content to `visit` as soon as it is read, so the caller can
    /// drop the content before the next one is read; returns whiteouts, opaque dirs, warnings
    /// and sizes. `want` is asked about each regular file (and hardlink) with its path,
    /// permission bits and size.
    ///
    /// - Wanted hardlinks are visited after all the regular files, from a second read of the
    ///   layer that fetches their targets' content (only when a wanted hardlink exists).
    /// - A path that appears several times in a layer is visited each time its entry is wanted:
    ///   a later visit of a path replaces an earlier one. When the last entry at a visited path
    ///   was not visited, the path is listed in [`LayerFiles::superseded`]. So a consumer that
    ///   keys what it derives by path (replacing on a second visit, then dropping the
    ///   superseded paths) ends up with exactly the layer's last entries.
    /// - Files are visited before the layer's digests are checked at the end of the stream: on
    ///   an error, discard whatever the visitor collected.
    fn walk_layer(
        &self,
        index: usize,
        want: &(dyn Fn(&FileMeta) -> bool + Sync),
        visit: &mut dyn FnMut(WalkedFile),
        limits: &Limits,
    ) -> Result<LayerFiles, ImageError>;
}

/// Everything that can go wrong opening or reading an image; each message is one line naming
/// the file or blob and what is wrong.
#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    /// The input does not exist.
    #[error("{path}: no such file or directory")]
    NotFound { path: String },
    /// An I/O error on a file.
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// The input exists but is not an image of any supported kind.
    #[error("{path}: not an image: {reason}")]
    NotAnImage { path: String, reason: String },
    /// A metadata file is malformed.
    #[error("{what}: {reason}")]
    Invalid { what: String, reason: String },
    /// A manifest or index refers to a blob or file that is not there.
    #[error("{referrer} points at missing blob {blob}")]
    MissingBlob { referrer: String, blob: String },
    /// The selector matches no image.
    #[error("no image '{selector}' in {input}; available: {available}")]
    UnknownImage {
        input: String,
        selector: String,
        available: String,
    },
    /// Several images and nothing to choose with.
    #[error("{input} holds {count} images; pick one by appending :TAG or @sha256:DIGEST to the path (available: {available})")]
    Ambiguous {
        input: String,
        count: usize,
        available: String,
    },
    /// Content does not hash to the digest that names it.
    #[error("{what}: digest mismatch: expected {expected}, got {actual}")]
    DigestMismatch {
        what: String,
        expected: String,
        actual: String,
    },
    /// A manifest, config or layer of a kind this scanner does not read.
    #[error("{what}: unsupported media type '{media_type}'")]
    UnsupportedMediaType { what: String, media_type: String },
    /// A layer that cannot be read to the end: truncated, bad compression, not a tar.
    #[error("{layer}: corrupt layer: {reason}")]
    CorruptLayer { layer: String, reason: String },
    /// A layer (or outer archive) that decompresses past `Limits::max_layer_bytes`.
    #[error("{layer}: uncompressed data exceeds the limit of {limit} bytes (decompression bomb?)")]
    LayerTooLarge { layer: String, limit: u64 },
    /// Talking to a registry failed (its message says what to do).
    #[error(transparent)]
    Registry(#[from] tollgate_registry::RegistryError),
    /// `walk_layer` asked for a layer the image does not have.
    #[error("layer index {index} out of range: the image has {count} layers")]
    NoSuchLayer { index: usize, count: usize },
}

impl ImageError {
    pub(crate) fn io(path: impl AsRef<Path>, source: std::io::Error) -> Self {
        ImageError::Io {
            path: path.as_ref().display().to_string(),
            source,
        }
    }
}

/// Normalises a tar or directory path: drops `./`, leading and doubled `/`, resolves `..`.
/// Returns `None` if `..` would climb out of the root; "" is the root itself.
pub fn normalize_path(p: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for c in p.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            c => parts.push(c),
        }
    }
    Some(parts.join("/"))
}

/// Opens what the user typed, with default options. See [`open_with`].
pub fn open(input: &str) -> Result<Box<dyn Source>, ImageError> {
    open_with(input, &OpenOptions::default())
}

/// Opens what the user typed:
///
/// - an existing directory containing `oci-layout` is an OCI layout, any other directory a rootfs,
///   an existing file an archive;
/// - otherwise, the input is split at the first `:` or `@` whose left part exists, and the right
///   part selects an image: `oci-dir:latest`, `oci-dir@sha256:...`, `app.tar:myrepo/app:1.0`,
///   `app.tar:1.0`, `app.tar@sha256:<image id>`. See [`open_archive_with`] and
///   [`open_oci_layout_with`] for how selectors match.
///
/// Without a selector, the only image is used; if there are several, the error lists them.
pub fn open_with(input: &str, opts: &OpenOptions) -> Result<Box<dyn Source>, ImageError> {
    let (path, selector) = split_input(input)?;
    let meta = std::fs::metadata(&path).map_err(|e| ImageError::io(&path, e))?;
    if meta.is_dir() {
        if path.join("oci-layout").is_file() {
            open_oci_layout_with(&path, selector.as_deref(), input, opts)
        } else if selector.is_some() {
            Err(ImageError::NotAnImage {
                path: path.display().to_string(),
                reason: "a rootfs directory has no images to select from (no oci-layout file)"
                    .into(),
            })
        } else {
            open_rootfs(&path).map(|s| Box::new(s) as Box<dyn Source>)
        }
    } else {
        open_archive_with(&path, selector.as_deref(), input, opts)
    }
}

/// Opens a docker-archive (or OCI-layout tar), optionally selecting an image.
pub fn open_archive(path: &Path, selector: Option<&str>) -> Result<Box<dyn Source>, ImageError> {
    let name = path.display().to_string();
    open_archive_with(path, selector, &name, &OpenOptions::default())
}

/// Opens an OCI layout directory, optionally selecting an image.
pub fn open_oci_layout(dir: &Path, selector: Option<&str>) -> Result<Box<dyn Source>, ImageError> {
    let name = dir.display().to_string();
    open_oci_layout_with(dir, selector, &name, &OpenOptions::default())
}

/// Splits `input` into an existing path and an optional selector.
fn split_input(input: &str) -> Result<(PathBuf, Option<String>), ImageError> {
    if input.is_empty() {
        return Err(ImageError::NotFound { path: input.into() });
    }
    let whole = Path::new(input);
    if whole.exists() {
        return Ok((whole.to_path_buf(), None));
    }
    for (i, c) in input.char_indices() {
        if (c == ':' || c == '@') && i > 0 {
            let p = Path::new(&input[..i]);
            if p.exists() {
                let sel = &input[i + 1..];
                if sel.is_empty() {
                    break;
                }
                return Ok((p.to_path_buf(), Some(sel.to_string())));
            }
        }
    }
    Err(ImageError::NotFound { path: input.into() })
}

/// Short form of a digest for listings.
pub(crate) fn short_digest(d: &str) -> String {
    match d.split_once(':') {
        Some((alg, hex)) => format!("{alg}:{}", &hex[..hex.len().min(12)]),
        None => d.to_string(),
    }
}

/// Whether `sel` names `digest`: the full "sha256:HEX", or a prefix of at least 12 hex digits.
pub(crate) fn digest_matches(sel: &str, digest: &str) -> bool {
    let Some(hex) = sel.strip_prefix("sha256:") else {
        return false;
    };
    let Some(dhex) = digest.strip_prefix("sha256:") else {
        return false;
    };
    hex.len() >= 12 && dhex.len() >= hex.len() && dhex[..hex.len()].eq_ignore_ascii_case(hex)
}

/// Normalises an image reference for comparison: default registry and namespace dropped,
/// ":latest" added when there is no tag.
pub(crate) fn normalize_ref(r: &str) -> String {
    let mut s = r;
    for p in ["docker.io/", "index.docker.io/", "registry-1.docker.io/"] {
        if let Some(rest) = s.strip_prefix(p) {
            s = rest;
        }
    }
    let s = s.strip_prefix("library/").unwrap_or(s);
    let last = s.rsplit('/').next().unwrap_or(s);
    if last.contains(':') || last.contains('@') {
        s.to_string()
    } else {
        format!("{s}:latest")
    }
}

/// The tag part of a reference, if it has one.
pub(crate) fn tag_of(r: &str) -> Option<&str> {
    let last = r.rsplit('/').next().unwrap_or(r);
    let last = last.split('@').next().unwrap_or(last);
    last.split_once(':').map(|(_, t)| t)
}

#[cfg(test)]
mod unit {
    use super::*;

    #[test]
    fn normalise() {
        assert_eq!(
            normalize_path("./etc/os-release").unwrap(),
            "etc/os-release"
        );
        assert_eq!(normalize_path("/usr//lib/./x").unwrap(), "usr/lib/x");
        assert_eq!(normalize_path("a/b/../c").unwrap(), "a/c");
        assert_eq!(normalize_path("./").unwrap(), "");
        assert_eq!(normalize_path("../etc/passwd"), None);
        assert_eq!(normalize_path("a/../../etc"), None);
    }

    #[test]
    fn refs() {
        assert_eq!(normalize_ref("alpine"), "alpine:latest");
        assert_eq!(
            normalize_ref("docker.io/library/alpine:3.10"),
            "alpine:3.10"
        );
        assert_eq!(
            normalize_ref("localhost:5000/app"),
            "localhost:5000/app:latest"
        );
        assert_eq!(tag_of("localhost:5000/app:1.0"), Some("1.0"));
        assert_eq!(tag_of("localhost:5000/app"), None);
        assert!(digest_matches(
            "sha256:0123456789ab",
            "sha256:0123456789abcdef"
        ));
        assert!(!digest_matches("sha256:0123", "sha256:0123456789abcdef"));
    }
}
