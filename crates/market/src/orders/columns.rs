//! What each kind of order puts in the table's indexed columns. The four party columns (`app`,
//! `dataset`, `workerpool`, `requester`) hold the order's own resource or its restriction on
//! that party, so that one set of filters serves every kind. Amounts, tags, categories and
//! trust must fit a BIGINT; larger ones are refused with a 400 (no real order needs them: the
//! whole RLC supply is below 2^57 nRLC).

use crate::error::{MarketError, Result};
use alloy_primitives::{Address, U256};
use poco_client::orders::AnySigned;
use poco_types::Tag;

/// The indexed columns of one order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Columns {
    /// The price the book sorts by: the app, dataset or workerpool price, or a request's
    /// `workerpoolmaxprice`.
    pub price: i64,
    /// The order's volume.
    pub volume: i64,
    /// The tag's bits.
    pub tag: i64,
    /// The category (workerpool and request orders; 0 otherwise).
    pub category: i64,
    /// The trust (workerpool and request orders; 0 otherwise).
    pub trust: i64,
    /// The app, or the app restriction.
    pub app: Address,
    /// The dataset, or the dataset restriction.
    pub dataset: Address,
    /// The workerpool, or the workerpool restriction.
    pub workerpool: Address,
    /// The requester, or the requester restriction.
    pub requester: Address,
    /// A request's beneficiary (zero otherwise).
    pub beneficiary: Address,
}

/// `value` as a BIGINT, or a 400 naming `what`.
pub fn small(value: U256, what: &str) -> Result<i64> {
    i64::try_from(value).map_err(|_| {
        MarketError::bad(format!(
            "the order's {what} ({value}) is larger than this market accepts (2^63 - 1)"
        ))
    })
}

/// A tag's bits as a BIGINT, or a 400 when it sets bits above the 63rd.
pub fn tag_bits(tag: Tag) -> Result<i64> {
    i64::try_from(U256::from_be_bytes(tag.0.0)).map_err(|_| {
        MarketError::bad(format!(
            "the tag {} sets bits this market does not index (only the low 63 are used by \
             Poco's tags)",
            tag.0
        ))
    })
}

impl Columns {
    /// The columns of `order`.
    pub fn of(order: &AnySigned) -> Result<Self> {
        Ok(match order {
            AnySigned::App(s) => {
                let o = &s.order;
                Columns {
                    price: small(o.appprice, "appprice")?,
                    volume: small(o.volume, "volume")?,
                    tag: tag_bits(Tag(o.tag))?,
                    category: 0,
                    trust: 0,
                    app: o.app,
                    dataset: o.datasetrestrict,
                    workerpool: o.workerpoolrestrict,
                    requester: o.requesterrestrict,
                    beneficiary: Address::ZERO,
                }
            }
            AnySigned::Dataset(s) => {
                let o = &s.order;
                Columns {
                    price: small(o.datasetprice, "datasetprice")?,
                    volume: small(o.volume, "volume")?,
                    tag: tag_bits(Tag(o.tag))?,
                    category: 0,
                    trust: 0,
                    app: o.apprestrict,
                    dataset: o.dataset,
                    workerpool: o.workerpoolrestrict,
                    requester: o.requesterrestrict,
                    beneficiary: Address::ZERO,
                }
            }
            AnySigned::Workerpool(s) => {
                let o = &s.order;
                Columns {
                    price: small(o.workerpoolprice, "workerpoolprice")?,
                    volume: small(o.volume, "volume")?,
                    tag: tag_bits(Tag(o.tag))?,
                    category: small(o.category, "category")?,
                    trust: small(o.trust, "trust")?,
                    app: o.apprestrict,
                    dataset: o.datasetrestrict,
                    workerpool: o.workerpool,
                    requester: o.requesterrestrict,
                    beneficiary: Address::ZERO,
                }
            }
            AnySigned::Request(s) => {
                let o = &s.order;
                // The other prices must fit too: the requester's stake check adds them.
                small(o.appmaxprice, "appmaxprice")?;
                small(o.datasetmaxprice, "datasetmaxprice")?;
                Columns {
                    price: small(o.workerpoolmaxprice, "workerpoolmaxprice")?,
                    volume: small(o.volume, "volume")?,
                    tag: tag_bits(Tag(o.tag))?,
                    category: small(o.category, "category")?,
                    trust: small(o.trust, "trust")?,
                    app: o.app,
                    dataset: o.dataset,
                    workerpool: o.workerpool,
                    requester: o.requester,
                    beneficiary: o.beneficiary,
                }
            }
        })
    }
}
