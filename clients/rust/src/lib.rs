//! A blocking Rust client for the admin HTTP API of a [wakubot](../../README.md) bot (docs/admin.md): invites,
//! quota, conversations, messages with delivery status, the event log and its live stream, outgoing webhooks and
//! their signatures.
//!
//! Built on `ureq` and `serde_json` only, so it compiles offline from Debian 12's packaged crates.
//!
//! # Example
//!
//! ```no_run
//! use std::time::{Duration, Instant};
//! use wakubot_client::{Client, EventQuery, EventType, Priority, SendMessage};
//!
//! let client = Client::new("http://127.0.0.1:8080", std::env::var("WAKUBOT_ADMIN_TOKEN").unwrap())?;
//! let conversation = client.connect("wb:AQ…")?;
//! let mut events = client.event_stream(&EventQuery::new().after(client.latest_event_id()?))?;
//! let sent = client.send(&conversation.id, &SendMessage::new("hello").priority(Priority::Critical))?;
//! let deadline = Instant::now() + Duration::from_secs(30);
//! let delivered = events.wait_for(deadline, |e| e.kind == EventType::Delivered && e.message_id() == Some(sent.id.as_str()))?;
//! println!("delivered: {}", delivered.is_some());
//! # Ok::<(), wakubot_client::Error>(())
//! ```
//!
//! # Errors
//!
//! Every call returns [`Result`]; the API's error answers are [`Error::Api`] with the status and the API's code
//! (`unauthorized`, `not_found`, `invalid_argument`, …). The token never appears in errors or `Debug` output.
//!
//! # Times and ids
//!
//! Times are `i64` milliseconds since the Unix epoch, as in the API. Conversation and message ids are strings;
//! invite, webhook and event ids are `u64`.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

#[macro_use]
mod macros;

mod account;
mod client;
mod conversations;
mod error;
mod events;
mod invites;
mod messages;
mod metrics;
mod openapi;
mod quota;
pub mod sse;
mod webhooks;

pub use account::{Account, Health};
pub use client::{
    new_idempotency_key, Client, ClientBuilder, DEFAULT_CONNECT_TIMEOUT, DEFAULT_STREAM_IDLE_TIMEOUT, DEFAULT_TIMEOUT,
};
pub use conversations::Conversation;
pub use error::{Error, Result};
pub use events::{Event, EventQuery, EventStream, EventType, STREAM_OPEN_GRACE};
pub use invites::{CreatedInvite, Invite, InviteOptions, InviteStatus};
pub use messages::{Direction, Message, MessageStatus, Priority, SendMessage, SentMessage};
pub use quota::{Queued, Quota, QuotaState};
pub use webhooks::{
    hub_signature, sign_webhook, verify_hub_signature, verify_webhook, verify_webhook_now, CreatedWebhook, Webhook,
    WebhookSecret, DEFAULT_TOLERANCE_SECS,
};

/// The README's examples, compiled as doc tests so they stay true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
