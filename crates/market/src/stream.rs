//! The live stream: `GET /stream?chainId=..[&kind=apporder,deal]` sends the book's changes as
//! server-sent events, as they happen:
//!
//! | event | when | data |
//! |---|---|---|
//! | `{kind}_published` | `POST /{kind}s` stored an order | the order as `GET /{kind}s/{hash}` shows it (without `ok`) |
//! | `{kind}_unpublished` | `PUT /{kind}s` removed an order | `{"orderHash", "chainId"}` |
//! | `{kind}_updated` | the chain watcher changed an order's `status` or `remaining` (a match, a cancel, a stake or owner change) | the order after the change, as `GET /{kind}s/{hash}` shows it |
//! | `deal_created` | the chain watcher recorded a deal | the deal as `GET /deals/{dealid}` shows it |
//! | `reset` | the client's `Last-Event-ID` is older than the buffer, unknown, or the client fell behind | `{"reason"}`: reload what you show from the REST API, then keep reading |
//!
//! `{kind}` is `apporder`, `datasetorder`, `workerpoolorder` or `requestorder`; `kind=` (comma
//! separated, default all) selects among those and `deal`. Each event has an `id`: an integer
//! that strictly increases, even across restarts of the market (the ids of a run start just
//! above its start time in ms × 1000). A client that reconnects with `Last-Event-ID` gets the
//! events it missed from a buffer of the most recent ones (`MarketConfig::stream_buffer`,
//! 10,000 by default), then the live ones; when its id is older than the buffer's oldest event,
//! or is not an id of this run, it gets one `reset` event instead (whose id is the newest),
//! then the live events. A slow client that falls behind the live channel catches up from the
//! buffer the same way. The stream opens with an SSE comment (`: connected`), is kept alive with
//! comments every 15 s, and ends when the market stops.

use crate::{
    error::{MarketError, Result},
    params::{Params, shorten},
    time::now_ms,
};
use axum::{
    http::HeaderMap,
    response::sse::{Event, KeepAlive, Sse},
};
use futures::{Stream, StreamExt, stream};
use poco_client::orders::order_name;
use poco_types::OrderKind;
use serde_json::{Value, json};
use std::{
    collections::VecDeque,
    convert::Infallible,
    sync::{Arc, Mutex, MutexGuard, PoisonError},
};
use tokio::sync::{broadcast, watch};

/// How many events a live subscriber may lag behind before it resynchronizes from the buffer.
const CHANNEL: usize = 1024;

/// What an event is about: one kind of order, or deals.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Topic {
    /// Orders of this kind.
    Order(OrderKind),
    /// Deals.
    Deal,
}

impl Topic {
    /// Its name in event names and in `kind=`: `apporder`, ..., `deal`.
    pub fn name(self) -> &'static str {
        match self {
            Topic::Order(kind) => order_name(kind),
            Topic::Deal => "deal",
        }
    }

    /// The topic named `name`.
    pub fn parse(name: &str) -> Option<Self> {
        if name == "deal" {
            return Some(Topic::Deal);
        }
        crate::orders::KINDS
            .into_iter()
            .find(|kind| order_name(*kind) == name)
            .map(Topic::Order)
    }
}

/// What happened to the topic's object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    /// An order entered the book.
    Published,
    /// Its owner removed an order from the book.
    Unpublished,
    /// The chain changed an order's status or remaining volume.
    Updated,
    /// A deal was made.
    Created,
}

impl Change {
    fn name(self) -> &'static str {
        match self {
            Change::Published => "published",
            Change::Unpublished => "unpublished",
            Change::Updated => "updated",
            Change::Created => "created",
        }
    }
}

/// One event of the stream.
#[derive(Clone, Debug, PartialEq)]
pub struct StreamEvent {
    /// Its sequence id.
    pub id: u64,
    /// What it is about.
    pub topic: Topic,
    /// What happened.
    pub change: Change,
    /// The payload (see the module's table).
    pub data: Value,
}

impl StreamEvent {
    /// The SSE event name: `apporder_published`, ..., `deal_created`.
    pub fn name(&self) -> String {
        format!("{}_{}", self.topic.name(), self.change.name())
    }

    fn sse(&self) -> Event {
        Event::default()
            .event(self.name())
            .id(self.id.to_string())
            .data(self.data.to_string())
    }
}

/// The category of the order an event shows (`order.category`, a number or a decimal
/// string), if it shows one.
fn category_of(data: &Value) -> Option<u64> {
    let category = data.get("order")?.get("category")?;
    category
        .as_u64()
        .or_else(|| category.as_str().and_then(|c| c.parse().ok()))
}

/// The stream's hub: numbers events, keeps the recent ones and broadcasts them. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Events(Arc<Hub>);

#[derive(Debug)]
struct Hub {
    inner: Mutex<Inner>,
    closed: watch::Sender<bool>,
}

#[derive(Debug)]
struct Inner {
    buffer: VecDeque<Arc<StreamEvent>>,
    capacity: usize,
    next_id: u64,
    sender: broadcast::Sender<Arc<StreamEvent>>,
    /// The id of the newest event of each topic and order category (`None`: an event that
    /// names no category), for [`Events::newest_of`].
    newest_of: Vec<(Topic, Option<u64>, u64)>,
}

/// A new reader's starting point.
#[derive(Debug)]
struct Subscription {
    receiver: broadcast::Receiver<Arc<StreamEvent>>,
    /// Buffered events after the reader's `Last-Event-ID`.
    backlog: VecDeque<Arc<StreamEvent>>,
    /// Why the reader must reload, when its id could not be resumed.
    reset: Option<String>,
    /// The newest id when it subscribed.
    newest: u64,
}

impl Events {
    /// A hub keeping the `capacity` most recent events.
    pub fn new(capacity: usize) -> Self {
        let first = u64::try_from(now_ms()).unwrap_or(0).saturating_mul(1000) + 1;
        Self(Arc::new(Hub {
            inner: Mutex::new(Inner {
                buffer: VecDeque::new(),
                capacity,
                next_id: first,
                sender: broadcast::channel(CHANNEL).0,
                newest_of: Vec::new(),
            }),
            closed: watch::Sender::new(false),
        }))
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.0.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Numbers, keeps and broadcasts an event; returns its id.
    pub fn send(&self, topic: Topic, change: Change, data: Value) -> u64 {
        let mut inner = self.lock();
        let id = inner.next_id;
        inner.next_id += 1;
        let category = category_of(&data);
        match inner
            .newest_of
            .iter_mut()
            .find(|(t, c, _)| *t == topic && *c == category)
        {
            Some((_, _, newest)) => *newest = id,
            None => inner.newest_of.push((topic, category, id)),
        }
        let event = Arc::new(StreamEvent {
            id,
            topic,
            change,
            data,
        });
        if inner.capacity > 0 {
            if inner.buffer.len() == inner.capacity {
                inner.buffer.pop_front();
            }
            inner.buffer.push_back(event.clone());
        }
        // No receiver is not an error: nobody listens right now.
        let _ = inner.sender.send(event);
        id
    }

    /// [`Events::send`] for an order of `kind`.
    pub fn order(&self, kind: OrderKind, change: Change, data: Value) -> u64 {
        self.send(Topic::Order(kind), change, data)
    }

    /// The id of the newest event (one less than the first id when none was sent).
    pub fn newest(&self) -> u64 {
        self.lock().next_id - 1
    }

    /// The id of the newest event about `topic` that may concern orders of `category` (any
    /// category: `None`), 0 when none was sent. It changes with every write those events
    /// announce: the book's counts are remembered until it does
    /// ([`crate::orders::counts`]).
    pub fn newest_of(&self, topic: Topic, category: Option<u64>) -> u64 {
        let inner = self.lock();
        inner
            .newest_of
            .iter()
            .filter(|(t, c, _)| {
                *t == topic && (category.is_none() || c.is_none() || *c == category)
            })
            .map(|(_, _, id)| *id)
            .max()
            .unwrap_or(0)
    }

    /// Ends every open stream (the market stops).
    pub fn close(&self) {
        self.0.closed.send_replace(true);
    }

    /// Subscribes a reader that has seen the events up to `after` (`None`: a new reader).
    fn subscribe(&self, after: Option<Result<u64, ()>>) -> Subscription {
        let inner = self.lock();
        let newest = inner.next_id - 1;
        let receiver = inner.sender.subscribe();
        let oldest = inner.buffer.front().map_or(inner.next_id, |e| e.id);
        let (backlog, reset) = match after {
            None => (VecDeque::new(), None),
            Some(Err(())) => (
                VecDeque::new(),
                Some("Last-Event-ID is not an event id of this market".to_owned()),
            ),
            Some(Ok(last)) if last > newest => (
                VecDeque::new(),
                Some(format!(
                    "event {last} is not one of this run of the market (newest: {newest})"
                )),
            ),
            Some(Ok(last)) if last.saturating_add(1) < oldest => (
                VecDeque::new(),
                Some(format!(
                    "the events after {last} are no longer kept (the oldest kept is {oldest})"
                )),
            ),
            Some(Ok(last)) => (
                inner
                    .buffer
                    .iter()
                    .filter(|e| e.id > last)
                    .cloned()
                    .collect(),
                None,
            ),
        };
        Subscription {
            receiver,
            backlog,
            reset,
            newest,
        }
    }
}

/// Which topics `kind=` selects (all when absent), or a 400.
fn topics(params: &Params) -> Result<Vec<Topic>> {
    let Some(value) = params.get("kind") else {
        return Ok(Vec::new());
    };
    value
        .split(',')
        .map(|name| {
            Topic::parse(name.trim()).ok_or_else(|| {
                MarketError::bad(format!(
                    "kind must be apporder, datasetorder, workerpoolorder, requestorder or deal \
                     (comma separated), not `{}`",
                    shorten(name)
                ))
            })
        })
        .collect()
}

/// Opens a stream for the request's `kind=` and `Last-Event-ID` (the caller checked `chainId`).
pub fn open(
    events: &Events,
    params: &Params,
    headers: &HeaderMap,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>> + use<>>> {
    let topics = topics(params)?;
    let after = headers.get("last-event-id").map(|value| {
        value
            .to_str()
            .ok()
            .and_then(|s| s.trim().parse::<u64>().ok())
            .ok_or(())
    });
    let sub = events.subscribe(after);
    let reader = Reader {
        events: events.clone(),
        topics,
        last: sub.newest,
        closed: events.0.closed.subscribe(),
        sub,
    };
    let hello = stream::once(async { Ok(Event::default().comment("connected")) });
    let live = stream::unfold(reader, |mut reader| async move {
        reader.next().await.map(|event| (Ok(event), reader))
    });
    Ok(Sse::new(hello.chain(live)).keep_alive(KeepAlive::default()))
}

/// One client's position in the stream.
struct Reader {
    events: Events,
    topics: Vec<Topic>,
    sub: Subscription,
    /// The newest id delivered or passed over.
    last: u64,
    closed: watch::Receiver<bool>,
}

impl Reader {
    fn wants(&self, event: &StreamEvent) -> bool {
        self.topics.is_empty() || self.topics.contains(&event.topic)
    }

    /// The next SSE event, or `None` when the market stops.
    async fn next(&mut self) -> Option<Event> {
        loop {
            if let Some(reason) = self.sub.reset.take() {
                self.last = self.sub.newest;
                return Some(
                    Event::default()
                        .event("reset")
                        .id(self.last.to_string())
                        .data(json!({ "reason": reason }).to_string()),
                );
            }
            if let Some(event) = self.sub.backlog.pop_front() {
                self.last = event.id;
                if self.wants(&event) {
                    return Some(event.sse());
                }
                continue;
            }
            let received = tokio::select! {
                _ = self.closed.wait_for(|closed| *closed) => return None,
                received = self.sub.receiver.recv() => received,
            };
            match received {
                Ok(event) if event.id <= self.last => {}
                Ok(event) => {
                    self.last = event.id;
                    if self.wants(&event) {
                        return Some(event.sse());
                    }
                }
                // Fell behind the channel: catch up from the buffer (or reset).
                Err(broadcast::error::RecvError::Lagged(_)) => {
                    self.sub = self.events.subscribe(Some(Ok(self.last)));
                }
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(sub: &Subscription) -> Vec<u64> {
        sub.backlog.iter().map(|e| e.id).collect()
    }

    #[test]
    fn resumes_from_the_buffer_or_resets() {
        let events = Events::new(3);
        let first = events.newest() + 1;
        for _ in 0..5 {
            events.send(Topic::Deal, Change::Created, json!({}));
        }
        // Kept: the last three.
        let sub = events.subscribe(Some(Ok(first + 2)));
        assert_eq!(ids(&sub), vec![first + 3, first + 4]);
        assert!(sub.reset.is_none());
        // The oldest kept is first + 2: resuming after first + 1 loses nothing.
        let sub = events.subscribe(Some(Ok(first + 1)));
        assert_eq!(ids(&sub), vec![first + 2, first + 3, first + 4]);
        // After first: first + 1 is gone.
        assert!(events.subscribe(Some(Ok(first))).reset.is_some());
        // Unknown ids and garbage reset; up to date is empty.
        assert!(events.subscribe(Some(Ok(first + 99))).reset.is_some());
        assert!(events.subscribe(Some(Err(()))).reset.is_some());
        let sub = events.subscribe(Some(Ok(first + 4)));
        assert!(sub.backlog.is_empty() && sub.reset.is_none());
        assert_eq!(sub.newest, first + 4);
    }

    #[test]
    fn topics_parse() {
        let params = Params(vec![("kind".into(), "apporder, deal".into())]);
        assert_eq!(
            topics(&params).expect("valid"),
            vec![Topic::Order(OrderKind::App), Topic::Deal]
        );
        let bad = Params(vec![("kind".into(), "orders".into())]);
        assert!(topics(&bad).is_err());
    }
}
