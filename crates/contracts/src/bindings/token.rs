//! RLC, the protocol's ERC-20 (9 decimals): our own deployment of it on dev chains ("iExec RLC
//! Token"/"RLC", owner `mint`, `approveAndCall`), typed from `contracts/out/RLC.json`.

#![allow(missing_docs)]

alloy::sol!(
    #[sol(rpc)]
    RLC,
    "../../contracts/out/RLC.json"
);
