//! `poco app|dataset|workerpool init`: the SDK's default section in iexec.json, owned by the
//! wallet when there is one.

use super::{KindSpec, section};
use crate::{commands::wallet::wallet_address, context::Ctx};
use anyhow::Result;
use poco_client::project::{self, json::JsonValue};
use serde_json::{Map, Value};
use std::fmt::Write as _;

pub(super) fn run<K: KindSpec>(ctx: &Ctx, args: &K::InitArgs) -> Result<()> {
    let kind = K::KIND;
    let mut overwrite = K::template(ctx, args)?;
    // Without a wallet the template's zero owner stays; deploying says to set it.
    let owner = wallet_address(ctx).ok();
    if let Some(owner) = owner {
        overwrite.insert("owner", JsonValue::from(owner.to_checksum(None)));
    }
    let saved = JsonValue::Object(project::init_section(
        ctx.project(),
        section(kind),
        &overwrite,
    )?);
    let notes = K::after_init(ctx, args)?;
    let mut human = format!(
        "Saved the default {kind} in iexec.json; edit it, then register it with `poco {kind} \
         deploy`:\n{}\n",
        saved.stringify_pretty()
    );
    if owner.is_none() {
        let _ = writeln!(
            human,
            "No wallet found, so `{kind}.owner` is the zero address: create a wallet (`poco \
             wallet create`) and run this again, or write the owner's address"
        );
    }
    for note in notes {
        let _ = writeln!(human, "{note}");
    }
    let mut raw = Map::new();
    raw.insert(kind.as_str().to_owned(), saved.to_serde());
    ctx.out.success(human, Value::Object(raw));
    Ok(())
}
