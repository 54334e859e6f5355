//! java packages.
