//! rpm header blobs as the package databases store them: no lead and no header magic,
//! just the index-entry count, the data length, the index entries and the data store,
//! all big-endian whatever the host.

use std::collections::HashMap;

use super::RpmError;

/// Tags this crate reads (values from rpm's `rpmtag.h`).
pub(crate) mod tag {
    /// Region tags 61..=64 (image, signatures, immutable, regions) mark header regions.
    pub const HEADER_IMAGE: u32 = 61;
    pub const HEADER_REGIONS: u32 = 64;
    pub const SIGMD5: u32 = 261;
    pub const NAME: u32 = 1000;
    pub const VERSION: u32 = 1001;
    pub const RELEASE: u32 = 1002;
    pub const EPOCH: u32 = 1003;
    pub const VENDOR: u32 = 1011;
    pub const LICENSE: u32 = 1014;
    pub const ARCH: u32 = 1022;
    pub const OLDFILENAMES: u32 = 1027;
    pub const SOURCERPM: u32 = 1044;
    pub const PROVIDENAME: u32 = 1047;
    pub const REQUIRENAME: u32 = 1049;
    pub const DIRINDEXES: u32 = 1116;
    pub const BASENAMES: u32 = 1117;
    pub const DIRNAMES: u32 = 1118;
    pub const MODULARITYLABEL: u32 = 5096;
}

const TYPE_CHAR: u32 = 1;
const TYPE_INT8: u32 = 2;
const TYPE_INT16: u32 = 3;
const TYPE_INT32: u32 = 4;
const TYPE_INT64: u32 = 5;
const TYPE_STRING: u32 = 6;
const TYPE_BIN: u32 = 7;
const TYPE_STRING_ARRAY: u32 = 8;
const TYPE_I18NSTRING: u32 = 9;

/// rpm's own ceilings (`hdrblob` checks): 64 Ki index entries, 256 MiB of data.
const MAX_INDEX_ENTRIES: usize = 0xffff;
const MAX_DATA_LEN: usize = 256 * 1024 * 1024;

#[derive(Debug, Clone, Copy)]
struct Entry {
    tag: u32,
    typ: u32,
    offset: usize,
    count: usize,
}

/// A parsed header: index entries checked against the data store, values read lazily.
pub(crate) struct Header<'a> {
    entries: HashMap<u32, Entry>,
    data: &'a [u8],
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at.checked_add(4)?)?;
    Some(u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
}

impl<'a> Header<'a> {
    /// Parses a header blob; every entry's offset and size is checked here so that
    /// reading a value later cannot go out of bounds.
    pub(crate) fn parse(blob: &'a [u8]) -> Result<Self, RpmError> {
        let il = be32(blob, 0).ok_or_else(|| RpmError::new("header blob shorter than 8 bytes"))?
            as usize;
        let dl = be32(blob, 4).ok_or_else(|| RpmError::new("header blob shorter than 8 bytes"))?
            as usize;
        if il == 0 || il > MAX_INDEX_ENTRIES {
            return Err(RpmError::new(format!(
                "header has {il} index entries (expected 1..=65535)"
            )));
        }
        if dl > MAX_DATA_LEN {
            return Err(RpmError::new(format!(
                "header data store of {dl} bytes is too large"
            )));
        }
        let data_start = 8 + il * 16;
        let end = data_start + dl;
        if end > blob.len() {
            return Err(RpmError::new(format!(
                "header claims {il} entries and {dl} data bytes but the blob has only {} bytes",
                blob.len()
            )));
        }
        let data = &blob[data_start..end];
        let mut entries: HashMap<u32, Entry> = HashMap::with_capacity(il.min(256));
        for i in 0..il {
            let at = 8 + i * 16;
            let tag = be32(blob, at).unwrap_or(0);
            let typ = be32(blob, at + 4).unwrap_or(0);
            let offset = be32(blob, at + 8).unwrap_or(0);
            let count = be32(blob, at + 12).unwrap_or(0);
            // Region tags describe the signed/immutable part of the header; their trailer
            // is not a value this crate needs.
            if (tag::HEADER_IMAGE..=tag::HEADER_REGIONS).contains(&tag) {
                continue;
            }
            let offset = offset as usize;
            let count = count as usize;
            let e = Entry {
                tag,
                typ,
                offset,
                count,
            };
            check_entry(&e, data)?;
            // Entries after the immutable region ("dribble") replace same-tag entries in it,
            // as rpm's headerImport does: the last one wins.
            entries.insert(tag, e);
        }
        Ok(Self { entries, data })
    }

    fn entry(&self, tag: u32) -> Option<&Entry> {
        self.entries.get(&tag)
    }

    /// The first string of a STRING, STRING_ARRAY or I18NSTRING entry.
    pub(crate) fn string(&self, tag: u32) -> Option<String> {
        let e = self.entry(tag)?;
        match e.typ {
            TYPE_STRING | TYPE_STRING_ARRAY | TYPE_I18NSTRING => {
                let s = &self.data[e.offset..];
                let n = s.iter().position(|&c| c == 0)?;
                Some(String::from_utf8_lossy(&s[..n]).into_owned())
            }
            _ => None,
        }
    }

    /// All strings of a STRING_ARRAY (or a one-element list for STRING).
    pub(crate) fn strings(&self, tag: u32) -> Vec<String> {
        let Some(e) = self.entry(tag) else {
            return Vec::new();
        };
        match e.typ {
            TYPE_STRING => self.string(tag).into_iter().collect(),
            TYPE_STRING_ARRAY | TYPE_I18NSTRING => {
                let mut rest = &self.data[e.offset..];
                let mut out = Vec::new();
                // A string without its NUL ends the list early; callers check lengths.
                while out.len() < e.count {
                    let Some(n) = rest.iter().position(|&c| c == 0) else {
                        break;
                    };
                    out.push(String::from_utf8_lossy(&rest[..n]).into_owned());
                    rest = &rest[n + 1..];
                }
                out
            }
            _ => Vec::new(),
        }
    }

    /// The values of an INT32 entry.
    pub(crate) fn int32s(&self, tag: u32) -> Vec<u32> {
        match self.entry(tag) {
            Some(e) if e.typ == TYPE_INT32 => (0..e.count)
                .filter_map(|i| be32(self.data, e.offset + i * 4))
                .collect(),
            _ => Vec::new(),
        }
    }

    /// The bytes of a BIN entry.
    pub(crate) fn bin(&self, tag: u32) -> Option<&'a [u8]> {
        let e = self.entry(tag)?;
        (e.typ == TYPE_BIN).then(|| &self.data[e.offset..e.offset + e.count])
    }
}

/// Checks that the entry's value lies inside the data store (strings NUL-terminated).
fn check_entry(e: &Entry, data: &[u8]) -> Result<(), RpmError> {
    let bad = |why: &str| {
        Err(RpmError::new(format!(
            "header entry for tag {} (type {}, offset {}, count {}) {why}",
            e.tag, e.typ, e.offset, e.count
        )))
    };
    if e.offset > data.len() {
        return bad("points past the data store");
    }
    let rest = &data[e.offset..];
    let width = match e.typ {
        0 => return Ok(()),
        TYPE_CHAR | TYPE_INT8 | TYPE_BIN => 1,
        TYPE_INT16 => 2,
        TYPE_INT32 => 4,
        TYPE_INT64 => 8,
        // Strings are NUL-checked when read, so tags nobody reads (change logs, file
        // digests) cost nothing; each string takes at least its NUL, which bounds the count.
        TYPE_STRING | TYPE_STRING_ARRAY | TYPE_I18NSTRING => {
            if e.count == 0 || e.count > rest.len() {
                return bad("has a string count the data store cannot hold");
            }
            return Ok(());
        }
        _ => return bad("has an unknown type"),
    };
    match e.count.checked_mul(width) {
        Some(n) if n <= rest.len() => Ok(()),
        _ => bad("runs past the data store"),
    }
}
