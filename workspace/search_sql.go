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

// folded is the folded name, the expression items_name_search indexes.
const folded = `cartable_fold(i.name)`

// matches is the condition that every query word is in the folded name. Words of
// three letters or more are LIKE patterns, which the trigram index answers; shorter
// ones have no trigram, and are written so that the planner does not ask the index
// to read every name (strpos is not indexed).
func (b *searchSQL) matches(words []string) string {
	conds := make([]string, 0, len(words))
	for _, w := range words {
		if utf8.RuneCountInString(w) >= trigramMinRunes {
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
func (b *searchSQL) rank(q searchQuery) string {
	starts := make([]string, len(q.Words))
	for i, w := range q.Words {
		starts[i] = `(^|[^[:alnum:]])` + regexp.QuoteMeta(w)
	}
	whole := b.arg(q.Whole)
	return `CASE WHEN ` + folded + ` = ` + whole + ` OR regexp_replace(` + folded + `, '\.[^.]*$', '') = ` + whole + ` THEN 0
		WHEN ` + folded + ` ~ ALL(` + b.arg(starts) + `::text[]) THEN 1 ELSE 2 END`
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

// queryFound runs the search: the matching items of the caller's spaces, and those
// at or below the items shared with them, by rank, then newest first, from after.
//
// Both halves read items_name_search (the first by space and trigrams, the second
// by trigrams next to items_ancestors); each lists items once. Space roots are left
// out (a space is not a result of its own), and so are, in the spaces the caller
// only joined, the private folders (parent NULL, private_to set) of other members
// with what lies in them: Decide gives them no role there.
func (s *Service) queryFound(ctx context.Context, c *cartable.Caller, q searchQuery, r reach, opts SearchOptions, after *searchKey, limit int) ([]Found, error) {
	var b searchSQL
	me := b.arg(c.UserID)
	spaces, managed, granted := b.arg(append(r.managed, r.joined...)), b.arg(r.managed), b.arg(r.granted)
	rank, match, filters := b.rank(q), b.matches(q.Words), b.filters(opts)
	common := `i.trashed_at IS NULL AND (i.parent_id IS NOT NULL OR i.private_to IS NOT NULL) AND ` + match + filters
	sql := `WITH found AS (
		SELECT i.id, ` + rank + ` AS rank FROM items i
		WHERE ` + common + ` AND i.space_id = ANY(` + spaces + `) AND (i.space_id = ANY(` + managed + `)
			OR coalesce((SELECT t.private_to FROM items t WHERE t.id = coalesce(i.ancestors[1], i.id)), ` + me + `) = ` + me + `)
		UNION
		SELECT i.id, ` + rank + ` AS rank FROM items i
		WHERE ` + common + ` AND (i.id = ANY(` + granted + `) OR i.ancestors && ` + granted + `::uuid[])
	)
	SELECT ` + itemColumns + `, f.rank FROM found f JOIN items i ON i.id = f.id JOIN spaces s ON s.id = i.space_id
	WHERE ` + b.after(after) + `
	ORDER BY f.rank, i.modified_at DESC, i.id LIMIT ` + b.arg(limit)
	rows, err := s.db.Query(ctx, sql, b.args...)
	if err != nil {
		return nil, fmt.Errorf("search items of %s: %w", c.UserID, err)
	}
	found, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Found, error) {
		var f Found
		err := scanItemWith(row, &f.Item, &f.rank)
		return f, err
	})
	if err != nil {
		return nil, fmt.Errorf("scan search results of %s: %w", c.UserID, err)
	}
	return found, nil
}

// after is the keyset condition of a page that continues a search (true for the
// first page): a worse rank, or the same rank and older, or as old and a larger id.
func (b *searchSQL) after(k *searchKey) string {
	if k == nil {
		return `true`
	}
	rank, at, id := b.arg(k.Rank), b.arg(k.Modified), b.arg(k.ID)
	return `(f.rank > ` + rank + ` OR (f.rank = ` + rank + ` AND (i.modified_at < ` + at +
		` OR (i.modified_at = ` + at + ` AND i.id > ` + id + `))))`
}
