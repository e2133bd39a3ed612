//! Contract tests against a live bot (test/clients/live.ts starts one: `bots/service.ts` with the admin API, peered
//! with `bots/echo.ts`, which answers every text with the same text).
//!
//! Environment: WAKUBOT_ADMIN_URL, WAKUBOT_ADMIN_TOKEN, WAKUBOT_PEER_INVITE (the echo bot's invite),
//! WAKUBOT_PEER_ACCOUNT. Without WAKUBOT_ADMIN_URL the tests print a notice and pass, unless
//! WAKUBOT_REQUIRE_LIVE=1, when they fail.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use wakubot_client::{
    Client, Direction, Error, EventQuery, EventType, InviteOptions, InviteStatus, MessageStatus, Priority, SendMessage,
};

const DEADLINE: Duration = Duration::from_secs(30);

struct Live {
    url: String,
    token: String,
    peer_invite: String,
    peer_account: String,
}

fn live(test: &str) -> Option<Live> {
    let url = match std::env::var("WAKUBOT_ADMIN_URL") {
        Ok(url) if !url.is_empty() => url,
        _ => {
            if std::env::var("WAKUBOT_REQUIRE_LIVE").as_deref() == Ok("1") {
                panic!("WAKUBOT_REQUIRE_LIVE=1 but WAKUBOT_ADMIN_URL is not set");
            }
            eprintln!("{test}: skipped, WAKUBOT_ADMIN_URL is not set (see test/clients/live.ts)");
            return None;
        }
    };
    let var = |name: &str| std::env::var(name).unwrap_or_else(|_| panic!("{name} must be set with WAKUBOT_ADMIN_URL"));
    Some(Live {
        url,
        token: var("WAKUBOT_ADMIN_TOKEN"),
        peer_invite: var("WAKUBOT_PEER_INVITE"),
        peer_account: var("WAKUBOT_PEER_ACCOUNT"),
    })
}

fn client(live: &Live) -> Client {
    Client::new(&live.url, &live.token).expect("client")
}

fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() as i64
}

fn expect_api(result: Result<impl std::fmt::Debug, Error>, status: u16, code: &str) -> Error {
    match result {
        Err(e @ Error::Api { .. }) => {
            assert_eq!(e.status(), Some(status), "{e:?}");
            assert_eq!(e.code(), Some(code), "{e:?}");
            e
        }
        other => panic!("expected {status} {code}, got {other:?}"),
    }
}

#[test]
fn contract_health_auth_account_quota_metrics() {
    let live = match live("contract_health_auth_account_quota_metrics") {
        Some(l) => l,
        None => return,
    };
    let client = client(&live);

    // Health needs no token: a client with a wrong one still gets it.
    let wrong = Client::new(&live.url, "wrong-token-wrong-token").unwrap();
    let health = wrong.health().expect("health");
    assert_eq!(health.status, "ok");

    // A wrong token is 401 unauthorized, and the token is not in the error.
    let e = expect_api(wrong.quota(), 401, "unauthorized");
    assert!(!format!("{e} {e:?}").contains(&live.token));
    expect_api(wrong.account(), 401, "unauthorized");
    expect_api(wrong.metrics(), 401, "unauthorized");
    assert!(wrong.event_stream(&EventQuery::new()).is_err());
    assert!(!format!("{client:?}").contains(&live.token));

    let account = client.account().expect("account");
    assert!(account.account.starts_with("wb1"), "{account:?}");
    assert!(account.invite.starts_with("wb:"), "{account:?}");
    assert!(!account.multiaddrs.is_empty());

    let q = client.quota().expect("quota");
    assert!(q.limit > 0, "{q:?}");
    assert!(q.remaining <= q.limit, "{q:?}");
    assert_eq!(q.used + q.remaining, q.limit, "{q:?}");
    assert!(q.reserve <= q.limit && q.critical_cap <= q.limit, "{q:?}");
    assert!(q.epoch_seconds > 0, "{q:?}");
    assert!(q.epoch_ends_at > now_ms() - 1000, "{q:?}");
    assert!(!matches!(q.state, wakubot_client::QuotaState::Other(_)), "{q:?}");

    let doc = client.openapi().expect("openapi");
    assert_eq!(doc["openapi"], "3.1.0");
    assert!(doc["paths"]["/v1/conversations/{id}/messages"].is_object());

    let metrics = client.metrics().expect("metrics");
    assert!(metrics.contains("wakubot_quota_limit"), "{metrics}");
    assert!(metrics.contains("wakubot_admin_requests_total"), "{metrics}");
}

#[test]
fn contract_invites() {
    let live = match live("contract_invites") {
        Some(l) => l,
        None => return,
    };
    let client = client(&live);
    let before = now_ms();
    let created = client
        .create_invite(&InviteOptions::new().label("rust-contract").single_use(true).expires_in_seconds(3600))
        .expect("create invite");
    let inv = &created.record;
    assert!(created.link.starts_with("wb:"), "{created:?}");
    assert_eq!(inv.label.as_deref(), Some("rust-contract"));
    assert!(inv.single_use);
    assert_eq!(inv.status, InviteStatus::Active);
    assert_eq!(inv.uses, 0);
    assert!(inv.created_at >= before - 5000 && inv.created_at <= now_ms() + 5000, "{inv:?}");
    let expires = inv.expires_at.expect("expiresAt");
    assert!((expires - inv.created_at - 3_600_000).abs() < 5000, "{inv:?}");
    assert_eq!(inv.revoked_at, None);

    let listed = client.invites().expect("list invites");
    assert!(listed.iter().any(|i| i.id == inv.id), "{listed:?}");
    assert_eq!(&client.invite(inv.id).expect("get invite"), inv);

    let revoked = client.revoke_invite(inv.id).expect("revoke");
    assert_eq!(revoked.id, inv.id);
    assert_eq!(revoked.status, InviteStatus::Revoked);
    assert!(revoked.revoked_at.is_some());
    assert_eq!(client.invite(inv.id).expect("get revoked").status, InviteStatus::Revoked);

    // Unknown ids are 404 not_found.
    let unknown = 9_007_199_254_740_000;
    expect_api(client.invite(unknown), 404, "not_found");
    expect_api(client.revoke_invite(unknown), 404, "not_found");

    // Validation errors are 400 invalid_argument, naming the field.
    let e = expect_api(client.create_invite(&InviteOptions::new().expires_in_seconds(0)), 400, "invalid_argument");
    assert!(e.to_string().contains("expiresInSeconds"), "{e}");
    let e = expect_api(client.create_invite(&InviteOptions::new().label("x".repeat(65))), 400, "invalid_argument");
    assert!(e.to_string().contains("label"), "{e}");

    // A plain invite with no options works too.
    let plain = client.create_invite(&InviteOptions::new()).expect("plain invite");
    assert!(!plain.record.single_use);
    assert_eq!(plain.record.expires_at, None);
    client.revoke_invite(plain.record.id).expect("revoke plain");
}

#[test]
fn contract_conversation_send_and_events() {
    let live = match live("contract_conversation_send_and_events") {
        Some(l) => l,
        None => return,
    };
    let client = client(&live);
    let began = Instant::now();

    // Connect to the echo bot.
    let conversation = client.connect(&live.peer_invite).expect("connect");
    assert_eq!(conversation.peer.as_deref(), Some(live.peer_account.as_str()), "{conversation:?}");
    assert_eq!(client.conversation(&conversation.id).expect("get conversation").id, conversation.id);
    let listed = client.conversations(Some(200), None).expect("list conversations");
    assert!(listed.iter().any(|c| c.id == conversation.id));
    expect_api(client.conversation("cAAAAAAAAAAAAAAAA"), 404, "not_found");
    expect_api(client.connect("wb:not-an-invite"), 400, "invite_malformed");

    // Follow the stream from the current end of the log; nothing older matters.
    let start = client.latest_event_id().expect("latest event id");
    let mut stream = client.event_stream(&EventQuery::new().after(start)).expect("event stream");

    let text = format!("rust contract {} {}", now_ms(), wakubot_client::new_idempotency_key());
    let msg = SendMessage::new(text.clone())
        .priority(Priority::Critical)
        .with_idempotency_key(format!("rust-{}", wakubot_client::new_idempotency_key()));
    eprintln!("contract: connected in {:?}", began.elapsed());
    let sent = client.send(&conversation.id, &msg).expect("send");
    assert!(!sent.replayed);
    assert_eq!(sent.conversation, conversation.id);
    assert!(sent.id.starts_with(&format!("{}:", conversation.id)), "{sent:?}");

    // The same key and body: the first answer again, nothing sent twice.
    let again = client.send(&conversation.id, &msg).expect("send again");
    assert!(again.replayed, "{again:?}");
    assert_eq!(again.id, sent.id);
    // The same key with another body: 409.
    let conflicting = SendMessage::new("something else").with_idempotency_key(msg.idempotency_key().unwrap());
    expect_api(client.send(&conversation.id, &conflicting), 409, "idempotency_conflict");

    // Wait for our message's `delivered` and the echo's `message`.
    let deadline = Instant::now() + DEADLINE;
    let mut delivered = None;
    let mut echo = None;
    while delivered.is_none() || echo.is_none() {
        let left = deadline.saturating_duration_since(Instant::now());
        let event = match stream.next_timeout(left).expect("stream") {
            Some(e) => e,
            None => panic!("no delivered/echo within {DEADLINE:?}: delivered={delivered:?} echo={echo:?}"),
        };
        assert!(event.id > start);
        if event.kind == EventType::Delivered && event.message_id() == Some(sent.id.as_str()) {
            delivered = Some(event);
        } else if event.kind == EventType::Message
            && event.conversation() == Some(conversation.id.as_str())
            && event.text() == Some(text.as_str())
        {
            echo = Some(event);
        } else if event.kind == EventType::Failed && event.message_id() == Some(sent.id.as_str()) {
            panic!("our message failed: {event:?}");
        }
    }
    let delivered = delivered.unwrap();
    let echo = echo.unwrap();
    eprintln!(
        "contract: delivered and echoed after {:?} (events {} and {})",
        DEADLINE - deadline.saturating_duration_since(Instant::now()),
        delivered.id,
        echo.id
    );
    assert_eq!(delivered.conversation(), Some(conversation.id.as_str()));
    let echo_id = echo.message_id().expect("echo id").to_string();

    // The message shows delivered (or already read).
    let m = client.message(&sent.id).expect("get message");
    assert_eq!(m.direction, Direction::Out);
    assert_eq!(m.text.as_deref(), Some(text.as_str()));
    assert_eq!(m.priority, Some(Priority::Critical));
    assert!(matches!(m.status, MessageStatus::Delivered | MessageStatus::Read), "{m:?}");
    assert!(m.delivered_at.is_some(), "{m:?}");
    let got_echo = client.get_message(&echo_id).expect("get echo");
    assert_eq!(got_echo.direction, Direction::In);
    assert_eq!(got_echo.text.as_deref(), Some(text.as_str()));
    expect_api(client.message(&format!("{}:0000000000000000", conversation.id)), 404, "not_found");

    // Both directions are listed, and our text went out exactly once.
    let messages = client.messages(&conversation.id, Some(200), None).expect("messages");
    assert!(messages.iter().any(|x| x.id == sent.id && x.direction == Direction::Out));
    assert!(messages.iter().any(|x| x.id == echo_id && x.direction == Direction::In));
    let outs = messages.iter().filter(|x| x.direction == Direction::Out && x.text.as_deref() == Some(text.as_str()));
    assert_eq!(outs.count(), 1, "{messages:?}");
    for pair in messages.windows(2) {
        assert!(pair[0].created_at >= pair[1].created_at, "newest first");
    }
    // Paging back with `before`.
    let oldest = messages.last().unwrap().created_at;
    let older = client.messages(&conversation.id, Some(200), Some(oldest)).expect("older");
    assert!(older.iter().all(|x| x.created_at < oldest));
    let one = client.messages(&conversation.id, Some(1), None).expect("limit 1");
    assert_eq!(one.len(), 1);

    // The same events as a JSON page.
    let page = client
        .events(&EventQuery::new().after(start).limit(1000).types(&[EventType::Delivered, EventType::Message]))
        .expect("events page");
    assert!(page.iter().all(|e| e.kind == EventType::Delivered || e.kind == EventType::Message));
    assert!(page.iter().any(|e| e.id == delivered.id && e.message_id() == Some(sent.id.as_str())));
    assert!(page.iter().any(|e| e.id == echo.id && e.text() == Some(text.as_str())));
    for pair in page.windows(2) {
        assert!(pair[0].id < pair[1].id, "oldest first");
    }

    // A reply to the echo goes out as a reply.
    let reply = client.send(&conversation.id, &SendMessage::new("thanks").reply_to(echo_id.clone())).expect("reply");
    let r = client.message(&reply.id).expect("get reply");
    assert_eq!(r.kind, "reply");
    assert_eq!(r.text.as_deref(), Some("thanks"));

    // A stream resumed after the delivered event does not replay it.
    let mut resumed =
        client.event_stream(&EventQuery::new().after(delivered.id).types(&[EventType::Delivered])).expect("resumed");
    if let Some(e) = resumed.next_timeout(Duration::from_millis(500)).expect("resumed stream") {
        assert!(e.id > delivered.id);
    }
}

#[test]
fn contract_webhooks() {
    let live = match live("contract_webhooks") {
        Some(l) => l,
        None => return,
    };
    let client = client(&live);
    let created = client
        .create_webhook("https://hooks.example.invalid/wakubot", &[EventType::Message, EventType::Failed])
        .expect("create webhook");
    assert_eq!(created.secret.len(), 64, "secret is 32 bytes in hex");
    assert!(created.secret.bytes().all(|b| b.is_ascii_hexdigit()));
    assert_eq!(created.signing_secret().expect("hex").as_bytes().len(), 32);
    assert!(!format!("{created:?}").contains(&created.secret));
    assert_eq!(created.webhook.url, "https://hooks.example.invalid/wakubot");
    assert_eq!(created.webhook.events, vec![EventType::Message, EventType::Failed]);

    let listed = client.webhooks().expect("list webhooks");
    let found = listed.iter().find(|w| w.id == created.webhook.id).expect("listed");
    assert_eq!(found, &created.webhook);

    client.delete_webhook(created.webhook.id).expect("delete webhook");
    expect_api(client.delete_webhook(created.webhook.id), 404, "not_found");
    assert!(client.webhooks().expect("list").iter().all(|w| w.id != created.webhook.id));

    expect_api(client.create_webhook("ftp://example.com/x", &[]), 400, "invalid_argument");
}
