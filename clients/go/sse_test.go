package wakubot

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"testing/iotest"
	"time"
)

func decodeAll(t *testing.T, input string, lastID string) ([]sseEvent, *sseDecoder) {
	t.Helper()
	return decodeFrom(t, strings.NewReader(input), lastID)
}

func decodeFrom(t *testing.T, r io.Reader, lastID string) ([]sseEvent, *sseDecoder) {
	t.Helper()
	d := newSSEDecoder(r, lastID)
	var out []sseEvent
	for {
		ev, err := d.next()
		if err == io.EOF {
			return out, d
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, ev)
	}
}

func TestSSEDecoder(t *testing.T) {
	cases := []struct {
		name  string
		input string
		want  []sseEvent
	}{
		{"one event", "id: 1\nevent: sent\ndata: {\"id\":1}\n\n",
			[]sseEvent{{"1", "sent", `{"id":1}`}}},
		{"multi-line data", "id: 2\nevent: message\ndata: line one\ndata: line two\ndata:\ndata: line four\n\n",
			[]sseEvent{{"2", "message", "line one\nline two\n\nline four"}}},
		{"comments are ignored", ": keep-alive\n\n:another\nid: 3\n: inside an event\ndata: x\n\n: keep-alive\n\n",
			[]sseEvent{{"3", "message", "x"}}},
		{"one space after the colon is dropped", "data:x\n\ndata:  y\n\n",
			[]sseEvent{{"", "message", "x"}, {"", "message", " y"}}},
		{"CRLF and CR line ends", "id: 4\r\nevent: read\r\ndata: a\r\ndata: b\r\n\r\nid: 5\revent: sent\rdata: c\r\r",
			[]sseEvent{{"4", "read", "a\nb"}, {"5", "sent", "c"}}},
		{"id persists and NUL ids are ignored", "id: 6\ndata: a\n\ndata: b\n\nid: 7\x00\ndata: c\n\n",
			[]sseEvent{{"6", "message", "a"}, {"6", "message", "b"}, {"6", "message", "c"}}},
		{"event without data is not dispatched", "event: sent\nid: 8\n\ndata: d\n\n",
			[]sseEvent{{"8", "message", "d"}}},
		{"a field without colon", "data\n\n", []sseEvent{{"", "message", ""}}},
		{"unknown fields are ignored", "foo: bar\ndata: e\nbaz\n\n", []sseEvent{{"", "message", "e"}}},
		{"an unterminated event is dropped", "data: f\n\ndata: g\n", []sseEvent{{"", "message", "f"}}},
		{"a BOM is skipped", "\xef\xbb\xbfdata: h\n\n", []sseEvent{{"", "message", "h"}}},
		{"empty stream", "", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, _ := decodeAll(t, tc.input, "")
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %q\nwant %q", got, tc.want)
			}
			// The same, arriving one byte at a time (a CR and its LF apart).
			got, _ = decodeFrom(t, iotest.OneByteReader(strings.NewReader(tc.input)), "")
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("byte by byte: got %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestSSEDecoderRetryAndStartID(t *testing.T) {
	got, d := decodeAll(t, "retry: 2500\ndata: a\n\nretry: x\nretry: -1\n\n", "41")
	if d.retry != 2500*time.Millisecond {
		t.Errorf("retry = %v", d.retry)
	}
	if len(got) != 1 || got[0].id != "41" {
		t.Errorf("got %q", got)
	}
}

func TestSSEDecoderLongLine(t *testing.T) {
	long := strings.Repeat("é", 1_000_000)
	got, _ := decodeAll(t, "data: "+long+"\n\n", "")
	if len(got) != 1 || got[0].data != long {
		t.Fatalf("long line not read whole")
	}
}

// sseServer is a fake event stream; each connection runs serve with its
// number (from 1).
func sseServer(t *testing.T, serve func(n int, w http.ResponseWriter, r *http.Request)) (*fakeBot, *Client, *int32) {
	var n int32
	f, c := newFakeBot(t, func(w http.ResponseWriter, r *http.Request) {
		serve(int(atomic.AddInt32(&n, 1)), w, r)
	})
	return f, c, &n
}

func writeSSE(w http.ResponseWriter, chunks ...string) {
	for _, s := range chunks {
		io.WriteString(w, s)
		w.(http.Flusher).Flush()
	}
}

func startSSE(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/event-stream")
	w.WriteHeader(200)
	w.(http.Flusher).Flush()
}

func eventJSON(id int64, typ, data string) string {
	return fmt.Sprintf(`{"id":%d,"type":%q,"createdAt":1795320000000,"data":%s}`, id, typ, data)
}

func TestStreamReconnectsWithLastEventID(t *testing.T) {
	f, c, _ := sseServer(t, func(n int, w http.ResponseWriter, r *http.Request) {
		startSSE(w)
		switch n {
		case 1:
			// Event 2's JSON split over two data lines, comments between.
			writeSSE(w,
				": keep-alive\n\n",
				"id: 1\nevent: sent\ndata: "+eventJSON(1, "sent", `{"conversation":"c1","id":"c1:aa"}`)+"\n\n",
				"id: 2\nevent: message\n: a comment\ndata: {\"id\":2,\"type\":\"message\",\"createdAt\":5,\n",
				"data: \"data\":{\"conversation\":\"c1\",\"id\":\"c1:bb\",\"type\":\"text\",\"text\":\"two\\nlines\"}}\n\n",
			)
			// The connection drops here.
		case 2:
			writeSSE(w, "id: 3\nevent: delivered\ndata: "+eventJSON(3, "delivered", `{"conversation":"c1","id":"c1:aa"}`)+"\n\n")
			<-r.Context().Done()
		default:
			t.Errorf("connection %d", n)
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s := c.Stream(ctx, &StreamOptions{RetryDelay: 10 * time.Millisecond})
	defer s.Close()
	var got []Event
	for len(got) < 3 && s.Next() {
		got = append(got, s.Event())
	}
	if len(got) != 3 {
		t.Fatalf("got %d events, err %v", len(got), s.Err())
	}
	if got[0].Type != EventSent || got[1].Text() != "two\nlines" || got[1].CreatedAt != 5 || got[2].ID != 3 || got[2].Data.ID != "c1:aa" {
		t.Errorf("events = %+v", got)
	}
	if s.LastEventID() != 3 {
		t.Errorf("LastEventID = %d", s.LastEventID())
	}
	reqs := f.all()
	if len(reqs) != 2 {
		t.Fatalf("%d connections", len(reqs))
	}
	if h := reqs[0].Header.Get("Last-Event-ID"); h != "" {
		t.Errorf("first connection sent Last-Event-ID %q", h)
	}
	if h := reqs[1].Header.Get("Last-Event-ID"); h != "2" {
		t.Errorf("reconnection sent Last-Event-ID %q, want 2", h)
	}
	for _, r := range reqs {
		if r.Path != "/v1/events/stream" || r.Header.Get("Accept") != "text/event-stream" || r.Header.Get("Authorization") != "Bearer "+testToken {
			t.Errorf("request %+v", r)
		}
	}
	// Cancelling the context ends a blocked Next.
	go func() {
		time.Sleep(20 * time.Millisecond)
		cancel()
	}()
	if s.Next() {
		t.Fatal("Next after cancel returned an event")
	}
	if !errors.Is(s.Err(), context.Canceled) {
		t.Errorf("Err = %v", s.Err())
	}
}

func TestStreamQueryAndClose(t *testing.T) {
	f, c, _ := sseServer(t, func(n int, w http.ResponseWriter, r *http.Request) {
		startSSE(w)
		writeSSE(w, "id: 6\nevent: delivered\ndata: "+eventJSON(6, "delivered", `{"conversation":"c1","id":"c1:aa"}`)+"\n\n")
		<-r.Context().Done()
	})
	s := c.Stream(context.Background(), &StreamOptions{After: 5, Types: []string{EventDelivered, EventMessage}})
	if !s.Next() || s.Event().ID != 6 {
		t.Fatalf("Next: %v %v", s.Event(), s.Err())
	}
	r := f.last(t)
	if r.RawQuery != "after=5&types=delivered%2Cmessage" || r.Header.Get("Last-Event-ID") != "" {
		t.Errorf("query %q, Last-Event-ID %q", r.RawQuery, r.Header.Get("Last-Event-ID"))
	}
	go func() {
		time.Sleep(20 * time.Millisecond)
		s.Close()
	}()
	if s.Next() {
		t.Fatal("Next after Close returned an event")
	}
	if s.Err() != nil {
		t.Errorf("Err after Close = %v", s.Err())
	}
}

func TestStreamStopsOnUnauthorized(t *testing.T) {
	_, c, n := sseServer(t, func(_ int, w http.ResponseWriter, r *http.Request) {
		answer(401, `{"error":{"code":"unauthorized","message":"missing or wrong bearer token"}}`)(w, r)
	})
	s := c.Stream(context.Background(), &StreamOptions{RetryDelay: time.Millisecond})
	if s.Next() {
		t.Fatal("event from a 401")
	}
	var api *APIError
	if !errors.As(s.Err(), &api) || api.Code != CodeUnauthorized {
		t.Errorf("Err = %v", s.Err())
	}
	if atomic.LoadInt32(n) != 1 {
		t.Errorf("%d attempts, want 1", *n)
	}
}

func TestStreamRetriesUnavailable(t *testing.T) {
	_, c, n := sseServer(t, func(k int, w http.ResponseWriter, r *http.Request) {
		if k < 3 {
			answer(503, `{"error":{"code":"unavailable","message":"the bot is not started"}}`)(w, r)
			return
		}
		startSSE(w)
		writeSSE(w, "retry: 5\nid: 1\nevent: sent\ndata: "+eventJSON(1, "sent", `{}`)+"\n\n")
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s := c.Stream(ctx, &StreamOptions{RetryDelay: time.Millisecond, NoReconnect: false})
	if !s.Next() {
		t.Fatalf("no event: %v", s.Err())
	}
	if atomic.LoadInt32(n) != 3 {
		t.Errorf("%d attempts, want 3", *n)
	}
	s.Close()
}

func TestStreamNoReconnect(t *testing.T) {
	_, c, n := sseServer(t, func(_ int, w http.ResponseWriter, r *http.Request) {
		startSSE(w)
		writeSSE(w, "id: 1\ndata: "+eventJSON(1, "sent", `{}`)+"\n\n")
	})
	s := c.Stream(context.Background(), &StreamOptions{NoReconnect: true})
	if !s.Next() || s.Next() {
		t.Fatal("want exactly one event")
	}
	if s.Err() != nil || atomic.LoadInt32(n) != 1 {
		t.Errorf("Err = %v after %d connections", s.Err(), *n)
	}
}

func TestStreamRefusesNonEventStream(t *testing.T) {
	_, c, _ := sseServer(t, func(_ int, w http.ResponseWriter, r *http.Request) {
		answer(200, `{"events":[]}`)(w, r)
	})
	s := c.Stream(context.Background(), &StreamOptions{NoReconnect: true})
	if s.Next() || s.Err() == nil {
		t.Fatalf("Next accepted a JSON answer; Err = %v", s.Err())
	}
}
