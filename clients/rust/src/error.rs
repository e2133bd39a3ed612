//! Errors: the API's own `{"error":{"code","message"}}` answers, and what can go wrong around them.

use std::fmt;

use serde::Deserialize;

/// Everything a call can fail with.
///
/// The bearer token never appears in an error, in its `Display` or in its `Debug` output.
///
/// # Examples
///
/// ```no_run
/// use wakubot_client::{Client, Error};
///
/// let client = Client::new("http://127.0.0.1:8080", "my-admin-token")?;
/// match client.invite(999) {
///     Err(Error::Api { status: 404, code, .. }) => println!("no such invite ({code})"),
///     Err(e) => return Err(e),
///     Ok(invite) => println!("{:?}", invite.status),
/// }
/// # Ok::<(), Error>(())
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The API answered with an error status and (usually) a JSON error body `{"error":{"code","message"}}`.
    ///
    /// `code` is the API's machine-readable code (`unauthorized`, `not_found`, `invalid_argument`,
    /// `idempotency_conflict`, `rate_limited`, `invite_expired`, … see docs/admin.md). When the body is not the
    /// API's error shape (a proxy's HTML page, say), `code` is `http_<status>` and `message` is the start of the
    /// body.
    Api {
        /// HTTP status, e.g. 404.
        status: u16,
        /// Machine-readable code, e.g. `not_found`.
        code: String,
        /// Human-readable explanation from the server.
        message: String,
    },
    /// The request did not get an answer: connection refused, DNS, TLS, timeout, a connection cut mid-answer.
    Transport(String),
    /// The answer arrived but is not what the API documents (JSON that does not fit the expected shape).
    Decode(String),
    /// A bad argument caught before anything was sent (a base URL without `http://`, a token with control
    /// characters, malformed hex).
    InvalidArgument(String),
}

impl Error {
    /// The API's error code (`not_found`, …) for [`Error::Api`], else `None`.
    ///
    /// ```
    /// # use wakubot_client::Error;
    /// let e = Error::Api { status: 401, code: "unauthorized".into(), message: "no".into() };
    /// assert_eq!(e.code(), Some("unauthorized"));
    /// ```
    pub fn code(&self) -> Option<&str> {
        match self {
            Error::Api { code, .. } => Some(code),
            _ => None,
        }
    }

    /// The HTTP status for [`Error::Api`], else `None`.
    ///
    /// ```
    /// # use wakubot_client::Error;
    /// let e = Error::Api { status: 404, code: "not_found".into(), message: "no invite 9".into() };
    /// assert_eq!(e.status(), Some(404));
    /// ```
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Whether repeating the same request later may succeed: transport failures, `429 rate_limited` and 503s.
    /// Repeat creating requests (connect, send) with the same idempotency key so nothing is done twice.
    ///
    /// ```
    /// # use wakubot_client::Error;
    /// assert!(Error::Transport("connection refused".into()).is_retryable());
    /// assert!(!Error::Api { status: 400, code: "invalid_argument".into(), message: "".into() }.is_retryable());
    /// ```
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Transport(_) => true,
            Error::Api { status, .. } => *status == 429 || *status == 503 || *status == 502 || *status == 504,
            _ => false,
        }
    }

    /// Builds the error for a non-2xx answer from its status and raw body.
    pub(crate) fn from_answer(status: u16, body: &[u8]) -> Error {
        #[derive(Deserialize)]
        struct Envelope {
            error: Inner,
        }
        #[derive(Deserialize)]
        struct Inner {
            code: String,
            #[serde(default)]
            message: String,
        }
        match serde_json::from_slice::<Envelope>(body) {
            Ok(e) => Error::Api { status, code: e.error.code, message: e.error.message },
            Err(_) => {
                let text = String::from_utf8_lossy(body);
                let mut message: String = text.trim().chars().take(200).collect();
                if message.is_empty() {
                    message = format!("HTTP {status} without an error body");
                }
                Error::Api { status, code: format!("http_{status}"), message }
            }
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Api { status, code, message } => write!(f, "wakubot API error {status} {code}: {message}"),
            Error::Transport(m) => write!(f, "wakubot API unreachable: {m}"),
            Error::Decode(m) => write!(f, "unexpected answer from the wakubot API: {m}"),
            Error::InvalidArgument(m) => write!(f, "invalid argument: {m}"),
        }
    }
}

impl std::error::Error for Error {}

/// A shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_api_error_body() {
        let e = Error::from_answer(404, br#"{"error":{"code":"not_found","message":"no invite 999"}}"#);
        match e {
            Error::Api { status, code, message } => {
                assert_eq!(status, 404);
                assert_eq!(code, "not_found");
                assert_eq!(message, "no invite 999");
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn tolerates_extra_fields_and_missing_message() {
        let e = Error::from_answer(409, br#"{"error":{"code":"idempotency_conflict","details":1},"x":2}"#);
        assert_eq!(e.code(), Some("idempotency_conflict"));
        assert_eq!(e.status(), Some(409));
    }

    #[test]
    fn non_json_error_body_gets_http_code() {
        let e = Error::from_answer(502, b"<html>Bad Gateway</html>");
        match &e {
            Error::Api { status: 502, code, message } => {
                assert_eq!(code, "http_502");
                assert_eq!(message, "<html>Bad Gateway</html>");
            }
            other => panic!("unexpected {other:?}"),
        }
        assert!(e.is_retryable());
        let empty = Error::from_answer(500, b"");
        assert_eq!(empty.code(), Some("http_500"));
        assert_eq!(empty.to_string(), "wakubot API error 500 http_500: HTTP 500 without an error body");
    }

    #[test]
    fn display_is_readable() {
        let e =
            Error::Api { status: 401, code: "unauthorized".into(), message: "missing or wrong bearer token".into() };
        assert_eq!(e.to_string(), "wakubot API error 401 unauthorized: missing or wrong bearer token");
        assert_eq!(Error::Transport("x".into()).code(), None);
    }
}
