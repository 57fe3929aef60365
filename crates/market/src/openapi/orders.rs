//! The order book's operations: `GET|POST|PUT /{kind}orders` and `GET /{kind}orders/{hash}` for
//! the four kinds, with the filters [`crate::orders::query`] reads.

use super::{
    AUTH, address_or_any, chain_id, int64, list, ok_json, operation, page, query,
    schemas::{self, TAG_NAMES, input_name, published_name, schema_ref},
    title_case,
};
use crate::{
    MarketConfig,
    orders::{KINDS, path, resource_field},
};
use poco_client::orders::order_name;
use poco_types::OrderKind;
use serde_json::{Map, Value, json};

/// Adds the order book's paths.
pub(super) fn paths(config: &MarketConfig, paths: &mut Map<String, Value>) {
    let chain = config.chain_id;
    for kind in KINDS {
        let name = order_name(kind);
        let mut params = vec![chain_id(chain)];
        params.extend(filters(kind));
        params.extend(page(config));
        paths.insert(
            path(kind),
            json!({
                "get": operation(
                    &format!("list{}s", title_case(name)),
                    &format!("Open {name}s"),
                    &format!(
                        "The OPEN {name}s that match the filters, {}; ties go to the earliest \
                         published, then the lowest hash.",
                        if kind == OrderKind::Request {
                            "highest workerpoolmaxprice first"
                        } else {
                            "cheapest first"
                        }
                    ),
                    params,
                    ok_json(list("orders", schema_ref(&published_name(kind)))),
                    &[400, 500],
                ),
                "post": publish(kind, chain),
                "put": unpublish(kind, chain),
            }),
        );
        paths.insert(
            format!("{}/{{hash}}", path(kind)),
            json!({"get": operation(
                &format!("get{}", title_case(name)),
                &format!("One {name}"),
                &format!("A {name} of the book by its hash, whatever its status."),
                vec![
                    chain_id(chain),
                    json!({
                        "name": "hash",
                        "in": "path",
                        "required": true,
                        "schema": schema_ref("Bytes32"),
                        "description": "The order hash (EIP-712).",
                    }),
                ],
                ok_json(schemas::published(kind, true)),
                &[400, 404, 500],
            )}),
        );
    }
}

/// `POST /{kind}orders`.
fn publish(kind: OrderKind, chain: u64) -> Value {
    let name = order_name(kind);
    let owner = if kind == OrderKind::Request {
        "the requester".to_owned()
    } else {
        format!("the {kind}'s owner")
    };
    let mut op = operation(
        &format!("publish{}", title_case(name)),
        &format!("Publish a {name}"),
        &format!(
            "Adds a signed {name} to the book. The authenticated wallet must be {owner}; the \
             hub must accept the signature; volume must be left; {}the owner must be under the \
             cap of open orders.",
            match kind {
                OrderKind::Workerpool => "the owner's stake must cover 30% of price × remaining; ",
                OrderKind::Request =>
                    "the requester's stake must cover the full cost and an app order it can \
                     match must be open; ",
                _ => "",
            }
        ),
        vec![chain_id(chain)],
        ok_json(json!({
            "type": "object",
            "properties": {
                "ok": {"type": "boolean", "enum": [true]},
                "published": schema_ref(&published_name(kind)),
            },
            "required": ["ok", "published"],
            "additionalProperties": false,
        })),
        &[400, 401, 403, 409, 413, 500, 502],
    );
    op["security"] = json!([{ AUTH: [] }]);
    op["requestBody"] = json!({
        "required": true,
        "content": {"application/json": {"schema": {
            "type": "object",
            "properties": {"order": schema_ref(&input_name(kind))},
            "required": ["order"],
        }}},
    });
    op
}

/// `PUT /{kind}orders`.
fn unpublish(kind: OrderKind, chain: u64) -> Value {
    let name = order_name(kind);
    let field = resource_field(kind);
    let mut op = operation(
        &format!("unpublish{}", title_case(name)),
        &format!("Unpublish {name}s"),
        &format!(
            "Removes the authenticated wallet's open {name}s from the book: one by hash \
             (UNPUBLISH_ORDERHASH, the default), the last published for a {field} \
             (UNPUBLISH_LAST) or all of them (UNPUBLISH_ALL). Targets are read in any case."
        ),
        vec![chain_id(chain)],
        ok_json(json!({
            "type": "object",
            "properties": {
                "ok": {"type": "boolean", "enum": [true]},
                "unpublished": {
                    "type": "array",
                    "items": schema_ref("Bytes32"),
                    "minItems": 1,
                    "description": "The hashes of the orders removed.",
                },
            },
            "required": ["ok", "unpublished"],
            "additionalProperties": false,
        })),
        &[400, 401, 403, 404, 413, 500],
    );
    op["security"] = json!([{ AUTH: [] }]);
    op["requestBody"] = json!({
        "required": true,
        "content": {"application/json": {"schema": {"oneOf": [
            {
                "type": "object",
                "properties": {
                    "target": {"type": "string", "enum": ["UNPUBLISH_ORDERHASH"]},
                    "orderHash": schema_ref("Bytes32"),
                },
                "required": ["orderHash"],
            },
            {
                "type": "object",
                "properties": {
                    "target": {"type": "string", "enum": ["UNPUBLISH_LAST", "UNPUBLISH_ALL"]},
                    field: schema_ref("Address"),
                },
                "required": ["target", field],
            },
        ]}}},
    });
    op
}

/// The filters of `GET /{kind}orders`, as [`crate::orders::query`] reads them.
fn filters(kind: OrderKind) -> Vec<Value> {
    let own = |name: &str, what: &str| {
        query(
            name,
            false,
            address_or_any(),
            &format!("Only the orders of this {what} (`any` or nothing: all)."),
        )
    };
    let restriction = |name: &str| {
        query(
            name,
            false,
            address_or_any(),
            &format!(
                "Nothing: only the orders with no {name} restriction; an address: the orders \
                 restricted to it and the unrestricted ones; `any`: all."
            ),
        )
    };
    let strict = |party: &str| {
        query(
            &format!("is{}Strict", title_case(party)),
            false,
            json!({"type": "boolean", "default": false}),
            &format!("With a {party} address: only the orders restricted to it."),
        )
    };
    let int = |name: &str, what: &str| query(name, false, int64(0), what);
    let mut params = Vec::new();
    let others: &[&str] = match kind {
        OrderKind::App => {
            params.push(own("app", "app"));
            params.push(own("appOwner", "owner (the signer)"));
            &["dataset", "workerpool", "requester"]
        }
        OrderKind::Dataset => {
            params.push(own("dataset", "dataset"));
            params.push(own("datasetOwner", "owner (the signer)"));
            &["app", "workerpool", "requester"]
        }
        OrderKind::Workerpool => {
            params.push(own("workerpool", "workerpool"));
            params.push(own("workerpoolOwner", "owner (the signer)"));
            &["app", "dataset", "requester"]
        }
        OrderKind::Request => {
            for (name, what) in [
                ("requester", "requester"),
                ("beneficiary", "beneficiary"),
                ("app", "app"),
                ("dataset", "dataset"),
            ] {
                params.push(own(name, what));
            }
            &["workerpool"]
        }
    };
    for party in others {
        params.push(restriction(party));
        params.push(strict(party));
    }
    match kind {
        OrderKind::Workerpool => {
            params.push(int("minTrust", "Only the orders of at least this trust."));
        }
        OrderKind::Request => {
            params.push(int("maxTrust", "Only the orders of at most this trust."));
        }
        _ => {}
    }
    if matches!(kind, OrderKind::Workerpool | OrderKind::Request) {
        params.push(int("category", "Only the orders of this category."));
    }
    params.push(query(
        "minTag",
        false,
        tag_query(),
        "Only the orders whose tag has all these bits.",
    ));
    params.push(query(
        "maxTag",
        false,
        tag_query(),
        "Only the orders whose tag has no other bits than these.",
    ));
    params.push(int(
        "minVolume",
        "Only the orders with at least this remaining volume.",
    ));
    params
}

/// A tag in a query: bytes32 hex within the 63 bits the market indexes, or tag names.
fn tag_query() -> Value {
    let names = format!("({})", TAG_NAMES.join("|"));
    json!({
        "type": "string",
        "pattern": format!("^(0x0{{48}}[0-7][0-9a-fA-F]{{15}}|{names}(,{names})*)$"),
        "description": "bytes32 hex, or tag names separated by commas (tee,scone).",
    })
}
