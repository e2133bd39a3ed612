package wakubot_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"os"
	"sync"
	"time"

	wakubot "github.com/wakubot/wakubot/clients/go"
)

func ExampleNewClient() {
	c, err := wakubot.NewClient(os.Getenv("WAKUBOT_ADMIN_URL"), os.Getenv("WAKUBOT_ADMIN_TOKEN"),
		wakubot.WithHTTPClient(&http.Client{Transport: http.DefaultTransport}))
	if err != nil {
		log.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	q, err := c.Quota(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d of %d messages left until %s\n", q.Remaining, q.Limit, wakubot.TimeOf(q.EpochEndsAt))
}

func ExampleClient_CreateInvite() {
	c, _ := wakubot.NewClient("http://127.0.0.1:8080", os.Getenv("WAKUBOT_ADMIN_TOKEN"))
	ctx := context.Background()
	inv, err := c.CreateInvite(ctx, &wakubot.InviteRequest{Label: "support desk", SingleUse: true, ExpiresInSeconds: 86400})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("give this link out:", inv.Link)
	// Later: nobody new may use it.
	if _, err := c.RevokeInvite(ctx, inv.ID); err != nil {
		log.Fatal(err)
	}
}

// Send, retrying after a timeout: the request keeps the Idempotency-Key
// Send put in it, so the bot sends the text once whatever happens.
func ExampleClient_Send() {
	c, _ := wakubot.NewClient("http://127.0.0.1:8080", os.Getenv("WAKUBOT_ADMIN_TOKEN"))
	conv, err := c.Connect(context.Background(), &wakubot.ConnectRequest{Invite: "wb:…"})
	if err != nil {
		log.Fatal(err)
	}
	req := &wakubot.SendRequest{Text: "the server is down", Priority: wakubot.PriorityCritical}
	for attempt := 1; ; attempt++ {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		sent, err := c.Send(ctx, conv.ID, req)
		cancel()
		if err == nil {
			fmt.Println("queued", sent.ID, "replayed:", sent.Replayed)
			return
		}
		var api *wakubot.APIError
		if errors.As(err, &api) && api.Status < 500 && api.Code != wakubot.CodeRateLimited {
			log.Fatal(err) // retrying will not help
		}
		if attempt == 5 {
			log.Fatal(err)
		}
		time.Sleep(time.Duration(attempt) * time.Second)
	}
}

func ExampleClient_Stream() {
	c, _ := wakubot.NewClient("http://127.0.0.1:8080", os.Getenv("WAKUBOT_ADMIN_TOKEN"))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	from, err := c.LatestEventID(ctx)
	if err != nil {
		log.Fatal(err)
	}
	s := c.Stream(ctx, &wakubot.StreamOptions{After: from, Types: []string{wakubot.EventMessage, wakubot.EventDelivered}})
	defer s.Close()
	for s.Next() {
		e := s.Event()
		switch e.Type {
		case wakubot.EventMessage:
			fmt.Printf("%s says %q\n", e.Data.Conversation, e.Text())
		case wakubot.EventDelivered:
			fmt.Println("delivered", e.Data.ID)
		}
	}
	if err := s.Err(); err != nil {
		log.Fatal(err)
	}
}

func ExampleClient_Events() {
	c, _ := wakubot.NewClient("http://127.0.0.1:8080", os.Getenv("WAKUBOT_ADMIN_TOKEN"))
	var after int64
	for {
		page, err := c.Events(context.Background(), &wakubot.EventsOptions{After: after, Limit: 1000})
		if err != nil {
			log.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		for _, e := range page {
			fmt.Println(e.ID, e.Type, wakubot.TimeOf(e.CreatedAt))
		}
		after = page[len(page)-1].ID
	}
}

func ExampleAPIError() {
	c, _ := wakubot.NewClient("http://127.0.0.1:8080", os.Getenv("WAKUBOT_ADMIN_TOKEN"))
	_, err := c.GetInvite(context.Background(), 42)
	var api *wakubot.APIError
	switch {
	case errors.Is(err, wakubot.ErrNotFound):
		fmt.Println("no invite 42")
	case errors.As(err, &api):
		fmt.Println("the bot said", api.Status, api.Code, api.Message)
	case err != nil:
		fmt.Println("could not ask:", err)
	}
}

func ExampleVerifyWebhook() {
	secret := make([]byte, 32) // CreatedWebhook.SecretBytes()
	body := []byte(`{"id":42,"type":"delivered","createdAt":"2026-11-22T12:00:00.000Z","data":{}}`)
	sentAt := time.Unix(1795320000, 0)
	header := wakubot.SignWebhook(secret, body, sentAt) // what the bot puts in Wakubot-Signature

	fmt.Println(wakubot.VerifyWebhook(secret, body, header, sentAt.Add(time.Minute), wakubot.DefaultWebhookTolerance))
	fmt.Println(wakubot.VerifyWebhook(secret, body, header, sentAt.Add(time.Hour), wakubot.DefaultWebhookTolerance))
	fmt.Println(wakubot.VerifyWebhook(secret, append(body, ' '), header, sentAt, 0))
	// Output:
	// <nil>
	// wakubot: webhook signature timestamp outside the tolerance
	// wakubot: webhook signature does not match the body
}

func ExampleVerifyHubSignature() {
	secret := []byte("bridge secret")
	body := []byte(`{"text":"hi"}`)
	header := wakubot.HubSignature(secret, body) // X-Hub-Signature-256
	fmt.Println(wakubot.VerifyHubSignature(secret, body, header))
	fmt.Println(wakubot.VerifyHubSignature(secret, body, "sha256=00"))
	// Output:
	// <nil>
	// wakubot: webhook signature header malformed
}

func ExampleWebhookHandler() {
	c, _ := wakubot.NewClient("http://127.0.0.1:8080", os.Getenv("WAKUBOT_ADMIN_TOKEN"))
	hook, err := c.CreateWebhook(context.Background(), &wakubot.WebhookRequest{
		URL:    "https://bots.example.com/wakubot",
		Events: []string{wakubot.EventMessage},
	})
	if err != nil {
		log.Fatal(err)
	}
	secret, _ := hook.SecretBytes() // store it: it is shown only once
	var mu sync.Mutex
	seen := map[int64]bool{} // deliveries are at least once: dedupe on the event id
	http.Handle("/wakubot", wakubot.WebhookHandler(secret, func(ctx context.Context, d *wakubot.WebhookDelivery) error {
		mu.Lock()
		defer mu.Unlock()
		if seen[d.EventID] {
			return nil
		}
		seen[d.EventID] = true
		if d.Data.Text != nil {
			fmt.Printf("%s in %s: %q\n", d.Type, d.Data.Conversation, *d.Data.Text)
		}
		return nil // an error makes the bot retry later
	}))
	log.Fatal(http.ListenAndServe(":8443", nil))
}
