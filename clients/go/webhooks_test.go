package wakubot

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"
)

// vectors is test/vectors/webhook-signature.json of the wakubot repository.
type vectors struct {
	Secret  string `json:"secret"`
	Wakubot []struct {
		Timestamp int64  `json:"timestamp"`
		Body      string `json:"body"`
		Header    string `json:"header"`
	} `json:"wakubot"`
	Hub []struct {
		Body   string `json:"body"`
		Header string `json:"header"`
	} `json:"hub"`
}

func loadVectors(t *testing.T) (vectors, []byte) {
	t.Helper()
	raw, err := os.ReadFile("../../test/vectors/webhook-signature.json")
	if err != nil {
		t.Fatalf("signature vectors: %v", err)
	}
	var v vectors
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	secret, err := hex.DecodeString(v.Secret)
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Wakubot) == 0 || len(v.Hub) == 0 {
		t.Fatal("empty vector lists")
	}
	return v, secret
}

func TestWakubotSignatureVectors(t *testing.T) {
	v, secret := loadVectors(t)
	for _, tc := range v.Wakubot {
		at := time.Unix(tc.Timestamp, 0)
		body := []byte(tc.Body)
		if got := SignWebhook(secret, body, at); got != tc.Header {
			t.Errorf("SignWebhook(%q, %d) = %s, want %s", tc.Body, tc.Timestamp, got, tc.Header)
		}
		if err := VerifyWebhook(secret, body, tc.Header, at, 0); err != nil {
			t.Errorf("vector t=%d: %v", tc.Timestamp, err)
		}
		// Tolerance, both ways, at the edge and one second past it.
		for _, off := range []time.Duration{-5 * time.Minute, 5 * time.Minute, 5*time.Minute + 999*time.Millisecond} {
			if err := VerifyWebhook(secret, body, tc.Header, at.Add(off), DefaultWebhookTolerance); err != nil {
				t.Errorf("t=%d, now %+v: %v", tc.Timestamp, off, err)
			}
		}
		for _, off := range []time.Duration{-301 * time.Second, 301 * time.Second, time.Hour} {
			if err := VerifyWebhook(secret, body, tc.Header, at.Add(off), 0); !errors.Is(err, ErrSignatureExpired) {
				t.Errorf("t=%d, now %+v: %v, want ErrSignatureExpired", tc.Timestamp, off, err)
			}
		}
		if err := VerifyWebhook(secret, body, tc.Header, at.Add(10*time.Second), 5*time.Second); !errors.Is(err, ErrSignatureExpired) {
			t.Errorf("custom tolerance: %v", err)
		}
		// Tampering: body, timestamp, mac, secret.
		if err := VerifyWebhook(secret, append(body, ' '), tc.Header, at, 0); !errors.Is(err, ErrSignatureMismatch) {
			t.Errorf("tampered body: %v", err)
		}
		mac := tc.Header[strings.Index(tc.Header, ",v1=")+4:]
		moved := SignWebhook(secret, body, at.Add(time.Second))
		if err := VerifyWebhook(secret, body, moved[:strings.Index(moved, ",")]+",v1="+mac, at, 0); !errors.Is(err, ErrSignatureMismatch) {
			t.Errorf("tampered timestamp: %v", err)
		}
		flipped := []byte(tc.Header)
		last := len(flipped) - 1
		if flipped[last] == '0' {
			flipped[last] = '1'
		} else {
			flipped[last] = '0'
		}
		if err := VerifyWebhook(secret, body, string(flipped), at, 0); !errors.Is(err, ErrSignatureMismatch) {
			t.Errorf("tampered mac: %v", err)
		}
		other := bytes.Repeat([]byte{7}, 32)
		if err := VerifyWebhook(other, body, tc.Header, at, 0); !errors.Is(err, ErrSignatureMismatch) {
			t.Errorf("wrong secret: %v", err)
		}
	}
}

func TestWakubotSignatureMalformed(t *testing.T) {
	v, secret := loadVectors(t)
	tc := v.Wakubot[0]
	at := time.Unix(tc.Timestamp, 0)
	mac := tc.Header[strings.Index(tc.Header, ",v1=")+4:]
	for _, h := range []string{
		"",
		"t=1795320000",
		"v1=" + mac,
		"t=1795320000,v1=" + strings.ToUpper(mac),
		"t=1795320000,v1=" + mac[:63],
		"t=1795320000,v1=" + mac + "0",
		"t=-1795320000,v1=" + mac,
		"t=1795320000, v1=" + mac,
		"v1=" + mac + ",t=1795320000",
		"t=1795320000,v0=" + mac,
		"t=1234567890123,v1=" + mac,
		" t=1795320000,v1=" + mac,
	} {
		if err := VerifyWebhook(secret, []byte(tc.Body), h, at, 0); !errors.Is(err, ErrSignatureMalformed) {
			t.Errorf("header %q: %v, want ErrSignatureMalformed", h, err)
		}
	}
}

func TestHubSignatureVectors(t *testing.T) {
	v, secret := loadVectors(t)
	for _, tc := range v.Hub {
		body := []byte(tc.Body)
		if got := HubSignature(secret, body); got != tc.Header {
			t.Errorf("HubSignature(%q) = %s, want %s", tc.Body, got, tc.Header)
		}
		if err := VerifyHubSignature(secret, body, tc.Header); err != nil {
			t.Errorf("vector %q: %v", tc.Body, err)
		}
		if err := VerifyHubSignature(secret, append(body, '\n'), tc.Header); !errors.Is(err, ErrSignatureMismatch) {
			t.Errorf("tampered body: %v", err)
		}
		if err := VerifyHubSignature(secret[1:], body, tc.Header); !errors.Is(err, ErrSignatureMismatch) {
			t.Errorf("wrong secret: %v", err)
		}
		for _, h := range []string{"", tc.Header[7:], "sha1=" + tc.Header[7:], strings.ToUpper(tc.Header), tc.Header + "0", tc.Header[:len(tc.Header)-1]} {
			if err := VerifyHubSignature(secret, body, h); !errors.Is(err, ErrSignatureMalformed) {
				t.Errorf("header %q: %v, want ErrSignatureMalformed", h, err)
			}
		}
	}
}

func TestWebhookHandler(t *testing.T) {
	secret := bytes.Repeat([]byte{1}, 32)
	var got []*WebhookDelivery
	h := WebhookHandler(secret, func(_ context.Context, d *WebhookDelivery) error {
		got = append(got, d)
		if d.Data.Text != nil && *d.Data.Text == "fail" {
			return errors.New("not now")
		}
		return nil
	})
	post := func(body, sig string) int {
		r := httptest.NewRequest(http.MethodPost, "/hook", strings.NewReader(body))
		r.Header.Set(HeaderSignature, sig)
		r.Header.Set(HeaderEventID, "42")
		r.Header.Set(HeaderWebhookID, "3")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Code
	}
	body := `{"id":42,"type":"message","createdAt":"2026-11-22T12:00:00.000Z","data":{"conversation":"cAbCdEfGhIjKlMnOp","id":"cAbCdEfGhIjKlMnOp:0123456789abcdef","type":"text","text":"héllo"}}`
	if code := post(body, SignWebhook(secret, []byte(body), time.Now())); code != http.StatusNoContent {
		t.Fatalf("good delivery: %d", code)
	}
	d := got[0]
	if d.EventID != 42 || d.WebhookID != 3 || d.Type != EventMessage || *d.Data.Text != "héllo" ||
		!d.CreatedAt.Equal(time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)) || string(d.Body) != body {
		t.Errorf("delivery = %+v", d)
	}
	if code := post(body, SignWebhook(secret, []byte(body), time.Now().Add(-time.Hour))); code != http.StatusUnauthorized {
		t.Errorf("old delivery: %d", code)
	}
	if code := post(body+" ", SignWebhook(secret, []byte(body), time.Now())); code != http.StatusUnauthorized {
		t.Errorf("tampered delivery: %d", code)
	}
	bad := `not json`
	if code := post(bad, SignWebhook(secret, []byte(bad), time.Now())); code != http.StatusBadRequest {
		t.Errorf("bad body: %d", code)
	}
	failing := `{"id":43,"type":"message","createdAt":1795320000000,"data":{"text":"fail"}}`
	if code := post(failing, SignWebhook(secret, []byte(failing), time.Now())); code != http.StatusInternalServerError {
		t.Errorf("failing handler: %d", code)
	}
	if last := got[len(got)-1]; !last.CreatedAt.Equal(time.UnixMilli(1795320000000)) {
		t.Errorf("ms createdAt = %v", last.CreatedAt)
	}
}
