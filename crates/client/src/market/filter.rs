//! The order book's and the deals' filters, as the iExec SDK sends them
//! (`fetchAppOrderbook`... in `common/market/orderbook.js`, `fetchRequesterDeals`): a typed
//! struct per query, turned into the API's query parameters. Which filters a kind uses follows
//! the SDK; the others are not sent.
//!
//! For a restriction (`dataset` on an app order book, ...), no filter selects the public orders
//! only, an address selects those restricted to it as well (only those with the `strict`
//! flag), and [`PartyFilter::Any`] selects all.

use alloy_primitives::{Address, B256};
use poco_types::{OrderKind, Tag};

/// An address filter: one address, or `any`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PartyFilter {
    /// Any address (`any`).
    Any,
    /// This address.
    Is(Address),
}

impl PartyFilter {
    fn param(self) -> String {
        match self {
            PartyFilter::Any => "any".to_owned(),
            PartyFilter::Is(address) => address.to_checksum(None),
        }
    }
}

impl std::str::FromStr for PartyFilter {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if text.eq_ignore_ascii_case("any") {
            return Ok(PartyFilter::Any);
        }
        text.parse::<Address>()
            .map(PartyFilter::Is)
            .map_err(|_| format!("`{text}` is not an address (0x and 40 hex digits) or `any`"))
    }
}

impl From<Address> for PartyFilter {
    fn from(address: Address) -> Self {
        PartyFilter::Is(address)
    }
}

/// The filters of an order book query. Unset fields are not sent.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OrderbookFilter {
    /// The app (an app order's own; a request order's).
    pub app: Option<PartyFilter>,
    /// The app owner (app orders).
    pub app_owner: Option<Address>,
    /// The dataset (a dataset order's own; a request order's; a restriction otherwise).
    pub dataset: Option<PartyFilter>,
    /// The dataset owner (dataset orders).
    pub dataset_owner: Option<Address>,
    /// The workerpool (a workerpool order's own; a restriction otherwise).
    pub workerpool: Option<PartyFilter>,
    /// The workerpool owner (workerpool orders).
    pub workerpool_owner: Option<Address>,
    /// The requester (a request order's own; a restriction otherwise).
    pub requester: Option<PartyFilter>,
    /// The beneficiary (request orders).
    pub beneficiary: Option<PartyFilter>,
    /// Only orders restricted to `app` (not the public ones too).
    pub app_strict: bool,
    /// Only orders restricted to `dataset`.
    pub dataset_strict: bool,
    /// Only orders restricted to `workerpool`.
    pub workerpool_strict: bool,
    /// Only orders restricted to `requester`.
    pub requester_strict: bool,
    /// The category (workerpool and request orders).
    pub category: Option<u64>,
    /// Tags the orders must have.
    pub min_tag: Option<Tag>,
    /// Tags the orders may have (no other).
    pub max_tag: Option<Tag>,
    /// The smallest remaining volume.
    pub min_volume: Option<u64>,
    /// The smallest trust (workerpool orders).
    pub min_trust: Option<u64>,
    /// The largest trust (request orders).
    pub max_trust: Option<u64>,
    /// The page, from 0.
    pub page: u64,
    /// Orders per page (the market's default, 20, when unset; at least 10).
    pub page_size: Option<u32>,
}

impl OrderbookFilter {
    /// The query parameters of a `kind` order book query (without `chainId`).
    pub fn query(&self, kind: OrderKind) -> Vec<(String, String)> {
        let mut q = Query::default();
        let strict = |q: &mut Query, name: &str, on: bool| {
            if on {
                q.push(name, "true");
            }
        };
        match kind {
            OrderKind::App => {
                q.party("app", self.app);
                q.address("appOwner", self.app_owner);
                q.party("dataset", self.dataset);
                q.party("workerpool", self.workerpool);
                q.party("requester", self.requester);
                strict(&mut q, "isDatasetStrict", self.dataset_strict);
                strict(&mut q, "isWorkerpoolStrict", self.workerpool_strict);
                strict(&mut q, "isRequesterStrict", self.requester_strict);
            }
            OrderKind::Dataset => {
                q.party("dataset", self.dataset);
                q.address("datasetOwner", self.dataset_owner);
                q.party("app", self.app);
                q.party("workerpool", self.workerpool);
                q.party("requester", self.requester);
                strict(&mut q, "isAppStrict", self.app_strict);
                strict(&mut q, "isWorkerpoolStrict", self.workerpool_strict);
                strict(&mut q, "isRequesterStrict", self.requester_strict);
            }
            OrderKind::Workerpool => {
                q.number("category", self.category);
                q.party("workerpool", self.workerpool);
                q.address("workerpoolOwner", self.workerpool_owner);
                q.party("app", self.app);
                q.party("dataset", self.dataset);
                q.party("requester", self.requester);
                strict(&mut q, "isAppStrict", self.app_strict);
                strict(&mut q, "isDatasetStrict", self.dataset_strict);
                strict(&mut q, "isRequesterStrict", self.requester_strict);
                q.number("minTrust", self.min_trust);
            }
            OrderKind::Request => {
                q.number("category", self.category);
                q.party("requester", self.requester);
                q.party("beneficiary", self.beneficiary);
                q.party("app", self.app);
                q.party("dataset", self.dataset);
                q.party("workerpool", self.workerpool);
                strict(&mut q, "isWorkerpoolStrict", self.workerpool_strict);
                q.number("maxTrust", self.max_trust);
            }
        }
        q.tag("minTag", self.min_tag);
        q.tag("maxTag", self.max_tag);
        q.number("minVolume", self.min_volume);
        q.page(self.page, self.page_size);
        q.0
    }
}

/// The filters of a deals query: a requester's deals (with the SDK's optional app, dataset and
/// workerpool), or the deals of one order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DealFilter {
    /// The requester.
    pub requester: Option<Address>,
    /// The app.
    pub app: Option<Address>,
    /// The dataset.
    pub dataset: Option<Address>,
    /// The workerpool.
    pub workerpool: Option<Address>,
    /// The deals made with this order (`apporderHash`...).
    pub order: Option<(OrderKind, B256)>,
    /// The page, from 0.
    pub page: u64,
    /// Deals per page (the market's default when unset; at least 10).
    pub page_size: Option<u32>,
}

impl DealFilter {
    /// The query parameters (without `chainId`).
    pub fn query(&self) -> Vec<(String, String)> {
        let mut q = Query::default();
        q.address("requester", self.requester);
        q.address("app", self.app);
        q.address("dataset", self.dataset);
        q.address("workerpool", self.workerpool);
        if let Some((kind, hash)) = self.order {
            let name = format!("{}Hash", crate::orders::order_name(kind));
            q.push(&name, &hash.to_string());
        }
        q.page(self.page, self.page_size);
        q.0
    }
}

/// Query parameters being built.
#[derive(Default)]
struct Query(Vec<(String, String)>);

impl Query {
    fn push(&mut self, name: &str, value: &str) {
        self.0.push((name.to_owned(), value.to_owned()));
    }

    fn party(&mut self, name: &str, value: Option<PartyFilter>) {
        if let Some(value) = value {
            self.push(name, &value.param());
        }
    }

    fn address(&mut self, name: &str, value: Option<Address>) {
        if let Some(value) = value {
            self.push(name, &value.to_checksum(None));
        }
    }

    fn number(&mut self, name: &str, value: Option<u64>) {
        if let Some(value) = value {
            self.push(name, &value.to_string());
        }
    }

    fn tag(&mut self, name: &str, value: Option<Tag>) {
        if let Some(tag) = value {
            self.push(name, &tag.0.to_string());
        }
    }

    fn page(&mut self, page: u64, size: Option<u32>) {
        if page > 0 {
            self.number("pageIndex", Some(page));
        }
        if let Some(size) = size {
            self.number("pageSize", Some(u64::from(size)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(query: &[(String, String)]) -> Vec<&str> {
        query.iter().map(|(name, _)| name.as_str()).collect()
    }

    #[test]
    fn an_empty_filter_sends_nothing() {
        for kind in [
            OrderKind::App,
            OrderKind::Dataset,
            OrderKind::Workerpool,
            OrderKind::Request,
        ] {
            assert!(OrderbookFilter::default().query(kind).is_empty(), "{kind}");
        }
    }

    #[test]
    fn each_kind_sends_the_sdks_filters() {
        let a = Address::repeat_byte(0xaa);
        let filter = OrderbookFilter {
            app: Some(PartyFilter::Is(a)),
            dataset: Some(PartyFilter::Any),
            requester: Some(a.into()),
            beneficiary: Some(a.into()),
            workerpool_owner: Some(a),
            app_strict: true,
            dataset_strict: true,
            category: Some(2),
            min_tag: Some(Tag::from_names(["tee", "scone"]).expect("known tags")),
            min_volume: Some(5),
            min_trust: Some(1),
            max_trust: Some(9),
            page: 2,
            page_size: Some(50),
            ..Default::default()
        };
        let app = filter.query(OrderKind::App);
        assert_eq!(
            names(&app),
            [
                "app",
                "dataset",
                "requester",
                "isDatasetStrict",
                "minTag",
                "minVolume",
                "pageIndex",
                "pageSize"
            ]
        );
        assert_eq!(app[0].1, a.to_checksum(None));
        assert_eq!(app[1].1, "any");
        assert_eq!(
            app[4].1,
            "0x0000000000000000000000000000000000000000000000000000000000000003"
        );
        assert_eq!(app[6].1, "2");
        let pool = filter.query(OrderKind::Workerpool);
        assert_eq!(
            names(&pool),
            [
                "category",
                "workerpoolOwner",
                "app",
                "dataset",
                "requester",
                "isAppStrict",
                "isDatasetStrict",
                "minTrust",
                "minTag",
                "minVolume",
                "pageIndex",
                "pageSize"
            ]
        );
        let request = filter.query(OrderKind::Request);
        assert!(names(&request).contains(&"beneficiary"));
        assert!(names(&request).contains(&"maxTrust"));
        assert!(!names(&request).contains(&"minTrust"));
        assert!(!names(&filter.query(OrderKind::Dataset)).contains(&"category"));
    }

    #[test]
    fn party_filters_parse_addresses_and_any() {
        assert_eq!("ANY".parse::<PartyFilter>(), Ok(PartyFilter::Any));
        let a = Address::repeat_byte(1);
        assert_eq!(a.to_string().parse::<PartyFilter>(), Ok(PartyFilter::Is(a)));
        assert!("0x12".parse::<PartyFilter>().is_err());
    }

    #[test]
    fn deal_filters_name_the_order_hash_as_the_sdk() {
        let hash = B256::repeat_byte(7);
        let filter = DealFilter {
            requester: Some(Address::repeat_byte(1)),
            order: Some((OrderKind::Workerpool, hash)),
            page_size: Some(10),
            ..Default::default()
        };
        let query = filter.query();
        assert_eq!(
            names(&query),
            ["requester", "workerpoolorderHash", "pageSize"]
        );
        assert_eq!(query[1].1, hash.to_string());
    }
}
