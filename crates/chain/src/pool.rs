//! Transactions waiting to be mined: when automine is off, and for nonces ahead of the
//! sender's next one (they wait for the gap to fill, as in geth's queue).

use alloy_consensus::{Transaction as _, TxEnvelope, transaction::Recovered};
use alloy_primitives::{Address, B256};
use std::collections::{BTreeMap, HashMap, VecDeque};

/// A pending transaction and when it arrived.
#[derive(Clone, Debug)]
struct Pending {
    tx: Recovered<TxEnvelope>,
    arrival: u64,
}

/// The pending pool.
#[derive(Clone, Debug, Default)]
pub struct Pool {
    by_sender: HashMap<Address, BTreeMap<u64, Pending>>,
    by_hash: HashMap<B256, (Address, u64)>,
    arrivals: u64,
}

/// Why a transaction was not added.
#[derive(Debug, PartialEq, Eq)]
pub enum PoolError {
    /// Same transaction already pending.
    AlreadyKnown,
    /// A transaction with this nonce is pending with a price at least as high.
    ReplacementUnderpriced,
}

impl Pool {
    /// Adds a transaction; one with the same sender and nonce is replaced when this one pays more.
    pub fn add(&mut self, tx: Recovered<TxEnvelope>) -> Result<(), PoolError> {
        let hash = *tx.inner().tx_hash();
        if self.by_hash.contains_key(&hash) {
            return Err(PoolError::AlreadyKnown);
        }
        let sender = tx.signer();
        let nonce = tx.inner().nonce();
        let queue = self.by_sender.entry(sender).or_default();
        if let Some(existing) = queue.get(&nonce) {
            if existing.tx.inner().max_fee_per_gas() >= tx.inner().max_fee_per_gas() {
                return Err(PoolError::ReplacementUnderpriced);
            }
            self.by_hash.remove(existing.tx.inner().tx_hash());
        }
        self.arrivals += 1;
        queue.insert(
            nonce,
            Pending {
                tx,
                arrival: self.arrivals,
            },
        );
        self.by_hash.insert(hash, (sender, nonce));
        Ok(())
    }

    /// A pending transaction by hash.
    pub fn get(&self, hash: &B256) -> Option<&Recovered<TxEnvelope>> {
        let (sender, nonce) = self.by_hash.get(hash)?;
        self.by_sender.get(sender)?.get(nonce).map(|p| &p.tx)
    }

    /// Transactions that can run now, given each sender's next nonce: per sender the run of
    /// consecutive nonces from its next one, senders interleaved by arrival order.
    pub fn ready(&self, next_nonce: impl Fn(&Address) -> u64) -> Vec<Recovered<TxEnvelope>> {
        // One run per sender: its consecutive nonces from the next one.
        let mut runs: Vec<VecDeque<&Pending>> = Vec::new();
        for (sender, queue) in &self.by_sender {
            let first = next_nonce(sender);
            let run: VecDeque<&Pending> = (first..)
                .zip(queue.range(first..))
                .take_while(|(expected, (nonce, _))| *nonce == expected)
                .map(|(_, (_, pending))| pending)
                .collect();
            if !run.is_empty() {
                runs.push(run);
            }
        }
        // Merge the runs by arrival, keeping each sender's nonces ascending.
        let mut out = Vec::new();
        while let Some(run) = runs
            .iter_mut()
            .filter(|r| !r.is_empty())
            .min_by_key(|r| r[0].arrival)
        {
            out.push(run.pop_front().expect("run is not empty").tx.clone());
        }
        out
    }

    /// Removes a transaction (mined or dropped).
    pub fn remove(&mut self, hash: &B256) {
        if let Some((sender, nonce)) = self.by_hash.remove(hash)
            && let Some(queue) = self.by_sender.get_mut(&sender)
        {
            queue.remove(&nonce);
            if queue.is_empty() {
                self.by_sender.remove(&sender);
            }
        }
    }

    /// Drops transactions whose nonce is already used.
    pub fn prune(&mut self, next_nonce: impl Fn(&Address) -> u64) {
        let stale: Vec<B256> = self
            .by_sender
            .iter()
            .flat_map(|(sender, queue)| {
                let next = next_nonce(sender);
                queue
                    .range(..next)
                    .map(|(_, p)| *p.tx.inner().tx_hash())
                    .collect::<Vec<_>>()
            })
            .collect();
        for hash in stale {
            self.remove(&hash);
        }
    }

    /// The sender's next nonce counting its pending transactions that follow `state_nonce`.
    pub fn pending_nonce(&self, sender: &Address, state_nonce: u64) -> u64 {
        let mut next = state_nonce;
        if let Some(queue) = self.by_sender.get(sender) {
            for nonce in queue.range(state_nonce..).map(|(n, _)| *n) {
                if nonce != next {
                    break;
                }
                next += 1;
            }
        }
        next
    }

    /// Every pending transaction.
    pub fn all(&self) -> impl Iterator<Item = &Recovered<TxEnvelope>> {
        self.by_sender
            .values()
            .flat_map(|q| q.values().map(|p| &p.tx))
    }

    /// Number of pending transactions.
    pub fn len(&self) -> usize {
        self.by_hash.len()
    }

    /// Whether nothing is pending.
    pub fn is_empty(&self) -> bool {
        self.by_hash.is_empty()
    }
}
