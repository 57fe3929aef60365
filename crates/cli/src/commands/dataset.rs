//! `poco dataset init|deploy|show|count|transfer|publish|unpublish`: datasets, the (encrypted) data an app may
//! read. The commands are [`super::asset`]'s; a dataset's `init` can also lay out the folders
//! of the SDK's encryption workflow (`--encrypted`; `dataset encrypt` comes later).

use super::asset::{AssetCommand, KindSpec, publish::DatasetPublishArgs};
use crate::context::Ctx;
use anyhow::{Context as _, Result};
use clap::Args;
use poco_client::{assets::Kind, project::json::JsonObject};
use std::path::{Path, PathBuf};

/// `poco dataset`.
pub(crate) type DatasetCommand = AssetCommand<Dataset>;

/// The dataset kind.
#[derive(Debug)]
pub(crate) struct Dataset;

/// `poco dataset init`'s own options (the iExec SDK's).
#[derive(Debug, Args)]
pub(crate) struct DatasetInitArgs {
    /// Also create the folders of the encryption workflow: the original dataset, the encrypted
    /// one, and the dataset keys.
    #[arg(long)]
    encrypted: bool,
    /// Same as --encrypted (a TEE dataset is an encrypted one).
    #[arg(long)]
    tee: bool,
    /// The dataset keys' folder (default: .secrets/datasets in the project).
    #[arg(long, value_name = "DIR")]
    dataset_keystoredir: Option<PathBuf>,
    /// The original datasets' folder (default: datasets/original in the project).
    #[arg(long, value_name = "DIR")]
    original_dataset_dir: Option<PathBuf>,
    /// The encrypted datasets' folder (default: datasets/encrypted in the project).
    #[arg(long, value_name = "DIR")]
    encrypted_dataset_dir: Option<PathBuf>,
}

impl KindSpec for Dataset {
    const KIND: Kind = Kind::Dataset;
    type InitArgs = DatasetInitArgs;
    const INIT_HELP: &'static str = " With --encrypted (or --tee), also creates the folders of \
        the SDK's encryption workflow: datasets/original, datasets/encrypted and \
        .secrets/datasets (encrypting, `poco dataset encrypt`, comes with a later version).";
    const INIT_EXAMPLES: &'static str = "  poco dataset init\n  poco dataset init --encrypted";
    type PublishArgs = DatasetPublishArgs;
    const PUBLISH_EXAMPLES: &'static str = "  poco dataset publish --price 0.1 RLC --app-restrict 0x1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d --raw";

    fn template(_ctx: &Ctx, _args: &DatasetInitArgs) -> Result<JsonObject> {
        Ok(JsonObject::new())
    }

    fn after_init(ctx: &Ctx, args: &DatasetInitArgs) -> Result<Vec<String>> {
        if !(args.encrypted || args.tee) {
            return Ok(Vec::new());
        }
        let project = ctx.project();
        let folder = |given: &Option<PathBuf>, default: &str| -> PathBuf {
            given
                .as_ref()
                .map_or_else(|| project.join(default), |dir| project.join(dir))
        };
        let folders = [
            folder(&args.original_dataset_dir, "datasets/original"),
            folder(&args.encrypted_dataset_dir, "datasets/encrypted"),
            folder(&args.dataset_keystoredir, ".secrets/datasets"),
        ];
        for dir in &folders {
            create(dir)?;
        }
        Ok(vec![format!(
            "Created the folders for dataset encryption: {} (put the dataset there), {}, {}",
            folders[0].display(),
            folders[1].display(),
            folders[2].display()
        )])
    }
}

fn create(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create the folder {}", dir.display()))
}
