package wakubot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// UserAgent is sent with every request unless WithUserAgent replaces it.
const UserAgent = "wakubot-go/1"

// Client talks to one bot's admin API. It is safe for concurrent use.
//
// The token is kept unexported and never written into an error, a log line
// or the client's own String form.
type Client struct {
	base      *url.URL
	token     string
	http      *http.Client
	userAgent string
	keys      func() string
}

// Option configures a Client in NewClient.
type Option func(*Client)

// WithHTTPClient makes the client send its requests through hc (for
// timeouts, proxies, TLS settings or tests). The default is a client with no
// overall timeout: use contexts for deadlines. A Timeout set on hc also cuts
// event streams (Stream) after that long.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *Client) {
		if hc != nil {
			c.http = hc
		}
	}
}

// WithUserAgent replaces the User-Agent header (default UserAgent).
func WithUserAgent(ua string) Option {
	return func(c *Client) { c.userAgent = ua }
}

// WithIdempotencyKeys sets how Connect and Send make an Idempotency-Key when
// their request has none (default NewIdempotencyKey). With nil they send no
// key unless the request carries one.
func WithIdempotencyKeys(generate func() string) Option {
	return func(c *Client) { c.keys = generate }
}

// NewClient returns a client for the admin API at baseURL (for example
// "http://127.0.0.1:8080", or "https://host/prefix" behind a reverse proxy)
// that authenticates with token. The token may be empty when only Health and
// OpenAPI are used; otherwise it must be visible ASCII, at most 512
// characters.
func NewClient(baseURL, token string, opts ...Option) (*Client, error) {
	u, err := url.Parse(baseURL)
	if err != nil {
		return nil, fmt.Errorf("wakubot: base URL: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("wakubot: base URL %q: want http://host:port or https://host:port", u.Redacted())
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("wakubot: base URL %q: no query or fragment allowed", u.Redacted())
	}
	if len(token) > 512 {
		return nil, errors.New("wakubot: token longer than 512 characters")
	}
	for i := 0; i < len(token); i++ {
		if token[i] < 0x21 || token[i] > 0x7e {
			return nil, errors.New("wakubot: token must be visible ASCII characters only")
		}
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	u.RawPath = ""
	c := &Client{base: u, token: token, http: &http.Client{}, userAgent: UserAgent, keys: NewIdempotencyKey}
	for _, opt := range opts {
		opt(c)
	}
	return c, nil
}

// BaseURL returns the API address the client was made with.
func (c *Client) BaseURL() string { return c.base.String() }

// HTTPClient returns the *http.Client requests go through.
func (c *Client) HTTPClient() *http.Client { return c.http }

// String describes the client without its token.
func (c *Client) String() string {
	return fmt.Sprintf("wakubot.Client{%s}", c.base.Redacted())
}

// GoString describes the client without its token (for %#v).
func (c *Client) GoString() string { return c.String() }

// call is one API request.
type call struct {
	method string
	path   string // already escaped, starting with "/"
	query  url.Values
	body   interface{}
	header http.Header
	accept string // default application/json
	open   bool   // no token needed
}

// newRequest builds an *http.Request for a call.
func (c *Client) newRequest(ctx context.Context, k call) (*http.Request, error) {
	u := *c.base
	escaped := c.base.EscapedPath() + k.path
	p, err := url.PathUnescape(escaped)
	if err != nil {
		return nil, fmt.Errorf("wakubot: path %q: %w", k.path, err)
	}
	u.Path, u.RawPath = p, escaped
	if len(k.query) > 0 {
		u.RawQuery = k.query.Encode()
	}
	var body io.Reader
	if k.body != nil {
		b, err := json.Marshal(k.body)
		if err != nil {
			return nil, fmt.Errorf("wakubot: encoding request: %w", err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, k.method, u.String(), body)
	if err != nil {
		return nil, fmt.Errorf("wakubot: %s %s: %w", k.method, k.path, err)
	}
	for name, values := range k.header {
		req.Header[name] = values
	}
	if k.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if k.accept == "" {
		k.accept = "application/json"
	}
	req.Header.Set("Accept", k.accept)
	if c.userAgent != "" {
		req.Header.Set("User-Agent", c.userAgent)
	}
	if !k.open && c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	return req, nil
}

// send performs a call and returns the response when its status is below
// 400; otherwise it returns the *APIError. The caller closes the body.
func (c *Client) send(ctx context.Context, k call) (*http.Response, error) {
	req, err := c.newRequest(ctx, k)
	if err != nil {
		return nil, err
	}
	res, err := c.http.Do(req)
	if err != nil {
		return nil, c.redact(fmt.Errorf("wakubot: %s %s: %w", k.method, k.path, err))
	}
	if res.StatusCode >= 400 {
		defer res.Body.Close()
		return nil, c.redact(readAPIError(res))
	}
	return res, nil
}

// do performs a call and decodes a JSON answer into out (unless out is nil).
// It returns the response headers.
func (c *Client) do(ctx context.Context, k call, out interface{}) (http.Header, error) {
	res, err := c.send(ctx, k)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	if out != nil && res.StatusCode != http.StatusNoContent {
		if err := json.NewDecoder(res.Body).Decode(out); err != nil {
			return res.Header, fmt.Errorf("wakubot: %s %s: decoding answer: %w", k.method, k.path, err)
		}
	}
	// Drain so the connection can be reused.
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 1<<16))
	return res.Header, nil
}

// redact makes sure the token does not show in an error's text.
func (c *Client) redact(err error) error {
	if err == nil || c.token == "" || !strings.Contains(err.Error(), c.token) {
		return err
	}
	var api *APIError
	if errors.As(err, &api) {
		cp := *api
		cp.Message = strings.ReplaceAll(cp.Message, c.token, "[token]")
		return &cp
	}
	return &redactedError{text: strings.ReplaceAll(err.Error(), c.token, "[token]"), err: err}
}

type redactedError struct {
	text string
	err  error
}

// Error returns the text with the token replaced.
func (e *redactedError) Error() string { return e.text }

// Unwrap returns the original error.
func (e *redactedError) Unwrap() error { return e.err }

// segment escapes one path segment (an id).
func segment(s string) string { return url.PathEscape(s) }
