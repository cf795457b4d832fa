package sharing

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"cartable"
	"cartable/db"
)

// Sizes of a lookup: a page is DefaultLookupLimit candidates unless the request
// asks for another size (up to cartable.MaxPageSize), and no cursor reaches past
// the first maxLookupResults candidates: a person types more letters instead.
const (
	DefaultLookupLimit = 20
	maxLookupResults   = 1000
	maxLookupRunes     = 100
)

// FindGrantees offers whom the caller may share with (their Audience) among the
// groups, establishments and people whose names match query: every word of the
// query begins a different word of the name, ignoring case and accents ("eleve"
// finds "Élève", "mart" finds "Martin" and "Claire Martin", "6a" finds "6A").
// Groups come first (each whole, then narrowed to each profile its members hold),
// then establishments (narrowed to each profile), then people; within each, a
// name that is the query comes first, then names that start with it, then the
// others, alphabetically. It answers a page of req.Limit candidates
// (DefaultLookupLimit when 0); its cursor, bound to the query, gives the next.
//
// The words of names are folded by the database (cartable_fold, cartable_words);
// a teacher's search reads the index of their establishments' users' words
// (user_words), a pupil's the members of their groups.
func FindGrantees(ctx context.Context, q db.DBTX, c *cartable.Caller, query string, req cartable.PageRequest) (cartable.Page[Candidate], error) {
	var none cartable.Page[Candidate]
	query, err := lookupQuery(query)
	if err != nil {
		return none, err
	}
	var words []string
	if err := q.QueryRow(ctx, `SELECT cartable_words($1)`, query).Scan(&words); err != nil {
		return none, fmt.Errorf("fold %q: %w", query, err)
	}
	l := lookup{words: words, joined: strings.Join(words, " "), audience: AudienceOf(c)}
	if req.Limit == 0 {
		req.Limit = DefaultLookupLimit
	}
	var after lookupKey
	size, _, err := req.Keyset(l.list(), &after)
	if err != nil {
		return none, err
	}
	if after.Offset < 0 || after.Offset+size > maxLookupResults {
		return none, cartable.Errorf(cartable.EInvalid, "a search gives its first %d candidates only: type more letters", maxLookupResults).With("field", "cursor")
	}
	if len(words) == 0 {
		return cartable.Page[Candidate]{Items: []Candidate{}}, nil
	}
	l.limit = after.Offset + size + 1
	found, err := l.run(ctx, q)
	if err != nil {
		return none, err
	}
	found = found[min(after.Offset, len(found)):]
	return cartable.CutPage(found, size, func(Candidate) string {
		return cartable.EncodeCursor(l.list(), lookupKey{Offset: after.Offset + size})
	}), nil
}

// lookupKey is where a page of a search ended: the candidates given so far.
type lookupKey struct {
	Offset int `json:"o"`
}

// lookupQuery checks the query.
func lookupQuery(query string) (string, error) {
	query = strings.TrimSpace(query)
	switch {
	case query == "":
		return "", cartable.Errorf(cartable.EInvalid, "q is required: the first letters of a name (\"6A\", \"mart\")").With("field", "q")
	case !utf8.ValidString(query) || utf8.RuneCountInString(query) > maxLookupRunes:
		return "", cartable.Errorf(cartable.EInvalid, "q must be text of at most %d characters", maxLookupRunes).With("field", "q")
	}
	return query, nil
}

// lookup is one search: the query's folded words, whom the caller may find, and
// how many candidates of each kind to read at most.
type lookup struct {
	words    []string
	joined   string
	audience Audience
	limit    int
}

// list names the search's list for its cursors: a cursor continues only the
// search of the same words.
func (l lookup) list() string { return "directory-search:" + l.joined }

// run reads the groups, establishments and people found, and lists them in order.
// Each kind is read up to l.limit, so the first l.limit candidates are exact: a
// group gives at least one.
func (l lookup) run(ctx context.Context, q db.DBTX) ([]Candidate, error) {
	groups, err := l.groups(ctx, q)
	if err != nil {
		return nil, err
	}
	structures, err := l.structures(ctx, q)
	if err != nil {
		return nil, err
	}
	users, err := l.users(ctx, q)
	if err != nil {
		return nil, err
	}
	return candidates(groups, structures, users), nil
}

// The SQL of a match, over a name's folded words nw, with the query's words as $1
// and joined by spaces as $2: every query word begins a different word of the name
// (cartable_matches). The rank puts a name that is the query first (0), then one
// that starts with it (1), then the others (2); the folded name orders each rank.
const (
	matchSQL  = `cartable_matches(nw, $1::text[])`
	rankedSQL = `CASE WHEN array_to_string(nw, ' ') = $2 THEN 0 WHEN starts_with(array_to_string(nw, ' '), $2) THEN 1 ELSE 2 END AS rank,
		array_to_string(nw, ' ') AS folded`
)

// groups finds the groups of the caller's establishments and their own groups.
// An establishment holds a few dozen groups, read through groups_structure_idx.
func (l lookup) groups(ctx context.Context, q db.DBTX) ([]foundGroup, error) {
	return find[foundGroup](ctx, q, "groups", `
		SELECT g.id, g.name, g.kind, (SELECT s.name FROM structures s WHERE s.id = g.structure_id),
			ARRAY(SELECT DISTINCT m.profile FROM group_members m WHERE m.group_id = g.id)
		FROM (
			SELECT g.id, g.name, g.kind, g.structure_id, `+rankedSQL+`
			FROM groups g, cartable_words(g.name) AS nw
			WHERE (g.structure_id = ANY($3) OR g.id = ANY($4)) AND `+matchSQL+`
			ORDER BY rank, folded, g.id LIMIT $5
		) g
		ORDER BY g.rank, g.folded, g.id`,
		l.words, l.joined, l.audience.Structures, l.audience.Groups, l.limit)
}

// structures finds the caller's establishments (teachers and staff only).
func (l lookup) structures(ctx context.Context, q db.DBTX) ([]foundStructure, error) {
	if len(l.audience.Structures) == 0 {
		return nil, nil
	}
	return find[foundStructure](ctx, q, "structures", `
		SELECT id, name FROM (
			SELECT s.id, s.name, `+rankedSQL+`
			FROM structures s, cartable_words(s.name) AS nw
			WHERE s.id = ANY($3) AND `+matchSQL+`
		) s ORDER BY rank, folded, id`,
		l.words, l.joined, l.audience.Structures)
}

// users finds the people of the caller's establishments, through the index of
// their words (the range of the query's longest word: the fewest candidates), and
// the members of the caller's peer groups, but never the caller.
func (l lookup) users(ctx context.Context, q db.DBTX) ([]foundUser, error) {
	if len(l.audience.Structures) == 0 && len(l.audience.PeerGroups) == 0 {
		return nil, nil
	}
	key := l.words[0]
	for _, w := range l.words[1:] {
		if len(w) > len(key) {
			key = w
		}
	}
	return find[foundUser](ctx, q, "users", `
		SELECT id, display_name, profile FROM (
			SELECT u.id, u.display_name, u.profile, `+rankedSQL+`
			FROM users u, cartable_words(u.display_name) AS nw
			WHERE u.id IN (
				SELECT w.user_id FROM user_words w
				WHERE w.structure_id = ANY($3) AND w.word >= $5 AND w.word < $5 || chr(1114111)
				UNION
				SELECT m.user_id FROM group_members m WHERE m.group_id = ANY($4)
			) AND u.id <> $6 AND u.left_at IS NULL AND `+matchSQL+`
		) u ORDER BY rank, folded, id LIMIT $7`,
		l.words, l.joined, l.audience.Structures, l.audience.PeerGroups, key, l.audience.Self, l.limit)
}

// find runs one of the lookup's queries and reads its rows into T, column by field.
func find[T any](ctx context.Context, q db.DBTX, what, sql string, args ...any) ([]T, error) {
	rows, _ := q.Query(ctx, sql, args...) // CollectRows reports the query's error
	found, err := pgx.CollectRows(rows, pgx.RowToStructByPos[T])
	if err != nil {
		return nil, fmt.Errorf("find %s: %w", what, err)
	}
	return found, nil
}
