//! The deals (`GET /deals`, `GET /deals/{dealid}`, as [`crate::deals`] reads and answers them)
//! and the live stream (`GET /stream`, [`crate::stream`]).

use super::{
    address_or_any, chain_id, int64, list, ok_json, operation, page, query, schemas::schema_ref,
};
use crate::MarketConfig;
use serde_json::{Map, Value, json};

/// Adds the deals' and the stream's paths.
pub(super) fn paths(config: &MarketConfig, paths: &mut Map<String, Value>) {
    let chain = config.chain_id;
    let mut params = vec![
        chain_id(chain),
        query(
            "category",
            false,
            int64(0),
            "Only the deals of this category.",
        ),
    ];
    for (name, what) in [
        ("requester", "requester"),
        ("beneficiary", "beneficiary"),
        ("app", "app"),
        ("dataset", "dataset"),
        ("workerpool", "workerpool"),
        ("appOwner", "app's owner"),
        ("datasetOwner", "dataset's owner"),
        ("workerpoolOwner", "workerpool's owner"),
    ] {
        params.push(query(
            name,
            false,
            address_or_any(),
            &format!("Only the deals of this {what} (`any` or nothing: all)."),
        ));
    }
    for (name, what) in [
        ("apporderHash", "app order"),
        ("datasetorderHash", "dataset order"),
        ("workerpoolorderHash", "workerpool order"),
        ("requestorderHash", "request order"),
        ("requestHash", "request order (as requestorderHash)"),
    ] {
        params.push(query(
            name,
            false,
            schema_ref("Bytes32"),
            &format!("Only the deals that matched this {what}."),
        ));
    }
    params.extend(page(config));
    paths.insert(
        "/deals".into(),
        json!({"get": operation(
            "deals",
            "Deals",
            "The deals made on the hub (recorded from OrdersMatched once confirmed) that match \
             the filters, newest first.",
            params,
            ok_json(list("deals", schema_ref("Deal"))),
            &[400, 500],
        )}),
    );
    paths.insert(
        "/deals/{dealid}".into(),
        json!({"get": operation(
            "deal",
            "One deal",
            "A deal by its id.",
            vec![
                chain_id(chain),
                json!({
                    "name": "dealid",
                    "in": "path",
                    "required": true,
                    "schema": schema_ref("Bytes32"),
                    "description": "The deal id.",
                }),
            ],
            ok_json(deal(true)),
            &[400, 404, 500],
        )}),
    );
    let mut stream = operation(
        "stream",
        "The live stream",
        "The book's changes as server-sent events, as they happen: `{kind}_published` (data: \
         the order as GET /{kind}s/{hash} shows it, without ok), `{kind}_unpublished` \
         (`{orderHash, chainId}`), `{kind}_updated` (the order after a match, cancel, stake or \
         owner change), `deal_created` (the deal as GET /deals/{dealid} shows it) and `reset` \
         (`{reason}`: reload from the REST API). Each event has an increasing id; reconnect \
         with Last-Event-ID to get the missed ones. Comments keep the connection alive.",
        vec![
            chain_id(chain),
            query(
                "kind",
                false,
                json!({
                    "type": "string",
                    "pattern": "^(apporder|datasetorder|workerpoolorder|requestorder|deal)\
                                (,(apporder|datasetorder|workerpoolorder|requestorder|deal))*$",
                }),
                "The topics to receive, comma separated (default: all).",
            ),
            json!({
                "name": "Last-Event-ID",
                "in": "header",
                "required": false,
                "schema": {"type": "string"},
                "description": "The id of the last event received, to resume after it.",
            }),
        ],
        json!({
            "description": "An endless stream of server-sent events.",
            "content": {"text/event-stream": {"schema": {"type": "string"}}},
        }),
        &[400],
    );
    stream["x-streaming"] = json!(true);
    paths.insert("/stream".into(), json!({ "get": stream }));
}

/// An amount or a count: a JSON number (a decimal string above 2^64).
fn number() -> Value {
    json!({
        "anyOf": [
            {"type": "integer", "minimum": 0},
            {"type": "string", "pattern": "^[0-9]+$"},
        ],
    })
}

/// A deal as [`crate::deals`] shows it; with `ok`, as `GET /deals/{dealid}` answers.
pub(super) fn deal(ok: bool) -> Value {
    let resource = json!({
        "type": "object",
        "properties": {
            "pointer": schema_ref("Address"),
            "owner": schema_ref("Address"),
            "price": number(),
        },
        "required": ["pointer", "owner", "price"],
        "additionalProperties": false,
    });
    let mut properties = Map::new();
    let mut required = Vec::new();
    if ok {
        properties.insert("ok".into(), json!({"type": "boolean", "enum": [true]}));
        required.push("ok");
    }
    let fields = [
        ("dealid", schema_ref("Bytes32")),
        ("chainId", json!({"type": "integer", "minimum": 0})),
        ("app", resource.clone()),
        ("dataset", resource.clone()),
        ("workerpool", resource),
        ("appHash", schema_ref("Bytes32")),
        ("datasetHash", schema_ref("Bytes32")),
        ("workerpoolHash", schema_ref("Bytes32")),
        ("requestHash", schema_ref("Bytes32")),
        ("requester", schema_ref("Address")),
        ("beneficiary", schema_ref("Address")),
        ("callback", schema_ref("Address")),
        ("params", json!({"type": "string"})),
        ("volume", number()),
        ("category", number()),
        ("tag", schema_ref("Tag")),
        ("trust", number()),
        ("startTime", number()),
        ("botFirst", number()),
        ("botSize", number()),
        ("workerStake", number()),
        ("schedulerRewardRatio", number()),
        ("sponsor", schema_ref("Address")),
        ("blockNumber", json!({"type": "integer", "minimum": 0})),
        (
            "blockTimestamp",
            json!({"type": "string", "format": "date-time"}),
        ),
        ("transactionHash", schema_ref("Bytes32")),
    ];
    for (name, schema) in fields {
        properties.insert(name.into(), schema);
        required.push(name);
    }
    json!({
        "type": "object",
        "description": "A deal: the matched orders' resources and prices, the request's \
                        parameters, and where the match happened.",
        "properties": properties,
        "required": required,
        "additionalProperties": false,
    })
}
