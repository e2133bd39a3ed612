package wakubot

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
)

// Priority of an outgoing message in the rate limit's queues.
type Priority string

// Priorities, highest first.
const (
	PriorityCritical Priority = "critical"
	PriorityNormal   Priority = "normal"
	PriorityOptional Priority = "optional"
)

// Message directions.
const (
	DirectionIn  = "in"
	DirectionOut = "out"
)

// Message statuses. Outgoing: queued → sent → delivered → read, or failed
// (dropped or expired; Error says why). Incoming: received → handled.
const (
	StatusQueued    = "queued"
	StatusSent      = "sent"
	StatusDelivered = "delivered"
	StatusRead      = "read"
	StatusFailed    = "failed"
	StatusDropped   = "dropped"
	StatusReceived  = "received"
	StatusHandled   = "handled"
)

// Message is one message of a conversation, either direction.
type Message struct {
	// ID is "<conversation>:<16 hex digits>".
	ID           string `json:"id"`
	Conversation string `json:"conversation"`
	// Direction is DirectionIn or DirectionOut.
	Direction string `json:"direction"`
	// Type is the payload type, such as "text" or "reply".
	Type string `json:"type"`
	// Text is the text of text and reply messages, nil for other types.
	Text *string `json:"text"`
	// Status is one of the Status constants.
	Status string `json:"status"`
	// Error says why a message failed, nil otherwise.
	Error *string `json:"error"`
	// Seq is the message's sequence number in its direction, nil if none yet.
	Seq *int64 `json:"seq"`
	// Priority of an outgoing message, nil for incoming ones.
	Priority *Priority `json:"priority"`
	// Times, ms since the Unix epoch; nil when it has not happened.
	CreatedAt   int64  `json:"createdAt"`
	SentAt      *int64 `json:"sentAt"`
	DeliveredAt *int64 `json:"deliveredAt"`
	ReadAt      *int64 `json:"readAt"`
	ReceivedAt  *int64 `json:"receivedAt"`
}

// Body returns Text, or "" when it is nil.
func (m *Message) Body() string {
	if m.Text == nil {
		return ""
	}
	return *m.Text
}

// MessagesOptions pages through a conversation's messages. Zero values use
// the bot's defaults.
type MessagesOptions struct {
	// Limit is 1 to 200 (default 50).
	Limit int
	// Before, when not 0, lists only messages created before it (ms since the
	// Unix epoch): pass the CreatedAt of the oldest message of a page to get
	// the next one.
	Before int64
}

// Messages returns a conversation's messages with their status, newest
// first. opts may be nil.
func (c *Client) Messages(ctx context.Context, conversationID string, opts *MessagesOptions) ([]Message, error) {
	q := url.Values{}
	if opts != nil {
		if opts.Limit != 0 {
			q.Set("limit", strconv.Itoa(opts.Limit))
		}
		if opts.Before != 0 {
			q.Set("before", strconv.FormatInt(opts.Before, 10))
		}
	}
	var out struct {
		Messages []Message `json:"messages"`
	}
	path := "/v1/conversations/" + segment(conversationID) + "/messages"
	if _, err := c.do(ctx, call{method: http.MethodGet, path: path, query: q}, &out); err != nil {
		return nil, err
	}
	return out.Messages, nil
}

// GetMessage returns one message, any direction.
func (c *Client) GetMessage(ctx context.Context, id string) (*Message, error) {
	var out Message
	if _, err := c.do(ctx, call{method: http.MethodGet, path: "/v1/messages/" + segment(id)}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// SendRequest is a text to send.
type SendRequest struct {
	// Text is the message (at most 1,000,000 characters).
	Text string `json:"text"`
	// Priority defaults to PriorityNormal.
	Priority Priority `json:"priority,omitempty"`
	// ReplyTo, when set, is the id of the message this answers (sent as a
	// reply payload).
	ReplyTo string `json:"replyTo,omitempty"`
	// IdempotencyKey is sent as the Idempotency-Key header. When empty, Send
	// fills in a fresh random key (see WithIdempotencyKeys), so calling Send
	// again with the same *SendRequest after a timeout or a lost connection
	// sends the message at most once: the bot answers the first result again.
	IdempotencyKey string `json:"-"`
}

// SentMessage is the answer to Send: the message is queued.
type SentMessage struct {
	// ID of the new message; follow it with GetMessage or the event stream.
	ID           string `json:"id"`
	Conversation string `json:"conversation"`
	// Status right after queueing, usually "queued".
	Status string `json:"status"`
	// Replayed is true when the bot answered an earlier request with the
	// same Idempotency-Key and sent nothing now.
	Replayed bool `json:"-"`
}

// Send queues a text in a conversation through the bot's rate limit (POST
// /v1/conversations/{id}/messages). See SendRequest.IdempotencyKey for safe
// retries; the same key with a different request is an *APIError with code
// idempotency_conflict.
func (c *Client) Send(ctx context.Context, conversationID string, req *SendRequest) (*SentMessage, error) {
	h, err := c.idempotencyHeader(&req.IdempotencyKey)
	if err != nil {
		return nil, err
	}
	var out SentMessage
	path := "/v1/conversations/" + segment(conversationID) + "/messages"
	header, err := c.do(ctx, call{method: http.MethodPost, path: path, body: req, header: h}, &out)
	if err != nil {
		return nil, err
	}
	out.Replayed = replayed(header)
	return &out, nil
}

// SendText sends a text at normal priority with a fresh Idempotency-Key.
func (c *Client) SendText(ctx context.Context, conversationID, text string) (*SentMessage, error) {
	return c.Send(ctx, conversationID, &SendRequest{Text: text})
}
