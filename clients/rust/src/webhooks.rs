//! Outgoing webhooks: register, list, delete; and checking their signatures ([`verify_webhook`]) and
//! `X-Hub-Signature-256` style ones ([`verify_hub_signature`]).

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::client::Client;
use crate::error::{Error, Result};
use crate::events::EventType;

/// How far a webhook's timestamp may be from the receiver's clock by default: 5 minutes.
pub const DEFAULT_TOLERANCE_SECS: u64 = 300;

/// A registered webhook (without its secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Webhook {
    /// The webhook id.
    pub id: u64,
    /// Where deliveries are POSTed.
    pub url: String,
    /// The event types it wants (empty: all).
    pub events: Vec<EventType>,
    /// Created, ms since the Unix epoch.
    pub created_at: i64,
}

/// `POST /v1/webhooks`'s answer: the webhook and its signing secret, which is shown only here.
/// `Debug` output hides the secret.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedWebhook {
    /// The webhook.
    #[serde(flatten)]
    pub webhook: Webhook,
    /// The HMAC-SHA256 key as 64 hex characters (32 bytes). Store it; see [`CreatedWebhook::signing_secret`].
    pub secret: String,
}

impl fmt::Debug for CreatedWebhook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CreatedWebhook").field("webhook", &self.webhook).field("secret", &"<redacted>").finish()
    }
}

impl CreatedWebhook {
    /// The secret as a key for [`verify_webhook`] (the hex decoded: the HMAC key is the 32 bytes, not the text).
    ///
    /// ```no_run
    /// # let client = wakubot_client::Client::new("http://127.0.0.1:8080", "my-admin-token")?;
    /// let created = client.create_webhook("https://example.com/hook", &[])?;
    /// let secret = created.signing_secret()?;
    /// # Ok::<(), wakubot_client::Error>(())
    /// ```
    pub fn signing_secret(&self) -> Result<WebhookSecret> {
        WebhookSecret::from_hex(&self.secret)
    }
}

/// An HMAC key for webhook signatures. `Debug` output hides it.
///
/// wakubot's webhook secrets are hex ([`WebhookSecret::from_hex`]); the key is the decoded bytes. Secrets of
/// other senders (`X-Hub-Signature-256`) are usually used as their raw text ([`WebhookSecret::from_bytes`]).
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookSecret(Vec<u8>);

impl fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WebhookSecret(<redacted>)")
    }
}

impl WebhookSecret {
    /// From hex, as `POST /v1/webhooks` shows it (surrounding whitespace is ignored).
    ///
    /// ```
    /// use wakubot_client::WebhookSecret;
    /// assert_eq!(WebhookSecret::from_hex("00ff").unwrap().as_bytes(), &[0, 255]);
    /// assert!(WebhookSecret::from_hex("xyz").is_err());
    /// ```
    pub fn from_hex(hex: &str) -> Result<WebhookSecret> {
        from_hex(hex.trim())
            .map(WebhookSecret)
            .ok_or_else(|| Error::InvalidArgument("webhook secret is not hex".into()))
    }

    /// From raw key bytes.
    pub fn from_bytes(bytes: impl Into<Vec<u8>>) -> WebhookSecret {
        WebhookSecret(bytes.into())
    }

    /// The key bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    fn mac(&self) -> Hmac<Sha256> {
        // HMAC takes keys of any length.
        <Hmac<Sha256> as Mac>::new_from_slice(&self.0).expect("HMAC accepts any key length")
    }
}

/// The `wakubot-signature` header for `body` sent at `timestamp_secs`:
/// `t=<secs>,v1=<hex HMAC-SHA256(secret, "<secs>." + body)>`. For tests of your receiver.
///
/// ```
/// use wakubot_client::{sign_webhook, verify_webhook, WebhookSecret};
/// let secret = WebhookSecret::from_bytes(*b"0123456789abcdef0123456789abcdef");
/// let header = sign_webhook(&secret, b"{}", 1_795_320_000);
/// assert!(header.starts_with("t=1795320000,v1="));
/// assert!(verify_webhook(&secret, b"{}", &header, 1_795_320_010, 300));
/// ```
pub fn sign_webhook(secret: &WebhookSecret, body: &[u8], timestamp_secs: u64) -> String {
    let mut mac = secret.mac();
    mac.update(format!("{timestamp_secs}.").as_bytes());
    mac.update(body);
    format!("t={timestamp_secs},v1={}", to_hex(&mac.finalize().into_bytes()))
}

/// Checks a `wakubot-signature` header (`t=<secs>,v1=<64 hex>`) against the raw request body, refusing timestamps
/// more than `tolerance_secs` away from `now_secs` (use [`DEFAULT_TOLERANCE_SECS`]). The MAC is compared in
/// constant time. Verify the bytes as received, before parsing the JSON.
///
/// ```
/// use wakubot_client::{verify_webhook, WebhookSecret};
/// let secret = WebhookSecret::from_hex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f").unwrap();
/// let header = "t=1795320001,v1=9e6d8e699af0909451c5ec99520131323aa7d42eed0420764b346e9e6e1bcb48";
/// assert!(verify_webhook(&secret, b"{}", header, 1_795_320_001, 300));
/// assert!(!verify_webhook(&secret, b"{} ", header, 1_795_320_001, 300)); // body changed
/// assert!(!verify_webhook(&secret, b"{}", header, 1_795_320_302, 300)); // too late
/// ```
pub fn verify_webhook(secret: &WebhookSecret, body: &[u8], header: &str, now_secs: i64, tolerance_secs: u64) -> bool {
    let (t, v1) = match parse_signature_header(header.trim()) {
        Some(parts) => parts,
        None => return false,
    };
    let skew = (i128::from(now_secs) - i128::from(t)).unsigned_abs();
    if skew > u128::from(tolerance_secs) {
        return false;
    }
    let mut mac = secret.mac();
    mac.update(format!("{t}.").as_bytes());
    mac.update(body);
    mac.verify_slice(&v1).is_ok()
}

/// [`verify_webhook`] against the system clock with the default 5-minute tolerance.
///
/// ```no_run
/// # let secret = wakubot_client::WebhookSecret::from_bytes(vec![0; 32]);
/// # let (raw_body, header): (Vec<u8>, String) = (vec![], String::new());
/// if !wakubot_client::verify_webhook_now(&secret, &raw_body, &header) {
///     // answer 401 and drop it
/// }
/// ```
pub fn verify_webhook_now(secret: &WebhookSecret, body: &[u8], header: &str) -> bool {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    verify_webhook(secret, body, header, i64::try_from(now).unwrap_or(i64::MAX), DEFAULT_TOLERANCE_SECS)
}

/// `t=<1–12 digits>,v1=<64 lowercase hex>`, as the server writes it.
fn parse_signature_header(header: &str) -> Option<(u64, Vec<u8>)> {
    let rest = header.strip_prefix("t=")?;
    let (t, v1) = rest.split_once(",v1=")?;
    if t.is_empty() || t.len() > 12 || !t.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if v1.len() != 64 || !v1.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return None;
    }
    Some((t.parse().ok()?, from_hex(v1)?))
}

/// The `sha256=<hex HMAC-SHA256(secret, body)>` signature GitHub and many webhook senders put in
/// `X-Hub-Signature-256`.
///
/// ```
/// use wakubot_client::{hub_signature, WebhookSecret};
/// let sig = hub_signature(&WebhookSecret::from_bytes(*b"key"), b"body");
/// assert!(sig.starts_with("sha256=") && sig.len() == 71);
/// ```
pub fn hub_signature(secret: &WebhookSecret, body: &[u8]) -> String {
    let mut mac = secret.mac();
    mac.update(body);
    format!("sha256={}", to_hex(&mac.finalize().into_bytes()))
}

/// Checks an `X-Hub-Signature-256` header (`sha256=<64 hex>`) against the raw body, in constant time. A missing
/// header (`None`) is refused.
///
/// ```
/// use wakubot_client::{verify_hub_signature, WebhookSecret};
/// let secret = WebhookSecret::from_hex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f").unwrap();
/// let header = "sha256=86227fe96722a2247dcfee12c07d89c1b0567bbc9aa6a8d804838f66a3da843f";
/// assert!(verify_hub_signature(&secret, b"{}", Some(header)));
/// assert!(!verify_hub_signature(&secret, b"{}", None));
/// ```
pub fn verify_hub_signature(secret: &WebhookSecret, body: &[u8], header: Option<&str>) -> bool {
    let hex = match header.map(str::trim).and_then(|h| h.strip_prefix("sha256=")) {
        Some(hex) => hex,
        None => return false,
    };
    if hex.len() != 64 || !hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return false;
    }
    let expected = match from_hex(hex) {
        Some(bytes) => bytes,
        None => return false,
    };
    let mut mac = secret.mac();
    mac.update(body);
    mac.verify_slice(&expected).is_ok()
}

/// Lowercase hex of bytes.
pub(crate) fn to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        s.push(DIGITS[usize::from(b >> 4)] as char);
        s.push(DIGITS[usize::from(b & 15)] as char);
    }
    s
}

/// Bytes of a hex string (either case); `None` if it is not hex.
pub(crate) fn from_hex(hex: &str) -> Option<Vec<u8>> {
    fn nibble(c: u8) -> Option<u8> {
        match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            b'A'..=b'F' => Some(c - b'A' + 10),
            _ => None,
        }
    }
    let bytes = hex.as_bytes();
    if bytes.len() % 2 != 0 {
        return None;
    }
    bytes.chunks(2).map(|pair| Some(nibble(pair[0])? << 4 | nibble(pair[1])?)).collect()
}

#[derive(Serialize)]
struct WebhookRequest<'a> {
    url: &'a str,
    #[serde(skip_serializing_if = "no_types")]
    events: &'a [EventType],
}

fn no_types(events: &&[EventType]) -> bool {
    events.is_empty()
}

#[derive(Deserialize)]
struct WebhookList {
    webhooks: Vec<Webhook>,
}

impl Client {
    /// `POST /v1/webhooks`: POST every recorded event of the given types (empty: all) to `url` (http or https),
    /// signed with the secret in the answer (shown only here).
    ///
    /// ```no_run
    /// use wakubot_client::EventType;
    /// # let client = wakubot_client::Client::new("http://127.0.0.1:8080", "my-admin-token")?;
    /// let created = client.create_webhook("https://example.com/hook", &[EventType::Message])?;
    /// println!("webhook {}; keep secret {}", created.webhook.id, created.secret);
    /// # Ok::<(), wakubot_client::Error>(())
    /// ```
    pub fn create_webhook(&self, url: &str, events: &[EventType]) -> Result<CreatedWebhook> {
        self.send_json("POST", "/v1/webhooks", Some(&WebhookRequest { url, events }), None)?.json()
    }

    /// `GET /v1/webhooks`: registered webhooks, without secrets.
    ///
    /// ```no_run
    /// # let client = wakubot_client::Client::new("http://127.0.0.1:8080", "my-admin-token")?;
    /// for w in client.webhooks()? {
    ///     println!("{} → {}", w.id, w.url);
    /// }
    /// # Ok::<(), wakubot_client::Error>(())
    /// ```
    pub fn webhooks(&self) -> Result<Vec<Webhook>> {
        Ok(self.get_json::<WebhookList>("/v1/webhooks")?.webhooks)
    }

    /// `DELETE /v1/webhooks/{id}`: stops deliveries (what it was still owed is dropped); `not_found` (404) if
    /// there is no such webhook.
    ///
    /// ```no_run
    /// # let client = wakubot_client::Client::new("http://127.0.0.1:8080", "my-admin-token")?;
    /// client.delete_webhook(1)?;
    /// # Ok::<(), wakubot_client::Error>(())
    /// ```
    pub fn delete_webhook(&self, id: u64) -> Result<()> {
        self.send_json::<()>("DELETE", &format!("/v1/webhooks/{id}"), None, None)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trip() {
        assert_eq!(to_hex(&[0, 1, 0xab, 0xff]), "0001abff");
        assert_eq!(from_hex("0001ABff"), Some(vec![0, 1, 0xab, 0xff]));
        assert_eq!(from_hex("abc"), None);
        assert_eq!(from_hex("zz"), None);
    }

    #[test]
    fn secrets_are_hidden_in_debug() {
        let s = WebhookSecret::from_hex("deadbeef").unwrap();
        assert!(!format!("{s:?}").contains("deadbeef"));
        let created: CreatedWebhook =
            serde_json::from_str(r#"{"id":1,"url":"https://x","events":[],"createdAt":1,"secret":"cafebabecafebabe"}"#)
                .unwrap();
        assert!(!format!("{created:?}").contains("cafebabe"));
        assert_eq!(created.signing_secret().unwrap().as_bytes().len(), 8);
    }

    #[test]
    fn header_parsing_is_strict() {
        let v1 = "0".repeat(64);
        assert!(parse_signature_header(&format!("t=1,v1={v1}")).is_some());
        assert!(parse_signature_header(&format!("t=,v1={v1}")).is_none());
        assert!(parse_signature_header(&format!("t=1234567890123,v1={v1}")).is_none());
        assert!(parse_signature_header(&format!("t=-1,v1={v1}")).is_none());
        assert!(parse_signature_header(&format!("t=1,v1={}", "A".repeat(64))).is_none());
        assert!(parse_signature_header(&format!("t=1,v1={}", "0".repeat(63))).is_none());
        assert!(parse_signature_header(&format!("v1={v1},t=1")).is_none());
    }

    #[test]
    fn request_body_omits_empty_events() {
        let body = WebhookRequest { url: "https://x", events: &[] };
        assert_eq!(serde_json::to_string(&body).unwrap(), r#"{"url":"https://x"}"#);
        let body = WebhookRequest { url: "https://x", events: &[EventType::Message, EventType::Failed] };
        assert_eq!(serde_json::to_string(&body).unwrap(), r#"{"url":"https://x","events":["message","failed"]}"#);
    }
}
