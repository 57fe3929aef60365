//! The chain side: observing every account, checking the ledger against the model, and
//! applying one operation.

use super::*;

pub(super) fn wall_clock() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("the clock is after 1970")
        .as_secs()
}

/// ceil(log2(x)) for x >= 1.
pub(super) fn log2up(x: u64) -> u64 {
    if x <= 1 {
        0
    } else {
        u64::from(64 - (x - 1).leading_zeros())
    }
}

pub(super) fn to_u64(x: U256, what: &str) -> u64 {
    u64::try_from(x).unwrap_or_else(|_| panic!("{what} fits u64"))
}

/// The addresses of the model's accounts: dev accounts 0..=9, then the kitty.
pub(super) fn accounts(p: &Protocol) -> [Address; ACCOUNTS] {
    let mut a = [Address::ZERO; ACCOUNTS];
    for (i, slot) in a.iter_mut().enumerate().take(10) {
        *slot = p.signers[i].address();
    }
    a[KITTY] = KITTY_ADDRESS;
    a
}

/// Reads every balance the test checks.
pub(super) async fn observe(p: &Protocol) -> Observed {
    let addrs = accounts(p);
    let mut o = Observed {
        stake: [U256::ZERO; ACCOUNTS],
        locked: [U256::ZERO; ACCOUNTS],
        rlc: [U256::ZERO; ACCOUNTS],
        hub_stake: U256::ZERO,
        hub_locked: U256::ZERO,
        rlc_hub: U256::ZERO,
        supply: U256::ZERO,
        rlc_supply: U256::ZERO,
    };
    let mut handles = Vec::new();
    for who in addrs.iter().copied().chain([p.deployment.hub]) {
        let hub = p.hub.clone();
        let rlc = p.rlc.clone();
        handles.push(tokio::spawn(async move {
            let account = hub.viewAccount(who).call().await.expect("viewAccount");
            let balance = rlc.balanceOf(who).call().await.expect("balanceOf");
            (account.stake, account.locked, balance)
        }));
    }
    for (i, handle) in handles.into_iter().enumerate() {
        let (stake, locked, balance) = handle.await.expect("a balance read");
        if i < ACCOUNTS {
            o.stake[i] = stake;
            o.locked[i] = locked;
            o.rlc[i] = balance;
        } else {
            o.hub_stake = stake;
            o.hub_locked = locked;
            o.rlc_hub = balance;
        }
    }
    o.supply = p.hub.totalSupply().call().await.expect("totalSupply");
    o.rlc_supply = p.rlc.totalSupply().call().await.expect("RLC totalSupply");
    o
}

/// The ledger invariants, from on-chain values only.
pub(super) fn check_ledger(o: &Observed, rlc_supply: U256) -> Result<(), String> {
    let sum = |xs: &[U256]| xs.iter().fold(U256::ZERO, |a, b| a + b);
    let locked = sum(&o.locked);
    let stake = sum(&o.stake);
    let rlc = sum(&o.rlc);
    if o.rlc_hub != o.supply {
        return Err(format!(
            "RLC held by the hub {} != SRLC total supply {}",
            o.rlc_hub, o.supply
        ));
    }
    if o.hub_locked != U256::ZERO {
        return Err(format!("the hub's own locked is {}", o.hub_locked));
    }
    if o.hub_stake != locked {
        return Err(format!(
            "the hub's own SRLC {} != sum of locked {locked}",
            o.hub_stake
        ));
    }
    if o.supply != stake + locked {
        return Err(format!(
            "SRLC total supply {} != sum of stakes {stake} + locked {locked}",
            o.supply
        ));
    }
    if o.rlc_supply != rlc_supply || rlc + o.rlc_hub != rlc_supply {
        return Err(format!(
            "RLC not conserved: supply {} (was {rlc_supply}), accounts {rlc} + hub {}",
            o.rlc_supply, o.rlc_hub
        ));
    }
    if let Some(i) = (0..ACCOUNTS).find(|&i| o.stake[i] > o.supply || o.locked[i] > o.supply) {
        return Err(format!(
            "account {i} has a wrapped balance: stake {} locked {}",
            o.stake[i], o.locked[i]
        ));
    }
    Ok(())
}

/// Compares the chain's balances with the model's.
pub(super) fn check_model(o: &Observed, m: &Model) -> Result<(), String> {
    for i in 0..ACCOUNTS {
        if (o.stake[i], o.locked[i], o.rlc[i]) != (m.stake[i], m.locked[i], m.rlc[i]) {
            return Err(format!(
                "account {i}: chain (stake {}, locked {}, RLC {}) != model ({}, {}, {})",
                o.stake[i], o.locked[i], o.rlc[i], m.stake[i], m.locked[i], m.rlc[i]
            ));
        }
    }
    if o.rlc_hub != m.rlc_hub {
        return Err(format!("hub RLC {} != model {}", o.rlc_hub, m.rlc_hub));
    }
    Ok(())
}

/// A jump of the chain's clock; returns the new offset.
pub(super) async fn increase_time(x: &Driver, secs: u64) -> i64 {
    let offset: i64 = x
        .provider
        .raw_request("evm_increaseTime".into(), (secs,))
        .await
        .expect("evm_increaseTime");
    x.provider
        .raw_request::<_, serde_json::Value>("evm_mine".into(), ())
        .await
        .expect("evm_mine");
    offset
}

/// `evm_snapshot`.
pub(super) async fn snapshot(x: &Driver) -> String {
    x.provider
        .raw_request("evm_snapshot".into(), ())
        .await
        .expect("evm_snapshot")
}

/// `evm_revert`.
pub(super) async fn revert(x: &Driver, id: &str) {
    let reverted: bool = x
        .provider
        .raw_request("evm_revert".into(), (id,))
        .await
        .expect("evm_revert");
    assert!(reverted, "evm_revert to snapshot {id}");
}

/// The honest (or the wrong) result digest of a task.
pub(super) fn digest(task: B256, honest: bool) -> B256 {
    let mut bytes = task.to_vec();
    bytes.extend_from_slice(if honest { b"honest" } else { b"wrong!" });
    keccak256(bytes)
}

/// Statistics of a run: per kind of operation, how many succeeded, reverted (as expected) and
/// were skipped.
/// Predicts, runs and applies one operation; returns what was expected (and happened).
pub(super) async fn apply(
    p: &Protocol,
    x: &Driver,
    m: &mut Model,
    op: &Op,
) -> Result<Expect, String> {
    let addrs = accounts(p);
    match *op {
        Op::Deposit { who, amount } => {
            let amount = u(amount);
            let expect = if m.rlc[who] >= amount {
                Expect::Success
            } else {
                // RLC's transferFrom fails: the reason is the token's.
                Expect::Revert("")
            };
            x.send(x.rlc.approve(p.deployment.hub, amount).from(addrs[who]))
                .await
                .map_err(|e| format!("approve: {e}"))?;
            let got = x.send(x.hub.deposit(amount).from(addrs[who])).await;
            judge(&expect, &got)?;
            if got.is_ok() {
                m.stake[who] += amount;
                m.rlc[who] -= amount;
                m.rlc_hub += amount;
            }
            Ok(expect)
        }
        Op::Withdraw { who, amount } => {
            let amount = u(amount);
            let expect = if m.stake[who] >= amount {
                Expect::Success
            } else {
                Expect::Revert("InsufficientStake")
            };
            let got = x.send(x.hub.withdraw(amount).from(addrs[who])).await;
            judge(&expect, &got)?;
            if got.is_ok() {
                m.stake[who] -= amount;
                m.rlc[who] += amount;
                m.rlc_hub -= amount;
            }
            Ok(expect)
        }
        Op::Match {
            volume,
            trust,
            app_price,
            dataset_price,
            pool_price,
        } => {
            let mut orders = p.orders().with_volume(volume).with_trust(trust);
            orders.app.appprice = u(app_price);
            orders.request.appmaxprice = u(app_price);
            orders.pool.workerpoolprice = u(pool_price);
            orders.request.workerpoolmaxprice = u(pool_price);
            if let Some(price) = dataset_price {
                let mut order = p.dataset_order();
                order.datasetprice = u(price);
                order.volume = u(volume);
                orders = orders.with_dataset(order);
            }
            let deal = Deal {
                id: B256::ZERO,
                volume,
                trust,
                app_price: u(app_price),
                dataset_price: u(dataset_price.unwrap_or(0)),
                pool_price: u(pool_price),
                stake: u(pool_price) * u(30) / u(100),
                ratio: u(1),
                start: 0,
            };
            let expect = if m.stake[REQUESTER] < deal.price() * u(volume)
                || m.stake[POOL_OWNER] < deal.stake * u(volume)
            {
                Expect::Revert("InsufficientStake")
            } else {
                Expect::Success
            };
            let got = x.match_orders(p, &orders).await;
            judge(&expect, &got)?;
            if let Ok(id) = got {
                let on_chain = p.view_deal(id).await;
                let start = to_u64(on_chain.startTime, "startTime");
                if start.abs_diff(m.now()) > MARGIN {
                    return Err(format!(
                        "deal starts at {start}, the model's clock says {}",
                        m.now()
                    ));
                }
                let deal = Deal { id, start, ..deal };
                let seen = (
                    on_chain.botFirst,
                    on_chain.botSize,
                    on_chain.trust,
                    on_chain.workerStake,
                    on_chain.schedulerRewardRatio,
                );
                let want = (U256::ZERO, u(volume), u(trust), deal.stake, deal.ratio);
                if seen != want {
                    return Err(format!(
                        "deal (botFirst, botSize, trust, workerStake, ratio) {seen:?} != {want:?}"
                    ));
                }
                m.lock(REQUESTER, deal.price() * u(volume));
                m.lock(POOL_OWNER, deal.stake * u(volume));
                for idx in 0..volume {
                    m.tasks.push(Task {
                        id: task_id(id, u(idx)),
                        deal: m.deals.len(),
                        status: Status::Unset,
                        contributions: Vec::new(),
                        groups: BTreeMap::new(),
                        total: U256::ZERO,
                        consensus: None,
                        reveal_deadline: 0,
                        revealed: 0,
                        winners: 0,
                    });
                }
                m.deals.push(deal);
            }
            Ok(expect)
        }
        Op::Initialize { task: target } => {
            if m.deals.is_empty() {
                return Ok(Expect::Skip);
            }
            let (k, idx) = if let Target::Any(n) = target {
                (n % m.deals.len(), (n / 8 % 4) as u64)
            } else {
                let Some(t) = m.pick(target, |t| t.status == Status::Unset) else {
                    return Ok(Expect::Skip);
                };
                let id = m.tasks[t].id;
                let k = m.tasks[t].deal;
                let idx = (0..m.deals[k].volume)
                    .find(|&i| task_id(m.deals[k].id, u(i)) == id)
                    .expect("a task of its deal");
                (k, idx)
            };
            let id = m.deals[k].id;
            let task = m
                .tasks
                .iter()
                .position(|t| t.deal == k && t.id == task_id(id, u(idx)));
            let expect = match task {
                None => Expect::Revert("iExecV5-initialize-0x01"),
                Some(t) if m.tasks[t].status != Status::Unset => {
                    Expect::Revert("iExecV5-initialize-0x02")
                }
                Some(_) => Expect::Success,
            };
            let got = x
                .send(x.hub.initialize(id, u(idx)).from(p.pool_owner()))
                .await;
            judge(&expect, &got)?;
            if let (Ok(_), Some(t)) = (&got, task) {
                m.tasks[t].status = Status::Active;
                m.tasks[t].total = u(1);
            }
            Ok(expect)
        }
        Op::Contribute {
            task,
            worker,
            honest,
        } => {
            let Some(t) = m.pick(task, |t| t.status == Status::Active) else {
                return Ok(Expect::Skip);
            };
            let who = FIRST_WORKER + worker;
            let (id, d) = (m.tasks[t].id, m.tasks[t].deal);
            let deadline = m.contribution_deadline(&m.tasks[t]);
            let stake = m.deals[d].stake;
            let expect = if m.tasks[t].status != Status::Active {
                Expect::Revert("iExecV5-contribute-0x01")
            } else if m.near(deadline) {
                Expect::Skip
            } else if m.now() >= deadline {
                Expect::Revert("iExecV5-contribute-0x02")
            } else if m.tasks[t].contributions.iter().any(|c| c.worker == who) {
                Expect::Revert("iExecV5-contribute-0x03")
            } else if m.stake[who] < stake {
                Expect::Revert("InsufficientStake")
            } else {
                Expect::Success
            };
            if matches!(expect, Expect::Skip) {
                return Ok(expect);
            }
            let score = to_u64(p.score(addrs[who]).await, "score");
            let value = digest(id, honest);
            let got = x.contribute(p, p.worker(worker), id, value).await;
            judge(&expect, &got)?;
            if got.is_err() {
                return Ok(expect);
            }
            m.lock(who, stake);
            let w = (score / 3).max(3) - 1;
            let trust = u(m.deals[d].trust);
            let t = &mut m.tasks[t];
            t.contributions.push(Contrib {
                worker: who,
                digest: value,
                weight: log2up(w),
                status: Contribution::Contributed,
                staked: true,
            });
            let group = t.groups.entry(value).or_default();
            let delta = (*group).max(u(1)) * u(w) - *group;
            *group += delta;
            let group = *group;
            t.total += delta;
            if group * trust > t.total * (trust - u(1)) {
                t.status = Status::Revealing;
                t.consensus = Some(value);
                let on_chain = p.view_task(id).await;
                let contributed = t
                    .contributions
                    .iter()
                    .filter(|c| c.digest == value && c.status == Contribution::Contributed)
                    .count() as u64;
                let all = t.contributions.iter().filter(|c| c.digest == value).count() as u64;
                let winners = to_u64(on_chain.winnerCounter, "winnerCounter");
                // A reopened task may have rejected contributions with the new consensus
                // value: the spec does not say whether they count as winners.
                if winners != contributed && winners != all {
                    return Err(format!(
                        "winnerCounter {winners}, expected {contributed} (or {all})"
                    ));
                }
                t.winners = winners;
                t.reveal_deadline = to_u64(on_chain.revealDeadline, "revealDeadline");
                let consensus_at = t.reveal_deadline.saturating_sub(2 * TIMEREF);
                if on_chain.status != 2 || on_chain.consensusValue != result_hash_of(id, value) {
                    return Err(format!(
                        "expected consensus on {value}: task status {}, consensus {}",
                        on_chain.status, on_chain.consensusValue
                    ));
                }
                if consensus_at.abs_diff(wall_clock().saturating_add_signed(m.offset)) > MARGIN {
                    return Err(format!(
                        "revealDeadline {} is not 600 s after now",
                        t.reveal_deadline
                    ));
                }
            }
            Ok(expect)
        }
        Op::Reveal { task, worker } => {
            let can_reveal = |t: &Task| -> Vec<usize> {
                t.contributions
                    .iter()
                    .filter(|c| {
                        c.status == Contribution::Contributed && Some(c.digest) == t.consensus
                    })
                    .map(|c| c.worker)
                    .collect()
            };
            let Some(t) = m.pick(task, |t| {
                t.status == Status::Revealing && !can_reveal(t).is_empty()
            }) else {
                return Ok(Expect::Skip);
            };
            let who = match can_reveal(&m.tasks[t]) {
                revealers if !matches!(task, Target::Any(_)) && !revealers.is_empty() => {
                    revealers[worker % revealers.len()]
                }
                _ => FIRST_WORKER + worker,
            };
            let id = m.tasks[t].id;
            let mine = m.tasks[t]
                .contributions
                .iter()
                .position(|c| c.worker == who);
            let expect = if m.tasks[t].status != Status::Revealing {
                Expect::Revert("iExecV5-reveal-0x01")
            } else if m.near(m.tasks[t].reveal_deadline) {
                Expect::Skip
            } else if m.now() >= m.tasks[t].reveal_deadline {
                Expect::Revert("iExecV5-reveal-0x02")
            } else {
                match mine.map(|c| &m.tasks[t].contributions[c]) {
                    // No contribution, or one already proved or rejected.
                    None => Expect::Revert("iExecV5-reveal-0x0"),
                    Some(c) if c.status != Contribution::Contributed => {
                        Expect::Revert("iExecV5-reveal-0x0")
                    }
                    Some(c) if Some(c.digest) != m.tasks[t].consensus => {
                        Expect::Revert("iExecV5-reveal-0x04")
                    }
                    Some(_) => Expect::Success,
                }
            };
            if matches!(expect, Expect::Skip) {
                return Ok(expect);
            }
            // The worker reveals what it contributed (or, without a contribution, the honest
            // digest).
            let value = mine.map_or(digest(id, true), |c| m.tasks[t].contributions[c].digest);
            let got = x.send(x.hub.reveal(id, value).from(addrs[who])).await;
            judge(&expect, &got)?;
            if let (Ok(_), Some(c)) = (&got, mine) {
                m.tasks[t].contributions[c].status = Contribution::Proved;
                m.tasks[t].revealed += 1;
            }
            Ok(expect)
        }
        Op::Finalize { task } => {
            let Some(t) = m.pick(task, |t| t.status == Status::Revealing && t.revealed > 0) else {
                return Ok(Expect::Skip);
            };
            let final_deadline = m.final_deadline(&m.tasks[t]);
            let task_ref = &m.tasks[t];
            let expect = if task_ref.status == Status::Unset {
                // Not initialized: its deal is unknown, so nobody is its scheduler.
                Expect::Revert("iExecV5-finalize-0x00")
            } else if task_ref.status != Status::Revealing {
                Expect::Revert("iExecV5-finalize-0x01")
            } else if m.near(final_deadline) || m.near(task_ref.reveal_deadline) {
                Expect::Skip
            } else if m.now() >= final_deadline {
                Expect::Revert("iExecV5-finalize-0x02")
            } else if task_ref.revealed == task_ref.winners
                || (task_ref.revealed > 0 && m.now() >= task_ref.reveal_deadline)
            {
                Expect::Success
            } else {
                Expect::Revert("iExecV5-finalize-0x03")
            };
            if matches!(expect, Expect::Skip) {
                return Ok(expect);
            }
            let id = m.tasks[t].id;
            let call = x
                .hub
                .finalize(id, Bytes::from_static(RESULTS), Bytes::new());
            let got = x.send(call.from(p.pool_owner())).await;
            judge(&expect, &got)?;
            if got.is_ok() {
                let d = m.deals[m.tasks[t].deal].clone();
                m.pay_owners(&d);
                let contributions = m.tasks[t].contributions.clone();
                let mut total = d.pool_price;
                let mut weights = U256::ZERO;
                for c in &contributions {
                    if c.status == Contribution::Proved {
                        weights += u(c.weight);
                    } else if c.staked {
                        total += d.stake;
                    }
                }
                let workers_reward = total * (u(100) - d.ratio) / u(100);
                for c in &contributions {
                    if c.status == Contribution::Proved {
                        let reward = workers_reward * u(c.weight) / weights;
                        total -= reward;
                        m.unlock(c.worker, d.stake);
                        m.stake[c.worker] += reward;
                    } else if c.staked {
                        m.locked[c.worker] -= d.stake;
                    }
                }
                m.stake[POOL_OWNER] += total;
                m.tasks[t].status = Status::Completed;
            }
            Ok(expect)
        }
        Op::ContributeAndFinalize { task, worker } => {
            let Some(t) = m.pick(task, |t| {
                t.status == Status::Active && t.contributions.is_empty()
            }) else {
                return Ok(Expect::Skip);
            };
            let who = FIRST_WORKER + worker;
            let id = m.tasks[t].id;
            let deadline = m.contribution_deadline(&m.tasks[t]);
            let task_ref = &m.tasks[t];
            let expect = if task_ref.status != Status::Active {
                Expect::Revert("iExecV5-contributeAndFinalize-0x01")
            } else if m.near(deadline) {
                Expect::Skip
            } else if m.now() >= deadline {
                Expect::Revert("iExecV5-contributeAndFinalize-0x02")
            } else if !task_ref.contributions.is_empty() {
                // Already contributed (0x03), and on a trust-3 deal trust != 1 (0x04) too.
                Expect::Revert("iExecV5-contributeAndFinalize-0x0")
            } else if m.deals[task_ref.deal].trust != 1 {
                Expect::Revert("iExecV5-contributeAndFinalize-0x04")
            } else {
                Expect::Success
            };
            if matches!(expect, Expect::Skip) {
                return Ok(expect);
            }
            let got = x
                .contribute_and_finalize(p, p.worker(worker), id, digest(id, true))
                .await;
            judge(&expect, &got)?;
            if got.is_ok() {
                let d = m.deals[m.tasks[t].deal].clone();
                m.pay_owners(&d);
                let share = d.pool_price * (u(100) - d.ratio) / u(100);
                m.stake[who] += share;
                m.stake[POOL_OWNER] += d.pool_price - share;
                let t = &mut m.tasks[t];
                t.status = Status::Completed;
                t.contributions.push(Contrib {
                    worker: who,
                    digest: digest(id, true),
                    weight: 0,
                    status: Contribution::Proved,
                    staked: false,
                });
            }
            Ok(expect)
        }
        Op::Reopen { task } => {
            let Some(t) = m.pick(task, |t| t.status == Status::Revealing && t.revealed == 0) else {
                return Ok(Expect::Skip);
            };
            let final_deadline = m.final_deadline(&m.tasks[t]);
            let task_ref = &m.tasks[t];
            let expect = if task_ref.status == Status::Unset {
                Expect::Revert("iExecV5-reopen-0x00")
            } else if task_ref.status != Status::Revealing {
                Expect::Revert("iExecV5-reopen-0x01")
            } else if m.near(final_deadline) || m.near(task_ref.reveal_deadline) {
                Expect::Skip
            } else if m.now() >= final_deadline {
                Expect::Revert("iExecV5-reopen-0x02")
            } else if m.now() < task_ref.reveal_deadline || task_ref.revealed > 0 {
                Expect::Revert("iExecV5-reopen-0x03")
            } else {
                Expect::Success
            };
            if matches!(expect, Expect::Skip) {
                return Ok(expect);
            }
            let got = x
                .send(x.hub.reopen(m.tasks[t].id).from(p.pool_owner()))
                .await;
            judge(&expect, &got)?;
            if got.is_ok() {
                let t = &mut m.tasks[t];
                let consensus = t
                    .consensus
                    .take()
                    .expect("a revealing task has a consensus");
                for c in &mut t.contributions {
                    if c.digest == consensus && c.status == Contribution::Contributed {
                        c.status = Contribution::Rejected;
                    }
                }
                let group = t.groups.remove(&consensus).unwrap_or_default();
                t.total -= group;
                t.status = Status::Active;
                t.winners = 0;
                t.reveal_deadline = 0;
            }
            Ok(expect)
        }
        Op::Claim { task } => {
            let Some(t) = m.pick(task, |t| {
                matches!(t.status, Status::Active | Status::Revealing)
            }) else {
                return Ok(Expect::Skip);
            };
            let final_deadline = m.final_deadline(&m.tasks[t]);
            let status = m.tasks[t].status;
            let expect = if !matches!(status, Status::Active | Status::Revealing) {
                Expect::Revert("iExecV5-claim-0x01")
            } else if m.near(final_deadline) {
                Expect::Skip
            } else if m.now() < final_deadline {
                Expect::Revert("iExecV5-claim-0x02")
            } else {
                Expect::Success
            };
            if matches!(expect, Expect::Skip) {
                return Ok(expect);
            }
            let got = x.send(x.hub.claim(m.tasks[t].id).from(p.requester())).await;
            judge(&expect, &got)?;
            if got.is_ok() {
                let d = m.deals[m.tasks[t].deal].clone();
                m.unlock(REQUESTER, d.price());
                m.locked[POOL_OWNER] -= d.stake;
                m.locked[KITTY] += d.stake;
                let contributions = m.tasks[t].contributions.clone();
                for c in contributions.iter().filter(|c| c.staked) {
                    m.unlock(c.worker, d.stake);
                }
                m.tasks[t].status = Status::Failed;
            }
            Ok(expect)
        }
        Op::Jump { steps } => {
            m.offset = increase_time(x, steps * STEP).await;
            Ok(Expect::Success)
        }
        Op::Progress { .. } => unreachable!("resolved by Model::resolve"),
    }
}

/// The result hash the hub stores for `digest` on `task`.
pub(super) fn result_hash_of(task: B256, digest: B256) -> B256 {
    poco_types::result_hash(task, digest)
}
