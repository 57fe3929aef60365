//! Picking the orders of a run from the market, with the iExec SDK's `app run` rules:
//!
//! - the app order: when the requester owns the app, a free one made and signed on the spot
//!   (volume 1, restricted to the requester); otherwise the cheapest open one the market lists
//!   for the app that the requester may use (public or restricted to it, to the dataset and
//!   workerpool of the run) whose tags are within the request's;
//! - the dataset order (with a dataset): the same, for the dataset and this app;
//! - the workerpool order: when the run names a workerpool its requester owns, a free one made
//!   on the spot; otherwise the cheapest open one offering at least the tags of the app, the
//!   dataset (TEE framework left out) and the request, at least the request's trust, usable by
//!   this app, dataset and requester, in the requested category, or without one in category 0,
//!   then 1, ... until one has an order.
//!
//! The market lists orders cheapest first, so its first entry is the pick.

use super::error::{ExecutionError, Result};
use crate::{
    client::Client,
    error::ClientError,
    market::{MarketApi, OrderbookFilter, PartyFilter},
    orders::{AnySigned, registered_owner},
};
use alloy_primitives::{Address, B256, U256};
use poco_types::{
    AppOrder, DatasetOrder, OrderKind, Signed, SignedAppOrder, SignedDatasetOrder,
    SignedWorkerpoolOrder, Tag, WorkerpoolOrder,
};

/// Where an order of the run comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// The market's cheapest fitting order.
    Market,
    /// Made and signed by the requester, who owns the resource (free, volume 1).
    Own,
}

/// What the orders must fit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Wanted {
    /// The requester (the wallet).
    pub requester: Address,
    /// The app.
    pub app: Address,
    /// The dataset, if the run uses one.
    pub dataset: Option<Address>,
    /// The workerpool, if the run names one.
    pub workerpool: Option<Address>,
    /// The category, if the run names one.
    pub category: Option<u64>,
    /// The request's tag.
    pub tag: Tag,
    /// The request's trust.
    pub trust: u64,
}

/// Fails with [`ClientError::NotRegistered`] unless `address` is a registered `kind`; returns
/// its owner.
pub(super) async fn owner_of(
    client: &Client,
    kind: OrderKind,
    address: Address,
) -> Result<Address> {
    registered_owner(client, kind, address)
        .await?
        .ok_or_else(|| {
            ExecutionError::from(ClientError::NotRegistered {
                kind: match kind {
                    OrderKind::App => "app",
                    OrderKind::Dataset => "dataset",
                    _ => "workerpool",
                },
                address,
                chain: client.chain().name.clone(),
            })
        })
}

/// The TEE bits of a tag (`tee` and the frameworks): what an app order must have at least.
fn tee_bits(tag: Tag) -> Tag {
    tag & (Tag::TEE | Tag::SCONE | Tag::GRAMINE | Tag::TDX)
}

/// A tag without its TEE framework bits (the SDK's `stripTeeFrameworkFromTag`).
fn without_framework(tag: Tag) -> Tag {
    Tag(tag.0 & !(Tag::SCONE | Tag::GRAMINE | Tag::TDX).0)
}

/// The tags a workerpool order must offer for these app and dataset orders and request tag.
pub(super) fn pool_min_tag(app: &AppOrder, dataset: Option<&DatasetOrder>, tag: Tag) -> Tag {
    let dataset_tag = dataset.map_or(Tag::NONE, |d| without_framework(Tag(d.tag)));
    Tag(app.tag) | dataset_tag | tag
}

/// Signs `order` with the client's wallet.
fn sign<O: poco_types::Order>(client: &Client, order: O) -> Result<Signed<O>> {
    Signed::sign(order, &client.domain(), client.signer()?)
        .map_err(|e| ExecutionError::from(ClientError::from(e)))
}

/// ", dataset 0x…, workerpool 0x…" for the parties a run names.
fn with_parties(parties: &[(&str, Option<Address>)]) -> String {
    parties
        .iter()
        .filter_map(|(name, address)| address.map(|a| format!(", {name} {a}")))
        .collect()
}

/// A tag in words: "no tag" or "tee,scone".
pub(super) fn tag_words(tag: Tag) -> String {
    if tag.is_empty() {
        return "no tag".to_owned();
    }
    match tag.names() {
        Ok(names) => format!("tag {}", names.join(",")),
        Err(_) => format!("tag {}", tag.0),
    }
}

/// The run's app order.
pub(super) async fn app_order(
    client: &Client,
    market: &MarketApi,
    wanted: &Wanted,
    notes: &mut dyn FnMut(String),
) -> Result<(SignedAppOrder, Source)> {
    let app = wanted.app;
    notes(format!("Using app {app}"));
    let owner = owner_of(client, OrderKind::App, app).await?;
    if owner == wanted.requester {
        notes("Creating apporder (you own the app: it costs you nothing)".to_owned());
        let order = AppOrder {
            app,
            appprice: U256::ZERO,
            volume: U256::from(1),
            tag: wanted.tag.0,
            requesterrestrict: wanted.requester,
            salt: B256::random(),
            ..Default::default()
        };
        return Ok((sign(client, order)?, Source::Own));
    }
    notes(format!(
        "Fetching apporder from the market {}",
        market.url()
    ));
    let filter = OrderbookFilter {
        app: Some(PartyFilter::Is(app)),
        dataset: wanted.dataset.map(PartyFilter::Is),
        workerpool: wanted.workerpool.map(PartyFilter::Is),
        requester: Some(PartyFilter::Is(wanted.requester)),
        min_tag: Some(tee_bits(wanted.tag)),
        max_tag: Some(wanted.tag),
        ..Default::default()
    };
    let page = market.orderbook(OrderKind::App, &filter).await?;
    match page.orders.into_iter().find(|o| o.remaining > 0) {
        Some(published) => match published.order {
            AnySigned::App(signed) => Ok((signed, Source::Market)),
            _ => unreachable!("an app order book holds app orders"),
        },
        None => Err(ExecutionError::NoAppOrder {
            app,
            market: market.url().to_owned(),
            with: with_parties(&[
                ("dataset", wanted.dataset),
                ("workerpool", wanted.workerpool),
            ]),
            tag: tag_words(wanted.tag),
        }),
    }
}

/// The run's dataset order, when it uses a dataset.
pub(super) async fn dataset_order(
    client: &Client,
    market: &MarketApi,
    wanted: &Wanted,
    notes: &mut dyn FnMut(String),
) -> Result<Option<(SignedDatasetOrder, Source)>> {
    let Some(dataset) = wanted.dataset.filter(|d| *d != Address::ZERO) else {
        notes("Not using dataset".to_owned());
        return Ok(None);
    };
    notes(format!("Using dataset {dataset}"));
    let owner = owner_of(client, OrderKind::Dataset, dataset).await?;
    if owner == wanted.requester {
        notes("Creating datasetorder (you own the dataset: it costs you nothing)".to_owned());
        let order = DatasetOrder {
            dataset,
            datasetprice: U256::ZERO,
            volume: U256::from(1),
            tag: wanted.tag.0,
            requesterrestrict: wanted.requester,
            salt: B256::random(),
            ..Default::default()
        };
        return Ok(Some((sign(client, order)?, Source::Own)));
    }
    notes(format!(
        "Fetching datasetorder from the market {}",
        market.url()
    ));
    let filter = OrderbookFilter {
        dataset: Some(PartyFilter::Is(dataset)),
        app: Some(PartyFilter::Is(wanted.app)),
        workerpool: wanted.workerpool.map(PartyFilter::Is),
        requester: Some(PartyFilter::Is(wanted.requester)),
        max_tag: Some(wanted.tag),
        ..Default::default()
    };
    let page = market.orderbook(OrderKind::Dataset, &filter).await?;
    match page.orders.into_iter().find(|o| o.remaining > 0) {
        Some(published) => match published.order {
            AnySigned::Dataset(signed) => Ok(Some((signed, Source::Market))),
            _ => unreachable!("a dataset order book holds dataset orders"),
        },
        None => Err(ExecutionError::NoDatasetOrder {
            dataset,
            app: wanted.app,
            market: market.url().to_owned(),
            with: with_parties(&[("workerpool", wanted.workerpool)]),
        }),
    }
}

/// The run's workerpool order, for these app and dataset orders.
pub(super) async fn workerpool_order(
    client: &Client,
    market: &MarketApi,
    wanted: &Wanted,
    app: &AppOrder,
    dataset: Option<&DatasetOrder>,
    notes: &mut dyn FnMut(String),
) -> Result<(SignedWorkerpoolOrder, Source)> {
    let min_tag = pool_min_tag(app, dataset, wanted.tag);
    match wanted.workerpool {
        Some(pool) => {
            notes(format!("Using workerpool {pool}"));
            let owner = owner_of(client, OrderKind::Workerpool, pool).await?;
            if owner == wanted.requester {
                notes(
                    "Creating workerpoolorder (you own the workerpool: it costs you nothing)"
                        .to_owned(),
                );
                let order = WorkerpoolOrder {
                    workerpool: pool,
                    workerpoolprice: U256::ZERO,
                    volume: U256::from(1),
                    tag: min_tag.0,
                    category: U256::from(wanted.category.unwrap_or(0)),
                    trust: U256::from(wanted.trust),
                    requesterrestrict: wanted.requester,
                    salt: B256::random(),
                    ..Default::default()
                };
                return Ok((sign(client, order)?, Source::Own));
            }
        }
        None => notes("Using any workerpool".to_owned()),
    }
    notes(format!(
        "Fetching workerpoolorder from the market {}",
        market.url()
    ));
    let categories = crate::categories::count(client).await?;
    let strict = wanted.category.is_some();
    let mut category = wanted.category.unwrap_or(0);
    loop {
        let filter = OrderbookFilter {
            category: Some(category),
            workerpool: wanted.workerpool.map(PartyFilter::Is),
            app: Some(PartyFilter::Is(wanted.app)),
            dataset: wanted
                .dataset
                .filter(|d| *d != Address::ZERO)
                .map(PartyFilter::Is),
            requester: Some(PartyFilter::Is(wanted.requester)),
            min_tag: (!min_tag.is_empty()).then_some(min_tag),
            min_trust: (wanted.trust > 0).then_some(wanted.trust),
            ..Default::default()
        };
        let page = market.orderbook(OrderKind::Workerpool, &filter).await?;
        if let Some(published) = page.orders.into_iter().find(|o| o.remaining > 0) {
            match published.order {
                AnySigned::Workerpool(signed) => return Ok((signed, Source::Market)),
                _ => unreachable!("a workerpool order book holds workerpool orders"),
            }
        }
        let next = category + 1;
        if strict || U256::from(next) >= categories {
            return Err(no_pool_order(market, wanted, min_tag, strict));
        }
        category = next;
    }
}

fn no_pool_order(
    market: &MarketApi,
    wanted: &Wanted,
    min_tag: Tag,
    strict: bool,
) -> ExecutionError {
    let mut conditions = vec![match wanted.category {
        Some(category) => format!("category {category}"),
        None => "any category".to_owned(),
    }];
    conditions.push(format!("trust {} or more", wanted.trust));
    if !min_tag.is_empty() {
        conditions.push(format!("offering {}", tag_words(min_tag)));
    }
    if let Some(pool) = wanted.workerpool {
        conditions.push(format!("workerpool {pool}"));
    }
    conditions.push(format!(
        "usable by app {} and requester {}",
        wanted.app, wanted.requester
    ));
    let mut fix = String::new();
    if strict {
        fix.push_str(", or leave --category out to take the first category that has one");
    }
    if wanted.workerpool.is_some() {
        fix.push_str(", or leave --workerpool out to use any workerpool");
    }
    if wanted.trust > 1 {
        fix.push_str(", or ask for a lower --trust");
    }
    ExecutionError::NoWorkerpoolOrder {
        market: market.url().to_owned(),
        conditions: conditions.join(", "),
        fix,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pool_must_offer_the_app_dataset_and_request_tags() {
        let app = AppOrder {
            tag: (Tag::TEE | Tag::SCONE).0,
            ..Default::default()
        };
        let dataset = DatasetOrder {
            tag: (Tag::TEE | Tag::GRAMINE).0,
            ..Default::default()
        };
        // The dataset's framework is left out: the app's decides.
        assert_eq!(
            pool_min_tag(&app, Some(&dataset), Tag::GPU),
            Tag::TEE | Tag::SCONE | Tag::GPU
        );
        assert_eq!(
            pool_min_tag(&AppOrder::default(), None, Tag::NONE),
            Tag::NONE
        );
        assert_eq!(tee_bits(Tag::TEE | Tag::GPU), Tag::TEE);
    }

    #[test]
    fn tags_read_in_words() {
        assert_eq!(tag_words(Tag::NONE), "no tag");
        assert_eq!(tag_words(Tag::TEE | Tag::SCONE), "tag tee,scone");
    }
}
