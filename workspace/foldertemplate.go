package workspace

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"cartable"
	"cartable/db"
	"cartable/quota"
)

// Limits of a folder template: enough for a school's habits ("Cours/Chapitre 1"),
// small enough that creating a class space stays one short transaction.
const (
	maxTemplateFolders = 50
	maxTemplateDepth   = 3
)

// FolderTemplate is the list of folders every new class space of a structure starts
// with, as paths from the space root ("Cours", "Cours/Chapitre 1").
type FolderTemplate struct {
	Folders []string
	// RegionDefault: the structure has no template of its own; Folders is the
	// region's default (CARTABLE_FOLDER_TEMPLATE), possibly empty.
	RegionDefault bool
}

// StructureTemplate reads a structure's folder template, for its admins.
func (s *Service) StructureTemplate(ctx context.Context, a quota.Admin, structureID string) (FolderTemplate, error) {
	if err := s.administered(ctx, a, structureID); err != nil {
		return FolderTemplate{}, err
	}
	return s.templateOf(ctx, s.db, structureID)
}

// SetStructureTemplate replaces a structure's folder template, for its admins. The
// folders are validated as names; a path's parents need not be listed (they are
// made too). It changes only the class spaces created from now on.
func (s *Service) SetStructureTemplate(ctx context.Context, a quota.Admin, structureID string, folders []string, by string) (FolderTemplate, error) {
	if err := s.administered(ctx, a, structureID); err != nil {
		return FolderTemplate{}, err
	}
	clean, err := ValidateTemplate(folders)
	if err != nil {
		return FolderTemplate{}, err
	}
	_, err = s.db.Exec(ctx, `
		INSERT INTO folder_templates (structure_id, folders, updated_by) VALUES ($1, $2, nullif($3, ''))
		ON CONFLICT (structure_id) DO UPDATE SET folders = $2, updated_by = nullif($3, ''), updated_at = now()`,
		structureID, clean, by)
	if err != nil {
		return FolderTemplate{}, fmt.Errorf("set folder template of %s: %w", structureID, err)
	}
	return FolderTemplate{Folders: clean}, nil
}

// SeedTemplate sets a structure's template unless it has one (the demo collège's,
// at each start of `cartable dev`, without undoing its admin's edits).
func (s *Service) SeedTemplate(ctx context.Context, structureID string, folders []string) error {
	clean, err := ValidateTemplate(folders)
	if err != nil {
		return err
	}
	_, err = s.db.Exec(ctx, `INSERT INTO folder_templates (structure_id, folders) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
		structureID, clean)
	if err != nil {
		return fmt.Errorf("seed folder template of %s: %w", structureID, err)
	}
	return nil
}

// ValidateTemplate normalizes a template's paths: each part a valid item name, at
// most maxTemplateDepth parts and maxTemplateFolders paths, no path twice (ignoring
// case). The order is kept: it is the order the admin chose.
func ValidateTemplate(folders []string) ([]string, error) {
	if len(folders) > maxTemplateFolders {
		return nil, templateInvalid("folders", fmt.Sprintf("a template holds at most %d folders", maxTemplateFolders))
	}
	clean := make([]string, 0, len(folders))
	seen := map[string]bool{}
	for i, path := range folders {
		field := fmt.Sprintf("folders[%d]", i)
		parts := strings.Split(strings.Trim(path, "/"), "/")
		if len(parts) > maxTemplateDepth {
			return nil, templateInvalid(field, fmt.Sprintf("a template folder lies at most %d levels deep", maxTemplateDepth))
		}
		keys := make([]string, len(parts))
		for j, part := range parts {
			name, err := NormalizeName(strings.TrimSpace(part))
			if err != nil {
				var ce *cartable.Error
				if errors.As(err, &ce) {
					return nil, ce.With("field", field)
				}
				return nil, err
			}
			parts[j], keys[j] = name, NameKey(name)
		}
		key := strings.Join(keys, "/")
		if seen[key] {
			return nil, templateInvalid(field, "this folder is listed twice")
		}
		seen[key] = true
		clean = append(clean, strings.Join(parts, "/"))
	}
	return clean, nil
}

func templateInvalid(field, why string) error {
	return cartable.Errorf(cartable.EInvalid, "%s: %s", field, why).With("field", field)
}

// templateOf is the structure's template, or the region's default.
func (s *Service) templateOf(ctx context.Context, q db.DBTX, structureID string) (FolderTemplate, error) {
	var folders []string
	err := q.QueryRow(ctx, `SELECT folders FROM folder_templates WHERE structure_id = $1`, structureID).Scan(&folders)
	if errors.Is(err, pgx.ErrNoRows) {
		return FolderTemplate{Folders: append([]string{}, s.cfg.FolderTemplate...), RegionDefault: true}, nil
	}
	if err != nil {
		return FolderTemplate{}, fmt.Errorf("read folder template of %s: %w", structureID, err)
	}
	return FolderTemplate{Folders: folders}, nil
}

// applyTemplate makes the template's folders in a new class space, parents first.
// They are made by nobody (created_by NULL): pupils cannot rename or trash them,
// the class's teachers can, like anything in the space.
func (s *Service) applyTemplate(ctx context.Context, tx pgx.Tx, spaceID, rootID uuid.UUID, structureID string) error {
	t, err := s.templateOf(ctx, tx, structureID)
	if err != nil || len(t.Folders) == 0 {
		return err
	}
	made := map[string][]uuid.UUID{"": {rootID}} // path key → ancestors of its children
	for _, path := range t.Folders {
		parentKey := ""
		for _, name := range strings.Split(path, "/") {
			key := parentKey + "/" + NameKey(name)
			if _, ok := made[key]; !ok {
				ancestors := made[parentKey]
				id := newID()
				_, err := tx.Exec(ctx, `
					INSERT INTO items (id, space_id, parent_id, ancestors, kind, name, name_key)
					VALUES ($1, $2, $3, $4, 'folder', $5, $6)`,
					id, spaceID, ancestors[len(ancestors)-1], ancestors, name, NameKey(name))
				if err != nil {
					return fmt.Errorf("make template folder %q: %w", path, err)
				}
				made[key] = append(append([]uuid.UUID{}, ancestors...), id)
			}
			parentKey = key
		}
	}
	return nil
}

// administered checks that the admin administers the structure, and that it exists:
// for anyone else it does not exist.
func (s *Service) administered(ctx context.Context, a quota.Admin, structureID string) error {
	if err := a.Manages(structureID); err != nil {
		return err
	}
	var exists bool
	if err := s.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM structures WHERE id = $1)`, structureID).Scan(&exists); err != nil {
		return fmt.Errorf("find structure %s: %w", structureID, err)
	}
	if !exists {
		return cartable.Errorf(cartable.ENotFound, "no structure %q", structureID)
	}
	return nil
}
