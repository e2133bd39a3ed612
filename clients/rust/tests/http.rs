//! HTTP-level tests against a tiny scripted server on 127.0.0.1 (no live bot needed).

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use wakubot_client::{Client, Error, EventQuery, EventType, InviteOptions, InviteStatus, Priority, SendMessage};

const TOKEN: &str = "test-token-0123456789abcdef";

#[derive(Debug, Clone)]
struct Request {
    method: String,
    target: String,
    headers: HashMap<String, String>,
    body: String,
}

impl Request {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(&name.to_ascii_lowercase()).map(String::as_str)
    }
}

/// What the server does with one connection: write an answer (it may write slowly, as a stream would).
type Handler = Box<dyn Fn(&Request, &mut TcpStream) + Send + Sync>;

struct Server {
    url: String,
    requests: Arc<Mutex<Vec<Request>>>,
}

impl Server {
    /// Serves connections in order: the n-th connection gets `handlers[min(n, last)]`.
    fn start(handlers: Vec<Handler>) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let requests = Arc::new(Mutex::new(Vec::new()));
        let seen = requests.clone();
        thread::spawn(move || {
            for (n, conn) in listener.incoming().enumerate() {
                let mut conn = match conn {
                    Ok(c) => c,
                    Err(_) => return,
                };
                let request = match read_request(&mut conn) {
                    Some(r) => r,
                    None => continue,
                };
                seen.lock().unwrap().push(request.clone());
                let handler = &handlers[n.min(handlers.len() - 1)];
                handler(&request, &mut conn);
                let _ = conn.flush();
            }
        });
        Server { url, requests }
    }

    fn client(&self) -> Client {
        Client::builder(&self.url, TOKEN).timeout(Duration::from_secs(5)).build().unwrap()
    }

    fn requests(&self) -> Vec<Request> {
        self.requests.lock().unwrap().clone()
    }
}

fn read_request(conn: &mut TcpStream) -> Option<Request> {
    conn.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    let mut reader = BufReader::new(conn.try_clone().ok()?);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_string();
    let target = parts.next()?.to_string();
    let mut headers = HashMap::new();
    loop {
        let mut h = String::new();
        reader.read_line(&mut h).ok()?;
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        let (name, value) = h.split_once(':')?;
        headers.insert(name.trim().to_ascii_lowercase(), value.trim().to_string());
    }
    let length: usize = headers.get("content-length").and_then(|v| v.parse().ok()).unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some(Request { method, target, headers, body: String::from_utf8(body).ok()? })
}

fn answer(status: u16, extra_headers: &[(&str, &str)], body: &str) -> Handler {
    let extra: Vec<(String, String)> = extra_headers.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect();
    let body = body.to_string();
    Box::new(move |_req, conn| {
        let mut head = format!(
            "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n",
            body.len()
        );
        for (name, value) in &extra {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("\r\n");
        let _ = conn.write_all(head.as_bytes());
        let _ = conn.write_all(body.as_bytes());
    })
}

fn sse(chunks: Vec<&'static str>) -> Handler {
    Box::new(move |_req, conn| {
        let _ = conn.write_all(b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncache-control: no-cache\r\nconnection: close\r\n\r\n");
        for chunk in &chunks {
            let _ = conn.write_all(chunk.as_bytes());
            let _ = conn.flush();
            thread::sleep(Duration::from_millis(20));
        }
        // Closing the connection makes the client reconnect.
    })
}

const INVITE: &str = r#"{"id":7,"label":"ops","singleUse":true,"status":"active","uses":0,"createdAt":1795320000000,"expiresAt":1795323600000,"revokedAt":null,"invite":"wb:AQ"}"#;

#[test]
fn sends_the_token_and_json_body() {
    let server = Server::start(vec![answer(201, &[], INVITE)]);
    let created = server
        .client()
        .create_invite(&InviteOptions::new().label("ops").single_use(true).expires_in_seconds(3600))
        .unwrap();
    assert_eq!(created.record.id, 7);
    assert_eq!(created.record.status, InviteStatus::Active);
    assert_eq!(created.record.expires_at, Some(1795323600000));
    assert_eq!(created.link, "wb:AQ");
    let req = &server.requests()[0];
    assert_eq!(req.method, "POST");
    assert_eq!(req.target, "/v1/invites");
    assert_eq!(req.header("authorization"), Some(format!("Bearer {TOKEN}").as_str()));
    assert_eq!(req.header("content-type"), Some("application/json"));
    assert_eq!(req.body, r#"{"singleUse":true,"expiresInSeconds":3600,"label":"ops"}"#);
    assert_eq!(req.header("idempotency-key"), None);
}

#[test]
fn health_goes_without_the_token_and_reads_503_stopping() {
    let server = Server::start(vec![
        answer(200, &[], r#"{"status":"ok","liveConversations":2}"#),
        answer(503, &[], r#"{"status":"stopping","liveConversations":0}"#),
    ]);
    let client = server.client();
    let h = client.health().unwrap();
    assert!(h.is_ok());
    assert_eq!(h.live_conversations, 2);
    let h = client.health().unwrap();
    assert_eq!(h.status, "stopping");
    assert!(server.requests().iter().all(|r| r.header("authorization").is_none()));
}

#[test]
fn error_answers_become_api_errors() {
    let server = Server::start(vec![
        answer(404, &[], r#"{"error":{"code":"not_found","message":"no invite 999"}}"#),
        answer(
            401,
            &[("www-authenticate", "Bearer")],
            r#"{"error":{"code":"unauthorized","message":"missing or wrong bearer token"}}"#,
        ),
        answer(502, &[], "<html>bad gateway</html>"),
        answer(200, &[], "not json"),
    ]);
    let client = server.client();
    match client.invite(999) {
        Err(Error::Api { status, code, message }) => {
            assert_eq!((status, code.as_str(), message.as_str()), (404, "not_found", "no invite 999"));
        }
        other => panic!("{other:?}"),
    }
    let e = client.quota().unwrap_err();
    assert_eq!((e.status(), e.code()), (Some(401), Some("unauthorized")));
    assert!(!e.to_string().contains(TOKEN));
    let e = client.account().unwrap_err();
    assert_eq!(e.code(), Some("http_502"));
    assert!(e.is_retryable());
    let e = client.invites().unwrap_err();
    assert!(matches!(e, Error::Decode(_)), "{e:?}");
}

#[test]
fn send_uses_one_key_per_message_and_reports_replays() {
    let body = r#"{"id":"cAbCdEfGhIjKlMnOp:0123456789abcdef","conversation":"cAbCdEfGhIjKlMnOp","status":"queued"}"#;
    let server = Server::start(vec![
        answer(202, &[], body),
        answer(202, &[("idempotent-replayed", "true")], body),
        answer(202, &[], body),
    ]);
    let client = server.client();
    let msg = SendMessage::new("héllo").priority(Priority::Critical).reply_to("cAbCdEfGhIjKlMnOp:00000000000000ff");
    let first = client.send("cAbCdEfGhIjKlMnOp", &msg).unwrap();
    let again = client.send("cAbCdEfGhIjKlMnOp", &msg).unwrap();
    let other = client.send_text("cAbCdEfGhIjKlMnOp", "héllo").unwrap();
    assert!(!first.replayed);
    assert!(again.replayed);
    assert!(!other.replayed);
    assert_eq!(first.id, again.id);
    let reqs = server.requests();
    assert_eq!(reqs[0].target, "/v1/conversations/cAbCdEfGhIjKlMnOp/messages");
    assert_eq!(
        reqs[0].body,
        r#"{"text":"héllo","priority":"critical","replyTo":"cAbCdEfGhIjKlMnOp:00000000000000ff"}"#
    );
    let k0 = reqs[0].header("idempotency-key").unwrap();
    assert_eq!(Some(k0), msg.idempotency_key());
    assert_eq!(reqs[1].header("idempotency-key"), Some(k0));
    let k2 = reqs[2].header("idempotency-key").unwrap();
    assert_ne!(k2, k0);
}

#[test]
fn queries_and_paths() {
    let server = Server::start(vec![
        answer(200, &[], r#"{"messages":[]}"#),
        answer(200, &[], r#"{"conversations":[]}"#),
        answer(200, &[], r#"{"events":[{"id":3,"type":"sent","createdAt":5,"data":{"conversation":"c","id":"c:1"}}]}"#),
        answer(204, &[], ""),
        answer(200, &[("content-type", "text/plain")], "wakubot_quota_limit 100000\n"),
    ]);
    let client = server.client();
    assert!(client.messages("cAbCdEfGhIjKlMnOp", Some(10), Some(1795320000000)).unwrap().is_empty());
    assert!(client.conversations(None, Some(5)).unwrap().is_empty());
    let events = client.events(&EventQuery::new().after(2).limit(3).types(&[EventType::Sent])).unwrap();
    assert_eq!(events[0].kind, EventType::Sent);
    client.delete_webhook(4).unwrap();
    assert!(client.metrics().unwrap().contains("wakubot_quota_limit"));
    let targets: Vec<String> = server.requests().into_iter().map(|r| format!("{} {}", r.method, r.target)).collect();
    assert_eq!(
        targets,
        vec![
            "GET /v1/conversations/cAbCdEfGhIjKlMnOp/messages?limit=10&before=1795320000000",
            "GET /v1/conversations?offset=5",
            "GET /v1/events?after=2&limit=3&types=sent",
            "DELETE /v1/webhooks/4",
            "GET /metrics",
        ]
    );
}

#[test]
fn unreachable_server_is_a_transport_error_without_the_token() {
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let client = Client::new(format!("http://127.0.0.1:{port}"), TOKEN).unwrap();
    let e = client.quota().unwrap_err();
    assert!(matches!(e, Error::Transport(_)), "{e:?}");
    assert!(e.is_retryable());
    assert!(!format!("{e} {e:?}").contains(TOKEN));
}

#[test]
fn event_stream_parses_and_resumes_with_last_event_id() {
    let server = Server::start(vec![
        sse(vec![
            ": hello\n\n",
            "id: 1\nevent: message\ndata: {\"id\":1,\"type\":\"message\",\"createdAt\":10,\n",
            "data: \"data\":{\"conversation\":\"c\",\"id\":\"c:1\",\"type\":\"text\",\"text\":\"a\\nb\"}}\n\n",
            ": keep-alive\n\n",
            "retry: 50\nid: 2\nevent: delivered\ndata: {\"id\":2,\"type\":\"delivered\",\"createdAt\":11,\"data\":{\"conversation\":\"c\",\"id\":\"c:9\"}}\n\n",
        ]),
        sse(vec!["id: 3\nevent: read\ndata: {\"id\":3,\"type\":\"read\",\"createdAt\":12,\"data\":{\"conversation\":\"c\",\"id\":\"c:9\"}}\n\n"]),
        // Later reconnects: keep the stream open and quiet.
        Box::new(|_req, conn| {
            let _ = conn.write_all(b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n\r\n");
            thread::sleep(Duration::from_secs(3));
        }),
    ]);
    let client = server.client();
    let mut stream = client
        .event_stream(&EventQuery::new().types(&[EventType::Message, EventType::Delivered, EventType::Read]))
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut got = Vec::new();
    while got.len() < 3 {
        let left = deadline.saturating_duration_since(Instant::now());
        match stream.next_timeout(left).unwrap() {
            Some(e) => got.push(e),
            None => panic!("timed out with {got:?}"),
        }
    }
    assert_eq!(got.iter().map(|e| e.id).collect::<Vec<_>>(), vec![1, 2, 3]);
    assert_eq!(got[0].text(), Some("a\nb"));
    assert_eq!(got[1].kind, EventType::Delivered);
    assert_eq!(got[1].message_id(), Some("c:9"));
    assert_eq!(stream.last_event_id(), Some(3));
    let reqs = server.requests();
    assert_eq!(reqs[0].target, "/v1/events/stream?after=0&types=message%2Cdelivered%2Cread");
    assert_eq!(reqs[0].header("accept"), Some("text/event-stream"));
    assert_eq!(reqs[0].header("last-event-id"), None);
    assert_eq!(reqs[0].header("authorization"), Some(format!("Bearer {TOKEN}").as_str()));
    assert_eq!(reqs[1].header("last-event-id"), Some("2"));
    // Nothing more comes within a short wait.
    assert!(stream.next_timeout(Duration::from_millis(200)).unwrap().is_none());
}

#[test]
fn event_stream_refused_at_open_and_on_reconnect() {
    let unauthorized = r#"{"error":{"code":"unauthorized","message":"missing or wrong bearer token"}}"#;
    let server = Server::start(vec![answer(401, &[], unauthorized)]);
    let e = server.client().event_stream(&EventQuery::new()).unwrap_err();
    assert_eq!(e.code(), Some("unauthorized"));

    let server = Server::start(vec![
        sse(vec!["retry: 10\nid: 5\ndata: {\"id\":5,\"type\":\"sent\",\"createdAt\":1,\"data\":{}}\n\n"]),
        answer(401, &[], unauthorized),
    ]);
    let stream = server.client().event_stream(&EventQuery::new().after(4)).unwrap();
    let items: Vec<_> = stream.collect();
    assert_eq!(items.len(), 2, "{items:?}");
    assert_eq!(items[0].as_ref().unwrap().id, 5);
    assert_eq!(items[1].as_ref().unwrap_err().code(), Some("unauthorized"));
    let reqs = server.requests();
    assert_eq!(reqs[0].target, "/v1/events/stream?after=4");
    assert_eq!(reqs[1].header("last-event-id"), Some("5"));
}

#[test]
fn event_stream_reports_bad_data_and_goes_on() {
    let server = Server::start(vec![
        sse(vec![
            "id: 1\ndata: not json\n\n",
            "id: 2\ndata: {\"id\":2,\"type\":\"gap\",\"createdAt\":1,\"data\":{\"conversation\":\"c\",\"missing\":[1]}}\n\n",
        ]),
        Box::new(|_req, conn| {
            let _ = conn.write_all(b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n\r\n");
            thread::sleep(Duration::from_secs(3));
        }),
    ]);
    let mut stream = server.client().event_stream(&EventQuery::new()).unwrap();
    let first = stream.next().unwrap();
    assert!(matches!(first, Err(Error::Decode(_))), "{first:?}");
    let second = stream.next().unwrap().unwrap();
    assert_eq!(second.kind, EventType::Gap);
}

#[test]
fn event_stream_does_not_wait_for_a_held_back_answer_head() {
    // What the bot does with nothing to replay: the head is finished only with the first write.
    let server = Server::start(vec![Box::new(|_req, conn| {
        let _ = conn.write_all(b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n");
        let _ = conn.flush();
        thread::sleep(Duration::from_secs(4));
        let _ = conn.write_all(b"\r\nid: 1\ndata: {\"id\":1,\"type\":\"sent\",\"createdAt\":1,\"data\":{}}\n\n");
        let _ = conn.flush();
        thread::sleep(Duration::from_secs(3));
    })]);
    let began = Instant::now();
    let mut stream = server.client().event_stream(&EventQuery::new()).unwrap();
    let opened = began.elapsed();
    assert!(opened < Duration::from_secs(3), "{opened:?}");
    let e = stream.next_timeout(Duration::from_secs(10)).unwrap().expect("event");
    assert_eq!(e.id, 1);
}

#[test]
fn event_stream_connection_refused_at_open() {
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let client = Client::new(format!("http://127.0.0.1:{port}"), TOKEN).unwrap();
    let e = client.event_stream(&EventQuery::new()).unwrap_err();
    assert!(matches!(e, Error::Transport(_)), "{e:?}");
}
