package workspace

import (
	"context"

	"github.com/google/uuid"

	"cartable"
	"cartable/quota"
)

// SpaceQuota is a space the caller can write to, with its usage and its structure's.
type SpaceQuota struct {
	Space Space
	quota.SpaceUsage
}

// Quotas returns the usage and limits of every space the caller may write to.
func (s *Service) Quotas(ctx context.Context, c *cartable.Caller) ([]SpaceQuota, error) {
	spaces, err := s.Spaces(ctx, c)
	if err != nil {
		return nil, err
	}
	var writable []Space
	var ids []uuid.UUID
	for _, sp := range spaces {
		if sp.Role >= cartable.Author {
			writable = append(writable, sp)
			ids = append(ids, sp.ID)
		}
	}
	usage, err := quota.ForSpaces(ctx, s.db, ids)
	if err != nil {
		return nil, err
	}
	out := make([]SpaceQuota, 0, len(writable))
	for _, sp := range writable {
		out = append(out, SpaceQuota{Space: sp, SpaceUsage: usage[sp.ID]})
	}
	return out, nil
}
