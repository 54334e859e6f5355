//! Streaming one layer: decompression by magic bytes, digest checks, and the tar walk.

use std::collections::{BTreeMap, HashMap};
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

/// SHA-256 on its own thread: a cold scan's CPU is mostly hashing, and the tar parsing can
/// run beside it. Chunks go through a bounded channel, so memory stays bounded.
struct HashThread {
    tx: Option<std::sync::mpsc::SyncSender<Vec<u8>>>,
    handle: Option<std::thread::JoinHandle<String>>,
    /// Bytes gathered into one message: fewer, larger sends cost less than one per read.
    buf: Vec<u8>,
}

/// Size of one message to the hashing thread; at most `HASH_QUEUE` + 1 of them are alive.
const HASH_CHUNK: usize = 256 << 10;
const HASH_QUEUE: usize = 4;

impl HashThread {
    fn start() -> HashThread {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<u8>>(HASH_QUEUE);
        let handle = std::thread::spawn(move || {
            let mut h = Sha256::new();
            for chunk in rx {
                h.update(&chunk);
            }
            format!("sha256:{}", hex::encode(h.finalize()))
        });
        HashThread {
            tx: Some(tx),
            handle: Some(handle),
            buf: Vec::with_capacity(HASH_CHUNK),
        }
    }

    fn update(&mut self, mut data: &[u8]) {
        while !data.is_empty() {
            let n = (HASH_CHUNK - self.buf.len()).min(data.len());
            self.buf.extend_from_slice(&data[..n]);
            data = &data[n..];
            if self.buf.len() == HASH_CHUNK {
                self.flush();
            }
        }
    }

    fn flush(&mut self) {
        if self.buf.is_empty() {
            return;
        }
        let chunk = std::mem::replace(&mut self.buf, Vec::with_capacity(HASH_CHUNK));
        if let Some(tx) = &self.tx {
            if tx.send(chunk).is_err() {
                self.tx = None;
            }
        }
    }

    fn finish(mut self) -> String {
        self.flush();
        self.tx = None;
        self.handle
            .take()
            .and_then(|h| h.join().ok())
            .unwrap_or_default()
    }
}

impl Drop for HashThread {
    fn drop(&mut self) {
        self.tx = None;
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

/// Counts (and, when asked, hashes) what passes through; fails past `limit` bytes.
pub(crate) struct Counted<R> {
    inner: R,
    /// Only digests someone checks are computed.
    hasher: Option<HashThread>,
    pub count: u64,
    limit: u64,
}

impl<R> Counted<R> {
    /// Counts, and hashes when `hash` is set.
    pub fn with_hash(inner: R, limit: u64, hash: bool) -> Self {
        Counted {
            inner,
            hasher: hash.then(HashThread::start),
            count: 0,
            limit,
        }
    }

    /// Stops hashing (what was hashed so far is dropped).
    pub fn stop_hashing(&mut self) {
        self.hasher = None;
    }

    /// The reader, the digest (`None` when not hashing) and the byte count.
    pub fn finish_opt(self) -> (R, Option<String>, u64) {
        (self.inner, self.hasher.map(HashThread::finish), self.count)
    }

    /// The reader, the digest and the byte count (hashing must be on).
    pub fn finish(self) -> (R, String, u64) {
        let (r, d, n) = self.finish_opt();
        (r, d.unwrap_or_default(), n)
    }
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if self.count + n as u64 > self.limit {
            return Err(io::Error::other(LimitExceeded(self.limit)));
        }
        if let Some(h) = &mut self.hasher {
            h.update(&buf[..n]);
        }
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

/// Streams a stored layer once, checks its digests, and hands what `want` asks for to `visit`
/// (see [`crate::Source::walk_layer`]); wanted hardlinks are visited after that, from a second
/// pass that re-reads their targets.
pub(crate) fn walk_layer_stream(
    open: &Opener<'_>,
    expect: &Expect<'_>,
    want: &(dyn Fn(&FileMeta) -> bool + Sync),
    visit: &mut dyn FnMut(WalkedFile),
    limits: &Limits,
) -> Result<LayerFiles, ImageError> {
    let mut out = LayerFiles::default();
    let corrupt = |e: io::Error| io_to_layer_error(expect.label, limits, e);

    let check_blob = !expect.blob_digest.is_empty();
    let raw = Counted::with_hash(open()?, u64::MAX, check_blob);
    let mut raw = BufReader::with_capacity(64 * 1024, raw);
    let head = raw.fill_buf().map_err(corrupt)?;
    let compression = sniff(head);
    // An uncompressed layer's stored bytes are its tar: one hash serves both digests.
    let plain = compression == Compression::None;
    if plain {
        raw.get_mut().stop_hashing();
    }
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
    let hash_tar = !expect.diff_id.is_empty() || (plain && check_blob);
    let tar = Counted::with_hash(decoder, limits.max_layer_bytes, hash_tar);
    let mut reader = TarReader::new(Stream(tar));

    let mut state = FirstPass::default();
    state
        .run(&mut reader, want, visit, limits, expect.label, &mut out)
        .map_err(|e| {
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
    let (decoder, diff_id, uncompressed) = tar.finish_opt();
    let mut raw = decoder.into_raw();
    io::copy(&mut raw, &mut io::sink()).map_err(corrupt)?;
    let (_, raw_digest, _) = raw.into_inner().finish_opt();
    let blob_digest = if plain { diff_id.clone() } else { raw_digest }.unwrap_or_default();
    out.uncompressed_size = uncompressed;

    check_diff_id(expect, diff_id.unwrap_or_default())?;
    if check_blob && !expect.blob_digest.eq_ignore_ascii_case(&blob_digest) {
        return Err(ImageError::DigestMismatch {
            what: format!("{} (stored blob)", expect.label),
            expected: expect.blob_digest.to_string(),
            actual: blob_digest,
        });
    }

    let FirstPass {
        pending, visited, ..
    } = state;
    if !pending.is_empty() {
        resolve_hardlinks(open, expect, pending, visit, limits)?;
    }
    out.superseded = visited
        .into_iter()
        .filter_map(|(path, seen)| (seen.visited && !seen.live).then_some(path))
        .collect();
    out.superseded.sort();
    Ok(out)
}

fn check_diff_id(expect: &Expect<'_>, diff_id: String) -> Result<(), ImageError> {
    if !expect.diff_id.is_empty() && !expect.diff_id.eq_ignore_ascii_case(&diff_id) {
        return Err(ImageError::DigestMismatch {
            what: format!("{} (uncompressed content vs diff_id)", expect.label),
            expected: expect.diff_id.to_string(),
            actual: diff_id,
        });
    }
    Ok(())
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

/// The regular file a path holds at some point of the first pass (directly or through
/// hardlinks): which tar entry has its data, and whether that entry was visited.
#[derive(Debug, Clone, Copy)]
struct Target {
    /// Position of the regular file's entry in the tar (0 = first entry).
    ordinal: u64,
    /// Its size, from its header.
    size: u64,
    /// Whether its content went to the visitor (then `want` is told its size for a link).
    visited: bool,
}

/// A wanted hardlink, visited on the second pass with its target's content.
struct PendingLink {
    target: String,
    /// The tar entry holding the target's data.
    ordinal: u64,
    /// The link's own entry (links to one target are visited in this order).
    at: u64,
    /// The link entry's own mode, and the size `want` was told.
    mode: u32,
    size: u64,
}

/// What the first pass keeps: metadata only, never file content.
#[derive(Default)]
struct FirstPass {
    /// Each path currently holding a regular file (or a hardlink to one), for hardlinks.
    files: HashMap<String, Target>,
    /// Wanted hardlinks still standing (a later entry at the same path replaces them).
    pending: HashMap<String, PendingLink>,
    /// Every path handed to the visitor or pending: whether it was visited on this pass, and
    /// whether its latest entry was visited (or is pending).
    visited: HashMap<String, Seen>,
}

#[derive(Default)]
struct Seen {
    visited: bool,
    live: bool,
}

impl FirstPass {
    /// A new entry at `path` replaces whatever was there.
    fn replace(&mut self, path: &str) {
        self.files.remove(path);
        self.pending.remove(path);
        if let Some(seen) = self.visited.get_mut(path) {
            seen.live = false;
        }
    }

    /// `path` was handed to the visitor (`now`), or will be on the second pass.
    fn mark_visited(&mut self, path: &str, now: bool) {
        if !self.visited.contains_key(path) {
            self.visited.insert(path.to_string(), Seen::default());
        }
        if let Some(seen) = self.visited.get_mut(path) {
            seen.visited |= now;
            seen.live = true;
        }
    }

    /// First pass over a layer tar: wanted files go to `visit` as they are read; whiteouts,
    /// opaque dirs and warnings go to `out`; wanted hardlinks are left in `self.pending`.
    fn run<R: crate::tarstream::Input>(
        &mut self,
        reader: &mut TarReader<R>,
        want: &(dyn Fn(&FileMeta) -> bool + Sync),
        visit: &mut dyn FnMut(WalkedFile),
        limits: &Limits,
        label: &str,
        out: &mut LayerFiles,
    ) -> io::Result<()> {
        let mut ordinal: u64 = 0;
        while let Some(entry) = reader.next_entry()? {
            let this = ordinal;
            ordinal += 1;
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
            // Whatever this entry is, it replaces the earlier one at the same path.
            self.replace(&path);
            let meta = |size| FileMeta {
                path: &path,
                mode: entry.mode,
                size,
            };
            match entry.kind {
                Kind::Regular => {
                    let mut target = Target {
                        ordinal: this,
                        size: entry.size,
                        visited: false,
                    };
                    if want(&meta(entry.size)) {
                        if entry.size > limits.max_file_size {
                            out.warnings.push(format!(
                                "{label}: '{path}' is {} bytes, over the {}-byte file limit; skipped",
                                entry.size, limits.max_file_size
                            ));
                        } else {
                            let content = reader.read_data(limits.max_file_size)?;
                            target.visited = true;
                            self.mark_visited(&path, true);
                            visit(WalkedFile {
                                path: path.clone(),
                                mode: entry.mode,
                                size: entry.size,
                                content,
                            });
                        }
                    }
                    self.files.insert(path, target);
                }
                Kind::HardLink => {
                    let Some(target_path) = normalize_path(&entry.link).filter(|t| !t.is_empty())
                    else {
                        if want(&meta(entry.size)) {
                            out.warnings.push(format!(
                                "{label}: hardlink '{path}' points outside the layer ('{}'); skipped",
                                entry.link.escape_debug()
                            ));
                        }
                        continue;
                    };
                    // A link to a link shares the regular file the first one points at.
                    let target = self.files.get(&target_path).copied();
                    // The target's size when its content went to the visitor, else the link
                    // entry's own.
                    let size = match target {
                        Some(t) if t.visited => t.size,
                        _ => entry.size,
                    };
                    if let Some(t) = target {
                        self.files.insert(path.clone(), t);
                    }
                    if !want(&meta(size)) {
                        continue;
                    }
                    match target {
                        Some(t) if t.size > limits.max_file_size => {
                            out.warnings.push(format!(
                                "{label}: hardlink '{path}' -> '{target_path}' is {} bytes, over the {}-byte file limit; skipped",
                                t.size, limits.max_file_size
                            ));
                        }
                        Some(t) => {
                            self.mark_visited(&path, false);
                            self.pending.insert(
                                path,
                                PendingLink {
                                    target: target_path,
                                    ordinal: t.ordinal,
                                    at: this,
                                    mode: entry.mode,
                                    size,
                                },
                            );
                        }
                        None => out.warnings.push(format!(
                            "{label}: hardlink '{path}' -> '{target_path}': target is not a regular file earlier in the layer; skipped"
                        )),
                    }
                }
                Kind::Special | Kind::Sparse if want(&meta(entry.size)) => {
                    out.warnings.push(format!(
                        "{label}: '{path}' is not a regular file ({}); skipped",
                        if entry.kind == Kind::Sparse {
                            "GNU sparse file, unsupported"
                        } else {
                            "device or fifo"
                        }
                    ));
                }
                // Symlinks are never followed; directories and the rest carry no content (nor do
                // unwanted devices).
                _ => {}
            }
        }
        Ok(())
    }
}

/// Second pass, only when wanted hardlinks exist: re-reads the layer, and as each link
/// target's entry comes by, visits every link to it with that content (one file's content in
/// memory at a time). Every target was a regular file within the size limit on the first pass,
/// so one that is not now means the stored layer changed between the reads: an error.
fn resolve_hardlinks(
    open: &Opener<'_>,
    expect: &Expect<'_>,
    pending: HashMap<String, PendingLink>,
    visit: &mut dyn FnMut(WalkedFile),
    limits: &Limits,
) -> Result<(), ImageError> {
    let label = expect.label;
    let corrupt = |e: io::Error| io_to_layer_error(label, limits, e);
    // Target entry -> the links to it, in the order they were met.
    let mut by_target: BTreeMap<u64, Vec<(String, PendingLink)>> = BTreeMap::new();
    let mut order: Vec<(String, PendingLink)> = pending.into_iter().collect();
    order.sort_by_key(|(_, l)| l.at);
    for (path, link) in order {
        by_target
            .entry(link.ordinal)
            .or_default()
            .push((path, link));
    }
    let mut raw = BufReader::with_capacity(64 * 1024, open()?);
    let head = raw.fill_buf().map_err(corrupt)?;
    let stream: Box<dyn Read> = match sniff(head) {
        Compression::None => Box::new(raw),
        Compression::Gzip => Box::new(MultiGzDecoder::new(raw)),
        Compression::Zstd => {
            Box::new(zstd::stream::read::Decoder::with_buffer(raw).map_err(corrupt)?)
        }
    };
    let mut reader = TarReader::new(Stream(Counted::with_hash(
        stream,
        limits.max_layer_bytes,
        !expect.diff_id.is_empty(),
    )));
    let mut ordinal: u64 = 0;
    while let Some(entry) = reader.next_entry().map_err(corrupt)? {
        let this = ordinal;
        ordinal += 1;
        let Some(links) = by_target.remove(&this) else {
            continue;
        };
        let expected = links.first().map(|(_, l)| l.target.as_str()).unwrap_or("");
        if entry.kind != Kind::Regular || entry.size > limits.max_file_size {
            return Err(ImageError::CorruptLayer {
                layer: label.to_string(),
                reason: format!(
                    "entry {this} ('{expected}') changed between the two reads of the layer"
                ),
            });
        }
        let mut data = reader.read_data(limits.max_file_size).map_err(corrupt)?;
        let last = links.len() - 1;
        for (i, (path, link)) in links.into_iter().enumerate() {
            // The last link to this target takes the content; the others get a copy.
            let content = if i == last {
                std::mem::take(&mut data)
            } else {
                data.clone()
            };
            visit(WalkedFile {
                path,
                mode: link.mode,
                size: link.size,
                content,
            });
        }
        if by_target.is_empty() {
            break;
        }
    }
    // The targets were all seen on the first pass: one missing now means the layer changed.
    if let Some((this, links)) = by_target.into_iter().next() {
        let expected = links.first().map(|(_, l)| l.target.as_str()).unwrap_or("");
        return Err(ImageError::CorruptLayer {
            layer: label.to_string(),
            reason: format!(
                "entry {this} ('{expected}') changed between the two reads of the layer"
            ),
        });
    }
    // The visited content must be what the first pass checked: verify the re-read bytes too.
    if !expect.diff_id.is_empty() {
        let Stream(mut tar) = reader.into_inner();
        io::copy(&mut tar, &mut io::sink()).map_err(corrupt)?;
        let (_, diff_id, _) = tar.finish();
        check_diff_id(expect, diff_id)?;
    }
    Ok(())
}
