//! What `poco app`, `poco dataset` and `poco workerpool` share: the same seven commands
//! (`init|deploy|show|count|transfer|publish|unpublish`, as the iExec SDK's), written once for
//! the three kinds. A kind ([`KindSpec`]) brings its name, its `init` options (an app's TEE
//! templates, a dataset's encryption folders) and its `publish` options (the order's
//! restrictions, a workerpool's category); the help of every command names the kind, so `poco app show
//! --help` speaks of apps. The registry logic is `poco_client::assets`; this module reads the
//! arguments, asks, records deployed.json and prints.

mod init;
pub(crate) mod publish;
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
    /// The options of `publish` (the order's fields this kind has).
    type PublishArgs: Args + FromArgMatches + std::fmt::Debug + publish::PublishOptions;
    /// `publish`'s example lines beyond the common ones.
    const PUBLISH_EXAMPLES: &'static str;

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

/// A kind's commands beyond the shared seven (`poco app run`...), flattened into its tree.
pub(crate) trait ExtraActions: Subcommand + std::fmt::Debug {
    /// Runs the command.
    fn run(self, ctx: &Ctx) -> impl std::future::Future<Output = Result<()>>;
}

/// No commands beyond the shared ones.
#[derive(Debug)]
pub(crate) enum NoExtra {}

impl FromArgMatches for NoExtra {
    fn from_arg_matches(_: &clap::ArgMatches) -> Result<Self, clap::Error> {
        Err(clap::Error::new(clap::error::ErrorKind::InvalidSubcommand))
    }

    fn update_from_arg_matches(&mut self, _: &clap::ArgMatches) -> Result<(), clap::Error> {
        match *self {}
    }
}

impl Subcommand for NoExtra {
    fn augment_subcommands(command: Command) -> Command {
        command
    }

    fn augment_subcommands_for_update(command: Command) -> Command {
        command
    }

    fn has_subcommand(_: &str) -> bool {
        false
    }
}

impl ExtraActions for NoExtra {
    async fn run(self, _: &Ctx) -> Result<()> {
        match self {}
    }
}

/// `poco app`, `poco dataset` or `poco workerpool` (with the kind's extra commands `E`).
#[derive(Debug)]
pub(crate) struct AssetCommand<K: KindSpec, E: ExtraActions = NoExtra> {
    inner: Inner<K::InitArgs, K::PublishArgs, E>,
    kind: PhantomData<K>,
}

#[derive(Debug, Args)]
struct Inner<I: Args, P: Args, E: ExtraActions> {
    #[command(flatten)]
    common: Common,
    #[command(subcommand)]
    action: Action<I, P, E>,
}

/// The commands; their help is written per kind by [`describe`].
#[derive(Debug, Subcommand)]
enum Action<I: Args, P: Args, E: ExtraActions> {
    Init(I),
    Deploy(DeployArgs),
    Show(show::ShowArgs),
    Count(show::CountArgs),
    Transfer(send::TransferArgs),
    Publish(P),
    Unpublish(publish::UnpublishArgs),
    #[command(flatten)]
    Extra(E),
}

/// `deploy` has only the common options.
#[derive(Debug, Args)]
pub(crate) struct DeployArgs {}

impl<K: KindSpec, E: ExtraActions> AssetCommand<K, E> {
    /// Runs the command.
    pub(crate) async fn run(self) -> Result<()> {
        let ctx = Ctx::new(self.inner.common);
        match self.inner.action {
            Action::Init(args) => init::run::<K>(&ctx, &args),
            Action::Deploy(DeployArgs {}) => send::deploy(&ctx, K::KIND).await,
            Action::Show(args) => show::show(&ctx, K::KIND, args).await,
            Action::Count(args) => show::count(&ctx, K::KIND, args).await,
            Action::Transfer(args) => send::transfer(&ctx, K::KIND, args).await,
            Action::Publish(args) => publish::publish::<K>(&ctx, args).await,
            Action::Unpublish(args) => publish::unpublish(&ctx, K::KIND, args).await,
            Action::Extra(extra) => extra.run(&ctx).await,
        }
    }
}

impl<K: KindSpec, E: ExtraActions> FromArgMatches for AssetCommand<K, E> {
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

impl<K: KindSpec, E: ExtraActions> Args for AssetCommand<K, E> {
    fn augment_args(command: Command) -> Command {
        describe::<K>(Inner::<K::InitArgs, K::PublishArgs, E>::augment_args(
            command,
        ))
    }

    fn augment_args_for_update(command: Command) -> Command {
        describe::<K>(Inner::<K::InitArgs, K::PublishArgs, E>::augment_args_for_update(command))
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
        .mut_subcommand(
            "publish",
            help(
                format!(
                    "Sell {}: make, sign and publish an order for it on the market",
                    a(kind)
                ),
                format!(
                    "Make {} for the {kind} at ADDRESS (default: deployed.json's for the \
                     chain) from the options, sign it with your wallet and publish it on the \
                     chain's market (`iexecGateway`; start one with `poco market`), in one step \
                     as the iExec SDK does. The {kind} must be registered and yours. The price \
                     is per task, nRLC or with a unit (`--price 1.5 RLC`), default 0. Asks for \
                     confirmation first (--force skips it); nothing is sent on-chain. Prints \
                     the order hash; `poco {kind} unpublish` takes it back.",
                    a(&format!("{kind}order"))
                ),
                format!(
                    "  poco {kind} publish\n  poco {kind} publish --price 1 RLC --volume 10\n{}",
                    K::PUBLISH_EXAMPLES
                ),
            ),
        )
        .mut_subcommand(
            "unpublish",
            help(
                format!("Remove your last (or --all) published {kind}order(s) from the market"),
                format!(
                    "Remove the last {kind}order you published for the {kind} at ADDRESS \
                     (default: deployed.json's for the chain) from the market, or all of them \
                     with --all. The orders stay valid on-chain (whoever holds one could still \
                     match it): `poco order cancel` closes an order for good. Asks for \
                     confirmation first (--force skips it)."
                ),
                format!(
                    "  poco {kind} unpublish\n  poco {kind} unpublish --all --force\n  poco \
                     {kind} unpublish 0x1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d --raw"
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
