//! A client of the market API (iExec's `iexecGateway`, served by `poco market`; spec
//! `offchain.md` §3): [`MarketApi`] publishes and unpublishes signed orders with the iExec
//! SDK's challenge authentication ([`auth`]), and reads the order book with the SDK's filters
//! and pagination ([`filter`], [`book`]), one order, and deals.
//!
//! Every failure is a [`ClientError`]: [`ClientError::NoMarket`] when the chain has no
//! `iexecGateway`, [`ClientError::MarketUnreachable`] when nothing answers,
//! [`ClientError::MarketRefused`] with the market's own message for a 4xx,
//! [`ClientError::MarketFailed`] for a 5xx and [`ClientError::MarketResponse`] for an answer
//! that is not the API's.

pub mod auth;
pub mod book;
pub mod filter;
mod http;
mod read;
mod write;

pub use book::{DealsPage, OrderbookPage, PublishedOrder};
pub use filter::{DealFilter, OrderbookFilter, PartyFilter};
pub use write::Unpublish;

use crate::{
    chains::ChainConf,
    error::{ClientError, Result},
};
use std::time::Duration;

/// How long a request to the market may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// How long connecting to the market may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// The market API of one chain.
#[derive(Clone, Debug)]
pub struct MarketApi {
    url: String,
    chain_id: u64,
    http: reqwest::Client,
}

impl MarketApi {
    /// The market at `url` (`http://host:port`, a trailing `/` or not), for chain `chain_id`.
    pub fn new(url: &str, chain_id: u64) -> Result<Self> {
        let trimmed = url.trim().trim_end_matches('/');
        let parsed = reqwest::Url::parse(trimmed).map_err(|_| ClientError::MarketUrl {
            url: url.to_owned(),
        })?;
        if !matches!(parsed.scheme(), "http" | "https") || parsed.host().is_none() {
            return Err(ClientError::MarketUrl {
                url: url.to_owned(),
            });
        }
        let http = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .connect_timeout(CONNECT_TIMEOUT)
            .user_agent(concat!("poco/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ClientError::MarketUnreachable {
                url: trimmed.to_owned(),
                cause: format!("the HTTP client cannot start: {e}"),
            })?;
        Ok(Self {
            url: trimmed.to_owned(),
            chain_id,
            http,
        })
    }

    /// The market of `chain` (its `iexecGateway`), or [`ClientError::NoMarket`].
    pub fn for_chain(chain: &ChainConf) -> Result<Self> {
        let url = chain
            .iexec_gateway
            .as_deref()
            .filter(|url| !url.trim().is_empty())
            .ok_or_else(|| ClientError::NoMarket {
                chain: chain.name.clone(),
            })?;
        Self::new(url, chain.id)
    }

    /// The market's base URL, without a trailing `/`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The chain id sent with every request.
    pub fn chain_id(&self) -> u64 {
        self.chain_id
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_checked_and_trimmed() {
        let api = MarketApi::new("http://127.0.0.1:3000/", 31337).expect("valid");
        assert_eq!(api.url(), "http://127.0.0.1:3000");
        assert_eq!(api.chain_id(), 31337);
        for bad in ["", "127.0.0.1:3000", "ftp://market", "not a url"] {
            let error = MarketApi::new(bad, 1).expect_err("refused");
            assert!(
                matches!(error, ClientError::MarketUrl { .. }),
                "{bad}: {error}"
            );
        }
    }

    #[test]
    fn a_chain_without_gateway_has_no_market() {
        let mut chain = ChainConf::dev();
        assert_eq!(
            MarketApi::for_chain(&chain).expect("dev has one").url(),
            crate::chains::DEV_IEXEC_GATEWAY
        );
        chain.name = "mychain".into();
        chain.iexec_gateway = None;
        let error = MarketApi::for_chain(&chain).expect_err("no market");
        let text = error.to_string();
        assert!(text.contains("chain `mychain` has no market"), "{text}");
        assert!(text.contains("poco market --chain mychain"), "{text}");
    }

    #[tokio::test]
    async fn a_market_that_is_not_running_is_unreachable() {
        // A port just freed: nothing listens there.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let api = MarketApi::new(&format!("http://127.0.0.1:{port}"), 31337).expect("valid");
        let error = api.version().await.expect_err("nothing listens");
        assert!(
            matches!(error, ClientError::MarketUnreachable { .. }),
            "{error:?}"
        );
        let text = error.to_string();
        assert!(text.contains(&format!(
            "cannot reach the market at http://127.0.0.1:{port}"
        )));
        assert!(text.contains("poco market"), "{text}");
    }
}
