//! Everything `matchOrders` checks, checked before sending: [`gather`] reads what the chain
//! knows about four orders (owners, signatures, consumed volumes, categories, stakes), and
//! [`check`] (pure, so unit-tested) applies the hub's rules in the hub's order, so the first
//! problem found is the one the chain would have reverted with. Each problem reads in plain
//! words with the orders' values ([`crate::explain::match_orders`]).

use super::{OrderSet, OrderState, registered_owner, status};
use crate::{
    client::{Client, rpc},
    error::{ClientError, Result},
    explain::match_orders::{Problem, describe},
};
use poco_contracts::alloy::{
    primitives::{Address, B256, Bytes, U256},
    providers::Provider,
};
use poco_types::OrderKind;

/// What the chain says about one of the orders.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderFacts {
    /// The order hash.
    pub hash: B256,
    /// The registered owner of its resource (the requester, for a request order); `None`
    /// when the resource is not registered.
    pub owner: Option<Address>,
    /// Whether the owner signed or presigned it (as the hub checks).
    pub signed: bool,
    /// Its consumed volume.
    pub consumed: U256,
    /// Open, filled, cancelled...
    pub state: OrderState,
}

/// What the chain says about four orders, read by [`gather`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainFacts {
    /// Who sends the match.
    pub sender: Address,
    /// How many categories exist.
    pub category_count: U256,
    /// The app order.
    pub app: OrderFacts,
    /// The dataset order, when there is one.
    pub dataset: Option<OrderFacts>,
    /// The workerpool order.
    pub workerpool: OrderFacts,
    /// The request order.
    pub request: OrderFacts,
    /// Restriction addresses that are contracts (ERC-734 groups): only the chain can tell
    /// whether they hold a candidate, so they are left to it.
    pub group_restrictions: Vec<Address>,
    /// The requester's free stake in the hub.
    pub requester_stake: U256,
    /// The workerpool owner's free stake in the hub.
    pub pool_owner_stake: U256,
    /// The percentage of the workerpool price its owner stakes per task.
    pub stake_ratio: U256,
    /// The volume a match would have now (min of what each order has left).
    pub volume: U256,
}

/// What a match of the orders will do, when [`check`] finds nothing wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Plan {
    /// Tasks in the deal.
    pub volume: U256,
    /// App + dataset + workerpool price, per task.
    pub price_per_task: U256,
    /// What the requester's hub account locks: price per task × volume.
    pub total: U256,
    /// What the workerpool owner's hub account locks as stake.
    pub pool_stake: U256,
}

/// Reads the facts, checks them, and returns the plan, or the first problem in words as
/// [`ClientError::OrdersDoNotMatch`].
pub async fn preflight(client: &Client, orders: &OrderSet) -> Result<(Plan, ChainFacts)> {
    let facts = gather(client, orders).await?;
    match check(orders, &facts) {
        Ok(plan) => Ok((plan, facts)),
        Err(problem) => Err(ClientError::OrdersDoNotMatch(describe(
            &problem,
            orders,
            Some(&facts),
        ))),
    }
}

/// Reads what the chain knows about `orders`.
pub async fn gather(client: &Client, orders: &OrderSet) -> Result<ChainFacts> {
    let hub = client.hub();
    let sender = client.address().unwrap_or(orders.request.order.requester);
    let app = order_facts(
        client,
        &orders.app.order,
        registered_owner(client, OrderKind::App, orders.app.order.app).await?,
        &orders.app.sign,
    )
    .await?;
    let dataset = match &orders.dataset {
        Some(d) => Some(
            order_facts(
                client,
                &d.order,
                registered_owner(client, OrderKind::Dataset, d.order.dataset).await?,
                &d.sign,
            )
            .await?,
        ),
        None => None,
    };
    let workerpool = order_facts(
        client,
        &orders.workerpool.order,
        registered_owner(
            client,
            OrderKind::Workerpool,
            orders.workerpool.order.workerpool,
        )
        .await?,
        &orders.workerpool.sign,
    )
    .await?;
    let requester = orders.request.order.requester;
    let request = order_facts(
        client,
        &orders.request.order,
        Some(requester),
        &orders.request.sign,
    )
    .await?;
    let category_count = hub
        .countCategory()
        .call()
        .await
        .map_err(|e| rpc("count the categories", e))?;
    let stake_ratio = hub
        .workerpool_stake_ratio()
        .call()
        .await
        .map_err(|e| rpc("read the workerpool stake ratio", e))?;
    let stake_of = |who: Address| {
        let hub = hub.clone();
        async move {
            hub.viewAccount(who)
                .call()
                .await
                .map(|account| account.stake)
                .map_err(|e| rpc("read a hub account", e))
        }
    };
    let requester_stake = stake_of(requester).await?;
    let pool_owner_stake = match workerpool.owner {
        Some(owner) => stake_of(owner).await?,
        None => U256::ZERO,
    };
    let mut group_restrictions = Vec::new();
    for restriction in restrictions(orders) {
        let code = client
            .provider()
            .get_code_at(restriction)
            .await
            .map_err(|e| rpc("read a restriction's code", e))?;
        if !code.is_empty() {
            group_restrictions.push(restriction);
        }
    }
    let remaining =
        |order_volume: U256, facts: &OrderFacts| order_volume.saturating_sub(facts.consumed);
    let mut volume = remaining(orders.app.order.volume, &app)
        .min(remaining(orders.workerpool.order.volume, &workerpool))
        .min(remaining(orders.request.order.volume, &request));
    if let (Some(d), Some(f)) = (&orders.dataset, &dataset) {
        volume = volume.min(remaining(d.order.volume, f));
    }
    Ok(ChainFacts {
        sender,
        category_count,
        app,
        dataset,
        workerpool,
        request,
        group_restrictions,
        requester_stake,
        pool_owner_stake,
        stake_ratio,
        volume,
    })
}

async fn order_facts<O: super::HubOrder>(
    client: &Client,
    order: &O,
    owner: Option<Address>,
    sign: &Bytes,
) -> Result<OrderFacts> {
    let status = status::status(client, order).await?;
    let signed = match owner {
        Some(owner) => client
            .hub()
            .verifyPresignatureOrSignature(owner, status.hash, sign.clone())
            .call()
            .await
            .map_err(|e| rpc("verify an order's signature", e))?,
        None => false,
    };
    Ok(OrderFacts {
        hash: status.hash,
        owner,
        signed,
        consumed: status.consumed,
        state: status.state,
    })
}

/// Every non-zero restriction that is not simply the candidate.
fn restrictions(o: &OrderSet) -> Vec<Address> {
    restriction_pairs(o)
        .into_iter()
        .filter(|&(_, restriction, candidate)| {
            restriction != Address::ZERO && restriction != candidate
        })
        .map(|(_, restriction, _)| restriction)
        .collect()
}

/// `(code, restriction, candidate)` for the hub's checks 0x12..0x1b, in its order.
fn restriction_pairs(o: &OrderSet) -> [(u8, Address, Address); 10] {
    let (app, pool, request) = (&o.app.order, &o.workerpool.order, &o.request.order);
    let dataset = o.dataset_order();
    [
        (0x12, request.workerpool, pool.workerpool),
        (0x13, app.datasetrestrict, dataset.dataset),
        (0x14, app.workerpoolrestrict, pool.workerpool),
        (0x15, app.requesterrestrict, request.requester),
        (0x16, dataset.apprestrict, app.app),
        (0x17, dataset.workerpoolrestrict, pool.workerpool),
        (0x18, dataset.requesterrestrict, request.requester),
        (0x19, pool.apprestrict, app.app),
        (0x1a, pool.datasetrestrict, dataset.dataset),
        (0x1b, pool.requesterrestrict, request.requester),
    ]
}

/// The hub's rules, in its order; the first problem, or what the match will do.
pub fn check(o: &OrderSet, facts: &ChainFacts) -> std::result::Result<Plan, Problem> {
    let (app, pool, request) = (&o.app.order, &o.workerpool.order, &o.request.order);
    let dataset = o.dataset_order();
    let fail = |code: u8| Err(Problem::Code(code));
    if request.category != pool.category {
        return fail(0x00);
    }
    if request.category >= facts.category_count {
        return fail(0x01);
    }
    if request.trust > pool.trust {
        return fail(0x02);
    }
    if request.appmaxprice < app.appprice {
        return fail(0x03);
    }
    if request.datasetmaxprice < dataset.datasetprice {
        return fail(0x04);
    }
    if request.workerpoolmaxprice < pool.workerpoolprice {
        return fail(0x05);
    }
    let tag = app.tag | dataset.tag | request.tag;
    if tag & !pool.tag != B256::ZERO {
        return fail(0x06);
    }
    if poco_types::Tag(tag).is_tee() && !poco_types::Tag(app.tag).is_tee() {
        return fail(0x07);
    }
    if request.app != app.app {
        return fail(0x10);
    }
    if request.dataset != dataset.dataset {
        return fail(0x11);
    }
    for (code, restriction, candidate) in restriction_pairs(o) {
        let met = restriction == Address::ZERO
            || restriction == candidate
            || facts.group_restrictions.contains(&restriction);
        if !met {
            return fail(code);
        }
    }
    if facts.app.owner.is_none() {
        return fail(0x20);
    }
    if !facts.app.signed {
        return fail(0x21);
    }
    if let Some(d) = &facts.dataset {
        if d.owner.is_none() {
            return fail(0x30);
        }
        if !d.signed {
            return fail(0x31);
        }
    }
    if facts.workerpool.owner.is_none() {
        return fail(0x40);
    }
    if !facts.workerpool.signed {
        return fail(0x41);
    }
    if !facts.request.signed {
        return fail(0x50);
    }
    if facts.volume.is_zero() {
        return fail(0x60);
    }
    let volume = facts.volume;
    let price_per_task = o.price_per_task();
    let total = price_per_task * volume;
    let pool_stake = pool.workerpoolprice * facts.stake_ratio / U256::from(100) * volume;
    if facts.requester_stake < total {
        return Err(Problem::RequesterStake {
            available: facts.requester_stake,
            needed: total,
        });
    }
    let owner = facts.workerpool.owner.unwrap_or_default();
    // The requester's lock comes first: an owner who requests from its own pool needs both.
    let pool_available = if owner == request.requester {
        facts.requester_stake - total
    } else {
        facts.pool_owner_stake
    };
    if pool_available < pool_stake {
        return Err(Problem::PoolOwnerStake {
            owner,
            available: pool_available,
            needed: pool_stake,
        });
    }
    Ok(Plan {
        volume,
        price_per_task,
        total,
        pool_stake,
    })
}

#[cfg(test)]
#[path = "preflight_tests.rs"]
mod tests;
