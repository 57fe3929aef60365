//! Polling filters: eth_newFilter, eth_newBlockFilter, eth_newPendingTransactionFilter,
//! eth_getFilterChanges, eth_getFilterLogs and eth_uninstallFilter. A filter nobody polls for
//! five minutes is removed, as geth does.

use crate::{Backend, NodeError};
use alloy_primitives::{B256, U256};
use alloy_rpc_types_eth::{Filter, FilterBlockOption, Log};
use parking_lot::Mutex;
use serde_json::Value;
use std::{
    collections::HashMap,
    time::{Duration, Instant},
};
use tokio::sync::broadcast;

/// How long an unpolled filter lives.
pub(crate) const FILTER_TIMEOUT: Duration = Duration::from_secs(300);
/// Most filters installed at once.
pub(crate) const MAX_FILTERS: usize = 10_000;

enum Kind {
    Logs(Box<Filter>),
    Blocks,
    Pending(broadcast::Receiver<B256>),
}

struct Installed {
    kind: Kind,
    /// Newest block already reported.
    last_block: u64,
    last_poll: Instant,
}

/// The installed filters.
#[derive(Default)]
pub struct Filters {
    installed: Mutex<HashMap<U256, Installed>>,
    next_id: Mutex<u64>,
}

impl Filters {
    fn install(&self, backend: &Backend, kind: Kind) -> Result<U256, NodeError> {
        let mut installed = self.installed.lock();
        installed.retain(|_, f| f.last_poll.elapsed() < FILTER_TIMEOUT);
        if installed.len() >= MAX_FILTERS {
            return Err(NodeError::InvalidParams(format!(
                "too many filters installed (max {MAX_FILTERS}): uninstall some"
            )));
        }
        let mut next = self.next_id.lock();
        *next += 1;
        let id = U256::from(*next);
        installed.insert(
            id,
            Installed {
                kind,
                last_block: backend.head(),
                last_poll: Instant::now(),
            },
        );
        Ok(id)
    }

    /// eth_newFilter. Like geth, polling reports logs of blocks mined after installation;
    /// eth_getFilterLogs covers the filter's whole range.
    pub fn new_log_filter(&self, backend: &Backend, filter: Filter) -> Result<U256, NodeError> {
        self.install(backend, Kind::Logs(Box::new(filter)))
    }

    /// eth_newBlockFilter.
    pub fn new_block_filter(&self, backend: &Backend) -> Result<U256, NodeError> {
        self.install(backend, Kind::Blocks)
    }

    /// eth_newPendingTransactionFilter.
    pub fn new_pending_filter(&self, backend: &Backend) -> Result<U256, NodeError> {
        self.install(backend, Kind::Pending(backend.subscribe_pending()))
    }

    /// eth_uninstallFilter.
    pub fn uninstall(&self, id: U256) -> bool {
        self.installed.lock().remove(&id).is_some()
    }

    /// eth_getFilterChanges: what happened since the last poll.
    pub fn changes(&self, backend: &Backend, id: U256) -> Result<Value, NodeError> {
        let mut installed = self.installed.lock();
        let filter = installed
            .get_mut(&id)
            .ok_or_else(|| NodeError::NotFound("filter not found".to_owned()))?;
        filter.last_poll = Instant::now();
        let json =
            |v: Result<Value, serde_json::Error>| v.map_err(|e| NodeError::Internal(e.to_string()));
        match &mut filter.kind {
            Kind::Blocks => {
                let blocks = backend.blocks_after(filter.last_block);
                if let Some(last) = blocks.last() {
                    filter.last_block = last.number();
                }
                let hashes: Vec<B256> = blocks.iter().map(|b| b.hash()).collect();
                json(serde_json::to_value(hashes))
            }
            Kind::Pending(receiver) => {
                let mut hashes = Vec::new();
                loop {
                    match receiver.try_recv() {
                        Ok(hash) => hashes.push(hash),
                        Err(broadcast::error::TryRecvError::Lagged(_)) => continue,
                        Err(_) => break,
                    }
                }
                json(serde_json::to_value(hashes))
            }
            Kind::Logs(log_filter) => {
                let blocks = backend.blocks_after(filter.last_block);
                let (from, to) = range(log_filter);
                let mut logs: Vec<Log> = Vec::new();
                for block in &blocks {
                    let n = block.number();
                    if from.is_some_and(|f| n < f) || to.is_some_and(|t| n > t) {
                        continue;
                    }
                    logs.extend(block.matching_logs(log_filter));
                }
                if let Some(last) = blocks.last() {
                    filter.last_block = last.number();
                }
                json(serde_json::to_value(logs))
            }
        }
    }

    /// eth_getFilterLogs: every log the filter selects.
    pub fn logs(&self, backend: &Backend, id: U256) -> Result<Vec<Log>, NodeError> {
        let filter = {
            let mut installed = self.installed.lock();
            let f = installed
                .get_mut(&id)
                .ok_or_else(|| NodeError::NotFound("filter not found".to_owned()))?;
            f.last_poll = Instant::now();
            match &f.kind {
                Kind::Logs(filter) => filter.clone(),
                _ => {
                    return Err(NodeError::InvalidParams(
                        "filter is not a log filter".to_owned(),
                    ));
                }
            }
        };
        backend.logs(&filter)
    }
}

/// The explicit numeric bounds of a log filter.
fn range(filter: &Filter) -> (Option<u64>, Option<u64>) {
    match filter.block_option {
        FilterBlockOption::Range {
            from_block,
            to_block,
        } => (
            from_block.and_then(|b| b.as_number()),
            to_block.and_then(|b| b.as_number()),
        ),
        FilterBlockOption::AtBlockHash(_) => (None, None),
    }
}
