package api

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"cartable/workspace"
)

// The school year: a structure's folder template, its rollover, and the archive of
// one class space. The region (admin scope) everywhere, local admins in their
// structures (authenticateStructureAdmin); the rules are in workspace/schoolyear.go.

type folderTemplateJSON struct {
	Folders []string `json:"folders"`
	// RegionDefault: the structure has no template of its own (answers only).
	RegionDefault bool `json:"region_default,omitempty"`
	// ArchiveRetentionDays: how long a rollover's archives stay readable, for the
	// admin's confirmation (answers only).
	ArchiveRetentionDays int `json:"archive_retention_days,omitempty"`
}

func (s *Server) getFolderTemplate(c echo.Context) error {
	t, err := s.Workspace.StructureTemplate(c.Request().Context(), structureAdmin(c), c.Param("id"))
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, folderTemplateJSON{Folders: nonNilStrings(t.Folders), RegionDefault: t.RegionDefault,
		ArchiveRetentionDays: int(s.Workspace.ArchiveRetention().Hours() / 24)})
}

func (s *Server) putFolderTemplate(c echo.Context) error {
	if err := structureAdmin(c).Manages(c.Param("id")); err != nil {
		return err // before reading a body: a stranger learns nothing
	}
	var b struct {
		Folders []string `json:"folders"`
	}
	if err := decodeJSON(c, &b); err != nil {
		return err
	}
	t, err := s.Workspace.SetStructureTemplate(c.Request().Context(), structureAdmin(c), c.Param("id"), b.Folders, adminID(c))
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, folderTemplateJSON{Folders: nonNilStrings(t.Folders)})
}

type yearBody struct {
	YearLabel string `json:"year_label"`
}

func (s *Server) rollover(c echo.Context) error {
	if err := structureAdmin(c).Manages(c.Param("id")); err != nil {
		return err
	}
	var b yearBody
	if err := decodeJSON(c, &b); err != nil {
		return err
	}
	r, err := s.Workspace.RolloverStructure(c.Request().Context(), structureAdmin(c), c.Param("id"), b.YearLabel, adminID(c))
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, map[string]any{
		"structure_id": c.Param("id"), "year_label": r.YearLabel, "archived": r.Archived,
		"already_done": r.AlreadyDone, "done_at": r.At, "purge_after": r.PurgeAfter,
	})
}

type archivedSpaceJSON struct {
	ID            string     `json:"id"`
	Name          string     `json:"name"`
	StructureID   string     `json:"structure_id,omitempty"`
	ArchivedAt    *time.Time `json:"archived_at,omitempty"`
	ArchivedLabel string     `json:"archived_label,omitempty"`
	PurgeAfter    *time.Time `json:"purge_after,omitempty"`
	// FormerMembers: how many of its pupils, teachers and staff keep reading it.
	FormerMembers int `json:"former_members"`
}

func toArchivedSpaceJSON(sp workspace.ArchivedSpace) archivedSpaceJSON {
	return archivedSpaceJSON{ID: sp.ID.String(), Name: sp.Name, StructureID: sp.StructureID,
		ArchivedAt: sp.ArchivedAt, ArchivedLabel: sp.Label, PurgeAfter: sp.PurgeAfter, FormerMembers: sp.Members}
}

func (s *Server) archiveSpace(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	var b yearBody
	if c.Request().ContentLength != 0 {
		if err := decodeJSON(c, &b); err != nil {
			return err
		}
	}
	sp, err := s.Workspace.ArchiveSpace(c.Request().Context(), structureAdmin(c), id, b.YearLabel, adminID(c))
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, toArchivedSpaceJSON(sp))
}

func (s *Server) unarchiveSpace(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	sp, err := s.Workspace.UnarchiveSpace(c.Request().Context(), structureAdmin(c), id)
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, toArchivedSpaceJSON(sp))
}

// adminID names who administers, for the record: the local admin, or the region's
// token's subject.
func adminID(c echo.Context) string { return callerID(c) }

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
