package workspace

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"cartable"
)

// PrepareUpload checks, before a resumable upload is created, that the caller may
// write where it goes and that the name is valid and free (unless AutoRename), and
// fills in the space it is charged to. Without a parent or an item the file goes to
// the caller's personal space; without a name it gets a dated one. The upload then
// begins with BeginUploadTx.
func (s *Service) PrepareUpload(ctx context.Context, c *cartable.Caller, t UploadTarget) (UploadTarget, error) {
	if t.ItemID == nil && t.Name == "" {
		t.Name = "Envoi du " + s.now().Format("2006-01-02 15h04m05")
		t.AutoRename, t.Replace = true, false
	}
	return s.resolveTarget(ctx, c, t)
}

func (s *Service) personalRoot(ctx context.Context, c *cartable.Caller) (uuid.UUID, error) {
	var root uuid.UUID
	err := s.db.QueryRow(ctx, `SELECT root_id FROM spaces WHERE owner_id = $1`, c.UserID).Scan(&root)
	if err == nil {
		return root, nil
	}
	// Not created yet: the first look at one's spaces creates them.
	spaces, err := s.Spaces(ctx, c)
	if err != nil {
		return uuid.Nil, err
	}
	for _, sp := range spaces {
		if sp.Kind == SpacePersonal {
			return sp.RootID, nil
		}
	}
	return uuid.Nil, fmt.Errorf("no personal space for %s", c.UserID)
}
