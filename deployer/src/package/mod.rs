//! Layer packaging.
