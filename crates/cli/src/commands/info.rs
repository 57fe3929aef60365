//! `poco info`: every contract address of the chain's deployment, and the service URLs.

use crate::{
    context::{Common, Ctx},
    ui::output::Fields,
};
use anyhow::Result;
use clap::Args;
use serde_json::json;

/// The version of iExec's PoCo whose ABI, EIP-712 types and events Poco's hub implements
/// (checked against `@iexec/poco` of this version by poco-contracts' ABI test).
const POCO_VERSION: &str = "6.1.0";

/// `poco info`.
#[derive(Debug, Args)]
#[command(
    long_about = "Show the chain's Poco deployment: the hub, the RLC token and the three \
registries, read from the hub, with the service URLs chain.json gives.",
    after_help = "Examples:\n  poco info\n  poco info --chain dev --raw"
)]
pub(crate) struct InfoArgs {
    #[command(flatten)]
    common: Common,
}

impl InfoArgs {
    pub(crate) async fn run(self) -> Result<()> {
        let ctx = Ctx::new(self.common);
        let client = ctx.reader().await?;
        let hub = client.hub();
        let rlc = client.rlc_address().await?;
        let app_registry = hub.appregistry().call().await?;
        let dataset_registry = hub.datasetregistry().call().await?;
        let workerpool_registry = hub.workerpoolregistry().call().await?;
        let chain = client.chain();
        let mut human = Fields::new()
            .row(
                "chain",
                format!("{} (id {})", chain.name, client.chain_id()),
            )
            .row("Ethereum host", &chain.host)
            .row("hub", client.hub_address())
            .row("RLC", rlc)
            .row("app registry", app_registry)
            .row("dataset registry", dataset_registry)
            .row("workerpool registry", workerpool_registry);
        for (name, url) in [
            ("market", &chain.iexec_gateway),
            ("result proxy", &chain.result_proxy),
            ("IPFS gateway", &chain.ipfs_gateway),
            ("SMS", &chain.sms),
        ] {
            if let Some(url) = url {
                human.push(name, url);
            }
        }
        ctx.out.success(
            human,
            json!({
                "chain": chain.name,
                "chainId": client.chain_id().to_string(),
                "host": chain.host,
                "hubAddress": client.hub_address().to_string(),
                "rlcAddress": rlc.to_string(),
                "appRegistryAddress": app_registry.to_string(),
                "datasetRegistryAddress": dataset_registry.to_string(),
                "workerpoolRegistryAddress": workerpool_registry.to_string(),
                "pocoVersion": POCO_VERSION,
                "useNative": false,
                "iexecGateway": chain.iexec_gateway,
                "resultProxy": chain.result_proxy,
                "ipfsGateway": chain.ipfs_gateway,
                "sms": chain.sms,
            }),
        );
        Ok(())
    }
}
