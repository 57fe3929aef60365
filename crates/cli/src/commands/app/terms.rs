//! The options `app run` and `app request-execution` share: what the request order says
//! besides its orders (params, tag, trust, callback, beneficiary), as the iExec SDK's.

use crate::commands::address_arg;
use anyhow::Result;
use clap::Args;
use poco_client::{
    execution::ParamsInput,
    project::{fields::parse_tag, json::JsonValue},
};
use poco_contracts::alloy::primitives::Address;
use poco_types::Tag;

/// The request's terms.
#[derive(Debug, Args)]
pub(super) struct Terms {
    /// The app's arguments (`iexec_args`), as one string: `--args "hello poco"`.
    #[arg(long, value_name = "STRING", allow_hyphen_values = true)]
    pub(super) args: Option<String>,
    /// URLs of input files the worker downloads for the app (`iexec_input_files`):
    /// comma-separated, or the option repeated.
    #[arg(long, value_name = "URL[,URL...]")]
    pub(super) input_files: Vec<String>,
    /// The request's params as a JSON object: `--params '{"iexec_args":"do stuff",
    /// "iexec_input_files":["https://example.com/file.zip"]}'` (--args and --input-files
    /// override its keys).
    #[arg(long, value_name = "JSON", allow_hyphen_values = true)]
    pub(super) params: Option<String>,
    /// Tags the task needs: names separated by commas (`gpu`) or bytes32 hex.
    #[arg(long, value_name = "TAGS")]
    pub(super) tag: Option<String>,
    /// The trust level: how many workers must agree on the result (0 and 1: one worker).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub(super) trust: u64,
    /// A contract the hub calls with the result at the end of each task.
    #[arg(long, value_name = "ADDRESS", value_parser = address_arg)]
    pub(super) callback: Option<Address>,
    /// Who may read the results (default: your wallet).
    #[arg(long, value_name = "ADDRESS", value_parser = address_arg)]
    pub(super) beneficiary: Option<Address>,
    /// Skip the check that the workers can serve the request (TEE, secrets, encrypted
    /// results, another storage): the task may then fail.
    #[arg(long)]
    pub(super) skip_preflight_check: bool,
}

impl Terms {
    /// The params as the client library takes them.
    pub(super) fn params(&self) -> ParamsInput {
        ParamsInput {
            params: self.params.clone(),
            args: self.args.clone(),
            input_files: self.input_files.clone(),
        }
    }

    /// The tag (none by default).
    pub(super) fn tag(&self) -> Result<Tag> {
        match &self.tag {
            None => Ok(Tag::NONE),
            Some(text) => parse_tag(&JsonValue::from(text.as_str()), false)
                .map_err(|reason| anyhow::anyhow!("--tag {text:?} {reason}")),
        }
    }

    /// The callback (zero by default).
    pub(super) fn callback(&self) -> Address {
        self.callback.unwrap_or(Address::ZERO)
    }
}

/// An amount option (`--app-price 1.5 RLC`, `--app-price 300`): nRLC, 0 when absent.
pub(super) fn amount(
    option: &str,
    words: &[String],
) -> Result<poco_contracts::alloy::primitives::U256> {
    if words.is_empty() {
        return Ok(Default::default());
    }
    let text = words.join(" ");
    poco_types::parse_nrlc(&text).map_err(|e| {
        anyhow::anyhow!("{option} {text:?} is not an amount (\"1.5 RLC\", \"300\" nRLC): {e}")
    })
}
