package wakubot

import (
	"context"
	"fmt"
	"io"
	"net/http"
)

// OpenAPI returns the bot's OpenAPI 3.1 document (GET /openapi.json; no
// token needed) as raw JSON.
func (c *Client) OpenAPI(ctx context.Context) ([]byte, error) {
	res, err := c.send(ctx, call{method: http.MethodGet, path: "/openapi.json", open: true})
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, c.redact(fmt.Errorf("wakubot: GET /openapi.json: %w", err))
	}
	return b, nil
}
