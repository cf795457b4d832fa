package workspace

import (
	"context"
	"fmt"
	"time"
)

// unfinishedGrace is how old an unfinished multipart upload must be before the sweep
// may take it for an orphan: every upload records its pending blob before its first
// byte goes to S3, so this only covers clocks and listings that lag.
const unfinishedGrace = 10 * time.Minute

// AbortOrphanUploads aborts the unfinished multipart uploads under blobs/ begun
// before now less a grace period whose key no upload in flight holds (no pending
// blob has it): the parts of a stream whose node died and whose blob is gone, or
// any other leftover that S3 would otherwise keep, and bill, for ever. The collector
// already aborts the unfinished upload of each pending blob it removes; this is the
// net under it. It returns how many it aborted.
func (s *Service) AbortOrphanUploads(ctx context.Context, now time.Time) (int, error) {
	aborted := 0
	for up, err := range s.blobs.ListUnfinished(ctx, "blobs/") {
		if err != nil {
			return aborted, err
		}
		if up.Initiated.After(now.Add(-unfinishedGrace)) {
			continue
		}
		var inFlight bool
		err := s.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM blobs WHERE key = $1 AND pending_until IS NOT NULL)`, up.Key).Scan(&inFlight)
		if err != nil {
			return aborted, fmt.Errorf("look up unfinished upload %s: %w", up.Key, err)
		}
		if inFlight {
			continue
		}
		if err := s.blobs.AbortUnfinished(ctx, up.Key); err != nil {
			return aborted, err
		}
		aborted++
	}
	return aborted, nil
}
