//! The scan pipeline.
