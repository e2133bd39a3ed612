//! The event log: a JSON page ([`Client::events`]) and a live, resuming server-sent event stream
//! ([`Client::event_stream`], [`EventStream`]).

use std::io::BufReader;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::client::{query, Client};
use crate::error::{Error, Result};
use crate::sse::{LineReader, SseParser};

string_enum! {
    /// What happened.
    pub enum EventType {
        /// An inbound message (`conversation`, `id`, `type`, `text`).
        Message = "message",
        /// An outbound message left (`conversation`, `id`).
        Sent = "sent",
        /// The peer acknowledged an outbound message (`conversation`, `id`).
        Delivered = "delivered",
        /// The peer read it (`conversation`, `id`).
        Read = "read",
        /// An outbound message failed (`conversation`, `id`, `code`, `message`).
        Failed = "failed",
        /// Messages are missing (`conversation`, `missing`).
        Gap = "gap",
        /// Missing messages arrived (`conversation`, `seqs`).
        Recovered = "recovered",
        /// The peer went over the bot's inbound limit; its further messages wait for the next epoch
        /// (`conversation`, `epoch`, `limit`, `epochSeconds`).
        Throttled = "throttled",
        /// Something went wrong (`code`, `message`, maybe `conversation`).
        Error = "error",
    }
}

/// One recorded event. Ids increase; `data` depends on the type (docs/admin.md §Events), with accessors for the
/// common fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    /// Increasing id; the SSE id and `Last-Event-ID`.
    pub id: u64,
    /// The event type.
    #[serde(rename = "type")]
    pub kind: EventType,
    /// Recorded, ms since the Unix epoch. (Webhook deliveries write it as an ISO 8601 string instead; that is
    /// accepted and converted, so a delivery's body decodes as an `Event` too.)
    #[serde(deserialize_with = "ms_or_iso")]
    pub created_at: i64,
    /// Type-specific fields.
    pub data: Map<String, Value>,
}

impl Event {
    fn str_field(&self, name: &str) -> Option<&str> {
        self.data.get(name).and_then(Value::as_str)
    }

    /// `data.conversation`.
    pub fn conversation(&self) -> Option<&str> {
        self.str_field("conversation")
    }

    /// `data.id`: the message id for `message`, `sent`, `delivered`, `read` and `failed`.
    pub fn message_id(&self) -> Option<&str> {
        self.str_field("id")
    }

    /// `data.text`: the text of an inbound `message` event (absent for non-text payloads).
    ///
    /// ```
    /// let e: wakubot_client::Event = serde_json::from_str(
    ///     r#"{"id":9,"type":"message","createdAt":1,"data":{"conversation":"c1","id":"c1:00","type":"text","text":"hi"}}"#,
    /// ).unwrap();
    /// assert_eq!(e.text(), Some("hi"));
    /// assert_eq!(e.message_id(), Some("c1:00"));
    /// ```
    pub fn text(&self) -> Option<&str> {
        self.str_field("text")
    }

    /// `data.type`: the payload type of an inbound `message` event.
    pub fn payload_type(&self) -> Option<&str> {
        self.str_field("type")
    }

    /// `data.code` of `failed` and `error` events.
    pub fn code(&self) -> Option<&str> {
        self.str_field("code")
    }

    /// `data.message` of `failed` and `error` events.
    pub fn error_message(&self) -> Option<&str> {
        self.str_field("message")
    }
}

/// Ms since the Unix epoch from an integer, or from `YYYY-MM-DDTHH:MM:SS[.fff]Z` (what webhook bodies carry).
fn ms_or_iso<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<i64, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Time {
        Ms(i64),
        Iso(String),
    }
    match Time::deserialize(d)? {
        Time::Ms(ms) => Ok(ms),
        Time::Iso(s) => parse_iso_ms(&s)
            .ok_or_else(|| serde::de::Error::custom(format!("createdAt {s:?} is neither ms nor an ISO 8601 UTC time"))),
    }
}

/// Parses `YYYY-MM-DDTHH:MM:SS[.f…]Z` (UTC, as JavaScript's `toISOString` writes it) to ms since the Unix epoch.
pub(crate) fn parse_iso_ms(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || (b[10] != b'T' && b[10] != b't')
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let num = |from: usize, to: usize| -> Option<i64> {
        let part = s.get(from..to)?;
        if part.bytes().all(|c| c.is_ascii_digit()) {
            part.parse().ok()
        } else {
            None
        }
    };
    let (year, month, day) = (num(0, 4)?, num(5, 7)?, num(8, 10)?);
    let (hour, minute, second) = (num(11, 13)?, num(14, 16)?, num(17, 19)?);
    let rest = &s[19..];
    let (fraction, zone) = match rest.strip_prefix('.') {
        Some(f) => {
            let digits = f.bytes().take_while(u8::is_ascii_digit).count();
            if digits == 0 {
                return None;
            }
            (&f[..digits], &f[digits..])
        }
        None => ("", rest),
    };
    if zone != "Z" && zone != "z" {
        return None;
    }
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let mut ms = 0;
    for (i, c) in fraction.bytes().take(3).enumerate() {
        ms += i64::from(c - b'0') * [100, 10, 1][i];
    }
    // Days from civil (H. Hinnant): proleptic Gregorian calendar.
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(((days * 24 + hour) * 60 + minute) * 60_000 + second * 1000 + ms)
}

/// Which events to read: after an id, of some types, how many (pages only).
///
/// ```
/// use wakubot_client::{EventQuery, EventType};
///
/// let q = EventQuery::new().after(41).types(&[EventType::Message, EventType::Delivered]).limit(10);
/// assert_eq!(q.after, 41);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventQuery {
    /// Only events with a larger id (0: everything kept).
    pub after: u64,
    /// Page size 1–1000 (server default 100); ignored by streams.
    pub limit: Option<u32>,
    /// Only these types (empty: all).
    pub types: Vec<EventType>,
}

impl EventQuery {
    /// All events from the start of the log.
    pub fn new() -> Self {
        Self::default()
    }
    /// Sets [`EventQuery::after`].
    pub fn after(mut self, id: u64) -> Self {
        self.after = id;
        self
    }
    /// Sets [`EventQuery::limit`].
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }
    /// Sets [`EventQuery::types`].
    pub fn types(mut self, types: &[EventType]) -> Self {
        self.types = types.to_vec();
        self
    }

    fn query_string(&self, with_limit: bool) -> String {
        let types = if self.types.is_empty() {
            None
        } else {
            Some(self.types.iter().map(EventType::as_str).collect::<Vec<_>>().join(","))
        };
        query(&[
            ("after", Some(self.after.to_string())),
            ("limit", if with_limit { self.limit.map(|v| v.to_string()) } else { None }),
            ("types", types),
        ])
    }
}

#[derive(Deserialize)]
struct EventList {
    events: Vec<Event>,
}

impl Client {
    /// `GET /v1/events`: recorded events after `query.after`, oldest first, one page.
    ///
    /// ```no_run
    /// use wakubot_client::EventQuery;
    /// # let client = wakubot_client::Client::new("http://127.0.0.1:8080", "my-admin-token")?;
    /// let mut after = 0;
    /// loop {
    ///     let page = client.events(&EventQuery::new().after(after).limit(500))?;
    ///     match page.last() {
    ///         Some(last) => after = last.id,
    ///         None => break,
    ///     }
    ///     for e in &page {
    ///         println!("{} {}", e.id, e.kind);
    ///     }
    /// }
    /// # Ok::<(), wakubot_client::Error>(())
    /// ```
    pub fn events(&self, query: &EventQuery) -> Result<Vec<Event>> {
        Ok(self.get_json::<EventList>(&format!("/v1/events{}", query.query_string(true)))?.events)
    }

    /// `GET /v1/events/stream`: the log after `query.after`, then live events, as a blocking iterator.
    ///
    /// Waits briefly for the connection, so a wrong token or a bad query usually fails here (an answer slower
    /// than [`STREAM_OPEN_GRACE`] is reported as the stream's first item instead). The stream reconnects by itself
    /// when the connection drops, sending `Last-Event-ID` so no event is missed or repeated; failed reconnection
    /// attempts are yielded as `Err` items (the stream keeps trying with growing pauses; stop iterating to give
    /// up). An error answer that retrying cannot fix (401, 400, 404) ends the stream after it is yielded.
    ///
    /// ```no_run
    /// use wakubot_client::{EventQuery, EventType};
    /// # let client = wakubot_client::Client::new("http://127.0.0.1:8080", "my-admin-token")?;
    /// let stream = client.event_stream(&EventQuery::new().types(&[EventType::Message]))?;
    /// for event in stream {
    ///     let event = event?;
    ///     println!("{:?} says {:?}", event.conversation(), event.text());
    /// }
    /// # Ok::<(), wakubot_client::Error>(())
    /// ```
    pub fn event_stream(&self, query: &EventQuery) -> Result<EventStream> {
        let path = format!("/v1/events/stream{}", query.query_string(false));
        let (tx, rx) = mpsc::sync_channel(256);
        let closed = Arc::new(AtomicBool::new(false));
        let worker = Worker { client: self.clone(), path, tx, closed: closed.clone(), parser: SseParser::new() };
        thread::Builder::new()
            .name("wakubot-events".into())
            .spawn(move || worker.run())
            .map_err(|e| Error::Transport(format!("cannot start the event stream thread: {e}")))?;
        let stream =
            EventStream { rx, closed, last_id: if query.after > 0 { Some(query.after) } else { None }, ended: false };
        // The server may hold back the end of its answer's head until it has something to write (the first
        // keep-alive, 15 s), so do not insist on seeing it: a quick answer is checked here, a slow one later.
        match stream.rx.recv_timeout(STREAM_OPEN_GRACE) {
            Ok(Msg::Connected) | Err(mpsc::RecvTimeoutError::Timeout) => Ok(stream),
            Ok(Msg::Item(Err(e))) => Err(e), // dropping the stream stops the thread
            Ok(Msg::Item(Ok(_))) => unreachable!("events before the connection"),
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                Err(Error::Transport("the event stream thread stopped".into()))
            }
        }
    }

    /// The id of the newest recorded event (0 when the log is empty): start a stream after it to see only what
    /// happens from now on. Pages through `GET /v1/events`.
    ///
    /// ```no_run
    /// use wakubot_client::EventQuery;
    /// # let client = wakubot_client::Client::new("http://127.0.0.1:8080", "my-admin-token")?;
    /// let from_now = client.event_stream(&EventQuery::new().after(client.latest_event_id()?))?;
    /// # Ok::<(), wakubot_client::Error>(())
    /// ```
    pub fn latest_event_id(&self) -> Result<u64> {
        const PAGE: u32 = 1000;
        let mut after = 0;
        loop {
            let page = self.events(&EventQuery::new().after(after).limit(PAGE))?;
            match page.last() {
                Some(last) => after = last.id,
                None => return Ok(after),
            }
            if page.len() < PAGE as usize {
                return Ok(after);
            }
        }
    }

    /// Alias of [`Client::event_stream`].
    pub fn events_stream(&self, query: &EventQuery) -> Result<EventStream> {
        self.event_stream(query)
    }
}

/// How long [`Client::event_stream`] waits for the server's answer before returning the stream anyway.
pub const STREAM_OPEN_GRACE: Duration = Duration::from_secs(2);

/// What the reader thread hands over.
enum Msg {
    /// A connection is open (the answer's head arrived with status 200).
    Connected,
    /// An event, or an error.
    Item(Result<Event>),
}

/// A live event stream from [`Client::event_stream`]: a blocking iterator of events, oldest first, with
/// [`EventStream::next_timeout`] for waiting with a deadline.
///
/// A background thread reads the connection; dropping the stream stops it (the thread exits at the next
/// keep-alive, within 15 s).
pub struct EventStream {
    rx: mpsc::Receiver<Msg>,
    closed: Arc<AtomicBool>,
    last_id: Option<u64>,
    ended: bool,
}

impl std::fmt::Debug for EventStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventStream").field("last_event_id", &self.last_id).field("ended", &self.ended).finish()
    }
}

impl EventStream {
    /// Waits up to `timeout` for the next item: `Ok(Some(event))`, `Ok(None)` when the time ran out (or the stream
    /// has ended), or `Err` (see [`Client::event_stream`]).
    ///
    /// ```no_run
    /// use std::time::{Duration, Instant};
    /// use wakubot_client::{EventQuery, EventType};
    /// # let client = wakubot_client::Client::new("http://127.0.0.1:8080", "my-admin-token")?;
    /// let mut stream = client.event_stream(&EventQuery::new().types(&[EventType::Delivered]))?;
    /// let deadline = Instant::now() + Duration::from_secs(30);
    /// while let Some(event) = stream.next_timeout(deadline.saturating_duration_since(Instant::now()))? {
    ///     println!("delivered {:?}", event.message_id());
    /// }
    /// # Ok::<(), wakubot_client::Error>(())
    /// ```
    pub fn next_timeout(&mut self, timeout: Duration) -> Result<Option<Event>> {
        let deadline = Instant::now() + timeout;
        while !self.ended {
            match self.rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
                Ok(Msg::Connected) => continue,
                Ok(Msg::Item(item)) => return self.take(item).map(Some),
                Err(mpsc::RecvTimeoutError::Timeout) => return Ok(None),
                Err(mpsc::RecvTimeoutError::Disconnected) => self.ended = true,
            }
        }
        Ok(None)
    }

    /// Waits until `deadline` for the first event `accept` returns true for; other events are skipped.
    /// `Ok(None)` when the deadline passed.
    ///
    /// ```no_run
    /// use std::time::{Duration, Instant};
    /// use wakubot_client::{EventQuery, EventType};
    /// # let client = wakubot_client::Client::new("http://127.0.0.1:8080", "my-admin-token")?;
    /// let mut stream = client.event_stream(&EventQuery::new())?;
    /// let deadline = Instant::now() + Duration::from_secs(30);
    /// let reply = stream.wait_for(deadline, |e| e.kind == EventType::Message)?;
    /// # Ok::<(), wakubot_client::Error>(())
    /// ```
    pub fn wait_for(&mut self, deadline: Instant, mut accept: impl FnMut(&Event) -> bool) -> Result<Option<Event>> {
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Ok(None);
            }
            match self.next_timeout(left)? {
                Some(e) if accept(&e) => return Ok(Some(e)),
                Some(_) => continue,
                None => return Ok(None),
            }
        }
    }

    /// The id of the last event returned, to resume from later with [`EventQuery::after`].
    pub fn last_event_id(&self) -> Option<u64> {
        self.last_id
    }

    /// Whether the stream has ended for good (after an error that retrying cannot fix).
    pub fn is_ended(&self) -> bool {
        self.ended
    }

    fn take(&mut self, item: Result<Event>) -> Result<Event> {
        if let Ok(e) = &item {
            self.last_id = Some(e.id);
        }
        item
    }
}

impl Iterator for EventStream {
    type Item = Result<Event>;

    fn next(&mut self) -> Option<Result<Event>> {
        while !self.ended {
            match self.rx.recv() {
                Ok(Msg::Connected) => continue,
                Ok(Msg::Item(item)) => return Some(self.take(item)),
                Err(_) => self.ended = true,
            }
        }
        None
    }
}

impl Drop for EventStream {
    fn drop(&mut self) {
        self.closed.store(true, Ordering::SeqCst);
    }
}

const FIRST_RETRY: Duration = Duration::from_secs(1);
const MAX_RETRY: Duration = Duration::from_secs(30);

/// The background reader: connects, parses, forwards events, reconnects with `Last-Event-ID`.
struct Worker {
    client: Client,
    path: String,
    tx: mpsc::SyncSender<Msg>,
    closed: Arc<AtomicBool>,
    parser: SseParser,
}

impl Worker {
    fn run(mut self) {
        let mut delay = FIRST_RETRY;
        let mut first = true;
        loop {
            if !first && !self.sleep(delay) {
                return;
            }
            let id = self.parser.last_event_id().to_string();
            match self.client.open_stream(&self.path, Some(&id)) {
                Ok(reader) => {
                    first = false;
                    if self.tx.send(Msg::Connected).is_err() || !self.pump(reader) {
                        return;
                    }
                    // The connection ended (server restart, idle timeout, network): reconnect after a pause.
                    delay = self.parser.retry().unwrap_or(FIRST_RETRY);
                }
                Err(e) => {
                    let fatal = !e.is_retryable() && !matches!(e, Error::Decode(_));
                    if self.tx.send(Msg::Item(Err(e))).is_err() || fatal {
                        return;
                    }
                    if !first {
                        delay = (delay * 2).min(MAX_RETRY);
                    }
                    first = false;
                }
            }
        }
    }

    /// Reads one connection to its end. False when the consumer is gone.
    fn pump(&mut self, reader: Box<dyn std::io::Read + Send + Sync>) -> bool {
        let mut lines = LineReader::new(BufReader::new(reader));
        loop {
            if self.closed.load(Ordering::SeqCst) {
                return false;
            }
            let line = match lines.next_line() {
                Ok(Some(line)) => line,
                // End of stream or a read error (including the idle timeout): reconnect.
                Ok(None) | Err(_) => return !self.closed.load(Ordering::SeqCst),
            };
            let sse = match self.parser.push_line(&line) {
                Some(sse) => sse,
                None => continue,
            };
            let item = serde_json::from_str::<Event>(&sse.data)
                .map_err(|e| Error::Decode(format!("event {:?}: {e}: {}", sse.id, sse.data)));
            if self.tx.send(Msg::Item(item)).is_err() {
                return false;
            }
        }
    }

    /// Sleeps in small steps so a dropped stream stops promptly. False when the consumer is gone.
    fn sleep(&self, total: Duration) -> bool {
        let until = Instant::now() + total;
        loop {
            if self.closed.load(Ordering::SeqCst) {
                return false;
            }
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return true;
            }
            thread::sleep(left.min(Duration::from_millis(100)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_strings() {
        assert_eq!(EventQuery::new().query_string(true), "?after=0");
        let q = EventQuery::new().after(5).limit(10).types(&[EventType::Message, EventType::Delivered]);
        assert_eq!(q.query_string(true), "?after=5&limit=10&types=message%2Cdelivered");
        assert_eq!(q.query_string(false), "?after=5&types=message%2Cdelivered");
    }

    #[test]
    fn iso_times() {
        assert_eq!(parse_iso_ms("1970-01-01T00:00:00.000Z"), Some(0));
        assert_eq!(parse_iso_ms("2026-11-22T12:00:00.000Z"), Some(1_795_348_800_000));
        assert_eq!(parse_iso_ms("2000-02-29T23:59:59.999Z"), Some(951_868_799_999));
        assert_eq!(parse_iso_ms("1969-12-31T23:59:59Z"), Some(-1000));
        assert_eq!(parse_iso_ms("2026-11-22T12:00:00.5Z"), Some(1_795_348_800_500));
        assert_eq!(parse_iso_ms("2026-11-22T12:00:00+01:00"), None);
        assert_eq!(parse_iso_ms("2026-13-22T12:00:00Z"), None);
        assert_eq!(parse_iso_ms("2026-11-22 12:00:00Z"), None);
        assert_eq!(parse_iso_ms("2026-11-22T12:00:00.Z"), None);
    }

    #[test]
    fn webhook_bodies_decode_as_events() {
        // The body of a delivery (test/vectors/webhook-signature.json): createdAt is an ISO string there.
        let body = r#"{"id":1,"type":"message","createdAt":"2026-11-22T12:00:00.000Z","data":{"conversation":"cAbCdEfGhIjKlMnOp","id":"cAbCdEfGhIjKlMnOp:0123456789abcdef","type":"text","text":"héllo"}}"#;
        let e: Event = serde_json::from_str(body).unwrap();
        assert_eq!(e.created_at, 1_795_348_800_000);
        assert_eq!(e.text(), Some("héllo"));
        assert!(serde_json::from_str::<Event>(r#"{"id":1,"type":"sent","createdAt":"yesterday","data":{}}"#).is_err());
    }

    #[test]
    fn decodes_events() {
        let e: Event = serde_json::from_str(
            r#"{"id":42,"type":"failed","createdAt":1795320000900,"data":{"conversation":"c","id":"c:1","code":"expired","message":"too old"}}"#,
        )
        .unwrap();
        assert_eq!(e.kind, EventType::Failed);
        assert_eq!(e.code(), Some("expired"));
        assert_eq!(e.error_message(), Some("too old"));
        assert_eq!(e.text(), None);
        let odd: Event = serde_json::from_str(r#"{"id":1,"type":"typing","createdAt":1,"data":{}}"#).unwrap();
        assert_eq!(odd.kind, EventType::Other("typing".into()));
    }
}
