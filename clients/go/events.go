package wakubot

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Event types recorded in the bot's event log.
const (
	EventMessage   = "message"   // an inbound message (receipts are not listed)
	EventSent      = "sent"      // an outgoing message left
	EventDelivered = "delivered" // the peer committed an outgoing message
	EventRead      = "read"      // the peer's app marked it read
	EventFailed    = "failed"    // an outgoing message will not go (Code says why)
	EventGap       = "gap"       // the peer's messages with these seqs are missing
	EventRecovered = "recovered" // previously missing seqs arrived
	EventThrottled = "throttled" // the peer went over the bot's inbound limit; the rest waits for the next epoch (see Raw)
	EventError     = "error"     // a problem, maybe in a conversation
)

// Event is one entry of the bot's event log, from Events or a Stream.
type Event struct {
	// ID increases; it is the SSE id and the Last-Event-ID to resume after.
	ID int64 `json:"id"`
	// Type is one of the Event constants.
	Type string `json:"type"`
	// CreatedAt is ms since the Unix epoch.
	CreatedAt int64 `json:"createdAt"`
	// Data holds the type's fields (the others are zero).
	Data EventData `json:"data"`
	// Raw is the data object exactly as the bot sent it.
	Raw json.RawMessage `json:"-"`
}

// EventData are the fields events carry, by type (docs/admin.md §Events).
type EventData struct {
	// Conversation is set for all but some error events.
	Conversation string `json:"conversation,omitempty"`
	// ID is the message id (message, sent, delivered, read, failed).
	ID string `json:"id,omitempty"`
	// Type is the payload type of a message event ("text", "reply", …).
	Type string `json:"type,omitempty"`
	// Text of a message event; nil for payloads without text.
	Text *string `json:"text,omitempty"`
	// Code and Message explain failed and error events.
	Code    string `json:"code,omitempty"`
	Message string `json:"message,omitempty"`
	// Missing lists the seqs of a gap event.
	Missing []int64 `json:"missing,omitempty"`
	// Seqs lists the seqs of a recovered event.
	Seqs []int64 `json:"seqs,omitempty"`
}

// UnmarshalJSON decodes an event and keeps its raw data in Raw.
func (e *Event) UnmarshalJSON(b []byte) error {
	var wire struct {
		ID        int64           `json:"id"`
		Type      string          `json:"type"`
		CreatedAt int64           `json:"createdAt"`
		Data      json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(b, &wire); err != nil {
		return err
	}
	*e = Event{ID: wire.ID, Type: wire.Type, CreatedAt: wire.CreatedAt, Raw: wire.Data}
	if len(wire.Data) > 0 && string(wire.Data) != "null" {
		if err := json.Unmarshal(wire.Data, &e.Data); err != nil {
			return fmt.Errorf("event %d data: %w", wire.ID, err)
		}
	}
	return nil
}

// Text returns Data.Text, or "" when it is nil.
func (e *Event) Text() string {
	if e.Data.Text == nil {
		return ""
	}
	return *e.Data.Text
}

// EventsOptions selects a page of the event log. Zero values use the bot's
// defaults (after 0, limit 100, all types).
type EventsOptions struct {
	// After lists only events with a larger id.
	After int64
	// Limit is 1 to 1000.
	Limit int
	// Types keeps only these event types (Event constants).
	Types []string
}

// Events returns recorded events after an id, oldest first: the stream's
// backlog as JSON. opts may be nil.
func (c *Client) Events(ctx context.Context, opts *EventsOptions) ([]Event, error) {
	q := url.Values{}
	if opts != nil {
		if opts.After != 0 {
			q.Set("after", strconv.FormatInt(opts.After, 10))
		}
		if opts.Limit != 0 {
			q.Set("limit", strconv.Itoa(opts.Limit))
		}
		if len(opts.Types) > 0 {
			q.Set("types", strings.Join(opts.Types, ","))
		}
	}
	var out struct {
		Events []Event `json:"events"`
	}
	if _, err := c.do(ctx, call{method: http.MethodGet, path: "/v1/events", query: q}, &out); err != nil {
		return nil, err
	}
	return out.Events, nil
}

// LatestEventID returns the id of the newest recorded event (0 when the log
// is empty): pass it as StreamOptions.After or EventsOptions.After to follow
// only what happens from now on. It finds it with a few one-event pages
// (a galloping search), not by reading the whole log.
func (c *Client) LatestEventID(ctx context.Context) (int64, error) {
	// first returns the smallest id after x, or 0 when there is none.
	first := func(x int64) (int64, error) {
		page, err := c.Events(ctx, &EventsOptions{After: x, Limit: 1})
		if err != nil || len(page) == 0 {
			return 0, err
		}
		return page[0].ID, nil
	}
	lo, err := first(0)
	if err != nil || lo == 0 {
		return 0, err
	}
	// Gallop: lo is an event's id; find hi with no event after it.
	var hi int64
	for step := int64(1024); hi == 0; step *= 2 {
		probe := lo + step
		if probe > 1<<53 {
			probe = 1 << 53
		}
		n, err := first(probe)
		if err != nil {
			return 0, err
		}
		if n == 0 {
			hi = probe
		} else {
			lo = n
		}
	}
	// Bisect: lo is an event's id, none is after hi.
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		n, err := first(mid)
		if err != nil {
			return 0, err
		}
		if n == 0 {
			hi = mid
		} else {
			lo = n
		}
	}
	n, err := first(lo)
	if err != nil {
		return 0, err
	}
	if n > lo {
		return n, nil
	}
	return lo, nil
}

// StreamOptions configures Stream. The zero value follows every event kept,
// reconnecting forever.
type StreamOptions struct {
	// After starts the stream after this event id (0: everything kept).
	After int64
	// Types keeps only these event types (Event constants).
	Types []string
	// RetryDelay is the first wait before reconnecting (default 1 s, or what
	// the server asks for with "retry:"); it doubles after each failed
	// attempt up to MaxRetryDelay (default 30 s).
	RetryDelay    time.Duration
	MaxRetryDelay time.Duration
	// NoReconnect ends the stream at the first error or end instead of
	// reconnecting.
	NoReconnect bool
}

// Stream follows the bot's events live (GET /v1/events/stream), like a
// bufio.Scanner:
//
//	s := c.Stream(ctx, nil)
//	defer s.Close()
//	for s.Next() {
//		e := s.Event()
//		…
//	}
//	if err := s.Err(); err != nil { … }
//
// It replays the log after StreamOptions.After, then goes live. When the
// connection drops it reconnects with Last-Event-ID set to the last id seen,
// so no event is missed or repeated. It stops when the context is cancelled,
// on Close, or on an error answer that a retry cannot fix (401, 400, 404).
// A Stream is used from one goroutine; Close may be called from any.
type Stream struct {
	c      *Client
	parent context.Context
	ctx    context.Context
	cancel context.CancelFunc
	opts   StreamOptions

	body   io.ReadCloser
	dec    *sseDecoder
	lastID int64
	delay  time.Duration
	event  Event
	err    error
	done   bool
}

// Stream opens an event stream; it connects on the first Next. opts may be
// nil.
func (c *Client) Stream(ctx context.Context, opts *StreamOptions) *Stream {
	s := &Stream{c: c}
	if opts != nil {
		s.opts = *opts
	}
	if s.opts.RetryDelay <= 0 {
		s.opts.RetryDelay = time.Second
	}
	if s.opts.MaxRetryDelay <= 0 {
		s.opts.MaxRetryDelay = 30 * time.Second
	}
	if s.opts.MaxRetryDelay < s.opts.RetryDelay {
		s.opts.MaxRetryDelay = s.opts.RetryDelay
	}
	s.parent = ctx
	s.ctx, s.cancel = context.WithCancel(ctx)
	s.lastID = s.opts.After
	s.delay = s.opts.RetryDelay
	return s
}

// Next waits for the next event and reports whether there is one; after
// false, Err says why.
func (s *Stream) Next() bool {
	for !s.done {
		if s.body == nil {
			retry, err := s.connect()
			if err != nil {
				if !s.wait(retry, err) {
					return false
				}
				continue
			}
		}
		ev, err := s.dec.next()
		if err == nil {
			if ev.data == "" {
				continue
			}
			var e Event
			if err := json.Unmarshal([]byte(ev.data), &e); err != nil {
				s.fail(fmt.Errorf("wakubot: event stream: decoding event %q: %w", ev.id, err))
				return false
			}
			if id, err := strconv.ParseInt(ev.id, 10, 64); err == nil && id > s.lastID {
				s.lastID = id
			}
			s.event = e
			s.delay = s.retryBase()
			return true
		}
		s.closeBody()
		if errors.Is(err, bufio.ErrTooLong) {
			// Reconnecting would meet the same event again.
			s.fail(fmt.Errorf("wakubot: event stream: an event over %d bytes", maxSSELine))
			return false
		}
		if errors.Is(err, io.EOF) {
			if s.opts.NoReconnect && s.ctx.Err() == nil {
				s.done = true
				s.cancel()
				return false
			}
			err = errors.New("the bot closed the stream")
		}
		if !s.wait(0, fmt.Errorf("wakubot: event stream: %w", err)) {
			return false
		}
	}
	return false
}

// Event returns the event Next found.
func (s *Stream) Event() Event { return s.event }

// LastEventID is the id of the last event seen (StreamOptions.After before
// any): where the stream resumes after a reconnection.
func (s *Stream) LastEventID() int64 { return s.lastID }

// Err returns why Next returned false: nil after Close (or at the end of the
// stream with NoReconnect), the context's error when it was cancelled, an
// *APIError, or the connection error when NoReconnect is set.
func (s *Stream) Err() error { return s.err }

// Close stops the stream; a Next blocked in another goroutine returns false.
func (s *Stream) Close() error {
	s.cancel()
	return nil
}

func (s *Stream) retryBase() time.Duration {
	if s.dec != nil && s.dec.retry > 0 {
		return s.dec.retry
	}
	return s.opts.RetryDelay
}

// connect opens the stream; on failure it returns the delay the server
// asked for (Retry-After), if any.
func (s *Stream) connect() (time.Duration, error) {
	q := url.Values{}
	if s.opts.After != 0 {
		q.Set("after", strconv.FormatInt(s.opts.After, 10))
	}
	if len(s.opts.Types) > 0 {
		q.Set("types", strings.Join(s.opts.Types, ","))
	}
	h := http.Header{}
	if s.lastID > s.opts.After {
		h.Set("Last-Event-ID", strconv.FormatInt(s.lastID, 10))
	}
	h.Set("Cache-Control", "no-cache")
	res, err := s.c.send(s.ctx, call{method: http.MethodGet, path: "/v1/events/stream", query: q, header: h, accept: "text/event-stream"})
	if err != nil {
		var api *APIError
		if errors.As(err, &api) {
			return api.RetryAfter, err
		}
		return 0, err
	}
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") {
		res.Body.Close()
		return 0, &APIError{Status: res.StatusCode, Message: "event stream answered with content-type " + ct}
	}
	retry := time.Duration(0)
	if s.dec != nil {
		retry = s.dec.retry
	}
	s.body = res.Body
	s.dec = newSSEDecoder(res.Body, strconv.FormatInt(s.lastID, 10))
	s.dec.retry = retry
	return 0, nil
}

// wait decides, after err, whether to reconnect; it sleeps the back-off and
// reports false when the stream is over (s.err set).
func (s *Stream) wait(retryAfter time.Duration, err error) bool {
	if s.ctx.Err() != nil {
		s.finish()
		return false
	}
	var api *APIError
	if errors.As(err, &api) && api.Status < 500 && api.Status != http.StatusTooManyRequests {
		s.fail(err)
		return false
	}
	if s.opts.NoReconnect {
		s.fail(err)
		return false
	}
	d := s.delay
	if retryAfter > d {
		d = retryAfter
	}
	s.delay *= 2
	if s.delay > s.opts.MaxRetryDelay {
		s.delay = s.opts.MaxRetryDelay
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-s.ctx.Done():
		s.finish()
		return false
	case <-t.C:
		return true
	}
}

func (s *Stream) fail(err error) {
	s.closeBody()
	s.done = true
	s.err = err
	s.cancel()
}

// finish ends the stream after cancellation: Err is the parent context's
// error, or nil when Close cancelled it.
func (s *Stream) finish() {
	s.closeBody()
	s.done = true
	s.err = s.parent.Err()
	s.cancel()
}

func (s *Stream) closeBody() {
	if s.body != nil {
		s.body.Close()
		s.body = nil
	}
}
