//! What the market returns: published orders (`{order, orderHash, chainId, signer, status,
//! remaining, publicationTimestamp, tagArray}`), pages of them (`{orders, count, nextPage}`)
//! and pages of deals. Each keeps the market's JSON as sent ([`PublishedOrder::json`]), so that
//! what is printed for scripts is what the market said.

use crate::{error::Result, orders::AnySigned};
use alloy_primitives::{Address, B256, U256};
use poco_types::OrderKind;
use serde_json::Value;

/// An order as the market publishes it.
#[derive(Clone, Debug, PartialEq)]
pub struct PublishedOrder {
    /// The signed order.
    pub order: AnySigned,
    /// Its hash.
    pub order_hash: B256,
    /// Its chain.
    pub chain_id: u64,
    /// Who signed it (its owner).
    pub signer: Address,
    /// `OPEN`, `FILLED`, `CANCELED` or `DEAD`.
    pub status: String,
    /// The volume left.
    pub remaining: u64,
    /// When it was published (ISO 8601).
    pub publication_timestamp: String,
    /// The names of its tag's bits.
    pub tag_array: Vec<String>,
    /// The entry as the market sent it.
    pub json: Value,
}

impl PublishedOrder {
    /// Reads one entry of a `kind` order book; `Err(reason)` when it is not one.
    pub fn from_json(kind: OrderKind, json: &Value) -> std::result::Result<Self, String> {
        let order_json = json.get("order").ok_or("an order entry has no `order`")?;
        let order = AnySigned::from_json(kind, order_json).map_err(|e| e.to_string())?;
        let text = |key: &str| -> std::result::Result<&str, String> {
            json.get(key)
                .and_then(Value::as_str)
                .ok_or_else(|| format!("an order entry has no text `{key}`"))
        };
        let order_hash = text("orderHash")?
            .parse::<B256>()
            .map_err(|_| "an order entry's `orderHash` is not 32 bytes of hex".to_owned())?;
        let signer = text("signer")?
            .parse::<Address>()
            .map_err(|_| "an order entry's `signer` is not an address".to_owned())?;
        Ok(Self {
            order,
            order_hash,
            chain_id: number(json.get("chainId")).ok_or("an order entry has no `chainId`")?,
            signer,
            status: text("status")?.to_owned(),
            remaining: number(json.get("remaining")).ok_or("an order entry has no `remaining`")?,
            publication_timestamp: json
                .get("publicationTimestamp")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
            tag_array: json
                .get("tagArray")
                .and_then(Value::as_array)
                .map(|tags| {
                    tags.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default(),
            json: json.clone(),
        })
    }

    /// The order's kind.
    pub fn kind(&self) -> OrderKind {
        self.order.kind()
    }

    /// Its price in nRLC: the app, dataset or workerpool price, or a request's
    /// `workerpoolmaxprice`.
    pub fn price(&self) -> U256 {
        match &self.order {
            AnySigned::App(s) => s.order.appprice,
            AnySigned::Dataset(s) => s.order.datasetprice,
            AnySigned::Workerpool(s) => s.order.workerpoolprice,
            AnySigned::Request(s) => s.order.workerpoolmaxprice,
        }
    }

    /// Its category (workerpool and request orders).
    pub fn category(&self) -> Option<U256> {
        match &self.order {
            AnySigned::Workerpool(s) => Some(s.order.category),
            AnySigned::Request(s) => Some(s.order.category),
            _ => None,
        }
    }

    /// The field `key` of the order, as the market sent it (`appprice`, `tag`...).
    pub fn field(&self, key: &str) -> Value {
        self.json
            .get("order")
            .and_then(|order| order.get(key))
            .cloned()
            .unwrap_or(Value::Null)
    }
}

/// One page of an order book.
#[derive(Clone, Debug, PartialEq)]
pub struct OrderbookPage {
    /// The orders, in the market's order (cheapest first; request orders dearest first).
    pub orders: Vec<PublishedOrder>,
    /// How many orders match the filters, over all pages.
    pub count: u64,
    /// The next page's index, when there is one.
    pub next_page: Option<u64>,
}

impl OrderbookPage {
    /// Reads a `{orders, count, nextPage}` reply for `kind`.
    pub fn from_json(kind: OrderKind, json: &Value) -> std::result::Result<Self, String> {
        let orders = json
            .get("orders")
            .and_then(Value::as_array)
            .ok_or("the reply has no `orders` list")?
            .iter()
            .map(|entry| PublishedOrder::from_json(kind, entry))
            .collect::<std::result::Result<Vec<_>, _>>()?;
        Ok(Self {
            count: number(json.get("count")).unwrap_or(orders.len() as u64),
            next_page: number(json.get("nextPage")),
            orders,
        })
    }
}

/// One page of deals, as the market sends them.
#[derive(Clone, Debug, PartialEq)]
pub struct DealsPage {
    /// The deals (the market's JSON).
    pub deals: Vec<Value>,
    /// How many deals match, over all pages.
    pub count: u64,
    /// The next page's index, when there is one.
    pub next_page: Option<u64>,
}

impl DealsPage {
    /// Reads a `{deals, count, nextPage}` reply.
    pub fn from_json(json: &Value) -> std::result::Result<Self, String> {
        let deals = json
            .get("deals")
            .and_then(Value::as_array)
            .ok_or("the reply has no `deals` list")?
            .clone();
        Ok(Self {
            count: number(json.get("count")).unwrap_or(deals.len() as u64),
            next_page: number(json.get("nextPage")),
            deals,
        })
    }
}

/// A JSON number or decimal string.
fn number(value: Option<&Value>) -> Option<u64> {
    match value? {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

/// Reads `json` with `read`, or the market's [`crate::ClientError::MarketResponse`].
pub(super) fn parse<T>(
    url: &str,
    json: &Value,
    read: impl FnOnce(&Value) -> std::result::Result<T, String>,
) -> Result<T> {
    read(json).map_err(|reason| crate::ClientError::MarketResponse {
        url: url.to_owned(),
        reason,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use poco_types::{AppOrder, Signed, WorkerpoolOrder};
    use serde_json::json;

    fn entry(order: &AnySigned, status: &str) -> Value {
        json!({
            "order": order.to_json(),
            "orderHash": B256::repeat_byte(9).to_string(),
            "chainId": 31337,
            "signer": Address::repeat_byte(2).to_checksum(None),
            "status": status,
            "remaining": 7,
            "publicationTimestamp": "2026-11-22T01:02:03.456Z",
            "tagArray": ["tee", "scone"],
        })
    }

    #[test]
    fn entries_are_read_with_their_json() {
        let order = AnySigned::Workerpool(Signed::unsigned(WorkerpoolOrder {
            workerpoolprice: U256::from(5),
            category: U256::from(3),
            volume: U256::from(10),
            ..Default::default()
        }));
        let json = entry(&order, "OPEN");
        let published = PublishedOrder::from_json(OrderKind::Workerpool, &json).expect("valid");
        assert_eq!(published.order, order);
        assert_eq!(published.price(), U256::from(5));
        assert_eq!(published.category(), Some(U256::from(3)));
        assert_eq!(published.remaining, 7);
        assert_eq!(published.tag_array, ["tee", "scone"]);
        assert_eq!(published.field("workerpoolprice"), json!("5"));
        assert_eq!(published.json, json);
        assert_eq!(published.kind(), OrderKind::Workerpool);
    }

    #[test]
    fn pages_and_bad_entries() {
        let order = AnySigned::App(Signed::unsigned(AppOrder::default()));
        let page =
            json!({"ok": true, "orders": [entry(&order, "OPEN")], "count": 31, "nextPage": 1});
        let page = OrderbookPage::from_json(OrderKind::App, &page).expect("valid");
        assert_eq!(
            (page.orders.len(), page.count, page.next_page),
            (1, 31, Some(1))
        );
        let error = OrderbookPage::from_json(
            OrderKind::Workerpool,
            &json!({"orders": [entry(&order, "OPEN")]}),
        )
        .expect_err("an app order in a pool book");
        assert!(error.contains("workerpoolorder"), "{error}");
        let error =
            OrderbookPage::from_json(OrderKind::App, &json!({"ok": true})).expect_err("no list");
        assert!(error.contains("`orders`"), "{error}");
        let deals = DealsPage::from_json(&json!({"deals": [{"dealid": "0x1"}], "count": "3"}))
            .expect("valid");
        assert_eq!(
            (deals.deals.len(), deals.count, deals.next_page),
            (1, 3, None)
        );
    }
}
