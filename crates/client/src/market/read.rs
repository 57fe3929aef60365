//! The market's reads: its version, order book pages (one, or several followed up to a
//! limit), one order by hash, and deals.

use super::{
    MarketApi,
    book::{DealsPage, OrderbookPage, PublishedOrder, parse},
    filter::{DealFilter, OrderbookFilter},
};
use crate::{error::Result, orders::order_name};
use alloy_primitives::B256;
use poco_types::OrderKind;
use serde_json::Value;

/// The API path of a kind's orders: `/apporders`, ...
pub(super) fn orders_path(kind: OrderKind) -> String {
    format!("/{}s", order_name(kind))
}

impl MarketApi {
    /// The market's version (`GET /version`); also a check that it answers.
    pub async fn version(&self) -> Result<String> {
        let reply = self.get("/version", &[]).await?;
        parse(&self.url, &reply, |json| {
            json.get("version")
                .and_then(Value::as_str)
                .map(str::to_owned)
                .ok_or_else(|| "the `/version` reply has no `version`".to_owned())
        })
    }

    /// One page of the `kind` order book matching `filter`.
    pub async fn orderbook(
        &self,
        kind: OrderKind,
        filter: &OrderbookFilter,
    ) -> Result<OrderbookPage> {
        let reply = self.get(&orders_path(kind), &filter.query(kind)).await?;
        parse(&self.url, &reply, |json| {
            OrderbookPage::from_json(kind, json)
        })
    }

    /// The `kind` orders matching `filter`, from its page on, following the pages until at
    /// least `limit` orders are read or there are no more (the SDK's `--raw` reads up to 100
    /// this way). The count is the market's total.
    pub async fn orderbook_up_to(
        &self,
        kind: OrderKind,
        filter: &OrderbookFilter,
        limit: usize,
    ) -> Result<OrderbookPage> {
        let mut filter = filter.clone();
        let mut all = self.orderbook(kind, &filter).await?;
        while all.orders.len() < limit {
            let Some(next) = all.next_page.filter(|next| *next > filter.page) else {
                break;
            };
            filter.page = next;
            let page = self.orderbook(kind, &filter).await?;
            all.orders.extend(page.orders);
            all.count = page.count;
            all.next_page = page.next_page;
        }
        Ok(all)
    }

    /// The `kind` order whose hash is `hash`, whatever its status.
    pub async fn order(&self, kind: OrderKind, hash: B256) -> Result<PublishedOrder> {
        let reply = self
            .get(&format!("{}/{hash}", orders_path(kind)), &[])
            .await?;
        parse(&self.url, &reply, |json| {
            PublishedOrder::from_json(kind, json)
        })
    }

    /// One page of the deals matching `filter` (`GET /deals`).
    pub async fn deals(&self, filter: &DealFilter) -> Result<DealsPage> {
        let reply = self.get("/deals", &filter.query()).await?;
        parse(&self.url, &reply, DealsPage::from_json)
    }

    /// One deal (`GET /deals/{dealid}`), as the market sends it.
    pub async fn deal(&self, deal_id: B256) -> Result<Value> {
        let mut reply = self.get(&format!("/deals/{deal_id}"), &[]).await?;
        if let Value::Object(fields) = &mut reply {
            fields.remove("ok");
        }
        Ok(reply)
    }
}
