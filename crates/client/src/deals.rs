//! Deals and tasks as their parties follow them: the views (a deal with its category,
//! deadlines and each task's status; a task with its consensus and results), whether tasks can
//! be claimed, watching until they can no longer progress, and claiming them. Used by
//! `poco deal` and `poco task`, and by everything that waits for a deal (`app run --watch`, the
//! scheduler).
//!
//! Time is the chain's: a task is claimable once a block can be mined at or after its final
//! deadline. The "now" of a view is the newest block's timestamp, or the wall clock when that
//! is later (a dev chain mines only on demand, so its newest block may be old, while the next
//! one gets the current time).

mod claim;
mod results;
pub mod time;
mod view;
mod watch;

pub use claim::{ClaimKind, ClaimPlan, ClaimTx, Claimed, claim};
pub use results::{decode_results, describe_results};
pub use view::{Deadlines, DealView, TaskCounts, TaskSummary, TaskView, claimable, deal, task};
pub use watch::{DEFAULT_INTERVAL, watch_deal, watch_task};

use crate::{
    client::{Client, rpc},
    error::{ClientError, Result},
};
use poco_contracts::alloy::{eips::BlockNumberOrTag, primitives::B256, providers::Provider};
use poco_types::TaskStatus;

/// Reads a deal id (`0x` and 64 hex digits).
pub fn parse_deal_id(text: &str) -> Result<B256> {
    parse_id(
        text,
        "deal",
        "`poco order fill` prints it, `poco deal show` takes it",
    )
}

/// Reads a task id (`0x` and 64 hex digits).
pub fn parse_task_id(text: &str) -> Result<B256> {
    parse_id(
        text,
        "task",
        "`poco deal show <dealid>` lists a deal's tasks",
    )
}

fn parse_id(text: &str, kind: &str, hint: &str) -> Result<B256> {
    let trimmed = text.trim();
    let hex = trimmed.strip_prefix("0x").unwrap_or(trimmed);
    if hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        // 64 hex digits always parse.
        if let Ok(id) = hex.parse() {
            return Ok(id);
        }
    }
    Err(ClientError::InvalidInput(format!(
        "`{text}` is not a {kind} id: a {kind} id is 0x followed by 64 hex digits ({hint})"
    )))
}

/// The name of a task status, as the SDK prints it: UNSET, ACTIVE, REVEALING, COMPLETED,
/// FAILED.
pub fn status_name(status: TaskStatus) -> &'static str {
    match status {
        TaskStatus::Unset => "UNSET",
        TaskStatus::Active => "ACTIVE",
        TaskStatus::Revealing => "REVEALING",
        TaskStatus::Completed => "COMPLETED",
        TaskStatus::Failed => "FAILED",
    }
}

/// The chain's time: the newest block's timestamp, or the wall clock when later.
pub async fn chain_now(client: &Client) -> Result<u64> {
    let (timestamp, _) = latest_block(client).await?;
    let wall = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    Ok(timestamp.max(wall))
}

/// The newest block's timestamp and gas limit.
pub(crate) async fn latest_block(client: &Client) -> Result<(u64, u64)> {
    let block = client
        .provider()
        .get_block_by_number(BlockNumberOrTag::Latest)
        .await
        .map_err(|e| rpc("read the newest block", e))?
        .ok_or_else(|| rpc("read the newest block", "the node has no block"))?;
    Ok((block.header.timestamp, block.header.gas_limit))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_64_hex_digits_with_or_without_0x() {
        let hex = "ab".repeat(32);
        let with = parse_deal_id(&format!("0x{hex}")).expect("valid");
        assert_eq!(with, parse_task_id(&hex).expect("valid"));
        for bad in [
            "0x12",
            "",
            "0x",
            &format!("0x{}", "g".repeat(64)),
            &"a".repeat(66),
        ] {
            let error = parse_deal_id(bad).expect_err("invalid").to_string();
            assert!(error.contains("is not a deal id"), "{error}");
            assert!(error.contains("64 hex digits"), "{error}");
        }
    }

    #[test]
    fn status_names_are_the_sdks() {
        assert_eq!(status_name(TaskStatus::Unset), "UNSET");
        assert_eq!(status_name(TaskStatus::Revealing), "REVEALING");
    }
}
