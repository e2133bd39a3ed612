package wakubot

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Error codes the admin API answers with (docs/admin.md §Conventions and
// docs/errors.md). Invite problems on Connect have their own codes
// (invite_malformed, invite_expired, invite_tampered, …).
const (
	CodeInvalidArgument     = "invalid_argument"
	CodeUnauthorized        = "unauthorized"
	CodeNotFound            = "not_found"
	CodeIdempotencyConflict = "idempotency_conflict"
	CodePayloadTooLarge     = "payload_too_large"
	CodeTooLarge            = "too_large"
	CodeRateLimited         = "rate_limited"
	CodeUnavailable         = "unavailable"
	CodeUnreachable         = "unreachable"
	CodeInternal            = "internal"
)

// APIError is an error answer from the bot: the HTTP status and the body
// {"error":{"code":"…","message":"…"}}. Get it with errors.As, or compare
// with errors.Is against ErrNotFound and the other sentinels.
type APIError struct {
	// Status is the HTTP status code.
	Status int
	// Code is the machine-readable code, such as "not_found". It is empty
	// when the answer did not carry a wakubot error body (a proxy's page).
	Code string
	// Message is the human-readable explanation.
	Message string
	// RetryAfter is the Retry-After header of a 429 or 503, zero if absent.
	RetryAfter time.Duration
}

// Error returns "wakubot: <status> <code>: <message>".
func (e *APIError) Error() string {
	code := e.Code
	if code == "" {
		code = strings.ToLower(strings.ReplaceAll(http.StatusText(e.Status), " ", "_"))
	}
	return fmt.Sprintf("wakubot: %d %s: %s", e.Status, code, e.Message)
}

// Is reports whether target is an *APIError with the same code (when the
// target's Code is set) and status (when the target's Status is set), so
// errors.Is(err, wakubot.ErrNotFound) works.
func (e *APIError) Is(target error) bool {
	t, ok := target.(*APIError)
	if !ok || (t.Code == "" && t.Status == 0) {
		return false
	}
	return (t.Code == "" || t.Code == e.Code) && (t.Status == 0 || t.Status == e.Status)
}

// Sentinels for errors.Is; they match any *APIError with their code.
var (
	ErrUnauthorized        = &APIError{Code: CodeUnauthorized}
	ErrNotFound            = &APIError{Code: CodeNotFound}
	ErrInvalidArgument     = &APIError{Code: CodeInvalidArgument}
	ErrIdempotencyConflict = &APIError{Code: CodeIdempotencyConflict}
	ErrRateLimited         = &APIError{Code: CodeRateLimited}
)

// readAPIError turns an error answer into an *APIError.
func readAPIError(res *http.Response) *APIError {
	raw, _ := io.ReadAll(io.LimitReader(res.Body, 64<<10))
	e := &APIError{Status: res.StatusCode, RetryAfter: retryAfter(res.Header.Get("Retry-After"))}
	var body struct {
		Error *struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(raw, &body) == nil && body.Error != nil && body.Error.Code != "" {
		e.Code, e.Message = body.Error.Code, body.Error.Message
		return e
	}
	e.Message = snippet(raw)
	if e.Message == "" {
		e.Message = http.StatusText(res.StatusCode)
	}
	return e
}

// retryAfter reads a Retry-After header given in seconds or as an HTTP date.
func retryAfter(v string) time.Duration {
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := time.Until(t); d > 0 {
			return d
		}
	}
	return 0
}

// snippet shortens a non-JSON error body to one line of at most 200 bytes.
func snippet(b []byte) string {
	s := strings.Join(strings.Fields(string(b)), " ")
	if len(s) > 200 {
		s = s[:200]
		for !utf8.ValidString(s) {
			s = s[:len(s)-1]
		}
		s += "…"
	}
	return s
}
