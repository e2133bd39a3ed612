//! Webhook signature vectors shared with the TypeScript server and the Go client
//! (test/vectors/webhook-signature.json).

use std::path::PathBuf;

use serde::Deserialize;
use wakubot_client::{hub_signature, sign_webhook, verify_hub_signature, verify_webhook, WebhookSecret};

#[derive(Deserialize)]
struct Vectors {
    secret: String,
    wakubot: Vec<WakubotVector>,
    hub: Vec<HubVector>,
}

#[derive(Deserialize)]
struct WakubotVector {
    timestamp: i64,
    body: String,
    header: String,
}

#[derive(Deserialize)]
struct HubVector {
    body: String,
    header: String,
}

fn vectors() -> Vectors {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../test/vectors/webhook-signature.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

#[test]
fn wakubot_vectors_verify_and_sign() {
    let v = vectors();
    let secret = WebhookSecret::from_hex(&v.secret).unwrap();
    assert_eq!(v.wakubot.len(), 3);
    for case in &v.wakubot {
        assert!(
            verify_webhook(&secret, case.body.as_bytes(), &case.header, case.timestamp, 300),
            "vector t={} should verify",
            case.timestamp
        );
        assert_eq!(sign_webhook(&secret, case.body.as_bytes(), case.timestamp as u64), case.header);
    }
}

#[test]
fn hub_vectors_verify_and_sign() {
    let v = vectors();
    let secret = WebhookSecret::from_hex(&v.secret).unwrap();
    assert_eq!(v.hub.len(), 3);
    for case in &v.hub {
        assert!(verify_hub_signature(&secret, case.body.as_bytes(), Some(&case.header)));
        assert_eq!(hub_signature(&secret, case.body.as_bytes()), case.header);
    }
}

#[test]
fn tolerance_is_enforced_both_ways() {
    let v = vectors();
    let secret = WebhookSecret::from_hex(&v.secret).unwrap();
    let case = &v.wakubot[0];
    let t = case.timestamp;
    let body = case.body.as_bytes();
    assert!(verify_webhook(&secret, body, &case.header, t + 300, 300));
    assert!(verify_webhook(&secret, body, &case.header, t - 300, 300));
    assert!(!verify_webhook(&secret, body, &case.header, t + 301, 300));
    assert!(!verify_webhook(&secret, body, &case.header, t - 301, 300));
    assert!(!verify_webhook(&secret, body, &case.header, t + 1, 0));
    assert!(verify_webhook(&secret, body, &case.header, t, 0));
    // Extreme clocks do not overflow.
    assert!(!verify_webhook(&secret, body, &case.header, i64::MIN, 300));
    assert!(verify_webhook(&secret, body, &case.header, i64::MIN, u64::MAX));
    assert!(!verify_webhook(&secret, body, &case.header, i64::MAX, 300));
}

#[test]
fn tampering_is_rejected() {
    let v = vectors();
    let secret = WebhookSecret::from_hex(&v.secret).unwrap();
    for case in &v.wakubot {
        let t = case.timestamp;
        let body = case.body.as_bytes();
        // Body changed.
        let mut changed = case.body.clone();
        changed.push(' ');
        assert!(!verify_webhook(&secret, changed.as_bytes(), &case.header, t, 300));
        // Timestamp changed (the MAC covers it).
        let moved = case.header.replacen(&format!("t={t},"), &format!("t={},", t + 1), 1);
        assert!(!verify_webhook(&secret, body, &moved, t, 300));
        // One MAC digit flipped.
        let mut flipped = case.header.clone().into_bytes();
        let last = flipped.len() - 1;
        flipped[last] = if flipped[last] == b'0' { b'1' } else { b'0' };
        assert!(!verify_webhook(&secret, body, std::str::from_utf8(&flipped).unwrap(), t, 300));
        // Another key, including the hex text used as a key by mistake.
        assert!(!verify_webhook(&WebhookSecret::from_bytes(v.secret.as_bytes()), body, &case.header, t, 300));
        assert!(!verify_webhook(&WebhookSecret::from_bytes(vec![0u8; 32]), body, &case.header, t, 300));
        // Malformed headers.
        let mac = &case.header[case.header.len() - 64..];
        for bad in [
            String::new(),
            format!("v1={mac}"),
            format!("t={t}"),
            format!("t={t},v1={}", mac.to_uppercase()),
            format!("t={t},v1={mac}00"),
            format!("t={t},v0={mac}"),
            format!("t= {t},v1={mac}"),
        ] {
            assert!(!verify_webhook(&secret, body, &bad, t, 300), "{bad:?}");
        }
    }
    for case in &v.hub {
        let body = case.body.as_bytes();
        let mut changed = body.to_vec();
        changed.push(b'x');
        assert!(!verify_hub_signature(&secret, &changed, Some(&case.header)));
        assert!(!verify_hub_signature(&secret, body, None));
        assert!(!verify_hub_signature(&secret, body, Some("")));
        assert!(!verify_hub_signature(&secret, body, Some(&case.header.replacen("sha256=", "sha1=", 1))));
        assert!(!verify_hub_signature(&secret, body, Some(&case.header.to_uppercase())));
        assert!(!verify_hub_signature(&WebhookSecret::from_bytes(*b"other"), body, Some(&case.header)));
    }
}
