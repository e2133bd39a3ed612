//! The live OpenAPI 3.1 document (`GET /openapi.json`).

use crate::client::Client;
use crate::error::Result;

impl Client {
    /// `GET /openapi.json` (sent without the token): the OpenAPI 3.1 document the server generates from the same
    /// schemas that validate requests, as JSON.
    ///
    /// ```no_run
    /// # let client = wakubot_client::Client::new("http://127.0.0.1:8080", "my-admin-token")?;
    /// let doc = client.openapi()?;
    /// assert_eq!(doc["openapi"], "3.1.0");
    /// # Ok::<(), wakubot_client::Error>(())
    /// ```
    pub fn openapi(&self) -> Result<serde_json::Value> {
        self.call("GET", "/openapi.json", None, None, false)?.json()
    }
}
