// Package wakubot is a client for the admin HTTP API of a wakubot: a bot for
// end-to-end encrypted chat on Waku, written in TypeScript and run with Bun.
// The API (docs/admin.md in the wakubot repository) lets a Go program create
// and revoke invites, start conversations from other people's invites, send
// texts through the bot's rate limit, follow message status and events (as
// JSON pages or a server-sent event stream), register outgoing webhooks and
// read the quota and metrics.
//
// Start a bot with the API on, for example
//
//	WAKUBOT_ADMIN_TOKEN=$(openssl rand -hex 32) wakubot run bots/service.ts --admin 127.0.0.1:8080
//
// then
//
//	c, err := wakubot.NewClient("http://127.0.0.1:8080", os.Getenv("WAKUBOT_ADMIN_TOKEN"))
//	conv, err := c.Connect(ctx, &wakubot.ConnectRequest{Invite: "wb:…"})
//	sent, err := c.Send(ctx, conv.ID, &wakubot.SendRequest{Text: "hello"})
//
// Every method takes a context and returns an *APIError (use errors.As) when
// the bot answers with an error status. Times are int64 milliseconds since
// the Unix epoch, as on the wire; TimeOf and OptionalTime convert them.
//
// The package uses only the standard library.
package wakubot
