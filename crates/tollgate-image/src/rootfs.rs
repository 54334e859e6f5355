//! A directory tree as a one-layer image (each path once: nothing is ever superseded).

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::{
    normalize_path, FileMeta, Image, ImageError, LayerFiles, LayerRef, Limits, Source, WalkedFile,
};

/// A rootfs directory: one layer, walked without following symlinks or leaving the root.
pub struct RootfsSource {
    root: PathBuf,
    image: Image,
}

/// Opens a directory as a rootfs (one layer; empty digest and diff_id; no config).
pub fn open_rootfs(dir: &Path) -> Result<RootfsSource, ImageError> {
    let meta = std::fs::metadata(dir).map_err(|e| ImageError::io(dir, e))?;
    if !meta.is_dir() {
        return Err(ImageError::NotAnImage {
            path: dir.display().to_string(),
            reason: "a rootfs must be a directory".into(),
        });
    }
    Ok(RootfsSource {
        root: dir.to_path_buf(),
        image: Image {
            name: dir.display().to_string(),
            config: serde_json::Value::Null,
            layers: vec![LayerRef::default()],
            ..Image::default()
        },
    })
}

impl Source for RootfsSource {
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
        if index != 0 {
            return Err(ImageError::NoSuchLayer { index, count: 1 });
        }
        let mut out = LayerFiles::default();
        let mut total: u64 = 0;
        let walker = walkdir::WalkDir::new(&self.root)
            .follow_links(false)
            .sort_by_file_name();
        for entry in walker {
            let entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    out.warnings.push(format!("{}: {e}", self.root.display()));
                    continue;
                }
            };
            // Symlinks are reported as symlinks (never followed); only plain files count.
            if !entry.file_type().is_file() {
                continue;
            }
            let Ok(rel) = entry.path().strip_prefix(&self.root) else {
                continue;
            };
            let Some(path) = normalize_path(&rel.to_string_lossy()) else {
                continue;
            };
            if path.is_empty() {
                continue;
            }
            // Not following links: the file's own metadata (lstat).
            let walked = match entry.metadata() {
                Ok(m) => m,
                Err(e) => {
                    out.warnings
                        .push(format!("{}: {e}; skipped", entry.path().display()));
                    continue;
                }
            };
            let (mode, size) = (permission_bits(&walked), walked.len());
            if !want(&FileMeta {
                path: &path,
                mode,
                size,
            }) {
                continue;
            }
            match read_file(entry.path(), &walked, limits) {
                Ok(Some(content)) => {
                    total += content.len() as u64;
                    if total > limits.max_layer_bytes {
                        return Err(ImageError::LayerTooLarge {
                            layer: self.root.display().to_string(),
                            limit: limits.max_layer_bytes,
                        });
                    }
                    visit(WalkedFile {
                        path,
                        mode,
                        size,
                        content,
                    });
                }
                Ok(None) => out.warnings.push(format!(
                    "{}: '{path}' is over the {}-byte file limit; skipped",
                    self.root.display(),
                    limits.max_file_size
                )),
                Err(e) => out
                    .warnings
                    .push(format!("{}: {e}; skipped", entry.path().display())),
            }
        }
        Ok(out)
    }
}

/// `st_mode & 0o7777` (0o644 off unix, where there are no such bits).
fn permission_bits(meta: &std::fs::Metadata) -> u32 {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        meta.permissions().mode() & 0o7777
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        0o644
    }
}

/// Reads a file seen by the walk (`walked`: its metadata then); `None` if it is over the size
/// limit.
fn read_file(
    path: &Path,
    walked: &std::fs::Metadata,
    limits: &Limits,
) -> std::io::Result<Option<Vec<u8>>> {
    if walked.len() > limits.max_file_size {
        return Ok(None);
    }
    let f = File::open(path)?;
    let opened = f.metadata()?;
    if !opened.is_file() {
        return Err(std::io::Error::other("no longer a regular file"));
    }
    #[cfg(unix)]
    {
        // Refuse a file swapped for a symlink (to somewhere else) between the walk and the open.
        use std::os::unix::fs::MetadataExt;
        if (opened.dev(), opened.ino()) != (walked.dev(), walked.ino()) {
            return Err(std::io::Error::other("replaced while being read"));
        }
    }
    let mut data = Vec::with_capacity(opened.len().min(1 << 20) as usize);
    f.take(limits.max_file_size + 1).read_to_end(&mut data)?;
    if data.len() as u64 > limits.max_file_size {
        return Ok(None);
    }
    Ok(Some(data))
}
