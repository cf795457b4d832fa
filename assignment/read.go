package assignment

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"cartable"
	"cartable/db"
	"cartable/workspace"
)

// Get returns an assignment the caller may see. A pupil's first read marks their
// work opened (the dashboard tells "not opened" from "in progress" by it).
func (s *Service) Get(ctx context.Context, c *cartable.Caller, id uuid.UUID) (Assignment, error) {
	h, err := load(ctx, s.db, c, id, false)
	if err != nil {
		return Assignment{}, err
	}
	a := h.Assignment
	if a.Attachments, err = attachments(ctx, s.db, id); err != nil {
		return Assignment{}, err
	}
	if a.Teacher {
		err = s.db.QueryRow(ctx, `SELECT ARRAY(SELECT pupil_id FROM assignment_pupils WHERE assignment_id = $1 ORDER BY pupil_id)`, id).Scan(&a.PupilIDs)
		return a, err
	}
	if _, err := s.db.Exec(ctx, `UPDATE assignment_work SET opened_at = now() WHERE assignment_id = $1 AND pupil_id = $2 AND opened_at IS NULL`,
		id, c.UserID); err != nil {
		return Assignment{}, fmt.Errorf("mark %s opened: %w", id, err)
	}
	work, err := progressOf(ctx, s.db, []uuid.UUID{id}, c.UserID)
	if err != nil || len(work) == 0 {
		return a, err
	}
	a.Mine = &work[0]
	if a.Mine.FolderID != nil {
		a.Mine.Copies, err = workspace.FilesBelow(ctx, s.db, *a.Mine.FolderID)
	}
	return a, err
}

// List returns the assignments of the caller, by due date: those of the spaces
// they manage (drafts included), and those handed out to them with where their
// work stands.
func (s *Service) List(ctx context.Context, c *cartable.Caller) ([]Assignment, error) {
	var managed, member []string
	for _, g := range c.Groups {
		switch g.Profile {
		case cartable.Teacher:
			managed = append(managed, g.GroupID)
		case cartable.Student:
			member = append(member, g.GroupID)
		}
	}
	rows, _ := s.db.Query(ctx, `SELECT `+headColumns+` FROM assignments a JOIN spaces s ON s.id = a.space_id
		WHERE a.deleted_at IS NULL AND (s.group_id = ANY($1)
		   OR (s.group_id = ANY($2) AND a.published_at IS NOT NULL
		       AND EXISTS (SELECT 1 FROM assignment_work w WHERE w.assignment_id = a.id AND w.pupil_id = $3)))
		ORDER BY a.due_at, a.id LIMIT 1000`, managed, member, c.UserID)
	heads, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (head, error) { return scanHead(row) })
	if err != nil {
		return nil, fmt.Errorf("list assignments: %w", err)
	}
	list := make([]Assignment, len(heads))
	var mine []uuid.UUID
	for i, h := range heads {
		list[i] = h.Assignment
		list[i].Teacher = slices.Contains(managed, h.GroupID)
		if !list[i].Teacher {
			mine = append(mine, h.ID)
		}
	}
	if err := s.withMyWork(ctx, c, list, mine); err != nil {
		return nil, err
	}
	if err := withSummaries(ctx, s.db, list); err != nil {
		return nil, err
	}
	return list, withFiles(ctx, s.db, list)
}

// withFiles gives each assignment of a list its attachments, and the pupil's work
// their copies: two queries for the whole list, whatever its length (a pupil has a
// few dozen assignments at a time).
func withFiles(ctx context.Context, q db.DBTX, list []Assignment) error {
	ids := make([]uuid.UUID, len(list))
	var folders []uuid.UUID
	for i, a := range list {
		ids[i] = a.ID
		if a.Mine != nil && a.Mine.FolderID != nil {
			folders = append(folders, *a.Mine.FolderID)
		}
	}
	attached, err := attachmentsOf(ctx, q, ids)
	if err != nil {
		return err
	}
	copies, err := workspace.FilesBelowEach(ctx, q, folders)
	if err != nil {
		return err
	}
	for i := range list {
		a := &list[i]
		a.Attachments = attached[a.ID]
		if a.Mine != nil && a.Mine.FolderID != nil {
			a.Mine.Copies = copies[*a.Mine.FolderID]
		}
	}
	return nil
}

// withMyWork gives the pupil's assignments their work.
func (s *Service) withMyWork(ctx context.Context, c *cartable.Caller, list []Assignment, ids []uuid.UUID) error {
	if len(ids) == 0 {
		return nil
	}
	work, err := progressOf(ctx, s.db, ids, c.UserID)
	if err != nil {
		return err
	}
	byID := make(map[uuid.UUID]*Work, len(work))
	for i := range work {
		byID[work[i].assignmentID] = &work[i]
	}
	for i := range list {
		list[i].Mine = byID[list[i].ID]
	}
	return nil
}

// Dashboard returns every pupil's work on the assignment, by name: its status, the
// time of the live hand-in and the files it pinned.
func (s *Service) Dashboard(ctx context.Context, c *cartable.Caller, id uuid.UUID) (Assignment, []Work, error) {
	h, err := loadTeacher(ctx, s.db, c, id, false)
	if err != nil {
		return Assignment{}, nil, err
	}
	work, err := progressOf(ctx, s.db, []uuid.UUID{id}, "")
	return h.Assignment, work, err
}

// attachments reads an assignment's materials and templates, by name.
func attachments(ctx context.Context, q db.DBTX, id uuid.UUID) ([]Attachment, error) {
	byAssignment, err := attachmentsOf(ctx, q, []uuid.UUID{id})
	return byAssignment[id], err
}

// attachmentsOf reads the materials and templates of the assignments, by name.
func attachmentsOf(ctx context.Context, q db.DBTX, ids []uuid.UUID) (map[uuid.UUID][]Attachment, error) {
	out := make(map[uuid.UUID][]Attachment, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	rows, _ := q.Query(ctx, `
		SELECT t.assignment_id, t.kind, t.item_id, i.name, i.size, coalesce(i.mime_type, '')
		FROM assignment_attachments t JOIN items i ON i.id = t.item_id
		WHERE t.assignment_id = ANY($1) AND i.trashed_at IS NULL
		ORDER BY t.assignment_id, t.kind, i.name_key, i.id`, ids)
	var id uuid.UUID
	var a Attachment
	_, err := pgx.ForEachRow(rows, []any{&id, &a.Kind, &a.ItemID, &a.Name, &a.Size, &a.MimeType}, func() error {
		out[id] = append(out[id], a)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read attachments: %w", err)
	}
	return out, nil
}

// progressOf reads the work on the assignments (of one pupil, or of all when
// pupilID is empty) with the live hand-ins' files, and computes each status at
// the database's now.
func progressOf(ctx context.Context, q db.DBTX, ids []uuid.UUID, pupilID string) ([]Work, error) {
	var handins []uuid.UUID
	rows, _ := q.Query(ctx, progressSQL, ids, pupilID)
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Work, error) {
		var w Work
		var p Progress
		var handin *uuid.UUID
		var due, now time.Time
		err := row.Scan(&w.assignmentID, &w.PupilID, &w.PupilName, &w.FolderID, &w.CorrectedFolderID, &p.Opened, &p.Worked,
			&handin, &w.HandedInAt, &w.Late, &w.ReturnedAt, &p.Excused, &w.Feedback, &w.Points, &due, &now)
		p.HandedIn, p.Late, p.Returned = handin != nil, w.Late, w.ReturnedAt != nil
		w.Status = StatusAt(p, due, now)
		if handin != nil {
			w.handinID = *handin
			handins = append(handins, *handin)
		}
		return w, err
	})
	if err != nil {
		return nil, fmt.Errorf("read work: %w", err)
	}
	if err := history(ctx, q, list, ids, pupilID); err != nil {
		return nil, err
	}
	if err := correctedFiles(ctx, q, list); err != nil {
		return nil, err
	}
	return list, pinnedFiles(ctx, q, list, handins)
}

// correctedFiles gives each work the files its pupil's corrected folder holds.
func correctedFiles(ctx context.Context, q db.DBTX, list []Work) error {
	var folders []uuid.UUID
	for _, w := range list {
		if w.CorrectedFolderID != nil {
			folders = append(folders, *w.CorrectedFolderID)
		}
	}
	files, err := workspace.FilesBelowEach(ctx, q, folders)
	if err != nil {
		return err
	}
	for i, w := range list {
		if w.CorrectedFolderID != nil {
			list[i].CorrectedFiles = files[*w.CorrectedFolderID]
		}
	}
	return nil
}

// history gives each work its hand-ins, oldest first.
func history(ctx context.Context, q db.DBTX, list []Work, ids []uuid.UUID, pupilID string) error {
	rows, _ := q.Query(ctx, `SELECT assignment_id, pupil_id, handed_in_at, late, taken_back_at FROM handins
		WHERE assignment_id = ANY($1) AND ($2 = '' OR pupil_id = $2) ORDER BY handed_in_at, id`, ids, pupilID)
	type key struct {
		assignment uuid.UUID
		pupil      string
	}
	byWork := map[key][]HandIn{}
	var k key
	var h HandIn
	_, err := pgx.ForEachRow(rows, []any{&k.assignment, &k.pupil, &h.At, &h.Late, &h.TakenBackAt}, func() error {
		byWork[k] = append(byWork[k], h)
		return nil
	})
	if err != nil {
		return fmt.Errorf("read hand-ins: %w", err)
	}
	for i := range list {
		list[i].History = byWork[key{list[i].assignmentID, list[i].PupilID}]
	}
	return nil
}

// progressSQL reads the work on assignments $1, of pupil $2 or all (”).
// "Worked": a version made in the pupil's folder after the hand-out (the copies'
// first versions are made with it). The files below all the folders are found in
// one scan of the ancestors' GIN index, and their versions by item (the materialized
// CTE and the lateral keep it so: as a correlated EXISTS, the planner walked the
// whole items primary key in a merge join with versions, a third of a second per
// pupil at 100,000 items).
const progressSQL = `
	WITH work AS MATERIALIZED (
		SELECT * FROM assignment_work WHERE assignment_id = ANY($1) AND ($2 = '' OR pupil_id = $2)
	), below AS MATERIALIZED (
		SELECT i.id, i.ancestors FROM items i
		WHERE i.ancestors && ARRAY(SELECT folder_id FROM work WHERE folder_id IS NOT NULL)
	), changed AS (
		SELECT f.folder, max(v.at) AS at
		FROM below b CROSS JOIN LATERAL unnest(b.ancestors) AS f(folder)
		CROSS JOIN LATERAL (SELECT max(created_at) AS at FROM versions WHERE item_id = b.id) AS v
		WHERE f.folder IN (SELECT folder_id FROM work)
		GROUP BY f.folder
	)
	SELECT w.assignment_id, w.pupil_id, ` + pupilNameSQL + `, w.folder_id, w.corrected_folder_id,
		w.opened_at IS NOT NULL,
		coalesce(c.at > w.handed_out_at, false),
		h.id, h.handed_in_at, coalesce(h.late, false), w.returned_at, w.excused_at IS NOT NULL,
		coalesce(w.feedback, ''), w.points::float8, a.due_at, now()
	FROM work w JOIN assignments a ON a.id = w.assignment_id
	LEFT JOIN changed c ON c.folder = w.folder_id
	LEFT JOIN users u ON u.id = w.pupil_id
	LEFT JOIN handins h ON h.assignment_id = w.assignment_id AND h.pupil_id = w.pupil_id AND h.taken_back_at IS NULL
	ORDER BY w.assignment_id, u.display_name, w.pupil_id`

// pinnedFiles gives each work with a live hand-in the files it pinned.
func pinnedFiles(ctx context.Context, q db.DBTX, list []Work, handins []uuid.UUID) error {
	if len(handins) == 0 {
		return nil
	}
	rows, _ := q.Query(ctx, `SELECT handin_id, item_id, coalesce(version_id, '00000000-0000-0000-0000-000000000000'), name, size, mime_type
		FROM handin_files WHERE handin_id = ANY($1) ORDER BY lower(name), item_id`, handins)
	byHandin := map[uuid.UUID][]workspace.FileVersion{}
	var h uuid.UUID
	var f workspace.FileVersion
	_, err := pgx.ForEachRow(rows, []any{&h, &f.ItemID, &f.VersionID, &f.Name, &f.Size, &f.MimeType}, func() error {
		byHandin[h] = append(byHandin[h], f)
		return nil
	})
	if err != nil {
		return fmt.Errorf("read pinned files: %w", err)
	}
	for i := range list {
		if list[i].HandedInAt != nil {
			list[i].HandedInFiles = byHandin[list[i].handinID]
		}
	}
	return nil
}
