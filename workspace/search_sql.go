package workspace

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"cartable"
)

// searchSQL builds the query of a page of search results, with its arguments.
type searchSQL struct {
	args []any
}

// arg adds a query argument and returns its placeholder.
func (b *searchSQL) arg(v any) string {
	b.args = append(b.args, v)
	return fmt.Sprintf("$%d", len(b.args))
}

// matches is the condition that every query word is in the folded name. Where
// trigrams may serve (below shared items: the trigram index, next to
// items_ancestors), words of three letters or more are LIKE patterns, which it
// answers. In the caller's spaces the words are looked for with strpos, which no
// index answers: the planner then reads the spaces' names from items_space_names,
// whose cost is bounded by what the caller has, instead of gathering every name of
// the region that holds the words (it takes two common words for independent and
// finds "fiche" and "eleve" together rare, where "Fiche élève" is a name of 25).
func (b *searchSQL) matches(alias string, words []string, trigrams bool) string {
	folded := alias + `.name_folded`
	conds := make([]string, 0, len(words))
	for _, w := range words {
		if trigrams && utf8.RuneCountInString(w) >= trigramMinRunes {
			conds = append(conds, folded+` LIKE `+b.arg("%"+likeEscaper.Replace(w)+"%"))
		} else {
			conds = append(conds, `strpos(`+folded+`, `+b.arg(w)+`) > 0`)
		}
	}
	return strings.Join(conds, " AND ")
}

var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// rank is the relevance of a name, lowest first: 0 when it is the query (with or
// without its extension), 1 when every query word begins one of its words, 2 when
// the words are only inside it.
func (b *searchSQL) rank(alias string, q searchQuery) string {
	folded := alias + `.name_folded`
	starts := make([]string, len(q.Words))
	for i, w := range q.Words {
		starts[i] = `(^|[^[:alnum:]])` + regexp.QuoteMeta(w)
	}
	whole := b.arg(q.Whole)
	return `CASE WHEN ` + folded + ` = ` + whole + ` OR regexp_replace(` + folded + `, '\.[^.]*$', '') = ` + whole + ` THEN 0
		WHEN ` + folded + ` ~ ALL(` + b.arg(starts) + `::text[]) THEN 1 ELSE 2 END`
}

// joinFor joins items i to the index-only h when the filters read the table.
func (b *searchSQL) joinFor(filters string) string {
	if filters == "" {
		return ""
	}
	return ` JOIN items i ON i.id = h.id`
}

// filters is the options' conditions on items i, each line starting with AND.
func (b *searchSQL) filters(opts SearchOptions) string {
	var sql strings.Builder
	if opts.Type != "" {
		sql.WriteString(` AND ` + searchTypes[opts.Type])
	}
	if opts.SpaceID != nil {
		sql.WriteString(` AND i.space_id = ` + b.arg(*opts.SpaceID))
	}
	if opts.ModifiedAfter != nil {
		sql.WriteString(` AND i.modified_at > ` + b.arg(*opts.ModifiedAfter))
	}
	return sql.String()
}

// matcher is what a listing across the caller's reach keeps and how it ranks it:
// the search's name matches and relevance, or the media picker's types.
type matcher struct {
	// cond is the condition on items aliased alias; trigrams: a LIKE the trigram
	// index answers may serve (below the shared items).
	cond func(b *searchSQL, alias string, trigrams bool) string
	// rank is the relevance of an item aliased alias, lowest first.
	rank func(b *searchSQL, alias string) string
	// filters are further conditions on items i, each starting with AND, which
	// read the table (nil: none).
	filters func(b *searchSQL) string
}

// sharedCap is how many items below the shares a listing reads one by one: up to
// it, the shared subtrees are read whole through items_ancestors and matched row by
// row; past it, the trigram index finds the names first. A pupil's shares hold a
// few tens of items, and ANDing them with the trigrams of a common word ("exercice":
// a name in ten, region-wide) cost 18 ms; a teacher's share of a 10,000-photo
// folder would cost more read one by one than through the trigrams.
const sharedCap = 2000

// scope is the body of the found CTE: the ids, ranks and dates of the items that m
// keeps among those the caller may read, with the CTE shared it reads (see
// queryReach), in three branches (the third written twice, for small and for large
// shares: a one-time filter runs one of them).
//
// In the spaces the caller manages, everything is theirs to see but the roots (a
// space is not a result of its own), and the names, ranks and dates come from an
// index alone (h: items_space_names or, for media, items_space_media). In the spaces
// they only joined, an item is theirs when the top of its tree (top_id, in the same
// indexes) is the space root or a private tree kept for them: the other members'
// private folders (parent NULL, private_to set), with what lies in them, are left
// out without reading the table, as Decide gives no role there. Below the shared
// items, the subtrees are read through items_ancestors, or through the trigrams when
// they are larger than sharedCap.
func (b *searchSQL) scope(r reach, m matcher) string {
	managed, joined, roots, tops, granted := b.arg(r.managed), b.arg(r.joined), b.arg(r.roots), b.arg(r.tops), b.arg(r.granted)
	filters := ""
	if m.filters != nil {
		filters = m.filters(b)
	}
	join := b.joinFor(filters)
	capped := b.arg(sharedCap)
	return `SELECT h.id, ` + m.rank(b, "h") + ` AS rank, h.modified_at FROM items h` + join + `
		WHERE h.trashed_at IS NULL AND h.space_id = ANY(` + managed + `) AND h.id <> ALL(` + roots + `) AND ` + m.cond(b, "h", false) + filters + `
		UNION
		SELECT h.id, ` + m.rank(b, "h") + ` AS rank, h.modified_at FROM items h` + join + `
		WHERE h.trashed_at IS NULL AND h.space_id = ANY(` + joined + `) AND h.id <> ALL(` + roots + `) AND h.top_id = ANY(` + tops + `)
			AND ` + m.cond(b, "h", false) + filters + `
		UNION
		SELECT i.id, ` + m.rank(b, "i") + ` AS rank, i.modified_at FROM shared i
		WHERE (SELECT count(*) FROM shared) <= ` + capped + ` AND ` + m.cond(b, "i", false) + ` AND (i.parent_id IS NOT NULL OR i.private_to IS NOT NULL)` + filters + `
		UNION
		SELECT i.id, ` + m.rank(b, "i") + ` AS rank, i.modified_at FROM items i
		WHERE (SELECT count(*) FROM shared) > ` + capped + ` AND i.trashed_at IS NULL AND ` + m.cond(b, "i", true) + `
			AND (i.parent_id IS NOT NULL OR i.private_to IS NOT NULL)` + filters + `
			AND (i.id = ANY(` + granted + `) OR i.ancestors && ` + granted + `::uuid[])`
}

// shared is the CTE of the items at or below those shared with the caller, read
// whole up to one past sharedCap (only the count tells scope more were there).
func (b *searchSQL) shared(r reach) string {
	granted := b.arg(r.granted)
	return `shared AS MATERIALIZED (
		SELECT * FROM items i WHERE i.trashed_at IS NULL AND (i.id = ANY(` + granted + `) OR i.ancestors && ` + granted + `::uuid[])
		LIMIT ` + b.arg(sharedCap+1) + `
	)`
}

// queryReach runs a listing across everything the caller may read: what m keeps
// (see scope), by rank, then newest first, from after. The page is cut from the
// ids, ranks and dates alone; only its items are read whole.
func (s *Service) queryReach(ctx context.Context, c *cartable.Caller, r reach, m matcher, after *searchKey, limit int) ([]Found, error) {
	var b searchSQL
	sql := `WITH ` + b.shared(r) + `, found AS (
		` + b.scope(r, m) + `
	), page AS (
		SELECT * FROM found f WHERE ` + b.after(after) + ` ORDER BY f.rank, f.modified_at DESC, f.id LIMIT ` + b.arg(limit) + `
	)
	SELECT ` + itemColumns + `, f.rank FROM page f JOIN items i ON i.id = f.id JOIN spaces s ON s.id = i.space_id
	ORDER BY f.rank, f.modified_at DESC, f.id`
	// Planned for its values every time (an unnamed statement), never with a cached
	// generic plan: which index suits depends on the words and on what is shared
	// with the caller (a generic plan read the 40,000 names of the region holding
	// "fiche" and "eleve" from the table to keep the two shared with the pupil).
	rows, err := s.db.Query(ctx, sql, append([]any{pgx.QueryExecModeDescribeExec}, b.args...)...)
	if err != nil {
		return nil, fmt.Errorf("list items of %s: %w", c.UserID, err)
	}
	found, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Found, error) {
		var f Found
		err := scanItemWith(row, &f.Item, &f.rank)
		return f, err
	})
	if err != nil {
		return nil, fmt.Errorf("scan items of %s: %w", c.UserID, err)
	}
	return found, nil
}

// queryFound runs the search: the items whose names match q.
func (s *Service) queryFound(ctx context.Context, c *cartable.Caller, q searchQuery, r reach, opts SearchOptions, after *searchKey, limit int) ([]Found, error) {
	return s.queryReach(ctx, c, r, matcher{
		cond:    func(b *searchSQL, alias string, trigrams bool) string { return b.matches(alias, q.Words, trigrams) },
		rank:    func(b *searchSQL, alias string) string { return b.rank(alias, q) },
		filters: func(b *searchSQL) string { return b.filters(opts) },
	}, after, limit)
}

// after is the keyset condition of a page that continues a search (true for the
// first page): a worse rank, or the same rank and older, or as old and a larger id.
func (b *searchSQL) after(k *searchKey) string {
	if k == nil {
		return `true`
	}
	rank, at, id := b.arg(k.Rank), b.arg(k.Modified), b.arg(k.ID)
	return `(f.rank > ` + rank + ` OR (f.rank = ` + rank + ` AND (f.modified_at < ` + at +
		` OR (f.modified_at = ` + at + ` AND f.id > ` + id + `))))`
}
