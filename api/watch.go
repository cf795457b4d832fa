package api

import (
	"bytes"
	"context"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"cartable"
	"cartable/live"
)

// watchItems streams, as server-sent events, the items ?ids= names each time their
// thumbnails or their antivirus verdict change (see package live).
func (s *Server) watchItems(c echo.Context) error {
	if s.Live == nil {
		return cartable.Errorf(cartable.ENotFound, "this node does not stream changes: ask for the items again")
	}
	ids, err := live.ParseIDs(c.QueryParam("ids"))
	if err != nil {
		return err
	}
	return s.Live.Watch(c.Request().Context(), c.Response(), caller(c).UserID, ids, s.itemSnapshot(c))
}

// itemSnapshot reads an item for a watch as GET /api/v1/items/{id} answers it to
// the caller: the same access check, the same JSON.
func (s *Server) itemSnapshot(c echo.Context) live.Lookup {
	who, base := caller(c), apiBase(c)
	return func(ctx context.Context, id uuid.UUID) (live.Snapshot, error) {
		it, err := s.Workspace.Item(ctx, who, id)
		if err != nil {
			return live.Snapshot{}, err
		}
		var data bytes.Buffer
		if err := jsonEncode(&data, toItemJSON(it, base)); err != nil {
			return live.Snapshot{}, err
		}
		return live.Snapshot{VersionID: it.CurrentVersionID, Waiting: it.RefreshAfter() > 0, Data: bytes.TrimSpace(data.Bytes())}, nil
	}
}
