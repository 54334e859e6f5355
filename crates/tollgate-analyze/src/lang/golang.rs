//! golang packages.
