//! `poco app|dataset|workerpool deploy|transfer`: the two commands that send a transaction,
//! each checked first (nothing is sent when the wallet is not the owner), confirmed, then
//! sent with progress.

use super::address_json;
use crate::{commands::wallet::address_arg, context::Ctx};
use anyhow::Result;
use clap::Args;
use poco_client::{
    assets::{self, Kind, NewAsset},
    project::{self, IExecConf},
};
use poco_contracts::alloy::primitives::Address;
use serde_json::json;

/// `transfer`'s arguments.
#[derive(Debug, Args)]
pub(crate) struct TransferArgs {
    /// The address of the entry to transfer.
    #[arg(value_name = "ADDRESS", value_parser = address_arg)]
    address: Address,
    /// The new owner.
    #[arg(long, value_name = "ADDRESS", value_parser = address_arg)]
    to: Address,
}

pub(super) async fn deploy(ctx: &Ctx, kind: Kind) -> Result<()> {
    let conf = IExecConf::load(ctx.project())?;
    let asset = NewAsset::load(&conf, kind)?;
    let client = ctx.client().await?;
    let plan = assets::plan_deploy(&client, &asset).await?;
    let chain = format!("chain {} (id {})", client.chain().name, client.chain_id());
    if plan.registered {
        project::record(ctx.project(), kind, client.chain_id(), plan.address)?;
        ctx.out.success(
            format!(
                "The {} is already registered at {}, with the same fields and owner: nothing was \
                 sent. Recorded it in deployed.json for {chain}. To register another {kind}, \
                 change a field in iexec.json (its name, for instance).",
                asset.describe(),
                plan.address
            ),
            json!({ "address": address_json(plan.address), "alreadyRegistered": true }),
        );
        return Ok(());
    }
    ctx.confirm(&format!(
        "Register the {} owned by {} on {chain}? It will be at {}.",
        asset.describe(),
        asset.owner(),
        plan.address
    ))?;
    let progress = ctx.progress();
    let registered = plan.send(&client, &progress).await?;
    progress.finish();
    project::record(ctx.project(), kind, client.chain_id(), registered.address)?;
    ctx.out.success(
        format!(
            "Deployed new {kind} at address {} (tx {}), recorded in deployed.json for {chain}",
            registered.address, registered.tx_hash
        ),
        json!({ "address": address_json(registered.address), "txHash": registered.tx_hash }),
    );
    Ok(())
}

pub(super) async fn transfer(ctx: &Ctx, kind: Kind, args: TransferArgs) -> Result<()> {
    let client = ctx.client().await?;
    let plan = assets::plan_transfer(&client, kind, args.address, args.to).await?;
    let chain = format!("chain {} (id {})", client.chain().name, client.chain_id());
    ctx.confirm(&format!(
        "Transfer the ownership of {kind} {} to {} on {chain}? Only the new owner can give it \
         back.",
        plan.address, plan.to
    ))?;
    let progress = ctx.progress();
    let tx_hash = plan.send(&client, &progress).await?;
    progress.finish();
    ctx.out.success(
        format!(
            "Transferred {kind} {} to {} (tx {tx_hash}). Orders signed by the previous owner \
             {} no longer match it: the new owner signs new ones (`poco order sign --{kind}`).",
            plan.address, plan.to, plan.from
        ),
        json!({ "address": address_json(plan.address), "to": address_json(plan.to), "txHash": tx_hash }),
    );
    Ok(())
}
