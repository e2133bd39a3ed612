//! The server-sent events wire format (WHATWG HTML §9.2): `id:`, `event:`, `data:` (several lines join with
//! `\n`), `retry:`, comments (`: keep-alive`), lines ending in LF, CRLF or CR. Used by [`crate::EventStream`];
//! public for tests and other streams.

use std::io::{self, BufRead};
use std::time::Duration;

/// One dispatched event.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SseEvent {
    /// The last event id at dispatch (the `id:` of this event or an earlier one; `""` if none was ever set).
    pub id: String,
    /// The `event:` type, `message` when none was given.
    pub event: String,
    /// The `data:` lines joined with `\n`.
    pub data: String,
}

/// A push parser: feed it lines (without their terminator), get events on blank lines.
///
/// ```
/// use wakubot_client::sse::SseParser;
///
/// let mut p = SseParser::new();
/// let mut got = Vec::new();
/// for line in ["id: 7", "event: delivered", ": keep-alive", "data: {\"a\":", "data: 1}", ""] {
///     got.extend(p.push_line(line));
/// }
/// assert_eq!(got.len(), 1);
/// assert_eq!(got[0].id, "7");
/// assert_eq!(got[0].event, "delivered");
/// assert_eq!(got[0].data, "{\"a\":\n1}");
/// ```
#[derive(Debug, Clone, Default)]
pub struct SseParser {
    data: String,
    has_data: bool,
    event: String,
    last_id: String,
    retry: Option<Duration>,
}

impl SseParser {
    /// An empty parser.
    pub fn new() -> Self {
        Self::default()
    }

    /// The last event id seen (what a reconnect sends as `Last-Event-ID`).
    pub fn last_event_id(&self) -> &str {
        &self.last_id
    }

    /// The reconnection delay the server asked for with `retry:`, if it did.
    pub fn retry(&self) -> Option<Duration> {
        self.retry
    }

    /// Feeds one line; returns an event when the line is blank and data is pending.
    pub fn push_line(&mut self, line: &str) -> Option<SseEvent> {
        if line.is_empty() {
            return self.dispatch();
        }
        if line.starts_with(':') {
            return None; // a comment
        }
        let (field, value) = match line.find(':') {
            Some(i) => {
                let v = &line[i + 1..];
                (&line[..i], v.strip_prefix(' ').unwrap_or(v))
            }
            None => (line, ""),
        };
        match field {
            "data" => {
                if self.has_data {
                    self.data.push('\n');
                }
                self.data.push_str(value);
                self.has_data = true;
            }
            "event" => self.event = value.to_string(),
            "id" if !value.contains('\0') => self.last_id = value.to_string(),
            "retry" if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) => {
                if let Ok(ms) = value.parse::<u64>() {
                    self.retry = Some(Duration::from_millis(ms));
                }
            }
            _ => {}
        }
        None
    }

    fn dispatch(&mut self) -> Option<SseEvent> {
        let event = std::mem::take(&mut self.event);
        if !self.has_data {
            return None;
        }
        self.has_data = false;
        Some(SseEvent {
            id: self.last_id.clone(),
            event: if event.is_empty() { "message".to_string() } else { event },
            data: std::mem::take(&mut self.data),
        })
    }
}

/// Splits a byte stream into lines ending in LF, CRLF or CR, without blocking for the byte after a CR.
/// Invalid UTF-8 becomes U+FFFD.
#[derive(Debug)]
pub struct LineReader<R> {
    inner: R,
    skip_lf: bool,
}

impl<R: BufRead> LineReader<R> {
    /// Wraps a buffered reader.
    pub fn new(inner: R) -> Self {
        LineReader { inner, skip_lf: false }
    }

    /// The next line without its terminator; `None` at the end of the stream (a last unterminated line is
    /// returned first).
    pub fn next_line(&mut self) -> io::Result<Option<String>> {
        let mut line: Vec<u8> = Vec::new();
        loop {
            let buf = match self.inner.fill_buf() {
                Ok(b) => b,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if buf.is_empty() {
                return Ok(if line.is_empty() { None } else { Some(String::from_utf8_lossy(&line).into_owned()) });
            }
            let mut start = 0;
            if self.skip_lf {
                self.skip_lf = false;
                if buf[0] == b'\n' {
                    start = 1;
                }
            }
            match buf[start..].iter().position(|&b| b == b'\n' || b == b'\r') {
                Some(i) => {
                    let end = start + i;
                    line.extend_from_slice(&buf[start..end]);
                    let cr = buf[end] == b'\r';
                    let mut used = end + 1;
                    if cr {
                        if used < buf.len() {
                            if buf[used] == b'\n' {
                                used += 1;
                            }
                        } else {
                            self.skip_lf = true;
                        }
                    }
                    self.inner.consume(used);
                    return Ok(Some(String::from_utf8_lossy(&line).into_owned()));
                }
                None => {
                    line.extend_from_slice(&buf[start..]);
                    let n = buf.len();
                    self.inner.consume(n);
                }
            }
        }
    }
}

/// Parses a whole SSE text at once (for tests and recorded streams). An event without its closing blank line is
/// not dispatched, as in a browser.
///
/// ```
/// let events = wakubot_client::sse::parse_str("id: 1\ndata: a\n\n: ping\n\nid: 2\ndata: b\ndata: c\n\n");
/// assert_eq!(events.len(), 2);
/// assert_eq!(events[1].data, "b\nc");
/// ```
pub fn parse_str(text: &str) -> Vec<SseEvent> {
    let mut reader = LineReader::new(text.as_bytes());
    let mut parser = SseParser::new();
    let mut out = Vec::new();
    while let Ok(Some(line)) = reader.next_line() {
        out.extend(parser.push_line(&line));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_shaped_stream() {
        let text = "id: 42\nevent: delivered\ndata: {\"id\":42,\"type\":\"delivered\",\"createdAt\":1,\"data\":{}}\n\n: keep-alive\n\n";
        let events = parse_str(text);
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].id, "42");
        assert_eq!(events[0].event, "delivered");
        assert!(events[0].data.starts_with("{\"id\":42"));
    }

    #[test]
    fn multi_line_data_and_comments() {
        let text = ": hello\ndata: first\n: in between\ndata:second\ndata\ndata:  two spaces\n\n";
        let events = parse_str(text);
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].data, "first\nsecond\n\n two spaces");
        assert_eq!(events[0].event, "message");
        assert_eq!(events[0].id, "");
    }

    #[test]
    fn crlf_and_cr_line_endings() {
        let events = parse_str("id: 1\r\ndata: a\r\n\r\nid: 2\rdata: b\r\rdata: c\n\n");
        assert_eq!(
            events.iter().map(|e| (e.id.as_str(), e.data.as_str())).collect::<Vec<_>>(),
            vec![("1", "a"), ("2", "b"), ("2", "c")]
        );
    }

    #[test]
    fn cr_at_buffer_boundary_does_not_block_or_double_count() {
        // A reader that hands out one byte at a time puts every CR at the end of a buffer.
        struct OneByte<'a>(&'a [u8]);
        impl io::Read for OneByte<'_> {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                if self.0.is_empty() || buf.is_empty() {
                    return Ok(0);
                }
                buf[0] = self.0[0];
                self.0 = &self.0[1..];
                Ok(1)
            }
        }
        let src = b"data: x\r\n\r\ndata: y\r\r";
        let mut r = LineReader::new(io::BufReader::with_capacity(1, OneByte(src)));
        let mut lines = Vec::new();
        while let Some(l) = r.next_line().unwrap() {
            lines.push(l);
        }
        assert_eq!(lines, vec!["data: x", "", "data: y", ""]);
    }

    #[test]
    fn id_persists_retry_parses_and_empty_data_is_not_dispatched() {
        let events = parse_str("id: 5\nretry: 2500\n\nevent: x\n\ndata: a\n\nid\ndata: b\n\nid: bad\0id\ndata: c\n\n");
        assert_eq!(events.len(), 3);
        assert_eq!(events[0].id, "5");
        assert_eq!(events[0].event, "message", "event type resets after a dispatch without data");
        assert_eq!(events[1].id, "", "a bare `id` resets the id");
        assert_eq!(events[2].id, "", "an id with NUL is ignored");
        let mut p = SseParser::new();
        p.push_line("retry: 2500");
        assert_eq!(p.retry(), Some(Duration::from_millis(2500)));
        p.push_line("retry: soon");
        assert_eq!(p.retry(), Some(Duration::from_millis(2500)));
    }

    #[test]
    fn unterminated_event_is_dropped_and_utf8_survives() {
        let events = parse_str("data: héllo 👋\n\ndata: never dispatched");
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].data, "héllo 👋");
    }
}
