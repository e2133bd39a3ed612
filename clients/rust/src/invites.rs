//! Tracked invites: create, list, look up, revoke.

use serde::{Deserialize, Serialize};

use crate::client::Client;
use crate::error::Result;

string_enum! {
    /// Where an invite stands.
    pub enum InviteStatus {
        /// Can start conversations.
        Active = "active",
        /// Single-use and consumed.
        Used = "used",
        /// Past its expiry.
        Expired = "expired",
        /// Revoked with [`Client::revoke_invite`].
        Revoked = "revoked",
    }
}

/// A tracked invite's record (`GET /v1/invites/{id}`). The link itself is not kept; it is only in
/// [`CreatedInvite::link`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Invite {
    /// The invite id.
    pub id: u64,
    /// Private note given at creation.
    pub label: Option<String>,
    /// Starts one conversation only.
    pub single_use: bool,
    /// `active`, `used`, `expired` or `revoked`.
    pub status: InviteStatus,
    /// Conversations started through it.
    pub uses: u64,
    /// Created, ms since the Unix epoch.
    pub created_at: i64,
    /// Expiry, ms since the Unix epoch.
    pub expires_at: Option<i64>,
    /// When it was revoked, ms since the Unix epoch.
    pub revoked_at: Option<i64>,
}

/// `POST /v1/invites`'s answer: the record plus the link (shown only here).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedInvite {
    /// The invite's record.
    #[serde(flatten)]
    pub record: Invite,
    /// The link to hand out (`wb:…`).
    #[serde(rename = "invite")]
    pub link: String,
}

/// Options of a new invite; all optional.
///
/// ```
/// use wakubot_client::InviteOptions;
///
/// let options = InviteOptions::new().label("ops").single_use(true).expires_in_seconds(3600);
/// assert_eq!(
///     serde_json::to_string(&options).unwrap(),
///     r#"{"singleUse":true,"expiresInSeconds":3600,"label":"ops"}"#
/// );
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InviteOptions {
    /// Starts one conversation only (default false).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub single_use: Option<bool>,
    /// Lifetime, 1 to 31,622,400 s (366 days); none means no expiry.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_in_seconds: Option<u64>,
    /// Private note, not in the link (1–64 characters).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Display name carried in the link (1–64 bytes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

impl InviteOptions {
    /// No options: a reusable invite without expiry.
    pub fn new() -> Self {
        Self::default()
    }
    /// Sets [`InviteOptions::single_use`].
    pub fn single_use(mut self, single_use: bool) -> Self {
        self.single_use = Some(single_use);
        self
    }
    /// Sets [`InviteOptions::expires_in_seconds`].
    pub fn expires_in_seconds(mut self, seconds: u64) -> Self {
        self.expires_in_seconds = Some(seconds);
        self
    }
    /// Sets [`InviteOptions::label`].
    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }
    /// Sets [`InviteOptions::name`].
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }
}

#[derive(Deserialize)]
struct InviteList {
    invites: Vec<Invite>,
}

impl Client {
    /// `POST /v1/invites`: a new tracked invite. The link is in the answer only.
    ///
    /// ```no_run
    /// use wakubot_client::InviteOptions;
    /// # let client = wakubot_client::Client::new("http://127.0.0.1:8080", "my-admin-token")?;
    /// let created = client.create_invite(&InviteOptions::new().label("support").expires_in_seconds(86_400))?;
    /// println!("invite {}: {}", created.record.id, created.link);
    /// # Ok::<(), wakubot_client::Error>(())
    /// ```
    pub fn create_invite(&self, options: &InviteOptions) -> Result<CreatedInvite> {
        self.send_json("POST", "/v1/invites", Some(options), None)?.json()
    }

    /// `GET /v1/invites`: all tracked invites, newest first.
    ///
    /// ```no_run
    /// # let client = wakubot_client::Client::new("http://127.0.0.1:8080", "my-admin-token")?;
    /// for invite in client.invites()? {
    ///     println!("{} {} used {}×", invite.id, invite.status, invite.uses);
    /// }
    /// # Ok::<(), wakubot_client::Error>(())
    /// ```
    pub fn invites(&self) -> Result<Vec<Invite>> {
        Ok(self.get_json::<InviteList>("/v1/invites")?.invites)
    }

    /// `GET /v1/invites/{id}`: one invite; [`crate::Error::Api`] `not_found` (404) if there is none.
    ///
    /// ```no_run
    /// # let client = wakubot_client::Client::new("http://127.0.0.1:8080", "my-admin-token")?;
    /// let invite = client.invite(3)?;
    /// # Ok::<(), wakubot_client::Error>(())
    /// ```
    pub fn invite(&self, id: u64) -> Result<Invite> {
        self.get_json(&format!("/v1/invites/{id}"))
    }

    /// `DELETE /v1/invites/{id}`: revokes an invite (status `revoked`). New conversations through it are refused;
    /// started ones stay.
    ///
    /// ```no_run
    /// # let client = wakubot_client::Client::new("http://127.0.0.1:8080", "my-admin-token")?;
    /// let revoked = client.revoke_invite(3)?;
    /// assert_eq!(revoked.status, wakubot_client::InviteStatus::Revoked);
    /// # Ok::<(), wakubot_client::Error>(())
    /// ```
    pub fn revoke_invite(&self, id: u64) -> Result<Invite> {
        self.send_json::<()>("DELETE", &format!("/v1/invites/{id}"), None, None)?.json()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_created_invite() {
        let json = r#"{"id":3,"label":"ops","singleUse":false,"status":"active","uses":0,
            "createdAt":1795320000000,"expiresAt":null,"revokedAt":null,"invite":"wb:AQ"}"#;
        let c: CreatedInvite = serde_json::from_str(json).unwrap();
        assert_eq!(c.record.id, 3);
        assert_eq!(c.record.label.as_deref(), Some("ops"));
        assert_eq!(c.record.status, InviteStatus::Active);
        assert_eq!(c.link, "wb:AQ");
        assert_eq!(c.record.expires_at, None);
    }

    #[test]
    fn unknown_status_is_kept() {
        let json = r#"{"id":1,"label":null,"singleUse":true,"status":"paused","uses":1,
            "createdAt":1,"expiresAt":2,"revokedAt":null}"#;
        let i: Invite = serde_json::from_str(json).unwrap();
        assert_eq!(i.status, InviteStatus::Other("paused".into()));
        assert_eq!(i.status.as_str(), "paused");
    }

    #[test]
    fn empty_options_are_an_empty_object() {
        assert_eq!(serde_json::to_string(&InviteOptions::new()).unwrap(), "{}");
    }
}
