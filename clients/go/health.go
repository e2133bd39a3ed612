package wakubot

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
)

// Health is the answer of GET /healthz.
type Health struct {
	// Status is "ok", or "stopping" while the bot shuts down.
	Status string `json:"status"`
	// LiveConversations is how many conversations are loaded.
	LiveConversations int `json:"liveConversations"`
}

// Health asks whether the bot is up (GET /healthz; no token needed). While
// the bot is stopping the answer is 503: Health then returns the decoded
// body (Status "stopping") together with an *APIError with code
// "unavailable".
func (c *Client) Health(ctx context.Context) (*Health, error) {
	req, err := c.newRequest(ctx, call{method: http.MethodGet, path: "/healthz", open: true})
	if err != nil {
		return nil, err
	}
	res, err := c.http.Do(req)
	if err != nil {
		return nil, c.redact(fmt.Errorf("wakubot: GET /healthz: %w", err))
	}
	defer res.Body.Close()
	if res.StatusCode == http.StatusServiceUnavailable {
		var h Health
		raw, _ := io.ReadAll(io.LimitReader(res.Body, 64<<10))
		if json.Unmarshal(raw, &h) == nil && h.Status != "" {
			return &h, &APIError{Status: res.StatusCode, Code: CodeUnavailable, Message: "the bot is " + h.Status}
		}
		return nil, &APIError{Status: res.StatusCode, Code: CodeUnavailable, Message: snippet(raw)}
	}
	if res.StatusCode >= 400 {
		return nil, c.redact(readAPIError(res))
	}
	var h Health
	if err := json.NewDecoder(res.Body).Decode(&h); err != nil {
		return nil, fmt.Errorf("wakubot: GET /healthz: decoding answer: %w", err)
	}
	return &h, nil
}
