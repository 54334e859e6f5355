//! rpm's own "ndb" package database (`Packages.db`, SUSE): slot pages at the start of the
//! file, each slot pointing at a blob of 16-byte blocks holding one header. Little-endian.

use super::RpmError;

const HEADER_MAGIC: &[u8; 4] = b"RpmP";
const SLOT_MAGIC: &[u8; 4] = b"Slot";
const BLOB_MAGIC: &[u8; 4] = b"BlbS";
const BLOB_TAIL_MAGIC: &[u8; 4] = b"BlbE";
const PAGE_SIZE: usize = 4096;
const SLOT_SIZE: usize = 16;
/// The 32-byte file header takes the room of the first two slots.
const FIRST_SLOT: usize = 2;
const BLOCK_SIZE: usize = 16;
const BLOB_HEAD: usize = 16;
const BLOB_TAIL: usize = 12;

/// Whether `content` starts with the ndb file magic.
pub(crate) fn looks_like(content: &[u8]) -> bool {
    content.starts_with(HEADER_MAGIC)
}

fn le32(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}

/// Hands every used slot's blob to `each`, in slot order.
pub(crate) fn for_each_blob(
    content: &[u8],
    each: &mut super::EachBlob<'_>,
) -> Result<(), RpmError> {
    if content.len() < PAGE_SIZE {
        return Err(RpmError::new(format!(
            "ndb file of {} bytes is shorter than one slot page",
            content.len()
        )));
    }
    if !looks_like(content) {
        return Err(RpmError::new("not an ndb package database (bad magic)"));
    }
    let version = le32(content, 4).unwrap_or(u32::MAX);
    if version != 0 {
        return Err(RpmError::new(format!(
            "ndb database version {version} is not supported"
        )));
    }
    let slot_pages = le32(content, 12).unwrap_or(0) as usize;
    if slot_pages == 0 || slot_pages.saturating_mul(PAGE_SIZE) > content.len() {
        return Err(RpmError::new(format!(
            "ndb header says {slot_pages} slot pages but the file holds {} bytes (truncated or corrupt)",
            content.len()
        )));
    }
    let slots = slot_pages * PAGE_SIZE / SLOT_SIZE;
    // (slot, package index, first block, block count) of every used slot.
    let mut used = Vec::new();
    for i in FIRST_SLOT..slots {
        let slot = &content[i * SLOT_SIZE..(i + 1) * SLOT_SIZE];
        if &slot[..4] != SLOT_MAGIC {
            each(Err(format!("slot {i} has a bad magic")));
            continue;
        }
        let pkg = le32(slot, 4).unwrap_or(0);
        if pkg == 0 {
            continue; // free slot
        }
        let blk_off = le32(slot, 8).unwrap_or(0) as usize;
        let blk_cnt = le32(slot, 12).unwrap_or(0) as usize;
        used.push((i, pkg, blk_off, blk_cnt));
    }
    // Blobs never overlap in a sound file; refusing overlaps keeps the bytes parsed no
    // larger than the file, however many slots point at the same place.
    let mut by_offset: Vec<usize> = (0..used.len()).collect();
    by_offset.sort_by_key(|&k| used[k].2);
    let mut overlaps = vec![false; used.len()];
    let mut end = 0usize;
    for k in by_offset {
        let (_, _, off, cnt) = used[k];
        if off < end {
            overlaps[k] = true;
        } else {
            end = off.saturating_add(cnt.max(1));
        }
    }
    for (k, &(_, pkg, blk_off, blk_cnt)) in used.iter().enumerate() {
        let res = if overlaps[k] {
            Err("blob overlaps another package's blob".to_string())
        } else {
            blob(content, pkg, blk_off, blk_cnt)
        };
        each(res.map_err(|e| format!("package {pkg}: {e}")));
    }
    Ok(())
}

fn blob(content: &[u8], pkg: u32, blk_off: usize, blk_cnt: usize) -> Result<&[u8], String> {
    let start = blk_off
        .checked_mul(BLOCK_SIZE)
        .ok_or("blob offset overflows")?;
    let len = blk_cnt
        .checked_mul(BLOCK_SIZE)
        .ok_or("blob size overflows")?;
    let end = start.checked_add(len).ok_or("blob end overflows")?;
    if start < PAGE_SIZE || len < BLOB_HEAD + BLOB_TAIL {
        return Err(format!(
            "slot points at an invalid blob ({blk_cnt} blocks at block {blk_off})"
        ));
    }
    let area = content.get(start..end).ok_or_else(|| {
        format!("blob at byte {start} runs past the end of the file (truncated?)")
    })?;
    if &area[..4] != BLOB_MAGIC {
        return Err("blob has a bad magic".into());
    }
    if le32(area, 4) != Some(pkg) {
        return Err("blob belongs to another package index".into());
    }
    let data_len = le32(area, 12).unwrap_or(u32::MAX) as usize;
    if data_len > len - BLOB_HEAD - BLOB_TAIL {
        return Err(format!(
            "blob claims {data_len} bytes in {len} bytes of blocks"
        ));
    }
    if &area[len - 4..] != BLOB_TAIL_MAGIC {
        return Err("blob has a bad tail magic".into());
    }
    Ok(&area[BLOB_HEAD..BLOB_HEAD + data_len])
}
