package wakubot

// The contract test against a live bot. It reads
//
//	WAKUBOT_ADMIN_URL, WAKUBOT_ADMIN_TOKEN    the admin API of a bot (bots/service.ts)
//	WAKUBOT_PEER_INVITE, WAKUBOT_PEER_ACCOUNT an echo bot's invite and account (bots/echo.ts)
//
// as printed by `bun test/clients/live.ts` in the wakubot repository. Without
// WAKUBOT_ADMIN_URL it is skipped, unless WAKUBOT_REQUIRE_LIVE=1.

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// liveTimeout bounds each step that waits on the network.
const liveTimeout = 30 * time.Second

type liveEnv struct {
	url, token, peerInvite, peerAccount string
}

func live(t *testing.T) liveEnv {
	t.Helper()
	env := liveEnv{
		url:         os.Getenv("WAKUBOT_ADMIN_URL"),
		token:       os.Getenv("WAKUBOT_ADMIN_TOKEN"),
		peerInvite:  os.Getenv("WAKUBOT_PEER_INVITE"),
		peerAccount: os.Getenv("WAKUBOT_PEER_ACCOUNT"),
	}
	if env.url == "" {
		if os.Getenv("WAKUBOT_REQUIRE_LIVE") == "1" {
			t.Fatal("WAKUBOT_REQUIRE_LIVE=1 but WAKUBOT_ADMIN_URL is not set: start a live pair with `bun test/clients/live.ts` and export what it prints")
		}
		t.Skip("no live bot: set WAKUBOT_ADMIN_URL, WAKUBOT_ADMIN_TOKEN, WAKUBOT_PEER_INVITE and WAKUBOT_PEER_ACCOUNT (`bun test/clients/live.ts` prints them) to run the contract test")
	}
	for name, v := range map[string]string{"WAKUBOT_ADMIN_TOKEN": env.token, "WAKUBOT_PEER_INVITE": env.peerInvite, "WAKUBOT_PEER_ACCOUNT": env.peerAccount} {
		if v == "" {
			t.Fatalf("WAKUBOT_ADMIN_URL is set but %s is not", name)
		}
	}
	return env
}

func step(t *testing.T) (context.Context, context.CancelFunc) {
	t.Helper()
	return context.WithTimeout(context.Background(), liveTimeout)
}

func wantAPIError(t *testing.T, err error, status int, code string) *APIError {
	t.Helper()
	var api *APIError
	if !errors.As(err, &api) {
		t.Fatalf("want %d %s, got %v", status, code, err)
	}
	if api.Status != status || api.Code != code {
		t.Fatalf("want %d %s, got %d %s: %s", status, code, api.Status, api.Code, api.Message)
	}
	return api
}

func TestContract(t *testing.T) {
	env := live(t)
	c, err := NewClient(env.url, env.token)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("health without token", func(t *testing.T) {
		ctx, cancel := step(t)
		defer cancel()
		anon, err := NewClient(env.url, "")
		if err != nil {
			t.Fatal(err)
		}
		h, err := anon.Health(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if h.Status != "ok" || h.LiveConversations < 0 {
			t.Errorf("health = %+v", h)
		}
		doc, err := anon.OpenAPI(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var openapi struct {
			OpenAPI string                     `json:"openapi"`
			Paths   map[string]json.RawMessage `json:"paths"`
		}
		if err := json.Unmarshal(doc, &openapi); err != nil || !strings.HasPrefix(openapi.OpenAPI, "3.1") {
			t.Fatalf("openapi.json: %v %q", err, openapi.OpenAPI)
		}
		for _, p := range []string{"/v1/account", "/v1/invites", "/v1/invites/{id}", "/v1/quota", "/v1/conversations",
			"/v1/conversations/{id}", "/v1/conversations/{id}/messages", "/v1/messages/{id}", "/v1/events",
			"/v1/events/stream", "/v1/webhooks", "/v1/webhooks/{id}", "/metrics", "/healthz"} {
			if _, ok := openapi.Paths[p]; !ok {
				t.Errorf("openapi.json has no path %s (the client covers it)", p)
			}
		}
		// Without a token, a guarded route is 401.
		_, err = anon.Quota(ctx)
		wantAPIError(t, err, http.StatusUnauthorized, CodeUnauthorized)
	})

	t.Run("wrong token", func(t *testing.T) {
		ctx, cancel := step(t)
		defer cancel()
		wrong := "wrong-" + env.token[:len(env.token)/2] + "-token"
		bad, err := NewClient(env.url, wrong)
		if err != nil {
			t.Fatal(err)
		}
		_, err = bad.Quota(ctx)
		wantAPIError(t, err, http.StatusUnauthorized, CodeUnauthorized)
		if !errors.Is(err, ErrUnauthorized) {
			t.Error("errors.Is(err, ErrUnauthorized) = false")
		}
		if strings.Contains(err.Error(), wrong) || strings.Contains(err.Error(), env.token) {
			t.Errorf("error shows a token: %v", err)
		}
	})

	t.Run("account", func(t *testing.T) {
		ctx, cancel := step(t)
		defer cancel()
		a, err := c.Account(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(a.Account, "wb1") || !strings.HasPrefix(a.Invite, "wb:") || len(a.Multiaddrs) == 0 || len(a.PubsubTopics) == 0 {
			t.Errorf("account = %+v", a)
		}
		if a.Account == env.peerAccount {
			t.Error("the service bot has the peer's account")
		}
	})

	t.Run("quota", func(t *testing.T) {
		ctx, cancel := step(t)
		defer cancel()
		q, err := c.Quota(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if q.Limit < 1 || q.Used < 0 || q.Used+q.Remaining != q.Limit || q.Reserve < 0 || q.Reserve >= q.Limit ||
			q.CriticalCap < 1 || q.CriticalCap > q.Limit || q.EpochSeconds < 1 || q.Epoch < 1 || q.Handed < 0 ||
			q.Queued.Critical < 0 || q.Queued.Normal < 0 || q.Queued.Optional < 0 {
			t.Errorf("quota = %+v", q)
		}
		state := QuotaAvailable
		if q.Remaining == 0 {
			state = QuotaExhausted
		} else if q.Remaining <= q.Reserve {
			state = QuotaLow
		}
		if q.State != state {
			t.Errorf("state %s with remaining %d and reserve %d", q.State, q.Remaining, q.Reserve)
		}
		ends := TimeOf(q.EpochEndsAt)
		if until := time.Until(ends); until < -5*time.Second || until > time.Duration(q.EpochSeconds)*time.Second+5*time.Second {
			t.Errorf("epoch ends at %v, %v from now", ends, until)
		}
	})

	t.Run("invites", func(t *testing.T) {
		ctx, cancel := step(t)
		defer cancel()
		before := time.Now().UnixMilli()
		inv, err := c.CreateInvite(ctx, &InviteRequest{Label: "go-contract", SingleUse: true, ExpiresInSeconds: 3600, Name: "Go contract"})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(inv.Link, "wb:") || inv.Status != InviteActive || !inv.SingleUse || inv.Uses != 0 ||
			inv.Label == nil || *inv.Label != "go-contract" || inv.RevokedAt != nil || inv.ExpiresAt == nil {
			t.Fatalf("created = %+v", inv)
		}
		if inv.CreatedAt < before-5000 || inv.CreatedAt > time.Now().UnixMilli()+5000 {
			t.Errorf("createdAt %d, now %d", inv.CreatedAt, before)
		}
		if d := *inv.ExpiresAt - inv.CreatedAt; d < 3599_000 || d > 3601_000 {
			t.Errorf("expires %d ms after creation, want 3600 s", d)
		}
		list, err := c.ListInvites(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) == 0 || list[0].ID != inv.ID {
			t.Fatalf("list (newest first) = %+v, want %d first", list, inv.ID)
		}
		if !sameInvite(list[0], inv.Invite) {
			t.Errorf("listed %+v, created %+v", list[0], inv.Invite)
		}
		got, err := c.GetInvite(ctx, inv.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !sameInvite(*got, inv.Invite) {
			t.Errorf("get = %+v, created %+v", got, inv.Invite)
		}
		revoked, err := c.RevokeInvite(ctx, inv.ID)
		if err != nil {
			t.Fatal(err)
		}
		if revoked.ID != inv.ID || revoked.Status != InviteRevoked || revoked.RevokedAt == nil {
			t.Errorf("revoked = %+v", revoked)
		}
		got, err = c.GetInvite(ctx, inv.ID)
		if err != nil || got.Status != InviteRevoked {
			t.Errorf("after revoke: %+v, %v", got, err)
		}
		_, err = c.GetInvite(ctx, 987654321)
		wantAPIError(t, err, http.StatusNotFound, CodeNotFound)
		if !errors.Is(err, ErrNotFound) {
			t.Error("errors.Is(err, ErrNotFound) = false")
		}
		_, err = c.RevokeInvite(ctx, 987654321)
		wantAPIError(t, err, http.StatusNotFound, CodeNotFound)
		// A default invite (empty body).
		plain, err := c.CreateInvite(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if plain.SingleUse || plain.ExpiresAt != nil || plain.Label != nil || plain.Status != InviteActive {
			t.Errorf("default invite = %+v", plain)
		}
		if _, err := c.RevokeInvite(ctx, plain.ID); err != nil {
			t.Error(err)
		}
	})

	t.Run("validation errors", func(t *testing.T) {
		ctx, cancel := step(t)
		defer cancel()
		// InviteRequest leaves a zero ExpiresInSeconds out (it means no
		// expiry), so a literal 0 goes through the raw call; a negative value
		// goes through CreateInvite.
		_, err := c.do(ctx, call{method: http.MethodPost, path: "/v1/invites", body: map[string]int{"expiresInSeconds": 0}}, nil)
		api := wantAPIError(t, err, http.StatusBadRequest, CodeInvalidArgument)
		if !strings.Contains(api.Message, "expiresInSeconds") {
			t.Errorf("message %q does not name the field", api.Message)
		}
		_, err = c.CreateInvite(ctx, &InviteRequest{ExpiresInSeconds: -1})
		api = wantAPIError(t, err, http.StatusBadRequest, CodeInvalidArgument)
		if !strings.Contains(api.Message, "expiresInSeconds") {
			t.Errorf("message %q does not name the field", api.Message)
		}
		// Unknown fields are refused.
		_, err = c.do(ctx, call{method: http.MethodPost, path: "/v1/invites", body: map[string]bool{"singleuse": true}}, nil)
		wantAPIError(t, err, http.StatusBadRequest, CodeInvalidArgument)
		_, err = c.CreateInvite(ctx, &InviteRequest{ExpiresInSeconds: 366*86400 + 1})
		wantAPIError(t, err, http.StatusBadRequest, CodeInvalidArgument)
		_, err = c.CreateInvite(ctx, &InviteRequest{Label: strings.Repeat("x", 65)})
		wantAPIError(t, err, http.StatusBadRequest, CodeInvalidArgument)
		_, err = c.ListConversations(ctx, &ListOptions{Limit: 201})
		api = wantAPIError(t, err, http.StatusBadRequest, CodeInvalidArgument)
		if !strings.Contains(api.Message, "limit") {
			t.Errorf("message %q does not name the parameter", api.Message)
		}
		_, err = c.Events(ctx, &EventsOptions{Types: []string{"nonsense"}})
		wantAPIError(t, err, http.StatusBadRequest, CodeInvalidArgument)
		_, err = c.GetConversation(ctx, "not-an-id")
		wantAPIError(t, err, http.StatusBadRequest, CodeInvalidArgument)
		_, err = c.GetConversation(ctx, "cAAAAAAAAAAAAAAAA")
		wantAPIError(t, err, http.StatusNotFound, CodeNotFound)
		_, err = c.GetMessage(ctx, "cAAAAAAAAAAAAAAAA:0123456789abcdef")
		wantAPIError(t, err, http.StatusNotFound, CodeNotFound)
		_, err = c.Connect(ctx, &ConnectRequest{Invite: "wb:AAAA"})
		api = wantAPIError(t, err, http.StatusBadRequest, errorCode(err))
		if !strings.HasPrefix(api.Code, "invite_") {
			t.Errorf("a malformed invite answered %s", api.Code)
		}
	})

	var conv *Conversation
	t.Run("connect", func(t *testing.T) {
		ctx, cancel := step(t)
		defer cancel()
		req := &ConnectRequest{Invite: env.peerInvite}
		conv, err = c.Connect(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		if conv.PeerAccount() != env.peerAccount {
			t.Fatalf("peer %q, want %q", conv.PeerAccount(), env.peerAccount)
		}
		if !regexp.MustCompile(`^c[A-Za-z0-9_-]{16}$`).MatchString(conv.ID) || req.IdempotencyKey == "" {
			t.Errorf("conversation %+v, key %q", conv, req.IdempotencyKey)
		}
		// The same request again is answered from the first time.
		again, err := c.Connect(ctx, req)
		if err != nil || again.ID != conv.ID {
			t.Errorf("retried connect = %+v, %v", again, err)
		}
		got, err := c.GetConversation(ctx, conv.ID)
		if err != nil || got.ID != conv.ID || got.PeerAccount() != env.peerAccount {
			t.Errorf("get = %+v, %v", got, err)
		}
		list, err := c.ListConversations(ctx, &ListOptions{Limit: 200})
		if err != nil {
			t.Fatal(err)
		}
		if !containsConversation(list, conv.ID) {
			t.Errorf("list %+v lacks %s", list, conv.ID)
		}
	})
	if conv == nil {
		t.Fatal("no conversation: the rest needs one")
	}

	// Where the event log stands before sending, to follow only what follows.
	ctx, cancel := step(t)
	baseline, err := c.LatestEventID(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if paged := lastEventID(ctx, t, c); paged != baseline {
		t.Errorf("LatestEventID = %d, paging the log gives %d", baseline, paged)
	}
	cancel()

	// A webhook receiver, registered before sending, so the echo is POSTed to it.
	type received struct {
		delivery *WebhookDelivery
		header   http.Header
	}
	var hookMu sync.Mutex
	var hookSecret []byte
	hooks := make(chan received, 64)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hookMu.Lock()
		secret := hookSecret
		hookMu.Unlock()
		WebhookHandler(secret, func(_ context.Context, d *WebhookDelivery) error {
			select {
			case hooks <- received{d, r.Header.Clone()}:
			default:
			}
			return nil
		}).ServeHTTP(w, r)
	}))
	defer receiver.Close()
	var hook *CreatedWebhook
	t.Run("webhooks", func(t *testing.T) {
		ctx, cancel := step(t)
		defer cancel()
		hookMu.Lock()
		hook, err = c.CreateWebhook(ctx, &WebhookRequest{URL: receiver.URL + "/hook", Events: []string{EventMessage}})
		if err == nil {
			hookSecret, _ = hook.SecretBytes()
		}
		hookMu.Unlock()
		if err != nil {
			t.Fatal(err)
		}
		if !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(hook.Secret) || len(hookSecret) != 32 {
			t.Errorf("secret %q", hook.Secret)
		}
		if hook.URL != receiver.URL+"/hook" || len(hook.Events) != 1 || hook.Events[0] != EventMessage {
			t.Errorf("webhook = %+v", hook)
		}
		list, err := c.ListWebhooks(ctx)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, w := range list {
			found = found || (w.ID == hook.ID && w.URL == hook.URL)
		}
		if !found {
			t.Errorf("list %+v lacks %d", list, hook.ID)
		}
		// The listing as sent carries no secret.
		var raw struct {
			Webhooks []map[string]json.RawMessage `json:"webhooks"`
		}
		if _, err := c.do(ctx, call{method: http.MethodGet, path: "/v1/webhooks"}, &raw); err != nil {
			t.Fatal(err)
		}
		for _, w := range raw.Webhooks {
			if _, ok := w["secret"]; ok {
				t.Errorf("a listed webhook has a secret field: %v", w)
			}
		}
		// A throwaway one: delete, then 404.
		extra, err := c.CreateWebhook(ctx, &WebhookRequest{URL: "http://127.0.0.1:9/unused"})
		if err != nil {
			t.Fatal(err)
		}
		if err := c.DeleteWebhook(ctx, extra.ID); err != nil {
			t.Fatal(err)
		}
		wantAPIError(t, c.DeleteWebhook(ctx, extra.ID), http.StatusNotFound, CodeNotFound)
		list, err = c.ListWebhooks(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range list {
			if w.ID == extra.ID {
				t.Errorf("deleted webhook %d still listed", extra.ID)
			}
		}
		_, err = c.CreateWebhook(ctx, &WebhookRequest{URL: "ftp://example.com/x"})
		wantAPIError(t, err, http.StatusBadRequest, CodeInvalidArgument)
	})

	text := "go contract " + NewIdempotencyKey()
	var sent *SentMessage
	t.Run("send idempotently", func(t *testing.T) {
		ctx, cancel := step(t)
		defer cancel()
		key := NewIdempotencyKey()
		req := &SendRequest{Text: text, Priority: PriorityCritical, IdempotencyKey: key}
		sent, err = c.Send(ctx, conv.ID, req)
		if err != nil {
			t.Fatal(err)
		}
		if sent.Conversation != conv.ID || !strings.HasPrefix(sent.ID, conv.ID+":") || sent.Replayed || sent.Status == "" {
			t.Fatalf("sent = %+v", sent)
		}
		again, err := c.Send(ctx, conv.ID, req)
		if err != nil {
			t.Fatal(err)
		}
		if again.ID != sent.ID || !again.Replayed {
			t.Errorf("retry = %+v, first %+v", again, sent)
		}
		// The same key for another request is refused.
		_, err = c.Send(ctx, conv.ID, &SendRequest{Text: text + " (changed)", Priority: PriorityCritical, IdempotencyKey: key})
		wantAPIError(t, err, http.StatusConflict, CodeIdempotencyConflict)
	})
	if sent == nil {
		t.Fatal("nothing sent: the rest needs it")
	}

	var echo Event
	t.Run("stream until delivered and echoed", func(t *testing.T) {
		ctx, cancel := step(t)
		defer cancel()
		s := c.Stream(ctx, &StreamOptions{After: baseline})
		defer s.Close()
		delivered, echoed := false, false
		prev := baseline
		for !(delivered && echoed) && s.Next() {
			e := s.Event()
			if e.ID <= prev {
				t.Errorf("event ids not increasing: %d after %d", e.ID, prev)
			}
			prev = e.ID
			switch {
			case e.Type == EventDelivered && e.Data.ID == sent.ID:
				delivered = true
			case e.Type == EventMessage && e.Data.Conversation == conv.ID && e.Text() == text:
				if echoed {
					t.Errorf("the echo arrived twice: %+v", e)
				}
				echoed, echo = true, e
			case e.Type == EventFailed && e.Data.ID == sent.ID:
				t.Fatalf("the message failed: %+v", e.Data)
			}
		}
		if !(delivered && echoed) {
			t.Fatalf("delivered %v, echoed %v; stream: %v", delivered, echoed, s.Err())
		}
		if s.LastEventID() != echo.ID && s.LastEventID() < echo.ID {
			t.Errorf("LastEventID %d", s.LastEventID())
		}
	})

	t.Run("message status", func(t *testing.T) {
		ctx, cancel := step(t)
		defer cancel()
		m, err := c.GetMessage(ctx, sent.ID)
		if err != nil {
			t.Fatal(err)
		}
		if m.Status != StatusDelivered && m.Status != StatusRead {
			t.Errorf("status %s, want delivered", m.Status)
		}
		if m.Direction != DirectionOut || m.Body() != text || m.Priority == nil || *m.Priority != PriorityCritical ||
			m.DeliveredAt == nil || m.SentAt == nil || *m.DeliveredAt < m.CreatedAt || m.Conversation != conv.ID {
			t.Errorf("message = %+v", m)
		}
		if echo.ID != 0 {
			in, err := c.GetMessage(ctx, echo.Data.ID)
			if err != nil {
				t.Fatal(err)
			}
			if in.Direction != DirectionIn || in.Body() != text || in.ReceivedAt == nil {
				t.Errorf("echo = %+v", in)
			}
		}
	})

	t.Run("messages both directions", func(t *testing.T) {
		ctx, cancel := step(t)
		defer cancel()
		msgs, err := c.Messages(ctx, conv.ID, &MessagesOptions{Limit: 200})
		if err != nil {
			t.Fatal(err)
		}
		out, in := 0, 0
		for i, m := range msgs {
			if i > 0 && m.CreatedAt > msgs[i-1].CreatedAt {
				t.Errorf("not newest first at %d", i)
			}
			if m.Body() != text {
				continue
			}
			switch m.Direction {
			case DirectionOut:
				out++
				if m.ID != sent.ID {
					t.Errorf("a second outgoing message %s with the text", m.ID)
				}
			case DirectionIn:
				in++
			}
		}
		if out != 1 || in != 1 {
			t.Errorf("%d out, %d in with the text; want 1 each (the retry sent nothing)", out, in)
		}
		// Paging back with before.
		first, err := c.Messages(ctx, conv.ID, &MessagesOptions{Limit: 1})
		if err != nil || len(first) != 1 {
			t.Fatalf("limit 1: %+v, %v", first, err)
		}
		older, err := c.Messages(ctx, conv.ID, &MessagesOptions{Before: first[0].CreatedAt})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range older {
			if m.CreatedAt >= first[0].CreatedAt {
				t.Errorf("before %d listed %s created %d", first[0].CreatedAt, m.ID, m.CreatedAt)
			}
		}
	})

	t.Run("events page", func(t *testing.T) {
		ctx, cancel := step(t)
		defer cancel()
		events, err := c.Events(ctx, &EventsOptions{After: baseline, Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		var sentSeen, deliveredSeen, echoSeen bool
		for i, e := range events {
			if e.ID <= baseline || (i > 0 && e.ID <= events[i-1].ID) {
				t.Errorf("event %d out of order", e.ID)
			}
			sentSeen = sentSeen || (e.Type == EventSent && e.Data.ID == sent.ID)
			deliveredSeen = deliveredSeen || (e.Type == EventDelivered && e.Data.ID == sent.ID)
			echoSeen = echoSeen || (e.Type == EventMessage && e.ID == echo.ID && e.Text() == text)
		}
		if !sentSeen || !deliveredSeen || !echoSeen {
			t.Errorf("sent %v, delivered %v, echo %v in %d events", sentSeen, deliveredSeen, echoSeen, len(events))
		}
		only, err := c.Events(ctx, &EventsOptions{After: baseline, Types: []string{EventDelivered}})
		if err != nil {
			t.Fatal(err)
		}
		if len(only) == 0 {
			t.Error("no delivered events")
		}
		for _, e := range only {
			if e.Type != EventDelivered {
				t.Errorf("types=delivered listed %s", e.Type)
			}
		}
		page, err := c.Events(ctx, &EventsOptions{After: baseline, Limit: 1})
		if err != nil || len(page) != 1 || page[0].ID != events[0].ID {
			t.Errorf("limit 1: %+v, %v", page, err)
		}
		// The stream replays the same, filtered, and resumes after an id.
		s := c.Stream(ctx, &StreamOptions{After: baseline, Types: []string{EventDelivered}})
		defer s.Close()
		if !s.Next() {
			t.Fatalf("replay: %v", s.Err())
		}
		if e := s.Event(); e.ID != only[0].ID || e.Type != EventDelivered {
			t.Errorf("replayed %+v, want %+v", e, only[0])
		}
	})

	t.Run("webhook delivery", func(t *testing.T) {
		if hook == nil {
			t.Skip("no webhook")
		}
		ctx, cancel := step(t)
		defer cancel()
		for {
			select {
			case r := <-hooks:
				d := r.delivery
				if d.Type != EventMessage {
					t.Errorf("delivery of type %s, registered for message only", d.Type)
				}
				if d.WebhookID != hook.ID || r.header.Get(HeaderEventID) == "" {
					t.Errorf("headers %v", r.header)
				}
				if d.EventID == echo.ID {
					if d.Data.Conversation != conv.ID || d.Data.Text == nil || *d.Data.Text != text || d.CreatedAt.IsZero() {
						t.Errorf("delivery = %+v", d)
					}
					if err := c.DeleteWebhook(ctx, hook.ID); err != nil {
						t.Error(err)
					}
					wantAPIError(t, c.DeleteWebhook(ctx, hook.ID), http.StatusNotFound, CodeNotFound)
					return
				}
			case <-ctx.Done():
				t.Fatalf("the echo (event %d) was not POSTed to the webhook", echo.ID)
			}
		}
	})

	t.Run("metrics", func(t *testing.T) {
		ctx, cancel := step(t)
		defer cancel()
		text, err := c.Metrics(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{"wakubot_quota_limit", "wakubot_events_total", "wakubot_admin_requests_total"} {
			if !strings.Contains(text, name) {
				t.Errorf("metrics lack %s", name)
			}
		}
	})
}

func sameInvite(a, b Invite) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb)
}

func containsConversation(list []Conversation, id string) bool {
	for _, c := range list {
		if c.ID == id {
			return true
		}
	}
	return false
}

func errorCode(err error) string {
	var api *APIError
	if errors.As(err, &api) {
		return api.Code
	}
	return ""
}

// lastEventID pages through the event log to its newest id.
func lastEventID(ctx context.Context, t *testing.T, c *Client) int64 {
	t.Helper()
	var last int64
	for {
		page, err := c.Events(ctx, &EventsOptions{After: last, Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			return last
		}
		last = page[len(page)-1].ID
	}
}
