//! php packages.
