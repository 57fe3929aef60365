//! `GET /stream`: the server-sent events of the book, read over HTTP as a browser's
//! EventSource reads them: live events, the `kind` filter, resuming with `Last-Event-ID`, and
//! `reset` when the id is too old or unknown.

use crate::{common::*, fixture::*};
use reqwest::Method;
use serde_json::{Value, json};
use std::time::Duration;

/// One server-sent event.
#[derive(Clone, Debug, PartialEq)]
struct Event {
    name: String,
    id: u64,
    data: Value,
}

/// An open stream.
struct Sse {
    response: reqwest::Response,
    buffer: String,
}

impl Sse {
    async fn open(env: &Env, query: &str, last_event_id: Option<&str>) -> Self {
        let mut request = env
            .http
            .get(env.url(&format!("/stream?chainId={CHAIN_ID}{query}")));
        if let Some(id) = last_event_id {
            request = request.header("last-event-id", id);
        }
        let response = request.send().await.expect("the stream opens");
        assert_eq!(response.status(), 200);
        assert_eq!(
            response.headers()["content-type"],
            "text/event-stream",
            "an SSE stream"
        );
        let mut sse = Self {
            response,
            buffer: String::new(),
        };
        // The first block is the `: connected` comment: the subscription is live.
        let hello = sse.block().await;
        assert!(hello.starts_with(':'), "{hello}");
        sse
    }

    /// The next blank-line-terminated block.
    async fn block(&mut self) -> String {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block = self.buffer[..end].to_owned();
                self.buffer.drain(..end + 2);
                return block;
            }
            let chunk = tokio::time::timeout(Duration::from_secs(15), self.response.chunk())
                .await
                .expect("an event within 15 s")
                .expect("the stream reads")
                .expect("the stream is open");
            self.buffer
                .push_str(std::str::from_utf8(&chunk).expect("UTF-8"));
        }
    }

    /// The next event (comments skipped).
    async fn next(&mut self) -> Event {
        loop {
            let block = self.block().await;
            let (mut name, mut id, mut data) = (None, None, None);
            for line in block.lines() {
                if let Some(value) = line.strip_prefix("event:") {
                    name = Some(value.trim().to_owned());
                } else if let Some(value) = line.strip_prefix("id:") {
                    id = Some(value.trim().parse().expect("a numeric id"));
                } else if let Some(value) = line.strip_prefix("data:") {
                    data = Some(serde_json::from_str(value.trim()).expect("JSON data"));
                }
            }
            if let (Some(name), Some(id), Some(data)) = (name, id, data) {
                return Event { name, id, data };
            }
        }
    }

    /// The next `n` events.
    async fn take(&mut self, n: usize) -> Vec<Event> {
        let mut events = Vec::new();
        for _ in 0..n {
            events.push(self.next().await);
        }
        events
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_book_and_the_deals_live() {
    let env = Env::start().await;
    let mut all = Sse::open(&env, "", None).await;
    let mut deals_only = Sse::open(&env, "&kind=deal", None).await;
    let mut apps_only = Sse::open(&env, "&kind=apporder", None).await;

    let app = env.create_app(APP_OWNER, "stream").await;
    let pool = env.create_workerpool(POOL_OWNER, "stream").await;
    env.deposit(POOL_OWNER, 1_000).await;
    env.deposit(REQUESTER, 1_000).await;
    let app_order = env.app_order(APP_OWNER, app, APP_PRICE, 4);
    let app_hash = hash_of(&app_order).to_string();
    assert_eq!(env.publish("app", APP_OWNER, &app_order).await.0, 200);
    let published = all.next().await;
    assert_eq!(published.name, "apporder_published");
    assert_eq!(published.data["orderHash"], app_hash);
    assert_eq!(published.data["status"], "OPEN");
    assert_eq!(published.data["remaining"], 4);
    assert_eq!(apps_only.next().await, published);

    let pool_order = env.pool_order(pool, 4);
    assert_eq!(
        env.publish("workerpool", POOL_OWNER, &pool_order).await.0,
        200
    );
    let pool_published = all.next().await;
    assert_eq!(pool_published.name, "workerpoolorder_published");
    assert!(pool_published.id > published.id);

    // A match: both orders updated, then the deal.
    let deal = env
        .match_orders(&app_order, &pool_order, &env.request_order(app, 1))
        .await;
    let mut events = all.take(3).await;
    let created = events.pop().expect("three events");
    assert_eq!(created.name, "deal_created");
    assert_eq!(created.data["dealid"], deal.to_string());
    let mut names: Vec<_> = events.iter().map(|e| e.name.clone()).collect();
    names.sort();
    assert_eq!(names, ["apporder_updated", "workerpoolorder_updated"]);
    let app_update = events
        .iter()
        .find(|e| e.name == "apporder_updated")
        .expect("the app order's update");
    assert_eq!(app_update.data["orderHash"], app_hash);
    assert_eq!(app_update.data["remaining"], 3);
    assert_eq!(app_update.data["status"], "OPEN");
    assert_eq!(deals_only.next().await, created);
    assert_eq!(apps_only.next().await, *app_update);

    // Unpublished by its owner.
    let auth = env.auth(APP_OWNER).await;
    let (status, reply) = env
        .send(
            Method::PUT,
            &format!("/apporders?chainId={CHAIN_ID}"),
            Some(auth),
            &json!({ "orderHash": app_hash }),
        )
        .await;
    assert_eq!(status, 200, "{reply}");
    let unpublished = all.next().await;
    assert_eq!(unpublished.name, "apporder_unpublished");
    assert_eq!(
        unpublished.data,
        json!({"orderHash": app_hash, "chainId": CHAIN_ID})
    );
    assert_eq!(apps_only.next().await, unpublished);
    env.market_stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn last_event_id_resumes_or_resets() {
    let env = Env::start_with(|config| config.with_stream_buffer(3)).await;
    let app = env.create_app(APP_OWNER, "resume").await;
    let publish = async || {
        let order = env.app_order(APP_OWNER, app, APP_PRICE, 1);
        assert_eq!(env.publish("app", APP_OWNER, &order).await.0, 200);
    };
    let mut live = Sse::open(&env, "", None).await;
    publish().await;
    publish().await;
    let [first, second]: [Event; 2] = live.take(2).await.try_into().expect("two events");

    // Resumed after the first: the second again, then the live ones.
    let mut resumed = Sse::open(&env, "", Some(&first.id.to_string())).await;
    assert_eq!(resumed.next().await, second);
    publish().await;
    let third = live.next().await;
    assert_eq!(resumed.next().await, third);

    // Three more: the buffer (3) no longer holds what follows the first.
    for _ in 0..3 {
        publish().await;
    }
    let newest = live.take(3).await.pop().expect("three").id;
    let mut late = Sse::open(&env, "", Some(&first.id.to_string())).await;
    let reset = late.next().await;
    assert_eq!(reset.name, "reset");
    assert_eq!(reset.id, newest);
    assert!(
        reset.data["reason"]
            .as_str()
            .expect("a reason")
            .contains("no longer kept"),
        "{reset:?}"
    );
    // Up to date: nothing replayed, the next live event comes.
    let mut current = Sse::open(&env, "", Some(&newest.to_string())).await;
    publish().await;
    let next = live.next().await;
    assert_eq!(late.next().await, next);
    assert_eq!(current.next().await, next);

    // Ids that are not this run's reset too.
    for id in ["garbage", "1", &(newest + 1000).to_string()] {
        let mut other = Sse::open(&env, "", Some(id)).await;
        assert_eq!(other.next().await.name, "reset", "{id}");
    }

    // Bad requests are 4xx JSON.
    rejected(
        env.get(&format!("/stream?chainId={CHAIN_ID}&kind=orders"))
            .await,
        400,
        "kind",
    );
    rejected(env.get("/stream?chainId=5").await, 400, "chainId");
    env.market_stop().await;
}
