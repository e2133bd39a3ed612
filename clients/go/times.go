package wakubot

import "time"

// TimeOf converts the API's times, integer milliseconds since the Unix
// epoch, to a time.Time.
func TimeOf(ms int64) time.Time { return time.UnixMilli(ms) }

// OptionalTime converts a nullable API time; the zero time.Time (IsZero)
// stands for null.
func OptionalTime(ms *int64) time.Time {
	if ms == nil {
		return time.Time{}
	}
	return time.UnixMilli(*ms)
}
