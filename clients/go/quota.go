package wakubot

import (
	"context"
	"net/http"
)

// Quota states.
const (
	QuotaAvailable = "available"
	QuotaLow       = "low"
	QuotaExhausted = "exhausted"
)

// Quota is the bot's rate-limit budget in the current epoch and its send
// queues (GET /v1/quota; docs/rate-limit.md in the wakubot repository).
type Quota struct {
	// Limit is the number of messages allowed per epoch.
	Limit int64 `json:"limit"`
	// Reserve is the part of Limit kept for critical messages.
	Reserve int64 `json:"reserve"`
	// CriticalCap is the most critical messages allowed per epoch.
	CriticalCap int64 `json:"criticalCap"`
	// Used is how many have been used this epoch.
	Used int64 `json:"used"`
	// Remaining is Limit minus Used.
	Remaining int64 `json:"remaining"`
	// CriticalUsed is how many critical messages were sent this epoch.
	CriticalUsed int64 `json:"criticalUsed"`
	// State is QuotaAvailable, QuotaLow or QuotaExhausted.
	State string `json:"state"`
	// Epoch is the number of the current epoch.
	Epoch int64 `json:"epoch"`
	// EpochSeconds is the length of an epoch.
	EpochSeconds int64 `json:"epochSeconds"`
	// EpochEndsAt is when the epoch ends, ms since the Unix epoch.
	EpochEndsAt int64 `json:"epochEndsAt"`
	// Queued counts the messages waiting, per priority.
	Queued QueueLengths `json:"queued"`
	// Handed is how many were handed to delivery but are not sent yet.
	Handed int64 `json:"handed"`
}

// QueueLengths counts queued messages per priority.
type QueueLengths struct {
	Critical int64 `json:"critical"`
	Normal   int64 `json:"normal"`
	Optional int64 `json:"optional"`
}

// Quota returns the rate-limit quota and queue lengths.
func (c *Client) Quota(ctx context.Context) (*Quota, error) {
	var q Quota
	if _, err := c.do(ctx, call{method: http.MethodGet, path: "/v1/quota"}, &q); err != nil {
		return nil, err
	}
	return &q, nil
}
