//! Dev methods: mining mode, snapshots, time and direct state edits.

use super::*;

impl Backend {
    /// evm_setAutomine. Turning it on mines what is ready.
    pub fn set_automine(&self, on: bool) {
        let mut inner = self.inner.write();
        inner.automine = on;
        if on {
            self.mine_ready(&mut inner);
        }
    }

    /// evm_snapshot: an id to revert to.
    pub fn snapshot(&self) -> u64 {
        let mut inner = self.inner.write();
        let id = inner.next_snapshot;
        inner.next_snapshot += 1;
        let snapshot = Snapshot {
            head: inner.chain.head(),
            state: inner.state.clone(),
            history: inner.history.clone(),
            pool: inner.pool.clone(),
            clock: inner.clock.clone(),
            base_fee: inner.base_fee,
        };
        inner.snapshots.insert(id, snapshot);
        id
    }

    /// evm_revert: back to snapshot `id`, which is used up together with every later one.
    pub fn revert(&self, id: u64) -> bool {
        let mut inner = self.inner.write();
        let Some(snapshot) = inner.snapshots.remove(&id) else {
            return false;
        };
        inner.snapshots.retain(|k, _| *k < id);
        inner.chain.truncate(snapshot.head);
        inner.state = snapshot.state;
        inner.history = snapshot.history;
        inner.pool = snapshot.pool;
        inner.clock = snapshot.clock;
        inner.base_fee = snapshot.base_fee;
        inner.roots = None;
        self.changed();
        true
    }

    /// evm_increaseTime: returns the total offset from wall time, in seconds.
    pub fn increase_time(&self, seconds: u64) -> i64 {
        self.inner.write().clock.increase(seconds)
    }

    /// evm_setNextBlockTimestamp.
    pub fn set_next_timestamp(&self, timestamp: u64) -> Result<()> {
        self.inner
            .write()
            .clock
            .set_next(timestamp)
            .map_err(NodeError::InvalidParams)
    }

    /// Edits the newest state in place (setBalance, setCode, setNonce, setStorageAt, loadState).
    pub fn edit_state(&self, edit: impl FnOnce(&mut WorldState)) {
        let mut inner = self.inner.write();
        edit(&mut inner.state);
        inner.roots = None;
        self.changed();
        let state = inner.state.clone();
        if let Some(back) = inner.history.back_mut() {
            back.1 = state;
        }
    }

    /// anvil_impersonateAccount / stop.
    pub fn impersonate(&self, address: Address, on: bool) {
        let mut inner = self.inner.write();
        if on {
            inner.impersonated.insert(address);
        } else {
            inner.impersonated.remove(&address);
        }
    }

    /// Sets the fee recipient of later blocks.
    pub fn set_coinbase(&self, address: Address) {
        self.inner.write().coinbase = address;
    }

    /// Sets the base fee of the next block.
    pub fn set_next_base_fee(&self, base_fee: u64) {
        self.inner.write().base_fee = base_fee;
    }

    /// The newest state, serializable.
    pub fn dump_state(&self) -> StateDump {
        self.inner.read().state.dump()
    }
}
