//! A small streaming tar reader.
//!
//! Hand-written rather than the `tar` crate's `Archive` because layers are hostile input: the
//! crate reads GNU long names and PAX headers of any claimed size into memory, and we want every
//! metadata record bounded, every truncation reported with the entry it hit, and nothing but
//! reading ever done.

use std::io::{self, Read, Seek, SeekFrom};

/// Upper bound on GNU long-name/long-link and PAX records; real ones are a few hundred bytes.
const MAX_META: u64 = 1 << 20;

/// What an entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Regular,
    HardLink,
    Symlink,
    Directory,
    /// Character or block device, or FIFO.
    Special,
    /// GNU sparse file: stored data is not the file content.
    Sparse,
    /// Anything else (volume labels, unknown vendor types).
    Other,
}

/// One tar member (after GNU/PAX extension records are applied).
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub path: String,
    pub link: String,
    pub kind: Kind,
    /// Permission bits from the header's mode field (`& 0o7777`; 0 if unreadable).
    pub mode: u32,
    pub size: u64,
    /// Offset of the entry's data from the start of the tar stream.
    pub data_offset: u64,
}

/// A byte source the reader can skip forward in: seeks for files, reads-and-discards otherwise.
pub(crate) trait Input: Read {
    /// Skips `n` bytes; returns how many were actually skipped (less means end of stream).
    fn skip(&mut self, n: u64) -> io::Result<u64>;
}

/// Any reader, skipping by reading.
pub(crate) struct Stream<R>(pub R);

impl<R: Read> Read for Stream<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read(buf)
    }
}

impl<R: Read> Input for Stream<R> {
    fn skip(&mut self, n: u64) -> io::Result<u64> {
        io::copy(&mut (&mut self.0).take(n), &mut io::sink())
    }
}

/// A seekable reader of known length, skipping by seeking.
pub(crate) struct Seekable<R> {
    pub inner: R,
    pub pos: u64,
    pub len: u64,
}

impl<R: Read> Read for Seekable<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.pos += n as u64;
        Ok(n)
    }
}

impl<R: Read + Seek> Input for Seekable<R> {
    fn skip(&mut self, n: u64) -> io::Result<u64> {
        let n = n.min(self.len.saturating_sub(self.pos));
        self.inner.seek(SeekFrom::Current(n as i64))?;
        self.pos += n;
        Ok(n)
    }
}

/// Reads entries one after the other; the data of the current entry can be read or is skipped.
pub(crate) struct TarReader<R> {
    inner: R,
    /// Bytes consumed from the start of the stream.
    pos: u64,
    /// Unread data of the current entry.
    remaining: u64,
    /// Padding after the current entry's data.
    padding: u64,
    /// Path of the current entry, for error messages.
    current: String,
    done: bool,
    /// Whether any header has been read (a bad first header means "not a tar").
    pub seen_header: bool,
}

fn corrupt(msg: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg)
}

impl<R: Input> TarReader<R> {
    pub fn new(inner: R) -> Self {
        TarReader {
            inner,
            pos: 0,
            remaining: 0,
            padding: 0,
            current: String::new(),
            done: false,
            seen_header: false,
        }
    }

    pub fn into_inner(self) -> R {
        self.inner
    }

    fn skip_exact(&mut self, n: u64) -> io::Result<()> {
        let got = self.inner.skip(n)?;
        self.pos += got;
        if got < n {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!(
                    "tar stream ends inside entry '{}' (offset {})",
                    self.current, self.pos
                ),
            ));
        }
        Ok(())
    }

    fn read_block(&mut self, block: &mut [u8; 512]) -> io::Result<bool> {
        let mut got = 0;
        while got < 512 {
            match self.inner.read(&mut block[got..]) {
                Ok(0) => break,
                Ok(n) => got += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        self.pos += got as u64;
        if got == 0 {
            // End of stream on a header boundary: treat like the end-of-archive marker.
            return Ok(false);
        }
        if got < 512 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!("tar stream ends inside a header (offset {})", self.pos),
            ));
        }
        Ok(true)
    }

    /// Reads the rest of the current entry's data (at most `max` bytes, else an error).
    pub fn read_data(&mut self, max: u64) -> io::Result<Vec<u8>> {
        if self.remaining > max {
            return Err(corrupt(format!(
                "entry '{}' is larger than {max} bytes",
                self.current
            )));
        }
        let want = self.remaining;
        // Claimed sizes are untrusted: grow the buffer with the data actually read.
        let mut buf = Vec::with_capacity(want.min(1 << 20) as usize);
        let got = (&mut self.inner).take(want).read_to_end(&mut buf)? as u64;
        self.pos += got;
        self.remaining -= got;
        if got < want {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!(
                    "tar stream ends inside entry '{}': {} of {} bytes present",
                    self.current, got, want
                ),
            ));
        }
        Ok(buf)
    }

    /// Advances to the next entry, skipping whatever is left of the current one.
    pub fn next_entry(&mut self) -> io::Result<Option<Entry>> {
        if self.done {
            return Ok(None);
        }
        let (data, padding) = (self.remaining, self.padding);
        self.remaining = 0;
        self.padding = 0;
        if data > 0 {
            self.skip_exact(data)?;
        }
        if padding > 0 {
            // Some writers (umoci 0.4, its issue 436) end the archive right after the last
            // entry's data, without padding or end blocks. The data is complete, so this is
            // the end of the archive, as Go's archive/tar (and so Trivy) reads it.
            let got = self.inner.skip(padding)?;
            self.pos += got;
            if got < padding {
                self.done = true;
                return Ok(None);
            }
        }
        let mut long_name: Option<Vec<u8>> = None;
        let mut long_link: Option<Vec<u8>> = None;
        let mut pax_path: Option<Vec<u8>> = None;
        let mut pax_link: Option<Vec<u8>> = None;
        let mut pax_size: Option<u64> = None;
        let mut block = [0u8; 512];
        loop {
            let header_at = self.pos;
            if !self.read_block(&mut block)? {
                self.done = true;
                return Ok(None);
            }
            if block.iter().all(|&b| b == 0) {
                self.done = true;
                return Ok(None);
            }
            verify_checksum(&block)
                .map_err(|e| corrupt(format!("invalid tar header at offset {header_at}: {e}")))?;
            self.seen_header = true;
            let size = parse_number(&block[124..136])
                .map_err(|e| corrupt(format!("tar header at offset {header_at}: size: {e}")))?;
            let typeflag = block[156];
            let padded = size.div_ceil(512) * 512;
            match typeflag {
                b'L' | b'K' | b'x' => {
                    if size > MAX_META {
                        return Err(corrupt(format!(
                            "tar metadata record at offset {header_at} claims {size} bytes"
                        )));
                    }
                    self.current = "(tar metadata)".into();
                    self.remaining = size;
                    let data = self.read_data(MAX_META)?;
                    self.skip_exact(padded - size)?;
                    match typeflag {
                        b'L' => long_name = Some(trim_nul(&data).to_vec()),
                        b'K' => long_link = Some(trim_nul(&data).to_vec()),
                        _ => {
                            for (k, v) in pax_records(&data) {
                                match k {
                                    b"path" => pax_path = Some(v.to_vec()),
                                    b"linkpath" => pax_link = Some(v.to_vec()),
                                    b"size" => {
                                        pax_size = std::str::from_utf8(v)
                                            .ok()
                                            .and_then(|s| s.trim().parse().ok())
                                    }
                                    _ => {}
                                }
                            }
                        }
                    }
                    continue;
                }
                b'g' => {
                    // PAX global header: nothing we use.
                    self.current = "(pax global header)".into();
                    self.skip_exact(padded)?;
                    continue;
                }
                _ => {}
            }
            let ustar = &block[257..263] == b"ustar\0";
            let path = if let Some(p) = pax_path.or(long_name) {
                p
            } else {
                let name = trim_nul(&block[0..100]);
                let prefix = trim_nul(&block[345..500]);
                if ustar && !prefix.is_empty() {
                    let mut p = prefix.to_vec();
                    p.push(b'/');
                    p.extend_from_slice(name);
                    p
                } else {
                    name.to_vec()
                }
            };
            let link = pax_link
                .or(long_link)
                .unwrap_or_else(|| trim_nul(&block[157..257]).to_vec());
            let size = pax_size.unwrap_or(size);
            // Some writers put file-type bits in the mode field too; keep permission bits. An
            // unreadable mode is not worth failing the layer for: it reads as no permissions.
            let mode = parse_number(&block[100..108]).map_or(0, |m| (m & 0o7777) as u32);
            let path = String::from_utf8_lossy(&path).into_owned();
            let kind = match typeflag {
                b'0' | 0 | b'7' if path.ends_with('/') => Kind::Directory,
                b'0' | 0 | b'7' => Kind::Regular,
                b'1' => Kind::HardLink,
                b'2' => Kind::Symlink,
                b'3' | b'4' | b'6' => Kind::Special,
                b'5' => Kind::Directory,
                b'S' => Kind::Sparse,
                _ => Kind::Other,
            };
            // Only regular files, sparse files and unknown types carry data; a size on a link,
            // directory or device header is ignored, as GNU tar does.
            let data_size = match kind {
                Kind::Regular | Kind::Sparse | Kind::Other => size,
                _ => 0,
            };
            self.current = path.clone();
            self.remaining = data_size;
            self.padding = data_size.div_ceil(512) * 512 - data_size;
            return Ok(Some(Entry {
                path,
                link: String::from_utf8_lossy(&link).into_owned(),
                kind,
                mode,
                size: data_size,
                data_offset: self.pos,
            }));
        }
    }
}

fn trim_nul(b: &[u8]) -> &[u8] {
    match b.iter().position(|&c| c == 0) {
        Some(i) => &b[..i],
        None => b,
    }
}

fn verify_checksum(block: &[u8; 512]) -> Result<(), String> {
    let stored = parse_number(&block[148..156]).map_err(|e| format!("checksum field: {e}"))?;
    let mut unsigned: u64 = 0;
    let mut signed: i64 = 0;
    for (i, &b) in block.iter().enumerate() {
        let b = if (148..156).contains(&i) { b' ' } else { b };
        unsigned += b as u64;
        signed += (b as i8) as i64;
    }
    if stored == unsigned || stored as i64 == signed {
        Ok(())
    } else {
        Err(format!("checksum {stored} does not match {unsigned}"))
    }
}

/// Parses an octal (or GNU base-256) numeric header field.
fn parse_number(field: &[u8]) -> Result<u64, String> {
    if let Some(&first) = field.first() {
        if first & 0x80 != 0 {
            if first == 0xff {
                return Err("negative base-256 number".into());
            }
            let mut v: u64 = (first & 0x7f) as u64;
            for &b in &field[1..] {
                v = v
                    .checked_mul(256)
                    .and_then(|v| v.checked_add(b as u64))
                    .ok_or("base-256 number overflows")?;
            }
            return Ok(v);
        }
    }
    let s = trim_nul(field);
    let s = std::str::from_utf8(s).map_err(|_| "not ASCII".to_string())?;
    let s = s.trim_matches(|c: char| c == ' ' || c == '\0');
    if s.is_empty() {
        return Ok(0);
    }
    u64::from_str_radix(s, 8).map_err(|_| format!("'{}' is not an octal number", s.escape_debug()))
}

/// Splits PAX extended-header records ("LEN key=value\n").
fn pax_records(mut data: &[u8]) -> Vec<(&[u8], &[u8])> {
    let mut out = Vec::new();
    while !data.is_empty() {
        let Some(sp) = data.iter().position(|&b| b == b' ') else {
            break;
        };
        let Some(len) = std::str::from_utf8(&data[..sp])
            .ok()
            .and_then(|s| s.parse::<usize>().ok())
        else {
            break;
        };
        if len <= sp + 1 || len > data.len() {
            break;
        }
        let rec = &data[sp + 1..len];
        let rec = rec.strip_suffix(b"\n").unwrap_or(rec);
        if let Some(eq) = rec.iter().position(|&b| b == b'=') {
            out.push((&rec[..eq], &rec[eq + 1..]));
        }
        data = &data[len..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(parse_number(b"0000644\0").unwrap(), 0o644);
        assert_eq!(parse_number(b"     12 ").unwrap(), 10);
        assert_eq!(parse_number(&[0x80, 0, 0, 0, 0, 0, 1, 0]).unwrap(), 256);
        assert!(parse_number(&[0xff; 12]).is_err());
        assert!(parse_number(&[
            0x80, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff
        ])
        .is_err());
        assert!(parse_number(b"12x4").is_err());
    }

    #[test]
    fn pax() {
        let recs = pax_records(b"16 path=a/b/c.t\n11 size=42\n");
        assert_eq!(
            recs,
            vec![(&b"path"[..], &b"a/b/c.t"[..]), (&b"size"[..], &b"42"[..])]
        );
        // A bogus length stops parsing instead of panicking.
        assert!(pax_records(b"999 path=x\n").is_empty());
        assert!(pax_records(b"2 x").is_empty());
    }
}
