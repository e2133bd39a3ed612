package wakubot

import (
	"context"
	"net/http"
	"strconv"
)

// Invite statuses.
const (
	InviteActive  = "active"
	InviteUsed    = "used"
	InviteExpired = "expired"
	InviteRevoked = "revoked"
)

// Invite is a tracked invite. Its link is not kept by the bot, so only
// CreateInvite returns it (CreatedInvite.Link).
type Invite struct {
	ID int64 `json:"id"`
	// Label is the private note given at creation, nil if none.
	Label *string `json:"label"`
	// SingleUse invites start one conversation only.
	SingleUse bool `json:"singleUse"`
	// Status is InviteActive, InviteUsed, InviteExpired or InviteRevoked.
	Status string `json:"status"`
	// Uses counts the conversations started through it.
	Uses int64 `json:"uses"`
	// CreatedAt is ms since the Unix epoch.
	CreatedAt int64 `json:"createdAt"`
	// ExpiresAt is ms since the Unix epoch, nil if it does not expire.
	ExpiresAt *int64 `json:"expiresAt"`
	// RevokedAt is ms since the Unix epoch, nil unless revoked.
	RevokedAt *int64 `json:"revokedAt"`
}

// CreatedInvite is an invite just created: its record and its link.
type CreatedInvite struct {
	Invite
	// Link is the invite link ("wb:…") to give to the person who should
	// connect. It is shown only here.
	Link string `json:"invite"`
}

// InviteRequest holds the options of CreateInvite. Zero values are left out
// of the request, so the bot's defaults apply (reusable, no expiry, no label,
// no name).
type InviteRequest struct {
	// SingleUse makes the invite start one conversation only.
	SingleUse bool `json:"singleUse,omitempty"`
	// ExpiresInSeconds is the lifetime, 1 to 31622400 (366 days); 0 means no
	// expiry.
	ExpiresInSeconds int64 `json:"expiresInSeconds,omitempty"`
	// Label is a private note (at most 64 characters), not in the link.
	Label string `json:"label,omitempty"`
	// Name is a display name carried in the link (at most 64 bytes).
	Name string `json:"name,omitempty"`
}

// CreateInvite creates a tracked invite (POST /v1/invites). req may be nil
// for the defaults.
func (c *Client) CreateInvite(ctx context.Context, req *InviteRequest) (*CreatedInvite, error) {
	if req == nil {
		req = &InviteRequest{}
	}
	var out CreatedInvite
	if _, err := c.do(ctx, call{method: http.MethodPost, path: "/v1/invites", body: req}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ListInvites returns the tracked invites, newest first.
func (c *Client) ListInvites(ctx context.Context) ([]Invite, error) {
	var out struct {
		Invites []Invite `json:"invites"`
	}
	if _, err := c.do(ctx, call{method: http.MethodGet, path: "/v1/invites"}, &out); err != nil {
		return nil, err
	}
	return out.Invites, nil
}

// GetInvite returns one invite; an unknown id is an *APIError with code
// not_found.
func (c *Client) GetInvite(ctx context.Context, id int64) (*Invite, error) {
	var out Invite
	path := "/v1/invites/" + strconv.FormatInt(id, 10)
	if _, err := c.do(ctx, call{method: http.MethodGet, path: path}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// RevokeInvite revokes an invite and returns it (Status InviteRevoked): new
// conversations through it are refused, started ones stay.
func (c *Client) RevokeInvite(ctx context.Context, id int64) (*Invite, error) {
	var out Invite
	path := "/v1/invites/" + strconv.FormatInt(id, 10)
	if _, err := c.do(ctx, call{method: http.MethodDelete, path: path}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
