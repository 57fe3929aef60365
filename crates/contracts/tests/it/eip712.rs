//! EIP-712: order hashes computed in Rust equal the contract's, and orders signed through the chain's eth_signTypedData_v4 verify on-chain.
