//! Unpublishing: `PUT /{kind}orders?chainId` with `{target, orderHash | <resource>}` by an
//! authenticated wallet removes its own open orders from the book: one by hash
//! (`UNPUBLISH_ORDERHASH`, the default), the last published for a resource
//! (`UNPUBLISH_LAST`) or all of them (`UNPUBLISH_ALL`); targets are read case-insensitively,
//! as the SDK sends them in lower case. The reply lists the removed hashes.

use super::{OPEN, resource_field};
use crate::{
    auth::{chain_int, lower},
    db::Sql,
    error::{MarketError, Result},
    params::shorten,
    server::AppState,
    stream::Change,
};
use alloy_primitives::{Address, B256};
use poco_client::orders::order_name;
use poco_types::OrderKind;
use serde_json::{Value, json};

/// Unpublishes per `body` for `me`; returns `{ok, unpublished: [hashes]}`.
pub async fn unpublish(
    state: &AppState,
    kind: OrderKind,
    me: Address,
    body: &Value,
) -> Result<Value> {
    let name = order_name(kind);
    let target = match body.get("target") {
        None | Some(Value::Null) => "unpublish_orderhash".to_owned(),
        Some(Value::String(target)) => target.to_ascii_lowercase(),
        Some(_) => return Err(MarketError::bad("target must be a string")),
    };
    let chain = chain_int(state.config.chain_id)?;
    let hashes = match target.as_str() {
        "unpublish_orderhash" => {
            let hash = body
                .get("orderHash")
                .and_then(Value::as_str)
                .and_then(|h| h.parse::<B256>().ok())
                .ok_or_else(|| {
                    MarketError::bad("orderHash must be the order's hash (0x and 64 hex digits)")
                })?;
            let mut sql = Sql::new("SELECT signer FROM orders WHERE chain_id = ");
            sql.int(chain)
                .push(" AND kind = ")
                .text(name)
                .push(" AND status = ")
                .text(OPEN)
                .push(" AND order_hash = ")
                .text(hash.to_string());
            let row = sql
                .query()
                .fetch_optional(&state.pool)
                .await?
                .ok_or_else(|| {
                    MarketError::NotFound(format!("no open {name} {hash} in the book"))
                })?;
            let signer: String = sqlx::Row::try_get(&row, "signer")?;
            if signer != lower(me) {
                let signer = signer
                    .parse::<Address>()
                    .map_or(signer.clone(), |a| a.to_checksum(None));
                return Err(MarketError::Forbidden(format!(
                    "only the {name}'s signer ({signer}) may unpublish it, not {me}"
                )));
            }
            vec![hash.to_string()]
        }
        "unpublish_last" | "unpublish_all" => {
            let field = resource_field(kind);
            let resource = body
                .get(field)
                .and_then(Value::as_str)
                .and_then(|a| a.parse::<Address>().ok())
                .ok_or_else(|| {
                    MarketError::bad(format!("{field} must be the {field}'s address"))
                })?;
            let mut sql = Sql::new("SELECT order_hash FROM orders WHERE chain_id = ");
            sql.int(chain)
                .push(" AND kind = ")
                .text(name)
                .push(" AND status = ")
                .text(OPEN)
                .push(&format!(" AND {field} = "))
                .text(lower(resource))
                .push(" AND signer = ")
                .text(lower(me))
                .push(" ORDER BY published_at DESC, order_hash DESC");
            if target == "unpublish_last" {
                sql.push(" LIMIT 1");
            }
            let rows = sql.query().fetch_all(&state.pool).await?;
            let hashes = rows
                .iter()
                .map(|row| sqlx::Row::try_get::<String, _>(row, "order_hash"))
                .collect::<Result<Vec<_>, _>>()?;
            if hashes.is_empty() {
                return Err(MarketError::NotFound(format!(
                    "{me} has no open {name} for {field} {resource} in the book"
                )));
            }
            hashes
        }
        other => {
            return Err(MarketError::bad(format!(
                "target must be UNPUBLISH_ORDERHASH, UNPUBLISH_LAST or UNPUBLISH_ALL, not `{}`",
                shorten(other)
            )));
        }
    };
    for hash in &hashes {
        let mut sql = Sql::new("DELETE FROM orders WHERE chain_id = ");
        sql.int(chain).push(" AND order_hash = ").text(hash.clone());
        if sql.query().execute(&state.pool).await?.rows_affected() > 0 {
            let data = json!({"orderHash": hash, "chainId": state.config.chain_id});
            state.events.order(kind, Change::Unpublished, data);
        }
    }
    Ok(json!({"ok": true, "unpublished": hashes}))
}
