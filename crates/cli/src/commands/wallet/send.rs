//! `poco wallet send-ether|send-RLC|sweep`: moving ETH or RLC out of the wallet. Each checks
//! the balance first (a shortfall is an error and nothing is sent), asks for confirmation
//! (--force skips it), shows progress and prints the transaction hash.

use super::address_arg;
use crate::{context::Ctx, ui::progress::Progress};
use anyhow::Result;
use clap::Args;
use poco_client::{
    Client,
    wallet::{
        self,
        units::{EthUnit, RlcUnit, format_ether, join_amount, parse_rlc, parse_wei},
    },
};
use poco_contracts::alloy::primitives::{Address, B256, U256};
use poco_types::{format_nrlc, format_rlc};
use serde_json::json;
use std::fmt::Write as _;

/// `poco wallet send-ether`.
#[derive(Debug, Args)]
#[command(
    long_about = "Send ETH from the wallet to an address. The amount takes a unit: ether (or \
eth), finney, szabo, gwei, mwei, kwei or wei, in the same argument (\"0.5 ether\") or the next \
(`0.5 ether`); a bare number is in ether, as in the iExec SDK. The wallet must hold the amount \
plus the gas. Asks for confirmation first (--force skips it).",
    after_help = "Examples:\n  poco wallet send-ether 0.5 --to 0x70997970C51812dc3A010C7d01b50e0d17dc79C8\n  \
poco wallet send-ether 100 gwei --to 0x70997970C51812dc3A010C7d01b50e0d17dc79C8 --force --raw"
)]
pub(crate) struct SendEtherArgs {
    /// The amount: "0.5", "0.5 ether", "1 gwei", "100 wei" (bare: ether).
    #[arg(value_name = "AMOUNT", allow_hyphen_values = true)]
    amount: String,
    /// The amount's unit, if given apart (`0.5 ether`).
    #[arg(value_name = "UNIT")]
    unit: Option<String>,
    /// The address to send to.
    #[arg(long, value_name = "ADDRESS", value_parser = address_arg, required = true)]
    to: Address,
}

/// `poco wallet send-RLC`.
#[derive(Debug, Args)]
#[command(
    long_about = "Send RLC (the token) from the wallet to an address. The amount takes a unit, \
RLC or nRLC (10^-9 RLC), in the same argument (\"1.5 RLC\") or the next (`1.5 RLC`); a bare \
number is in RLC here, as in the iExec SDK's send-RLC (elsewhere a bare amount is nRLC). This \
sends from the wallet, not from the hub account (see `poco account withdraw`). Asks for \
confirmation first (--force skips it).",
    after_help = "Examples:\n  poco wallet send-RLC 10 --to 0x70997970C51812dc3A010C7d01b50e0d17dc79C8\n  \
poco wallet send-RLC 300 nRLC --to 0x70997970C51812dc3A010C7d01b50e0d17dc79C8 --force --raw"
)]
pub(crate) struct SendRlcArgs {
    /// The amount: "10" (RLC), "1.5 RLC", "300 nRLC".
    #[arg(value_name = "AMOUNT", allow_hyphen_values = true)]
    amount: String,
    /// The amount's unit, if given apart (`300 nRLC`).
    #[arg(value_name = "UNIT")]
    unit: Option<String>,
    /// The address to send to.
    #[arg(long, value_name = "ADDRESS", value_parser = address_arg, required = true)]
    to: Address,
}

/// `poco wallet sweep`.
#[derive(Debug, Args)]
#[command(
    long_about = "Empty the wallet into another address: all its RLC first, then all its ETH \
minus the gas of that transfer (sent at the node's gas price with exactly 21,000 gas, so nothing \
is left). The destination must be an account without code. The hub account is not touched: \
withdraw it first with `poco account withdraw`. Asks for confirmation first (--force skips it).",
    after_help = "Examples:\n  poco wallet sweep --to 0x70997970C51812dc3A010C7d01b50e0d17dc79C8\n  \
poco wallet sweep --to 0x70997970C51812dc3A010C7d01b50e0d17dc79C8 --force --raw"
)]
pub(crate) struct SweepArgs {
    /// The address to send everything to.
    #[arg(long, value_name = "ADDRESS", value_parser = address_arg, required = true)]
    to: Address,
}

pub(super) async fn send_ether(ctx: &Ctx, args: SendEtherArgs) -> Result<()> {
    send(
        ctx,
        Coin::Ether,
        &args.amount,
        args.unit.as_deref(),
        args.to,
    )
    .await
}

pub(super) async fn send_rlc(ctx: &Ctx, args: SendRlcArgs) -> Result<()> {
    send(ctx, Coin::Rlc, &args.amount, args.unit.as_deref(), args.to).await
}

/// What `send-ether` and `send-RLC` send.
#[derive(Clone, Copy)]
enum Coin {
    /// ETH, counted in wei; a bare amount is in ether.
    Ether,
    /// RLC, counted in nRLC; a bare amount is in RLC.
    Rlc,
}

impl Coin {
    /// The amount typed, in wei or nRLC.
    fn parse(self, amount: &str, unit: Option<&str>) -> Result<U256> {
        let text = join_amount(amount, unit);
        Ok(match self {
            Self::Ether => parse_wei(&text, EthUnit::Ether)?,
            Self::Rlc => parse_rlc(&text, RlcUnit::Rlc)?,
        })
    }

    /// The amount in full: "0.5 ETH (500000000000000000 wei)", "1.5 RLC (1500000000 nRLC)".
    fn full(self, amount: U256) -> String {
        match self {
            Self::Ether => format!("{} ETH ({amount} wei)", format_ether(amount)),
            Self::Rlc => format!("{} ({})", format_rlc(amount), format_nrlc(amount)),
        }
    }

    /// The amount sent, as the result says it: "0.5 ETH", "1.5 RLC (1500000000 nRLC)".
    fn sent(self, amount: U256) -> String {
        match self {
            Self::Ether => format!("{} ETH", format_ether(amount)),
            Self::Rlc => self.full(amount),
        }
    }

    /// What the wallet holds: "2 ETH", "3000 nRLC".
    fn held(self, amount: U256) -> String {
        match self {
            Self::Ether => format!("{} ETH", format_ether(amount)),
            Self::Rlc => format_nrlc(amount),
        }
    }

    /// Checks that the wallet can send `amount`; returns what it holds.
    async fn check(self, client: &Client, amount: U256) -> Result<U256> {
        Ok(match self {
            Self::Ether => wallet::check_ether(client, amount).await?,
            Self::Rlc => wallet::check_rlc(client, amount).await?,
        })
    }

    /// Sends `amount` to `to`; returns the transaction hash.
    async fn send(
        self,
        client: &Client,
        to: Address,
        amount: U256,
        progress: &Progress,
    ) -> Result<B256> {
        Ok(match self {
            Self::Ether => wallet::send_ether(client, to, amount, progress).await?,
            Self::Rlc => wallet::send_rlc(client, to, amount, progress).await?,
        })
    }
}

/// `send-ether` and `send-RLC`: checks the balance, asks, sends, prints the hash.
async fn send(ctx: &Ctx, coin: Coin, amount: &str, unit: Option<&str>, to: Address) -> Result<()> {
    let amount = coin.parse(amount, unit)?;
    let client = ctx.client().await?;
    let from = client.address()?;
    let have = coin.check(&client, amount).await?;
    let chain = &client.chain().name;
    ctx.confirm(&format!(
        "Send {} from {from} to {to} on chain {chain} (id {})? The wallet holds {}.",
        coin.full(amount),
        client.chain_id(),
        coin.held(have),
    ))?;
    let progress = ctx.progress();
    let hash = coin.send(&client, to, amount, &progress).await?;
    progress.finish();
    ctx.out.success(
        format!("Sent {} on chain {chain} from {from} to {to}\ntx: {hash}", coin.sent(amount)),
        json!({ "amount": amount.to_string(), "from": from.to_string(), "to": to.to_string(), "txHash": hash }),
    );
    Ok(())
}

pub(super) async fn sweep(ctx: &Ctx, args: SweepArgs) -> Result<()> {
    let client = ctx.client().await?;
    let from = client.address()?;
    let before = wallet::balances(&client, from).await?;
    ctx.confirm(&format!(
        "Send everything wallet {from} holds on chain {} (id {}), {} and {} ETH (minus the gas), \
to {}?",
        client.chain().name,
        client.chain_id(),
        format_nrlc(before.nrlc),
        format_ether(before.wei),
        args.to,
    ))?;
    let progress = ctx.progress();
    let swept = wallet::sweep(&client, args.to, &progress).await?;
    progress.finish();

    let mut human = format!("Wallet swept from {from} to {}", args.to);
    if let Some((nrlc, hash)) = swept.rlc {
        write!(human, "\nRLC: {} (tx {hash})", format_nrlc(nrlc))?;
    }
    if let Some((wei, hash)) = swept.eth {
        write!(human, "\nETH: {} ETH (tx {hash})", format_ether(wei))?;
    }
    for error in &swept.errors {
        write!(human, "\nnot sent: {error}")?;
    }
    // As the SDK: a hash only for what was sent; our amounts sent besides.
    let mut raw = json!({
        "from": from.to_string(),
        "to": args.to.to_string(),
        "sentNRLC": swept.rlc.map_or_else(|| "0".to_owned(), |(nrlc, _)| nrlc.to_string()),
        "sentWei": swept.eth.map_or_else(|| "0".to_owned(), |(wei, _)| wei.to_string()),
    });
    if let Some((_, hash)) = swept.rlc {
        raw["sendERC20TxHash"] = json!(hash);
    }
    if let Some((_, hash)) = swept.eth {
        raw["sendNativeTxHash"] = json!(hash);
    }
    if !swept.errors.is_empty() {
        raw["errors"] = json!(swept.errors);
    }
    ctx.out.success(human, raw);
    Ok(())
}
