package wakubot

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/http"
)

// NewIdempotencyKey returns a fresh random Idempotency-Key: "wbk_" and 32 hex
// digits (128 random bits). It panics only if the system's random source
// fails.
func NewIdempotencyKey() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("wakubot: no randomness for an idempotency key: " + err.Error())
	}
	return "wbk_" + hex.EncodeToString(b[:])
}

// errBadKey is returned before sending when a key would be refused.
var errBadKey = errors.New("wakubot: Idempotency-Key must be 1–200 visible ASCII characters")

// idempotencyHeader fills *key from the client's generator when it is empty
// and returns the header to send (nil for no key).
func (c *Client) idempotencyHeader(key *string) (http.Header, error) {
	if *key == "" && c.keys != nil {
		*key = c.keys()
	}
	if *key == "" {
		return nil, nil
	}
	if len(*key) > 200 {
		return nil, errBadKey
	}
	for i := 0; i < len(*key); i++ {
		if (*key)[i] < 0x21 || (*key)[i] > 0x7e {
			return nil, errBadKey
		}
	}
	return http.Header{"Idempotency-Key": {*key}}, nil
}

// replayed reports whether an answer is a replay of an earlier one.
func replayed(h http.Header) bool { return h.Get("Idempotent-Replayed") == "true" }
