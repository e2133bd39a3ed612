// Command send connects a wakubot to someone's invite, sends a text and
// follows the bot's event stream until the text is delivered and a reply
// arrives, printing both.
//
//	export WAKUBOT_ADMIN_URL=http://127.0.0.1:8080 WAKUBOT_ADMIN_TOKEN=…
//	go run ./examples/send 'wb:…' 'hello from Go'
//
// The bot at WAKUBOT_ADMIN_URL must run with its admin API on (for example
// `wakubot run bots/service.ts --admin 127.0.0.1:8080`).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"time"

	wakubot "github.com/wakubot/wakubot/clients/go"
)

func main() {
	timeout := flag.Duration("timeout", time.Minute, "give up after this long")
	priority := flag.String("priority", "normal", "critical, normal or optional")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: %s [-timeout 1m] [-priority normal] INVITE [TEXT]\n", os.Args[0])
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() < 1 || flag.NArg() > 2 {
		flag.Usage()
		os.Exit(2)
	}
	text := "hello from Go"
	if flag.NArg() == 2 {
		text = flag.Arg(1)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	if err := run(ctx, flag.Arg(0), text, wakubot.Priority(*priority)); err != nil {
		fmt.Fprintln(os.Stderr, "send:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, invite, text string, priority wakubot.Priority) error {
	url, token := os.Getenv("WAKUBOT_ADMIN_URL"), os.Getenv("WAKUBOT_ADMIN_TOKEN")
	if url == "" || token == "" {
		return errors.New("set WAKUBOT_ADMIN_URL and WAKUBOT_ADMIN_TOKEN")
	}
	c, err := wakubot.NewClient(url, token)
	if err != nil {
		return err
	}

	// Only events from now on matter.
	from, err := c.LatestEventID(ctx)
	if err != nil {
		return err
	}
	conv, err := c.Connect(ctx, &wakubot.ConnectRequest{Invite: invite})
	if err != nil {
		return err
	}
	fmt.Printf("conversation %s with %s\n", conv.ID, conv.PeerAccount())

	sent, err := c.Send(ctx, conv.ID, &wakubot.SendRequest{Text: text, Priority: priority})
	if err != nil {
		return err
	}
	fmt.Printf("sent %s (%s): %q\n", sent.ID, sent.Status, text)

	s := c.Stream(ctx, &wakubot.StreamOptions{
		After: from,
		Types: []string{wakubot.EventDelivered, wakubot.EventMessage, wakubot.EventFailed},
	})
	defer s.Close()
	delivered, replied := false, false
	for !(delivered && replied) && s.Next() {
		e := s.Event()
		switch {
		case e.Type == wakubot.EventDelivered && e.Data.ID == sent.ID:
			delivered = true
			fmt.Printf("delivered at %s\n", wakubot.TimeOf(e.CreatedAt).Format(time.RFC3339Nano))
		case e.Type == wakubot.EventFailed && e.Data.ID == sent.ID:
			return fmt.Errorf("not delivered: %s: %s", e.Data.Code, e.Data.Message)
		case e.Type == wakubot.EventMessage && e.Data.Conversation == conv.ID:
			replied = true
			fmt.Printf("reply %s (%s): %q\n", e.Data.ID, e.Data.Type, e.Text())
		}
	}
	if !(delivered && replied) {
		return fmt.Errorf("gave up waiting (delivered %v, replied %v): %v", delivered, replied, s.Err())
	}
	m, err := c.GetMessage(ctx, sent.ID)
	if err != nil {
		return err
	}
	fmt.Printf("message %s is %s\n", m.ID, m.Status)
	return nil
}
