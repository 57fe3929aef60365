//! The OpenAPI 3 document of the market API, served at `GET /openapi.json`: every route of
//! [`crate::api`], each parameter as the handlers read it ([`crate::params`],
//! [`crate::orders::query`], [`crate::categories`], [`crate::deals`], [`crate::stream`]), each
//! body and answer, and each error with its status ([`crate::MarketError`]). It is written here,
//! in code, from tables shared by the four order kinds (the handlers are generic over the kind,
//! which derive-based generators cannot describe): [`orders`] documents the order book,
//! [`deals`] the deals and the live stream, [`schemas`] the shared schemas. The `openapi`
//! integration test fails when a route of the router is missing from the document or the
//! reverse, and scripts/schemathesis.sh checks the market's answers against it.
//!
//! The document is this market's: `chainId` is documented as the one chain it serves, and
//! `pageSize` within its configured bounds. Parameters are documented in their canonical
//! form; the market is lenient beyond it (it trims values, reads `any` in any case, and
//! ignores empty values and parameters it does not know, as iExec's market does).

mod deals;
mod orders;
mod schemas;

use crate::{MarketConfig, config::DEFAULT_PAGE_SIZE, server::AppState};
use axum::{Json, extract::State};
use schemas::schema_ref;
use serde_json::{Map, Value, json};
use std::sync::Arc;

/// The name of the security scheme of writes.
const AUTH: &str = "challenge";

/// `GET /openapi.json`.
pub async fn serve(State(state): State<Arc<AppState>>) -> Json<Value> {
    Json(document(&state.config))
}

/// The OpenAPI 3.0 document of a market run with `config`.
pub fn document(config: &MarketConfig) -> Value {
    let mut paths = Map::new();
    let chain = config.chain_id;
    paths.insert(
        "/openapi.json".into(),
        json!({"get": operation(
            "openapi",
            "This document",
            "The OpenAPI 3 document of this market's API.",
            vec![],
            ok_json(json!({"type": "object"})),
            &[],
        )}),
    );
    paths.insert(
        "/version".into(),
        json!({"get": operation(
            "version",
            "The market's version",
            "The version of the market software.",
            vec![],
            ok_json(json!({
                "type": "object",
                "properties": {
                    "ok": {"type": "boolean", "enum": [true]},
                    "version": {"type": "string"},
                },
                "required": ["ok", "version"],
                "additionalProperties": false,
            })),
            &[],
        )}),
    );
    paths.insert(
        "/challenge".into(),
        json!({"get": operation(
            "challenge",
            "A challenge to sign",
            "EIP-712 typed data for `address` to sign (eth_signTypedData_v4). A write then sends \
             `Authorization: <hash>_<signature>_<address>`, where hash is the typed data's \
             EIP-712 hash. A challenge is for one address and chain, lasts 5 minutes and is \
             used up by the write it authenticates.",
            vec![
                chain_id(chain),
                query(
                    "address",
                    true,
                    schema_ref("Address"),
                    "The wallet that will sign.",
                ),
            ],
            ok_json(json!({
                "type": "object",
                "properties": {
                    "ok": {"type": "boolean", "enum": [true]},
                    "data": schema_ref("Challenge"),
                },
                "required": ["ok", "data"],
                "additionalProperties": false,
            })),
            &[400, 500],
        )}),
    );
    let mut params = vec![
        chain_id(chain),
        query(
            "minWorkClockTimeRef",
            false,
            int64(0),
            "Only the categories of at least this reference duration (seconds).",
        ),
        query(
            "maxWorkClockTimeRef",
            false,
            int64(0),
            "Only the categories of at most this reference duration (seconds).",
        ),
    ];
    params.extend(page(config));
    paths.insert(
        "/categories".into(),
        json!({"get": operation(
            "categories",
            "The categories",
            "The hub's categories, by id, a page at a time.",
            params,
            ok_json(list("categories", schema_ref("Category"))),
            &[400, 500],
        )}),
    );
    paths.insert(
        "/categories/{id}".into(),
        json!({"get": operation(
            "category",
            "One category",
            "A category of the hub, by id (from 0).",
            vec![
                chain_id(chain),
                json!({
                    "name": "id",
                    "in": "path",
                    "required": true,
                    "schema": int64(0),
                    "description": "The category's id.",
                }),
            ],
            ok_json(schemas::category(true)),
            &[400, 404, 500],
        )}),
    );
    orders::paths(config, &mut paths);
    deals::paths(config, &mut paths);
    let mut schemas = schemas::all();
    schemas["Deal"] = deals::deal(false);
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "Poco market API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": format!(
                "Poco's order book, wire-compatible with iExec's market API (the SDK's \
                 iexecGateway). This market serves chain {chain}. Every answer is JSON (but \
                 the live stream's server-sent events); every failure is `{{\"ok\": false, \
                 \"error\": \"...\"}}` with a 4xx status for bad input, 500 when the database \
                 fails and 502 when the chain cannot be read. Unknown paths answer 404, other \
                 methods 405, bodies over 64 KiB 413."
            ),
        },
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                AUTH: {
                    "type": "apiKey",
                    "in": "header",
                    "name": "Authorization",
                    "description": "`<hash>_<signature>_<address>`: a challenge from GET \
                                    /challenge, its EIP-712 hash, the wallet's signature of it \
                                    and the wallet's address. Single use.",
                },
            },
        },
    })
}

/// A page of a list: `{ok, <field>: [items], count, nextPage?}`.
fn list(field: &str, items: Value) -> Value {
    json!({
        "type": "object",
        "properties": {
            "ok": {"type": "boolean", "enum": [true]},
            field: {"type": "array", "items": items},
            "count": {
                "type": "integer",
                "minimum": 0,
                "description": "How many match, on all pages.",
            },
            "nextPage": {
                "type": "integer",
                "minimum": 1,
                "description": "The index of the next page; absent on the last page.",
            },
        },
        "required": ["ok", field, "count"],
        "additionalProperties": false,
    })
}

/// An operation with its id, summary, description, parameters, 200 answer and errors.
fn operation(
    id: &str,
    summary: &str,
    description: &str,
    parameters: Vec<Value>,
    ok: Value,
    errors: &[u16],
) -> Value {
    let mut responses = Map::new();
    responses.insert("200".into(), ok);
    for &status in errors {
        responses.insert(status.to_string(), error(status));
    }
    let mut op = json!({
        "operationId": id,
        "summary": summary,
        "description": description,
        "responses": responses,
    });
    if !parameters.is_empty() {
        op["parameters"] = Value::Array(parameters);
    }
    op
}

/// A 200 answer with a JSON body of `schema`.
fn ok_json(schema: Value) -> Value {
    json!({
        "description": "Success.",
        "content": {"application/json": {"schema": schema}},
    })
}

/// An error answer of `status`.
fn error(status: u16) -> Value {
    let description = match status {
        400 => {
            "The request is malformed or asks for something impossible; the error says which \
                value and why."
        }
        401 => {
            "The Authorization header is missing, malformed, or its challenge is unknown, \
                used or expired."
        }
        403 => "The authenticated wallet may not do this (it is not the order's owner).",
        404 => "Nothing at this address.",
        409 => "The order is already published, or its owner has too many open orders.",
        413 => "The body is larger than 64 KiB.",
        500 => "The market's database failed.",
        502 => "The chain could not be read.",
        _ => "An error.",
    };
    json!({
        "description": description,
        "content": {"application/json": {"schema": schema_ref("Error")}},
    })
}

/// A query parameter. The market reads an empty value as no value, so an optional one allows
/// it.
fn query(name: &str, required: bool, schema: Value, description: &str) -> Value {
    let mut param = json!({
        "name": name,
        "in": "query",
        "required": required,
        "schema": schema,
        "description": description,
    });
    if !required {
        param["allowEmptyValue"] = json!(true);
    }
    param
}

/// The required `chainId`: the chain this market serves.
fn chain_id(chain: u64) -> Value {
    query(
        "chainId",
        true,
        json!({"type": "integer", "format": "int64", "enum": [chain]}),
        "The chain id: the one this market serves (any other is refused).",
    )
}

/// `pageIndex` and `pageSize`.
fn page(config: &MarketConfig) -> Vec<Value> {
    vec![
        query(
            "pageIndex",
            false,
            int64(0),
            "The page, from 0 (pageIndex × pageSize must fit a signed 64-bit integer).",
        ),
        query(
            "pageSize",
            false,
            json!({
                "type": "integer",
                "format": "int64",
                "minimum": config.min_page_size,
                "maximum": config.max_page_size,
                "default": DEFAULT_PAGE_SIZE,
            }),
            "Results per page.",
        ),
    ]
}

/// A non-negative integer that fits a signed 64-bit integer.
fn int64(minimum: i64) -> Value {
    json!({"type": "integer", "format": "int64", "minimum": minimum, "maximum": i64::MAX})
}

/// An address, or `any`.
fn address_or_any() -> Value {
    json!({"type": "string", "pattern": "^(0x[0-9a-fA-F]{40}|any)$"})
}

/// `apporder` → `Apporder`.
fn title_case(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|first| first.to_ascii_uppercase().to_string() + chars.as_str())
        .unwrap_or_default()
}
