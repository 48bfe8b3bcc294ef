//! Integration tests of the deployer: one binary, one module per feature.
