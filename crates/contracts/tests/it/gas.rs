//! Gas report of the protocol's operations.
