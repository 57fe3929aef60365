//! What `poco app`, `poco dataset` and `poco workerpool` share: the same five commands
//! (`init|deploy|show|count|transfer`, as the iExec SDK's), written once for the three kinds.
//! A kind ([`KindSpec`]) brings its name and its `init` options (an app's TEE templates, a
//! dataset's encryption folders); the help of every command names the kind, so `poco app show
//! --help` speaks of apps. The registry logic is `poco_client::assets`; this module reads the
//! arguments, asks, records deployed.json and prints.

mod init;
mod send;
mod show;

use crate::context::{Common, Ctx};
use anyhow::Result;
use clap::{Args, Command, FromArgMatches, Subcommand};
use poco_client::{
    assets::Kind,
    project::{Section, json::JsonObject},
};
use std::marker::PhantomData;

/// One kind of registered resource, for the shared commands.
pub(crate) trait KindSpec: std::fmt::Debug + 'static {
    /// Which kind.
    const KIND: Kind;
    /// The options of `init` beyond the common ones.
    type InitArgs: Args + FromArgMatches + std::fmt::Debug;
    /// More of `init`'s long help: what its options do.
    const INIT_HELP: &'static str;
    /// `init`'s example lines (each `  poco ...`).
    const INIT_EXAMPLES: &'static str;

    /// What `init` lays over the SDK's template besides the owner (a TEE app's template...).
    fn template(ctx: &Ctx, args: &Self::InitArgs) -> Result<JsonObject>;

    /// What else `init` sets up once iexec.json is written; returns notes to print.
    fn after_init(_ctx: &Ctx, _args: &Self::InitArgs) -> Result<Vec<String>> {
        Ok(Vec::new())
    }
}

/// The iexec.json section of a kind.
fn section(kind: Kind) -> Section {
    match kind {
        Kind::App => Section::App,
        Kind::Dataset => Section::Dataset,
        Kind::Workerpool => Section::Workerpool,
    }
}

/// `poco app`, `poco dataset` or `poco workerpool`.
#[derive(Debug)]
pub(crate) struct AssetCommand<K: KindSpec> {
    inner: Inner<K::InitArgs>,
    kind: PhantomData<K>,
}

#[derive(Debug, Args)]
struct Inner<I: Args> {
    #[command(flatten)]
    common: Common,
    #[command(subcommand)]
    action: Action<I>,
}

/// The commands; their help is written per kind by [`describe`].
#[derive(Debug, Subcommand)]
enum Action<I: Args> {
    Init(I),
    Deploy(DeployArgs),
    Show(show::ShowArgs),
    Count(show::CountArgs),
    Transfer(send::TransferArgs),
}

/// `deploy` has only the common options.
#[derive(Debug, Args)]
pub(crate) struct DeployArgs {}

impl<K: KindSpec> AssetCommand<K> {
    /// Runs the command.
    pub(crate) async fn run(self) -> Result<()> {
        let ctx = Ctx::new(self.inner.common);
        match self.inner.action {
            Action::Init(args) => init::run::<K>(&ctx, &args),
            Action::Deploy(DeployArgs {}) => send::deploy(&ctx, K::KIND).await,
            Action::Show(args) => show::show(&ctx, K::KIND, args).await,
            Action::Count(args) => show::count(&ctx, K::KIND, args).await,
            Action::Transfer(args) => send::transfer(&ctx, K::KIND, args).await,
        }
    }
}

impl<K: KindSpec> FromArgMatches for AssetCommand<K> {
    fn from_arg_matches(matches: &clap::ArgMatches) -> Result<Self, clap::Error> {
        Ok(Self {
            inner: Inner::from_arg_matches(matches)?,
            kind: PhantomData,
        })
    }

    fn update_from_arg_matches(&mut self, matches: &clap::ArgMatches) -> Result<(), clap::Error> {
        self.inner.update_from_arg_matches(matches)
    }
}

impl<K: KindSpec> Args for AssetCommand<K> {
    fn augment_args(command: Command) -> Command {
        describe::<K>(Inner::<K::InitArgs>::augment_args(command))
    }

    fn augment_args_for_update(command: Command) -> Command {
        describe::<K>(Inner::<K::InitArgs>::augment_args_for_update(command))
    }
}

/// Each command's help, naming the kind.
fn describe<K: KindSpec>(command: Command) -> Command {
    let kind = K::KIND.as_str();
    let examples = |lines: String| format!("Examples:\n{lines}");
    let help = |about: String, long: String, example_lines: String| {
        move |c: Command| {
            c.about(about)
                .long_about(long)
                .after_help(examples(example_lines))
        }
    };
    command
        .mut_subcommand(
            "init",
            help(
                format!("Write the default {kind} into iexec.json, to edit before deploying"),
                format!(
                    "Write the iExec SDK's default `{kind}` section into iexec.json (replacing \
                     any), owned by your wallet when there is one (its password is not needed). \
                     Edit it, then register it with `poco {kind} deploy`. iexec.json must exist: \
                     `poco init` creates it.{}",
                    K::INIT_HELP
                ),
                K::INIT_EXAMPLES.to_owned(),
            ),
        )
        .mut_subcommand(
            "deploy",
            help(
                format!("Register the {kind} of iexec.json on-chain"),
                format!(
                    "Register the `{kind}` section of iexec.json in the hub's {kind} registry, \
                     owned by your wallet (the section's owner must be it), and record its \
                     address in deployed.json under the chain id. The address is known \
                     beforehand: when the same {kind} (same fields, same owner) is already \
                     registered, nothing is sent and that address is recorded. Asks for \
                     confirmation first (--force skips it). Costs gas only."
                ),
                format!("  poco {kind} deploy\n  poco {kind} deploy --force --raw"),
            ),
        )
        .mut_subcommand(
            "show",
            help(
                format!(
                    "Show {}: by address, by index among an owner's, or the deployed one",
                    a(kind)
                ),
                format!(
                    "Show the fields of a registered {kind}, found by its address, by its index \
                     among your wallet's {kind}s (or --user's) counting from 0, or, without an \
                     argument, the {kind} deployed.json records for the chain."
                ),
                format!(
                    "  poco {kind} show\n  poco {kind} show 0\n  poco {kind} show 1 --user \
                     0x70997970C51812dc3A010C7d01b50e0d17dc79C8\n  poco {kind} show \
                     0x1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d --raw"
                ),
            ),
        )
        .mut_subcommand(
            "count",
            help(
                format!("Count the {kind}s your wallet (or --user) owns"),
                format!("Count the {kind}s registered to your wallet, or to --user."),
                format!(
                    "  poco {kind} count\n  poco {kind} count --user \
                     0x70997970C51812dc3A010C7d01b50e0d17dc79C8 --raw"
                ),
            ),
        )
        .mut_subcommand(
            "transfer",
            help(
                format!("Give one of your {kind}s to another owner"),
                format!(
                    "Transfer the ownership of a {kind} you own to --to (the registry's ERC-721 \
                     safeTransferFrom). Orders signed by the previous owner no longer match \
                     afterwards: the new owner signs new ones. Asks for confirmation first \
                     (--force skips it). Costs gas only."
                ),
                format!(
                    "  poco {kind} transfer 0x1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d --to \
                     0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
                ),
            ),
        )
}

/// "an app", "a dataset", "a workerpool".
fn a(kind: &str) -> String {
    if kind.starts_with(['a', 'e', 'i', 'o', 'u']) {
        format!("an {kind}")
    } else {
        format!("a {kind}")
    }
}

/// An address in JSON as the SDK prints it: EIP-55 checksummed.
pub(crate) fn address_json(
    address: poco_contracts::alloy::primitives::Address,
) -> serde_json::Value {
    serde_json::Value::String(address.to_checksum(None))
}
