//! The bot's identity ([`Account`]) and liveness ([`Health`]).

use serde::{Deserialize, Serialize};

use crate::client::Client;
use crate::error::{Error, Result};

/// `GET /v1/account`: who the bot is and how to reach it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Account {
    /// The bot's account id (`wb1…`).
    pub account: String,
    /// The libp2p peer id, when the node has one.
    pub peer_id: Option<String>,
    /// Multiaddrs the node listens on.
    pub multiaddrs: Vec<String>,
    /// Waku pubsub topics the bot uses.
    pub pubsub_topics: Vec<String>,
    /// The bot's standing invite (`wb:…`; not tracked, not revocable).
    pub invite: String,
}

/// `GET /healthz`: `status` is `ok`, or `stopping` while the bot shuts down.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Health {
    /// `ok` or `stopping`.
    pub status: String,
    /// Conversations with live sessions now.
    pub live_conversations: u64,
}

impl Health {
    /// `status == "ok"`.
    ///
    /// ```
    /// let h = wakubot_client::Health { status: "ok".into(), live_conversations: 0 };
    /// assert!(h.is_ok());
    /// ```
    pub fn is_ok(&self) -> bool {
        self.status == "ok"
    }
}

impl Client {
    /// `GET /v1/account`: the account id, peer id, addresses, pubsub topics and standing invite.
    ///
    /// ```no_run
    /// # let client = wakubot_client::Client::new("http://127.0.0.1:8080", "my-admin-token")?;
    /// let account = client.account()?;
    /// println!("{} invite: {}", account.account, account.invite);
    /// # Ok::<(), wakubot_client::Error>(())
    /// ```
    pub fn account(&self) -> Result<Account> {
        self.get_json("/v1/account")
    }

    /// `GET /healthz` (sent without the token). A stopping bot answers 503 with `status: "stopping"`; that is
    /// returned as `Ok` too, so check [`Health::is_ok`].
    ///
    /// ```no_run
    /// # let client = wakubot_client::Client::new("http://127.0.0.1:8080", "my-admin-token")?;
    /// let health = client.health()?;
    /// println!("{} with {} live conversations", health.status, health.live_conversations);
    /// # Ok::<(), wakubot_client::Error>(())
    /// ```
    pub fn health(&self) -> Result<Health> {
        match self.call("GET", "/healthz", None, None, false) {
            Ok(answer) => answer.json(),
            Err(Error::Api { status: 503, code, message }) => {
                // 503 carries a Health body, not an error body: from_answer kept its start in `message`.
                match serde_json::from_str::<Health>(&message) {
                    Ok(h) => Ok(h),
                    Err(_) => Err(Error::Api { status: 503, code, message }),
                }
            }
            Err(e) => Err(e),
        }
    }
}
