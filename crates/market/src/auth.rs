//! Challenge authentication, as iExec's market does it: `GET /challenge?chainId&address` hands
//! out EIP-712 typed data (domain `iExec Gateway`, version `1`, the chain id; one field,
//! `challenge`), the wallet signs it, and a write sends `Authorization:
//! <hash>_<signature>_<address>`, where `hash` is the typed data's EIP-712 hash. A challenge is
//! for one address and chain, expires, and is deleted when used: it cannot be replayed.

use crate::{
    db::{Pool, Sql},
    error::{MarketError, Result},
    time::now_ms,
};
use alloy_primitives::{Address, B256, U256, hex};
use alloy_sol_types::{Eip712Domain, SolStruct, sol};
use serde_json::{Value, json};

sol! {
    /// The typed data a wallet signs to authenticate.
    struct Challenge {
        /// A random string, unique to this challenge.
        string challenge;
    }
}

/// The EIP-712 domain of challenges on `chain_id`.
pub fn domain(chain_id: u64) -> Eip712Domain {
    Eip712Domain::new(
        Some("iExec Gateway".into()),
        Some("1".into()),
        Some(U256::from(chain_id)),
        None,
        None,
    )
}

/// The typed data of `challenge` on `chain_id`, in the JSON form wallets sign
/// (`eth_signTypedData_v4`).
pub fn typed_data(chain_id: u64, challenge: &str) -> Value {
    json!({
        "types": {
            "EIP712Domain": [
                {"name": "name", "type": "string"},
                {"name": "version", "type": "string"},
                {"name": "chainId", "type": "uint256"},
            ],
            "Challenge": [{"name": "challenge", "type": "string"}],
        },
        "domain": {"name": "iExec Gateway", "version": "1", "chainId": chain_id},
        "primaryType": "Challenge",
        "message": {"challenge": challenge},
    })
}

/// The EIP-712 hash of `challenge`'s typed data on `chain_id`.
pub fn hash(chain_id: u64, challenge: &str) -> B256 {
    Challenge {
        challenge: challenge.to_owned(),
    }
    .eip712_signing_hash(&domain(chain_id))
}

/// Creates a challenge for `address` on `chain_id`, valid `ttl_secs`, and returns its typed
/// data. Expired challenges are purged on the way.
pub async fn create(pool: &Pool, chain_id: u64, address: Address, ttl_secs: u64) -> Result<Value> {
    let now = now_ms();
    Sql::new("DELETE FROM challenges WHERE expires_at <= ")
        .int(now)
        .query()
        .execute(pool)
        .await?;
    let challenge = hex::encode(rand::random::<[u8; 32]>());
    let expires =
        now.saturating_add(i64::try_from(ttl_secs.saturating_mul(1000)).unwrap_or(i64::MAX));
    let mut insert = Sql::new(
        "INSERT INTO challenges (hash, chain_id, address, challenge, expires_at) VALUES (",
    );
    insert
        .text(hash(chain_id, &challenge).to_string())
        .push(", ")
        .int(chain_int(chain_id)?)
        .push(", ")
        .text(lower(address))
        .push(", ")
        .text(challenge.clone())
        .push(", ")
        .int(expires)
        .push(")");
    insert.query().execute(pool).await?;
    Ok(typed_data(chain_id, &challenge))
}

/// Checks an `Authorization` header on `chain_id` and uses up its challenge; returns the
/// authenticated address.
pub async fn authenticate(pool: &Pool, chain_id: u64, header: Option<&str>) -> Result<Address> {
    let unauthorized = |why: &str| {
        MarketError::Unauthorized(format!(
            "{why}: get a challenge with GET /challenge?chainId={chain_id}&address=<your address>, \
             sign it (EIP-712) and send `Authorization: <hash>_<signature>_<address>`"
        ))
    };
    let header =
        header.ok_or_else(|| unauthorized("this request needs an Authorization header"))?;
    let parts: Vec<&str> = header.trim().split('_').collect();
    let [hash, sign, address] = parts[..] else {
        return Err(unauthorized(
            "the Authorization header is not <hash>_<signature>_<address>",
        ));
    };
    let hash: B256 = hash
        .parse()
        .map_err(|_| unauthorized("the Authorization header's hash is not 32 bytes of hex"))?;
    let address: Address = address
        .parse()
        .map_err(|_| unauthorized("the Authorization header's address is not an address"))?;
    let sign = hex::decode(sign)
        .map_err(|_| unauthorized("the Authorization header's signature is not hex"))?;
    let signer = poco_types::signature::recover(&hash, &sign)
        .map_err(|_| unauthorized("the Authorization header's signature is malformed"))?;
    if signer != address {
        return Err(unauthorized(
            "the Authorization header's signature is not the address's",
        ));
    }
    let mut used = Sql::new("DELETE FROM challenges WHERE hash = ");
    used.text(hash.to_string())
        .push(" AND address = ")
        .text(lower(address))
        .push(" AND chain_id = ")
        .int(chain_int(chain_id)?)
        .push(" AND expires_at > ")
        .int(now_ms());
    let deleted = used.query().execute(pool).await?.rows_affected();
    if deleted != 1 {
        return Err(unauthorized(
            "the challenge is unknown, already used or expired (a challenge is single-use and \
             lasts 5 minutes)",
        ));
    }
    Ok(address)
}

/// The lowercase `0x` form the database stores addresses in.
pub fn lower(address: Address) -> String {
    format!("{address:#x}")
}

/// A chain id as a BIGINT.
pub fn chain_int(chain_id: u64) -> Result<i64> {
    i64::try_from(chain_id).map_err(|_| MarketError::bad("chainId is too large"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_is_the_typed_datas() {
        // The domain has exactly name, version and chainId, as the typed data declares.
        let d = domain(134);
        assert_eq!(d.verifying_contract, None);
        let h1 = hash(134, "abc");
        assert_ne!(h1, hash(135, "abc"));
        assert_ne!(h1, hash(134, "abd"));
        assert_eq!(typed_data(134, "abc")["message"]["challenge"], "abc");
    }
}
