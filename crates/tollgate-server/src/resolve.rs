//! Image references and the resolvers that turn them into a digest and an image source.
//!
//! Results and verdicts are kept by digest, so a resolver's one cheap job on the admission
//! path is `reference -> digest`; opening the image for a scan is a second, slower call. A
//! registry client (tag -> manifest digest over the distribution API) is one more
//! implementation of [`Resolver`]; for now images come from a directory with an index.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use tollgate_image::Source;

/// An image reference split Docker's way: `[registry/]repository[:tag][@digest]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// Registry host (and port); `docker.io` when the reference names none.
    pub registry: String,
    /// Repository path; `library/` is prefixed for single-name Docker Hub images.
    pub repository: String,
    /// Tag, when given (`latest` is implied only when neither tag nor digest is given).
    pub tag: Option<String>,
    /// `sha256:<64 hex>`, when the reference is pinned.
    pub digest: Option<String>,
}

impl Reference {
    /// Parses a reference as a container runtime does; `None` when it cannot name an image.
    pub fn parse(s: &str) -> Option<Reference> {
        let s = s.trim();
        if s.is_empty() || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return None;
        }
        let (name, digest) = match s.split_once('@') {
            Some((n, d)) => {
                if !is_digest(d) {
                    return None;
                }
                (n, Some(d.to_string()))
            }
            None => (s, None),
        };
        // A `:` after the last `/` starts the tag; one before it is a registry port.
        let (name, tag) = match name.rsplit_once(':') {
            Some((n, t)) if !t.contains('/') => (n, Some(t.to_string())),
            _ => (name, None),
        };
        if name.is_empty() || tag.as_deref() == Some("") {
            return None;
        }
        let (registry, repository) = match name.split_once('/') {
            Some((first, rest))
                if first.contains('.') || first.contains(':') || first == "localhost" =>
            {
                (first.to_string(), rest.to_string())
            }
            _ => ("docker.io".to_string(), name.to_string()),
        };
        let repository = if registry == "docker.io" && !repository.contains('/') {
            format!("library/{repository}")
        } else {
            repository
        };
        if repository.is_empty() || repository.split('/').any(str::is_empty) {
            return None;
        }
        let tag = match (&tag, &digest) {
            (None, None) => Some("latest".to_string()),
            _ => tag,
        };
        Some(Reference {
            registry,
            repository,
            tag,
            digest,
        })
    }

    /// `registry/repository`.
    pub fn name(&self) -> String {
        format!("{}/{}", self.registry, self.repository)
    }

    /// The canonical `registry/repository:tag` (or `@digest`) form the index is keyed by.
    pub fn canonical(&self) -> String {
        let mut s = self.name();
        if let Some(t) = &self.tag {
            s.push(':');
            s.push_str(t);
        }
        if let Some(d) = &self.digest {
            s.push('@');
            s.push_str(d);
        }
        s
    }
}

/// Whether `s` is `sha256:` and 64 lower-case hex digits (the only form used in file names).
pub fn is_digest(s: &str) -> bool {
    s.strip_prefix("sha256:").is_some_and(|h| {
        h.len() == 64
            && h.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

/// Why a reference could not be resolved or opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResolveError {
    /// The reference is not a valid image reference.
    Invalid(String),
    /// No image with that name or digest is known.
    NotFound(String),
    /// The image is known but cannot be read now (registry down, file removed).
    Unavailable(String),
}

impl fmt::Display for ResolveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ResolveError::Invalid(m) | ResolveError::NotFound(m) | ResolveError::Unavailable(m) => {
                f.write_str(m)
            }
        }
    }
}

impl std::error::Error for ResolveError {}

/// Turns image references into digests and image sources.
pub trait Resolver: Send + Sync {
    /// The digest results are kept by; called on every admission, so it must be cheap or
    /// cached by the implementation.
    fn resolve(&self, reference: &Reference) -> Result<String, ResolveError>;
    /// Opens the image `reference` resolved to (`digest`) for a scan; may be slow.
    fn open(&self, reference: &Reference, digest: &str) -> Result<Box<dyn Source>, ResolveError>;
}

/// One entry of an image directory's index.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct IndexEntry {
    /// The reference clients use (`registry.example/app:1.0`).
    reference: String,
    /// Archive or OCI layout, relative to the index's directory, with an optional `:tag`
    /// selector as `tollgate image --input` takes it.
    path: String,
    /// The digest the registry knows the image by; the image config digest (Trivy's
    /// ImageID) when absent.
    #[serde(default)]
    digest: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Index {
    images: Vec<IndexEntry>,
}

/// Images served from a directory: `DIR/images.yaml` (or `.json`) maps references to
/// archives or OCI layouts in `DIR`.
#[derive(Debug)]
pub struct ImageDir {
    dir: PathBuf,
    by_ref: HashMap<String, (String, String)>,
    by_digest: HashMap<String, String>,
}

/// The index file names an image directory may hold, in the order they are looked for.
pub const INDEX_FILES: [&str; 3] = ["images.yaml", "images.yml", "images.json"];

impl ImageDir {
    /// Reads the index in `dir`; images without a digest are opened once to read theirs.
    pub fn open(dir: &Path) -> anyhow::Result<ImageDir> {
        let index_path = INDEX_FILES
            .iter()
            .map(|f| dir.join(f))
            .find(|p| p.is_file())
            .ok_or_else(|| {
                anyhow::anyhow!(
                    "--image-dir {}: no images.yaml or images.json index in it (entries: reference, path, optional digest)",
                    dir.display()
                )
            })?;
        let text = std::fs::read_to_string(&index_path)
            .map_err(|e| anyhow::anyhow!("{}: cannot read it: {e}", index_path.display()))?;
        let index: Index = serde_norway::from_str(&text).map_err(|e| {
            anyhow::anyhow!(
                "{}: not an image index ({e}); expected `images: [{{reference, path, digest}}]`",
                index_path.display()
            )
        })?;
        let mut out = ImageDir {
            dir: dir.to_path_buf(),
            by_ref: HashMap::new(),
            by_digest: HashMap::new(),
        };
        for e in index.images {
            let r = Reference::parse(&e.reference).ok_or_else(|| {
                anyhow::anyhow!(
                    "{}: {:?} is not an image reference",
                    index_path.display(),
                    e.reference
                )
            })?;
            let digest = match e.digest {
                Some(d) if is_digest(&d) => d,
                Some(d) => anyhow::bail!(
                    "{}: digest {d:?} of {}: expected sha256: and 64 hex digits",
                    index_path.display(),
                    e.reference
                ),
                None => {
                    let src = out.open_path(&e.path).map_err(|err| {
                        anyhow::anyhow!("{}: {}: {err}", index_path.display(), e.reference)
                    })?;
                    src.image().id.clone()
                }
            };
            out.by_digest.insert(digest.clone(), e.path.clone());
            out.by_ref.insert(r.canonical(), (digest, e.path));
        }
        Ok(out)
    }

    /// How many references the index maps.
    pub fn len(&self) -> usize {
        self.by_ref.len()
    }

    /// Whether the index is empty.
    pub fn is_empty(&self) -> bool {
        self.by_ref.is_empty()
    }

    fn open_path(&self, path: &str) -> Result<Box<dyn Source>, ResolveError> {
        // The index is trusted configuration, but a path leaving the directory is a mistake
        // worth refusing rather than following.
        let file = path.split(':').next().unwrap_or(path);
        if Path::new(file).is_absolute() || file.split('/').any(|c| c == "..") {
            return Err(ResolveError::Invalid(format!(
                "image path {path:?} must stay inside the image directory"
            )));
        }
        let full = self.dir.join(path);
        tollgate_image::open(&full.to_string_lossy())
            .map_err(|e| ResolveError::Unavailable(format!("{}: {e}", full.display())))
    }
}

impl Resolver for ImageDir {
    fn resolve(&self, reference: &Reference) -> Result<String, ResolveError> {
        if let Some(d) = &reference.digest {
            return if self.by_digest.contains_key(d) {
                Ok(d.clone())
            } else {
                Err(ResolveError::NotFound(format!(
                    "image {} not found: no image with digest {d} in the image directory",
                    reference.canonical()
                )))
            };
        }
        self.by_ref
            .get(&reference.canonical())
            .map(|(d, _)| d.clone())
            .ok_or_else(|| {
                ResolveError::NotFound(format!(
                    "image {} not found in the image directory",
                    reference.canonical()
                ))
            })
    }

    fn open(&self, reference: &Reference, digest: &str) -> Result<Box<dyn Source>, ResolveError> {
        let path = self.by_digest.get(digest).ok_or_else(|| {
            ResolveError::NotFound(format!(
                "image {} ({digest}) is no longer in the image directory",
                reference.canonical()
            ))
        })?;
        self.open_path(path)
    }
}

/// The resolver used when no image source is configured: every reference is unavailable,
/// with a message saying what to configure.
#[derive(Debug, Default)]
pub struct NoImages;

impl Resolver for NoImages {
    fn resolve(&self, reference: &Reference) -> Result<String, ResolveError> {
        Err(ResolveError::Unavailable(format!(
            "cannot resolve {}: registry resolution is not available yet; start the server with --image-dir",
            reference.canonical()
        )))
    }

    fn open(&self, reference: &Reference, _digest: &str) -> Result<Box<dyn Source>, ResolveError> {
        Err(self.resolve(reference).unwrap_err())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_parse_as_runtimes_read_them() {
        let r = Reference::parse("alpine").unwrap();
        assert_eq!(r.canonical(), "docker.io/library/alpine:latest");
        let r = Reference::parse("localhost:5000/team/app:1.0").unwrap();
        assert_eq!(r.registry, "localhost:5000");
        assert_eq!(r.repository, "team/app");
        assert_eq!(r.tag.as_deref(), Some("1.0"));
        let d = format!("sha256:{}", "a".repeat(64));
        let r = Reference::parse(&format!("registry.example/app@{d}")).unwrap();
        assert_eq!(r.tag, None);
        assert_eq!(r.digest.as_deref(), Some(d.as_str()));
        assert_eq!(r.canonical(), format!("registry.example/app@{d}"));
        for bad in [
            "",
            "app@sha256:xyz",
            "app:",
            "a b",
            "registry.example/",
            "//x",
        ] {
            assert_eq!(Reference::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn digests_are_strict() {
        assert!(is_digest(&format!("sha256:{}", "0f".repeat(32))));
        assert!(!is_digest(&format!("sha256:{}", "0F".repeat(32))));
        assert!(!is_digest("sha256:../../etc/passwd"));
        assert!(!is_digest(&format!("sha512:{}", "0".repeat(64))));
    }
}
