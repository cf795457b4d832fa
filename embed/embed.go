package embed

import (
	"encoding/base64"
	"mime"
	"strings"
	"time"

	"github.com/google/uuid"

	"cartable"
	"cartable/workspace"
)

// ENotEmbeddable is the code of a file whose type cannot be embedded.
const ENotEmbeddable cartable.Code = "not_embeddable"

// CacheMaxAge is how long a browser or a shared cache may keep an embed's answer
// without asking again: a revoked embed may still show that long where it was
// already seen.
const CacheMaxAge = 5 * time.Minute

// Embed is one published version of a file. Its token is shown once, at creation.
type Embed struct {
	ID        uuid.UUID
	ItemID    uuid.UUID
	VersionID uuid.UUID
	MimeType  string
	CreatedBy string
	CreatedAt time.Time
}

// embeddableImages are the image types every current browser shows in <img>. SVG is
// left out: opened on its own, it runs scripts.
var embeddableImages = []string{"image/png", "image/jpeg", "image/gif", "image/webp", "image/avif"}

// Embeddable reports whether a file of that (sniffed) type may be embedded: the
// images above, any video and any audio.
func Embeddable(mimeType string) bool {
	base, _, err := mime.ParseMediaType(mimeType)
	if err != nil {
		return false
	}
	for _, t := range embeddableImages {
		if base == t {
			return true
		}
	}
	return strings.HasPrefix(base, "video/") || strings.HasPrefix(base, "audio/")
}

// mayPublish reports whether c may make embeds of a file they see with its role:
// teachers and staff who may change it. An embed publishes to whoever has the URL,
// which pupils and parents may not do.
func mayPublish(c *cartable.Caller, it workspace.Item) bool {
	return c.Profile.IsStaff() && it.Role >= cartable.Contributor
}

// mayManage reports whether c may list and revoke a file's embeds: who may publish
// it, and its managers.
func mayManage(c *cartable.Caller, it workspace.Item) bool {
	return mayPublish(c, it) || it.Role >= cartable.Manager
}

// checkPublish is the refusal, if any, of c making an embed of it.
func checkPublish(c *cartable.Caller, it workspace.Item) error {
	switch {
	case it.IsFolder():
		return cartable.Errorf(ENotEmbeddable, "a folder cannot be embedded: embed its images and videos one by one")
	case !c.Profile.IsStaff():
		return cartable.Errorf(cartable.EForbidden, "only teachers and staff publish files in a blog or a wiki")
	case it.Role < cartable.Contributor:
		return cartable.Errorf(cartable.EForbidden, "embedding a file needs the contributor role on it; you have %s", it.Role).
			With("required_role", cartable.Contributor.String())
	case !Embeddable(it.MimeType):
		return cartable.Errorf(ENotEmbeddable, "files of type %s cannot be embedded: only images, videos and sounds", it.MimeType).
			With("mime_type", it.MimeType)
	}
	return nil
}

// wellFormed reports whether a token could be one sharing.NewToken made: anything else is
// refused without a query.
func wellFormed(token string) bool {
	b, err := base64.RawURLEncoding.Strict().DecodeString(token)
	return err == nil && len(b) == 32
}
