//! Messages: send a text (with priority, reply-to and an idempotency key), list a conversation's messages, look
//! one up.

use serde::{Deserialize, Serialize};

use crate::client::{encode, new_idempotency_key, query, Client};
use crate::error::Result;

string_enum! {
    /// How urgently a message goes out through the rate limit (docs/rate-limit.md).
    pub enum Priority {
        /// May use the reserve; goes first.
        Critical = "critical",
        /// The default.
        Normal = "normal",
        /// Dropped rather than delayed when the quota runs low.
        Optional = "optional",
    }
}

string_enum! {
    /// Which way a message went.
    pub enum Direction {
        /// Received from the peer.
        In = "in",
        /// Sent by this bot.
        Out = "out",
    }
}

string_enum! {
    /// Where a message stands. Out: `queued → sent → delivered → read`, or `dropped` / `failed`.
    /// In: `received → handled`.
    pub enum MessageStatus {
        /// Waiting in the send queue.
        Queued = "queued",
        /// Published, not yet acknowledged.
        Sent = "sent",
        /// The peer acknowledged it.
        Delivered = "delivered",
        /// The peer read it.
        Read = "read",
        /// Dropped by the rate limit.
        Dropped = "dropped",
        /// Failed; [`Message::error`] says why.
        Failed = "failed",
        /// Inbound, not yet handled.
        Received = "received",
        /// Inbound and handled.
        Handled = "handled",
    }
}

/// One message, either direction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Message {
    /// `<conversation>:<16 hex>`.
    pub id: String,
    /// The conversation id.
    pub conversation: String,
    /// `in` or `out`.
    pub direction: Direction,
    /// Payload type (`text`, `reply`, …).
    #[serde(rename = "type")]
    pub kind: String,
    /// The text, for `text` and `reply` payloads.
    pub text: Option<String>,
    /// Delivery status.
    pub status: MessageStatus,
    /// Why it failed, if it did.
    pub error: Option<String>,
    /// Sequence number in the conversation.
    pub seq: Option<i64>,
    /// Send priority (outbound).
    pub priority: Option<Priority>,
    /// Created, ms since the Unix epoch.
    pub created_at: i64,
    /// Sent, ms since the Unix epoch.
    pub sent_at: Option<i64>,
    /// Delivered, ms since the Unix epoch.
    pub delivered_at: Option<i64>,
    /// Read, ms since the Unix epoch.
    pub read_at: Option<i64>,
    /// Received (inbound), ms since the Unix epoch.
    pub received_at: Option<i64>,
}

/// A text to send, with its options and idempotency key.
///
/// A random idempotency key is drawn when the value is made, so sending the **same** `SendMessage` again (after a
/// timeout, say) is answered from the server's record instead of sending twice.
///
/// ```
/// use wakubot_client::{Priority, SendMessage};
///
/// let msg = SendMessage::new("disk almost full").priority(Priority::Critical);
/// assert_eq!(msg.idempotency_key().map(str::len), Some(32));
/// let fixed = SendMessage::new("hi").with_idempotency_key("job-42");
/// assert_eq!(fixed.idempotency_key(), Some("job-42"));
/// assert_eq!(SendMessage::new("hi").without_idempotency_key().idempotency_key(), None);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendMessage {
    text: String,
    priority: Option<Priority>,
    reply_to: Option<String>,
    idempotency_key: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SendBody<'a> {
    text: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    priority: Option<&'a Priority>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reply_to: Option<&'a str>,
}

impl SendMessage {
    /// A text with the server's default priority (`normal`) and a fresh random idempotency key.
    pub fn new(text: impl Into<String>) -> Self {
        SendMessage { text: text.into(), priority: None, reply_to: None, idempotency_key: Some(new_idempotency_key()) }
    }
    /// Sets the priority.
    pub fn priority(mut self, priority: Priority) -> Self {
        self.priority = Some(priority);
        self
    }
    /// Sends it as a reply to the message with this id (`<conversation>:<16 hex>`).
    pub fn reply_to(mut self, message_id: impl Into<String>) -> Self {
        self.reply_to = Some(message_id.into());
        self
    }
    /// Uses this idempotency key (1–200 visible ASCII characters) instead of the random one.
    pub fn with_idempotency_key(mut self, key: impl Into<String>) -> Self {
        self.idempotency_key = Some(key.into());
        self
    }
    /// Sends without an idempotency key: a retry may send the text twice.
    pub fn without_idempotency_key(mut self) -> Self {
        self.idempotency_key = None;
        self
    }
    /// The text.
    pub fn text(&self) -> &str {
        &self.text
    }
    /// The idempotency key that goes with it, if any.
    pub fn idempotency_key(&self) -> Option<&str> {
        self.idempotency_key.as_deref()
    }
}

/// `POST /v1/conversations/{id}/messages`'s answer: the message is queued.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SentMessage {
    /// The new message's id; follow it with [`Client::message`] or the event stream.
    pub id: String,
    /// The conversation id.
    pub conversation: String,
    /// Status when queued (`queued`, or further along).
    pub status: MessageStatus,
    /// True when the server answered from its idempotency record (a repeat of an earlier send; nothing new was
    /// sent).
    #[serde(skip)]
    pub replayed: bool,
}

#[derive(Deserialize)]
struct MessageList {
    messages: Vec<Message>,
}

impl Client {
    /// `POST /v1/conversations/{id}/messages`: queues a text through the rate limit.
    ///
    /// Sends the message's idempotency key (see [`SendMessage`]); a retry of the same `SendMessage` gets the first
    /// answer again with [`SentMessage::replayed`] set. Reusing a key for a different text is
    /// `409 idempotency_conflict`.
    ///
    /// ```no_run
    /// use wakubot_client::{Priority, SendMessage};
    /// # let client = wakubot_client::Client::new("http://127.0.0.1:8080", "my-admin-token")?;
    /// let msg = SendMessage::new("deploy finished").priority(Priority::Critical);
    /// let sent = match client.send("cAbCdEfGhIjKlMnOp", &msg) {
    ///     Err(e) if e.is_retryable() => client.send("cAbCdEfGhIjKlMnOp", &msg)?, // same key: not sent twice
    ///     other => other?,
    /// };
    /// println!("{} is {}", sent.id, sent.status);
    /// # Ok::<(), wakubot_client::Error>(())
    /// ```
    pub fn send(&self, conversation: &str, message: &SendMessage) -> Result<SentMessage> {
        let body = SendBody {
            text: &message.text,
            priority: message.priority.as_ref(),
            reply_to: message.reply_to.as_deref(),
        };
        let path = format!("/v1/conversations/{}/messages", encode(conversation));
        let answer = self.send_json("POST", &path, Some(&body), message.idempotency_key.as_deref())?;
        let mut sent: SentMessage = answer.json()?;
        sent.replayed = answer.replayed;
        Ok(sent)
    }

    /// Sends a plain text at normal priority (with a random idempotency key). Shorthand for
    /// `send(conversation, &SendMessage::new(text))`.
    ///
    /// ```no_run
    /// # let client = wakubot_client::Client::new("http://127.0.0.1:8080", "my-admin-token")?;
    /// client.send_text("cAbCdEfGhIjKlMnOp", "hello")?;
    /// # Ok::<(), wakubot_client::Error>(())
    /// ```
    pub fn send_text(&self, conversation: &str, text: &str) -> Result<SentMessage> {
        self.send(conversation, &SendMessage::new(text))
    }

    /// `GET /v1/conversations/{id}/messages`: newest first. `limit` 1–200 (server default 50); `before` (ms since
    /// the Unix epoch) pages back by `created_at`.
    ///
    /// ```no_run
    /// # let client = wakubot_client::Client::new("http://127.0.0.1:8080", "my-admin-token")?;
    /// let page = client.messages("cAbCdEfGhIjKlMnOp", Some(50), None)?;
    /// if let Some(oldest) = page.last() {
    ///     let older = client.messages("cAbCdEfGhIjKlMnOp", Some(50), Some(oldest.created_at))?;
    /// }
    /// # Ok::<(), wakubot_client::Error>(())
    /// ```
    pub fn messages(&self, conversation: &str, limit: Option<u32>, before: Option<i64>) -> Result<Vec<Message>> {
        let q = query(&[("limit", limit.map(|v| v.to_string())), ("before", before.map(|v| v.to_string()))]);
        let path = format!("/v1/conversations/{}/messages{q}", encode(conversation));
        Ok(self.get_json::<MessageList>(&path)?.messages)
    }

    /// `GET /v1/messages/{id}`: one message, either direction, with its status.
    ///
    /// ```no_run
    /// # let client = wakubot_client::Client::new("http://127.0.0.1:8080", "my-admin-token")?;
    /// let m = client.message("cAbCdEfGhIjKlMnOp:0123456789abcdef")?;
    /// println!("{} delivered at {:?}", m.status, m.delivered_at);
    /// # Ok::<(), wakubot_client::Error>(())
    /// ```
    pub fn message(&self, id: &str) -> Result<Message> {
        self.get_json(&format!("/v1/messages/{}", encode(id)))
    }

    /// Alias of [`Client::message`].
    pub fn get_message(&self, id: &str) -> Result<Message> {
        self.message(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn send_body_shape() {
        let m = SendMessage::new("hi").priority(Priority::Critical).reply_to("cAbCdEfGhIjKlMnOp:0123456789abcdef");
        let body = SendBody { text: &m.text, priority: m.priority.as_ref(), reply_to: m.reply_to.as_deref() };
        assert_eq!(
            serde_json::to_string(&body).unwrap(),
            r#"{"text":"hi","priority":"critical","replyTo":"cAbCdEfGhIjKlMnOp:0123456789abcdef"}"#
        );
        let plain = SendMessage::new("x");
        let body = SendBody { text: &plain.text, priority: None, reply_to: None };
        assert_eq!(serde_json::to_string(&body).unwrap(), r#"{"text":"x"}"#);
    }

    #[test]
    fn each_message_gets_its_own_key_and_clones_keep_it() {
        let a = SendMessage::new("x");
        let b = SendMessage::new("x");
        assert_ne!(a.idempotency_key(), b.idempotency_key());
        assert_eq!(a.clone().idempotency_key(), a.idempotency_key());
    }

    #[test]
    fn decodes_message() {
        let json = r#"{ "id": "cAbCdEfGhIjKlMnOp:0123456789abcdef", "conversation": "cAbCdEfGhIjKlMnOp", "direction": "out",
          "type": "text", "text": "hello", "status": "delivered", "error": null, "seq": 4, "priority": "normal",
          "createdAt": 1795320000000, "sentAt": 1795320000050, "deliveredAt": 1795320000900, "readAt": null,
          "receivedAt": null }"#;
        let m: Message = serde_json::from_str(json).unwrap();
        assert_eq!(m.direction, Direction::Out);
        assert_eq!(m.kind, "text");
        assert_eq!(m.status, MessageStatus::Delivered);
        assert_eq!(m.priority, Some(Priority::Normal));
        assert_eq!(m.delivered_at, Some(1795320000900));
    }
}
