//! eth_feeHistory: base fees, gas used ratios and tip percentiles per block.

use super::*;

impl Backend {
    /// eth_feeHistory: base fees (one more than blocks, the last being the next block's),
    /// gas used ratios, and the requested reward percentiles of effective tips.
    pub fn fee_history(
        &self,
        count: u64,
        newest: BlockId,
        percentiles: &[f64],
    ) -> Result<FeeHistory> {
        let inner = self.inner.read();
        let newest = resolve_in(&inner.chain, newest)?;
        let count = count.clamp(1, 1024).min(newest + 1);
        let oldest = newest + 1 - count;
        let mut history = FeeHistory {
            oldest_block: oldest,
            ..Default::default()
        };
        for n in oldest..=newest {
            let block = inner.chain.by_number(n).expect("within the chain");
            let header = &block.header.inner;
            let base_fee = header.base_fee_per_gas.unwrap_or_default();
            history.base_fee_per_gas.push(u128::from(base_fee));
            history
                .gas_used_ratio
                .push(header.gas_used as f64 / header.gas_limit.max(1) as f64);
            if !percentiles.is_empty() {
                let mut tips: Vec<(u128, u64)> = block
                    .transactions
                    .iter()
                    .zip(&block.receipts)
                    .map(|(tx, r)| {
                        (
                            tx.inner.effective_tip_per_gas(base_fee).unwrap_or_default(),
                            r.gas_used,
                        )
                    })
                    .collect();
                tips.sort_unstable();
                let total: u64 = tips.iter().map(|(_, g)| g).sum();
                let rewards = percentiles
                    .iter()
                    .map(|p| {
                        let threshold = (total as f64 * p / 100.0) as u64;
                        let mut acc = 0;
                        tips.iter()
                            .find(|(_, g)| {
                                acc += g;
                                acc >= threshold
                            })
                            .or(tips.last())
                            .map(|(t, _)| *t)
                            .unwrap_or_default()
                    })
                    .collect();
                history.reward.push(rewards);
            }
        }
        let next = if newest == inner.chain.head() {
            inner.base_fee
        } else {
            inner
                .chain
                .by_number(newest + 1)
                .and_then(|b| b.header.inner.base_fee_per_gas)
                .unwrap_or_default()
        };
        history.base_fee_per_gas.push(u128::from(next));
        Ok(history)
    }
}

/// Result of eth_feeHistory.
#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FeeHistory {
    /// First block of the window.
    #[serde(with = "alloy_serde_compat::quantity")]
    pub oldest_block: u64,
    /// Base fee per block, plus the next block's.
    #[serde(with = "alloy_serde_compat::quantity_vec")]
    pub base_fee_per_gas: Vec<u128>,
    /// gasUsed / gasLimit per block.
    pub gas_used_ratio: Vec<f64>,
    /// Tips at the requested percentiles, per block.
    #[serde(
        skip_serializing_if = "Vec::is_empty",
        with = "alloy_serde_compat::quantity_matrix"
    )]
    pub reward: Vec<Vec<u128>>,
}

/// Hex quantity encoders for the fee history.
mod alloy_serde_compat {
    pub(super) mod quantity {
        pub(crate) fn serialize<S: serde::Serializer>(v: &u64, s: S) -> Result<S::Ok, S::Error> {
            s.serialize_str(&format!("{v:#x}"))
        }
    }
    pub(super) mod quantity_vec {
        use serde::ser::SerializeSeq;
        pub(crate) fn serialize<S: serde::Serializer>(v: &[u128], s: S) -> Result<S::Ok, S::Error> {
            let mut seq = s.serialize_seq(Some(v.len()))?;
            for x in v {
                seq.serialize_element(&format!("{x:#x}"))?;
            }
            seq.end()
        }
    }
    pub(super) mod quantity_matrix {
        use serde::ser::SerializeSeq;
        pub(crate) fn serialize<S: serde::Serializer>(
            v: &[Vec<u128>],
            s: S,
        ) -> Result<S::Ok, S::Error> {
            let mut seq = s.serialize_seq(Some(v.len()))?;
            for row in v {
                let row: Vec<String> = row.iter().map(|x| format!("{x:#x}")).collect();
                seq.serialize_element(&row)?;
            }
            seq.end()
        }
    }
}
