//! Prometheus metrics (`GET /metrics`), as raw text.

use crate::client::Client;
use crate::error::{Error, Result};

impl Client {
    /// `GET /metrics`: Prometheus text format 0.0.4 (`wakubot_events_total`, `wakubot_quota_limit`, …; see
    /// docs/admin.md §Metrics), unparsed.
    ///
    /// ```no_run
    /// # let client = wakubot_client::Client::new("http://127.0.0.1:8080", "my-admin-token")?;
    /// let text = client.metrics()?;
    /// for line in text.lines().filter(|l| l.starts_with("wakubot_quota_")) {
    ///     println!("{line}");
    /// }
    /// # Ok::<(), wakubot_client::Error>(())
    /// ```
    pub fn metrics(&self) -> Result<String> {
        let answer = self.call("GET", "/metrics", None, None, true)?;
        String::from_utf8(answer.body).map_err(|e| Error::Decode(format!("metrics are not UTF-8: {e}")))
    }
}
