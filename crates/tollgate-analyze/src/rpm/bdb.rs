//! BerkeleyDB hash databases (the `Packages` file of rpm before 4.16), read page by page
//! without libdb: every value of every hash page is one header blob, stored inline or,
//! almost always, in a chain of overflow pages.

use super::RpmError;

const HASH_MAGIC: u32 = 0x0006_1561;
/// A btree DB (some tools convert to it); named in the error so a person knows why.
const BTREE_MAGIC: u32 = 0x0005_3162;

const P_HASH_UNSORTED: u8 = 2;
const P_OVERFLOW: u8 = 7;
const P_HASHMETA: u8 = 8;
const P_HASH: u8 = 13;

const H_KEYDATA: u8 = 1;
const H_DUPLICATE: u8 = 2;
const H_OFFPAGE: u8 = 3;
const H_OFFDUP: u8 = 4;

/// Size of the generic page header (`PAGE` in db_page.h).
const PAGE_HEADER: usize = 26;

/// Whether `content` starts like a BerkeleyDB hash or btree database, in either byte order.
pub(crate) fn looks_like(content: &[u8]) -> bool {
    let Some(m) = content.get(12..16) else {
        return false;
    };
    let le = u32::from_le_bytes([m[0], m[1], m[2], m[3]]);
    let be = u32::from_be_bytes([m[0], m[1], m[2], m[3]]);
    [HASH_MAGIC, BTREE_MAGIC].contains(&le) || [HASH_MAGIC, BTREE_MAGIC].contains(&be)
}

struct Db<'a> {
    content: &'a [u8],
    big_endian: bool,
    page_size: usize,
    pages: usize,
}

impl<'a> Db<'a> {
    fn u16_at(&self, b: &[u8], at: usize) -> Option<u16> {
        let s = b.get(at..at + 2)?;
        let v = [s[0], s[1]];
        Some(if self.big_endian {
            u16::from_be_bytes(v)
        } else {
            u16::from_le_bytes(v)
        })
    }

    fn u32_at(&self, b: &[u8], at: usize) -> Option<u32> {
        let s = b.get(at..at + 4)?;
        let v = [s[0], s[1], s[2], s[3]];
        Some(if self.big_endian {
            u32::from_be_bytes(v)
        } else {
            u32::from_le_bytes(v)
        })
    }

    fn page(&self, pgno: usize) -> Option<&'a [u8]> {
        if pgno >= self.pages {
            return None;
        }
        self.content
            .get(pgno * self.page_size..(pgno + 1) * self.page_size)
    }

    /// Follows an overflow chain from `pgno`, collecting `total` bytes. Each overflow page
    /// belongs to one item, so a page seen twice (a loop, or two items sharing a chain) is
    /// an error; this also bounds the total work by the number of pages.
    fn overflow(
        &self,
        used: &mut [bool],
        mut pgno: usize,
        total: usize,
    ) -> Result<Vec<u8>, String> {
        if total > self.content.len() {
            return Err(format!(
                "overflow item claims {total} bytes, more than the whole file"
            ));
        }
        let mut out = Vec::with_capacity(total);
        while pgno != 0 {
            match used.get_mut(pgno) {
                Some(seen) if *seen => {
                    return Err(format!("overflow chain loops or shares page {pgno}"));
                }
                Some(seen) => *seen = true,
                None => {}
            }
            let page = self.page(pgno).ok_or_else(|| {
                format!("overflow chain points to page {pgno}, past the end of the file")
            })?;
            if page[25] != P_OVERFLOW {
                return Err(format!(
                    "overflow chain reaches page {pgno} of type {}",
                    page[25]
                ));
            }
            // On overflow pages the "free offset" field holds the number of bytes stored.
            let len = self.u16_at(page, 22).unwrap_or(0) as usize;
            let chunk = page.get(PAGE_HEADER..PAGE_HEADER + len).ok_or_else(|| {
                format!("overflow page {pgno} claims {len} bytes, more than a page")
            })?;
            if out.len() + chunk.len() > total {
                return Err(format!(
                    "overflow chain holds more than the {total} bytes its item says"
                ));
            }
            out.extend_from_slice(chunk);
            pgno = self.u32_at(page, 16).unwrap_or(0) as usize;
        }
        if out.len() != total {
            return Err(format!(
                "overflow chain ends after {} of {total} bytes",
                out.len()
            ));
        }
        Ok(out)
    }
}

/// Hands every value of the hash database to `each`, in page order. Structural damage
/// (bad metadata, truncation) is an error; one unreadable value is passed on as `Err`.
pub(crate) fn for_each_value(
    content: &[u8],
    each: &mut super::EachBlob<'_>,
) -> Result<(), RpmError> {
    if content.len() < 512 {
        return Err(RpmError::new(format!(
            "BerkeleyDB file of {} bytes is too short for a metadata page",
            content.len()
        )));
    }
    let m = &content[12..16];
    let le = u32::from_le_bytes([m[0], m[1], m[2], m[3]]);
    let be = u32::from_be_bytes([m[0], m[1], m[2], m[3]]);
    let big_endian = if le == HASH_MAGIC {
        false
    } else if be == HASH_MAGIC {
        true
    } else if le == BTREE_MAGIC || be == BTREE_MAGIC {
        return Err(RpmError::new(
            "BerkeleyDB btree database; rpm's Packages database is a hash database",
        ));
    } else {
        return Err(RpmError::new("not a BerkeleyDB hash database (bad magic)"));
    };
    let mut db = Db {
        content,
        big_endian,
        page_size: 0,
        pages: 0,
    };
    let page_size = db.u32_at(content, 20).unwrap_or(0) as usize;
    if !(512..=65536).contains(&page_size) || !page_size.is_power_of_two() {
        return Err(RpmError::new(format!(
            "BerkeleyDB page size {page_size} is invalid"
        )));
    }
    if content[24] != 0 {
        return Err(RpmError::new("BerkeleyDB database is encrypted"));
    }
    if content[25] != P_HASHMETA {
        return Err(RpmError::new(format!(
            "BerkeleyDB metadata page has type {} (expected hash metadata)",
            content[25]
        )));
    }
    let last_pgno = db.u32_at(content, 32).unwrap_or(0) as usize;
    let pages_in_file = content.len() / page_size;
    if last_pgno >= pages_in_file {
        return Err(RpmError::new(format!(
            "BerkeleyDB file is truncated: its metadata says {} pages of {page_size} bytes, the file holds {pages_in_file}",
            last_pgno + 1
        )));
    }
    db.page_size = page_size;
    db.pages = last_pgno + 1;

    let mut used = vec![false; db.pages];
    for pgno in 1..db.pages {
        let Some(page) = db.page(pgno) else { break };
        if page[25] != P_HASH && page[25] != P_HASH_UNSORTED {
            continue;
        }
        let entries = db.u16_at(page, 20).unwrap_or(0) as usize;
        let Some(index) = page.get(PAGE_HEADER..PAGE_HEADER + entries * 2) else {
            each(Err(format!(
                "hash page {pgno} claims {entries} entries, more than fit"
            )));
            continue;
        };
        let offset = |i: usize| db.u16_at(index, i * 2).unwrap_or(0) as usize;
        // Items are packed from the end of the page down: item i ends where item i-1 starts.
        let item = |i: usize| -> Option<&[u8]> {
            let start = offset(i);
            let end = if i == 0 { page_size } else { offset(i - 1) };
            if start < PAGE_HEADER + entries * 2 || start >= end || end > page_size {
                return None;
            }
            Some(&page[start..end])
        };
        // Keys and values alternate; only values (odd indexes) hold headers.
        for i in (1..entries).step_by(2) {
            let Some(value) = item(i) else {
                each(Err(format!(
                    "hash page {pgno} entry {i} has an invalid offset"
                )));
                continue;
            };
            match value[0] {
                H_OFFPAGE => {
                    let (Some(next), Some(total)) = (db.u32_at(value, 4), db.u32_at(value, 8))
                    else {
                        each(Err(format!(
                            "hash page {pgno} entry {i} is a short off-page item"
                        )));
                        continue;
                    };
                    match db.overflow(&mut used, next as usize, total as usize) {
                        Ok(blob) => each(Ok(&blob)),
                        Err(e) => each(Err(format!("hash page {pgno} entry {i}: {e}"))),
                    }
                }
                H_KEYDATA => {
                    // rpm keeps its next-instance counter under key 0; it is not a header.
                    let key_is_zero = item(i - 1)
                        .is_some_and(|k| k[0] == H_KEYDATA && k[1..].iter().all(|&b| b == 0));
                    if !key_is_zero {
                        each(Ok(&value[1..]));
                    }
                }
                H_DUPLICATE | H_OFFDUP => {
                    each(Err(format!(
                        "hash page {pgno} entry {i} is a duplicate set, which rpm never writes"
                    )));
                }
                t => each(Err(format!(
                    "hash page {pgno} entry {i} has unknown item type {t}"
                ))),
            }
        }
    }
    Ok(())
}
