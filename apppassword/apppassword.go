// Package apppassword owns app passwords: the secrets a user makes for one
// application that cannot follow the ENT's single sign-on — a WebDAV client such as
// a file manager, LibreOffice or rclone. A user names each one ("Ordinateur de la
// classe"), sees it once, and revokes it when the device is gone; the service keeps
// only its hash, and when and from where it was last used.
//
// An app password admits its user to WebDAV only (the API routes take Bearer
// tokens alone), with the rights the user has at that moment: it is no grant, so a
// user who leaves a class loses that class in their file manager too, and a user
// the ENT deletes takes their app passwords along.
//
// # Secrets
//
// A secret is 25 characters of an alphabet without look-alikes (no 0/O, 1/l/I),
// grouped by five for typing: 125 random bits. Such a secret cannot be guessed, so
// it is stored as its SHA-256, found by index, rather than through a slow password
// hash, which exists for secrets people choose.
package apppassword

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"cartable"
	"cartable/db"
)

// Limits of app passwords.
const (
	// MaxPerUser bounds how many app passwords one user keeps.
	MaxPerUser = 20
	// MaxNameRunes bounds an app password's name.
	MaxNameRunes = 100
	// usedEvery is how often the last use is written: not on every request of a
	// file manager that makes hundreds.
	usedEvery = 10 * time.Minute
)

// alphabet has 32 characters that cannot be mistaken for one another.
const alphabet = "abcdefghijkmnpqrstuvwxyz23456789"

// AppPassword is an app password as its owner sees it, without its secret.
type AppPassword struct {
	ID   uuid.UUID
	Name string
	// Hint is the secret's last four characters, to tell two apart.
	Hint         string
	CreatedAt    time.Time
	LastUsedAt   *time.Time
	LastUsedFrom string
}

// Created is a new app password with its secret, shown once.
type Created struct {
	AppPassword
	Secret string
}

// Store keeps app passwords in PostgreSQL.
type Store struct {
	db db.DBTX
}

// New returns the store over a database.
func New(q db.DBTX) *Store { return &Store{db: q} }

// Create makes a new app password for the caller, named name.
func (s *Store) Create(ctx context.Context, c *cartable.Caller, name string) (Created, error) {
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > MaxNameRunes || !utf8.ValidString(name) {
		return Created{}, cartable.Errorf(cartable.EInvalid, "an app password's name has 1 to %d characters", MaxNameRunes).With("field", "name")
	}
	secret := newSecret()
	created := Created{Secret: secret, AppPassword: AppPassword{ID: uuid.Must(uuid.NewV7()), Name: name, Hint: secret[len(secret)-4:]}}
	// The user's row is locked first: two creations at once count one after the
	// other, so they cannot both take the limit's last place (a count in the insert
	// alone does not see the other's uncommitted row).
	err := db.Transact(ctx, s.db, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT 1 FROM users WHERE id = $1 FOR UPDATE`, c.UserID); err != nil {
			return fmt.Errorf("lock user %s: %w", c.UserID, err)
		}
		return tx.QueryRow(ctx, `
			INSERT INTO app_passwords (id, user_id, name, hash, hint)
			SELECT $1, $2, $3, $4, $5
			WHERE (SELECT count(*) FROM app_passwords WHERE user_id = $2) < $6
			RETURNING created_at`,
			created.ID, c.UserID, name, hash(secret), created.Hint, MaxPerUser).Scan(&created.CreatedAt)
	})
	if errors.Is(err, pgx.ErrNoRows) {
		e := cartable.Errorf(cartable.EConflict, "a user keeps at most %d app passwords", MaxPerUser)
		e.MessageFR = fmt.Sprintf("Vous avez déjà %d mots de passe d'application : supprimez ceux dont vous ne vous servez plus.", MaxPerUser)
		e.MessageEN = fmt.Sprintf("You already have %d app passwords: delete those you no longer use.", MaxPerUser)
		return Created{}, e
	}
	if err != nil {
		return Created{}, fmt.Errorf("create an app password for %s: %w", c.UserID, err)
	}
	return created, nil
}

// List returns the caller's app passwords, oldest first.
func (s *Store) List(ctx context.Context, c *cartable.Caller) ([]AppPassword, error) {
	rows, err := s.db.Query(ctx, `
		SELECT id, name, hint, created_at, last_used_at, coalesce(last_used_from, '')
		FROM app_passwords WHERE user_id = $1 ORDER BY created_at, id`, c.UserID)
	if err != nil {
		return nil, fmt.Errorf("list the app passwords of %s: %w", c.UserID, err)
	}
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (AppPassword, error) {
		var p AppPassword
		err := row.Scan(&p.ID, &p.Name, &p.Hint, &p.CreatedAt, &p.LastUsedAt, &p.LastUsedFrom)
		return p, err
	})
	if err != nil {
		return nil, fmt.Errorf("list the app passwords of %s: %w", c.UserID, err)
	}
	return list, nil
}

// Revoke deletes one of the caller's app passwords; anyone else's is not_found.
func (s *Store) Revoke(ctx context.Context, c *cartable.Caller, id uuid.UUID) error {
	tag, err := s.db.Exec(ctx, `DELETE FROM app_passwords WHERE id = $1 AND user_id = $2`, id, c.UserID)
	if err != nil {
		return fmt.Errorf("revoke app password %s: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return cartable.Errorf(cartable.ENotFound, "no app password %s", id)
	}
	return nil
}

// Check returns the user an app password admits: login must be their user id
// (compared ignoring case and surrounding spaces) and secret one of their app
// passwords (spaces and dashes, which people type, ignored). Any failure is
// unauthorized, alike. from is the client's address, kept as the last use.
func (s *Store) Check(ctx context.Context, login, secret, from string) (string, error) {
	refused := cartable.Errorf(cartable.EUnauthorized, "the user name or the app password is wrong")
	secret = normalizeSecret(secret)
	if len(secret) != secretLength {
		return "", refused
	}
	var id uuid.UUID
	var userID string
	var lastUsed *time.Time
	err := s.db.QueryRow(ctx, `SELECT id, user_id, last_used_at FROM app_passwords WHERE hash = $1`, hash(secret)).
		Scan(&id, &userID, &lastUsed)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", refused
	}
	if err != nil {
		return "", fmt.Errorf("check an app password: %w", err)
	}
	if !strings.EqualFold(strings.TrimSpace(login), userID) {
		return "", refused
	}
	if lastUsed == nil || time.Since(*lastUsed) > usedEvery {
		if err := s.markUsed(ctx, id, from); err != nil {
			return "", err
		}
	}
	return userID, nil
}

func (s *Store) markUsed(ctx context.Context, id uuid.UUID, from string) error {
	if _, err := s.db.Exec(ctx, `UPDATE app_passwords SET last_used_at = now(), last_used_from = $2 WHERE id = $1`, id, from); err != nil {
		return fmt.Errorf("note the use of app password %s: %w", id, err)
	}
	return nil
}

// secretLength is a secret's length without its dashes.
const secretLength = 25

// newSecret draws a secret: 25 characters of the alphabet, in groups of five.
func newSecret() string {
	var b strings.Builder
	for i, r := range rand.Text()[:secretLength] {
		if i > 0 && i%5 == 0 {
			b.WriteByte('-')
		}
		b.WriteByte(alphabet[strings.IndexRune(base32Std, r)])
	}
	return b.String()
}

// base32Std is the alphabet of crypto/rand.Text, mapped one to one onto ours.
const base32Std = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"

// normalizeSecret drops what people add when they type a secret: dashes, spaces,
// capitals.
func normalizeSecret(s string) string {
	s = strings.ToLower(s)
	return strings.Map(func(r rune) rune {
		if r == '-' || r == ' ' {
			return -1
		}
		return r
	}, s)
}

// hash is what is stored of a secret: the SHA-256 of its normalized form.
func hash(secret string) []byte {
	sum := sha256.Sum256([]byte(normalizeSecret(secret)))
	return sum[:]
}
