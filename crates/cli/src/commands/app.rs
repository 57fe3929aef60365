//! `poco app init|deploy|show|count|transfer|publish|unpublish|run|request-execution`: apps, the
//! container images that tasks run. The first seven are [`super::asset`]'s; an app brings its
//! `init` options (the iExec SDK's TEE templates), its `publish` restrictions, and the commands
//! that run it ([`run`], [`request`]).

mod follow;
mod request;
mod run;
mod terms;

use super::asset::{AssetCommand, ExtraActions, KindSpec, publish::AppPublishArgs};
use crate::context::Ctx;
use anyhow::Result;
use clap::{Args, Subcommand};
use poco_client::{
    assets::Kind,
    chains::DEFAULT_TEE_FRAMEWORK,
    project::{json::JsonObject, templates},
};

/// `poco app`.
pub(crate) type AppCommand = AssetCommand<App, AppAction>;

/// The commands that run an app.
#[derive(Debug, Subcommand)]
pub(crate) enum AppAction {
    #[command(about = "Run an app: buy a task on the market's cheapest orders and follow it")]
    Run(run::RunArgs),
    #[command(about = "Publish a request to run an app on the market, for sellers to fill")]
    RequestExecution(request::RequestArgs),
}

impl ExtraActions for AppAction {
    async fn run(self, ctx: &Ctx) -> Result<()> {
        match self {
            AppAction::Run(args) => run::run(ctx, args).await,
            AppAction::RequestExecution(args) => request::run(ctx, args).await,
        }
    }
}

/// The app kind.
#[derive(Debug)]
pub(crate) struct App;

/// `poco app init`'s own options.
#[derive(Debug, Args)]
pub(crate) struct AppInitArgs {
    /// Write a TEE app template, for the chain's default TEE framework (scone unless chain.json
    /// sets `defaultTeeFramework`).
    #[arg(long)]
    tee: bool,
    /// Write the TEE app template of this framework.
    #[arg(long, value_name = "NAME", value_parser = ["scone", "gramine", "tdx"])]
    tee_framework: Option<String>,
}

impl KindSpec for App {
    const KIND: Kind = Kind::App;
    type InitArgs = AppInitArgs;
    const INIT_HELP: &'static str = " With --tee or --tee-framework, the template is the SDK's \
        TEE app (SCONE or Gramine: a sconified or Gramine image with its `mrenclave`; a TDX app \
        uses the standard template).";
    const INIT_EXAMPLES: &'static str =
        "  poco app init\n  poco app init --tee\n  poco app init --tee-framework gramine --raw";
    type PublishArgs = AppPublishArgs;
    const PUBLISH_EXAMPLES: &'static str = "  poco app publish --tag tee,scone --workerpool-restrict 0x1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d --raw";

    fn template(ctx: &Ctx, args: &AppInitArgs) -> Result<JsonObject> {
        let framework = match (&args.tee_framework, args.tee) {
            (Some(framework), _) => Some(framework.clone()),
            (None, true) => Some(
                ctx.chain()?
                    .default_tee_framework
                    .unwrap_or_else(|| DEFAULT_TEE_FRAMEWORK.to_owned())
                    .to_lowercase(),
            ),
            (None, false) => None,
        };
        Ok(match framework.as_deref() {
            Some("scone") => templates::scone_tee_app(),
            Some("gramine") => templates::gramine_tee_app(),
            Some(_tdx) => templates::app(),
            None => JsonObject::new(),
        })
    }
}
