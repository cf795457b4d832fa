package main

import (
	"net/http"
	"testing"
	"time"

	"cartable/previewtest"
)

// TestDeprovisionTakesTheSpaceAlong: when the ENT deletes a pupil who left, they are
// locked out at once; once the grace period is over, their personal space, its
// files, their bytes and their thumbnails go; what they put in their class's space
// stays with the class.
func TestDeprovisionTakesTheSpaceAlong(t *testing.T) {
	in := startWith(t, func(cfg *Config) { cfg.Jobs = true })
	svc, pupil := in.as("service.provisioning"), in.as("eleve.6a.02")
	own := pupil.mustUpload(pupil.home(), "dessin.jpg", previewtest.Photo(640, 480, 0, 11))
	shared := pupil.mustUpload(pupil.space("group", "6A"), "exposé.jpg", previewtest.Photo(640, 480, 0, 12))
	waitForPreviews(t, pupil, pupil.home())
	ownKeys := append(previewKeys(t, in, own.ID), in.blobKey(t, own.ID))
	if len(ownKeys) != 7 {
		t.Fatalf("%d objects for the pupil's file, want its blob and 6 thumbnails", len(ownKeys))
	}

	wantStatus(t, svc.do(http.MethodDelete, "/api/v1/admin/users/eleve.6a.02", nil, nil), http.StatusNoContent, "delete the pupil")
	wantProblem(t, pupil.get("/api/v1/spaces"), http.StatusUnauthorized, "unauthorized", "the deleted pupil's token")
	// Kept for the grace period (CARTABLE_LEAVER_RETENTION), then purged by the job.
	if n := in.count(t, `SELECT count(*) FROM spaces WHERE owner_id = 'eleve.6a.02'`); n != 1 {
		t.Errorf("%d personal spaces during the grace period, want 1", n)
	}
	if n, err := in.app.leavers.PurgeDue(t.Context(), time.Now().Add(in.app.cfg.LeaverRetention+time.Minute)); err != nil || n != 1 {
		t.Fatalf("the purge after the grace period purged %d (%v)", n, err)
	}
	if _, err := in.app.workspace.CollectBlobs(t.Context()); err != nil {
		t.Fatal(err)
	}
	for _, key := range ownKeys {
		if ok, err := in.app.store.Exists(t.Context(), key); err != nil || ok {
			t.Errorf("object %s outlived its owner (err %v)", key, err)
		}
	}
	if n := in.count(t, `SELECT count(*) FROM spaces WHERE owner_id = 'eleve.6a.02'`); n != 0 {
		t.Errorf("%d personal spaces left", n)
	}
	// The class keeps the work handed in to its space.
	teacher := in.as("prof.martin")
	wantStatus(t, teacher.get(itemPath(shared.ID, "/content")), http.StatusOK, "the class's copy of the pupil's work")
}

// blobKey is the object key of an item's current version.
func (in *instance) blobKey(t *testing.T, itemID string) string {
	t.Helper()
	var key string
	err := in.app.pool.QueryRow(t.Context(), `
		SELECT b.key FROM items i JOIN versions v ON v.id = i.current_version_id JOIN blobs b ON b.id = v.blob_id
		WHERE i.id = $1`, itemID).Scan(&key)
	if err != nil {
		t.Fatal(err)
	}
	return key
}
