//! Protocol constants that off-chain components need to predict on-chain behaviour: deadlines,
//! stake ratios, the kitty, and the callback gas default.

use alloy_primitives::{Address, U256, address};

/// A task's contribution deadline is `deal.startTime + 7 * workClockTimeRef`.
pub const CONTRIBUTION_DEADLINE_RATIO: u64 = 7;
/// After consensus, winners have `2 * workClockTimeRef` to reveal.
pub const REVEAL_DEADLINE_RATIO: u64 = 2;
/// A task fails (becomes claimable) at `deal.startTime + 10 * workClockTimeRef`.
pub const FINAL_DEADLINE_RATIO: u64 = 10;
/// Percent of the workerpool price its owner locks per task at match time.
pub const WORKERPOOL_STAKE_RATIO: u64 = 30;
/// Percent of the kitty paid to a pool owner on finalize (at least [`KITTY_MIN`]).
pub const KITTY_RATIO: u64 = 10;
/// Minimum kitty payout on finalize, in nRLC (1 RLC).
pub const KITTY_MIN: U256 = U256::from_limbs([1_000_000_000, 0, 0, 0]);
/// The account that collects seized workerpool stakes.
pub const KITTY_ADDRESS: Address = address!("0x99c2268479b93fDe36232351229815DF80837e23");
/// Default gas given to `receiveResult` callbacks.
pub const DEFAULT_CALLBACK_GAS: u64 = 100_000;
/// Default `m_workerStakeRatioPolicy` of a new workerpool (percent of the price a worker locks).
pub const DEFAULT_WORKER_STAKE_RATIO: u64 = 30;
/// Default `m_schedulerRewardRatioPolicy` of a new workerpool (percent kept by the pool owner).
pub const DEFAULT_SCHEDULER_REWARD_RATIO: u64 = 1;

/// The contribution and final deadlines of a task whose deal started at `start_time`.
pub fn task_deadlines(start_time: u64, work_clock_time_ref: u64) -> (u64, u64) {
    (
        start_time.saturating_add(CONTRIBUTION_DEADLINE_RATIO.saturating_mul(work_clock_time_ref)),
        start_time.saturating_add(FINAL_DEADLINE_RATIO.saturating_mul(work_clock_time_ref)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kitty_min_is_one_rlc() {
        assert_eq!(KITTY_MIN, U256::from(1_000_000_000u64));
    }

    #[test]
    fn deadlines_follow_the_ratios() {
        assert_eq!(task_deadlines(1000, 300), (1000 + 2100, 1000 + 3000));
        assert_eq!(task_deadlines(u64::MAX, 300), (u64::MAX, u64::MAX));
    }
}
