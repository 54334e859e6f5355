//! Streaming one layer: decompression by magic bytes, digest checks, and the tar walk.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::io::{self, BufRead, BufReader, Read};

use flate2::bufread::MultiGzDecoder;
use sha2::{Digest, Sha256};

use crate::tarstream::{Kind, Stream, TarReader};
use crate::{normalize_path, Compression, FileMeta, ImageError, LayerFiles, Limits, WalkedFile};

/// The io error a [`Counted`] reader returns once its byte limit is passed.
#[derive(Debug)]
pub(crate) struct LimitExceeded(pub u64);

impl fmt::Display for LimitExceeded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "more than {} bytes", self.0)
    }
}

impl std::error::Error for LimitExceeded {}

/// Hashes and counts what passes through; fails past `limit` bytes.
pub(crate) struct Counted<R> {
    inner: R,
    hasher: Sha256,
    pub count: u64,
    limit: u64,
}

impl<R> Counted<R> {
    pub fn new(inner: R, limit: u64) -> Self {
        Counted {
            inner,
            hasher: Sha256::new(),
            count: 0,
            limit,
        }
    }

    pub fn finish(self) -> (R, String, u64) {
        (
            self.inner,
            format!("sha256:{}", hex::encode(self.hasher.finalize())),
            self.count,
        )
    }
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if self.count + n as u64 > self.limit {
            return Err(io::Error::other(LimitExceeded(self.limit)));
        }
        self.hasher.update(&buf[..n]);
        self.count += n as u64;
        Ok(n)
    }
}

/// Recognises a compressed stream by its first bytes.
pub(crate) fn sniff(head: &[u8]) -> Compression {
    if head.starts_with(&[0x1f, 0x8b]) {
        Compression::Gzip
    } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        Compression::Zstd
    } else {
        Compression::None
    }
}

type Raw = BufReader<Counted<Box<dyn Read + Send>>>;

enum Decoder {
    Plain(Raw),
    Gzip(MultiGzDecoder<Raw>),
    Zstd(Box<zstd::stream::read::Decoder<'static, Raw>>),
}

impl Read for Decoder {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Decoder::Plain(r) => r.read(buf),
            Decoder::Gzip(r) => r.read(buf),
            Decoder::Zstd(r) => r.read(buf),
        }
    }
}

impl Decoder {
    fn into_raw(self) -> Raw {
        match self {
            Decoder::Plain(r) => r,
            Decoder::Gzip(r) => r.into_inner(),
            Decoder::Zstd(r) => r.finish(),
        }
    }
}

/// What a stored layer is checked against while it is streamed.
pub(crate) struct Expect<'a> {
    /// Names the layer in errors and warnings.
    pub label: &'a str,
    /// sha256 of the uncompressed tar ("" = unknown, not checked).
    pub diff_id: &'a str,
    /// sha256 of the stored bytes ("" = not checked).
    pub blob_digest: &'a str,
    /// Compression the media type announces, if any.
    pub announced: Option<Compression>,
}

/// Opens the stored bytes of a layer, from the beginning, each time it is called.
pub(crate) type Opener<'a> = dyn Fn() -> Result<Box<dyn Read + Send>, ImageError> + 'a;

/// Streams a stored layer once, checks its digests, and collects what `want` asks for.
pub(crate) fn walk_layer_stream(
    open: &Opener<'_>,
    expect: &Expect<'_>,
    want: &(dyn Fn(&FileMeta) -> bool + Sync),
    limits: &Limits,
) -> Result<LayerFiles, ImageError> {
    let mut out = LayerFiles::default();
    let corrupt = |e: io::Error| io_to_layer_error(expect.label, limits, e);

    let raw = Counted::new(open()?, u64::MAX);
    let mut raw = BufReader::with_capacity(64 * 1024, raw);
    let head = raw.fill_buf().map_err(corrupt)?;
    let compression = sniff(head);
    if let Some(a) = expect.announced {
        if a != compression {
            out.warnings.push(format!(
                "{}: media type says {a} but the data is {compression}; reading it as {compression}",
                expect.label
            ));
        }
    }
    let decoder = match compression {
        Compression::None => Decoder::Plain(raw),
        Compression::Gzip => Decoder::Gzip(MultiGzDecoder::new(raw)),
        Compression::Zstd => Decoder::Zstd(Box::new(
            zstd::stream::read::Decoder::with_buffer(raw).map_err(corrupt)?,
        )),
    };
    let tar = Counted::new(decoder, limits.max_layer_bytes);
    let mut reader = TarReader::new(Stream(tar));

    let pending = collect(&mut reader, want, limits, expect.label, &mut out).map_err(|e| {
        if !reader.seen_header && e.kind() == io::ErrorKind::InvalidData && !is_limit(&e) {
            ImageError::CorruptLayer {
                layer: expect.label.to_string(),
                reason: format!("not a tar archive ({e})"),
            }
        } else {
            corrupt(e)
        }
    })?;

    // Drain what follows the end-of-archive marker so both digests cover the whole stream.
    let Stream(mut tar) = reader.into_inner();
    io::copy(&mut tar, &mut io::sink()).map_err(corrupt)?;
    let (decoder, diff_id, uncompressed) = tar.finish();
    let mut raw = decoder.into_raw();
    io::copy(&mut raw, &mut io::sink()).map_err(corrupt)?;
    let (_, blob_digest, _) = raw.into_inner().finish();
    out.uncompressed_size = uncompressed;

    if !expect.diff_id.is_empty() && !expect.diff_id.eq_ignore_ascii_case(&diff_id) {
        return Err(ImageError::DigestMismatch {
            what: format!("{} (uncompressed content vs diff_id)", expect.label),
            expected: expect.diff_id.to_string(),
            actual: diff_id,
        });
    }
    if !expect.blob_digest.is_empty() && !expect.blob_digest.eq_ignore_ascii_case(&blob_digest) {
        return Err(ImageError::DigestMismatch {
            what: format!("{} (stored blob)", expect.label),
            expected: expect.blob_digest.to_string(),
            actual: blob_digest,
        });
    }

    if !pending.is_empty() {
        resolve_hardlinks(open, pending, limits, expect.label, &mut out)?;
    }
    Ok(out)
}

fn is_limit(e: &io::Error) -> bool {
    e.get_ref()
        .is_some_and(|inner| inner.downcast_ref::<LimitExceeded>().is_some())
}

fn io_to_layer_error(label: &str, limits: &Limits, e: io::Error) -> ImageError {
    if is_limit(&e) {
        return ImageError::LayerTooLarge {
            layer: label.to_string(),
            limit: limits.max_layer_bytes,
        };
    }
    let reason = match e.kind() {
        io::ErrorKind::UnexpectedEof => format!("truncated: {e}"),
        _ => e.to_string(),
    };
    ImageError::CorruptLayer {
        layer: label.to_string(),
        reason,
    }
}

/// A wanted hardlink whose target's content was not kept on the first pass.
pub(crate) struct PendingLink {
    path: String,
    target: String,
    /// The link entry's own mode, and the size `want` was told.
    mode: u32,
    size: u64,
}

/// First pass over a layer tar: wanted files, whiteouts, opaque dirs, hardlinks.
fn collect<R: crate::tarstream::Input>(
    reader: &mut TarReader<R>,
    want: &(dyn Fn(&FileMeta) -> bool + Sync),
    limits: &Limits,
    label: &str,
    out: &mut LayerFiles,
) -> io::Result<Vec<PendingLink>> {
    // Position in `out.files` of each kept path, so hardlinks and duplicates resolve.
    let mut kept = Kept::default();
    // Hardlink path -> (normalised) target, to follow link chains.
    let mut links: HashMap<String, String> = HashMap::new();
    let mut pending = Vec::new();
    while let Some(entry) = reader.next_entry()? {
        let Some(path) = normalize_path(&entry.path) else {
            out.warnings.push(format!(
                "{label}: entry '{}' escapes the layer root; skipped",
                entry.path.escape_debug()
            ));
            continue;
        };
        if path.is_empty() {
            continue;
        }
        let (parent, base) = match path.rfind('/') {
            Some(i) => (&path[..i], &path[i + 1..]),
            None => ("", path.as_str()),
        };
        if base == ".wh..wh..opq" {
            out.opaque_dirs.push(parent.to_string());
            continue;
        }
        if base.starts_with(".wh..wh.") {
            // aufs bookkeeping (.wh..wh.plnk, .wh..wh.aufs): not image content.
            continue;
        }
        if let Some(name) = base.strip_prefix(".wh.") {
            out.whiteouts.push(if parent.is_empty() {
                name.to_string()
            } else {
                format!("{parent}/{name}")
            });
            continue;
        }
        match entry.kind {
            Kind::Regular => {
                links.remove(&path);
                let meta = FileMeta {
                    path: &path,
                    mode: entry.mode,
                    size: entry.size,
                };
                if !want(&meta) {
                    kept.forget(&path);
                    continue;
                }
                if entry.size > limits.max_file_size {
                    out.warnings.push(format!(
                        "{label}: '{path}' is {} bytes, over the {}-byte file limit; skipped",
                        entry.size, limits.max_file_size
                    ));
                    kept.forget(&path);
                    continue;
                }
                let content = reader.read_data(limits.max_file_size)?;
                kept.keep(
                    out,
                    WalkedFile {
                        path,
                        mode: entry.mode,
                        size: entry.size,
                        content,
                    },
                );
            }
            Kind::HardLink => {
                links.remove(&path);
                let Some(target) = normalize_path(&entry.link).filter(|t| !t.is_empty()) else {
                    kept.forget(&path);
                    let meta = FileMeta {
                        path: &path,
                        mode: entry.mode,
                        size: entry.size,
                    };
                    if want(&meta) {
                        out.warnings.push(format!(
                            "{label}: hardlink '{path}' points outside the layer ('{}'); skipped",
                            entry.link.escape_debug()
                        ));
                    }
                    continue;
                };
                // Follow a chain of hardlinks to the regular file they all share.
                let mut target = target;
                for _ in 0..32 {
                    match links.get(&target) {
                        Some(t) => target = t.clone(),
                        None => break,
                    }
                }
                links.insert(path.clone(), target.clone());
                // The target's size when its content is at hand, else the link entry's own.
                let target_file = kept.get(&target).map(|i| &out.files[i]);
                let meta = FileMeta {
                    path: &path,
                    mode: entry.mode,
                    size: target_file.map_or(entry.size, |f| f.size),
                };
                if !want(&meta) {
                    kept.forget(&path);
                    continue;
                }
                match target_file {
                    Some(f) => {
                        let file = WalkedFile {
                            path,
                            mode: entry.mode,
                            size: f.size,
                            content: f.content.clone(),
                        };
                        kept.keep(out, file);
                    }
                    None => {
                        kept.forget(&path);
                        pending.push(PendingLink {
                            path,
                            target,
                            mode: entry.mode,
                            size: entry.size,
                        });
                    }
                }
            }
            Kind::Special | Kind::Sparse => {
                links.remove(&path);
                kept.forget(&path);
                let meta = FileMeta {
                    path: &path,
                    mode: entry.mode,
                    size: entry.size,
                };
                if want(&meta) {
                    out.warnings.push(format!(
                        "{label}: '{path}' is not a regular file ({}); skipped",
                        if entry.kind == Kind::Sparse {
                            "GNU sparse file, unsupported"
                        } else {
                            "device or fifo"
                        }
                    ));
                }
            }
            // Symlinks are never followed; directories and the rest carry no content.
            _ => {
                links.remove(&path);
                kept.forget(&path);
            }
        }
    }
    kept.drop_forgotten(out);
    Ok(pending)
}

/// The files kept so far by the first pass: a path repeated later in the same tar replaces
/// the earlier entry, and a later entry nobody wants (say, the same path without the
/// executable bits) drops it.
#[derive(Default)]
struct Kept {
    /// Position in `out.files` of each kept path.
    at: HashMap<String, usize>,
    /// Positions in `out.files` replaced by an entry that was not kept.
    dropped: HashSet<usize>,
}

impl Kept {
    fn get(&self, path: &str) -> Option<usize> {
        self.at.get(path).copied()
    }

    fn keep(&mut self, out: &mut LayerFiles, file: WalkedFile) {
        match self.at.get(&file.path) {
            Some(&i) => out.files[i] = file,
            None => {
                self.at.insert(file.path.clone(), out.files.len());
                out.files.push(file);
            }
        }
    }

    /// A later entry at `path` was not kept: the earlier file there is gone.
    fn forget(&mut self, path: &str) {
        if let Some(i) = self.at.remove(path) {
            self.dropped.insert(i);
        }
    }

    fn drop_forgotten(self, out: &mut LayerFiles) {
        if self.dropped.is_empty() {
            return;
        }
        let mut i = 0;
        out.files.retain(|_| {
            i += 1;
            !self.dropped.contains(&(i - 1))
        });
    }
}

/// Second pass, only for wanted hardlinks to files nobody wanted: fetch the targets' content.
fn resolve_hardlinks(
    open: &Opener<'_>,
    pending: Vec<PendingLink>,
    limits: &Limits,
    label: &str,
    out: &mut LayerFiles,
) -> Result<(), ImageError> {
    let corrupt = |e: io::Error| io_to_layer_error(label, limits, e);
    let targets: HashSet<&str> = pending.iter().map(|p| p.target.as_str()).collect();
    let mut found: HashMap<String, Vec<u8>> = HashMap::new();
    let mut raw = BufReader::with_capacity(64 * 1024, open()?);
    let head = raw.fill_buf().map_err(corrupt)?;
    let stream: Box<dyn Read> = match sniff(head) {
        Compression::None => Box::new(raw),
        Compression::Gzip => Box::new(MultiGzDecoder::new(raw)),
        Compression::Zstd => {
            Box::new(zstd::stream::read::Decoder::with_buffer(raw).map_err(corrupt)?)
        }
    };
    let mut reader = TarReader::new(Stream(Counted::new(stream, limits.max_layer_bytes)));
    while let Some(entry) = reader.next_entry().map_err(corrupt)? {
        if entry.kind != Kind::Regular {
            continue;
        }
        let Some(path) = normalize_path(&entry.path) else {
            continue;
        };
        if !targets.contains(path.as_str()) {
            continue;
        }
        if entry.size > limits.max_file_size {
            out.warnings.push(format!(
                "{label}: '{path}' is {} bytes, over the {}-byte file limit; skipped",
                entry.size, limits.max_file_size
            ));
            continue;
        }
        let data = reader.read_data(limits.max_file_size).map_err(corrupt)?;
        found.insert(path, data);
    }
    for p in pending {
        match found.get(&p.target) {
            Some(data) => out.files.push(WalkedFile {
                path: p.path,
                mode: p.mode,
                size: p.size,
                content: data.clone(),
            }),
            None => out.warnings.push(format!(
                "{label}: hardlink '{}' -> '{}': target is not a regular file earlier in the layer; skipped",
                p.path, p.target
            )),
        }
    }
    Ok(())
}
