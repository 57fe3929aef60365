//! The document's reusable schemas (`components.schemas`): the JSON forms of signed orders (a
//! lenient input form for publishing, the exact form the market answers with), published
//! orders, categories, the challenge's typed data and the error body. Each order kind's fields
//! come from one table, so that both forms always name the same fields.

use crate::orders::KINDS;
use poco_client::orders::order_name;
use poco_types::OrderKind;
use serde_json::{Map, Value, json};

/// How a field of a signed order is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Field {
    Address,
    Uint,
    Tag,
    Bytes32,
    Params,
}

/// The fields of a kind's order, in the protocol's order (`sign` comes last in every kind).
fn fields(kind: OrderKind) -> &'static [(&'static str, Field)] {
    use Field::*;
    match kind {
        OrderKind::App => &[
            ("app", Address),
            ("appprice", Uint),
            ("volume", Uint),
            ("tag", Tag),
            ("datasetrestrict", Address),
            ("workerpoolrestrict", Address),
            ("requesterrestrict", Address),
            ("salt", Bytes32),
        ],
        OrderKind::Dataset => &[
            ("dataset", Address),
            ("datasetprice", Uint),
            ("volume", Uint),
            ("tag", Tag),
            ("apprestrict", Address),
            ("workerpoolrestrict", Address),
            ("requesterrestrict", Address),
            ("salt", Bytes32),
        ],
        OrderKind::Workerpool => &[
            ("workerpool", Address),
            ("workerpoolprice", Uint),
            ("volume", Uint),
            ("tag", Tag),
            ("category", Uint),
            ("trust", Uint),
            ("apprestrict", Address),
            ("datasetrestrict", Address),
            ("requesterrestrict", Address),
            ("salt", Bytes32),
        ],
        OrderKind::Request => &[
            ("app", Address),
            ("appmaxprice", Uint),
            ("dataset", Address),
            ("datasetmaxprice", Uint),
            ("workerpool", Address),
            ("workerpoolmaxprice", Uint),
            ("requester", Address),
            ("volume", Uint),
            ("tag", Tag),
            ("category", Uint),
            ("trust", Uint),
            ("beneficiary", Address),
            ("callback", Address),
            ("params", Params),
            ("salt", Bytes32),
        ],
    }
}

/// A `$ref` to schema `name`.
pub(super) fn schema_ref(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

/// The schema name of a kind's signed order as the market answers with it: `SignedAppOrder`.
pub(super) fn signed_name(kind: OrderKind) -> String {
    format!("Signed{}Order", title(kind))
}

/// The schema name of a kind's signed order as a publisher sends it: `SignedAppOrderInput`.
pub(super) fn input_name(kind: OrderKind) -> String {
    format!("{}Input", signed_name(kind))
}

/// The schema name of a kind's published order: `PublishedAppOrder`.
pub(super) fn published_name(kind: OrderKind) -> String {
    format!("Published{}Order", title(kind))
}

/// `App`, `Dataset`, `Workerpool`, `Request`.
fn title(kind: OrderKind) -> &'static str {
    match kind {
        OrderKind::App => "App",
        OrderKind::Dataset => "Dataset",
        OrderKind::Workerpool => "Workerpool",
        OrderKind::Request => "Request",
    }
}

/// The tag names Poco knows, lowest bit first.
pub(super) const TAG_NAMES: [&str; 5] = ["tee", "scone", "gramine", "tdx", "gpu"];

/// A signed order of `kind`: `input` is the lenient form a publisher may send (numbers as
/// decimal strings or JSON integers, tags as hex or names, any case of address), otherwise the
/// exact form the market answers with (the iExec SDK's `orders.json` form, with amounts as
/// JSON numbers as iExec's market sends them).
fn signed_order(kind: OrderKind, input: bool) -> Value {
    let mut properties = Map::new();
    let mut required = Vec::new();
    for &(name, field) in fields(kind) {
        let schema = match (field, input) {
            (Field::Address, _) => schema_ref("Address"),
            (Field::Bytes32, _) => schema_ref("Bytes32"),
            (Field::Uint, false) => schema_ref("Amount"),
            (Field::Uint, true) => schema_ref("UintInput"),
            (Field::Tag, false) => schema_ref("Tag"),
            (Field::Tag, true) => schema_ref("TagInput"),
            (Field::Params, false) => json!({
                "type": "string",
                "description": "The request's parameters (iexec_args, iexec_input_files, ...) as \
                                JSON text.",
            }),
            (Field::Params, true) => json!({
                "description": "The request's parameters: JSON text, or a JSON value that is \
                                stored as its compact text.",
            }),
        };
        properties.insert(name.to_owned(), schema);
        required.push(name);
    }
    properties.insert("sign".to_owned(), schema_ref("Signature"));
    required.push("sign");
    let mut schema = json!({
        "type": "object",
        "description": format!(
            "A signed {}: the EIP-712 order fields and its owner's signature.",
            order_name(kind)
        ),
        "properties": properties,
        "required": required,
    });
    if !input {
        schema["additionalProperties"] = json!(false);
    }
    schema
}

/// A published order of `kind` as listed; with `ok`, as `GET /{kind}orders/{orderHash}` answers.
pub(super) fn published(kind: OrderKind, ok: bool) -> Value {
    let mut properties = json!({
        "order": schema_ref(&signed_name(kind)),
        "orderHash": schema_ref("Bytes32"),
        "chainId": {"type": "integer", "minimum": 0},
        "signer": schema_ref("Address"),
        "status": {
            "type": "string",
            "enum": ["OPEN", "FILLED", "CANCELED", "DEAD"],
            "description": "OPEN orders can still be matched; the others are kept for reference.",
        },
        "remaining": {
            "type": "integer",
            "minimum": 0,
            "description": "The volume still available (volume minus what was consumed on-chain).",
        },
        "publicationTimestamp": {"type": "string", "format": "date-time"},
        "tagArray": {
            "type": "array",
            "items": {"type": "string", "enum": TAG_NAMES},
            "description": "The names of the tag's bits, lowest first.",
        },
    });
    let mut required = vec![
        "order",
        "orderHash",
        "chainId",
        "signer",
        "status",
        "remaining",
        "publicationTimestamp",
        "tagArray",
    ];
    if ok {
        properties["ok"] = json!({"type": "boolean", "enum": [true]});
        required.insert(0, "ok");
    }
    json!({
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": false,
    })
}

/// A category; with `ok`, as `GET /categories/{id}` answers.
pub(super) fn category(ok: bool) -> Value {
    let mut schema = json!({
        "type": "object",
        "properties": {
            "catid": {"type": "integer", "minimum": 0},
            "chainId": {"type": "integer", "minimum": 0},
            "name": {"type": "string"},
            "description": {"type": "string"},
            "workClockTimeRef": {
                "type": "integer",
                "minimum": 0,
                "description": "The reference duration of a task, in seconds.",
            },
        },
        "required": ["catid", "chainId", "name", "description", "workClockTimeRef"],
        "additionalProperties": false,
    });
    if ok {
        schema["properties"]["ok"] = json!({"type": "boolean", "enum": [true]});
        if let Some(required) = schema["required"].as_array_mut() {
            required.insert(0, json!("ok"));
        }
    }
    schema
}

/// The EIP-712 typed data of a challenge, in the form `eth_signTypedData_v4` takes.
fn challenge() -> Value {
    let field = |name: &str, ty: &str| {
        json!({
            "type": "object",
            "properties": {
                "name": {"type": "string", "enum": [name]},
                "type": {"type": "string", "enum": [ty]},
            },
            "required": ["name", "type"],
            "additionalProperties": false,
        })
    };
    json!({
        "type": "object",
        "description": "Typed data to sign with the wallet (EIP-712); its hash, the signature \
                        and the address make the Authorization header of one write.",
        "properties": {
            "types": {
                "type": "object",
                "properties": {
                    "EIP712Domain": {
                        "type": "array",
                        "items": {"anyOf": [
                            field("name", "string"),
                            field("version", "string"),
                            field("chainId", "uint256"),
                        ]},
                        "minItems": 3,
                        "maxItems": 3,
                    },
                    "Challenge": {
                        "type": "array",
                        "items": field("challenge", "string"),
                        "minItems": 1,
                        "maxItems": 1,
                    },
                },
                "required": ["EIP712Domain", "Challenge"],
                "additionalProperties": false,
            },
            "domain": {
                "type": "object",
                "properties": {
                    "name": {"type": "string", "enum": ["iExec Gateway"]},
                    "version": {"type": "string", "enum": ["1"]},
                    "chainId": {"type": "integer", "minimum": 0},
                },
                "required": ["name", "version", "chainId"],
                "additionalProperties": false,
            },
            "primaryType": {"type": "string", "enum": ["Challenge"]},
            "message": {
                "type": "object",
                "properties": {"challenge": {"type": "string", "minLength": 1}},
                "required": ["challenge"],
                "additionalProperties": false,
            },
        },
        "required": ["types", "domain", "primaryType", "message"],
        "additionalProperties": false,
    })
}

/// Every schema of `components.schemas`.
pub(super) fn all() -> Value {
    let tag_names = format!("({})", TAG_NAMES.join("|"));
    let mut schemas = json!({
        "Error": {
            "type": "object",
            "description": "Every failure: what went wrong and how to fix it, in plain words.",
            "properties": {
                "ok": {"type": "boolean", "enum": [false]},
                "error": {"type": "string"},
            },
            "required": ["ok", "error"],
            "additionalProperties": false,
        },
        "Address": {
            "type": "string",
            "pattern": "^0x[0-9a-fA-F]{40}$",
            "description": "An Ethereum address (answers use the EIP-55 checksum case).",
        },
        "Bytes32": {"type": "string", "pattern": "^0x[0-9a-fA-F]{64}$"},
        "Signature": {
            "type": "string",
            "pattern": "^0x([0-9a-fA-F]{2})*$",
            "description": "The owner's 65-byte EIP-712 signature of the order, or 0x for an \
                            order presigned on-chain.",
        },
        "Amount": {
            "description": "A price, volume, category or trust: a JSON integer, as iExec's \
                            market sends it, or a decimal string when above 2^53-1 (which \
                            JavaScript numbers cannot hold exactly).",
            "anyOf": [
                {"type": "integer", "minimum": 0, "maximum": 9007199254740991u64},
                {"type": "string", "pattern": "^[0-9]{16,}$"},
            ],
        },
        "UintInput": {
            "description": "A uint256: a decimal string, a 0x hex string or a JSON integer. \
                            Prices, volumes, categories and trust above 2^63-1 are refused.",
            "anyOf": [
                {"type": "string", "pattern": "^([0-9]+|0x[0-9a-fA-F]+)$"},
                {"type": "integer", "minimum": 0},
            ],
        },
        "Tag": {
            "type": "string",
            "pattern": "^0x[0-9a-fA-F]{64}$",
            "description": "The tag as bytes32: one bit per requirement (tee = bit 0, scone = \
                            1, gramine = 2, tdx = 3, gpu = 8).",
        },
        "TagInput": {
            "description": "A tag: bytes32 hex, an array of tag names, or tag names separated \
                            by commas.",
            "anyOf": [
                {"type": "string", "pattern": "^0x[0-9a-fA-F]{64}$"},
                {"type": "array", "items": {"type": "string", "enum": TAG_NAMES}},
                {"type": "string", "pattern": format!("^{tag_names}(,{tag_names})*$")},
            ],
        },
        "Category": category(false),
        "Challenge": challenge(),
    });
    for kind in KINDS {
        schemas[signed_name(kind)] = signed_order(kind, false);
        schemas[input_name(kind)] = signed_order(kind, true);
        schemas[published_name(kind)] = published(kind, false);
    }
    schemas
}
