package wakubot

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"time"
)

// Headers on the bot's webhook deliveries.
const (
	HeaderSignature = "Wakubot-Signature"
	HeaderEventID   = "Wakubot-Event-Id"
	HeaderWebhookID = "Wakubot-Webhook-Id"
	// HeaderHubSignature is where GitHub-style senders put a HubSignature.
	HeaderHubSignature = "X-Hub-Signature-256"
)

// DefaultWebhookTolerance is how far a signature's timestamp may be from the
// receiver's clock (docs/admin.md: refuse more than 5 minutes off).
const DefaultWebhookTolerance = 5 * time.Minute

// Webhook is a registered outgoing webhook (without its secret).
type Webhook struct {
	ID  int64  `json:"id"`
	URL string `json:"url"`
	// Events are the event types it receives; empty means all.
	Events []string `json:"events"`
	// CreatedAt is ms since the Unix epoch.
	CreatedAt int64 `json:"createdAt"`
}

// CreatedWebhook is a webhook just registered, with its signing secret.
type CreatedWebhook struct {
	Webhook
	// Secret is the HMAC-SHA256 key, 64 hex digits (32 bytes). It is shown
	// only here: keep it.
	Secret string `json:"secret"`
}

// SecretBytes decodes Secret into the key VerifyWebhook takes.
func (w *CreatedWebhook) SecretBytes() ([]byte, error) {
	b, err := hex.DecodeString(w.Secret)
	if err != nil {
		return nil, errors.New("wakubot: webhook secret is not hex")
	}
	return b, nil
}

// WebhookRequest registers a webhook.
type WebhookRequest struct {
	// URL is the http:// or https:// address the bot POSTs events to.
	URL string `json:"url"`
	// Events are the event types wanted (Event constants); nil for all.
	Events []string `json:"events,omitempty"`
}

// CreateWebhook registers an outgoing webhook. Every recorded event of a
// wanted type is POSTed to the URL, signed (see VerifyWebhook), at least once.
func (c *Client) CreateWebhook(ctx context.Context, req *WebhookRequest) (*CreatedWebhook, error) {
	var out CreatedWebhook
	if _, err := c.do(ctx, call{method: http.MethodPost, path: "/v1/webhooks", body: req}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ListWebhooks returns the registered webhooks, oldest first, without
// secrets.
func (c *Client) ListWebhooks(ctx context.Context) ([]Webhook, error) {
	var out struct {
		Webhooks []Webhook `json:"webhooks"`
	}
	if _, err := c.do(ctx, call{method: http.MethodGet, path: "/v1/webhooks"}, &out); err != nil {
		return nil, err
	}
	return out.Webhooks, nil
}

// DeleteWebhook removes a webhook; what it was still owed is dropped. An
// unknown id is an *APIError with code not_found.
func (c *Client) DeleteWebhook(ctx context.Context, id int64) error {
	_, err := c.do(ctx, call{method: http.MethodDelete, path: "/v1/webhooks/" + strconv.FormatInt(id, 10)}, nil)
	return err
}

// Errors of VerifyWebhook and VerifyHubSignature.
var (
	ErrSignatureMalformed = errors.New("wakubot: webhook signature header malformed")
	ErrSignatureMismatch  = errors.New("wakubot: webhook signature does not match the body")
	ErrSignatureExpired   = errors.New("wakubot: webhook signature timestamp outside the tolerance")
)

var signatureHeader = regexp.MustCompile(`^t=([0-9]{1,12}),v1=([0-9a-f]{64})$`)

// SignWebhook returns the Wakubot-Signature header for body sent at t:
// "t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<seconds>." + body)>".
func SignWebhook(secret, body []byte, t time.Time) string {
	return "t=" + strconv.FormatInt(t.Unix(), 10) + ",v1=" + hex.EncodeToString(webhookMAC(secret, body, t.Unix()))
}

func webhookMAC(secret, body []byte, seconds int64) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(strconv.FormatInt(seconds, 10)))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}

// VerifyWebhook checks a Wakubot-Signature header against the raw request
// body, in constant time, and refuses a timestamp more than tolerance away
// from now (tolerance <= 0 means DefaultWebhookTolerance). It returns nil,
// ErrSignatureMalformed, ErrSignatureMismatch or ErrSignatureExpired.
// secret is the key as bytes (CreatedWebhook.SecretBytes).
func VerifyWebhook(secret []byte, body []byte, header string, now time.Time, tolerance time.Duration) error {
	m := signatureHeader.FindStringSubmatch(header)
	if m == nil {
		return ErrSignatureMalformed
	}
	seconds, err := strconv.ParseInt(m[1], 10, 64)
	if err != nil {
		return ErrSignatureMalformed
	}
	got, err := hex.DecodeString(m[2])
	if err != nil {
		return ErrSignatureMalformed
	}
	if !hmac.Equal(got, webhookMAC(secret, body, seconds)) {
		return ErrSignatureMismatch
	}
	if tolerance <= 0 {
		tolerance = DefaultWebhookTolerance
	}
	off := now.Unix() - seconds
	if off < 0 {
		off = -off
	}
	if off > int64(tolerance/time.Second) {
		return ErrSignatureExpired
	}
	return nil
}

// HubSignature returns "sha256=<hex HMAC-SHA256(secret, body)>", the
// X-Hub-Signature-256 form GitHub and many webhook senders use.
func HubSignature(secret, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

var hubHeader = regexp.MustCompile(`^sha256=[0-9a-f]{64}$`)

// VerifyHubSignature checks an X-Hub-Signature-256 header against the raw
// body in constant time. It returns nil, ErrSignatureMalformed or
// ErrSignatureMismatch.
func VerifyHubSignature(secret []byte, body []byte, header string) error {
	if !hubHeader.MatchString(header) {
		return ErrSignatureMalformed
	}
	if !hmac.Equal([]byte(header), []byte(HubSignature(secret, body))) {
		return ErrSignatureMismatch
	}
	return nil
}

// WebhookDelivery is one event POSTed by the bot to a webhook.
type WebhookDelivery struct {
	// EventID is the event's id (also in Wakubot-Event-Id): deliveries are
	// at least once, so dedupe on it.
	EventID int64
	// WebhookID is the Wakubot-Webhook-Id header.
	WebhookID int64
	// Type is one of the Event constants.
	Type string
	// CreatedAt is when the event was recorded.
	CreatedAt time.Time
	// Data holds the type's fields.
	Data EventData
	// Body is the raw request body that was verified.
	Body []byte
}

// maxWebhookBody bounds what ReadWebhook reads (a message event carries up
// to 1,000,000 characters of text, JSON-escaped).
const maxWebhookBody = 16 << 20

// ReadWebhook reads, verifies (VerifyWebhook against the current time) and
// decodes a delivery from the bot. Answer 2xx only when it returns nil and
// the event is handled; anything else makes the bot retry.
func ReadWebhook(r *http.Request, secret []byte, tolerance time.Duration) (*WebhookDelivery, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxWebhookBody+1))
	if err != nil {
		return nil, fmt.Errorf("wakubot: reading webhook body: %w", err)
	}
	if len(body) > maxWebhookBody {
		return nil, errors.New("wakubot: webhook body too large")
	}
	if err := VerifyWebhook(secret, body, r.Header.Get(HeaderSignature), time.Now(), tolerance); err != nil {
		return nil, err
	}
	var wire struct {
		ID        int64           `json:"id"`
		Type      string          `json:"type"`
		CreatedAt json.RawMessage `json:"createdAt"`
		Data      EventData       `json:"data"`
	}
	if err := json.Unmarshal(body, &wire); err != nil {
		return nil, fmt.Errorf("wakubot: decoding webhook body: %w", err)
	}
	d := &WebhookDelivery{EventID: wire.ID, Type: wire.Type, Data: wire.Data, Body: body}
	d.WebhookID, _ = strconv.ParseInt(r.Header.Get(HeaderWebhookID), 10, 64)
	// Deliveries carry an RFC 3339 string; accept ms since the epoch too.
	var iso string
	var ms int64
	if json.Unmarshal(wire.CreatedAt, &iso) == nil {
		if t, err := time.Parse(time.RFC3339Nano, iso); err == nil {
			d.CreatedAt = t
		}
	} else if json.Unmarshal(wire.CreatedAt, &ms) == nil {
		d.CreatedAt = time.UnixMilli(ms)
	}
	return d, nil
}

// WebhookHandler returns an http.Handler for a webhook URL: it verifies each
// delivery with ReadWebhook (default tolerance) and calls handle. It answers
// 204 when handle returns nil, 401 for a bad signature, 400 for a bad body
// and 500 when handle fails, so the bot retries later.
func WebhookHandler(secret []byte, handle func(context.Context, *WebhookDelivery) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			http.Error(w, "POST only", http.StatusMethodNotAllowed)
			return
		}
		d, err := ReadWebhook(r, secret, 0)
		switch {
		case errors.Is(err, ErrSignatureMalformed), errors.Is(err, ErrSignatureMismatch), errors.Is(err, ErrSignatureExpired):
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		case err != nil:
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		if err := handle(r.Context(), d); err != nil {
			http.Error(w, "not handled", http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}
