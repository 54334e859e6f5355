//! node packages.
