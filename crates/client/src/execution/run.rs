//! `app run`: pick the orders of a run on the market ([`super::select`]), build and sign the
//! request order as the iExec SDK does (volume 1, the workerpool order's category, the
//! requested tag, trust, callback, beneficiary and params), check that the requester's hub
//! account pays for it and that `matchOrders` will accept the four orders ([`prepare`]), then
//! match them ([`submit`]). Nothing is sent before [`submit`].

use super::{
    error::{ExecutionError, Result},
    params::{ParamsInput, requirements},
    select::{self, Source, Wanted},
};
use crate::explain::amount;
use crate::{
    account::hub_account,
    client::Client,
    market::MarketApi,
    orders::{
        OrderSet,
        fill::{Filled, fill, sign_request},
        preflight::{ChainFacts, Plan, preflight},
    },
    tx::TxProgress,
};
use alloy_primitives::{Address, B256, U256};
use poco_types::{RequestOrder, Tag, task_id};

/// What the requester asks for.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RunSpec {
    /// The app.
    pub app: Address,
    /// The dataset, if any.
    pub dataset: Option<Address>,
    /// The workerpool, if the requester picks one (otherwise the market's cheapest).
    pub workerpool: Option<Address>,
    /// The category, if the requester picks one (otherwise the first that has a workerpool
    /// order, from 0).
    pub category: Option<u64>,
    /// The request's tag.
    pub tag: Tag,
    /// The request's trust (0 and 1: a single worker).
    pub trust: u64,
    /// The callback contract, or zero.
    pub callback: Address,
    /// Who may read the result (default: the requester).
    pub beneficiary: Option<Address>,
    /// The params.
    pub params: ParamsInput,
    /// Skip the check of what the workers can serve (TEE, secrets, encryption, storage).
    pub skip_preflight_check: bool,
}

/// A run ready to be matched: the four orders (the request signed), what it costs, and what
/// the chain said about them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PreparedRun {
    /// The orders.
    pub orders: OrderSet,
    /// Where the app order comes from.
    pub app_source: Source,
    /// Where the dataset order comes from, when there is one.
    pub dataset_source: Option<Source>,
    /// Where the workerpool order comes from.
    pub workerpool_source: Source,
    /// What the match will do (volume, price, what the requester's account locks).
    pub plan: Plan,
    /// What the chain said about the orders.
    pub facts: ChainFacts,
}

impl PreparedRun {
    /// What the run locks from the requester's hub account.
    pub fn total(&self) -> U256 {
        self.plan.total
    }
}

/// A matched run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Submitted {
    /// The deal.
    pub filled: Filled,
    /// Its tasks: `(index, task id)`.
    pub tasks: Vec<(U256, B256)>,
}

/// Picks the orders, builds and signs the request, checks the requester's stake and the match.
/// `notes` hears what is being done ("Fetching apporder from the market ...").
pub async fn prepare(
    client: &Client,
    market: &MarketApi,
    spec: &RunSpec,
    notes: &mut dyn FnMut(String),
) -> Result<PreparedRun> {
    let requester = client.address()?;
    let params = spec.params.to_signed_string(spec.tag, spec.callback)?;
    if !spec.skip_preflight_check {
        requirements(&params, spec.tag).map_err(ExecutionError::Requirements)?;
    }
    let wanted = Wanted {
        requester,
        app: spec.app,
        dataset: spec.dataset.filter(|d| *d != Address::ZERO),
        workerpool: spec.workerpool.filter(|w| *w != Address::ZERO),
        category: spec.category,
        tag: spec.tag,
        trust: spec.trust,
    };
    let (app, app_source) = select::app_order(client, market, &wanted, notes).await?;
    let dataset = select::dataset_order(client, market, &wanted, notes).await?;
    let (dataset, dataset_source) = match dataset {
        Some((order, source)) => (Some(order), Some(source)),
        None => (None, None),
    };
    let (workerpool, workerpool_source) = select::workerpool_order(
        client,
        market,
        &wanted,
        &app.order,
        dataset.as_ref().map(|d| &d.order),
        notes,
    )
    .await?;
    notes("Creating requestorder".to_owned());
    let request = RequestOrder {
        app: app.order.app,
        appmaxprice: app.order.appprice,
        dataset: dataset.as_ref().map_or(Address::ZERO, |d| d.order.dataset),
        datasetmaxprice: dataset
            .as_ref()
            .map_or(U256::ZERO, |d| d.order.datasetprice),
        workerpool: workerpool.order.workerpool,
        workerpoolmaxprice: workerpool.order.workerpoolprice,
        requester,
        volume: U256::from(1),
        tag: spec.tag.0,
        category: workerpool.order.category,
        trust: U256::from(spec.trust),
        beneficiary: spec.beneficiary.unwrap_or(requester),
        callback: spec.callback,
        params,
        salt: B256::random(),
    };
    let request = sign_request(client, request)?;
    let orders = OrderSet {
        app,
        dataset,
        workerpool,
        request,
    };
    check_stake(client, &orders).await?;
    let (plan, facts) = preflight(client, &orders).await?;
    Ok(PreparedRun {
        orders,
        app_source,
        dataset_source,
        workerpool_source,
        plan,
        facts,
    })
}

/// Fails with [`ExecutionError::NotEnoughStake`] when the requester's free hub stake does not
/// cover the request's volume at the orders' prices.
pub async fn check_stake(client: &Client, orders: &OrderSet) -> Result<()> {
    let request = &orders.request.order;
    let needed = orders.price_per_task() * request.volume;
    let available = hub_account(client, request.requester).await?.stake;
    if available >= needed {
        return Ok(());
    }
    Err(ExecutionError::NotEnoughStake {
        requester: request.requester,
        available,
        needed,
        breakdown: breakdown(orders, request.volume),
    })
}

/// " (app 1 nRLC + workerpool 2 nRLC per task × 1 task)".
fn breakdown(orders: &OrderSet, volume: U256) -> String {
    let mut parts = vec![format!("app {}", amount(orders.app.order.appprice))];
    if let Some(dataset) = &orders.dataset {
        parts.push(format!("dataset {}", amount(dataset.order.datasetprice)));
    }
    parts.push(format!(
        "workerpool {}",
        amount(orders.workerpool.order.workerpoolprice)
    ));
    let tasks = if volume == U256::from(1) {
        "1 task".to_owned()
    } else {
        format!("{volume} tasks")
    };
    format!(" ({} per task × {tasks})", parts.join(" + "))
}

/// Matches the prepared orders into a deal.
pub async fn submit(
    client: &Client,
    prepared: &PreparedRun,
    progress: &dyn TxProgress,
) -> Result<Submitted> {
    let filled = fill(client, &prepared.orders, Some(&prepared.facts), progress).await?;
    // The deal's tasks start at the request order's consumed volume before the match.
    let first = prepared.facts.request.consumed;
    let tasks = (0..filled.volume.saturating_to::<u64>())
        .map(|i| {
            let idx = first + U256::from(i);
            (idx, task_id(filled.deal_id, idx))
        })
        .collect();
    Ok(Submitted { filled, tasks })
}

#[cfg(test)]
mod tests {
    use super::*;
    use poco_types::{AppOrder, DatasetOrder, Signed, WorkerpoolOrder};

    #[test]
    fn the_breakdown_names_each_price() {
        let orders = OrderSet {
            app: Signed::unsigned(AppOrder {
                appprice: U256::from(1_000),
                ..Default::default()
            }),
            dataset: Some(Signed::unsigned(DatasetOrder {
                datasetprice: U256::from(2),
                ..Default::default()
            })),
            workerpool: Signed::unsigned(WorkerpoolOrder {
                workerpoolprice: U256::from(3_000_000_000u64),
                ..Default::default()
            }),
            request: Signed::unsigned(RequestOrder::default()),
        };
        let text = breakdown(&orders, U256::from(1));
        assert!(text.starts_with(" (app "), "{text}");
        assert!(text.contains("+ dataset "), "{text}");
        assert!(text.ends_with("per task × 1 task)"), "{text}");
        assert!(breakdown(&orders, U256::from(3)).ends_with("× 3 tasks)"));
    }
}
