package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// nameWords are what teachers and pupils name their files and folders, with their
// accents; each generated name is one of them and a number. "Photosynthèse" is
// the rare one: one name in 10,000.
var nameWords = []string{
	"Exercice", "Exercices corrigés", "Évaluation", "Fiche élève", "Cours", "Séquence", "Photo de classe",
	"Compte rendu", "Exposé", "Devoir maison", "Corrigé", "Leçon", "Dictée", "Histoire", "Géographie",
	"Mathématiques", "Sciences", "Anglais", "Projet", "Sortie scolaire", "Réunion", "Emploi du temps",
	"Brouillon", "Carte mentale", "Élèves délégués",
}

// school gives the items realistic names and the pupil's eight classes a space
// each, with 2,000 items and, per class, 25 pupils' private assignment folders (one
// of them the pupil's): what a search must read through and what it must leave out.
func school(ctx context.Context, pool *pgxpool.Pool) error {
	start := time.Now()
	steps := []string{
		// Renaming a million names in a trigram index one by one costs more than indexing them again.
		`DROP INDEX items_name_trigrams`,
		fmt.Sprintf(`UPDATE items SET name = CASE WHEN abs(hashtext(id::text)) %% 10000 = 0 THEN 'Photosynthèse des plantes'
			ELSE (%s)[1 + abs(hashtext(id::text)) %% %d] || ' ' || abs(hashtext(id::text || 'n')) %% 1000 END,
			modified_at = now() - (abs(hashtext(id::text || 'm')) %% 1000000) * interval '1 minute'
			WHERE parent_id IS NOT NULL`, sqlArray(nameWords), len(nameWords)),
		`CREATE TEMP TABLE class_spaces AS SELECT 'g1-' || k AS grp, gen_random_uuid() AS space, gen_random_uuid() AS root FROM generate_series(1, 8) k`,
		`INSERT INTO spaces (id, kind, name, structure_id, group_id, root_id) SELECT space, 'group', 'Classe ' || grp, 's1', grp, root FROM class_spaces`,
		`INSERT INTO items (id, space_id, kind, name, name_key, created_by, modified_by) SELECT root, space, 'folder', 'Classe ' || grp, 'classe ' || grp, 't1', 't1' FROM class_spaces`,
		fmt.Sprintf(`INSERT INTO items (id, space_id, parent_id, ancestors, kind, name, name_key, created_by, modified_by, modified_at)
			SELECT gen_random_uuid(), c.space, c.root, ARRAY[c.root], 'folder', (%s)[1 + n %% %d] || ' ' || n, 'c' || n, 't1', 't1', now() - n * interval '1 hour'
			FROM class_spaces c, generate_series(1, 2000) n`, sqlArray(nameWords), len(nameWords)),
		// Private assignment folders: the top hangs below no folder; one file-like folder in each.
		`CREATE TEMP TABLE private_tops AS SELECT c.space, gen_random_uuid() AS id, CASE WHEN n = 1 THEN 'p1' ELSE 'x' || n END AS pupil
			FROM class_spaces c, generate_series(1, 25) n`,
		`INSERT INTO items (id, space_id, kind, name, name_key, created_by, modified_by, private_to)
			SELECT id, space, 'folder', 'Exercice - ' || pupil, 'exercice - ' || pupil, 't1', 't1', pupil FROM private_tops`,
		`INSERT INTO items (id, space_id, parent_id, ancestors, kind, name, name_key, created_by, modified_by)
			SELECT gen_random_uuid(), space, id, ARRAY[id], 'folder', 'Exercice élève ' || pupil, 'e', pupil, pupil FROM private_tops`,
		// Images and videos for the media picker: one leaf in five across the region
		// (one in ten of them a video), and every pupil's work in the private folders,
		// which the pupil must see only of their own. Each is a file of one version
		// with a ready preview. Charging quotas row by row (the versions trigger) would
		// take minutes and measures nothing here.
		`CREATE TEMP TABLE media AS SELECT i.id, i.space_id, gen_random_uuid() AS blob, gen_random_uuid() AS version,
			CASE WHEN abs(hashtext(i.id::text || 'v')) % 10 = 0 THEN 'video/mp4' ELSE 'image/jpeg' END AS mime
			FROM items i WHERE i.parent_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM items c WHERE c.parent_id = i.id)
			AND (abs(hashtext(i.id::text || 'f')) % 5 = 0 OR i.parent_id IN (SELECT id FROM private_tops))`,
		`INSERT INTO blobs (id, key, size) SELECT blob, 'bench/' || blob, 250000 FROM media`,
		`ALTER TABLE versions DISABLE TRIGGER versions_charge_insert`,
		`INSERT INTO versions (id, item_id, space_id, number, blob_id, size, sha256, mime_type, created_by)
			SELECT version, id, space_id, 1, blob, 250000, '\x00', mime, 't1' FROM media`,
		`ALTER TABLE versions ENABLE TRIGGER versions_charge_insert`,
		`INSERT INTO previews (blob_id, state, render, renditions) SELECT blob, 'ready', 'bench', jsonb_build_array(
			jsonb_build_object('size', 'small', 'format', 'webp', 'key', 'p/' || blob || '/s', 'width', 128, 'height', 128, 'bytes', 4000, 'source_width', 4032, 'source_height', 3024),
			jsonb_build_object('size', 'medium', 'format', 'webp', 'key', 'p/' || blob || '/m', 'width', 512, 'height', 384, 'bytes', 30000, 'source_width', 4032, 'source_height', 3024),
			jsonb_build_object('size', 'large', 'format', 'webp', 'key', 'p/' || blob || '/l', 'width', 1600, 'height', 1200, 'bytes', 200000, 'source_width', 4032, 'source_height', 3024))
			FROM media`,
		`UPDATE items i SET kind = 'file', mime_type = m.mime, current_version_id = m.version, size = 250000 FROM media m WHERE i.id = m.id`,
		`SET CONSTRAINTS ALL IMMEDIATE`, // the roots are there: check now, so that the index may be built
		`CREATE INDEX items_name_trigrams ON items USING gin (name_folded gin_trgm_ops) WHERE trashed_at IS NULL`,
	}
	// One transaction: the temporary tables are its connection's, and spaces and
	// their root folders reference each other.
	tx, err := pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	for i, sql := range steps {
		if _, err := tx.Exec(ctx, sql); err != nil {
			return fmt.Errorf("school step %d: %w", i, err)
		}
		fmt.Fprintf(os.Stderr, "+")
	}
	if err := tx.Commit(ctx); err != nil {
		return err
	}
	if _, err := pool.Exec(ctx, `VACUUM (ANALYZE) items`); err != nil {
		return err
	}
	var media int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM items WHERE kind = 'file'`).Scan(&media); err != nil {
		return err
	}
	logf("named items, made class spaces and %d images and videos in %s", media, time.Since(start).Round(time.Second))
	return nil
}

func sqlArray(words []string) string {
	out := "ARRAY["
	for i, w := range words {
		if i > 0 {
			out += ", "
		}
		out += "'" + w + "'"
	}
	return out + "]"
}
