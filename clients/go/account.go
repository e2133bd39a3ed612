package wakubot

import (
	"context"
	"net/http"
)

// Account is the bot's identity and addresses (GET /v1/account).
type Account struct {
	// Account is the bot's account id ("wb1…").
	Account string `json:"account"`
	// PeerID is the libp2p peer id of the bot's Waku node, nil if it has none.
	PeerID *string `json:"peerId"`
	// Multiaddrs are the addresses the node listens on.
	Multiaddrs []string `json:"multiaddrs"`
	// PubsubTopics are the Waku pubsub topics the node serves.
	PubsubTopics []string `json:"pubsubTopics"`
	// Invite is the bot's standing invite link ("wb:…"): not tracked, not
	// revocable. Use CreateInvite for tracked ones.
	Invite string `json:"invite"`
}

// Account returns the bot's account id, peer id, addresses, topics and
// standing invite.
func (c *Client) Account(ctx context.Context) (*Account, error) {
	var a Account
	if _, err := c.do(ctx, call{method: http.MethodGet, path: "/v1/account"}, &a); err != nil {
		return nil, err
	}
	return &a, nil
}
