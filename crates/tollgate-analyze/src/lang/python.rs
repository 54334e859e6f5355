//! python packages.
