//! Clocks: the machine's (epoch ms, for the API's dates and the databases' `*_ms` columns) and
//! the chain's (epoch seconds, for deadlines, which the hub compares with block timestamps).

use crate::error::Result;
use poco_client::Client;

/// Now, in epoch milliseconds.
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or_default()
}

/// Now, in epoch seconds.
pub fn now_secs() -> u64 {
    now_ms() / 1000
}

/// The chain's now, in epoch seconds: the newest block's timestamp, or the machine's clock if
/// later (a dev chain mines only on demand, and `evm_increaseTime` moves its clock ahead).
pub async fn chain_now(client: &Client) -> Result<u64> {
    Ok(poco_client::deals::chain_now(client).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clocks_agree() {
        let ms = now_ms();
        assert!(ms > 1_600_000_000_000);
        assert!(now_secs().abs_diff(ms / 1000) <= 1);
    }
}
