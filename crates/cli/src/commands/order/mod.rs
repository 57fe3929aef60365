//! `poco order init|sign|cancel|show|fill|publish|unpublish`: the iExec SDK's order commands for the four kinds
//! (`--app`, `--dataset`, `--workerpool`, `--request`; `--buy` is the workshop's name for
//! `--request`). Templates live in iexec.json, signed orders in orders.json under the chain id,
//! as the SDK keeps them. The order logic (checks before signing, status, preflight of a fill,
//! explained reverts) is `poco_client::orders`; this module reads the arguments, asks, and
//! prints.

mod cancel;
mod files;
mod fill;
mod init;
mod publish;
mod show;
mod sign;

use crate::context::{Common, Ctx};
use anyhow::Result;
use clap::{Args, Subcommand};
use poco_client::{orders::AnySigned, project::json::JsonValue};
use poco_types::OrderKind;

/// `poco order`.
#[derive(Debug, Args)]
pub(crate) struct OrderCommand {
    #[command(flatten)]
    common: Common,
    #[command(subcommand)]
    action: OrderAction,
}

#[derive(Debug, Subcommand)]
enum OrderAction {
    #[command(about = "Write order templates into iexec.json, to edit before signing")]
    Init(init::InitArgs),
    #[command(about = "Check and sign the orders of iexec.json into orders.json")]
    Sign(sign::SignArgs),
    #[command(about = "Cancel signed orders on-chain, so they can no longer be matched")]
    Cancel(cancel::CancelArgs),
    #[command(about = "Show an order, its hash and its status on-chain")]
    Show(show::ShowArgs),
    #[command(about = "Match orders into a deal (buy computing), paying from your hub account")]
    Fill(fill::FillArgs),
    #[command(about = "Publish signed orders of orders.json on the market")]
    Publish(publish::PublishArgs),
    #[command(about = "Remove your orders from the market (by hash, or --all)")]
    Unpublish(publish::UnpublishArgs),
}

impl OrderCommand {
    pub(crate) async fn run(self) -> Result<()> {
        let ctx = Ctx::new(self.common);
        match self.action {
            OrderAction::Init(args) => init::run(&ctx, args).await,
            OrderAction::Sign(args) => sign::run(&ctx, args).await,
            OrderAction::Cancel(args) => cancel::run(&ctx, args).await,
            OrderAction::Show(args) => show::run(&ctx, args).await,
            OrderAction::Fill(args) => fill::run(&ctx, args).await,
            OrderAction::Publish(args) => publish::publish(&ctx, args).await,
            OrderAction::Unpublish(args) => publish::unpublish(&ctx, args).await,
        }
    }
}

/// Which kinds of order a command works on.
#[derive(Debug, Clone, Copy, Args)]
struct Kinds {
    /// The app order.
    #[arg(long)]
    app: bool,
    /// The dataset order.
    #[arg(long)]
    dataset: bool,
    /// The workerpool order.
    #[arg(long)]
    workerpool: bool,
    /// The request order (`--buy`, as in the workshop).
    #[arg(long, visible_alias = "buy")]
    request: bool,
}

impl Kinds {
    /// The kinds picked, in the SDK's order; all four when none is (`all_by_default`), else
    /// an error asking for one.
    fn picked(self, all_by_default: bool) -> Result<Vec<OrderKind>> {
        let picked: Vec<OrderKind> = [
            (self.app, OrderKind::App),
            (self.dataset, OrderKind::Dataset),
            (self.workerpool, OrderKind::Workerpool),
            (self.request, OrderKind::Request),
        ]
        .into_iter()
        .filter_map(|(on, kind)| on.then_some(kind))
        .collect();
        if !picked.is_empty() {
            return Ok(picked);
        }
        if all_by_default {
            return Ok(vec![
                OrderKind::App,
                OrderKind::Dataset,
                OrderKind::Workerpool,
                OrderKind::Request,
            ]);
        }
        anyhow::bail!(
            "no order picked: choose one or more of --app, --dataset, --workerpool, --request"
        )
    }
}

/// A signed order for people: the SDK's JSON, fields in the protocol's order, then `sign`.
fn pretty(order: &AnySigned) -> String {
    fn text<T: serde::Serialize>(value: &T) -> String {
        JsonValue::from_serializable(value)
            .map(|v| v.stringify_pretty())
            .unwrap_or_default()
    }
    match order {
        AnySigned::App(signed) => text(signed),
        AnySigned::Dataset(signed) => text(signed),
        AnySigned::Workerpool(signed) => text(signed),
        AnySigned::Request(signed) => text(signed),
    }
}
