package api

import (
	"encoding/csv"
	"encoding/json"
	"net/http"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"cartable"
	"cartable/audit"
	"cartable/quota"
)

// The audit log (package audit): a structure's for its local admins and the
// region, the whole log for the region.

// auditEntryJSON is one entry on the wire.
type auditEntryJSON struct {
	ID          int64          `json:"id"`
	At          time.Time      `json:"at"`
	Actor       string         `json:"actor"`
	ActorName   string         `json:"actor_name,omitempty"`
	Action      string         `json:"action"`
	ItemID      *uuid.UUID     `json:"item_id,omitempty"`
	ItemName    string         `json:"item_name"`
	SpaceID     *uuid.UUID     `json:"space_id,omitempty"`
	StructureID string         `json:"structure_id,omitempty"`
	Address     string         `json:"address,omitempty"`
	Details     map[string]any `json:"details,omitempty"`
}

func toAuditEntryJSON(e audit.Entry) auditEntryJSON {
	out := auditEntryJSON{ID: e.ID, At: e.At.UTC(), Actor: e.Actor, ActorName: e.ActorName, Action: e.Action, ItemName: e.ItemName,
		StructureID: e.StructureID, Address: e.Address, Details: e.Details}
	if e.ItemID != uuid.Nil {
		out.ItemID = &e.ItemID
	}
	if e.SpaceID != uuid.Nil {
		out.SpaceID = &e.SpaceID
	}
	return out
}

// structureAudit answers a structure's log, for its local admins and the region.
func (s *Server) structureAudit(c echo.Context) error {
	return s.auditLog(c, structureAdmin(c), c.Param("id"))
}

// regionAudit answers the whole log: the route takes the admin scope only.
func (s *Server) regionAudit(c echo.Context) error {
	return s.auditLog(c, quota.Admin{Region: true}, "")
}

func (s *Server) auditLog(c echo.Context, a quota.Admin, structureID string) error {
	page, err := s.auditPage(c, a, structureID)
	if err != nil {
		return err
	}
	return writeList(c, page, toAuditEntryJSON)
}

// auditPage reads the page of the log the request's filter and cursor ask for.
func (s *Server) auditPage(c echo.Context, a quota.Admin, structureID string) (cartable.Page[audit.Entry], error) {
	f, err := auditFilter(c)
	if err != nil {
		return cartable.Page[audit.Entry]{}, err
	}
	req, err := pageRequest(c)
	if err != nil {
		return cartable.Page[audit.Entry]{}, err
	}
	return audit.List(c.Request().Context(), s.DB, a, structureID, f, req)
}

// structureAuditCSV and regionAuditCSV export one page of the log (limit up to the
// page maximum; the next page's cursor in the Cartable-Next-Cursor header).
func (s *Server) structureAuditCSV(c echo.Context) error {
	return s.auditCSV(c, structureAdmin(c), c.Param("id"))
}

func (s *Server) regionAuditCSV(c echo.Context) error {
	return s.auditCSV(c, quota.Admin{Region: true}, "")
}

func (s *Server) auditCSV(c echo.Context, a quota.Admin, structureID string) error {
	page, err := s.auditPage(c, a, structureID)
	if err != nil {
		return err
	}
	name := "audit.csv"
	if structureID != "" {
		name = "audit-" + structureID + ".csv"
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	h.Set("Content-Disposition", contentDisposition("attachment", name))
	h.Set("Cache-Control", "no-store")
	if page.NextCursor != "" {
		h.Set("Cartable-Next-Cursor", page.NextCursor)
	}
	c.Response().WriteHeader(http.StatusOK)
	w := csv.NewWriter(c.Response())
	_ = w.Write([]string{"at", "actor", "action", "item_id", "item_name", "space_id", "structure_id", "address", "details"})
	for _, e := range page.Items {
		details := ""
		if len(e.Details) > 0 {
			b, _ := json.Marshal(e.Details)
			details = string(b)
		}
		_ = w.Write([]string{e.At.UTC().Format(time.RFC3339Nano), e.Actor, e.Action, uuidText(e.ItemID), csvSafe(e.ItemName),
			uuidText(e.SpaceID), e.StructureID, e.Address, details})
	}
	w.Flush()
	return w.Error()
}

func uuidText(id uuid.UUID) string {
	if id == uuid.Nil {
		return ""
	}
	return id.String()
}

// csvSafe keeps a spreadsheet from reading a name as a formula (a file called
// "=HYPERLINK(...)" is a pupil's joke away).
func csvSafe(s string) string {
	if s != "" && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@') {
		return "'" + s
	}
	return s
}

// auditFilter reads ?from=&to= (RFC 3339), ?action=, ?actor= and ?item=.
func auditFilter(c echo.Context) (audit.Filter, error) {
	var f audit.Filter
	for _, p := range []struct {
		name string
		to   *time.Time
	}{{"from", &f.From}, {"to", &f.To}} {
		raw := c.QueryParam(p.name)
		if raw == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339Nano, raw)
		if err != nil {
			return f, cartable.Errorf(cartable.EInvalid, "%s must be an RFC 3339 time", p.name).With("field", p.name)
		}
		*p.to = t
	}
	if raw := c.QueryParam("item"); raw != "" {
		id, err := uuid.Parse(raw)
		if err != nil {
			return f, cartable.Errorf(cartable.EInvalid, "item must be an item id").With("field", "item")
		}
		f.ItemID = id
	}
	f.Action, f.Actor = c.QueryParam("action"), c.QueryParam("actor")
	return f, nil
}
