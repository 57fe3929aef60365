//! Shared fixture for protocol tests: a deployed protocol on an in-process poco chain, funded parties, assets, signed orders, and helpers to drive tasks.
