//! Version orders of package ecosystems.
