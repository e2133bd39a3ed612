package wakubot

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
)

// Conversation is an end-to-end encrypted conversation with one peer.
type Conversation struct {
	// ID looks like "cAbCdEfGhIjKlMnOp".
	ID string `json:"id"`
	// Peer is the peer's account id ("wb1…"), nil while unknown.
	Peer *string `json:"peer"`
	// Label is the conversation's label, nil if none.
	Label *string `json:"label"`
	// State is the session state, for example "ratcheting".
	State string `json:"state"`
	// CreatedAt is ms since the Unix epoch.
	CreatedAt int64 `json:"createdAt"`
	// LastMessageAt is ms since the Unix epoch, nil before the first message.
	LastMessageAt *int64 `json:"lastMessageAt"`
}

// PeerAccount returns Peer, or "" when it is nil.
func (c *Conversation) PeerAccount() string {
	if c.Peer == nil {
		return ""
	}
	return *c.Peer
}

// ListOptions pages through conversations. Zero values use the bot's
// defaults (limit 50, offset 0).
type ListOptions struct {
	// Limit is 1 to 200.
	Limit int
	// Offset skips that many conversations.
	Offset int
}

// ListConversations returns conversations, most recently active first. opts
// may be nil.
func (c *Client) ListConversations(ctx context.Context, opts *ListOptions) ([]Conversation, error) {
	q := url.Values{}
	if opts != nil {
		if opts.Limit != 0 {
			q.Set("limit", strconv.Itoa(opts.Limit))
		}
		if opts.Offset != 0 {
			q.Set("offset", strconv.Itoa(opts.Offset))
		}
	}
	var out struct {
		Conversations []Conversation `json:"conversations"`
	}
	if _, err := c.do(ctx, call{method: http.MethodGet, path: "/v1/conversations", query: q}, &out); err != nil {
		return nil, err
	}
	return out.Conversations, nil
}

// ConnectRequest asks to start a conversation from someone's invite.
type ConnectRequest struct {
	// Invite is the link ("wb:…").
	Invite string `json:"invite"`
	// IdempotencyKey is sent as the Idempotency-Key header. When empty,
	// Connect fills in a fresh key (see WithIdempotencyKeys), so calling
	// Connect again with the same *ConnectRequest after a timeout retries
	// safely: the bot answers the first result again.
	IdempotencyKey string `json:"-"`
}

// Connect starts a conversation from someone's invite (POST
// /v1/conversations). Nothing is sent to the peer yet. A bad invite is an
// *APIError with a code such as invite_malformed or invite_expired.
func (c *Client) Connect(ctx context.Context, req *ConnectRequest) (*Conversation, error) {
	h, err := c.idempotencyHeader(&req.IdempotencyKey)
	if err != nil {
		return nil, err
	}
	var out Conversation
	if _, err := c.do(ctx, call{method: http.MethodPost, path: "/v1/conversations", body: req, header: h}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// GetConversation returns one conversation.
func (c *Client) GetConversation(ctx context.Context, id string) (*Conversation, error) {
	var out Conversation
	if _, err := c.do(ctx, call{method: http.MethodGet, path: "/v1/conversations/" + segment(id)}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
