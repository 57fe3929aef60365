//! A requester's side for tests and benchmarks: deals of any volume matched straight from the
//! market's orders (`poco app run` always asks for one task), and waiting for a task to end.

use crate::{
    Role, Stack,
    error::{Result, StackError},
};
use alloy_primitives::{Address, B256, U256};
use poco_client::{
    Client,
    deals::TaskView,
    market::{MarketApi, OrderbookFilter, PartyFilter},
    orders::{AnySigned, OrderSet, fill},
};
use poco_types::{OrderKind, TaskStatus, task_id};
use std::time::{Duration, Instant};

/// What to run.
#[derive(Clone, Debug)]
pub struct Run<'a> {
    /// The app (its cheapest open order is used).
    pub app: Address,
    /// The trust level.
    pub trust: u64,
    /// The app's arguments (`iexec_args`).
    pub args: &'a str,
    /// How many tasks.
    pub volume: u64,
    /// The category (the local pool's order in it is used).
    pub category: u64,
}

/// Matches the app's order with the local pool's as the requester (whose hub account must
/// cover it). Returns the deal and its task ids.
pub async fn match_run(stack: &Stack, run: &Run<'_>) -> Result<(B256, Vec<B256>)> {
    let requester = stack.client(Role::Requester).await?;
    let market = MarketApi::new(&stack.record().urls.market, stack.chain().id)?;
    let first = |kind, filter| {
        let market = &market;
        async move {
            market
                .orderbook(kind, &filter)
                .await?
                .orders
                .into_iter()
                .next()
                .map(|order| order.order)
                .ok_or_else(|| StackError::Setup(format!("no open {kind:?} order matches")))
        }
    };
    let app = first(
        OrderKind::App,
        OrderbookFilter {
            app: Some(PartyFilter::Is(run.app)),
            ..OrderbookFilter::default()
        },
    )
    .await?;
    let pool = first(
        OrderKind::Workerpool,
        OrderbookFilter {
            workerpool: Some(PartyFilter::Is(stack.workerpool())),
            category: Some(run.category),
            ..OrderbookFilter::default()
        },
    )
    .await?;
    let (AnySigned::App(app), AnySigned::Workerpool(workerpool)) = (app, pool) else {
        return Err(StackError::Setup(
            "the market answered orders of another kind".to_owned(),
        ));
    };
    let mut request = fill::request_for(
        &app.order,
        None,
        &workerpool.order,
        requester.address()?,
        U256::from(run.volume),
        serde_json::json!({ "iexec_args": run.args }).to_string(),
    );
    request.trust = U256::from(run.trust);
    let request = fill::sign_request(&requester, request)?;
    let orders = OrderSet {
        app,
        dataset: None,
        workerpool,
        request,
    };
    let filled = fill::fill(&requester, &orders, None, &()).await?;
    let tasks = (0..run.volume)
        .map(|i| task_id(filled.deal_id, U256::from(i)))
        .collect();
    Ok((filled.deal_id, tasks))
}

/// Waits until `task` is COMPLETED or FAILED on-chain, for at most `limit`.
pub async fn wait_final(client: &Client, task: B256, limit: Duration) -> Result<TaskView> {
    let start = Instant::now();
    loop {
        if let Ok(view) = poco_client::deals::task(client, task, None).await
            && matches!(view.status, TaskStatus::Completed | TaskStatus::Failed)
        {
            return Ok(view);
        }
        if start.elapsed() > limit {
            return Err(StackError::Setup(format!(
                "task {task} did not end in {} s: see `poco task debug {task}`",
                limit.as_secs()
            )));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
