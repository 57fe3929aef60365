//! Typed bindings of every contract in `contracts/out`, generated at compile time by alloy's
//! `sol!` from the committed JSON artifacts (ABI + creation code), so building needs no Node or
//! solc. Editing an artifact rebuilds this crate (`sol!` tracks the files it reads).
//!
//! Each `sol!` invocation lives in its own module because the generator also emits the
//! Solidity libraries an ABI's structs come from (`PocoTypes`, `IDiamondCut`, ...), and two
//! invocations emitting the same library in one module would clash.
//!
//! What `sol!` makes of the artifacts, and how it is handled:
//! - overloaded functions get numbered Rust names in ABI order: the registries'
//!   `safeTransferFrom(address,address,uint256)` is `safeTransferFrom_0` and
//!   `safeTransferFrom(address,address,uint256,bytes)` is `safeTransferFrom_1`;
//! - exact duplicates (an event or error declared both by a facet and a library it uses) are
//!   merged by `sol!` before generation;
//! - Solidity enums in structs (`FacetCutAction`, the status enums) are plain `u8`s;
//! - `PocoHub.json` is the merged ABI of the Diamond and its facets with no code (`"0x"`):
//!   `PocoHub::BYTECODE` is empty and its generated `deploy` must not be used; deploy the hub
//!   with [`crate::deploy()`].

pub mod diamond;
pub mod hub;
pub mod registries;
pub mod token;
