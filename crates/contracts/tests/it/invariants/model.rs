//! The spec model: what each operation should do, to the nRLC, to every account.

use super::*;

impl Model {
    pub(super) fn new(o: &Observed, offset: i64) -> Self {
        Self {
            deals: Vec::new(),
            tasks: Vec::new(),
            stake: o.stake,
            locked: o.locked,
            rlc: o.rlc,
            rlc_hub: o.rlc_hub,
            offset,
        }
    }

    /// The timestamp the next block will have (give or take the seconds a case lasts).
    pub(super) fn now(&self) -> u64 {
        wall_clock().saturating_add_signed(self.offset)
    }

    /// Whether `deadline` is too close to now to predict which side a transaction falls on.
    pub(super) fn near(&self, deadline: u64) -> bool {
        self.now().abs_diff(deadline) < MARGIN
    }

    pub(super) fn lock(&mut self, who: usize, amount: U256) {
        self.stake[who] -= amount;
        self.locked[who] += amount;
    }

    pub(super) fn unlock(&mut self, who: usize, amount: U256) {
        self.locked[who] -= amount;
        self.stake[who] += amount;
    }

    /// The task `target` picks, `None` when there is none.
    pub(super) fn pick(&self, target: Target, fit: impl Fn(&Task) -> bool) -> Option<usize> {
        let (n, any) = match target {
            Target::Exact(i) => return (i < self.tasks.len()).then_some(i),
            Target::Fit(n) => (n, false),
            Target::Any(n) => (n, true),
        };
        let from: Vec<usize> = (0..self.tasks.len())
            .filter(|&i| any || fit(&self.tasks[i]))
            .collect();
        (!from.is_empty()).then(|| from[n % from.len()])
    }

    /// Resolves [`Op::Progress`] into the next step of an unfinished task; other operations
    /// are returned as they are.
    pub(super) fn resolve(&self, op: &Op) -> Op {
        let Op::Progress {
            task,
            worker,
            honest,
        } = *op
        else {
            return op.clone();
        };
        let unfinished: Vec<usize> = (0..self.tasks.len())
            .filter(|&i| {
                matches!(
                    self.tasks[i].status,
                    Status::Unset | Status::Active | Status::Revealing
                )
            })
            .collect();
        let Some(&t) = unfinished.get(task % unfinished.len().max(1)) else {
            // Nothing under way: a new deal.
            return Op::Match {
                volume: 1 + (task % 3) as u64,
                trust: if worker % 2 == 0 { 1 } else { 3 },
                app_price: RLC_UNIT,
                dataset_price: honest.then_some(RLC_UNIT / 2),
                pool_price: 10 * RLC_UNIT + task as u64,
            };
        };
        let target = Target::Exact(t);
        let task_ref = &self.tasks[t];
        let now = self.now();
        if task_ref.status != Status::Unset && now >= self.final_deadline(task_ref) {
            return Op::Claim { task: target };
        }
        match task_ref.status {
            Status::Unset => Op::Initialize { task: target },
            Status::Active if now >= self.contribution_deadline(task_ref) => Op::Jump { steps: 2 },
            Status::Active => {
                let fast =
                    self.deals[task_ref.deal].trust == 1 && task_ref.contributions.is_empty();
                if fast && worker % 2 == 0 {
                    return Op::ContributeAndFinalize {
                        task: target,
                        worker,
                    };
                }
                // The first worker (from `worker` on) that has not contributed yet.
                let fresh = (0..5).map(|k| (worker + k) % 5).find(|&w| {
                    task_ref
                        .contributions
                        .iter()
                        .all(|c| c.worker != FIRST_WORKER + w)
                });
                match fresh {
                    Some(worker) => Op::Contribute {
                        task: target,
                        worker,
                        honest,
                    },
                    None => Op::Jump { steps: 1 },
                }
            }
            Status::Revealing => {
                let revealers = task_ref
                    .contributions
                    .iter()
                    .filter(|c| {
                        c.status == Contribution::Contributed
                            && Some(c.digest) == task_ref.consensus
                    })
                    .count();
                if now >= task_ref.reveal_deadline {
                    if task_ref.revealed > 0 {
                        Op::Finalize { task: target }
                    } else {
                        Op::Reopen { task: target }
                    }
                } else if task_ref.revealed == 0 && !honest {
                    // Nobody reveals in time: the scheduler will reopen.
                    Op::Jump { steps: 2 }
                } else if revealers > 0 && (task_ref.revealed == 0 || honest) {
                    Op::Reveal {
                        task: target,
                        worker,
                    }
                } else {
                    Op::Finalize { task: target }
                }
            }
            Status::Completed | Status::Failed => Op::Jump { steps: 1 },
        }
    }

    pub(super) fn contribution_deadline(&self, t: &Task) -> u64 {
        self.deals[t.deal].start + 7 * TIMEREF
    }

    pub(super) fn final_deadline(&self, t: &Task) -> u64 {
        self.deals[t.deal].start + 10 * TIMEREF
    }

    /// Payments common to finalize and the fast path: the requester's price is seized, the app
    /// and dataset owners rewarded, the pool owner's stake unlocked and the kitty's share paid.
    pub(super) fn pay_owners(&mut self, d: &Deal) {
        self.locked[REQUESTER] -= d.price();
        self.stake[APP_OWNER] += d.app_price;
        self.stake[DATASET_OWNER] += d.dataset_price;
        self.unlock(POOL_OWNER, d.stake);
        let kitty = self.locked[KITTY];
        if kitty > U256::ZERO {
            let share = (kitty * u(10) / u(100)).max(u(RLC_UNIT)).min(kitty);
            self.locked[KITTY] -= share;
            self.stake[POOL_OWNER] += share;
        }
    }
}
