//! The OpenAPI document (`GET /openapi.json`) against the router: every route the router has is
//! documented with the same methods and every documented operation reaches a handler; the
//! document is well formed (references resolve, path parameters are declared, operation ids
//! are unique); the rejections made before a handler runs answer the documented error body.
//! Whether the answers match the document is schemathesis's part (scripts/schemathesis.sh).

use crate::common::*;
use poco_contracts::dev;
use poco_market::{MarketConfig, api, server::AppState};
use serde_json::Value;
use std::{collections::BTreeSet, sync::Arc};

/// The methods a document's path item may hold.
const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// The router's (path, method) pairs, read from its `Debug` form (axum has no route listing):
/// each route's id with its path, and the methods of its `Allow` header. HEAD is left out: axum
/// answers it with the GET handler.
fn router_routes(router: &axum::Router) -> BTreeSet<(String, String)> {
    let debug = format!("{router:?}");
    let unreadable = |what: &str| -> ! {
        panic!(
            "cannot read the router's routes from its Debug form ({what}): axum's format changed, \
             update router_routes in tests/it/openapi.rs\n{debug}"
        )
    };
    // The path router comes first; the fallback router (unknown paths) after it.
    let main = debug
        .split(", fallback_router:")
        .next()
        .unwrap_or_else(|| unreadable("no path router"));
    let (routes, node) = main
        .split_once("node: Node { paths:")
        .unwrap_or_else(|| unreadable("no node"));
    let id_of = |chunk: &str| -> String {
        chunk
            .split_once(')')
            .map(|(id, _)| id.to_owned())
            .unwrap_or_else(|| unreadable("a route id"))
    };
    let mut methods = std::collections::BTreeMap::new();
    for chunk in routes.split("RouteId(").skip(1) {
        let allow = chunk
            .split_once("allow_header: Bytes(b\"")
            .and_then(|(_, rest)| rest.split_once('"'))
            .map(|(allow, _)| allow)
            .unwrap_or_else(|| {
                unreadable("a route without an Allow header (not a MethodRouter, or any method)")
            });
        methods.insert(id_of(chunk), allow.to_owned());
    }
    let mut pairs = BTreeSet::new();
    for chunk in node.split("RouteId(").skip(1) {
        let path = chunk
            .split('"')
            .nth(1)
            .unwrap_or_else(|| unreadable("a route path"));
        let allow = methods
            .get(&id_of(chunk))
            .unwrap_or_else(|| unreadable("a path without its route"));
        for method in allow.split(',').filter(|m| *m != "HEAD") {
            pairs.insert((path.to_owned(), method.to_ascii_lowercase()));
        }
    }
    if pairs.is_empty() {
        unreadable("no route found");
    }
    pairs
}

/// The document's (path, method) pairs.
fn documented(doc: &Value) -> BTreeSet<(String, String)> {
    let paths = doc["paths"].as_object().expect("the document has paths");
    let mut pairs = BTreeSet::new();
    for (path, item) in paths {
        for (key, _) in item.as_object().expect("a path item is an object") {
            if METHODS.contains(&key.as_str()) {
                pairs.insert((path.clone(), key.clone()));
            }
        }
    }
    pairs
}

/// The router of a market over `env`'s chain, as [`poco_market::Market::start`] builds it.
async fn router(env: &Env) -> axum::Router {
    let config = MarketConfig::test().with_chain(env.node.http_url(), CHAIN_ID, dev::HUB);
    let pool = poco_market::db::connect(&config.database_url)
        .await
        .expect("the database opens");
    let chain = poco_client::chains::ChainConf {
        name: "dev".into(),
        host: config.rpc_url.clone(),
        id: CHAIN_ID,
        hub: Some(dev::HUB),
        ..poco_client::chains::ChainConf::dev()
    };
    let client = poco_client::Client::connect(chain, None)
        .await
        .expect("the chain answers");
    api::router(Arc::new(AppState::new(config, pool, client)))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_is_documented_and_every_documented_route_exists() {
    let env = Env::start().await;
    let (status, doc) = env.get("/openapi.json").await;
    assert_eq!(status, 200, "{doc}");
    assert_eq!(doc["openapi"], "3.0.3");
    assert_eq!(
        doc,
        poco_market::openapi::document(&MarketConfig::test()),
        "the market serves the document of its configuration"
    );

    let routes = router_routes(&router(&env).await);
    let documented = documented(&doc);
    let undocumented: Vec<_> = routes.difference(&documented).collect();
    let missing: Vec<_> = documented.difference(&routes).collect();
    assert!(
        undocumented.is_empty(),
        "routes of the router missing from the OpenAPI document (crates/market/src/openapi.rs): \
         {undocumented:?}"
    );
    assert!(
        missing.is_empty(),
        "operations of the OpenAPI document the router does not have: {missing:?}"
    );

    // Each documented operation reaches its handler: not the fallback's 404, not a 405.
    for (path, method) in &documented {
        let url = env.url(
            &path
                .replace("{hash}", &format!("0x{}", "00".repeat(32)))
                .replace("{dealid}", &format!("0x{}", "00".repeat(32)))
                .replace("{id}", "0"),
        );
        let method = reqwest::Method::from_bytes(method.to_ascii_uppercase().as_bytes())
            .expect("an HTTP method");
        let reply = env
            .http
            .request(method.clone(), format!("{url}?chainId={CHAIN_ID}"))
            .send()
            .await
            .expect("sent");
        let status = reply.status().as_u16();
        assert_ne!(status, 405, "{method} {path}");
        if status == 404 {
            let body = reply.text().await.expect("a body");
            assert!(
                !body.contains("no such endpoint"),
                "{method} {path} reaches no handler: {body}"
            );
        }
    }
    env.market_stop().await;
}

/// Every `$ref` of `value` (as `#/components/schemas/Name`).
fn refs(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                match (key.as_str(), v) {
                    ("$ref", Value::String(r)) => out.push(r.clone()),
                    _ => refs(v, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
        _ => {}
    }
}

#[test]
fn the_document_is_well_formed() {
    let doc = poco_market::openapi::document(&MarketConfig::default());
    let mut all = Vec::new();
    refs(&doc, &mut all);
    assert!(!all.is_empty());
    for r in &all {
        let name = r
            .strip_prefix("#/components/schemas/")
            .unwrap_or_else(|| panic!("{r} is not a schema reference"));
        assert!(
            doc["components"]["schemas"].get(name).is_some(),
            "{r} does not resolve"
        );
    }
    let mut ids = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        let templated: BTreeSet<&str> = path
            .split('/')
            .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .collect();
        for (method, op) in item.as_object().expect("a path item") {
            let id = op["operationId"].as_str().expect("an operationId");
            assert!(ids.insert(id.to_owned()), "operationId {id} is used twice");
            let declared: BTreeSet<&str> = op["parameters"]
                .as_array()
                .map(|params| {
                    params
                        .iter()
                        .filter(|p| p["in"] == "path")
                        .map(|p| p["name"].as_str().expect("a name"))
                        .collect()
                })
                .unwrap_or_default();
            assert_eq!(
                templated, declared,
                "{method} {path}: path parameters and the template differ"
            );
            let responses = op["responses"].as_object().expect("responses");
            assert!(responses.contains_key("200"), "{method} {path}: no 200");
            for (status, response) in responses {
                if status != "200" {
                    assert_eq!(
                        response["content"]["application/json"]["schema"]["$ref"],
                        "#/components/schemas/Error",
                        "{method} {path}: {status} is not the error body"
                    );
                }
            }
        }
    }
    // The chain served and the page bounds come from the configuration.
    let config = MarketConfig::default().with_page_sizes(5, 50);
    let doc = poco_market::openapi::document(&config);
    let params = doc["paths"]["/apporders"]["get"]["parameters"]
        .as_array()
        .expect("parameters");
    let find = |name: &str| {
        params
            .iter()
            .find(|p| p["name"] == name)
            .unwrap_or_else(|| panic!("{name} is documented"))
    };
    assert_eq!(
        find("chainId")["schema"]["enum"],
        serde_json::json!([config.chain_id])
    );
    assert_eq!(find("pageSize")["schema"]["minimum"], 5);
    assert_eq!(find("pageSize")["schema"]["maximum"], 50);
}

/// Rejections made before a handler runs (a body over the limit, a path that is not UTF-8,
/// a wrong method) answer the documented error body, not axum's plain text.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_edge_answers_the_documented_error_body() {
    let env = Env::start().await;
    let json_error = |status: u16, reply: &reqwest::Response| {
        assert_eq!(reply.status().as_u16(), status);
        assert_eq!(
            reply.headers()["content-type"],
            "application/json",
            "{status} is JSON"
        );
    };
    let auth = env.auth(APP_OWNER).await;
    let reply = env
        .http
        .post(env.url(&format!("/apporders?chainId={CHAIN_ID}")))
        .header("authorization", auth)
        .body(vec![b' '; 70 * 1024])
        .send()
        .await
        .expect("sent");
    json_error(413, &reply);
    let body: Value = reply.json().await.expect("JSON");
    assert_eq!(body["ok"], false);
    assert!(body["error"].as_str().expect("text").contains("64 KiB"));

    for path in [
        format!("/apporders/%FF%FE?chainId={CHAIN_ID}"),
        format!("/categories/%C0?chainId={CHAIN_ID}"),
        format!("/deals/%FF?chainId={CHAIN_ID}"),
    ] {
        let reply = env.http.get(env.url(&path)).send().await.expect("sent");
        json_error(400, &reply);
        let body: Value = reply.json().await.expect("JSON");
        assert!(
            body["error"]
                .as_str()
                .expect("text")
                .contains("the path is malformed"),
            "{path}: {body}"
        );
    }

    let reply = env
        .http
        .delete(env.url("/version"))
        .send()
        .await
        .expect("sent");
    json_error(405, &reply);
    assert!(reply.headers().contains_key("allow"));
    env.market_stop().await;
}
