//! Helpers shared by the tests: in-process poco chains, providers signing for the dev accounts.

use poco_chain::{ChainConfig, Node};
use poco_contracts::alloy::{
    network::EthereumWallet,
    primitives::Address,
    providers::{DynProvider, Provider, ProviderBuilder},
    signers::local::PrivateKeySigner,
};

/// The public test mnemonic's keys (the same on poco chain, Hardhat and anvil).
pub fn dev_signers() -> Vec<PrivateKeySigner> {
    poco_chain::accounts::derive(poco_chain::accounts::DEFAULT_MNEMONIC, 10)
        .expect("the test mnemonic derives")
}

/// The dev accounts' addresses.
pub fn dev_addresses() -> Vec<Address> {
    dev_signers()
        .iter()
        .map(PrivateKeySigner::address)
        .collect()
}

/// A fresh in-process poco chain.
pub async fn poco_node() -> Node {
    poco_node_with(ChainConfig::test()).await
}

/// An in-process poco chain with `config`.
pub async fn poco_node_with(config: ChainConfig) -> Node {
    Node::start(config).await.expect("poco chain starts")
}

/// A provider at `url` that signs for every dev account (pick one with `.from(...)`).
pub fn wallet_provider(url: &str) -> DynProvider {
    let mut signers = dev_signers().into_iter();
    let mut wallet = EthereumWallet::new(signers.next().expect("ten dev accounts"));
    for signer in signers {
        wallet.register_signer(signer);
    }
    // The nonce is asked of the chain for every transaction: alloy's default cached nonces
    // count a transaction that failed gas estimation (never sent), and tests that check a
    // revert, or revert to a snapshot, would then send nonces the chain waits on forever.
    ProviderBuilder::default()
        .with_gas_estimation()
        .with_simple_nonce_management()
        .fetch_chain_id()
        .wallet(wallet)
        .connect_http(url.parse().expect("node URL parses"))
        .erased()
}

/// A read-only provider at `url`.
pub fn reader(url: &str) -> DynProvider {
    ProviderBuilder::new()
        .connect_http(url.parse().expect("node URL parses"))
        .erased()
}

/// A port nothing listens on (bound, then released).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free local port")
        .port()
}
