//! A connection to one chain's Poco deployment: the provider, the optional wallet that signs,
//! and the hub. Connecting checks what a misconfiguration would otherwise turn into a cryptic
//! failure later: the node answers, it serves the configured chain id, and there is a contract
//! at the hub address.

use crate::{
    chains::ChainConf,
    error::{ClientError, Result},
};
use poco_contracts::{
    PocoHub,
    alloy::{
        network::EthereumWallet,
        primitives::{Address, U256},
        providers::{DynProvider, Provider, ProviderBuilder},
        signers::local::PrivateKeySigner,
        sol_types::Eip712Domain,
    },
};
use std::time::Duration;

/// How long the first contact with the node may take before the chain counts as down.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// One chain's Poco deployment, seen by one wallet (or read-only, without one).
#[derive(Clone, Debug)]
pub struct Client {
    chain: ChainConf,
    chain_id: u64,
    provider: DynProvider,
    signer: Option<PrivateKeySigner>,
    hub: Address,
    pub(crate) receipt_timeout: Duration,
}

impl Client {
    /// Connects to `chain` and checks it: the node answers, with chain.json's id, and there is
    /// code at the hub address. With a `signer`, transactions are signed by it.
    pub async fn connect(chain: ChainConf, signer: Option<PrivateKeySigner>) -> Result<Self> {
        let url = chain.host.parse().map_err(|e| {
            ClientError::InvalidInput(format!(
                "chain `{}` has host `{}`, which is not a URL ({e}): fix it in chain.json",
                chain.name, chain.host
            ))
        })?;
        let builder = ProviderBuilder::default()
            .with_gas_estimation()
            // Ask the node for the nonce every time: a cached nonce counts transactions that
            // failed before being sent, and the next one would then wait forever.
            .with_simple_nonce_management()
            .fetch_chain_id();
        let provider = match &signer {
            Some(signer) => builder
                .wallet(EthereumWallet::new(signer.clone()))
                .connect_http(url)
                .erased(),
            None => builder.connect_http(url).erased(),
        };
        let unreachable = |cause: String| ClientError::ChainUnreachable {
            chain: chain.name.clone(),
            host: chain.host.clone(),
            cause,
        };
        let actual = tokio::time::timeout(CONNECT_TIMEOUT, provider.get_chain_id())
            .await
            .map_err(|_| unreachable(format!("no answer in {} s", CONNECT_TIMEOUT.as_secs())))?
            .map_err(|e| unreachable(transport_cause(&e.to_string())))?;
        if actual != chain.id {
            return Err(ClientError::WrongChainId {
                chain: chain.name.clone(),
                host: chain.host.clone(),
                expected: chain.id,
                actual,
            });
        }
        let hub = chain
            .hub
            .ok_or_else(|| ClientError::NoHubAddress(chain.name.clone()))?;
        let code = provider
            .get_code_at(hub)
            .await
            .map_err(|e| unreachable(transport_cause(&e.to_string())))?;
        if code.is_empty() {
            return Err(ClientError::NoHub {
                chain: chain.name.clone(),
                hub,
            });
        }
        Ok(Self {
            chain,
            chain_id: actual,
            provider,
            signer,
            hub,
            receipt_timeout: Duration::from_secs(120),
        })
    }

    /// Waits at most `timeout` for a sent transaction to be mined (default 120 s).
    pub fn with_receipt_timeout(mut self, timeout: Duration) -> Self {
        self.receipt_timeout = timeout;
        self
    }

    /// The chain, as configured.
    pub fn chain(&self) -> &ChainConf {
        &self.chain
    }

    /// The chain id, as the node reported it.
    pub fn chain_id(&self) -> u64 {
        self.chain_id
    }

    /// The provider (signing with the wallet, when there is one).
    pub fn provider(&self) -> &DynProvider {
        &self.provider
    }

    /// The hub's address.
    pub fn hub_address(&self) -> Address {
        self.hub
    }

    /// The hub's bindings.
    pub fn hub(&self) -> PocoHub::PocoHubInstance<DynProvider> {
        PocoHub::new(self.hub, self.provider.clone())
    }

    /// The wallet, or [`ClientError::NoSigner`] when connected read-only.
    pub fn signer(&self) -> Result<&PrivateKeySigner> {
        self.signer.as_ref().ok_or_else(|| {
            ClientError::NoSigner(
                "create one with `poco wallet create`, or pass --wallet-file or --wallet-address"
                    .to_owned(),
            )
        })
    }

    /// The wallet's address.
    pub fn address(&self) -> Result<Address> {
        Ok(self.signer()?.address())
    }

    /// The EIP-712 domain orders are signed in on this chain.
    pub fn domain(&self) -> Eip712Domain {
        poco_types::domain(self.chain_id, self.hub)
    }

    /// The RLC token the hub escrows.
    pub async fn rlc_address(&self) -> Result<Address> {
        self.hub()
            .token()
            .call()
            .await
            .map_err(|e| rpc("read the hub's token", e))
    }

    /// `address`'s ETH, in wei.
    pub async fn eth_balance(&self, address: Address) -> Result<U256> {
        self.provider
            .get_balance(address)
            .await
            .map_err(|e| rpc("read an ETH balance", e))
    }
}

/// A failed read, as a [`ClientError::Rpc`] (or the revert it was, explained).
pub(crate) fn rpc(what: &str, error: impl std::fmt::Display) -> ClientError {
    ClientError::Rpc {
        what: what.to_owned(),
        cause: error.to_string(),
    }
}

/// The part of a transport error that says why the connection failed, without reqwest's
/// layers of context.
fn transport_cause(message: &str) -> String {
    let lower = message.to_lowercase();
    if lower.contains("connection refused") || lower.contains("connect error") {
        "connection refused".to_owned()
    } else if lower.contains("dns") || lower.contains("resolve") {
        "the host name does not resolve".to_owned()
    } else {
        message.to_owned()
    }
}
