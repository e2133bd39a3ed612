//! The rate-limit quota ([`Quota`], docs/rate-limit.md).

use serde::{Deserialize, Serialize};

use crate::client::Client;
use crate::error::Result;

string_enum! {
    /// How much of the epoch's quota is left.
    pub enum QuotaState {
        /// Plenty left.
        Available = "available",
        /// Down to the reserve: only critical messages go out.
        Low = "low",
        /// Nothing left until the epoch ends.
        Exhausted = "exhausted",
    }
}

/// Messages waiting in the send queue, by priority.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Queued {
    /// `critical` messages waiting.
    pub critical: u64,
    /// `normal` messages waiting.
    pub normal: u64,
    /// `optional` messages waiting.
    pub optional: u64,
}

/// `GET /v1/quota`: the current rate-limit epoch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Quota {
    /// Messages allowed per epoch.
    pub limit: u64,
    /// Part of the limit kept for critical messages.
    pub reserve: u64,
    /// Most critical messages per epoch.
    pub critical_cap: u64,
    /// Messages sent this epoch.
    pub used: u64,
    /// `limit - used`.
    pub remaining: u64,
    /// Critical messages sent this epoch.
    pub critical_used: u64,
    /// `available`, `low` or `exhausted`.
    pub state: QuotaState,
    /// The epoch number.
    pub epoch: u64,
    /// Length of an epoch in seconds.
    pub epoch_seconds: u64,
    /// End of this epoch, ms since the Unix epoch.
    pub epoch_ends_at: i64,
    /// Queue lengths by priority.
    pub queued: Queued,
    /// Handed to delivery, not yet sent.
    pub handed: u64,
}

impl Client {
    /// `GET /v1/quota`: limit, usage, state and queue lengths of the current epoch.
    ///
    /// ```no_run
    /// # let client = wakubot_client::Client::new("http://127.0.0.1:8080", "my-admin-token")?;
    /// let q = client.quota()?;
    /// println!("{}/{} used, {} critical queued", q.used, q.limit, q.queued.critical);
    /// # Ok::<(), wakubot_client::Error>(())
    /// ```
    pub fn quota(&self) -> Result<Quota> {
        self.get_json("/v1/quota")
    }
}
