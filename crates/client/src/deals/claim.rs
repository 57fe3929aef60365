//! Claiming: once a deal's final deadline has passed, every task that did not complete can be
//! claimed, which marks it FAILED and refunds the requester (the deal's sponsor) the task's
//! price. Initialized tasks go through `claim`/`claimArray`, tasks never initialized through
//! `initializeAndClaimArray`, in as few transactions as the block gas limit allows.

use super::{
    latest_block, status_name,
    view::{DealView, TaskView, task_price},
};
use crate::{
    Tx, TxProgress,
    client::{Client, rpc},
    error::{ClientError, Result},
};
use poco_contracts::alloy::primitives::{Address, B256, U256};
use poco_types::TaskStatus;

/// Gas a `claimArray` spends per task, with a margin (about 75,000 measured; the SDK counts
/// 55,000 for iExec's hub).
const CLAIM_GAS: u64 = 100_000;
/// Gas an `initializeAndClaimArray` spends per task, with a margin (about 105,000 measured;
/// the SDK counts 250,000).
const INITIALIZE_AND_CLAIM_GAS: u64 = 250_000;
/// The share of the block gas limit one claim transaction may use, in percent.
const BLOCK_SHARE: u64 = 50;

/// The tasks a claim covers and what it should refund.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClaimPlan {
    /// Their deal.
    pub deal_id: B256,
    /// Who paid for the deal and gets the refund.
    pub sponsor: Address,
    /// Initialized tasks, `(index, task id)`: `claim` / `claimArray`.
    pub initialized: Vec<(U256, B256)>,
    /// Tasks never initialized, `(index, task id)`: `initializeAndClaimArray`.
    pub uninitialized: Vec<(U256, B256)>,
    /// The refund expected: the task price times the number of tasks.
    pub refund: U256,
}

impl ClaimPlan {
    /// How many tasks it claims.
    pub fn len(&self) -> usize {
        self.initialized.len() + self.uninitialized.len()
    }

    /// Whether it claims nothing (never, for a plan from `claim_plan`).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The hub function a claim transaction called.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClaimKind {
    /// `claim(taskid)`.
    Claim,
    /// `claimArray(taskids)`.
    ClaimArray,
    /// `initializeAndClaimArray(dealids, indexes)`.
    InitializeAndClaimArray,
}

impl ClaimKind {
    /// The function's name (the SDK's transaction `type`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Claim => "claim",
            Self::ClaimArray => "claimArray",
            Self::InitializeAndClaimArray => "initializeAndClaimArray",
        }
    }
}

/// One claim transaction, mined.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClaimTx {
    /// What it called.
    pub kind: ClaimKind,
    /// Its hash.
    pub tx_hash: B256,
    /// The tasks it claimed, `(index, task id)`.
    pub tasks: Vec<(U256, B256)>,
}

/// What a claim did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Claimed {
    /// Its transactions, in order.
    pub transactions: Vec<ClaimTx>,
    /// Who was refunded.
    pub sponsor: Address,
    /// The refund, measured: the sponsor's hub stake after minus before.
    pub refunded: U256,
}

impl Claimed {
    /// Every task claimed, `(index, task id)`.
    pub fn tasks(&self) -> impl Iterator<Item = &(U256, B256)> {
        self.transactions.iter().flat_map(|tx| tx.tasks.iter())
    }
}

impl DealView {
    /// The deal's claimable tasks; [`ClientError::ClaimTooEarly`] before the final deadline,
    /// [`ClientError::NothingToClaim`] when every task completed or was claimed.
    pub fn claim_plan(&self) -> Result<ClaimPlan> {
        let mut plan = ClaimPlan {
            deal_id: self.id,
            sponsor: self.deal.sponsor,
            initialized: Vec::new(),
            uninitialized: Vec::new(),
            refund: U256::ZERO,
        };
        for task in self.tasks.iter().filter(|task| task.claimable) {
            let list = if task.status == TaskStatus::Unset {
                &mut plan.uninitialized
            } else {
                &mut plan.initialized
            };
            list.push((task.index, task.id));
        }
        if plan.is_empty() {
            if self.tasks.iter().any(|task| !task.status.is_final()) {
                return Err(ClientError::ClaimTooEarly {
                    subject: "the deal's".to_owned(),
                    plural: true,
                    deadline: self.deadlines.final_deadline,
                    now: self.now,
                });
            }
            return Err(ClientError::NothingToClaim(format!(
                "nothing to claim in deal {}: {}; a task can be claimed only if it did not \
                 complete by the final deadline, and only once",
                self.id,
                self.counts()
            )));
        }
        plan.refund = self.task_price().saturating_mul(U256::from(plan.len()));
        Ok(plan)
    }
}

impl TaskView {
    /// The task, if it can be claimed; [`ClientError::ClaimTooEarly`] before its final
    /// deadline, [`ClientError::NothingToClaim`] when it completed or was claimed already,
    /// [`ClientError::TaskNotInitialized`] when it is not initialized and its deal unknown.
    pub fn claim_plan(&self) -> Result<ClaimPlan> {
        let Some(deal) = &self.deal else {
            return Err(ClientError::TaskNotInitialized(self.id));
        };
        if self.status.is_final() {
            let why = if self.status == TaskStatus::Completed {
                "its result was delivered and everyone paid"
            } else {
                "it was claimed already and the requester refunded"
            };
            return Err(ClientError::NothingToClaim(format!(
                "task {} cannot be claimed: it is {} ({why})",
                self.id,
                status_name(self.status)
            )));
        }
        if !self.claimable() {
            return Err(ClientError::ClaimTooEarly {
                subject: "the task's".to_owned(),
                plural: false,
                deadline: self.final_deadline(),
                now: self.now,
            });
        }
        let entry = vec![(self.index(), self.id)];
        let (initialized, uninitialized) = if self.initialized {
            (entry, Vec::new())
        } else {
            (Vec::new(), entry)
        };
        Ok(ClaimPlan {
            deal_id: self.deal_id(),
            sponsor: deal.sponsor,
            initialized,
            uninitialized,
            refund: task_price(deal),
        })
    }
}

/// Sends the claim transactions of `plan` from the client's wallet and measures the refund.
/// Each transaction is simulated first: a revert is explained and nothing more is sent.
pub async fn claim(
    client: &Client,
    plan: &ClaimPlan,
    progress: &dyn TxProgress,
) -> Result<Claimed> {
    let hub = client.hub();
    let stake_before = stake(client, plan.sponsor).await?;
    let (_, gas_limit) = latest_block(client).await?;
    let per_tx = |gas_per_task: u64| {
        usize::try_from(gas_limit.saturating_mul(BLOCK_SHARE) / 100 / gas_per_task)
            .unwrap_or(usize::MAX)
            .max(1)
    };
    let mut transactions = Vec::new();
    let deal = plan.deal_id;
    if let [(index, id)] = plan.initialized.as_slice() {
        let tx = Tx::new(
            format!("claim task {id}"),
            hub.claim(*id).into_transaction_request(),
        );
        let receipt = client.send(tx, progress).await?;
        transactions.push(ClaimTx {
            kind: ClaimKind::Claim,
            tx_hash: receipt.transaction_hash,
            tasks: vec![(*index, *id)],
        });
    } else {
        for chunk in plan.initialized.chunks(per_tx(CLAIM_GAS)) {
            let ids = chunk.iter().map(|&(_, id)| id).collect();
            let tx = Tx::new(
                format!("claim {} of deal {deal}", tasks(chunk.len())),
                hub.claimArray(ids).into_transaction_request(),
            );
            let receipt = client.send(tx, progress).await?;
            transactions.push(ClaimTx {
                kind: ClaimKind::ClaimArray,
                tx_hash: receipt.transaction_hash,
                tasks: chunk.to_vec(),
            });
        }
    }
    for chunk in plan.uninitialized.chunks(per_tx(INITIALIZE_AND_CLAIM_GAS)) {
        let deals = vec![deal; chunk.len()];
        let indexes = chunk.iter().map(|&(index, _)| index).collect();
        let tx = Tx::new(
            format!("initialize and claim {} of deal {deal}", tasks(chunk.len())),
            hub.initializeAndClaimArray(deals, indexes)
                .into_transaction_request(),
        );
        let receipt = client.send(tx, progress).await?;
        transactions.push(ClaimTx {
            kind: ClaimKind::InitializeAndClaimArray,
            tx_hash: receipt.transaction_hash,
            tasks: chunk.to_vec(),
        });
    }
    let stake_after = stake(client, plan.sponsor).await?;
    Ok(Claimed {
        transactions,
        sponsor: plan.sponsor,
        refunded: stake_after.saturating_sub(stake_before),
    })
}

/// "1 task", "3 tasks".
fn tasks(count: usize) -> String {
    if count == 1 {
        "1 task".to_owned()
    } else {
        format!("{count} tasks")
    }
}

/// `who`'s available stake in the hub.
async fn stake(client: &Client, who: Address) -> Result<U256> {
    let account = client
        .hub()
        .viewAccount(who)
        .call()
        .await
        .map_err(|e| rpc("read the requester's hub account", e))?;
    Ok(account.stake)
}
