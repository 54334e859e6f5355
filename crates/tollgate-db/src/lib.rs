//! The advisory DB: importers for open advisory feeds and the immutable on-disk file
//! that scans read without locks.

pub mod model;
pub use model::*;
