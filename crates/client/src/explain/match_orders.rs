//! Why four orders do not match, in plain words with the orders' own values: "the app costs 10
//! nRLC, above your maximum of 5 nRLC (appmaxprice in the request order)". The fill preflight
//! ([`crate::orders::preflight`]) and the revert explainer of `matchOrders` share these
//! sentences, so a refusal reads the same whether it was found before sending or by the
//! chain. With the facts the preflight read (owners, consumed volumes, stakes) the sentences
//! say more; without them they say what the orders alone tell.

use crate::{
    explain::amount,
    orders::{OrderSet, OrderState, preflight::ChainFacts},
};
use poco_contracts::{
    PocoHub,
    alloy::{
        primitives::{Address, U256},
        sol_types::{Revert, SolError},
    },
};
use poco_types::{OrderKind, Tag, format_nrlc};

/// One reason four orders cannot match.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Problem {
    /// A `matchOrders` check failed: its `iExecV5-matchOrders-0xNN` code.
    Code(u8),
    /// The requester's free stake is below what the deal locks.
    RequesterStake {
        /// Free stake.
        available: U256,
        /// What the deal locks (price per task × volume).
        needed: U256,
    },
    /// The workerpool owner's free stake is below what the deal locks from it.
    PoolOwnerStake {
        /// The workerpool's owner.
        owner: Address,
        /// Free stake (after the requester's part, when the owner is the requester).
        available: U256,
        /// What the deal locks from it.
        needed: U256,
    },
}

/// The revert data (or bare reason string) of a `matchOrders` call in words, using the orders'
/// values; `None` when it is not one of matchOrders' reasons.
pub fn explain(code_or_data: &[u8], orders: &OrderSet) -> Option<String> {
    explain_with(code_or_data, orders, None)
}

/// [`explain`], with the facts the preflight read when there are some.
pub fn explain_with(
    code_or_data: &[u8],
    orders: &OrderSet,
    facts: Option<&ChainFacts>,
) -> Option<String> {
    let problem = if let Ok(Revert { reason }) = Revert::abi_decode(code_or_data) {
        Problem::Code(reason_code(&reason)?)
    } else if let Some(code) = std::str::from_utf8(code_or_data).ok().and_then(reason_code) {
        Problem::Code(code)
    } else if let Ok(e) = PocoHub::InsufficientStake::abi_decode(code_or_data) {
        let pool_owner = facts.and_then(|f| f.workerpool.owner);
        if e.account == orders.request.order.requester {
            Problem::RequesterStake {
                available: e.available,
                needed: e.needed,
            }
        } else if pool_owner.is_none_or(|owner| owner == e.account) {
            Problem::PoolOwnerStake {
                owner: e.account,
                available: e.available,
                needed: e.needed,
            }
        } else {
            return None;
        }
    } else {
        return None;
    };
    Some(describe(&problem, orders, facts))
}

/// The code of an `iExecV5-matchOrders-0xNN` reason.
fn reason_code(reason: &str) -> Option<u8> {
    let hex = reason.trim().strip_prefix("iExecV5-matchOrders-0x")?;
    u8::from_str_radix(hex, 16).ok()
}

/// `problem` in words.
pub fn describe(problem: &Problem, orders: &OrderSet, facts: Option<&ChainFacts>) -> String {
    match *problem {
        Problem::Code(code) => code_words(code, orders, facts),
        Problem::RequesterStake { available, needed } => {
            let price = orders.price_per_task();
            let volume = match (facts.map(|f| f.volume), price.is_zero()) {
                (Some(volume), _) => Some(volume),
                (None, false) if (needed % price).is_zero() => Some(needed / price),
                _ => None,
            };
            let breakdown = volume.map_or_else(String::new, |volume| {
                format!(" (price {} × volume {volume})", format_nrlc(price))
            });
            let missing = needed.saturating_sub(available);
            let requester = orders.request.order.requester;
            if facts.is_none_or(|f| f.sender == requester) {
                format!(
                    "your hub account has {} available and this deal needs {}{breakdown}: the RLC \
                     in your wallet is not used directly; run `poco account deposit {missing}`",
                    amount(available),
                    amount(needed)
                )
            } else {
                format!(
                    "the requester {requester} has {} available in its hub account and this deal \
                     needs {}{breakdown}: the requester must deposit {} (`poco account deposit \
                     {missing}` from its wallet)",
                    amount(available),
                    amount(needed),
                    amount(missing)
                )
            }
        }
        Problem::PoolOwnerStake {
            owner,
            available,
            needed,
        } => {
            let ratio =
                facts.map_or_else(|| "a share".to_owned(), |f| format!("{}%", f.stake_ratio));
            let missing = needed.saturating_sub(available);
            let who = if facts.is_some_and(|f| f.sender == owner) {
                "you (the workerpool owner) must run".to_owned()
            } else {
                format!("its owner must run, from wallet {owner},")
            };
            format!(
                "the workerpool owner {owner} has {} available in its hub account, and this deal \
                 locks {} from it as stake ({ratio} of the workerpool price {} per task): matching \
                 would fail with insufficient stake; {who} `poco account deposit {missing}`",
                amount(available),
                amount(needed),
                amount(orders.workerpool.order.workerpoolprice),
            )
        }
    }
}

/// The words of one `matchOrders` reason code.
fn code_words(code: u8, o: &OrderSet, facts: Option<&ChainFacts>) -> String {
    let (app, pool, request) = (&o.app.order, &o.workerpool.order, &o.request.order);
    let dataset = o.dataset_order();
    match code {
        0x00 => format!(
            "the request order is for category {}, and the workerpool order sells category {}: set \
             `category` to {} in the request order, or pick a workerpool order of category {}",
            request.category, pool.category, pool.category, request.category
        ),
        0x01 => {
            let count = facts.map_or_else(String::new, |f| {
                format!(" (there are {}, numbered from 0)", f.category_count)
            });
            format!(
                "category {} does not exist{count}: list them with `poco category show <index>`",
                request.category
            )
        }
        0x02 => format!(
            "the request order asks for trust {}, and the workerpool order accepts at most {}: \
             lower `trust` in the request order, or pick another workerpool order",
            request.trust, pool.trust
        ),
        0x03 => price_words("app", app.appprice, request.appmaxprice),
        0x04 => price_words("dataset", dataset.datasetprice, request.datasetmaxprice),
        0x05 => price_words(
            "workerpool",
            pool.workerpoolprice,
            request.workerpoolmaxprice,
        ),
        0x06 => {
            let asked = Tag(app.tag) | Tag(dataset.tag) | Tag(request.tag);
            let offered = Tag(pool.tag);
            let missing = Tag(asked.0 & !offered.0);
            format!(
                "the workerpool order does not offer {} that the orders ask for (asked: {}, \
                 offered by the workerpool order: {}): pick a workerpool order with these tags",
                tag_words(missing),
                tag_words(asked),
                tag_words(offered)
            )
        }
        0x07 => {
            "the request or dataset order asks for a TEE run (tag `tee`), and the app order is \
                 not tagged `tee`: a TEE run needs a TEE app and an app order tagged `tee`"
                .to_owned()
        }
        0x10 => format!(
            "the request order is for app {}, and the app order is for app {}",
            request.app, app.app
        ),
        0x11 => format!(
            "the request order is for {}, and the dataset order is for {}",
            dataset_words(request.dataset),
            dataset_words(dataset.dataset)
        ),
        0x12..=0x1b => restriction_words(code, o),
        0x20 => not_registered(OrderKind::App, app.app),
        0x30 => not_registered(OrderKind::Dataset, dataset.dataset),
        0x40 => not_registered(OrderKind::Workerpool, pool.workerpool),
        0x21 | 0x31 | 0x41 => {
            let (kind, resource, owner) = match code {
                0x21 => (OrderKind::App, app.app, facts.and_then(|f| f.app.owner)),
                0x31 => (
                    OrderKind::Dataset,
                    dataset.dataset,
                    facts.and_then(|f| f.dataset.as_ref().and_then(|d| d.owner)),
                ),
                _ => (
                    OrderKind::Workerpool,
                    pool.workerpool,
                    facts.and_then(|f| f.workerpool.owner),
                ),
            };
            let owner = owner.map_or_else(String::new, |owner| format!(" ({owner})"));
            format!(
                "the {kind} order is not signed by the current owner{owner} of {kind} {resource}: \
                 the owner must sign it again (`poco order sign --{kind}`)"
            )
        }
        0x50 => format!(
            "the request order is not signed by its requester {}: sign it with that wallet \
             (`poco order sign --request`)",
            request.requester
        ),
        0x60 => volume_words(o, facts),
        other => format!("the orders do not match (iExecV5-matchOrders-0x{other:02x})"),
    }
}

fn price_words(what: &str, price: U256, max: U256) -> String {
    format!(
        "the {what} costs {}, above your maximum of {} ({what}maxprice in the request order)",
        amount(price),
        amount(max)
    )
}

fn tag_words(tag: Tag) -> String {
    match tag.names() {
        Ok(names) if names.is_empty() => "no tag".to_owned(),
        Ok(names) => names
            .iter()
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", "),
        Err(_) => tag.to_string(),
    }
}

fn dataset_words(dataset: Address) -> String {
    if dataset == Address::ZERO {
        "no dataset".to_owned()
    } else {
        format!("dataset {dataset}")
    }
}

fn not_registered(kind: OrderKind, resource: Address) -> String {
    format!(
        "no {kind} is registered at {resource} (the {kind} order's {kind}): check the address, or \
         deploy it with `poco {kind} deploy`"
    )
}

/// 0x12..0x1b: which order restricts what, and what this deal has instead.
fn restriction_words(code: u8, o: &OrderSet) -> String {
    let (app, pool, request) = (&o.app.order, &o.workerpool.order, &o.request.order);
    let dataset = o.dataset_order();
    let (order, field, restricted, restriction, actual) = match code {
        0x12 => (
            "request",
            "workerpool",
            "workerpool",
            request.workerpool,
            pool.workerpool,
        ),
        0x13 => (
            "app",
            "datasetrestrict",
            "dataset",
            app.datasetrestrict,
            dataset.dataset,
        ),
        0x14 => (
            "app",
            "workerpoolrestrict",
            "workerpool",
            app.workerpoolrestrict,
            pool.workerpool,
        ),
        0x15 => (
            "app",
            "requesterrestrict",
            "requester",
            app.requesterrestrict,
            request.requester,
        ),
        0x16 => (
            "dataset",
            "apprestrict",
            "app",
            dataset.apprestrict,
            app.app,
        ),
        0x17 => (
            "dataset",
            "workerpoolrestrict",
            "workerpool",
            dataset.workerpoolrestrict,
            pool.workerpool,
        ),
        0x18 => (
            "dataset",
            "requesterrestrict",
            "requester",
            dataset.requesterrestrict,
            request.requester,
        ),
        0x19 => (
            "workerpool",
            "apprestrict",
            "app",
            pool.apprestrict,
            app.app,
        ),
        0x1a => (
            "workerpool",
            "datasetrestrict",
            "dataset",
            pool.datasetrestrict,
            dataset.dataset,
        ),
        _ => (
            "workerpool",
            "requesterrestrict",
            "requester",
            pool.requesterrestrict,
            request.requester,
        ),
    };
    let actual = if restricted == "dataset" {
        dataset_words(actual)
    } else {
        format!("{restricted} {actual}")
    };
    format!(
        "the {order} order is restricted to {restricted} {restriction} ({field} in the {order} \
         order), and this deal has {actual}: use orders that agree, or an order without this \
         restriction"
    )
}

/// 0x60: which orders have no volume left, and why when known.
fn volume_words(o: &OrderSet, facts: Option<&ChainFacts>) -> String {
    let Some(facts) = facts else {
        return "one of the orders has no volume left (fully filled, or cancelled): check them \
                with `poco order show --app|--dataset|--workerpool|--request`"
            .to_owned();
    };
    let mut empty = Vec::new();
    let volumes = [
        (OrderKind::App, &facts.app, o.app.order.volume),
        (
            OrderKind::Workerpool,
            &facts.workerpool,
            o.workerpool.order.volume,
        ),
        (OrderKind::Request, &facts.request, o.request.order.volume),
    ];
    let dataset = o
        .dataset
        .as_ref()
        .zip(facts.dataset.as_ref())
        .map(|(d, f)| (OrderKind::Dataset, f, d.order.volume));
    for (kind, f, volume) in volumes.into_iter().chain(dataset) {
        if f.consumed < volume {
            continue;
        }
        let why = match f.state {
            OrderState::Cancelled => "was cancelled".to_owned(),
            OrderState::Filled => format!("is fully filled ({} of {volume} used)", f.consumed),
            _ => "has no volume left (filled or cancelled)".to_owned(),
        };
        empty.push(format!(
            "the {kind} order {} {why} (see `poco order show --{kind} {}`)",
            f.hash, f.hash
        ));
    }
    if empty.is_empty() {
        "one of the orders has no volume left".to_owned()
    } else {
        format!("{}: it cannot be matched any more", empty.join("; "))
    }
}
