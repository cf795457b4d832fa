package assignment

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"cartable"
	"cartable/db"
	"cartable/events"
	"cartable/sharing"
	"cartable/workspace"
)

// Fields are what a teacher writes of an assignment, whole at each change.
type Fields struct {
	Title        string
	Instructions string
	// WholeClass gives it to every pupil of the class; otherwise to PupilIDs, who
	// must be pupils of the class.
	WholeClass bool
	PupilIDs   []string
	Dates
	MaxPoints *float64
	// PublishAt schedules the publication of a draft (nil: by hand only).
	PublishAt *time.Time
}

func (f Fields) check() error {
	if err := checkText("title", f.Title, true, MaxTitleRunes); err != nil {
		return err
	}
	if err := checkText("instructions", f.Instructions, false, MaxInstructionsRunes); err != nil {
		return err
	}
	if !f.WholeClass && len(f.PupilIDs) == 0 {
		return invalid("pupil_ids", "give the pupils, or the whole class")
	}
	if f.MaxPoints != nil && (*f.MaxPoints <= 0 || *f.MaxPoints > 9999) {
		return invalid("max_points", "max_points must be above 0 and at most 9999")
	}
	if f.PublishAt != nil && f.PublishAt.After(f.Due) {
		return invalid("publish_at", "publish_at must not come after due_at")
	}
	return f.Dates.check()
}

// Create makes a draft assignment in a class or group space the caller manages.
func (s *Service) Create(ctx context.Context, c *cartable.Caller, spaceID uuid.UUID, f Fields) (Assignment, error) {
	if err := f.check(); err != nil {
		return Assignment{}, err
	}
	id := uuid.Must(uuid.NewV7())
	err := db.Transact(ctx, s.db, func(tx pgx.Tx) error {
		groupID, err := managedGroupSpace(ctx, tx, c, spaceID)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO assignments (id, space_id, title, due_at, created_by) VALUES ($1, $2, $3, $4, $5)`,
			id, spaceID, f.Title, f.Due, c.UserID)
		if err != nil {
			return fmt.Errorf("create assignment: %w", err)
		}
		return write(ctx, tx, id, groupID, f)
	})
	if err != nil {
		return Assignment{}, err
	}
	return s.Get(ctx, c, id)
}

// managedGroupSpace checks that the space is a class or group space the caller
// manages, and returns its group.
func managedGroupSpace(ctx context.Context, q db.DBTX, c *cartable.Caller, spaceID uuid.UUID) (string, error) {
	var sp sharing.Space
	err := q.QueryRow(ctx, `SELECT kind, coalesce(group_id, ''), coalesce(structure_id, ''), coalesce(owner_id, '') FROM spaces WHERE id = $1`,
		spaceID).Scan(&sp.Kind, &sp.GroupID, &sp.StructureID, &sp.OwnerID)
	notFound := cartable.Errorf(cartable.ENotFound, "no space %s", spaceID)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", notFound
	}
	if err != nil {
		return "", fmt.Errorf("read space %s: %w", spaceID, err)
	}
	switch role := sharing.SpaceRole(c, sp); {
	case role == cartable.NoRole:
		return "", notFound
	case sp.Kind != "group":
		return "", invalid("space_id", "an assignment is given in a class or group space")
	case role < cartable.Manager:
		return "", cartable.Errorf(cartable.EForbidden, "only a teacher of the class gives an assignment").
			With("required_role", cartable.Manager.String())
	}
	return sp.GroupID, nil
}

// write stores the fields of an assignment and its audience.
func write(ctx context.Context, tx pgx.Tx, id uuid.UUID, groupID string, f Fields) error {
	pupils := f.PupilIDs
	if f.WholeClass {
		pupils = nil
	}
	var strangers []string
	err := tx.QueryRow(ctx, `SELECT ARRAY(SELECT unnest($1::text[]) EXCEPT
		SELECT user_id FROM group_members WHERE group_id = $2 AND profile = 'Student')`, pupils, groupID).Scan(&strangers)
	if err != nil {
		return fmt.Errorf("check pupils: %w", err)
	}
	if len(strangers) > 0 {
		return invalid("pupil_ids", "not pupils of the class: "+fmt.Sprint(strangers)).With("pupil_ids", strangers)
	}
	_, err = tx.Exec(ctx, `
		UPDATE assignments SET title = $2, instructions = $3, whole_class = $4, due_at = $5, close_at = $6,
			late_allowed = $7, max_points = $8, publish_at = $9, updated_at = now(), revision = revision + 1
		WHERE id = $1`,
		id, f.Title, f.Instructions, f.WholeClass, f.Due, f.Close, f.LateAllowed, f.MaxPoints, f.PublishAt)
	if err != nil {
		return fmt.Errorf("write assignment %s: %w", id, err)
	}
	_, err = tx.Exec(ctx, `
		WITH gone AS (DELETE FROM assignment_pupils WHERE assignment_id = $1)
		INSERT INTO assignment_pupils (assignment_id, pupil_id) SELECT DISTINCT $1, unnest($2::text[])`, id, pupils)
	if err != nil {
		return fmt.Errorf("write audience of %s: %w", id, err)
	}
	return nil
}

// Update replaces what a teacher writes of an assignment. Once published, pupils
// the new audience adds get their copies at once; a pupil it leaves out keeps the
// work they have.
func (s *Service) Update(ctx context.Context, c *cartable.Caller, id uuid.UUID, f Fields) (Assignment, error) {
	if err := f.check(); err != nil {
		return Assignment{}, err
	}
	err := db.Transact(ctx, s.db, func(tx pgx.Tx) error {
		h, err := loadTeacher(ctx, tx, c, id, true)
		if err != nil {
			return err
		}
		if err := write(ctx, tx, id, h.GroupID, f); err != nil {
			return err
		}
		if h.PublishedAt == nil {
			return nil
		}
		h.Title, h.WholeClass = f.Title, f.WholeClass
		added, err := handOut(ctx, tx, h)
		if err != nil {
			return err
		}
		return tellPupils(ctx, tx, h, c.UserID, added)
	})
	if err != nil {
		return Assignment{}, err
	}
	return s.Get(ctx, c, id)
}

// Attach adds a material or a template, a file the caller may read. A material
// must lie in the class space, where the pupils read it. A template attached
// after publication is copied to every pupil at once.
func (s *Service) Attach(ctx context.Context, c *cartable.Caller, id uuid.UUID, kind string, itemID uuid.UUID) (Assignment, error) {
	if kind != Material && kind != Template {
		return Assignment{}, invalid("kind", "kind is material or template")
	}
	err := db.Transact(ctx, s.db, func(tx pgx.Tx) error {
		h, err := loadTeacher(ctx, tx, c, id, true)
		if err != nil {
			return err
		}
		it, err := workspace.ReadableFile(ctx, tx, c, itemID)
		if err != nil {
			return err
		}
		if kind == Material && it.SpaceID != h.SpaceID {
			e := invalid("item_id", "a material must lie in the class space, where the pupils read it")
			e.MessageFR = "Un document de référence doit se trouver dans l'espace de la classe, où les élèves le lisent : copiez-le d'abord dans cet espace."
			e.MessageEN = "A reference document must lie in the class space, where the pupils read it: copy it there first."
			return e
		}
		tag, err := tx.Exec(ctx, `INSERT INTO assignment_attachments (assignment_id, item_id, kind) VALUES ($1, $2, $3)
			ON CONFLICT DO NOTHING`, id, itemID, kind)
		if err != nil {
			return fmt.Errorf("attach %s: %w", itemID, err)
		}
		if tag.RowsAffected() == 0 || kind != Template || h.PublishedAt == nil {
			return nil
		}
		return copyToAll(ctx, tx, id, itemID)
	})
	if err != nil {
		return Assignment{}, err
	}
	return s.Get(ctx, c, id)
}

// Detach removes a material or a template; the copies pupils have stay theirs.
func (s *Service) Detach(ctx context.Context, c *cartable.Caller, id, itemID uuid.UUID) error {
	return db.Transact(ctx, s.db, func(tx pgx.Tx) error {
		if _, err := loadTeacher(ctx, tx, c, id, true); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `DELETE FROM assignment_attachments WHERE assignment_id = $1 AND item_id = $2`, id, itemID)
		if err != nil {
			return fmt.Errorf("detach %s: %w", itemID, err)
		}
		if tag.RowsAffected() == 0 {
			return cartable.Errorf(cartable.ENotFound, "item %s is not attached", itemID)
		}
		return nil
	})
}

// Publish makes a draft visible to its pupils and hands each of them their copies.
func (s *Service) Publish(ctx context.Context, c *cartable.Caller, id uuid.UUID) (Assignment, error) {
	err := db.Transact(ctx, s.db, func(tx pgx.Tx) error {
		h, err := loadTeacher(ctx, tx, c, id, true)
		if err != nil {
			return err
		}
		if h.PublishedAt != nil {
			return cartable.Errorf(cartable.EConflict, "the assignment is published already")
		}
		return publish(ctx, tx, h, c.UserID)
	})
	if err != nil {
		return Assignment{}, err
	}
	return s.Get(ctx, c, id)
}

// publish publishes a locked draft, hands it out and tells the class.
func publish(ctx context.Context, tx pgx.Tx, h head, actor string) error {
	if _, err := tx.Exec(ctx, `UPDATE assignments SET published_at = now(), revision = revision + 1 WHERE id = $1`, h.ID); err != nil {
		return fmt.Errorf("publish %s: %w", h.ID, err)
	}
	pupils, err := handOut(ctx, tx, h)
	if err != nil {
		return err
	}
	if !h.WholeClass {
		return tellPupils(ctx, tx, h, actor, pupils)
	}
	return events.Record(ctx, tx, events.Event{Kind: events.AssignmentPublished, Actor: actor, ItemID: h.ID, ItemName: h.Title,
		Recipient: &events.Recipient{Kind: "group", ID: h.GroupID, Profile: string(cartable.Student)}})
}

// tellPupils records the publication for each pupil named: those of an audience
// that is not the whole class, and those a published assignment's audience adds.
func tellPupils(ctx context.Context, tx pgx.Tx, h head, actor string, pupils []pupil) error {
	for _, p := range pupils {
		err := events.Record(ctx, tx, events.Event{Kind: events.AssignmentPublished, Actor: actor, ItemID: h.ID, ItemName: h.Title,
			Recipient: &events.Recipient{Kind: "user", ID: p.ID}})
		if err != nil {
			return err
		}
	}
	return nil
}

// handOut gives every pupil of the audience who has nothing yet their private
// folder and their copies of the templates, and returns them.
func handOut(ctx context.Context, tx pgx.Tx, h head) ([]pupil, error) {
	rows, _ := tx.Query(ctx, `
		SELECT m.user_id, u.display_name FROM group_members m JOIN users u ON u.id = m.user_id
		WHERE m.group_id = $2 AND m.profile = 'Student' AND u.left_at IS NULL -- a leaver gets no new work
		  AND ($3 OR m.user_id IN (SELECT pupil_id FROM assignment_pupils WHERE assignment_id = $1))
		  AND NOT EXISTS (SELECT 1 FROM assignment_work w WHERE w.assignment_id = $1 AND w.pupil_id = m.user_id)
		ORDER BY u.display_name, m.user_id`, h.ID, h.GroupID, h.WholeClass)
	pupils, err := pgx.CollectRows(rows, pgx.RowToStructByPos[pupil])
	if err != nil {
		return nil, fmt.Errorf("read the audience of %s: %w", h.ID, err)
	}
	if len(pupils) == 0 {
		return nil, nil
	}
	templates, err := templatesOf(ctx, tx, h.ID)
	if err != nil {
		return nil, err
	}
	folders := make([]workspace.PrivateFolder, len(pupils))
	ids, names := make([]string, len(pupils)), make([]string, len(pupils))
	for i, p := range pupils {
		folders[i] = workspace.PrivateFolder{Name: FolderName(h.Title, p.Name), PrivateTo: p.ID, Copies: copiesFor(templates, p.Name)}
		ids[i], names[i] = p.ID, p.Name
	}
	// A whole class in a handful of statements: one per pupil and copy would be
	// hundreds of round trips in the teacher's click.
	folderIDs, err := workspace.HandOutFolders(ctx, tx, h.SpaceID, h.CreatedBy, folders)
	if err != nil {
		return nil, err
	}
	_, err = tx.Exec(ctx, `INSERT INTO assignment_work (assignment_id, pupil_id, pupil_name, folder_id)
		SELECT $1, w.pupil, w.name, w.folder FROM unnest($2::text[], $3::text[], $4::uuid[]) AS w(pupil, name, folder)`,
		h.ID, ids, names, folderIDs)
	if err != nil {
		return nil, fmt.Errorf("hand out %s to %d pupils: %w", h.ID, len(ids), err)
	}
	return pupils, nil
}

type pupil struct {
	ID   string
	Name string
}

// copyToAll copies one template to every pupil who has a folder.
func copyToAll(ctx context.Context, tx pgx.Tx, id, templateID uuid.UUID) error {
	files, err := workspace.CurrentFiles(ctx, tx, []uuid.UUID{templateID})
	if err != nil || len(files) == 0 {
		return err
	}
	rows, _ := tx.Query(ctx, `
		SELECT w.pupil_id, `+pupilNameSQL+`, w.folder_id
		FROM assignment_work w LEFT JOIN users u ON u.id = w.pupil_id
		WHERE w.assignment_id = $1 AND w.folder_id IS NOT NULL`, id)
	type holder struct {
		ID, Name string
		Folder   uuid.UUID
	}
	holders, err := pgx.CollectRows(rows, pgx.RowToStructByPos[holder])
	if err != nil {
		return fmt.Errorf("read the folders of %s: %w", id, err)
	}
	for _, p := range holders {
		if err := workspace.AddCopies(ctx, tx, p.Folder, p.ID, copiesFor(files, p.Name)); err != nil {
			return err
		}
	}
	return nil
}

// templatesOf returns the current version of each template, oldest attached first.
func templatesOf(ctx context.Context, q db.DBTX, id uuid.UUID) ([]workspace.FileVersion, error) {
	var ids []uuid.UUID
	err := q.QueryRow(ctx, `SELECT ARRAY(SELECT item_id FROM assignment_attachments
		WHERE assignment_id = $1 AND kind = 'template' ORDER BY added_at, item_id)`, id).Scan(&ids)
	if err != nil {
		return nil, fmt.Errorf("read templates of %s: %w", id, err)
	}
	return workspace.CurrentFiles(ctx, q, ids)
}

// copiesFor names a pupil's copies of the templates.
func copiesFor(templates []workspace.FileVersion, pupilName string) []workspace.HandOutCopy {
	out := make([]workspace.HandOutCopy, len(templates))
	for i, t := range templates {
		out[i] = workspace.HandOutCopy{VersionID: t.VersionID, Name: CopyName(t.Name, pupilName)}
	}
	return out
}
