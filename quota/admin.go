package quota

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"cartable"
	"cartable/db"
)

// Admin is who manages quotas: the region (a service token) for every structure,
// or a local admin for the structures they administer.
type Admin struct {
	Region bool
	Caller *cartable.Caller // the local admin, when not the region
}

// Manages decides whether the admin may read and change the structure's quotas. A
// structure they do not administer does not exist for them.
func (a Admin) Manages(structureID string) error {
	if a.Region || (a.Caller != nil && a.Caller.IsLocalAdmin(structureID)) {
		return nil
	}
	return cartable.Errorf(cartable.ENotFound, "no structure %q", structureID)
}

// Administered lists the structures a local admin administers (none for the region,
// which administers them all).
func (a Admin) Administered() []string {
	var out []string
	if a.Caller != nil {
		for _, st := range a.Caller.Structures {
			if st.LocalAdmin {
				out = append(out, st.StructureID)
			}
		}
	}
	return out
}

// Subjects of the defaults: a profile's personal cap, the group-space cap, the pool.
const (
	SubjectGroupSpace    = "group_space"
	SubjectStructurePool = "structure_pool"
)

func validSubject(s string) bool {
	return cartable.Profile(s).Valid() || s == SubjectGroupSpace || s == SubjectStructurePool
}

func checkLimit(limit *int64) error {
	if limit != nil && *limit < 0 {
		return cartable.Errorf(cartable.EInvalid, "limit_bytes must be zero or more")
	}
	return nil
}

// SetPool sets (or, with nil, resets to the region's default) a structure's pool.
// Only the region sets pools.
func SetPool(ctx context.Context, q db.DBTX, a Admin, structureID string, limit *int64) error {
	if err := a.Manages(structureID); err != nil {
		return err
	}
	if !a.Region {
		return cartable.Errorf(cartable.EForbidden, "only the region sets an establishment's pool")
	}
	if err := checkLimit(limit); err != nil {
		return err
	}
	return db.Transact(ctx, q, func(tx pgx.Tx) error {
		if err := structureExists(ctx, tx, structureID); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `
			INSERT INTO quota_accounts (id, kind, structure_id) VALUES ('structure:' || $1, 'structure', $1)
			ON CONFLICT (id) DO NOTHING`, structureID)
		if err != nil {
			return fmt.Errorf("open pool of %s: %w", structureID, err)
		}
		if _, err := tx.Exec(ctx, `UPDATE quota_accounts SET explicit_limit = $2 WHERE id = 'structure:' || $1`, structureID, limit); err != nil {
			return fmt.Errorf("set pool of %s: %w", structureID, err)
		}
		return refreshLimits(ctx, tx, `structure_id = $1`, structureID)
	})
}

// SetDefault sets (or, with nil, removes) a structure's default for a subject: a
// profile's personal cap, or the group-space cap. Every account it governs follows.
func SetDefault(ctx context.Context, q db.DBTX, a Admin, structureID, subject string, limit *int64) error {
	if err := a.Manages(structureID); err != nil {
		return err
	}
	if !validSubject(subject) || subject == SubjectStructurePool {
		return cartable.Errorf(cartable.EInvalid, "subject %q is not a profile or group_space", subject)
	}
	if err := checkLimit(limit); err != nil {
		return err
	}
	return db.Transact(ctx, q, func(tx pgx.Tx) error {
		if err := structureExists(ctx, tx, structureID); err != nil {
			return err
		}
		var err error
		if limit == nil {
			_, err = tx.Exec(ctx, `DELETE FROM quota_defaults WHERE structure_id = $1 AND subject = $2`, structureID, subject)
		} else {
			_, err = tx.Exec(ctx, `
				INSERT INTO quota_defaults (structure_id, subject, limit_bytes) VALUES ($1, $2, $3)
				ON CONFLICT (structure_id, subject) DO UPDATE SET limit_bytes = EXCLUDED.limit_bytes`, structureID, subject, *limit)
		}
		if err != nil {
			return fmt.Errorf("set default %s of %s: %w", subject, structureID, err)
		}
		return refreshLimits(ctx, tx, `structure_id = $1`, structureID)
	})
}

// SetUserLimit overrides (or, with nil, stops overriding) one user's personal cap.
// A local admin may do so for the users of the structures they administer.
func SetUserLimit(ctx context.Context, q db.DBTX, a Admin, userID string, limit *int64) error {
	if err := checkLimit(limit); err != nil {
		return err
	}
	return db.Transact(ctx, q, func(tx pgx.Tx) error {
		if err := a.managesUser(ctx, tx, userID); err != nil {
			return err
		}
		var err error
		if limit == nil {
			_, err = tx.Exec(ctx, `DELETE FROM quota_user_overrides WHERE user_id = $1`, userID)
		} else {
			by := "region"
			if a.Caller != nil {
				by = a.Caller.UserID
			}
			_, err = tx.Exec(ctx, `
				INSERT INTO quota_user_overrides (user_id, limit_bytes, set_by) VALUES ($1, $2, $3)
				ON CONFLICT (user_id) DO UPDATE SET limit_bytes = EXCLUDED.limit_bytes, set_by = EXCLUDED.set_by, set_at = now()`,
				userID, *limit, by)
		}
		if err != nil {
			return fmt.Errorf("set limit of %s: %w", userID, err)
		}
		return refreshLimits(ctx, tx, `owner_id = $1`, userID)
	})
}

// managesUser decides whether the admin may set the user's cap: the region for any
// user, a local admin for the users of their structures. The caller's right is
// checked before the user is read: someone who administers nothing learns nothing.
func (a Admin) managesUser(ctx context.Context, q db.DBTX, userID string) error {
	notFound := cartable.Errorf(cartable.ENotFound, "no user %q", userID)
	structures := a.Administered()
	if !a.Region && len(structures) == 0 {
		return notFound
	}
	var found bool
	err := q.QueryRow(ctx, `
		SELECT EXISTS (SELECT 1 FROM users WHERE id = $1 AND $2)
		    OR EXISTS (SELECT 1 FROM user_structures WHERE user_id = $1 AND structure_id = ANY($3))`,
		userID, a.Region, structures).Scan(&found)
	if err != nil {
		return fmt.Errorf("find user %s: %w", userID, err)
	}
	if !found {
		return notFound
	}
	return nil
}

// SetSpaceLimit sets (or, with nil, resets to the default) the cap of a group or
// staff space. Personal caps are set per user.
func SetSpaceLimit(ctx context.Context, q db.DBTX, a Admin, spaceID uuid.UUID, limit *int64) error {
	if err := checkLimit(limit); err != nil {
		return err
	}
	return db.Transact(ctx, q, func(tx pgx.Tx) error {
		var kind, structureID string
		err := tx.QueryRow(ctx, `SELECT kind, coalesce(structure_id, '') FROM spaces WHERE id = $1`, spaceID).Scan(&kind, &structureID)
		if err == pgx.ErrNoRows || (err == nil && a.Manages(structureID) != nil) {
			return cartable.Errorf(cartable.ENotFound, "no space %s", spaceID)
		}
		if err != nil {
			return fmt.Errorf("find space %s: %w", spaceID, err)
		}
		if kind == "personal" {
			return cartable.Errorf(cartable.EInvalid, "a personal space's cap is set on its owner: PUT /api/v1/admin/quota/users/{id}")
		}
		if _, err := tx.Exec(ctx, `SELECT quota_accounts_of($1)`, spaceID); err != nil {
			return fmt.Errorf("open account of %s: %w", spaceID, err)
		}
		if _, err := tx.Exec(ctx, `UPDATE quota_accounts SET explicit_limit = $2 WHERE space_id = $1`, spaceID, limit); err != nil {
			return fmt.Errorf("set cap of %s: %w", spaceID, err)
		}
		return refreshLimits(ctx, tx, `space_id = $1`, spaceID)
	})
}

// refreshLimits recomputes the effective limit of the accounts matching where.
// Lowering a limit below what is used is allowed: nothing is deleted, and the
// account refuses every write until it is back under its limit.
func refreshLimits(ctx context.Context, tx db.DBTX, where string, arg any) error {
	_, err := tx.Exec(ctx, `UPDATE quota_accounts a SET limit_bytes = quota_limit_of(a) WHERE `+where+`
		AND limit_bytes IS DISTINCT FROM quota_limit_of(a)`, arg)
	if err != nil {
		return fmt.Errorf("refresh limits: %w", err)
	}
	return nil
}

func structureExists(ctx context.Context, q db.DBTX, id string) error {
	var ok bool
	if err := q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM structures WHERE id = $1)`, id).Scan(&ok); err != nil {
		return fmt.Errorf("find structure %s: %w", id, err)
	}
	if !ok {
		return cartable.Errorf(cartable.ENotFound, "no structure %q", id)
	}
	return nil
}

// Report is a structure's usage as its admins see it.
type Report struct {
	Structure Usage            `json:"structure"`
	Defaults  map[string]int64 `json:"defaults"`
	ByKind    []GroupTotal     `json:"by_kind"`
	ByProfile []GroupTotal     `json:"by_profile"`
	Top       []SpaceReport    `json:"top_spaces"`
	Spaces    []SpaceReport    `json:"-"`
}

// GroupTotal sums the spaces of one kind or one owner profile.
type GroupTotal struct {
	Key    string `json:"key"`
	Spaces int    `json:"spaces"`
	Used   int64  `json:"used_bytes"`
}

// SpaceReport is one space's line in a report.
type SpaceReport struct {
	SpaceID   uuid.UUID `json:"space_id"`
	Name      string    `json:"name"`
	Kind      string    `json:"kind"`
	Owner     string    `json:"owner,omitempty"`
	OwnerName string    `json:"owner_name,omitempty"`
	Profile   string    `json:"profile,omitempty"`
	Limit     *int64    `json:"limit_bytes"`
	Used      int64     `json:"used_bytes"`
	Reserved  int64     `json:"reserved_bytes"`
}

// topSpaces is how many of the largest spaces a report lists.
const topSpaces = 20

// StructureReport gives a structure's pool, its effective defaults, its usage per
// space kind and per profile, and its 20 largest spaces.
func StructureReport(ctx context.Context, q db.DBTX, a Admin, structureID string) (Report, error) {
	if err := a.Manages(structureID); err != nil {
		return Report{}, err
	}
	if err := structureExists(ctx, q, structureID); err != nil {
		return Report{}, err
	}
	var r Report
	var err error
	if r.Structure, err = structureUsage(ctx, q, structureID); err != nil {
		return Report{}, err
	}
	if r.Defaults, err = defaults(ctx, q, structureID); err != nil {
		return Report{}, err
	}
	if r.Spaces, err = spaceReports(ctx, q, structureID); err != nil {
		return Report{}, err
	}
	r.ByKind, r.ByProfile = totals(r.Spaces)
	r.Top = r.Spaces[:min(topSpaces, len(r.Spaces))]
	return r, nil
}

// structureUsage reads a structure's pool, opening its account with its default
// limit when nothing has been charged to it yet. (The limit is set by a second
// statement: an UPDATE in the same statement as the INSERT would not see the new
// row, and the pool would stay without a limit.)
func structureUsage(ctx context.Context, q db.DBTX, structureID string) (Usage, error) {
	err := db.Transact(ctx, q, func(tx pgx.Tx) error {
		opened, err := tx.Exec(ctx, `
			INSERT INTO quota_accounts (id, kind, structure_id) VALUES ('structure:' || $1, 'structure', $1)
			ON CONFLICT (id) DO NOTHING`, structureID)
		if err != nil || opened.RowsAffected() == 0 {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE quota_accounts a SET limit_bytes = quota_limit_of(a) WHERE a.id = 'structure:' || $1`, structureID)
		return err
	})
	if err != nil {
		return Usage{}, fmt.Errorf("open pool of %s: %w", structureID, err)
	}
	rows, err := q.Query(ctx, `SELECT `+usageColumns+` FROM quota_accounts WHERE id = 'structure:' || $1`, structureID)
	if err != nil {
		return Usage{}, fmt.Errorf("read pool of %s: %w", structureID, err)
	}
	return pgx.CollectExactlyOneRow(rows, scanUsage)
}

// defaults are the effective defaults of a structure: its own, else the region's.
func defaults(ctx context.Context, q db.DBTX, structureID string) (map[string]int64, error) {
	rows, err := q.Query(ctx, `
		SELECT DISTINCT ON (subject) subject, limit_bytes FROM quota_defaults
		WHERE structure_id = $1 OR structure_id IS NULL
		ORDER BY subject, structure_id NULLS LAST`, structureID)
	if err != nil {
		return nil, fmt.Errorf("read defaults of %s: %w", structureID, err)
	}
	out := map[string]int64{}
	var subject string
	var limit int64
	_, err = pgx.ForEachRow(rows, []any{&subject, &limit}, func() error {
		out[subject] = limit
		return nil
	})
	return out, err
}

// spaceReports lists the structure's spaces with an account, largest first.
func spaceReports(ctx context.Context, q db.DBTX, structureID string) ([]SpaceReport, error) {
	rows, err := q.Query(ctx, `
		SELECT sp.id, sp.name, sp.kind, coalesce(sp.owner_id, ''), coalesce(u.display_name, ''), coalesce(u.profile, ''),
			a.limit_bytes, a.used_bytes, a.reserved_bytes
		FROM quota_accounts a JOIN spaces sp ON sp.id = a.space_id LEFT JOIN users u ON u.id = sp.owner_id
		WHERE a.structure_id = $1
		ORDER BY a.used_bytes DESC, sp.id`, structureID)
	if err != nil {
		return nil, fmt.Errorf("read spaces of %s: %w", structureID, err)
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (SpaceReport, error) {
		var s SpaceReport
		err := row.Scan(&s.SpaceID, &s.Name, &s.Kind, &s.Owner, &s.OwnerName, &s.Profile, &s.Limit, &s.Used, &s.Reserved)
		return s, err
	})
}

func totals(spaces []SpaceReport) (byKind, byProfile []GroupTotal) {
	byKind, byProfile = []GroupTotal{}, []GroupTotal{} // a structure with no space yet has empty lists
	kinds, profiles := map[string]int{}, map[string]int{}
	add := func(index map[string]int, list []GroupTotal, key string, used int64) []GroupTotal {
		i, ok := index[key]
		if !ok {
			i = len(list)
			index[key] = i
			list = append(list, GroupTotal{Key: key})
		}
		list[i].Spaces++
		list[i].Used += used
		return list
	}
	for _, s := range spaces {
		byKind = add(kinds, byKind, s.Kind, s.Used)
		if s.Profile != "" {
			byProfile = add(profiles, byProfile, s.Profile, s.Used)
		}
	}
	return byKind, byProfile
}

// WriteCSV writes the structure's usage, one line per space, for a spreadsheet.
func WriteCSV(ctx context.Context, q db.DBTX, a Admin, structureID string, w io.Writer) error {
	r, err := StructureReport(ctx, q, a, structureID)
	if err != nil {
		return err
	}
	out := csv.NewWriter(w)
	out.Write([]string{"space_id", "name", "kind", "owner", "profile", "used_bytes", "reserved_bytes", "limit_bytes", "percent"})
	for _, s := range r.Spaces {
		u := Usage{Limit: s.Limit, Used: s.Used, Reserved: s.Reserved}
		limit := ""
		if s.Limit != nil {
			limit = strconv.FormatInt(*s.Limit, 10)
		}
		out.Write([]string{s.SpaceID.String(), s.Name, s.Kind, s.Owner, s.Profile,
			strconv.FormatInt(s.Used, 10), strconv.FormatInt(s.Reserved, 10), limit, strconv.FormatFloat(u.Percent(), 'f', 1, 64)})
	}
	out.Flush()
	return out.Error()
}
