package wakubot

import (
	"context"
	"fmt"
	"io"
	"net/http"
)

// Metrics returns the bot's Prometheus metrics (GET /metrics) as the raw
// text exposition format 0.0.4: wakubot_events_total,
// wakubot_admin_requests_total, wakubot_quota_limit and the others listed in
// docs/admin.md §Metrics.
func (c *Client) Metrics(ctx context.Context) (string, error) {
	res, err := c.send(ctx, call{method: http.MethodGet, path: "/metrics", accept: "text/plain"})
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return "", c.redact(fmt.Errorf("wakubot: GET /metrics: %w", err))
	}
	return string(b), nil
}
