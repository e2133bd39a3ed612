package wakubot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

const testToken = "wbt_TestTokenTestTokenTestTokenTestTokenTest"

// seen is one request the fake bot received.
type seen struct {
	Method, Path, RawQuery string
	Header                 http.Header
	Body                   string
}

// fakeBot answers every request with handler and records what it got.
type fakeBot struct {
	*httptest.Server
	mu       sync.Mutex
	requests []seen
}

func newFakeBot(t *testing.T, handler http.HandlerFunc) (*fakeBot, *Client) {
	t.Helper()
	f := &fakeBot{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		f.requests = append(f.requests, seen{r.Method, r.URL.EscapedPath(), r.URL.RawQuery, r.Header.Clone(), string(b)})
		f.mu.Unlock()
		handler(w, r)
	}))
	t.Cleanup(f.Close)
	c, err := NewClient(f.URL, testToken)
	if err != nil {
		t.Fatal(err)
	}
	return f, c
}

func (f *fakeBot) last(t *testing.T) seen {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.requests) == 0 {
		t.Fatal("no request received")
	}
	return f.requests[len(f.requests)-1]
}

func (f *fakeBot) all() []seen {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]seen(nil), f.requests...)
}

func answer(status int, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		io.WriteString(w, body)
	}
}

func TestNewClientValidates(t *testing.T) {
	for _, base := range []string{"", "ftp://x", "http://", "127.0.0.1:8080", "http://h/?q=1", "http://h/#f"} {
		if _, err := NewClient(base, testToken); err == nil {
			t.Errorf("NewClient(%q) accepted", base)
		}
	}
	for _, token := range []string{"has space", "tab\there", strings.Repeat("x", 513), "naïve"} {
		_, err := NewClient("http://127.0.0.1:1", token)
		if err == nil {
			t.Errorf("token %q accepted", token)
		} else if strings.Contains(err.Error(), token) {
			t.Errorf("error %q shows the token", err)
		}
	}
	if _, err := NewClient("http://127.0.0.1:1", ""); err != nil {
		t.Errorf("empty token refused: %v", err)
	}
}

func TestAuthHeaderAndUserAgent(t *testing.T) {
	f, c := newFakeBot(t, answer(200, `{"limit":100,"reserve":10,"criticalCap":50,"used":1,"remaining":99,"criticalUsed":0,"state":"available","epoch":7,"epochSeconds":600,"epochEndsAt":1795326000000,"queued":{"critical":1,"normal":2,"optional":3},"handed":4}`))
	q, err := c.Quota(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	r := f.last(t)
	if got := r.Header.Get("Authorization"); got != "Bearer "+testToken {
		t.Errorf("Authorization = %q", got)
	}
	if got := r.Header.Get("User-Agent"); got != UserAgent {
		t.Errorf("User-Agent = %q", got)
	}
	if r.Method != "GET" || r.Path != "/v1/quota" {
		t.Errorf("request %s %s", r.Method, r.Path)
	}
	want := Quota{Limit: 100, Reserve: 10, CriticalCap: 50, Used: 1, Remaining: 99, State: QuotaAvailable, Epoch: 7, EpochSeconds: 600, EpochEndsAt: 1795326000000, Queued: QueueLengths{1, 2, 3}, Handed: 4}
	if *q != want {
		t.Errorf("quota = %+v", *q)
	}
	if !TimeOf(q.EpochEndsAt).Equal(time.Date(2026, 11, 22, 5, 40, 0, 0, time.UTC)) {
		t.Errorf("TimeOf = %v", TimeOf(q.EpochEndsAt))
	}
}

func TestHealthAndOpenAPISendNoToken(t *testing.T) {
	f, c := newFakeBot(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/healthz" {
			answer(200, `{"status":"ok","liveConversations":2}`)(w, r)
			return
		}
		answer(200, `{"openapi":"3.1.0"}`)(w, r)
	})
	h, err := c.Health(context.Background())
	if err != nil || h.Status != "ok" || h.LiveConversations != 2 {
		t.Fatalf("Health = %+v, %v", h, err)
	}
	if a := f.last(t).Header.Get("Authorization"); a != "" {
		t.Errorf("healthz got Authorization %q", a)
	}
	doc, err := c.OpenAPI(context.Background())
	if err != nil || !strings.Contains(string(doc), "3.1.0") {
		t.Fatalf("OpenAPI = %s, %v", doc, err)
	}
	if a := f.last(t).Header.Get("Authorization"); a != "" {
		t.Errorf("openapi got Authorization %q", a)
	}
}

func TestHealthStopping(t *testing.T) {
	_, c := newFakeBot(t, answer(503, `{"status":"stopping","liveConversations":0}`))
	h, err := c.Health(context.Background())
	var api *APIError
	if !errors.As(err, &api) || api.Status != 503 || api.Code != CodeUnavailable {
		t.Fatalf("err = %v", err)
	}
	if h == nil || h.Status != "stopping" {
		t.Fatalf("health = %+v", h)
	}
}

func TestAPIErrorDecoding(t *testing.T) {
	cases := []struct {
		status  int
		body    string
		header  map[string]string
		code    string
		message string
		retry   time.Duration
		is      error
	}{
		{401, `{"error":{"code":"unauthorized","message":"missing or wrong bearer token"}}`, map[string]string{"WWW-Authenticate": "Bearer"}, CodeUnauthorized, "missing or wrong bearer token", 0, ErrUnauthorized},
		{404, `{"error":{"code":"not_found","message":"no invite 9"}}`, nil, CodeNotFound, "no invite 9", 0, ErrNotFound},
		{400, `{"error":{"code":"invalid_argument","message":"expiresInSeconds: Too small"}}`, nil, CodeInvalidArgument, "expiresInSeconds: Too small", 0, ErrInvalidArgument},
		{409, `{"error":{"code":"idempotency_conflict","message":"used"}}`, nil, CodeIdempotencyConflict, "used", 0, ErrIdempotencyConflict},
		{429, `{"error":{"code":"rate_limited","message":"too many requests"}}`, map[string]string{"Retry-After": "3"}, CodeRateLimited, "too many requests", 3 * time.Second, ErrRateLimited},
		{502, "<html>\n<body>Bad   gateway</body></html>", nil, "", "<html> <body>Bad gateway</body></html>", 0, nil},
		{500, ``, nil, "", "Internal Server Error", 0, nil},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprint(tc.status), func(t *testing.T) {
			_, c := newFakeBot(t, func(w http.ResponseWriter, r *http.Request) {
				for k, v := range tc.header {
					w.Header().Set(k, v)
				}
				w.WriteHeader(tc.status)
				io.WriteString(w, tc.body)
			})
			_, err := c.GetInvite(context.Background(), 9)
			var api *APIError
			if !errors.As(err, &api) {
				t.Fatalf("err = %#v, not an *APIError", err)
			}
			if api.Status != tc.status || api.Code != tc.code || api.Message != tc.message || api.RetryAfter != tc.retry {
				t.Errorf("got %+v", *api)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("errors.Is(%v, %v) = false", err, tc.is)
			}
			if tc.is != ErrNotFound && errors.Is(err, ErrNotFound) {
				t.Errorf("errors.Is(%v, ErrNotFound) = true", err)
			}
			if strings.Contains(err.Error(), testToken) {
				t.Errorf("error shows the token: %v", err)
			}
		})
	}
}

func TestErrorsNeverShowTheToken(t *testing.T) {
	// The bot echoing the token back (it does not, but a proxy might).
	_, c := newFakeBot(t, func(w http.ResponseWriter, r *http.Request) {
		answer(401, `{"error":{"code":"unauthorized","message":"bad `+strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")+`"}}`)(w, r)
	})
	_, err := c.Account(context.Background())
	if err == nil || strings.Contains(err.Error(), testToken) {
		t.Fatalf("err = %v", err)
	}
	// A transport error.
	c2, _ := NewClient("http://127.0.0.1:1", testToken)
	_, err = c2.Account(context.Background())
	if err == nil || strings.Contains(err.Error(), testToken) {
		t.Fatalf("err = %v", err)
	}
	for _, s := range []string{fmt.Sprint(c2), fmt.Sprintf("%+v", c2), fmt.Sprintf("%#v", c2)} {
		if strings.Contains(s, testToken) {
			t.Errorf("client formats with the token: %s", s)
		}
	}
}

func TestBasePathPrefixAndEscaping(t *testing.T) {
	f, _ := newFakeBot(t, answer(200, `{"id":"cAbCdEfGhIjKlMnOp:0123456789abcdef","conversation":"cAbCdEfGhIjKlMnOp","direction":"in","type":"text","text":"hi","status":"received","error":null,"seq":1,"priority":null,"createdAt":1,"sentAt":null,"deliveredAt":null,"readAt":null,"receivedAt":2}`))
	c, err := NewClient(f.URL+"/wakubot/", testToken)
	if err != nil {
		t.Fatal(err)
	}
	m, err := c.GetMessage(context.Background(), "cAbCdEfGhIjKlMnOp:0123456789abcdef")
	if err != nil {
		t.Fatal(err)
	}
	if p := f.last(t).Path; p != "/wakubot/v1/messages/cAbCdEfGhIjKlMnOp:0123456789abcdef" {
		t.Errorf("path = %s", p)
	}
	if m.Body() != "hi" || m.Priority != nil || *m.ReceivedAt != 2 || m.Direction != DirectionIn {
		t.Errorf("message = %+v", m)
	}
	if _, err := c.GetConversation(context.Background(), "../../x y"); err != nil {
		t.Fatal(err)
	}
	if p := f.last(t).Path; p != "/wakubot/v1/conversations/..%2F..%2Fx%20y" {
		t.Errorf("path = %s", p)
	}
}

func TestQueryEncoding(t *testing.T) {
	f, c := newFakeBot(t, func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasSuffix(r.URL.Path, "/messages"):
			answer(200, `{"messages":[]}`)(w, r)
		case r.URL.Path == "/v1/events":
			answer(200, `{"events":[{"id":5,"type":"message","createdAt":9,"data":{"conversation":"c1","id":"c1:ab","type":"text","text":"yo"}},{"id":6,"type":"gap","createdAt":10,"data":{"conversation":"c1","missing":[3,4]}}]}`)(w, r)
		default:
			answer(200, `{"conversations":[{"id":"cAbCdEfGhIjKlMnOp","peer":"wb1x","label":null,"state":"ratcheting","createdAt":1,"lastMessageAt":null}]}`)(w, r)
		}
	})
	ctx := context.Background()
	convs, err := c.ListConversations(ctx, &ListOptions{Limit: 20, Offset: 40})
	if err != nil || len(convs) != 1 || convs[0].PeerAccount() != "wb1x" || convs[0].LastMessageAt != nil {
		t.Fatalf("conversations = %+v, %v", convs, err)
	}
	if r := f.last(t); r.Path != "/v1/conversations" || r.RawQuery != "limit=20&offset=40" {
		t.Errorf("got %s?%s", r.Path, r.RawQuery)
	}
	if _, err := c.ListConversations(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if r := f.last(t); r.RawQuery != "" {
		t.Errorf("default query = %q", r.RawQuery)
	}
	if _, err := c.Messages(ctx, "cAbCdEfGhIjKlMnOp", &MessagesOptions{Limit: 5, Before: 1795320000000}); err != nil {
		t.Fatal(err)
	}
	if r := f.last(t); r.Path != "/v1/conversations/cAbCdEfGhIjKlMnOp/messages" || r.RawQuery != "before=1795320000000&limit=5" {
		t.Errorf("got %s?%s", r.Path, r.RawQuery)
	}
	events, err := c.Events(ctx, &EventsOptions{After: 4, Limit: 10, Types: []string{EventMessage, EventGap}})
	if err != nil {
		t.Fatal(err)
	}
	if r := f.last(t); r.RawQuery != "after=4&limit=10&types=message%2Cgap" {
		t.Errorf("events query = %q", r.RawQuery)
	}
	if len(events) != 2 || events[0].Text() != "yo" || events[0].Data.ID != "c1:ab" || events[1].Data.Missing[1] != 4 {
		t.Errorf("events = %+v", events)
	}
	if string(events[1].Raw) != `{"conversation":"c1","missing":[3,4]}` {
		t.Errorf("raw = %s", events[1].Raw)
	}
}

func TestBodyEncoding(t *testing.T) {
	f, c := newFakeBot(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/v1/invites":
			answer(201, `{"id":3,"label":"ops","singleUse":true,"status":"active","uses":0,"createdAt":1,"expiresAt":2,"revokedAt":null,"invite":"wb:AQ"}`)(w, r)
		case "/v1/webhooks":
			answer(201, `{"id":1,"url":"https://example.com/h","events":["message"],"createdAt":1,"secret":"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"}`)(w, r)
		}
	})
	ctx := context.Background()
	inv, err := c.CreateInvite(ctx, &InviteRequest{Label: "ops", SingleUse: true, ExpiresInSeconds: 60, Name: "Ops bot"})
	if err != nil {
		t.Fatal(err)
	}
	r := f.last(t)
	if r.Header.Get("Content-Type") != "application/json" {
		t.Errorf("content-type = %q", r.Header.Get("Content-Type"))
	}
	assertJSON(t, r.Body, `{"singleUse":true,"expiresInSeconds":60,"label":"ops","name":"Ops bot"}`)
	if inv.ID != 3 || inv.Link != "wb:AQ" || *inv.Label != "ops" || *inv.ExpiresAt != 2 || inv.RevokedAt != nil {
		t.Errorf("invite = %+v", inv)
	}
	if _, err := c.CreateInvite(ctx, nil); err != nil {
		t.Fatal(err)
	}
	assertJSON(t, f.last(t).Body, `{}`)

	w, err := c.CreateWebhook(ctx, &WebhookRequest{URL: "https://example.com/h", Events: []string{EventMessage}})
	if err != nil {
		t.Fatal(err)
	}
	assertJSON(t, f.last(t).Body, `{"url":"https://example.com/h","events":["message"]}`)
	key, err := w.SecretBytes()
	if err != nil || len(key) != 32 || key[31] != 0x1f {
		t.Errorf("secret = %x, %v", key, err)
	}
	if _, err := c.CreateWebhook(ctx, &WebhookRequest{URL: "https://example.com/h"}); err != nil {
		t.Fatal(err)
	}
	assertJSON(t, f.last(t).Body, `{"url":"https://example.com/h"}`)
}

func TestDeletes(t *testing.T) {
	f, c := newFakeBot(t, func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/v1/webhooks/") {
			w.WriteHeader(204)
			return
		}
		answer(200, `{"id":7,"label":null,"singleUse":false,"status":"revoked","uses":1,"createdAt":1,"expiresAt":null,"revokedAt":5}`)(w, r)
	})
	ctx := context.Background()
	inv, err := c.RevokeInvite(ctx, 7)
	if err != nil || inv.Status != InviteRevoked || OptionalTime(inv.RevokedAt) != time.UnixMilli(5) || !OptionalTime(inv.ExpiresAt).IsZero() {
		t.Fatalf("revoke = %+v, %v", inv, err)
	}
	if r := f.last(t); r.Method != "DELETE" || r.Path != "/v1/invites/7" {
		t.Errorf("got %s %s", r.Method, r.Path)
	}
	if err := c.DeleteWebhook(ctx, 12); err != nil {
		t.Fatal(err)
	}
	if r := f.last(t); r.Method != "DELETE" || r.Path != "/v1/webhooks/12" {
		t.Errorf("got %s %s", r.Method, r.Path)
	}
}

func TestSendIdempotencyKey(t *testing.T) {
	var mu sync.Mutex
	answers := map[string]string{}
	f, c := newFakeBot(t, func(w http.ResponseWriter, r *http.Request) {
		key := r.Header.Get("Idempotency-Key")
		mu.Lock()
		defer mu.Unlock()
		if _, ok := answers[key]; ok && key != "" {
			w.Header().Set("Idempotent-Replayed", "true")
		} else {
			answers[key] = fmt.Sprintf("cAbCdEfGhIjKlMnOp:%016x", len(answers))
		}
		answer(202, `{"id":"`+answers[key]+`","conversation":"cAbCdEfGhIjKlMnOp","status":"queued"}`)(w, r)
	})
	ctx := context.Background()

	req := &SendRequest{Text: "hello", Priority: PriorityCritical, ReplyTo: "cAbCdEfGhIjKlMnOp:0123456789abcdef"}
	first, err := c.Send(ctx, "cAbCdEfGhIjKlMnOp", req)
	if err != nil {
		t.Fatal(err)
	}
	r := f.last(t)
	if r.Path != "/v1/conversations/cAbCdEfGhIjKlMnOp/messages" || r.Method != "POST" {
		t.Errorf("got %s %s", r.Method, r.Path)
	}
	assertJSON(t, r.Body, `{"text":"hello","priority":"critical","replyTo":"cAbCdEfGhIjKlMnOp:0123456789abcdef"}`)
	key := r.Header.Get("Idempotency-Key")
	if !strings.HasPrefix(key, "wbk_") || len(key) != 36 || req.IdempotencyKey != key {
		t.Fatalf("generated key %q, request has %q", key, req.IdempotencyKey)
	}
	if first.Replayed {
		t.Error("first answer marked replayed")
	}
	// A retry with the same request reuses the key.
	again, err := c.Send(ctx, "cAbCdEfGhIjKlMnOp", req)
	if err != nil {
		t.Fatal(err)
	}
	if got := f.last(t).Header.Get("Idempotency-Key"); got != key {
		t.Errorf("retry key = %q, want %q", got, key)
	}
	if again.ID != first.ID || !again.Replayed {
		t.Errorf("retry = %+v, first = %+v", again, first)
	}
	// A new request gets a new key.
	if _, err := c.SendText(ctx, "cAbCdEfGhIjKlMnOp", "hello"); err != nil {
		t.Fatal(err)
	}
	if got := f.last(t).Header.Get("Idempotency-Key"); got == key || got == "" {
		t.Errorf("new request key = %q", got)
	}
	assertJSON(t, f.last(t).Body, `{"text":"hello"}`)
	// An explicit key is sent as given.
	if _, err := c.Send(ctx, "cAbCdEfGhIjKlMnOp", &SendRequest{Text: "x", IdempotencyKey: "order-42"}); err != nil {
		t.Fatal(err)
	}
	if got := f.last(t).Header.Get("Idempotency-Key"); got != "order-42" {
		t.Errorf("explicit key = %q", got)
	}
	// A bad key is refused before sending.
	n := len(f.all())
	for _, bad := range []string{"has space", strings.Repeat("k", 201), "é"} {
		if _, err := c.Send(ctx, "cAbCdEfGhIjKlMnOp", &SendRequest{Text: "x", IdempotencyKey: bad}); err == nil {
			t.Errorf("key %q accepted", bad)
		}
	}
	if len(f.all()) != n {
		t.Error("a bad key was sent")
	}
	// Without a generator, no header.
	c2, _ := NewClient(f.URL, testToken, WithIdempotencyKeys(nil))
	if _, err := c2.SendText(ctx, "cAbCdEfGhIjKlMnOp", "x"); err != nil {
		t.Fatal(err)
	}
	if _, ok := f.last(t).Header["Idempotency-Key"]; ok {
		t.Error("key sent with generation off")
	}
}

func TestConnectIdempotencyKey(t *testing.T) {
	f, c := newFakeBot(t, answer(201, `{"id":"cAbCdEfGhIjKlMnOp","peer":"wb1peer","label":null,"state":"ratcheting","createdAt":1,"lastMessageAt":null}`))
	req := &ConnectRequest{Invite: "wb:AQ"}
	conv, err := c.Connect(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	r := f.last(t)
	assertJSON(t, r.Body, `{"invite":"wb:AQ"}`)
	if k := r.Header.Get("Idempotency-Key"); k == "" || k != req.IdempotencyKey {
		t.Errorf("key %q, request %q", k, req.IdempotencyKey)
	}
	if conv.PeerAccount() != "wb1peer" || conv.State != "ratcheting" {
		t.Errorf("conversation = %+v", conv)
	}
}

func TestCustomHTTPClient(t *testing.T) {
	f, _ := newFakeBot(t, answer(200, `{"account":"wb1a","peerId":null,"multiaddrs":[],"pubsubTopics":["/waku/2/rs/1/7"],"invite":"wb:AQ"}`))
	used := false
	hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		used = true
		return http.DefaultTransport.RoundTrip(r)
	})}
	c, _ := NewClient(f.URL, testToken, WithHTTPClient(hc), WithUserAgent("mine/2"))
	a, err := c.Account(context.Background())
	if err != nil || a.Account != "wb1a" || a.PeerID != nil || a.PubsubTopics[0] != "/waku/2/rs/1/7" {
		t.Fatalf("account = %+v, %v", a, err)
	}
	if !used || c.HTTPClient() != hc {
		t.Error("custom client not used")
	}
	if ua := f.last(t).Header.Get("User-Agent"); ua != "mine/2" {
		t.Errorf("User-Agent = %q", ua)
	}
}

func TestMetricsRawText(t *testing.T) {
	f, c := newFakeBot(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		io.WriteString(w, "# TYPE wakubot_quota_limit gauge\nwakubot_quota_limit 100\n")
	})
	text, err := c.Metrics(context.Background())
	if err != nil || !strings.Contains(text, "wakubot_quota_limit 100") {
		t.Fatalf("metrics = %q, %v", text, err)
	}
	if a := f.last(t).Header.Get("Authorization"); a == "" {
		t.Error("metrics sent without token")
	}
}

func TestContextCancellation(t *testing.T) {
	block := make(chan struct{})
	defer close(block)
	_, c := newFakeBot(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-block:
		case <-r.Context().Done():
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := c.Quota(ctx)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v", err)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func assertJSON(t *testing.T, got, want string) {
	t.Helper()
	var g, w interface{}
	if err := json.Unmarshal([]byte(got), &g); err != nil {
		t.Fatalf("body %q is not JSON: %v", got, err)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatal(err)
	}
	gb, _ := json.Marshal(g)
	wb, _ := json.Marshal(w)
	if string(gb) != string(wb) {
		t.Errorf("body = %s, want %s", gb, wb)
	}
}
