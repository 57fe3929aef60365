//! End-to-end tests of the real `poco` binary.

#![allow(unreachable_pub, missing_docs)]

mod chain;
