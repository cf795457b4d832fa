package wopi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/google/uuid"

	"cartable"
	"cartable/db"
	"cartable/directory"
	"cartable/lock"
	"cartable/workspace"
)

// Host serves the WOPI operations over the workspace.
type Host struct {
	ws      *workspace.Service
	db      db.DBTX
	tokens  *Tokens
	disc    *Discoverer
	hostURL string
	log     *slog.Logger
	now     func() time.Time
}

// Config is what a host needs.
type Config struct {
	Workspace  *workspace.Service
	DB         db.DBTX
	Tokens     *Tokens
	Discoverer *Discoverer
	// HostURL is how the office server reaches Cartable: WOPISrc is
	// HostURL/wopi/files/{id}, and proofs sign HostURL + the request's path.
	HostURL string
	Log     *slog.Logger
}

// New makes a host.
func New(cfg Config) *Host {
	return &Host{ws: cfg.Workspace, db: cfg.DB, tokens: cfg.Tokens, disc: cfg.Discoverer,
		hostURL: strings.TrimSuffix(cfg.HostURL, "/"), log: cfg.Log, now: time.Now}
}

// Discoverer is the host's discovery (the server runs its refresh loop).
func (h *Host) Discoverer() *Discoverer { return h.disc }

// WOPISrc is the URL the office server calls for a file.
func (h *Host) WOPISrc(id uuid.UUID) string { return h.hostURL + "/wopi/files/" + id.String() }

// Session is a caller on a file, through a token: who, what the token allows.
type Session struct {
	Caller *cartable.Caller
	Claims Claims
	Token  string
}

// canEdit reports whether the token was made for editing.
func (s Session) canEdit() bool { return s.Claims.Mode == ModeEdit }

// ErrNotAllowed is a write the token or the user's rights do not allow (a viewer's
// PutFile). WOPI answers 401: the token is not good for it.
var ErrNotAllowed = errors.New("wopi: not allowed with this token")

// LockMismatch is a WOPI lock mismatch (409): Current is the lock the office server
// is told of in X-WOPI-Lock, empty when the file is unlocked or locked by another
// protocol (WebDAV), whose lock the office server could not present anyway.
type LockMismatch struct {
	Current string
	Reason  string
}

func (e *LockMismatch) Error() string { return "wopi: lock mismatch: " + e.Reason }

// mismatchOf turns the workspace's lock refusal into a lock mismatch; other errors
// pass.
func mismatchOf(err error) error {
	var ce *lock.ConflictError
	if !errors.As(err, &ce) {
		return err
	}
	if !ce.Locked() {
		return &LockMismatch{Reason: "the file is not locked"}
	}
	if ce.Current.Protocol != lock.WOPI {
		return &LockMismatch{Reason: "the file is locked by another application"}
	}
	return &LockMismatch{Current: ce.Current.Token, Reason: "the file is locked with another lock"}
}

// Authorize checks a token presented for a file, and loads its user from the
// directory as they are now: a deprovisioned user's token is invalid. What the user
// may still do with the file, each operation asks the workspace.
func (h *Host) Authorize(ctx context.Context, token string, id uuid.UUID) (Session, error) {
	claims, err := h.tokens.Verify(token, id)
	if err != nil {
		return Session{}, err
	}
	who, err := directory.LoadCaller(ctx, h.db, claims.UserID)
	if cartable.IsCode(err, cartable.ENotFound) {
		return Session{}, fmt.Errorf("%w: the user is no longer provisioned", ErrInvalidToken)
	}
	if err != nil {
		return Session{}, err
	}
	return Session{Caller: who, Claims: claims, Token: token}, nil
}

// Proof is the verification of a signed request: the keys of the current
// discovery, then, when they fail, of a discovery read again (the office server may
// have rotated its keys), at most once a minute. Without keys nothing is checked.
// A stale timestamp or a bad signature is ErrBadProof.
func (h *Host) Proof(ctx context.Context, p Proof, signed bool) error {
	d, err := h.disc.Current(ctx)
	if err != nil {
		return err
	}
	if !d.Keys.Any() {
		return nil
	}
	if !signed || !Fresh(p.Ticks, h.now()) {
		return ErrBadProof
	}
	if d.Keys.Verify(p) {
		return nil
	}
	if h.disc.RefreshAfterFailure(ctx) {
		if d, err = h.disc.Current(ctx); err == nil && d.Keys.Verify(p) {
			return nil
		}
	}
	return ErrBadProof
}

// ErrBadProof is a request whose proof does not hold (forged, or replayed more than
// 20 minutes later). WOPI answers 500.
var ErrBadProof = errors.New("wopi: the request's proof does not hold")

// FullURL is the URL the office server signed for a request path and query.
func (h *Host) FullURL(requestURI string) string { return h.hostURL + requestURI }
