//! The [`Client`]: base URL, bearer token, timeouts, and the plumbing every route shares.

use std::fmt;
use std::io::Read;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::{Error, Result};

/// Default overall timeout of one request.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Default connect timeout.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default longest silence on an event stream before it reconnects (the server sends a keep-alive every 15 s).
pub const DEFAULT_STREAM_IDLE_TIMEOUT: Duration = Duration::from_secs(60);

/// A blocking client for one bot's admin API.
///
/// Cheap to clone (clones share the connection pool) and usable from several threads at once.
/// Its `Debug` output never shows the token.
///
/// # Examples
///
/// ```no_run
/// use wakubot_client::Client;
///
/// let client = Client::new("http://127.0.0.1:8080", std::env::var("WAKUBOT_ADMIN_TOKEN").unwrap())?;
/// println!("{}", client.account()?.account);
/// # Ok::<(), wakubot_client::Error>(())
/// ```
#[derive(Clone)]
pub struct Client {
    base: String,
    token: String,
    timeout: Duration,
    connect_timeout: Duration,
    stream_idle_timeout: Duration,
    agent: ureq::Agent,
    stream_agent: ureq::Agent,
}

/// Options for a [`Client`]; start with [`Client::builder`].
///
/// ```no_run
/// use std::time::Duration;
/// use wakubot_client::Client;
///
/// let client = Client::builder("http://127.0.0.1:8080", "my-admin-token")
///     .timeout(Duration::from_secs(5))
///     .connect_timeout(Duration::from_secs(2))
///     .build()?;
/// # Ok::<(), wakubot_client::Error>(())
/// ```
pub struct ClientBuilder {
    base: String,
    token: String,
    timeout: Duration,
    connect_timeout: Duration,
    stream_idle_timeout: Duration,
    user_agent: String,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("base_url", &self.base)
            .field("token", &"<redacted>")
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("stream_idle_timeout", &self.stream_idle_timeout)
            .field("user_agent", &self.user_agent)
            .finish()
    }
}

impl ClientBuilder {
    /// Overall timeout of one request, connect to last byte (default 30 s). Does not apply to event streams.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Connect timeout (default 10 s), also for event streams.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Longest silence an event stream tolerates before it reconnects (default 60 s; the server sends a
    /// keep-alive comment every 15 s, so a silent connection is a dead one).
    pub fn stream_idle_timeout(mut self, timeout: Duration) -> Self {
        self.stream_idle_timeout = timeout;
        self
    }

    /// The `User-Agent` header (default `wakubot-client-rust/<version>`).
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// Checks the base URL and token and builds the client. Nothing is sent yet.
    pub fn build(self) -> Result<Client> {
        let base = self.base.trim().trim_end_matches('/').to_string();
        let lower = base.to_ascii_lowercase();
        let rest = if let Some(rest) = lower.strip_prefix("http://") {
            rest
        } else if let Some(rest) = lower.strip_prefix("https://") {
            rest
        } else {
            return Err(Error::InvalidArgument(format!("base URL must start with http:// or https://, got {base:?}")));
        };
        if rest.is_empty() || base.contains(|c: char| c.is_whitespace() || c.is_control() || c == '?' || c == '#') {
            return Err(Error::InvalidArgument(format!("base URL {base:?} is not a plain http(s) URL")));
        }
        if cfg!(not(feature = "tls")) && lower.starts_with("https://") {
            return Err(Error::InvalidArgument("https:// needs the crate's `tls` feature (on by default)".into()));
        }
        if self.token.is_empty() || !self.token.bytes().all(|b| (0x21..=0x7e).contains(&b)) {
            // Never echo the token itself.
            return Err(Error::InvalidArgument(
                "token must be non-empty visible ASCII (no spaces or control characters)".into(),
            ));
        }
        let agent = ureq::AgentBuilder::new()
            .timeout_connect(self.connect_timeout)
            .timeout(self.timeout)
            .redirects(0)
            .user_agent(&self.user_agent)
            .build();
        let stream_agent = ureq::AgentBuilder::new()
            .timeout_connect(self.connect_timeout)
            .timeout_read(self.stream_idle_timeout)
            .timeout_write(self.timeout)
            .redirects(0)
            .user_agent(&self.user_agent)
            .build();
        Ok(Client {
            base,
            token: self.token,
            timeout: self.timeout,
            connect_timeout: self.connect_timeout,
            stream_idle_timeout: self.stream_idle_timeout,
            agent,
            stream_agent,
        })
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.base)
            .field("token", &"<redacted>")
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("stream_idle_timeout", &self.stream_idle_timeout)
            .finish()
    }
}

/// A 2xx answer, read in full.
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) body: Vec<u8>,
    /// `idempotent-replayed: true`: the server answered from its idempotency record and did nothing new.
    pub(crate) replayed: bool,
}

impl Answer {
    pub(crate) fn json<T: DeserializeOwned>(&self) -> Result<T> {
        serde_json::from_slice(&self.body)
            .map_err(|e| Error::Decode(format!("{e} in a {} answer: {}", self.status, snippet(&self.body))))
    }
}

fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let mut s: String = text.chars().take(200).collect();
    if text.chars().count() > 200 {
        s.push('…');
    }
    s
}

/// Largest answer body read (1 GiB): a guard against a misbehaving server, far above any real answer.
const MAX_ANSWER: u64 = 1 << 30;

impl Client {
    /// A client for the admin API at `base_url` (e.g. `http://127.0.0.1:8080`, the `admin` address of the bot's
    /// `ready` event), authenticating with `token`. Default timeouts; see [`Client::builder`] to change them.
    ///
    /// Fails only on an argument that cannot work (not `http(s)://`, a token with spaces or control characters).
    ///
    /// ```no_run
    /// let client = wakubot_client::Client::new("http://127.0.0.1:8080", "my-admin-token")?;
    /// assert_eq!(client.health()?.status, "ok");
    /// # Ok::<(), wakubot_client::Error>(())
    /// ```
    pub fn new(base_url: impl Into<String>, token: impl Into<String>) -> Result<Client> {
        Client::builder(base_url, token).build()
    }

    /// A [`ClientBuilder`] to set timeouts or the user agent.
    ///
    /// ```no_run
    /// let client = wakubot_client::Client::builder("http://127.0.0.1:8080", "my-admin-token")
    ///     .timeout(std::time::Duration::from_secs(10))
    ///     .build()?;
    /// # Ok::<(), wakubot_client::Error>(())
    /// ```
    pub fn builder(base_url: impl Into<String>, token: impl Into<String>) -> ClientBuilder {
        ClientBuilder {
            base: base_url.into(),
            token: token.into(),
            timeout: DEFAULT_TIMEOUT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            stream_idle_timeout: DEFAULT_STREAM_IDLE_TIMEOUT,
            user_agent: concat!("wakubot-client-rust/", env!("CARGO_PKG_VERSION")).to_string(),
        }
    }

    /// The base URL, without a trailing slash.
    ///
    /// ```
    /// let client = wakubot_client::Client::new("http://127.0.0.1:8080/", "my-admin-token")?;
    /// assert_eq!(client.base_url(), "http://127.0.0.1:8080");
    /// # Ok::<(), wakubot_client::Error>(())
    /// ```
    pub fn base_url(&self) -> &str {
        &self.base
    }

    fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// Sends a request and reads the whole answer; non-2xx answers become [`Error::Api`].
    pub(crate) fn call(
        &self,
        method: &str,
        path: &str,
        body: Option<String>,
        idempotency_key: Option<&str>,
        authenticated: bool,
    ) -> Result<Answer> {
        let mut request = self.agent.request(method, &self.url(path)).set("Accept", "application/json");
        if authenticated {
            request = request.set("Authorization", &format!("Bearer {}", self.token));
        }
        if let Some(key) = idempotency_key {
            check_idempotency_key(key)?;
            request = request.set("Idempotency-Key", key);
        }
        let result = match body {
            Some(body) => request.set("Content-Type", "application/json").send_string(&body),
            None => request.call(),
        };
        let response = match result {
            Ok(r) => r,
            Err(ureq::Error::Status(_, r)) => r,
            Err(ureq::Error::Transport(t)) => return Err(Error::Transport(t.to_string())),
        };
        let status = response.status();
        let replayed =
            response.header("idempotent-replayed").map(|v| v.trim().eq_ignore_ascii_case("true")).unwrap_or(false);
        let mut bytes = Vec::new();
        response
            .into_reader()
            .take(MAX_ANSWER)
            .read_to_end(&mut bytes)
            .map_err(|e| Error::Transport(format!("reading the answer to {method} {path}: {e}")))?;
        if !(200..300).contains(&status) {
            return Err(Error::from_answer(status, &bytes));
        }
        Ok(Answer { status, body: bytes, replayed })
    }

    /// `GET path` with the token, decoded as JSON.
    pub(crate) fn get_json<T: DeserializeOwned>(&self, path: &str) -> Result<T> {
        self.call("GET", path, None, None, true)?.json()
    }

    /// A request with a JSON body (or none) and the token.
    pub(crate) fn send_json<B: Serialize + ?Sized>(
        &self,
        method: &str,
        path: &str,
        body: Option<&B>,
        idempotency_key: Option<&str>,
    ) -> Result<Answer> {
        let body = match body {
            Some(b) => {
                Some(serde_json::to_string(b).map_err(|e| Error::InvalidArgument(format!("cannot encode body: {e}")))?)
            }
            None => None,
        };
        self.call(method, path, body, idempotency_key, true)
    }

    /// Opens `GET path` as a long-lived stream (no overall timeout; the idle timeout applies) and returns the body.
    pub(crate) fn open_stream(
        &self,
        path: &str,
        last_event_id: Option<&str>,
    ) -> Result<Box<dyn Read + Send + Sync + 'static>> {
        let mut request = self
            .stream_agent
            .get(&self.url(path))
            .set("Accept", "text/event-stream")
            .set("Cache-Control", "no-cache")
            .set("Authorization", &format!("Bearer {}", self.token));
        if let Some(id) = last_event_id {
            if !id.is_empty() && id.bytes().all(|b| (0x20..0x7f).contains(&b)) {
                request = request.set("Last-Event-ID", id);
            }
        }
        let response = match request.call() {
            Ok(r) => r,
            Err(ureq::Error::Status(status, r)) => {
                let mut bytes = Vec::new();
                let _ = r.into_reader().take(1 << 20).read_to_end(&mut bytes);
                return Err(Error::from_answer(status, &bytes));
            }
            Err(ureq::Error::Transport(t)) => return Err(Error::Transport(t.to_string())),
        };
        let status = response.status();
        if !(200..300).contains(&status) {
            let mut bytes = Vec::new();
            let _ = response.into_reader().take(1 << 20).read_to_end(&mut bytes);
            return Err(Error::from_answer(status, &bytes));
        }
        let content_type = response.content_type().to_ascii_lowercase();
        if content_type != "text/event-stream" {
            return Err(Error::Decode(format!("expected text/event-stream, got {content_type:?}")));
        }
        Ok(response.into_reader())
    }
}

fn check_idempotency_key(key: &str) -> Result<()> {
    if key.is_empty() || key.len() > 200 || !key.bytes().all(|b| (0x21..=0x7e).contains(&b)) {
        return Err(Error::InvalidArgument("Idempotency-Key must be 1–200 visible ASCII characters".into()));
    }
    Ok(())
}

/// A fresh random idempotency key: 32 hex characters (128 bits from the OS's random source).
///
/// Request builders ([`crate::SendMessage`]) draw one when they are made, so retrying the same value reuses it; call
/// this to make your own, e.g. to store it with a job before the first attempt.
///
/// ```
/// let key = wakubot_client::new_idempotency_key();
/// assert_eq!(key.len(), 32);
/// assert_ne!(key, wakubot_client::new_idempotency_key());
/// ```
pub fn new_idempotency_key() -> String {
    let mut bytes = [0u8; 16];
    if getrandom::getrandom(&mut bytes).is_err() {
        // No OS randomness (exotic targets): mix time, a counter and the process id. Unique, if not secret;
        // idempotency keys only need to be unique.
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
        h.update(now.as_nanos().to_le_bytes());
        h.update(COUNTER.fetch_add(1, Ordering::Relaxed).to_le_bytes());
        h.update(std::process::id().to_le_bytes());
        bytes.copy_from_slice(&h.finalize()[..16]);
    }
    crate::webhooks::to_hex(&bytes)
}

/// Percent-encodes one path segment or query value (everything but `A–Z a–z 0–9 - . _ ~` and `:`).
pub(crate) fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b':') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Builds `?a=1&b=2` from the pairs that have a value ("" when none).
pub(crate) fn query(pairs: &[(&str, Option<String>)]) -> String {
    let mut out = String::new();
    for (name, value) in pairs {
        if let Some(v) = value {
            out.push(if out.is_empty() { '?' } else { '&' });
            out.push_str(name);
            out.push('=');
            out.push_str(&encode(v));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_token() {
        let token = "wbt_SuperSecretTokenValue_1234567890abcdefghij";
        let client = Client::new("http://127.0.0.1:8080/", token).unwrap();
        let debug = format!("{client:?}");
        assert!(!debug.contains(token), "{debug}");
        assert!(!debug.contains("SuperSecret"), "{debug}");
        assert!(debug.contains("<redacted>"));
        assert!(debug.contains("http://127.0.0.1:8080"));
        let pretty = format!("{client:#?}");
        assert!(!pretty.contains("SuperSecret"));
        let builder = format!("{:?}", Client::builder("http://x", token));
        assert!(!builder.contains("SuperSecret"));
    }

    #[test]
    fn rejects_bad_arguments_without_echoing_the_token() {
        let e = Client::new("127.0.0.1:8080", "tokentokentokentoken").unwrap_err();
        assert!(matches!(e, Error::InvalidArgument(_)));
        let e = Client::new("http://127.0.0.1:8080", "secret with space").unwrap_err();
        assert!(!e.to_string().contains("secret"));
        assert!(!format!("{e:?}").contains("secret with"));
        assert!(Client::new("http://", "abc").is_err());
        assert_eq!(Client::new("https://bot.example/admin/", "abc").is_ok(), cfg!(feature = "tls"));
    }

    #[test]
    fn encodes_paths_and_queries() {
        assert_eq!(encode("cAbC:0123"), "cAbC:0123");
        assert_eq!(encode("a/b?c d"), "a%2Fb%3Fc%20d");
        assert_eq!(
            query(&[("limit", Some("5".into())), ("before", None), ("types", Some("a,b".into()))]),
            "?limit=5&types=a%2Cb"
        );
        assert_eq!(query(&[("x", None)]), "");
    }

    #[test]
    fn idempotency_keys_are_valid_and_distinct() {
        let a = new_idempotency_key();
        assert!(check_idempotency_key(&a).is_ok());
        assert_ne!(a, new_idempotency_key());
        assert!(check_idempotency_key("").is_err());
        assert!(check_idempotency_key("has space").is_err());
        assert!(check_idempotency_key(&"k".repeat(201)).is_err());
    }
}
