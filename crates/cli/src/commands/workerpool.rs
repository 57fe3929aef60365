//! `poco workerpool init|deploy|show|count|transfer|publish|unpublish`: workerpools, the workers a scheduler
//! sells computing from. The commands are [`super::asset`]'s; `init` has no options of its own.

use super::asset::{AssetCommand, KindSpec, publish::WorkerpoolPublishArgs};
use crate::context::Ctx;
use anyhow::Result;
use clap::Args;
use poco_client::{assets::Kind, project::json::JsonObject};

/// `poco workerpool`.
pub(crate) type WorkerpoolCommand = AssetCommand<Workerpool>;

/// The workerpool kind.
#[derive(Debug)]
pub(crate) struct Workerpool;

/// `poco workerpool init` has only the common options.
#[derive(Debug, Args)]
pub(crate) struct WorkerpoolInitArgs {}

impl KindSpec for Workerpool {
    const KIND: Kind = Kind::Workerpool;
    type InitArgs = WorkerpoolInitArgs;
    const INIT_HELP: &'static str = "";
    const INIT_EXAMPLES: &'static str = "  poco workerpool init\n  poco workerpool init --raw";
    type PublishArgs = WorkerpoolPublishArgs;
    const PUBLISH_EXAMPLES: &'static str =
        "  poco workerpool publish --category 2 --price 0.5 RLC --volume 100 --raw";

    fn template(_ctx: &Ctx, _args: &WorkerpoolInitArgs) -> Result<JsonObject> {
        Ok(JsonObject::new())
    }
}
