//! `poco orderbook app|dataset|workerpool|requester`: the market's open orders, with the iExec
//! SDK's filters and `--raw` JSON; `orderbook show` (the workshop's name) is `orderbook
//! workerpool`. People get a table, cheapest first ([`render`]).

mod render;

use crate::{
    commands::wallet::address_arg,
    context::{Common, Ctx},
};
use anyhow::Result;
use clap::{Args, Subcommand};
use poco_client::{
    Client,
    market::{MarketApi, OrderbookFilter, PartyFilter},
    project::{fields::parse_tag, json::JsonValue},
};
use poco_contracts::alloy::primitives::Address;
use poco_types::{OrderKind, Tag};

/// How many orders a listing reads at most (the SDK's `--raw` reads up to 100).
const LIMIT: usize = 100;

/// The market of the client's chain (its `iexecGateway`): an error saying how to start or
/// configure one when there is none.
pub(crate) fn market_for(client: &Client) -> Result<MarketApi> {
    let mut chain = client.chain().clone();
    chain.id = client.chain_id();
    Ok(MarketApi::for_chain(&chain)?)
}

/// `poco orderbook`.
#[derive(Debug, Args)]
pub(crate) struct OrderbookCommand {
    #[command(flatten)]
    common: Common,
    #[command(subcommand)]
    action: OrderbookAction,
}

#[derive(Debug, Subcommand)]
enum OrderbookAction {
    #[command(about = "Show the app orders of an app on the market")]
    App(AppArgs),
    #[command(about = "Show the dataset orders of a dataset on the market")]
    Dataset(DatasetArgs),
    #[command(
        about = "Show the workerpool orders on the market: computing for sale",
        visible_alias = "show"
    )]
    Workerpool(WorkerpoolArgs),
    #[command(about = "Show the request orders on the market: computing wanted")]
    Requester(RequesterArgs),
}

/// The tag filters every order book has.
#[derive(Debug, Args)]
struct TagArgs {
    /// Only orders with exactly these tags (`tee,scone` or bytes32 hex).
    #[arg(long, value_name = "TAGS", conflicts_with_all = ["require_tag", "max_tag"])]
    tag: Option<String>,
    /// Only orders with at least these tags.
    #[arg(long, value_name = "TAGS")]
    require_tag: Option<String>,
    /// Only orders with no tags beyond these.
    #[arg(long, value_name = "TAGS")]
    max_tag: Option<String>,
    /// Only orders with at least this volume left.
    #[arg(long, value_name = "N")]
    min_volume: Option<u64>,
}

impl TagArgs {
    fn apply(&self, filter: &mut OrderbookFilter) -> Result<()> {
        let tag = |option: &str, text: &Option<String>| -> Result<Option<Tag>> {
            text.as_deref()
                .map(|text| {
                    parse_tag(&JsonValue::from(text), true)
                        .map_err(|reason| anyhow::anyhow!("{option} {text:?} {reason}"))
                })
                .transpose()
        };
        let exact = tag("--tag", &self.tag)?;
        filter.min_tag = exact.or(tag("--require-tag", &self.require_tag)?);
        filter.max_tag = exact.or(tag("--max-tag", &self.max_tag)?);
        filter.min_volume = self.min_volume;
        Ok(())
    }
}

fn party(text: &str) -> Result<PartyFilter, String> {
    text.parse()
}

/// `poco orderbook app`.
#[derive(Debug, Args)]
#[command(
    long_about = "Show the open app orders of an app on the chain's market, cheapest first: \
what running the app costs per task, and how many tasks each order has left. Orders restricted \
to a dataset, workerpool or requester are listed only when that party is given (with \
--*-strict, only those); `any` lists them all.",
    after_help = "Examples:\n  poco orderbook app 0x1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d\n  \
poco orderbook app 0x1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d --workerpool any --raw"
)]
struct AppArgs {
    /// The app.
    #[arg(value_name = "ADDRESS", value_parser = party)]
    app: PartyFilter,
    /// Include the orders restricted to this dataset (`any`: all).
    #[arg(long, value_name = "ADDRESS", value_parser = party)]
    dataset: Option<PartyFilter>,
    /// Include the orders restricted to this workerpool (`any`: all).
    #[arg(long, value_name = "ADDRESS", value_parser = party)]
    workerpool: Option<PartyFilter>,
    /// Include the orders restricted to this requester (`any`: all).
    #[arg(long, value_name = "ADDRESS", value_parser = party)]
    requester: Option<PartyFilter>,
    /// Only the orders restricted to --dataset.
    #[arg(long, requires = "dataset")]
    dataset_strict: bool,
    /// Only the orders restricted to --workerpool.
    #[arg(long, requires = "workerpool")]
    workerpool_strict: bool,
    /// Only the orders restricted to --requester.
    #[arg(long, requires = "requester")]
    requester_strict: bool,
    #[command(flatten)]
    tags: TagArgs,
}

/// `poco orderbook dataset`.
#[derive(Debug, Args)]
#[command(
    long_about = "Show the open dataset orders of a dataset on the chain's market, cheapest \
first. Orders restricted to an app, workerpool or requester are listed only when that party is \
given (with --*-strict, only those); `any` lists them all.",
    after_help = "Examples:\n  poco orderbook dataset 0x1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d\n  \
poco orderbook dataset 0x1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d --app any --raw"
)]
struct DatasetArgs {
    /// The dataset.
    #[arg(value_name = "ADDRESS", value_parser = party)]
    dataset: PartyFilter,
    /// Include the orders restricted to this app (`any`: all).
    #[arg(long, value_name = "ADDRESS", value_parser = party)]
    app: Option<PartyFilter>,
    /// Include the orders restricted to this workerpool (`any`: all).
    #[arg(long, value_name = "ADDRESS", value_parser = party)]
    workerpool: Option<PartyFilter>,
    /// Include the orders restricted to this requester (`any`: all).
    #[arg(long, value_name = "ADDRESS", value_parser = party)]
    requester: Option<PartyFilter>,
    /// Only the orders restricted to --app.
    #[arg(long, requires = "app")]
    app_strict: bool,
    /// Only the orders restricted to --workerpool.
    #[arg(long, requires = "workerpool")]
    workerpool_strict: bool,
    /// Only the orders restricted to --requester.
    #[arg(long, requires = "requester")]
    requester_strict: bool,
    #[command(flatten)]
    tags: TagArgs,
}

/// `poco orderbook workerpool` (and `orderbook show`).
#[derive(Debug, Args)]
#[command(
    long_about = "Show the open workerpool orders on the chain's market, cheapest first: the \
computing for sale, per category (maximum run time), with its price per task and the tasks \
left. Without an address, every pool's; `--category` picks one category (`poco category show \
N` describes it). `poco orderbook show` is the same command (the iExec workshop's name).",
    after_help = "Examples:\n  poco orderbook workerpool\n  poco orderbook workerpool --category 0\n  \
poco orderbook show --category 0\n  poco orderbook workerpool 0x1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d --raw"
)]
struct WorkerpoolArgs {
    /// Only this workerpool's orders.
    #[arg(value_name = "ADDRESS", value_parser = party)]
    workerpool: Option<PartyFilter>,
    /// Only orders of this category.
    #[arg(long, value_name = "ID")]
    category: Option<u64>,
    /// Only orders with at least this trust.
    #[arg(long, value_name = "N")]
    min_trust: Option<u64>,
    /// Include the orders restricted to this app (`any`: all).
    #[arg(long, value_name = "ADDRESS", value_parser = party)]
    app: Option<PartyFilter>,
    /// Include the orders restricted to this dataset (`any`: all).
    #[arg(long, value_name = "ADDRESS", value_parser = party)]
    dataset: Option<PartyFilter>,
    /// Include the orders restricted to this requester (`any`: all).
    #[arg(long, value_name = "ADDRESS", value_parser = party)]
    requester: Option<PartyFilter>,
    /// Only the orders restricted to --app.
    #[arg(long, requires = "app")]
    app_strict: bool,
    /// Only the orders restricted to --dataset.
    #[arg(long, requires = "dataset")]
    dataset_strict: bool,
    /// Only the orders restricted to --requester.
    #[arg(long, requires = "requester")]
    requester_strict: bool,
    #[command(flatten)]
    tags: TagArgs,
}

/// `poco orderbook requester`.
#[derive(Debug, Args)]
#[command(
    long_about = "Show the open request orders on the chain's market, highest price first: the \
computing wanted, with the most a requester pays a workerpool per task. Without an address, \
every requester's.",
    after_help = "Examples:\n  poco orderbook requester\n  poco orderbook requester --category 0 \
--app 0x1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d\n  poco orderbook requester \
0x70997970C51812dc3A010C7d01b50e0d17dc79C8 --raw"
)]
struct RequesterArgs {
    /// Only this requester's orders.
    #[arg(value_name = "ADDRESS", value_parser = party)]
    requester: Option<PartyFilter>,
    /// Only orders of this category.
    #[arg(long, value_name = "ID")]
    category: Option<u64>,
    /// Only orders with at most this trust.
    #[arg(long, value_name = "N")]
    max_trust: Option<u64>,
    /// Only orders for this app.
    #[arg(long, value_name = "ADDRESS", value_parser = address_arg)]
    app: Option<Address>,
    /// Only orders for this dataset.
    #[arg(long, value_name = "ADDRESS", value_parser = address_arg)]
    dataset: Option<Address>,
    /// Only orders for this beneficiary.
    #[arg(long, value_name = "ADDRESS", value_parser = address_arg)]
    beneficiary: Option<Address>,
    /// Include the orders restricted to this workerpool (`any`: all).
    #[arg(long, value_name = "ADDRESS", value_parser = party)]
    workerpool: Option<PartyFilter>,
    /// Only the orders restricted to --workerpool.
    #[arg(long, requires = "workerpool")]
    workerpool_strict: bool,
    #[command(flatten)]
    tags: TagArgs,
}

impl OrderbookCommand {
    pub(crate) async fn run(self) -> Result<()> {
        let ctx = Ctx::new(self.common);
        let mut filter = OrderbookFilter::default();
        let kind = match self.action {
            OrderbookAction::App(a) => {
                filter.app = Some(a.app);
                filter.dataset = a.dataset;
                filter.workerpool = a.workerpool;
                filter.requester = a.requester;
                filter.dataset_strict = a.dataset_strict;
                filter.workerpool_strict = a.workerpool_strict;
                filter.requester_strict = a.requester_strict;
                a.tags.apply(&mut filter)?;
                OrderKind::App
            }
            OrderbookAction::Dataset(a) => {
                filter.dataset = Some(a.dataset);
                filter.app = a.app;
                filter.workerpool = a.workerpool;
                filter.requester = a.requester;
                filter.app_strict = a.app_strict;
                filter.workerpool_strict = a.workerpool_strict;
                filter.requester_strict = a.requester_strict;
                a.tags.apply(&mut filter)?;
                OrderKind::Dataset
            }
            OrderbookAction::Workerpool(a) => {
                filter.workerpool = a.workerpool;
                filter.category = a.category;
                filter.min_trust = a.min_trust;
                filter.app = a.app;
                filter.dataset = a.dataset;
                filter.requester = a.requester;
                filter.app_strict = a.app_strict;
                filter.dataset_strict = a.dataset_strict;
                filter.requester_strict = a.requester_strict;
                a.tags.apply(&mut filter)?;
                OrderKind::Workerpool
            }
            OrderbookAction::Requester(a) => {
                filter.requester = a.requester;
                filter.category = a.category;
                filter.max_trust = a.max_trust;
                filter.app = a.app.map(PartyFilter::Is);
                filter.dataset = a.dataset.map(PartyFilter::Is);
                filter.beneficiary = a.beneficiary.map(PartyFilter::Is);
                filter.workerpool = a.workerpool;
                filter.workerpool_strict = a.workerpool_strict;
                a.tags.apply(&mut filter)?;
                OrderKind::Request
            }
        };
        let chain = ctx.chain()?;
        let market = MarketApi::for_chain(&chain)?;
        let page = market.orderbook_up_to(kind, &filter, LIMIT).await?;
        let human = render::table(kind, &chain.name, &filter, &page);
        ctx.out.success(human, render::raw(kind, &page));
        Ok(())
    }
}
