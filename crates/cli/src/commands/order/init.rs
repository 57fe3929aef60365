//! `poco order init`: writes the SDK's order templates into iexec.json, filled with what is
//! known: the app, dataset or workerpool the project deployed on this chain (deployed.json),
//! and the wallet as requester and beneficiary of a request order.

use super::{Kinds, files};
use crate::context::Ctx;
use anyhow::Result;
use clap::Args;
use poco_client::{
    orders::order_name,
    project::{
        self,
        deployed::{Deployed, Resource},
        json::{JsonObject, JsonValue},
    },
};
use poco_types::OrderKind;
use serde_json::{Map, Value};
use std::fmt::Write as _;

/// `poco order init`.
#[derive(Debug, Args)]
#[command(
    long_about = "Write order templates into iexec.json (under `order`), to edit before `poco \
order sign`: the iExec SDK's defaults, with the address of the app, dataset or workerpool this \
project deployed on the chain (from deployed.json), and for a request order your wallet as \
requester and beneficiary (when there is a wallet; its password is not needed). Without a kind, \
all four templates are written. A template already there is replaced.",
    after_help = "Examples:\n  poco order init --app\n  poco order init --buy\n  poco order init \
--app --workerpool\n  poco order init"
)]
pub(super) struct InitArgs {
    #[command(flatten)]
    kinds: Kinds,
}

pub(super) async fn run(ctx: &Ctx, args: InitArgs) -> Result<()> {
    let kinds = args.kinds.picked(true)?;
    let chain = ctx.chain()?;
    let deployed = Deployed::load(ctx.project())?;
    let mut human = String::new();
    let mut raw = Map::new();
    for kind in kinds {
        let mut overwrite = JsonObject::new();
        match resource(kind) {
            Some(resource) => {
                if let Some(address) = deployed.get(resource, chain.id)? {
                    overwrite.insert(kind.as_str(), address_value(address));
                }
            }
            None => {
                if let Some(me) = files::wallet_address(ctx) {
                    overwrite.insert("requester", address_value(me));
                    overwrite.insert("beneficiary", address_value(me));
                }
            }
        }
        let template = project::iexec_conf::init_order(ctx.project(), kind, &overwrite)?;
        let value = JsonValue::Object(template);
        let _ = writeln!(
            human,
            "Saved the default {} in iexec.json (order.{}), edit it before `poco order sign \
             --{kind}`:\n{}",
            order_name(kind),
            order_name(kind),
            value.stringify_pretty()
        );
        raw.insert(order_name(kind).to_owned(), value.to_serde());
    }
    human.push_str("Successfully initialized, you can edit in \"iexec.json\"");
    ctx.out.success(human, Value::Object(raw));
    Ok(())
}

/// The deployed.json entry of an order's resource (none for a request order).
fn resource(kind: OrderKind) -> Option<Resource> {
    match kind {
        OrderKind::App => Some(Resource::App),
        OrderKind::Dataset => Some(Resource::Dataset),
        OrderKind::Workerpool => Some(Resource::Workerpool),
        OrderKind::Request => None,
    }
}

fn address_value(address: poco_contracts::alloy::primitives::Address) -> JsonValue {
    JsonValue::from(address.to_checksum(None).as_str())
}
