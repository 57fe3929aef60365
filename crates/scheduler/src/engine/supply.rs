//! The consensus prediction behind the replicate supply (design §2.4): whether a task needs one
//! more replicate for its consensus to be reached.
//!
//! The hub weighs each contribution by its worker's score, `w(s) = max(⌊s/3⌋, 3) − 1`, and
//! multiplies the group of its result hash by it: `δ = max(g, 1)·w − g` is added to the group
//! and to the total (which starts at 1). The consensus is reached when
//! `g·trust > total·(trust − 1)`. The prediction replays that arithmetic over the on-chain
//! contributions in order, then adds every pending replicate (handed out, not contributed yet)
//! to the largest group, as if it will agree: if the consensus is still not reached, one more
//! replicate is needed. The prediction is advisory: a wrong guess delays or wastes one
//! replicate, the chain decides.

use alloy_primitives::B256;

/// A contribution's weight for a worker of `score`: `max(⌊score/3⌋, 3) − 1` (2 for a new
/// worker).
pub fn weight(score: u64) -> u64 {
    (score / 3).max(3) - 1
}

/// The hub's consensus arithmetic for one task.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// Each result hash's group weight, in order of first contribution.
    groups: Vec<(B256, u128)>,
    /// The total weight minus one (the hub's `totalWeightMinusOne`).
    total_minus_one: u128,
}

impl Tally {
    /// Replays `contributions` (hash, weight), in their on-chain order.
    pub fn replay(contributions: impl IntoIterator<Item = (B256, u64)>) -> Self {
        let mut tally = Self::default();
        for (hash, weight) in contributions {
            tally.add(hash, weight);
        }
        tally
    }

    /// Adds a contribution of `weight` to the group of `hash`.
    pub fn add(&mut self, hash: B256, weight: u64) {
        let index = match self.groups.iter().position(|(h, _)| *h == hash) {
            Some(index) => index,
            None => {
                self.groups.push((hash, 0));
                self.groups.len() - 1
            }
        };
        let group = self.groups[index].1;
        let delta = group.max(1).saturating_mul(u128::from(weight)) - group;
        self.groups[index].1 = group.saturating_add(delta);
        self.total_minus_one = self.total_minus_one.saturating_add(delta);
    }

    /// The heaviest group's hash and weight (the first one on a tie), if any.
    pub fn largest(&self) -> Option<(B256, u128)> {
        self.groups
            .iter()
            .copied()
            .fold(None, |best, (hash, group)| match best {
                Some((_, weight)) if weight >= group => best,
                _ => Some((hash, group)),
            })
    }

    /// Whether some group reached the consensus at `trust`: `g·trust > total·(trust − 1)`.
    pub fn consensus(&self, trust: u64) -> bool {
        let trust = u128::from(trust.max(1));
        let total = self.total_minus_one.saturating_add(1);
        self.groups
            .iter()
            .any(|(_, group)| group.saturating_mul(trust) > total.saturating_mul(trust - 1))
    }
}

/// Whether a task of `trust` needs another replicate: the on-chain `contributions` (hash,
/// weight; rejected ones left out, the hub removed their weight), plus every `pending`
/// replicate's weight added to the largest group, do not reach the consensus.
pub fn needs_replicate(trust: u64, contributions: &[(B256, u64)], pending: &[u64]) -> bool {
    let mut tally = Tally::replay(contributions.iter().copied());
    if tally.consensus(trust) {
        return false;
    }
    // Pending replicates have no hash yet: they join the largest group (or start one).
    let hash = tally.largest().map_or(B256::ZERO, |(hash, _)| hash);
    for &weight in pending {
        tally.add(hash, weight);
    }
    !tally.consensus(trust)
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: B256 = B256::repeat_byte(0xaa);
    const B: B256 = B256::repeat_byte(0xbb);
    const C: B256 = B256::repeat_byte(0xcc);

    #[test]
    fn weight_follows_the_hub() {
        for (score, w) in [(0, 2), (8, 2), (9, 2), (11, 2), (12, 3), (30, 9), (31, 9)] {
            assert_eq!(weight(score), w, "score {score}");
        }
    }

    #[test]
    fn consensus_matches_the_hubs_arithmetic() {
        // One new worker at trust 3: g = 2, total = 3, 6 > 6 is false.
        assert!(!Tally::replay([(A, 2)]).consensus(3));
        // Two agreeing: g = 4, total = 5, 12 > 10.
        assert!(Tally::replay([(A, 2), (A, 2)]).consensus(3));
        // Trust 1: any contribution.
        assert!(Tally::replay([(A, 2)]).consensus(1));
        assert!(!Tally::replay([]).consensus(1));
        // A divergent one first: A = 2, B = 2, total 5; B needs 8 (total 11: 24 > 22).
        assert!(!Tally::replay([(A, 2), (B, 2), (B, 2)]).consensus(3));
        assert!(Tally::replay([(A, 2), (B, 2), (B, 2), (B, 2)]).consensus(3));
        // Trust 5, new workers: 2 (total 3), 4 (5: 20 > 20 no), 8 (9: 40 > 36): 2^k > trust − 1.
        assert!(!Tally::replay([(A, 2); 2]).consensus(5));
        assert!(Tally::replay([(A, 2); 3]).consensus(5));
        // A heavy worker (score 30, w = 9) alone at trust 3: g = 9, total 10: 27 > 20.
        assert!(Tally::replay([(C, 9)]).consensus(3));
    }

    /// (trust, on-chain contributions, pending weights, needs another replicate)
    type Row = (u64, &'static [(B256, u64)], &'static [u64], bool);

    #[test]
    fn the_supply_table() {
        let table: &[Row] = &[
            // Trust 1: one replicate at a time.
            (1, &[], &[], true),
            (1, &[], &[2], false),
            (1, &[(A, 2)], &[], false),
            // Trust 3: two agreeing new workers.
            (3, &[], &[], true),
            (3, &[], &[2], true),
            (3, &[], &[2, 2], false),
            (3, &[(A, 2)], &[], true),
            (3, &[(A, 2)], &[2], false),
            (3, &[(A, 2), (A, 2)], &[], false),
            // Divergent: A then B; two more pending join the largest group.
            (3, &[(A, 2), (B, 2)], &[], true),
            (3, &[(A, 2), (B, 2)], &[2], true),
            (3, &[(A, 2), (B, 2)], &[2, 2], false),
            (3, &[(A, 2), (B, 2), (B, 2)], &[], true),
            (3, &[(A, 2), (B, 2), (B, 2)], &[2], false),
            // Trust 5: three agreeing new workers.
            (5, &[], &[2, 2], true),
            (5, &[], &[2, 2, 2], false),
            (5, &[(A, 2), (A, 2)], &[], true),
            (5, &[(A, 2), (A, 2)], &[2], false),
            (5, &[(A, 2), (B, 2)], &[2, 2], true),
            // Experienced workers weigh more: one of score 30 suffices at trust 3.
            (3, &[], &[9], false),
            (3, &[(A, 9)], &[], false),
            // Three different results at trust 3 need more.
            (3, &[(A, 2), (B, 2), (C, 2)], &[2], true),
        ];
        for (trust, contributions, pending, expected) in table {
            assert_eq!(
                needs_replicate(*trust, contributions, pending),
                *expected,
                "trust {trust}, contributions {contributions:?}, pending {pending:?}"
            );
        }
    }

    #[test]
    fn largest_group_prefers_the_first_on_a_tie() {
        let tally = Tally::replay([(A, 2), (B, 2), (B, 2)]);
        assert_eq!(tally.largest(), Some((B, 4)));
        assert_eq!(Tally::replay([(A, 2), (B, 2)]).largest(), Some((A, 2)));
        assert_eq!(Tally::default().largest(), None);
    }
}
