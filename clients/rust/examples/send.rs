//! Connects to someone's invite, sends a text, and follows the event stream until the text is delivered and an
//! answer arrives.
//!
//! ```sh
//! export WAKUBOT_ADMIN_URL=http://127.0.0.1:8080 WAKUBOT_ADMIN_TOKEN=…
//! cargo run --example send -- 'wb:AQ…' 'hello from Rust'
//! ```

use std::process::ExitCode;
use std::time::{Duration, Instant};

use wakubot_client::{Client, EventQuery, EventType, Priority, SendMessage};

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("send: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::var("WAKUBOT_ADMIN_URL").map_err(|_| "set WAKUBOT_ADMIN_URL (e.g. http://127.0.0.1:8080)")?;
    let token = std::env::var("WAKUBOT_ADMIN_TOKEN").map_err(|_| "set WAKUBOT_ADMIN_TOKEN")?;
    let mut args = std::env::args().skip(1);
    let invite = args.next().ok_or("usage: send <invite wb:…> [text]")?;
    let text = args.next().unwrap_or_else(|| "hello from wakubot-client (Rust)".to_string());

    let client = Client::new(url, token)?;
    let conversation = client.connect(&invite)?;
    println!("conversation {} with {}", conversation.id, conversation.peer.as_deref().unwrap_or("?"));

    // Start following the log from its current end, before sending, so nothing is missed.
    let mut events = client.event_stream(&EventQuery::new().after(client.latest_event_id()?))?;

    // The message carries a random idempotency key: sending the same value again cannot send it twice.
    let message = SendMessage::new(text).priority(Priority::Critical);
    let sent = match client.send(&conversation.id, &message) {
        Err(e) if e.is_retryable() => client.send(&conversation.id, &message)?,
        other => other?,
    };
    println!("sent {} ({})", sent.id, sent.status);

    let deadline = Instant::now() + Duration::from_secs(60);
    let (mut delivered, mut answered) = (false, false);
    while !(delivered && answered) {
        let left = deadline.saturating_duration_since(Instant::now());
        let event = match events.next_timeout(left) {
            Ok(Some(event)) => event,
            Ok(None) => return Err("no delivery and answer within 60 s".into()),
            Err(e) if e.is_retryable() => {
                eprintln!("event stream: {e} (reconnecting)");
                continue;
            }
            Err(e) => return Err(e.into()),
        };
        if event.conversation() != Some(conversation.id.as_str()) {
            continue;
        }
        match event.kind {
            EventType::Delivered if event.message_id() == Some(sent.id.as_str()) => {
                delivered = true;
                println!("delivered");
            }
            EventType::Failed if event.message_id() == Some(sent.id.as_str()) => {
                return Err(format!("failed: {:?} {:?}", event.code(), event.error_message()).into());
            }
            EventType::Message => {
                answered = true;
                println!("answer: {}", event.text().unwrap_or("(not text)"));
            }
            _ => {}
        }
    }
    let status = client.message(&sent.id)?.status;
    println!("message status now: {status}");
    Ok(())
}
