package assignment

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"cartable"
	"cartable/bundle"
	"cartable/db"
	"cartable/workspace"
)

// BlobOpener reads a blob's bytes from the object store (storage.Store does).
type BlobOpener interface {
	Open(ctx context.Context, key string, offset, length int64) (io.ReadCloser, error)
}

// Collection is what a teacher's collect decided: the live hand-ins of the pupils
// asked for, recorded for a signed URL that lives until expires (Collect's).
type Collection struct {
	ID     uuid.UUID
	Pupils int // the pupils with a live hand-in: one folder each
}

// Collect decides what a teacher downloads as one zip: the live hand-ins (returned
// ones included, taken-back ones not) of every pupil of the assignment, or of the
// pupils named. A pupil who received nothing of it is refused, so a typing error
// does not pass for "nothing handed in". Nothing handed in is no error: the zip is
// then empty, and Pupils says so before anyone downloads it.
func (s *Service) Collect(ctx context.Context, c *cartable.Caller, id uuid.UUID, pupilIDs []string, expires time.Time) (Collection, error) {
	if _, err := loadTeacher(ctx, s.db, c, id, false); err != nil {
		return Collection{}, err
	}
	if err := checkPupils(ctx, s.db, id, pupilIDs); err != nil {
		return Collection{}, err
	}
	col := Collection{ID: uuid.Must(uuid.NewV7())}
	err := s.db.QueryRow(ctx, `
		WITH gone AS (DELETE FROM assignment_collections WHERE expires_at < now() - interval '1 hour'),
		live AS (
			SELECT coalesce(array_agg(h.id ORDER BY h.id), '{}') AS ids FROM handins h
			WHERE h.assignment_id = $2 AND h.taken_back_at IS NULL AND (coalesce(cardinality($4::text[]), 0) = 0 OR h.pupil_id = ANY($4)))
		INSERT INTO assignment_collections (id, assignment_id, user_id, handin_ids, expires_at)
		SELECT $1, $2, $3, live.ids, $5 FROM live
		RETURNING cardinality(handin_ids)`,
		col.ID, id, c.UserID, pupilIDs, expires).Scan(&col.Pupils)
	if err != nil {
		return Collection{}, fmt.Errorf("record the collect of %s: %w", id, err)
	}
	return col, nil
}

// checkPupils refuses a pupil the assignment was not handed out to.
func checkPupils(ctx context.Context, q db.DBTX, id uuid.UUID, pupilIDs []string) error {
	if len(pupilIDs) == 0 {
		return nil
	}
	var unknown []string
	err := q.QueryRow(ctx, `SELECT ARRAY(SELECT p FROM unnest($2::text[]) p
		WHERE NOT EXISTS (SELECT 1 FROM assignment_work WHERE assignment_id = $1 AND pupil_id = p) ORDER BY p)`,
		id, pupilIDs).Scan(&unknown)
	if err != nil {
		return fmt.Errorf("check the pupils of %s: %w", id, err)
	}
	if len(unknown) > 0 {
		return cartable.Errorf(cartable.EInvalid, "the assignment was not handed out to %s", strings.Join(unknown, ", ")).With("field", "pupil_ids")
	}
	return nil
}

// CollectZip reads what a collect decided, for the teacher who asked, ready to
// stream: a folder per pupil, "Nom Prénom", holding the versions their hand-in
// pinned under the names pinned. The teacher's access is decided again (a teacher
// who left the class since gets not_found), and a hand-in taken back since the URL
// was made is left out; no hand-in made since comes in.
func (s *Service) CollectZip(ctx context.Context, c *cartable.Caller, collectionID uuid.UUID) (workspace.Zip, error) {
	var id uuid.UUID
	err := s.db.QueryRow(ctx, `SELECT assignment_id FROM assignment_collections WHERE id = $1 AND user_id = $2`,
		collectionID, c.UserID).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return workspace.Zip{}, cartable.Errorf(cartable.ENotFound, "no collect %s", collectionID)
	}
	if err != nil {
		return workspace.Zip{}, fmt.Errorf("read collect %s: %w", collectionID, err)
	}
	h, err := loadTeacher(ctx, s.db, c, id, false)
	if err != nil {
		return workspace.Zip{}, err
	}
	handins, err := s.collected(ctx, collectionID)
	if err != nil {
		return workspace.Zip{}, err
	}
	z := workspace.Zip{Name: bundle.NewPaths().Add("", h.Title+" - "+h.SpaceName+".zip", false)}
	s.addEntries(c, &z, handins)
	return z, nil
}

// collectedHandIn is one pupil's live hand-in in a collect.
type collectedHandIn struct {
	pupilID, folder string
	at              time.Time
	files           []collectedFile
}

// collectedFile is one pinned version, with where its bytes are.
type collectedFile struct {
	name, mimeType, blobKey string
	size                    int64
	modified                time.Time
	// version holds the antivirus verdict on the pinned bytes.
	version workspace.Version
}

// collected reads the collect's hand-ins that are still live, with their pinned
// versions. A pinned version that no longer exists (its file was purged, and with
// it its versions: handin_files.version_id is then NULL) is skipped by the inner
// join: what remains of the hand-in still downloads, and the dashboard shows the
// teacher the file's name without a version.
func (s *Service) collected(ctx context.Context, collectionID uuid.UUID) ([]collectedHandIn, error) {
	rows, _ := s.db.Query(ctx, `
		SELECT h.id, h.pupil_id, `+pupilNameSQL+`, h.handed_in_at,
			f.name, v.mime_type, b.key, v.size, v.created_at, b.scan, b.scan_signature, b.uploaded_by
		FROM assignment_collections c
		JOIN handins h ON h.id = ANY(c.handin_ids) AND h.taken_back_at IS NULL
		JOIN assignment_work w ON w.assignment_id = h.assignment_id AND w.pupil_id = h.pupil_id
		LEFT JOIN users u ON u.id = h.pupil_id
		LEFT JOIN (handin_files f JOIN versions v ON v.id = f.version_id JOIN blobs b ON b.id = v.blob_id) ON f.handin_id = h.id
		WHERE c.id = $1
		ORDER BY h.id, lower(f.name), f.item_id`, collectionID)
	var list []collectedHandIn
	var handin, last uuid.UUID
	var pupil, name string
	var at time.Time
	var f struct {
		name, mimeType, key *string
		size                *int64
		modified            *time.Time
		scan, signature     *string
		author              *string
	}
	_, err := pgx.ForEachRow(rows, []any{&handin, &pupil, &name, &at, &f.name, &f.mimeType, &f.key, &f.size, &f.modified,
		&f.scan, &f.signature, &f.author}, func() error {
		if len(list) == 0 || handin != last {
			list = append(list, collectedHandIn{pupilID: pupil, folder: SurnameFirst(name), at: at})
			last = handin
		}
		if f.key != nil {
			h := &list[len(list)-1]
			h.files = append(h.files, collectedFile{name: *f.name, mimeType: *f.mimeType, blobKey: *f.key, size: *f.size, modified: *f.modified,
				version: workspace.Version{Scan: deref(f.scan), ScanSignature: deref(f.signature), Uploader: deref(f.author)}})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read the hand-ins of collect %s: %w", collectionID, err)
	}
	// The folders by name as a class list reads, and two pupils of one name in a
	// stable order (by id), so the second is "(2)" in every zip.
	slices.SortFunc(list, func(a, b collectedHandIn) int {
		return cmpFold(a.folder, b.folder, a.pupilID, b.pupilID)
	})
	return list, nil
}

func cmpFold(a, b, tieA, tieB string) int {
	if c := strings.Compare(strings.ToLower(a), strings.ToLower(b)); c != 0 {
		return c
	}
	return strings.Compare(tieA, tieB)
}

// addEntries lays the hand-ins out as a zip: a folder per pupil, made unique, then
// their files in it, but those the antivirus holds back (named in a note instead).
func (s *Service) addEntries(c *cartable.Caller, z *workspace.Zip, handins []collectedHandIn) {
	paths := bundle.NewPaths()
	for _, h := range handins {
		dir := paths.Add("", h.folder, true)
		z.Entries = append(z.Entries, bundle.Entry{Path: dir, Folder: true, Modified: h.at})
		for _, f := range h.files {
			if err := f.version.ReadableBy(c); err != nil {
				z.Withhold(dir, f.name, err)
				continue
			}
			key := f.blobKey
			z.Entries = append(z.Entries, bundle.Entry{Path: paths.Add(dir, f.name, false), Size: f.size, Modified: f.modified, MimeType: f.mimeType,
				Open: func(ctx context.Context) (io.ReadCloser, error) { return s.blobs.Open(ctx, key, 0, -1) }})
		}
	}
	z.AddWithheldNote(paths)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// SurnameFirst turns a display name into "Nom Prénom", the order a class list
// reads in. The directory holds one display name per user, as the ENT gives it
// ("Léa Dupont"), not the surname apart: the surname is taken to begin at its
// first particle (de, du, des, d', le, la, van, von, da, di, del, della, dos, ben,
// el, al, ibn, mac, mc, ter, ten, any case) after the first word, or else to be the last
// word — "Jean de La Fontaine" is "de La Fontaine Jean", "Anne Le Gall" is "Le Gall
// Anne", "Marie Claire Dupont" is "Dupont Marie Claire". A name whose first word is
// in capitals ("DUPONT Léa", as some ENTs export them) already reads surname first
// and stays as it is, and so does a one-word name. A rare name read wrongly still
// names its pupil: nothing depends on the order but sorting.
func SurnameFirst(display string) string {
	words := strings.Fields(display)
	if len(words) < 2 || upperWord(words[0]) {
		return strings.Join(words, " ")
	}
	start := len(words) - 1
	for i := 1; i < len(words)-1; i++ {
		if particle(words[i]) {
			start = i
			break
		}
	}
	return strings.Join(append(slices.Clone(words[start:]), words[:start]...), " ")
}

// upperWord reports whether a word has two letters or more, all capitals.
func upperWord(w string) bool {
	letters := 0
	for _, r := range w {
		if unicode.IsLetter(r) {
			if !unicode.IsUpper(r) {
				return false
			}
			letters++
		}
	}
	return letters >= 2
}

var particles = map[string]bool{
	"de": true, "du": true, "des": true, "d'": true, "le": true, "la": true, "van": true, "von": true, "da": true, "di": true,
	"del": true, "della": true, "dos": true, "ben": true, "el": true, "al": true, "ibn": true, "mac": true, "mc": true, "ter": true, "ten": true,
}

func particle(w string) bool {
	w = strings.ToLower(w)
	if particles[w] {
		return true
	}
	// "d'Artagnan", "D’Alembert": the particle is glued to the name.
	return strings.HasPrefix(w, "d'") || strings.HasPrefix(w, "d’")
}
