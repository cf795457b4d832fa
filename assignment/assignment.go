package assignment

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"cartable"
	"cartable/db"
	"cartable/sharing"
	"cartable/workspace"
)

// Attachment kinds.
const (
	Material = "material"
	Template = "template"
)

// Assignment is a piece of work given to a class, as its caller may see it.
type Assignment struct {
	ID           uuid.UUID
	SpaceID      uuid.UUID
	SpaceName    string // the class or group, as its space is named
	GroupID      string
	Title        string
	Instructions string
	WholeClass   bool
	PupilIDs     []string // the audience when not the whole class (teachers only)
	Dates
	MaxPoints   *float64
	PublishAt   *time.Time
	PublishedAt *time.Time
	// DeletedAt: the assignment is deleted (its folders in the class trash); only
	// its teachers still read it, to restore it.
	DeletedAt   *time.Time
	CreatedBy   string
	Revision    int64
	Attachments []Attachment
	// Teacher: whether the caller manages the assignment's space.
	Teacher bool
	// Mine is the calling pupil's work; nil for a teacher.
	Mine *Work
	// Summary counts the pupils' work, for a teacher's list; nil otherwise.
	Summary *Summary
}

// Attachment is a material or a template, by the item it names.
type Attachment struct {
	Kind     string
	ItemID   uuid.UUID
	Name     string
	Size     int64
	MimeType string
}

// Work is one pupil's work on an assignment.
type Work struct {
	PupilID       string
	PupilName     string
	FolderID      *uuid.UUID
	Status        Status
	HandedInAt    *time.Time
	Late          bool
	ReturnedAt    *time.Time
	Feedback      string
	Points        *float64
	Copies        []workspace.FileVersion // the files in the pupil's folder now (pupil only)
	HandedInFiles []workspace.FileVersion // what the live hand-in pinned
	// CorrectedFolderID is the pupil's read-only folder of what the teacher
	// returned (nil until a return carries files); CorrectedFiles its files.
	CorrectedFolderID *uuid.UUID
	CorrectedFiles    []workspace.FileVersion
	// History is every hand-in, the live one included, oldest first.
	History []HandIn

	assignmentID uuid.UUID
	handinID     uuid.UUID
}

// HandIn is one hand-in of a pupil's history.
type HandIn struct {
	At          time.Time
	Late        bool
	TakenBackAt *time.Time
}

// Service runs the assignment use cases.
type Service struct {
	db    *pgxpool.Pool
	blobs BlobOpener // what a collect streams from
}

// New returns the service over the database, collecting hand-ins from blobs.
func New(pool *pgxpool.Pool, blobs BlobOpener) *Service { return &Service{db: pool, blobs: blobs} }

// errNotFound is what every route answers for an assignment the caller may not see.
func errNotFound(id uuid.UUID) error {
	return cartable.Errorf(cartable.ENotFound, "no assignment %s", id)
}

// head is an assignment's row with its space, as access needs it.
type head struct {
	Assignment
	space sharing.Space
}

// pupilNameSQL names the pupil of a work row w (users u left joined): their name
// in the directory, or the one kept at hand-out once the ENT deleted them.
const pupilNameSQL = `coalesce(u.display_name, w.pupil_name, w.pupil_id)`

const headColumns = `a.id, a.space_id, s.name, coalesce(s.group_id, ''), a.title, a.instructions, a.whole_class,
	a.due_at, a.close_at, a.late_allowed, a.max_points::float8, a.publish_at, a.published_at, a.deleted_at, a.created_by, a.revision,
	s.kind, coalesce(s.structure_id, ''), coalesce(s.owner_id, '')`

func scanHead(row pgx.Row) (head, error) {
	var h head
	a := &h.Assignment
	err := row.Scan(&a.ID, &a.SpaceID, &a.SpaceName, &a.GroupID, &a.Title, &a.Instructions, &a.WholeClass,
		&a.Due, &a.Close, &a.LateAllowed, &a.MaxPoints, &a.PublishAt, &a.PublishedAt, &a.DeletedAt, &a.CreatedBy, &a.Revision,
		&h.space.Kind, &h.space.StructureID, &h.space.OwnerID)
	h.space.GroupID = a.GroupID
	return h, err
}

// load reads an assignment the caller may see: a manager of its space sees it
// always (deleted too: DeletedAt tells), a pupil once published and handed out to
// them, and not deleted. Anyone else, as a missing id, gets not_found. lock takes
// the row for the rest of the transaction.
func load(ctx context.Context, q db.DBTX, c *cartable.Caller, id uuid.UUID, lock bool) (head, error) {
	sql := `SELECT ` + headColumns + ` FROM assignments a JOIN spaces s ON s.id = a.space_id WHERE a.id = $1`
	if lock {
		sql += ` FOR NO KEY UPDATE OF a`
	}
	h, err := scanHead(q.QueryRow(ctx, sql, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return head{}, errNotFound(id)
	}
	if err != nil {
		return head{}, fmt.Errorf("load assignment %s: %w", id, err)
	}
	role := sharing.SpaceRole(c, h.space)
	if role >= cartable.Manager {
		h.Teacher = true
		return h, nil
	}
	if role == cartable.NoRole || h.PublishedAt == nil || h.DeletedAt != nil {
		return head{}, errNotFound(id)
	}
	var handedOut bool
	err = q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM assignment_work WHERE assignment_id = $1 AND pupil_id = $2)`,
		id, c.UserID).Scan(&handedOut)
	if err != nil {
		return head{}, fmt.Errorf("look for %s's work: %w", c.UserID, err)
	}
	if !handedOut {
		return head{}, errNotFound(id)
	}
	return h, nil
}

// loadTeacher is load for what only a manager of the space does on a live
// assignment; a pupil who sees the assignment is told they may not, and a deleted
// one is not found (only restoring it reads it: loadDeleted).
func loadTeacher(ctx context.Context, q db.DBTX, c *cartable.Caller, id uuid.UUID, lock bool) (head, error) {
	h, err := loadDeleted(ctx, q, c, id, lock)
	if err != nil {
		return head{}, err
	}
	if h.DeletedAt != nil {
		return head{}, errNotFound(id)
	}
	return h, nil
}

// loadDeleted is loadTeacher that also finds a deleted assignment.
func loadDeleted(ctx context.Context, q db.DBTX, c *cartable.Caller, id uuid.UUID, lock bool) (head, error) {
	h, err := load(ctx, q, c, id, lock)
	if err != nil {
		return head{}, err
	}
	if !h.Teacher {
		return head{}, cartable.Errorf(cartable.EForbidden, "only a teacher of the class does this").
			With("required_role", cartable.Manager.String())
	}
	return h, nil
}

// loadPupil is load for what only a pupil the assignment was handed out to does.
func loadPupil(ctx context.Context, q db.DBTX, c *cartable.Caller, id uuid.UUID, lock bool) (head, error) {
	h, err := load(ctx, q, c, id, lock)
	if err != nil {
		return head{}, err
	}
	if h.Teacher {
		return head{}, cartable.Errorf(cartable.EForbidden, "only a pupil the assignment was given to hands it in")
	}
	return h, nil
}
