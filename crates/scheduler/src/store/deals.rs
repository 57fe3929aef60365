//! Deals: recorded once, when their SchedulerNotice is followed, with one task row per index.

use super::{Store, Transaction, addr, big, id, int, parse_addr, parse_id, text, uint};
use crate::error::Result;
use alloy_primitives::{Address, B256};
use poco_types::{core::CoreTaskStatus, task_id};

/// A deal as the scheduler keeps it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DealRow {
    /// The deal id.
    pub deal_id: B256,
    /// The app.
    pub app: Address,
    /// The dataset (zero: none).
    pub dataset: Address,
    /// Who pays.
    pub requester: Address,
    /// The callback contract (zero: none).
    pub callback: Address,
    /// The request's params.
    pub params: String,
    /// The tag (32 bytes).
    pub tag: B256,
    /// The category.
    pub category: u64,
    /// The trust (at least 1).
    pub trust: u64,
    /// The first task index.
    pub bot_first: u64,
    /// How many tasks.
    pub bot_size: u64,
    /// When the deal was made (chain seconds).
    pub start_time: u64,
    /// The category's reference time (seconds).
    pub timeref: u64,
    /// Contributions are accepted until then.
    pub contribution_deadline: u64,
    /// Tasks can be claimed from then on.
    pub final_deadline: u64,
    /// The workerpool price per task (nRLC).
    pub workerpool_price: u64,
    /// The stake each contributor locks (nRLC).
    pub worker_stake: u64,
    /// The pool owner snapshotted at the deal.
    pub pool_owner: Address,
    /// Why the scheduler leaves it alone ('' when it runs it).
    pub skipped: String,
    /// The block of its SchedulerNotice.
    pub block_number: u64,
}

impl DealRow {
    /// Whether the deal has a callback.
    pub fn has_callback(&self) -> bool {
        self.callback != Address::ZERO
    }

    fn from_row(row: &sqlx::any::AnyRow) -> Result<Self> {
        Ok(Self {
            deal_id: parse_id(&text(row, "deal_id")?)?,
            app: parse_addr(&text(row, "app")?)?.unwrap_or_default(),
            dataset: parse_addr(&text(row, "dataset")?)?.unwrap_or_default(),
            requester: parse_addr(&text(row, "requester")?)?.unwrap_or_default(),
            callback: parse_addr(&text(row, "callback")?)?.unwrap_or_default(),
            params: text(row, "params")?,
            tag: parse_id(&text(row, "tag")?)?,
            category: uint(row, "category")?,
            trust: uint(row, "trust")?,
            bot_first: uint(row, "bot_first")?,
            bot_size: uint(row, "bot_size")?,
            start_time: uint(row, "start_time")?,
            timeref: uint(row, "timeref")?,
            contribution_deadline: uint(row, "contribution_deadline")?,
            final_deadline: uint(row, "final_deadline")?,
            workerpool_price: uint(row, "workerpool_price")?,
            worker_stake: uint(row, "worker_stake")?,
            pool_owner: parse_addr(&text(row, "pool_owner")?)?.unwrap_or_default(),
            skipped: text(row, "skipped")?,
            block_number: uint(row, "block_number")?,
        })
    }
}

impl Store {
    /// Records `deal` and, unless it is skipped, its tasks as RECEIVED; nothing when the deal is
    /// already known. Returns whether it was new.
    pub async fn insert_deal(&self, deal: &DealRow, now_ms: u64) -> Result<bool> {
        let mut tx = self.pool.begin().await?;
        let inserted = insert_deal_in(&mut tx, deal, now_ms).await?;
        tx.commit().await?;
        Ok(inserted)
    }

    /// A deal, if known.
    pub async fn deal(&self, deal_id: B256) -> Result<Option<DealRow>> {
        let row = sqlx::query("SELECT * FROM deals WHERE deal_id = $1")
            .bind(id(deal_id))
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(DealRow::from_row).transpose()
    }

    /// Whether a deal is known.
    pub async fn has_deal(&self, deal_id: B256) -> Result<bool> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM deals WHERE deal_id = $1")
            .bind(id(deal_id))
            .fetch_one(&self.pool)
            .await?;
        Ok(int(&row, "n")? > 0)
    }
}

/// [`Store::insert_deal`] within `tx` (the follower's, so a deal is recorded exactly once with
/// the range of logs it came from).
pub async fn insert_deal_in(tx: &mut Transaction, deal: &DealRow, now_ms: u64) -> Result<bool> {
    let inserted = sqlx::query(
        "INSERT INTO deals (deal_id, app, dataset, requester, callback, params, tag, \
         category, trust, bot_first, bot_size, start_time, timeref, contribution_deadline, \
         final_deadline, workerpool_price, worker_stake, pool_owner, skipped, block_number) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, \
         $17, $18, $19, $20) ON CONFLICT (deal_id) DO NOTHING",
    )
    .bind(id(deal.deal_id))
    .bind(addr(deal.app))
    .bind(addr(deal.dataset))
    .bind(addr(deal.requester))
    .bind(addr(deal.callback))
    .bind(deal.params.clone())
    .bind(id(deal.tag))
    .bind(big(deal.category))
    .bind(big(deal.trust))
    .bind(big(deal.bot_first))
    .bind(big(deal.bot_size))
    .bind(big(deal.start_time))
    .bind(big(deal.timeref))
    .bind(big(deal.contribution_deadline))
    .bind(big(deal.final_deadline))
    .bind(big(deal.workerpool_price))
    .bind(big(deal.worker_stake))
    .bind(addr(deal.pool_owner))
    .bind(deal.skipped.clone())
    .bind(big(deal.block_number))
    .execute(&mut **tx)
    .await?
    .rows_affected()
        > 0;
    if inserted && deal.skipped.is_empty() {
        for idx in deal.bot_first..deal.bot_first.saturating_add(deal.bot_size) {
            let task = id(task_id(deal.deal_id, alloy_primitives::U256::from(idx)));
            let status = CoreTaskStatus::Received.as_str();
            sqlx::query(
                "INSERT INTO tasks (task_id, deal_id, idx, status, chain_status, chain_block, \
                 consensus, reveal_deadline, reveal_counter, winner_counter, result_digest, \
                 contributions_json, uploader, uploader_since_ms, result_link, callback_data, \
                 status_since_ms, updated_ms) VALUES ($1, $2, $3, $4, 0, 0, '', 0, 0, 0, '', \
                 '[]', '', 0, '', '', $5, $5) ON CONFLICT (task_id) DO NOTHING",
            )
            .bind(task.clone())
            .bind(id(deal.deal_id))
            .bind(big(idx))
            .bind(status.to_owned())
            .bind(big(now_ms))
            .execute(&mut **tx)
            .await?;
            sqlx::query(
                "INSERT INTO task_history (task_id, seq, status, at_ms) VALUES ($1, 0, $2, $3) \
                 ON CONFLICT (task_id, seq) DO NOTHING",
            )
            .bind(task)
            .bind(status.to_owned())
            .bind(big(now_ms))
            .execute(&mut **tx)
            .await?;
        }
    }
    Ok(inserted)
}
