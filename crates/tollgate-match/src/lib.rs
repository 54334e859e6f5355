//! Matching an inventory against the advisory DB.
