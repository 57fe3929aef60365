//! Finding a deployment that is already on chain, so that deploying twice (a dev chain restarted
//! from its state file, `poco deploy` re-run) returns it instead of deploying a second hub.
//!
//! Only the admin's *first* deployment has a known address (the Diamond at the admin's nonce
//! 14): a hub is looked for there, recognized by answering the hub's getters, and read back
//! from the chain itself — the hub knows its token and registries, the loupe knows the facets.

use crate::{
    bindings::{
        diamond::FACETS,
        hub::PocoHub,
        registries::{AppRegistry, DatasetRegistry, WorkerpoolRegistry},
        token::RLC,
    },
    deployment::Deployment,
    error::{DeployError, Result, Step},
    options::DeployOptions,
};
use alloy::{
    primitives::{Address, FixedBytes, U256},
    providers::Provider,
    rpc::types::Filter,
    sol_types::SolEvent,
};

/// The complete deployment at the admin's first-deployment address, `None` when there is no
/// hub there (no code, or code that does not answer like a hub).
pub(crate) async fn find<P: Provider>(
    provider: &P,
    chain_id: u64,
    admin: Address,
    options: &DeployOptions,
) -> Result<Option<Deployment>> {
    let expected = Deployment::predict(chain_id, admin, 0).hub;
    let code = provider
        .get_code_at(expected)
        .await
        .map_err(|error| DeployError::Rpc {
            step: Step::Preflight,
            error,
        })?;
    if code.is_empty() {
        return Ok(None);
    }
    let hub = PocoHub::new(expected, provider);
    // Anything else could sit there (the admin key used for other contracts): only a contract
    // that answers the hub's getters is taken for one.
    let (Ok(token), Ok(apps), Ok(datasets), Ok(pools)) = (
        hub.token().call().await,
        hub.appregistry().call().await,
        hub.datasetregistry().call().await,
        hub.workerpoolregistry().call().await,
    ) else {
        tracing::debug!(%expected, "code at the expected hub address is not a hub");
        return Ok(None);
    };
    let partial = |reason: String| DeployError::PartialDeployment {
        hub: expected,
        reason,
    };
    if token == Address::ZERO {
        return Err(partial("hub.configure was never called".to_owned()));
    }
    let categories = hub
        .countCategory()
        .call()
        .await
        .map_err(|e| inspect_failed(expected, e))?;
    if categories < U256::from(options.categories.len()) {
        return Err(partial(format!(
            "{categories} categories of {}",
            options.categories.len()
        )));
    }
    let initialized = [
        (
            "AppRegistry",
            AppRegistry::new(apps, provider).initialized().call().await,
        ),
        (
            "DatasetRegistry",
            DatasetRegistry::new(datasets, provider)
                .initialized()
                .call()
                .await,
        ),
        (
            "WorkerpoolRegistry",
            WorkerpoolRegistry::new(pools, provider)
                .initialized()
                .call()
                .await,
        ),
    ];
    for (name, done) in initialized {
        if !done.map_err(|e| inspect_failed(expected, e))? {
            return Err(partial(format!("{name} was never initialized")));
        }
    }

    let mut facets = std::collections::BTreeMap::new();
    for facet in &FACETS {
        let Some(selector) = facet.selectors.first() else {
            continue;
        };
        let address = hub
            .facetAddress(FixedBytes(*selector))
            .call()
            .await
            .map_err(|e| inspect_failed(expected, e))?;
        facets.insert(facet.name.to_owned(), address);
    }

    Ok(Some(Deployment {
        chain_id,
        hub: expected,
        rlc: token,
        app_registry: apps,
        dataset_registry: datasets,
        workerpool_registry: pools,
        facets,
        block_number: first_block(provider, token).await,
    }))
}

/// The block of the deployment's first transaction: RLC's constructor logs its mint (a
/// `Transfer` from 0). 0 (scan from genesis) when the node cannot tell, for instance a public
/// endpoint refusing an `eth_getLogs` over the whole chain.
async fn first_block<P: Provider>(provider: &P, rlc: Address) -> u64 {
    let filter = Filter::new()
        .address(rlc)
        .event_signature(RLC::Transfer::SIGNATURE_HASH)
        .topic1(Address::ZERO.into_word())
        .from_block(0);
    match provider.get_logs(&filter).await {
        Ok(logs) => logs.first().and_then(|log| log.block_number).unwrap_or(0),
        Err(error) => {
            tracing::debug!(%error, "cannot find the deployment block");
            0
        }
    }
}

/// A getter of a contract that passed for a hub failed: a transport failure, or a hub too
/// broken to read back.
fn inspect_failed(hub: Address, failure: alloy::contract::Error) -> DeployError {
    match failure {
        alloy::contract::Error::TransportError(error) => DeployError::Rpc {
            step: Step::Inspect,
            error,
        },
        other => DeployError::PartialDeployment {
            hub,
            reason: format!("reading it back failed: {other}"),
        },
    }
}
