//! Language-ecosystem analyzers: lockfiles, installed-package metadata, binaries, archives.
//! Each module is one ecosystem; each analyzer returns [`crate::Application`]s.

pub mod dotnet;
pub mod golang;
pub mod java;
pub mod node;
pub mod php;
pub mod python;
pub mod ruby;
pub mod rust;
