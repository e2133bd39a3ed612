//! Conversations: list, start one from an invite, look one up.

use serde::{Deserialize, Serialize};

use crate::client::{encode, query, Client};
use crate::error::Result;

/// A conversation with one peer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Conversation {
    /// Conversation id (`c` + 16 characters).
    pub id: String,
    /// The peer's account id (`wb1…`), once known.
    pub peer: Option<String>,
    /// Label, if any.
    pub label: Option<String>,
    /// Session state (e.g. `ratcheting`).
    pub state: String,
    /// Created, ms since the Unix epoch.
    pub created_at: i64,
    /// Last message, ms since the Unix epoch.
    pub last_message_at: Option<i64>,
}

#[derive(Deserialize)]
struct ConversationList {
    conversations: Vec<Conversation>,
}

#[derive(Serialize)]
struct ConnectRequest<'a> {
    invite: &'a str,
}

impl Client {
    /// `GET /v1/conversations`: most recently active first. `limit` 1–200 (server default 50), `offset` ≥ 0.
    ///
    /// ```no_run
    /// # let client = wakubot_client::Client::new("http://127.0.0.1:8080", "my-admin-token")?;
    /// for c in client.conversations(Some(20), None)? {
    ///     println!("{} with {:?}", c.id, c.peer);
    /// }
    /// # Ok::<(), wakubot_client::Error>(())
    /// ```
    pub fn conversations(&self, limit: Option<u32>, offset: Option<u32>) -> Result<Vec<Conversation>> {
        let q = query(&[("limit", limit.map(|v| v.to_string())), ("offset", offset.map(|v| v.to_string()))]);
        Ok(self.get_json::<ConversationList>(&format!("/v1/conversations{q}"))?.conversations)
    }

    /// `POST /v1/conversations`: a conversation from someone's invite (`wb:…`). Nothing is sent yet.
    ///
    /// Bad invites are [`crate::Error::Api`] with status 400 and a code such as `invite_malformed`,
    /// `invite_expired` or `invite_tampered`. To retry safely after a timeout, use
    /// [`Client::connect_with_key`].
    ///
    /// ```no_run
    /// # let client = wakubot_client::Client::new("http://127.0.0.1:8080", "my-admin-token")?;
    /// let conversation = client.connect("wb:AQ…")?;
    /// println!("talking to {:?} in {}", conversation.peer, conversation.id);
    /// # Ok::<(), wakubot_client::Error>(())
    /// ```
    pub fn connect(&self, invite: &str) -> Result<Conversation> {
        self.send_json("POST", "/v1/conversations", Some(&ConnectRequest { invite }), None)?.json()
    }

    /// [`Client::connect`] with an `Idempotency-Key`: repeating the call with the same key and invite answers the
    /// first result again (for 24 h) instead of connecting twice.
    ///
    /// ```no_run
    /// # let client = wakubot_client::Client::new("http://127.0.0.1:8080", "my-admin-token")?;
    /// let key = wakubot_client::new_idempotency_key();
    /// let conversation = match client.connect_with_key("wb:AQ…", &key) {
    ///     Err(e) if e.is_retryable() => client.connect_with_key("wb:AQ…", &key)?,
    ///     other => other?,
    /// };
    /// # Ok::<(), wakubot_client::Error>(())
    /// ```
    pub fn connect_with_key(&self, invite: &str, idempotency_key: &str) -> Result<Conversation> {
        self.send_json("POST", "/v1/conversations", Some(&ConnectRequest { invite }), Some(idempotency_key))?.json()
    }

    /// `GET /v1/conversations/{id}`: one conversation; `not_found` (404) if there is none.
    ///
    /// ```no_run
    /// # let client = wakubot_client::Client::new("http://127.0.0.1:8080", "my-admin-token")?;
    /// let c = client.conversation("cAbCdEfGhIjKlMnOp")?;
    /// println!("{}", c.state);
    /// # Ok::<(), wakubot_client::Error>(())
    /// ```
    pub fn conversation(&self, id: &str) -> Result<Conversation> {
        self.get_json(&format!("/v1/conversations/{}", encode(id)))
    }
}
