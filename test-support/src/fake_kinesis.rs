//! Fault-injecting Kinesis stand-in (being written).
