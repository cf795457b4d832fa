package audit

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"cartable"
	"cartable/db"
	"cartable/quota"
)

// Filter narrows a query; zero fields do not filter.
type Filter struct {
	From, To time.Time // From included, To excluded
	Action   string
	Actor    string
	ItemID   uuid.UUID
}

// Check refuses a filter that cannot match anything by mistake.
func (f Filter) Check() error {
	if f.Action != "" && !slices.Contains(Actions, f.Action) {
		return cartable.Errorf(cartable.EInvalid, "action must be one of %s", strings.Join(Actions, ", ")).With("field", "action")
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		return cartable.Errorf(cartable.EInvalid, "from must be before to").With("field", "from")
	}
	return nil
}

// mayRead decides who reads which log: the region every structure's and the whole
// log (structureID ""), a local admin the structures they administer. A structure
// they do not administer does not exist for them (404, as the other admin routes).
func mayRead(a quota.Admin, structureID string) error {
	if structureID == "" {
		if !a.Region {
			return cartable.Errorf(cartable.EForbidden, "only the region reads the whole audit log")
		}
		return nil
	}
	return a.Manages(structureID)
}

// logKey is where a page of the log ended.
type logKey struct {
	At time.Time `json:"t"`
	ID int64     `json:"i"`
}

// List returns a page of the log, newest first: the structure's entries, or with
// structureID "" the whole log (the region only).
func List(ctx context.Context, q db.DBTX, a quota.Admin, structureID string, f Filter, req cartable.PageRequest) (cartable.Page[Entry], error) {
	var none cartable.Page[Entry]
	if err := mayRead(a, structureID); err != nil {
		return none, err
	}
	if err := f.Check(); err != nil {
		return none, err
	}
	var after logKey
	size, resumed, err := req.Keyset("audit", &after)
	if err != nil {
		return none, err
	}
	sql, args := listSQL(structureID, f, resumed, after, size+1)
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return none, fmt.Errorf("read the audit log: %w", err)
	}
	list, err := pgx.CollectRows(rows, scanEntry)
	if err != nil {
		return none, fmt.Errorf("read the audit log: %w", err)
	}
	return cartable.CutPage(list, size, func(last Entry) string {
		return cartable.EncodeCursor("audit", logKey{At: last.At, ID: last.ID})
	}), nil
}

// listSQL builds the query with only the conditions asked for, so that each shape
// gets its own plan: the structure's index, or the time index for the region.
func listSQL(structureID string, f Filter, resumed bool, after logKey, limit int) (string, []any) {
	var where []string
	var args []any
	add := func(cond string, v ...any) {
		for _, x := range v {
			args = append(args, x)
			cond = strings.Replace(cond, "?", "$"+strconv.Itoa(len(args)), 1)
		}
		where = append(where, cond)
	}
	if structureID != "" {
		add("structure_id = ?", structureID)
	}
	if !f.From.IsZero() {
		add("at >= ?", f.From)
	}
	if !f.To.IsZero() {
		add("at < ?", f.To)
	}
	if f.Action != "" {
		add("action = ?", f.Action)
	}
	if f.Actor != "" {
		add("actor = ?", f.Actor)
	}
	if f.ItemID != uuid.Nil {
		add("item_id = ?", f.ItemID)
	}
	if resumed {
		add("(at, id) < (?, ?)", after.At, after.ID)
	}
	cond := ""
	if len(where) > 0 {
		cond = "WHERE " + strings.Join(where, " AND ")
	}
	args = append(args, limit)
	return `SELECT ` + entryColumns + ` FROM audit_log ` + cond +
		` ORDER BY at DESC, id DESC LIMIT $` + strconv.Itoa(len(args)), args
}

const entryColumns = `id, at, actor, coalesce((SELECT u.display_name FROM users u WHERE u.id = actor), ''), action, coalesce(item_id, '00000000-0000-0000-0000-000000000000'), item_name,
	coalesce(space_id, '00000000-0000-0000-0000-000000000000'), coalesce(structure_id, ''), coalesce(host(address), ''), details`

func scanEntry(row pgx.CollectableRow) (Entry, error) {
	var e Entry
	err := row.Scan(&e.ID, &e.At, &e.Actor, &e.ActorName, &e.Action, &e.ItemID, &e.ItemName, &e.SpaceID, &e.StructureID, &e.Address, &e.Details)
	return e, err
}
