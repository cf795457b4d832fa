package sharing

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"golang.org/x/crypto/bcrypt"

	"cartable"
	"cartable/db"
)

// Link kinds: a view link reads the item (and what is below a folder); an upload
// link is a drop box, where visitors add files to a folder and see nothing in it.
const (
	LinkView   = "view"
	LinkUpload = "upload"
)

// MaxLinkLifetime is how far ahead a link may expire.
const MaxLinkLifetime = 366 * 24 * time.Hour

// Link is a capability URL to one item. Its token is shown once, at creation.
type Link struct {
	ID          uuid.UUID
	ItemID      uuid.UUID
	GrantID     uuid.UUID
	Kind        string
	CreatedBy   string
	CreatedAt   time.Time
	ExpiresAt   time.Time
	HasPassword bool
}

// NewLink is what a manager asks for.
type NewLink struct {
	Kind      string
	ExpiresAt time.Time
	Password  string
}

// LinkPolicy says who may create links.
type LinkPolicy struct {
	// Everyone lets pupils and parents create links too; by default only teachers
	// and staff do.
	Everyone bool
}

// Allows reports whether the policy lets c create links at all (they must also
// manage the item).
func (p LinkPolicy) Allows(c *cartable.Caller) bool {
	return p.Everyone || c.Profile.IsStaff()
}

// CreateLink makes a link to an item the creator manages (checked by the caller of
// this function), and returns it with its token. The link is also a grant, so the
// access decision covers it.
func CreateLink(ctx context.Context, q db.DBTX, creator *cartable.Caller, itemID uuid.UUID, isFolder bool, in NewLink, policy LinkPolicy, now time.Time) (Link, string, error) {
	if err := checkNewLink(creator, isFolder, in, policy, now); err != nil {
		return Link{}, "", err
	}
	token, hash := NewToken()
	l := Link{ID: uuid.Must(uuid.NewV7()), ItemID: itemID, Kind: in.Kind, CreatedBy: creator.UserID, ExpiresAt: in.ExpiresAt.UTC()}
	var passwordHash *string
	if in.Password != "" {
		h, err := bcrypt.GenerateFromPassword([]byte(in.Password), bcrypt.DefaultCost)
		if err != nil {
			return Link{}, "", fmt.Errorf("hash link password: %w", err)
		}
		s := string(h)
		passwordHash, l.HasPassword = &s, true
	}
	role := cartable.Viewer
	if in.Kind == LinkUpload {
		role = cartable.Contributor
	}
	g, err := Insert(ctx, q, Grant{ItemID: itemID, GranteeKind: ToLink, GranteeID: l.ID.String(), Role: role, GrantedBy: creator.UserID, ExpiresAt: &l.ExpiresAt})
	if err != nil {
		return Link{}, "", err
	}
	l.GrantID = g.ID
	err = q.QueryRow(ctx, `
		INSERT INTO links (id, item_id, grant_id, kind, token_hash, password_hash, created_by, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING created_at`,
		l.ID, itemID, g.ID, l.Kind, hash, passwordHash, creator.UserID, l.ExpiresAt).Scan(&l.CreatedAt)
	if err != nil {
		return Link{}, "", fmt.Errorf("insert link: %w", err)
	}
	return l, token, nil
}

func checkNewLink(creator *cartable.Caller, isFolder bool, in NewLink, policy LinkPolicy, now time.Time) error {
	switch {
	case !policy.Allows(creator):
		return refused("only teachers and staff create links")
	case in.Kind != LinkView && in.Kind != LinkUpload:
		return invalid("kind must be view or upload")
	case in.Kind == LinkUpload && !isFolder:
		return invalid("an upload link (drop box) goes to a folder")
	case in.ExpiresAt.IsZero():
		return invalid("expires_at is required: a link lives at most a year")
	case !in.ExpiresAt.After(now) || in.ExpiresAt.After(now.Add(MaxLinkLifetime)):
		return invalid("expires_at must be in the future and within a year")
	case in.Password != "" && len(in.Password) < 4:
		return invalid("a link password has at least 4 characters")
	case len(in.Password) > maxPasswordBytes:
		return invalid("a link password has at most 72 bytes (bcrypt reads no more)")
	}
	return nil
}

// maxPasswordBytes is what bcrypt reads of a password.
const maxPasswordBytes = 72

// NewToken returns a random capability token (32 bytes, base64url) and the hash
// under which it is kept: only the hash is stored, so the token is shown once.
// Links use it, and embeds.
func NewToken() (string, []byte) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("crypto/rand: %v", err))
	}
	token := base64.RawURLEncoding.EncodeToString(b)
	return token, TokenHash(token)
}

// TokenHash is the stored form of a token NewToken made.
func TokenHash(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

const linkColumns = `l.id, l.item_id, l.grant_id, l.kind, l.created_by, l.created_at, l.expires_at, l.password_hash IS NOT NULL`

func scanLink(row pgx.Row) (Link, error) {
	var l Link
	err := row.Scan(&l.ID, &l.ItemID, &l.GrantID, &l.Kind, &l.CreatedBy, &l.CreatedAt, &l.ExpiresAt, &l.HasPassword)
	return l, err
}

// Links lists a page of the links of an item, oldest first, for its managers
// (without tokens).
func Links(ctx context.Context, q db.DBTX, itemID uuid.UUID, req cartable.PageRequest) (cartable.Page[Link], error) {
	return pageOfItem(ctx, q, "links", `SELECT `+linkColumns+` FROM links l WHERE l.item_id = $1
		AND (NOT $2 OR (l.created_at, l.id) > ($3, $4)) ORDER BY l.created_at, l.id LIMIT $5`,
		itemID, req, scanLink, func(l Link) createdKey { return createdKey{At: l.CreatedAt, ID: l.ID} })
}

// RevokeLink deletes a link (its grant, and so the link): it stops working at once.
func RevokeLink(ctx context.Context, q db.DBTX, itemID, linkID uuid.UUID) error {
	tag, err := q.Exec(ctx, `DELETE FROM grants WHERE id = (SELECT grant_id FROM links WHERE id = $1 AND item_id = $2)`, linkID, itemID)
	if err != nil {
		return fmt.Errorf("revoke link %s: %w", linkID, err)
	}
	if tag.RowsAffected() == 0 {
		return cartable.Errorf(cartable.ENotFound, "no link %s on item %s", linkID, itemID)
	}
	return nil
}

// ErrPasswordRequired is answered to a visitor of a protected link without the
// right password.
var errPasswordRequired = errors.New("password required")

// OpenLink finds the live link of a token and checks its password. It returns the
// caller that stands for whoever holds the token.
func OpenLink(ctx context.Context, q db.DBTX, token, password string) (Link, *cartable.Caller, error) {
	var hash *string
	var l Link
	err := q.QueryRow(ctx, `SELECT `+linkColumns+`, l.password_hash FROM links l WHERE l.token_hash = $1 AND l.expires_at > now() AND `+creatorStaysSQL,
		TokenHash(token)).Scan(&l.ID, &l.ItemID, &l.GrantID, &l.Kind, &l.CreatedBy, &l.CreatedAt, &l.ExpiresAt, &l.HasPassword, &hash)
	if errors.Is(err, pgx.ErrNoRows) {
		return Link{}, nil, cartable.Errorf(cartable.ENotFound, "this link does not exist, has expired or was revoked")
	}
	if err != nil {
		return Link{}, nil, fmt.Errorf("open link: %w", err)
	}
	if hash != nil && bcrypt.CompareHashAndPassword([]byte(*hash), []byte(password)) != nil {
		return Link{}, nil, cartable.Errorf(cartable.EUnauthorized, "%v", errPasswordRequired).With("password_required", true)
	}
	return l, linkCaller(l), nil
}

// LiveLink finds a live link by its id, for a URL signed for one of its visitors
// (who gave the password, if any, when the URL was made: it is not asked again). It
// returns the caller that stands for the link's holders.
func LiveLink(ctx context.Context, q db.DBTX, id uuid.UUID) (Link, *cartable.Caller, error) {
	l, err := scanLink(q.QueryRow(ctx, `SELECT `+linkColumns+` FROM links l WHERE l.id = $1 AND l.expires_at > now() AND `+creatorStaysSQL, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return Link{}, nil, cartable.Errorf(cartable.ENotFound, "this link does not exist, has expired or was revoked")
	}
	if err != nil {
		return Link{}, nil, fmt.Errorf("find link %s: %w", id, err)
	}
	return l, linkCaller(l), nil
}

// creatorStaysSQL keeps a link alive only while its creator has not left the ENT: a
// leaver's links stop with their account (package leaver), and come back if the ENT
// provisions them again. Links the purge keeps (a teacher's materials handed to a
// colleague or the class) are re-attributed to their heir.
const creatorStaysSQL = `NOT EXISTS (SELECT 1 FROM users u WHERE u.id = l.created_by AND u.left_at IS NOT NULL)`

// linkCaller is whoever holds a link: what they may do is decided by its grant.
func linkCaller(l Link) *cartable.Caller {
	return &cartable.Caller{UserID: "link:" + l.ID.String(), DisplayName: "Lien", Profile: cartable.Guest, LinkID: l.ID.String()}
}
