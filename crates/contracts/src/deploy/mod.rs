//! Deploying the protocol, exactly in contracts/README.md's order, from one admin account:
//!
//! 1. `RLC(initialSupply)`;
//! 2. `AppRegistry`, `DatasetRegistry`, `WorkerpoolRegistry`;
//! 3. the ten facets ([`crate::FACETS`]);
//! 4. `Diamond(cuts, {owner: admin, init: 0, initCalldata: ""})`, one `Add` cut per facet with
//!    every selector of its ABI — the Diamond's address is the hub's;
//! 5. `hub.configure(rlc, "Staked RLC", "SRLC", 9, registries..., 0)`;
//! 6. `hub.createCategory` for each category (poco-types' five defaults);
//! 7. `initialize(0)` on each registry;
//! 8. `rlc.mint` to the accounts of [`DeployOptions::mint`].
//!
//! Every contract's address is predicted from the admin's nonce and checked on its receipt,
//! so a deployment by dev account 0 on a fresh chain always gets [`crate::dev`]'s addresses.
//! Before sending anything, the chain is probed for Cancun's opcodes and the admin's balance
//! checked against the deployment's cost (a half-made deployment is worse than none), and a
//! complete deployment already at the admin's first-deployment address is returned instead
//! ([`DeployOptions::reuse_existing`]).
//!
//! Gas, measured on poco chain (Hardhat charges the same):
//!
//! | step | gas |
//! |---|---|
//! | RLC | 868,012 |
//! | AppRegistry / DatasetRegistry / WorkerpoolRegistry | 2,865,399 / 2,645,881 / 2,577,882 |
//! | the ten facets | 15,464,675 (FinalizeFacet 2,871,605, MatchOrdersFacet 2,592,356, ...) |
//! | Diamond (10 cuts, 88 selectors) | 2,708,451 |
//! | configure | 211,928 |
//! | createCategory (first / next) | 127,855 / 110,743 |
//! | registry initialize | 46,226 each |
//! | mint (first to an account) | 53,135 |
//! | **total without minting** | **28,051,745** |

mod existing;
mod sender;

use crate::{
    bindings::{
        diamond::{Diamond, FACETS, diamond_proxy::IDiamondCut},
        hub::PocoHub,
        registries::{AppRegistry, DatasetRegistry, WorkerpoolRegistry},
        token::RLC,
    },
    deployment::{Deployment, nonce_offset},
    error::{DeployError, Result, Step},
    options::DeployOptions,
};
use alloy::{
    network::{ReceiptResponse, TransactionBuilder},
    primitives::{Address, Bytes, U256},
    providers::{Provider, ProviderBuilder},
    rpc::types::TransactionRequest,
    signers::local::PrivateKeySigner,
    sol_types::{SolCall, SolConstructor},
    transports::{RpcError, TransportError, http::reqwest::Url},
};
use sender::Sender;

/// The SRLC view of the hub, as iExec names it.
const SRLC_NAME: &str = "Staked RLC";
/// The SRLC symbol.
const SRLC_SYMBOL: &str = "SRLC";
/// SRLC has RLC's decimals.
const SRLC_DECIMALS: u8 = 9;

/// The gas of a whole deployment without minting (28.05 M, see the table above), rounded up;
/// only used to refuse early an admin that cannot pay.
pub const DEPLOYMENT_GAS: u64 = 30_000_000;

/// What [`deploy_with_provider`] did.
#[derive(Clone, Debug)]
pub struct DeployReport {
    /// Where the protocol is.
    pub deployment: Deployment,
    /// `true` when an existing deployment was found and returned: nothing was sent.
    pub reused: bool,
    /// Gas used by each transaction, in order (empty when reused).
    pub gas: Vec<(Step, u64)>,
}

/// Deploys the protocol on the chain at `rpc_url` (http or https) with `admin` paying and
/// owning everything; see the [module docs](self) for the sequence.
pub async fn deploy(
    rpc_url: &str,
    admin: PrivateKeySigner,
    options: &DeployOptions,
) -> Result<Deployment> {
    Ok(deploy_report(rpc_url, admin, options).await?.deployment)
}

/// [`deploy`] with the gas used by each step and whether the deployment was reused.
pub async fn deploy_report(
    rpc_url: &str,
    admin: PrivateKeySigner,
    options: &DeployOptions,
) -> Result<DeployReport> {
    let url = rpc_url
        .parse::<Url>()
        .map_err(|e| DeployError::InvalidUrl {
            url: rpc_url.to_owned(),
            reason: e.to_string(),
        })?;
    let address = admin.address();
    let provider = ProviderBuilder::new().wallet(admin).connect_http(url);
    deploy_with_provider(&provider, address, options).await
}

/// Deploys through any provider that can send transactions from `admin`: one with a wallet
/// for `admin`, or a node holding `admin`'s key (`eth_sendTransaction`).
pub async fn deploy_with_provider<P: Provider>(
    provider: &P,
    admin: Address,
    options: &DeployOptions,
) -> Result<DeployReport> {
    let preflight = |error: TransportError| match error {
        RpcError::Transport(_) => DeployError::Unreachable { error },
        error => DeployError::Rpc {
            step: Step::Preflight,
            error,
        },
    };
    let chain_id = provider.get_chain_id().await.map_err(preflight)?;
    if options.reuse_existing
        && let Some(deployment) = existing::find(provider, chain_id, admin, options).await?
    {
        tracing::debug!(hub = %deployment.hub, "found an existing deployment");
        return Ok(DeployReport {
            deployment,
            reused: true,
            gas: Vec::new(),
        });
    }
    let nonce = provider
        .get_transaction_count(admin)
        .await
        .map_err(preflight)?;
    check_cancun(provider, admin).await?;
    check_funds(provider, admin).await?;

    let mut predicted = Deployment::predict(chain_id, admin, nonce);
    let mut sender = Sender::new(provider, admin, options.receipt_timeout);
    let first = sender
        .create(
            Step::Deploy("RLC"),
            creation_code(
                &RLC::BYTECODE,
                &RLC::constructorCall {
                    initialSupply: options.rlc_supply,
                }
                .abi_encode(),
            ),
            predicted.rlc,
        )
        .await?;
    predicted.block_number = first.block_number().unwrap_or_default();
    for (name, code, expected) in [
        (
            "AppRegistry",
            &AppRegistry::BYTECODE,
            predicted.app_registry,
        ),
        (
            "DatasetRegistry",
            &DatasetRegistry::BYTECODE,
            predicted.dataset_registry,
        ),
        (
            "WorkerpoolRegistry",
            &WorkerpoolRegistry::BYTECODE,
            predicted.workerpool_registry,
        ),
    ] {
        sender
            .create(Step::Deploy(name), code.clone(), expected)
            .await?;
    }

    let mut cuts = Vec::with_capacity(FACETS.len());
    for (facet, offset) in FACETS.iter().zip(nonce_offset::FIRST_FACET..) {
        let address = admin.create(nonce + offset);
        sender
            .create(Step::Deploy(facet.name), facet.bytecode.clone(), address)
            .await?;
        cuts.push(IDiamondCut::FacetCut {
            facetAddress: address,
            action: 0, // Add
            functionSelectors: facet.selector_words(),
        });
    }
    let diamond_args = Diamond::constructorCall {
        _diamondCut: cuts,
        _args: Diamond::DiamondArgs {
            owner: admin,
            init: Address::ZERO,
            initCalldata: Bytes::new(),
        },
    };
    sender
        .create(
            Step::Deploy("Diamond"),
            creation_code(&Diamond::BYTECODE, &diamond_args.abi_encode()),
            predicted.hub,
        )
        .await?;

    let hub = predicted.hub;
    let configure = PocoHub::configureCall {
        _token: predicted.rlc,
        _name: SRLC_NAME.to_owned(),
        _symbol: SRLC_SYMBOL.to_owned(),
        _decimals: SRLC_DECIMALS,
        _appregistry: predicted.app_registry,
        _datasetregistry: predicted.dataset_registry,
        _workerpoolregistry: predicted.workerpool_registry,
        _v3_iexecHubAddress: Address::ZERO,
    };
    sender
        .call(Step::Configure, hub, configure.abi_encode().into())
        .await?;
    for category in &options.categories {
        let call = PocoHub::createCategoryCall {
            name: category.name.clone(),
            description: category.description.clone(),
            workClockTimeRef: U256::from(category.work_clock_time_ref),
        };
        sender
            .call(
                Step::CreateCategory(category.name.clone()),
                hub,
                call.abi_encode().into(),
            )
            .await?;
    }
    let initialize = AppRegistry::initializeCall {
        _previous: Address::ZERO,
    }
    .abi_encode();
    for (name, registry) in [
        ("AppRegistry", predicted.app_registry),
        ("DatasetRegistry", predicted.dataset_registry),
        ("WorkerpoolRegistry", predicted.workerpool_registry),
    ] {
        sender
            .call(
                Step::InitializeRegistry(name),
                registry,
                initialize.clone().into(),
            )
            .await?;
    }
    for &(account, amount) in &options.mint {
        let call = RLC::mintCall {
            to: account,
            amount,
        };
        sender
            .call(Step::Mint(account), predicted.rlc, call.abi_encode().into())
            .await?;
    }

    let gas = sender.into_gas();
    tracing::debug!(
        %hub,
        transactions = gas.len(),
        gas = gas.iter().map(|(_, g)| g).sum::<u64>(),
        "protocol deployed"
    );
    Ok(DeployReport {
        deployment: predicted,
        reused: false,
        gas,
    })
}

/// Creation code followed by the ABI-encoded constructor arguments.
fn creation_code(bytecode: &Bytes, args: &[u8]) -> Bytes {
    [bytecode.as_ref(), args].concat().into()
}

/// Creation code running `PUSH0 PUSH0 PUSH0 MCOPY STOP`: Shanghai's and Cancun's opcodes that
/// solc emits for our contracts.
const CANCUN_PROBE: [u8; 5] = [0x5f, 0x5f, 0x5f, 0x5e, 0x00];

/// Refuses, before anything is sent, a chain without Cancun's opcodes: otherwise the first
/// contracts would deploy and a later one fail, leaving a half-made deployment paid for. A node
/// that cannot simulate a creation at all is given the benefit of the doubt.
async fn check_cancun<P: Provider>(provider: &P, admin: Address) -> Result<()> {
    let probe = TransactionRequest::default()
        .with_from(admin)
        .with_deploy_code(Bytes::from_static(&CANCUN_PROBE));
    match provider.call(probe).await {
        Ok(_) => Ok(()),
        Err(error) => match sender::code_rejection(&error) {
            Some(detail) => Err(DeployError::CodeRejected {
                step: Step::Preflight,
                detail,
            }),
            None => {
                tracing::debug!(%error, "cannot probe the chain's opcodes");
                Ok(())
            }
        },
    }
}

/// Refuses, before anything is sent, an admin whose balance cannot pay for the deployment at
/// the current gas price (a half-made deployment is worse than none). Free-gas chains pass.
async fn check_funds<P: Provider>(provider: &P, admin: Address) -> Result<()> {
    let rpc = |error| DeployError::Rpc {
        step: Step::Preflight,
        error,
    };
    let balance = provider.get_balance(admin).await.map_err(rpc)?;
    let gas_price = provider.get_gas_price().await.map_err(rpc)?;
    let needed = U256::from(DEPLOYMENT_GAS) * U256::from(gas_price);
    if balance < needed {
        return Err(DeployError::InsufficientFunds {
            step: Step::Preflight,
            admin,
            balance,
            needed: Some(needed),
        });
    }
    Ok(())
}
