//! `poco account deposit|withdraw|show|approve|allowance|revoke`: the wallet's account in the
//! hub, which pays for deals and holds stakes: moving RLC in and out, its balances, and
//! allowances on the hub's ERC-20 view of the stake. The logic is `poco_client::account`; this
//! module reads the arguments and prints. Amounts are nRLC unless they say RLC.

use super::wallet::{address_arg, wallet_address};
use crate::context::{Common, Ctx};
use anyhow::Result;
use clap::{Args, Subcommand};
use poco_client::{
    Client,
    account::{self, HubAccount},
    wallet::units::{RlcUnit, join_amount, parse_rlc},
};
use poco_contracts::alloy::primitives::{Address, U256};
use poco_types::{format_nrlc, format_rlc};
use serde_json::json;

/// `poco account`.
#[derive(Debug, Args)]
pub(crate) struct AccountCommand {
    #[command(flatten)]
    common: Common,
    #[command(subcommand)]
    action: AccountAction,
}

#[derive(Debug, Subcommand)]
enum AccountAction {
    #[command(about = "Move RLC from the wallet into its hub account")]
    Deposit(DepositArgs),
    #[command(about = "Move free RLC from the hub account back to the wallet")]
    Withdraw(WithdrawArgs),
    #[command(about = "Show a hub account: its free stake and what is locked in deals")]
    Show(ShowArgs),
    #[command(about = "Let an address spend from your hub account, up to an amount")]
    Approve(ApproveArgs),
    #[command(about = "Show how much an address may still spend from a hub account")]
    Allowance(AllowanceArgs),
    #[command(about = "Take back an address's allowance on your hub account")]
    Revoke(RevokeArgs),
}

/// `poco account deposit`.
#[derive(Debug, Args)]
#[command(
    long_about = "Move RLC from the wallet into its account in the hub, where the protocol takes \
payments and stakes from: buying computing (`poco order fill`) spends the hub account, not the \
wallet. One transaction: the RLC token's approveAndCall, which has the hub pull the amount. The \
amount is nRLC, or RLC with the unit (\"1.5 RLC\" or `1.5 RLC`). The wallet must hold it, and \
some ETH for gas.",
    after_help = "Examples:\n  poco account deposit 1000\n  poco account deposit 1.5 RLC\n  \
poco account deposit \"100 nRLC\" --raw"
)]
struct DepositArgs {
    #[command(flatten)]
    amount: AmountArgs,
}

/// `poco account withdraw`.
#[derive(Debug, Args)]
#[command(
    long_about = "Move RLC from the hub account back to the wallet. Only the free stake can be \
withdrawn; what is locked in running deals comes back when their tasks complete or are claimed. \
The amount is nRLC, or RLC with the unit.",
    after_help = "Examples:\n  poco account withdraw 1000\n  poco account withdraw 1.5 RLC --raw"
)]
struct WithdrawArgs {
    #[command(flatten)]
    amount: AmountArgs,
}

/// The amount of `poco account deposit|withdraw`, with its unit.
#[derive(Debug, Args)]
struct AmountArgs {
    /// The amount: "1000" (nRLC), "300 nRLC", "1.5 RLC".
    #[arg(value_name = "AMOUNT", allow_hyphen_values = true)]
    amount: String,
    /// The amount's unit, if given apart (`1.5 RLC`).
    #[arg(value_name = "UNIT")]
    unit: Option<String>,
}

/// `poco account show`.
#[derive(Debug, Args)]
#[command(
    long_about = "Show a hub account: the free stake (what can pay for deals or be withdrawn) and \
what is locked in running deals, in nRLC. Without an address, the wallet's account (its address \
is read from the keystore: no password needed).",
    after_help = "Examples:\n  poco account show\n  poco account show 0x70997970C51812dc3A010C7d01b50e0d17dc79C8 --raw"
)]
struct ShowArgs {
    /// The account's address (default: the wallet's).
    #[arg(value_name = "ADDRESS", value_parser = address_arg)]
    address: Option<Address>,
}

/// `poco account approve`.
#[derive(Debug, Args)]
#[command(
    long_about = "Let another address (a contract or a person) spend up to an amount of your hub \
account's stake, through the hub's ERC-20 view of it (`approve`). This replaces any previous \
allowance for that address; `poco account revoke` sets it back to 0. The amount is nRLC, or RLC \
with the unit. Asks for confirmation first (--force skips it).",
    after_help = "Examples:\n  poco account approve 1000 0x70997970C51812dc3A010C7d01b50e0d17dc79C8\n  \
poco account approve 1.5 0x70997970C51812dc3A010C7d01b50e0d17dc79C8 RLC --force --raw"
)]
struct ApproveArgs {
    /// The amount: "1000" (nRLC), "1.5 RLC".
    #[arg(value_name = "AMOUNT", allow_hyphen_values = true)]
    amount: String,
    /// The address allowed to spend.
    #[arg(value_name = "SPENDER", value_parser = address_arg)]
    spender: Address,
    /// The amount's unit, if given apart.
    #[arg(value_name = "UNIT")]
    unit: Option<String>,
}

/// `poco account allowance`.
#[derive(Debug, Args)]
#[command(
    long_about = "Show how much of a hub account a spender may still spend (the hub's ERC-20 \
`allowance`), in nRLC. The owner is the wallet unless given.",
    after_help = "Examples:\n  poco account allowance 0x70997970C51812dc3A010C7d01b50e0d17dc79C8\n  \
poco account allowance 0x70997970C51812dc3A010C7d01b50e0d17dc79C8 0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266 --raw"
)]
struct AllowanceArgs {
    /// The address allowed to spend.
    #[arg(value_name = "SPENDER", value_parser = address_arg)]
    spender: Address,
    /// The account's owner (default: the wallet).
    #[arg(value_name = "OWNER", value_parser = address_arg)]
    owner: Option<Address>,
    /// The owner, as the iExec SDK's option names it.
    #[arg(long, value_name = "ADDRESS", value_parser = address_arg, conflicts_with = "owner")]
    user: Option<Address>,
}

/// `poco account revoke`.
#[derive(Debug, Args)]
#[command(
    long_about = "Set a spender's allowance on your hub account back to 0 (the hub's ERC-20 \
`approve` with 0).",
    after_help = "Examples:\n  poco account revoke 0x70997970C51812dc3A010C7d01b50e0d17dc79C8\n  \
poco account revoke 0x70997970C51812dc3A010C7d01b50e0d17dc79C8 --raw"
)]
struct RevokeArgs {
    /// The spender whose allowance goes back to 0.
    #[arg(value_name = "SPENDER", value_parser = address_arg)]
    spender: Address,
}

impl AccountCommand {
    pub(crate) async fn run(self) -> Result<()> {
        let ctx = Ctx::new(self.common);
        match self.action {
            AccountAction::Deposit(args) => move_rlc(&ctx, Move::Deposit, args.amount).await,
            AccountAction::Withdraw(args) => move_rlc(&ctx, Move::Withdraw, args.amount).await,
            AccountAction::Show(args) => show(&ctx, args).await,
            AccountAction::Approve(args) => approve(&ctx, args).await,
            AccountAction::Allowance(args) => allowance(&ctx, args).await,
            AccountAction::Revoke(args) => revoke(&ctx, args).await,
        }
    }
}

/// An amount with a bare number in nRLC, as every account command reads it.
fn nrlc(amount: &str, unit: Option<&str>) -> Result<U256> {
    Ok(parse_rlc(&join_amount(amount, unit), RlcUnit::Nrlc)?)
}

/// "5 nRLC (0.000000005 RLC)".
fn both(nrlc: U256) -> String {
    format!("{} ({})", format_nrlc(nrlc), format_rlc(nrlc))
}

/// "hub account: 5 nRLC free, 3 nRLC locked".
async fn account_line(client: &Client, who: Address) -> Result<String> {
    let HubAccount { stake, locked } = account::hub_account(client, who).await?;
    Ok(format!(
        "hub account: {} free, {} locked",
        format_nrlc(stake),
        format_nrlc(locked)
    ))
}

/// Which way [`move_rlc`] moves RLC.
#[derive(Clone, Copy)]
enum Move {
    /// From the wallet into its hub account.
    Deposit,
    /// From the hub account's free stake back to the wallet.
    Withdraw,
}

/// `poco account deposit|withdraw`: moves the amount, then prints the hash and the account's
/// new balances.
async fn move_rlc(ctx: &Ctx, way: Move, args: AmountArgs) -> Result<()> {
    let amount = nrlc(&args.amount, args.unit.as_deref())?;
    let client = ctx.client().await?;
    let progress = ctx.progress();
    let hash = match way {
        Move::Deposit => account::deposit(&client, amount, &progress).await?,
        Move::Withdraw => account::withdraw(&client, amount, &progress).await?,
    };
    progress.finish();
    let line = account_line(&client, client.address()?).await?;
    let done = match way {
        Move::Deposit => format!("Deposited {} into your hub account", both(amount)),
        Move::Withdraw => format!(
            "Withdrew {} from your hub account to the wallet",
            both(amount)
        ),
    };
    ctx.out.success(
        format!("{done}\ntx: {hash}\n{line}"),
        json!({ "amount": amount.to_string(), "txHash": hash }),
    );
    Ok(())
}

async fn show(ctx: &Ctx, args: ShowArgs) -> Result<()> {
    let address = match args.address {
        Some(address) => address,
        None => wallet_address(ctx)?,
    };
    let client = ctx.reader().await?;
    let HubAccount { stake, locked } = account::hub_account(&client, address).await?;
    ctx.out.success(
        format!(
            "address: {address}\nchain:   {} (id {})\nHub account balances:\n  stake:  {}\n  locked: {}",
            client.chain().name,
            client.chain_id(),
            both(stake),
            both(locked)
        ),
        json!({ "balance": { "stake": stake.to_string(), "locked": locked.to_string() } }),
    );
    Ok(())
}

async fn approve(ctx: &Ctx, args: ApproveArgs) -> Result<()> {
    let amount = nrlc(&args.amount, args.unit.as_deref())?;
    let client = ctx.client().await?;
    let owner = client.address()?;
    ctx.confirm(&format!(
        "Let {} spend up to {} of your hub account ({owner}) on chain {} (id {})? It can take that \
RLC at any time until revoked.",
        args.spender,
        both(amount),
        client.chain().name,
        client.chain_id()
    ))?;
    let progress = ctx.progress();
    let hash = account::approve(&client, args.spender, amount, &progress).await?;
    progress.finish();
    ctx.out.success(
        format!(
            "{} may now spend up to {} of your hub account\ntx: {hash}",
            args.spender,
            both(amount)
        ),
        json!({ "txHash": hash }),
    );
    Ok(())
}

async fn allowance(ctx: &Ctx, args: AllowanceArgs) -> Result<()> {
    let owner = match args.owner.or(args.user) {
        Some(owner) => owner,
        None => wallet_address(ctx)?,
    };
    let client = ctx.reader().await?;
    let amount = account::allowance(&client, owner, args.spender).await?;
    ctx.out.success(
        format!(
            "{} may spend {} of the hub account of {owner}",
            args.spender,
            both(amount)
        ),
        json!({ "amount": amount.to_string() }),
    );
    Ok(())
}

async fn revoke(ctx: &Ctx, args: RevokeArgs) -> Result<()> {
    let client = ctx.client().await?;
    let progress = ctx.progress();
    let hash = account::revoke(&client, args.spender, &progress).await?;
    progress.finish();
    ctx.out.success(
        format!(
            "{} may no longer spend from your hub account\ntx: {hash}",
            args.spender
        ),
        json!({ "txHash": hash }),
    );
    Ok(())
}
