//! Block timestamps: wall-clock time plus an offset that evm_increaseTime and
//! evm_setNextBlockTimestamp move. Timestamps never go backwards.

use std::time::{SystemTime, UNIX_EPOCH};

/// Wall-clock seconds since the Unix epoch.
pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

/// The node's clock.
#[derive(Clone, Debug, Default)]
pub struct Clock {
    /// Seconds added to the wall clock.
    offset: i64,
    /// Timestamp forced for the next block.
    next: Option<u64>,
    /// Timestamp of the newest block.
    last: u64,
}

impl Clock {
    /// A clock whose newest block has timestamp `last`.
    pub fn new(last: u64) -> Self {
        Self {
            offset: 0,
            next: None,
            last,
        }
    }

    /// A clock resumed from a saved state, keeping how far it was moved from the wall clock.
    pub fn resumed(last: u64, offset: i64) -> Self {
        Self {
            offset,
            next: None,
            last,
        }
    }

    /// Timestamp for the next block: the forced one, or now + offset, never below the last.
    pub fn next_timestamp(&self) -> u64 {
        self.next
            .unwrap_or_else(|| now().saturating_add_signed(self.offset))
            .max(self.last)
    }

    /// Records that a block was mined at `timestamp`.
    pub fn mined(&mut self, timestamp: u64) {
        if self.next.take().is_some() {
            // Later blocks continue from the forced time rather than jumping back to wall time.
            self.offset =
                i64::try_from(i128::from(timestamp) - i128::from(now())).unwrap_or(self.offset);
        }
        self.last = timestamp;
    }

    /// Moves time forward by `seconds`; returns the total offset.
    pub fn increase(&mut self, seconds: u64) -> i64 {
        self.offset = self
            .offset
            .saturating_add(i64::try_from(seconds).unwrap_or(i64::MAX));
        self.offset
    }

    /// Forces the next block's timestamp; it may not be before the newest block.
    pub fn set_next(&mut self, timestamp: u64) -> Result<(), String> {
        if timestamp < self.last {
            return Err(format!(
                "timestamp {timestamp} is before the newest block's timestamp {}: timestamps never go backwards",
                self.last
            ));
        }
        self.next = Some(timestamp);
        Ok(())
    }

    /// Seconds added to the wall clock.
    pub fn offset(&self) -> i64 {
        self.offset
    }

    /// Timestamp of the newest block.
    pub fn last(&self) -> u64 {
        self.last
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_goes_backwards() {
        let clock = Clock::new(now() + 1000);
        assert!(clock.next_timestamp() >= now() + 1000);
    }

    #[test]
    fn forced_timestamp_then_continues_from_there() {
        let mut clock = Clock::new(now());
        clock.set_next(now() + 5000).expect("in the future");
        let t = clock.next_timestamp();
        clock.mined(t);
        assert!(clock.next_timestamp() >= t);
        assert!(clock.next_timestamp() < t + 5);
        assert!(clock.set_next(t - 1).is_err());
    }

    #[test]
    fn increase_moves_forward() {
        let mut clock = Clock::new(now());
        clock.increase(3600);
        assert!(clock.next_timestamp() >= now() + 3599);
    }
}
