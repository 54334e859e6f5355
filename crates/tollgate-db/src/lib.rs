//! The advisory DB: importers for open advisory feeds and the immutable on-disk file
//! that scans read without locks.
//!
//! `import::import(kind, path)` turns a feed into an [`ImportBatch`]; `store::build` writes the
//! batches into `DB_DIR/tollgate.db`; `store::Db::open` reads it; `distribute` pushes and pulls it as an OCI artifact.

pub mod cvss;
pub mod distribute;
pub mod import;
pub mod model;
pub mod store;

pub use import::{import, ImportError, SourceKind};
pub use model::*;
pub use store::{build, BuildSummary, Db, DbError, DbMetadata, SCHEMA_VERSION};

/// A package name as a namespace keys it: PEP 503 for `pip` (lower case, runs of `-_.` -> `-`),
/// lower case for `cargo`, `nuget`, `packagist`, `hex`, `pub`; as-is elsewhere (Go module
/// paths, Debian source packages, Alpine origins, Maven `group:artifact`, npm).
pub fn normalise_package(namespace: &str, name: &str) -> String {
    match namespace {
        "pip" => {
            let mut out = String::with_capacity(name.len());
            let mut last_sep = false;
            for c in name.trim().chars() {
                if c == '-' || c == '_' || c == '.' {
                    if !last_sep {
                        out.push('-');
                    }
                    last_sep = true;
                } else {
                    out.extend(c.to_lowercase());
                    last_sep = false;
                }
            }
            out
        }
        "cargo" | "nuget" | "packagist" | "hex" | "pub" => name.trim().to_lowercase(),
        _ => name.trim().to_string(),
    }
}
