package live

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
)

// reconnectDelay is how long the listener waits before it connects again after
// losing its connection (the database restarting, a failover).
const reconnectDelay = time.Second

// Listen hears the changed blobs of the whole cluster on one dedicated connection,
// which connect makes, and publishes them, until ctx ends; it then closes the hub,
// ending the watches (the node is shutting down: its clients reconnect elsewhere).
// A broken connection is made again; once it listens again, every subscriber is
// told to look again, since what was sent meanwhile is lost.
func (h *Hub) Listen(ctx context.Context, connect func(context.Context) (*pgx.Conn, error), log *slog.Logger) {
	defer h.Close()
	for ctx.Err() == nil {
		err := h.listenOnce(ctx, connect)
		if err == nil || ctx.Err() != nil {
			return
		}
		log.Warn("blob change listener: connecting again", "err", err, "in", reconnectDelay)
		select {
		case <-ctx.Done():
		case <-time.After(reconnectDelay):
		}
	}
}

// listenOnce listens on one connection until it breaks (an error) or ctx ends (nil).
func (h *Hub) listenOnce(ctx context.Context, connect func(context.Context) (*pgx.Conn, error)) error {
	conn, err := connect(ctx)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, `LISTEN `+Channel); err != nil {
		return err
	}
	// Whatever was sent before this LISTEN, a first one included, is not coming:
	// the watches opened meanwhile read their items again.
	h.RecheckAll()
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			if errors.Is(err, context.Canceled) && ctx.Err() != nil {
				return nil
			}
			return err
		}
		for _, blob := range parsePayload(n.Payload) {
			h.Publish(blob)
		}
	}
}
