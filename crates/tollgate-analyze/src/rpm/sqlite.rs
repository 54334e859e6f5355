//! rpm's sqlite backend (`rpmdb.sqlite`, rpm >= 4.16): table `Packages(hnum, blob)`.
//! The file is opened in memory, read-only; nothing touches the disk.

use std::io::Read;

use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags};

use super::RpmError;

const MAGIC: &[u8; 16] = b"SQLite format 3\0";

/// Whether `content` starts with the sqlite file magic.
pub(crate) fn looks_like(content: &[u8]) -> bool {
    content.starts_with(MAGIC)
}

fn sql_err(e: rusqlite::Error) -> RpmError {
    RpmError::new(format!("sqlite: {e}"))
}

/// Hands every row's blob of `Packages` to `each`, in `hnum` order.
pub(crate) fn for_each_blob(
    content: &[u8],
    each: &mut super::EachBlob<'_>,
) -> Result<(), RpmError> {
    if content.len() < 100 || !looks_like(content) {
        return Err(RpmError::new(
            "not a sqlite database (bad magic or shorter than its header)",
        ));
    }
    // rpm leaves its databases in WAL mode (header bytes 18/19 = 2). An in-memory copy
    // cannot use a WAL, and the -wal file is not ours to read anyway, so present the
    // copy as a rollback-journal database.
    let mut head = [0u8; 100];
    head.copy_from_slice(&content[..100]);
    for b in &mut head[18..20] {
        if *b == 2 {
            *b = 1;
        }
    }
    let mut conn = Connection::open_with_flags(
        ":memory:",
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(sql_err)?;
    conn.deserialize_read_exact(
        rusqlite::MAIN_DB,
        (&head[..]).chain(&content[100..]),
        content.len(),
        true,
    )
    .map_err(sql_err)?;
    let mut stmt = conn
        .prepare("SELECT blob FROM Packages ORDER BY hnum")
        .map_err(sql_err)?;
    let mut rows = stmt.query([]).map_err(sql_err)?;
    while let Some(row) = rows.next().map_err(sql_err)? {
        match row.get_ref(0).map_err(sql_err)? {
            ValueRef::Blob(b) => each(Ok(b)),
            other => each(Err(format!(
                "Packages row holds a {:?}, not a blob",
                other.data_type()
            ))),
        }
    }
    Ok(())
}
