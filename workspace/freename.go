package workspace

import (
	"context"

	"github.com/google/uuid"

	"cartable"
)

// FreeName returns a name a new file of the folder could bear: name itself when no
// live sibling has it, else its first free "name (n).ext". It is advice, for a
// client told of a clash (WOPI's X-WOPI-ValidRelativeTarget), not a reservation:
// the folder's row is not locked, and the write that follows checks again.
func (s *Service) FreeName(ctx context.Context, c *cartable.Caller, folderID uuid.UUID, name string) (string, error) {
	name, err := NormalizeName(name)
	if err != nil {
		return "", err
	}
	folder, err := visibleFolder(ctx, s.db, c, folderID, "", noLock)
	if err != nil {
		return "", err
	}
	return pickName(ctx, s.db, folder.ID, name, false, true)
}
