// Package quota owns storage limits: the structure pool, the personal cap of each
// user (a default per profile, overridable per user) and the cap of each group space;
// the accounts that hold what is used and reserved against them; and the reports
// and repairs admins need.
//
// # Implementation
//
// The database keeps the books. Every version inserted, deleted or moved to another
// space charges or credits the space's account and its structure's account through
// triggers (migrations/00003_quota.sql), in the transaction that makes the change, so
// no write path can forget to count. A blob counts once per space that references it.
// Growth is one conditional UPDATE per account (used + reserved + n ≤ limit), taken
// in a fixed order (structure, then space), so the invariant holds under any
// concurrency without read-then-write in Go.
//
// An upload reserves its declared length before its first byte is stored (Reserve),
// turns the reservation into usage in the transaction that creates the version
// (ConsumeWithNextVersion: the version insert itself gives the reservation back and
// charges the version), or gives it back (Release). Reservations whose owner died
// expire.
package quota

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"cartable"
	"cartable/db"
)

// Reservation is bytes held in a space's accounts for an upload in flight.
type Reservation struct {
	ID      uuid.UUID
	SpaceID uuid.UUID
	Bytes   int64
}

// Reserve holds bytes in the space's accounts (and its structure's) until the upload
// finishes, or fails with quota_exceeded before anything is stored. It is one
// statement, so the account rows, which every writer of the establishment shares,
// are locked only for the time of that statement (or, in a transaction, until its
// commit: make it the transaction's last statement).
func Reserve(ctx context.Context, q db.DBTX, spaceID uuid.UUID, bytes int64, owner string, ttl time.Duration) (Reservation, error) {
	r := NewReservation(spaceID, bytes)
	return r, r.Take(ctx, q, owner, ttl)
}

// NewReservation names a reservation of bytes in a space, not taken yet: its id can
// be recorded before the accounts are locked by Take.
func NewReservation(spaceID uuid.UUID, bytes int64) Reservation {
	return Reservation{ID: uuid.Must(uuid.NewV7()), SpaceID: spaceID, Bytes: bytes}
}

// Take records the reservation and takes its bytes from the accounts, or fails with
// quota_exceeded; it holds them for ttl unless renewed.
func (r Reservation) Take(ctx context.Context, q db.DBTX, owner string, ttl time.Duration) error {
	_, err := q.Exec(ctx, `SELECT quota_reserve($1, $2, $3, $4, now() + make_interval(secs => $5))`,
		r.ID, r.SpaceID, r.Bytes, owner, ttl.Seconds())
	if err != nil {
		return Translate(fmt.Errorf("reserve %d bytes in space %s: %w", r.Bytes, r.SpaceID, err))
	}
	return nil
}

// ConsumeWithNextVersion names the reservation that the next version inserted in
// tx is for: the insert gives the reserved bytes back and charges what the version
// really uses, in the same statement. If the reservation expired and was reclaimed
// meanwhile, the insert fails.
func (r Reservation) ConsumeWithNextVersion(ctx context.Context, tx db.DBTX) error {
	if r.ID == uuid.Nil {
		return nil
	}
	if _, err := tx.Exec(ctx, `SELECT set_config('cartable.reservation', $1, true)`, r.ID.String()); err != nil {
		return fmt.Errorf("name reservation %s: %w", r.ID, err)
	}
	return nil
}

// Release gives the reservation back after a failed or aborted upload. Releasing a
// reservation that is already gone is not an error.
func (r Reservation) Release(ctx context.Context, q db.DBTX) error {
	err := db.Transact(ctx, q, func(tx pgx.Tx) error { return r.end(ctx, tx) })
	if errors.Is(err, errReservationGone) {
		return nil
	}
	return err
}

var errReservationGone = errors.New("the quota reservation expired before the upload finished")

// End gives the reservation back in the caller's transaction; a reservation that
// is already gone is not an error.
func (r Reservation) End(ctx context.Context, tx db.DBTX) error {
	if err := r.end(ctx, tx); !errors.Is(err, errReservationGone) {
		return err
	}
	return nil
}

// Extend moves the reservation's deadline to lease from now: an upload in flight
// renews it while its bytes flow. A reservation already reclaimed fails with
// conflict.
func (r Reservation) Extend(ctx context.Context, q db.DBTX, lease time.Duration) error {
	if r.ID == uuid.Nil {
		return nil
	}
	tag, err := q.Exec(ctx, `UPDATE quota_reservations SET expires_at = now() + make_interval(secs => $2) WHERE id = $1`, r.ID, lease.Seconds())
	if err != nil {
		return fmt.Errorf("extend reservation %s: %w", r.ID, err)
	}
	if tag.RowsAffected() == 0 {
		return Translate(errReservationGone)
	}
	return nil
}

// Resize makes the reservation hold bytes, as an upload whose length was deferred
// learns more of it: growing takes the difference from the accounts, under the same
// conditional update as Reserve (or fails with quota_exceeded), shrinking gives it
// back. With atLeast, a reservation already that large is left as it is.
func (r Reservation) Resize(ctx context.Context, q db.DBTX, bytes int64, atLeast bool) error {
	err := db.Transact(ctx, q, func(tx pgx.Tx) error {
		var space uuid.UUID
		var held int64
		err := tx.QueryRow(ctx, `SELECT space_id, bytes FROM quota_reservations WHERE id = $1 FOR UPDATE`, r.ID).Scan(&space, &held)
		if errors.Is(err, pgx.ErrNoRows) {
			return errReservationGone
		}
		if err != nil || held == bytes || atLeast && held > bytes {
			return err
		}
		if bytes > held {
			_, err = tx.Exec(ctx, `SELECT quota_take($1, $2, false)`, space, bytes-held)
		} else {
			_, err = tx.Exec(ctx, `SELECT quota_give($1, $2, false)`, space, held-bytes)
		}
		if err == nil {
			_, err = tx.Exec(ctx, `UPDATE quota_reservations SET bytes = $2 WHERE id = $1`, r.ID, bytes)
		}
		return err
	})
	if err != nil {
		return Translate(fmt.Errorf("resize reservation %s to %d bytes: %w", r.ID, bytes, err))
	}
	return nil
}

func (r Reservation) end(ctx context.Context, tx db.DBTX) error {
	if r.ID == uuid.Nil {
		return nil
	}
	var space uuid.UUID
	var bytes int64
	err := tx.QueryRow(ctx, `DELETE FROM quota_reservations WHERE id = $1 RETURNING space_id, bytes`, r.ID).Scan(&space, &bytes)
	if errors.Is(err, pgx.ErrNoRows) {
		return errReservationGone
	}
	if err != nil {
		return fmt.Errorf("end reservation %s: %w", r.ID, err)
	}
	if _, err := tx.Exec(ctx, `SELECT quota_give($1, $2, false)`, space, bytes); err != nil {
		return fmt.Errorf("give back reservation %s: %w", r.ID, err)
	}
	return nil
}

// ReleaseExpired gives back the reservations whose deadline has passed as of now:
// their uploads were abandoned or their node died. It returns how many it released.
func ReleaseExpired(ctx context.Context, q db.DBTX, now time.Time) (int, error) {
	released := 0
	err := db.Transact(ctx, q, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `
			DELETE FROM quota_reservations WHERE id IN (
				SELECT id FROM quota_reservations WHERE expires_at < $1 ORDER BY expires_at LIMIT 1000
				FOR UPDATE SKIP LOCKED)
			RETURNING space_id, bytes`, now)
		if err != nil {
			return err
		}
		type held struct {
			space uuid.UUID
			bytes int64
		}
		expired, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (held, error) {
			var h held
			return h, row.Scan(&h.space, &h.bytes)
		})
		if err != nil {
			return err
		}
		for _, h := range expired {
			if _, err := tx.Exec(ctx, `SELECT quota_give($1, $2, false)`, h.space, h.bytes); err != nil {
				return err
			}
		}
		released = len(expired)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("release expired reservations: %w", err)
	}
	return released, nil
}

// Limit levels, as the client sees them in a quota_exceeded error.
const (
	LevelStructure = "structure"
	LevelUser      = "user"
	LevelGroup     = "group"
)

// levelOf names the limit an account kind stands for.
func levelOf(kind string) string {
	switch kind {
	case "structure":
		return LevelStructure
	case "personal":
		return LevelUser
	}
	return LevelGroup
}

// The SQLSTATEs of the quota functions: a limit refused bytes, a reservation was
// reclaimed before its upload finished.
const (
	exceededCode = "CQ001"
	goneCode     = "CQ002"
)

// Translate turns the database's refusal into a quota_exceeded domain error that
// says which limit was hit, what was needed and what was available, with a message
// a pupil understands. Other errors pass through.
func Translate(err error) error {
	var pgErr *pgconn.PgError
	if errors.Is(err, errReservationGone) || (errors.As(err, &pgErr) && pgErr.Code == goneCode) {
		return cartable.Errorf(cartable.EConflict, "%v", errReservationGone)
	}
	if pgErr == nil || pgErr.Code != exceededCode {
		return err
	}
	var d struct {
		Kind      string `json:"kind"`
		Limit     int64  `json:"limit"`
		Needed    int64  `json:"needed"`
		Available int64  `json:"available"`
	}
	_ = json.Unmarshal([]byte(pgErr.Detail), &d)
	return Exceeded(levelOf(d.Kind), d.Limit, d.Needed, d.Available)
}

// Exceeded builds the quota_exceeded error of one limit. A file larger than the
// whole limit would not fit even in an empty space: freeing room cannot help, so it
// gets its own message, with both figures, and the field larger_than_limit.
func Exceeded(level string, limit, needed, available int64) error {
	e := cartable.Errorf(cartable.EQuotaExceeded, "the %s limit of %d bytes leaves %d bytes; %d are needed", level, limit, available, needed)
	if needed > limit {
		e.Detail = fmt.Sprintf("%d bytes are needed, more than the whole %s limit of %d bytes", needed, level, limit)
		e.MessageFR, e.MessageEN = messages(tooBig, level, needed, limit)
		e = e.With("larger_than_limit", true)
	} else {
		e.MessageFR, e.MessageEN = messages(full, level, needed, available)
	}
	return e.With("limit", level).With("limit_bytes", limit).With("needed_bytes", needed).With("available_bytes", available)
}

// full and tooBig are what a refusal tells people, by limit, in French and in
// English, with the file's size and what is left (full) or the whole limit (tooBig).
var (
	full = map[string][2]string{
		LevelUser: {"Votre espace personnel est plein : ce fichier fait %s et il ne reste que %s. Supprimez des fichiers et videz la corbeille, ou demandez de l'aide à votre professeur.",
			"Your personal space is full: this file takes %s and only %s are left. Delete some files and empty the trash, or ask your teacher for help."},
		LevelGroup: {"L'espace de ce groupe est plein : ce fichier fait %s et il ne reste que %s. Demandez à votre professeur de faire de la place.",
			"This group's space is full: this file takes %s and only %s are left. Ask your teacher to make room."},
		LevelStructure: {"L'espace de stockage de l'établissement est plein : ce fichier fait %s et il ne reste que %s. Prévenez l'administrateur de l'ENT de votre établissement.",
			"Your school's storage is full: this file takes %s and only %s are left. Tell your school's ENT administrator."},
	}
	tooBig = map[string][2]string{
		LevelUser: {"Ce fichier est trop volumineux pour votre espace personnel : il fait %s, alors que l'espace entier ne peut contenir que %s. Même en faisant de la place, il ne pourra pas y être enregistré : réduisez sa taille (en le compressant, par exemple) ou demandez de l'aide à votre professeur.",
			"This file is too big for your personal space: it takes %s, and the whole space holds only %s. Making room will not help: make the file smaller (compress it, for example) or ask your teacher for help."},
		LevelGroup: {"Ce fichier est trop volumineux pour l'espace de ce groupe : il fait %s, alors que l'espace entier ne peut contenir que %s. Même en faisant de la place, il ne pourra pas y être enregistré : réduisez sa taille ou demandez à votre professeur.",
			"This file is too big for this group's space: it takes %s, and the whole space holds only %s. Making room will not help: make the file smaller or ask your teacher."},
		LevelStructure: {"Ce fichier est trop volumineux pour l'espace de stockage de l'établissement : il fait %s, alors que cet espace ne peut contenir que %s en tout. Prévenez l'administrateur de l'ENT de votre établissement.",
			"This file is too big for your school's storage: it takes %s, and the whole storage holds only %s. Tell your school's ENT administrator."},
	}
)

// messages fills the level's sentences of table with the sizes, as people read them.
func messages(table map[string][2]string, level string, size, other int64) (string, string) {
	t, ok := table[level]
	if !ok {
		t = table[LevelStructure]
	}
	return fmt.Sprintf(t[0], HumanBytes(size, "fr"), HumanBytes(other, "fr")), fmt.Sprintf(t[1], HumanBytes(size, "en"), HumanBytes(other, "en"))
}

// HumanBytes writes a size the way people read it: "12,5 Mo" in French, "12.5 MB"
// in English (binary multiples, as file managers show them).
func HumanBytes(n int64, lang string) string {
	units := []string{"o", "Ko", "Mo", "Go", "To"}
	if lang == "en" {
		units = []string{"B", "KB", "MB", "GB", "TB"}
	}
	v, i := float64(n), 0
	for v >= 1024 && i < len(units)-1 {
		v /= 1024
		i++
	}
	s := fmt.Sprintf("%.1f", v)
	if i == 0 || v >= 100 {
		s = fmt.Sprintf("%.0f", v)
	}
	if lang != "en" {
		s = replaceDot(s)
	}
	return s + " " + units[i]
}

func replaceDot(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c == '.' {
			b[i] = ','
		}
	}
	return string(b)
}
