//! The market's writes, each authenticated with a fresh challenge: publishing a signed order
//! (`POST /{kind}orders`) and unpublishing one's own (`PUT /{kind}orders`: by hash, the last
//! published for a resource, or all of them), with the SDK's bodies.

use super::{
    MarketApi,
    book::{PublishedOrder, parse},
    read::orders_path,
};
use crate::{error::Result, orders::AnySigned};
use alloy_primitives::{Address, B256};
use alloy_signer::Signer;
use poco_types::OrderKind;
use reqwest::Method;
use serde_json::{Value, json};

/// What to unpublish.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unpublish {
    /// The order with this hash.
    Hash(B256),
    /// The last order published for this app, dataset or workerpool (for request orders: this
    /// requester).
    Last(Address),
    /// All the orders of this app, dataset or workerpool (requester).
    All(Address),
}

impl Unpublish {
    /// The SDK's request body for a `kind` order.
    pub fn body(self, kind: OrderKind) -> Value {
        let field = match kind {
            OrderKind::App => "app",
            OrderKind::Dataset => "dataset",
            OrderKind::Workerpool => "workerpool",
            OrderKind::Request => "requester",
        };
        match self {
            Unpublish::Hash(hash) => {
                json!({"target": "unpublish_orderHash", "orderHash": hash.to_string()})
            }
            Unpublish::Last(address) => {
                json!({"target": "unpublish_last", field: address.to_checksum(None)})
            }
            Unpublish::All(address) => {
                json!({"target": "unpublish_all", field: address.to_checksum(None)})
            }
        }
    }
}

impl MarketApi {
    /// Publishes `order`, signed by `signer`'s wallet (its owner); returns it as the book
    /// holds it.
    pub async fn publish<S>(&self, signer: &S, order: &AnySigned) -> Result<PublishedOrder>
    where
        S: Signer + Send + Sync + ?Sized,
    {
        let kind = order.kind();
        let authorization = self.authorization(signer).await?;
        let body = json!({ "order": order.to_json() });
        let reply = self
            .send(
                Method::POST,
                &orders_path(kind),
                &[],
                Some(&body),
                Some(&authorization),
            )
            .await?;
        parse(&self.url, &reply, |json| {
            let published = json
                .get("published")
                .ok_or("the publish reply has no `published`")?;
            PublishedOrder::from_json(kind, published)
        })
    }

    /// Unpublishes `signer`'s `kind` orders picked by `target`; returns their hashes.
    pub async fn unpublish<S>(
        &self,
        signer: &S,
        kind: OrderKind,
        target: Unpublish,
    ) -> Result<Vec<B256>>
    where
        S: Signer + Send + Sync + ?Sized,
    {
        let authorization = self.authorization(signer).await?;
        let reply = self
            .send(
                Method::PUT,
                &orders_path(kind),
                &[],
                Some(&target.body(kind)),
                Some(&authorization),
            )
            .await?;
        parse(&self.url, &reply, |json| {
            json.get("unpublished")
                .and_then(Value::as_array)
                .ok_or("the unpublish reply has no `unpublished` list")?
                .iter()
                .map(|hash| {
                    hash.as_str()
                        .and_then(|h| h.parse::<B256>().ok())
                        .ok_or_else(|| "an unpublished hash is not 32 bytes of hex".to_owned())
                })
                .collect()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_are_the_sdks() {
        let hash = B256::repeat_byte(1);
        assert_eq!(
            Unpublish::Hash(hash).body(OrderKind::App),
            json!({"target": "unpublish_orderHash", "orderHash": hash.to_string()})
        );
        let a = Address::repeat_byte(0xab);
        assert_eq!(
            Unpublish::Last(a).body(OrderKind::Workerpool),
            json!({"target": "unpublish_last", "workerpool": a.to_checksum(None)})
        );
        assert_eq!(
            Unpublish::All(a).body(OrderKind::Request),
            json!({"target": "unpublish_all", "requester": a.to_checksum(None)})
        );
    }
}
