package api

import (
	"context"
	"net/http"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"cartable"
	"cartable/assignment"
	"cartable/workspace"
)

// assignmentBody is what a teacher writes of an assignment (create and update).
type assignmentBody struct {
	SpaceID      *uuid.UUID `json:"space_id,omitempty"`
	Title        string     `json:"title"`
	Instructions string     `json:"instructions"`
	WholeClass   bool       `json:"whole_class"`
	PupilIDs     []string   `json:"pupil_ids"`
	DueAt        time.Time  `json:"due_at"`
	CloseAt      *time.Time `json:"close_at"`
	LateAllowed  bool       `json:"late_allowed"`
	MaxPoints    *float64   `json:"max_points"`
	PublishAt    *time.Time `json:"publish_at"`
}

func (b assignmentBody) fields() assignment.Fields {
	return assignment.Fields{Title: b.Title, Instructions: b.Instructions, WholeClass: b.WholeClass, PupilIDs: b.PupilIDs,
		Dates: assignment.Dates{Due: b.DueAt, Close: b.CloseAt, LateAllowed: b.LateAllowed}, MaxPoints: b.MaxPoints, PublishAt: b.PublishAt}
}

type fileRefJSON struct {
	ItemID    string `json:"item_id"`
	VersionID string `json:"version_id,omitempty"`
	Name      string `json:"name"`
	Size      int64  `json:"size"`
	MimeType  string `json:"mime_type"`
}

type workJSON struct {
	PupilID       string        `json:"pupil_id"`
	PupilName     string        `json:"pupil_name"`
	Status        string        `json:"status"`
	Section       string        `json:"section"`
	FolderID      *uuid.UUID    `json:"folder_id,omitempty"`
	HandedInAt    *time.Time    `json:"handed_in_at,omitempty"`
	Late          bool          `json:"late"`
	ReturnedAt    *time.Time    `json:"returned_at,omitempty"`
	Feedback      string        `json:"feedback,omitempty"`
	Points        *float64      `json:"points,omitempty"`
	Copies        []fileRefJSON `json:"copies,omitempty"`
	HandedInFiles []fileRefJSON `json:"handed_in_files"`
	HandIns       []handInJSON  `json:"hand_ins"`
	// CorrectedFolderID and CorrectedFiles: what the teacher returned, read-only
	// for the pupil (ids the item and content routes serve).
	CorrectedFolderID *uuid.UUID    `json:"corrected_folder_id,omitempty"`
	CorrectedFiles    []fileRefJSON `json:"corrected_files"`
}

type handInJSON struct {
	HandedInAt  time.Time  `json:"handed_in_at"`
	Late        bool       `json:"late"`
	TakenBackAt *time.Time `json:"taken_back_at,omitempty"`
}

type assignmentJSON struct {
	ID           uuid.UUID     `json:"id"`
	SpaceID      uuid.UUID     `json:"space_id"`
	SpaceName    string        `json:"space_name"`
	CanManage    bool          `json:"can_manage"`
	Title        string        `json:"title"`
	Instructions string        `json:"instructions"`
	State        string        `json:"state"`
	WholeClass   bool          `json:"whole_class"`
	PupilIDs     []string      `json:"pupil_ids,omitempty"`
	DueAt        time.Time     `json:"due_at"`
	CloseAt      *time.Time    `json:"close_at,omitempty"`
	LateAllowed  bool          `json:"late_allowed"`
	AcceptsUntil *time.Time    `json:"accepts_until,omitempty"`
	MaxPoints    *float64      `json:"max_points,omitempty"`
	PublishAt    *time.Time    `json:"publish_at,omitempty"`
	PublishedAt  *time.Time    `json:"published_at,omitempty"`
	DeletedAt    *time.Time    `json:"deleted_at,omitempty"`
	Materials    []fileRefJSON `json:"materials"`
	Templates    []fileRefJSON `json:"templates"`
	Mine         *workJSON     `json:"mine,omitempty"`
	Summary      *summaryJSON  `json:"summary,omitempty"`
}

// summaryJSON counts the pupils' work on an assignment, for its teachers' list.
type summaryJSON struct {
	Total    int `json:"total"`
	HandedIn int `json:"handed_in"`
	Late     int `json:"late"`
	Returned int `json:"returned"`
	Excused  int `json:"excused"`
	Missing  int `json:"missing"`
}

func toAssignmentJSON(a assignment.Assignment) assignmentJSON {
	out := assignmentJSON{ID: a.ID, SpaceID: a.SpaceID, SpaceName: a.SpaceName, CanManage: a.Teacher, Title: a.Title, Instructions: a.Instructions, State: "draft",
		WholeClass: a.WholeClass, PupilIDs: a.PupilIDs, DueAt: a.Due, CloseAt: a.Close, LateAllowed: a.LateAllowed,
		AcceptsUntil: a.AcceptsUntil(), MaxPoints: a.MaxPoints, PublishAt: a.PublishAt, PublishedAt: a.PublishedAt,
		DeletedAt: a.DeletedAt, Materials: []fileRefJSON{}, Templates: []fileRefJSON{}}
	switch {
	case a.DeletedAt != nil:
		out.State = "deleted"
	case a.PublishedAt != nil:
		out.State = "published"
	}
	for _, t := range a.Attachments {
		ref := fileRefJSON{ItemID: t.ItemID.String(), Name: t.Name, Size: t.Size, MimeType: t.MimeType}
		if t.Kind == assignment.Material {
			out.Materials = append(out.Materials, ref)
		} else {
			out.Templates = append(out.Templates, ref)
		}
	}
	if a.Mine != nil {
		w := toWorkJSON(*a.Mine)
		out.Mine = &w
	}
	if n := a.Summary; n != nil {
		out.Summary = &summaryJSON{Total: n.Total, HandedIn: n.HandedIn, Late: n.Late, Returned: n.Returned, Excused: n.Excused, Missing: n.Missing}
	}
	return out
}

func toWorkJSON(w assignment.Work) workJSON {
	out := workJSON{PupilID: w.PupilID, PupilName: w.PupilName, Status: string(w.Status),
		Section: string(assignment.SectionOf(w.Status)), FolderID: w.FolderID,
		HandedInAt: w.HandedInAt, Late: w.Late, ReturnedAt: w.ReturnedAt, Feedback: w.Feedback, Points: w.Points,
		Copies: fileRefs(w.Copies), HandedInFiles: fileRefs(w.HandedInFiles),
		CorrectedFolderID: w.CorrectedFolderID, CorrectedFiles: fileRefs(w.CorrectedFiles)}
	if out.HandedInFiles == nil {
		out.HandedInFiles = []fileRefJSON{}
	}
	if out.CorrectedFiles == nil {
		out.CorrectedFiles = []fileRefJSON{}
	}
	out.HandIns = make([]handInJSON, len(w.History))
	for i, h := range w.History {
		out.HandIns[i] = handInJSON{HandedInAt: h.At, Late: h.Late, TakenBackAt: h.TakenBackAt}
	}
	return out
}

func fileRefs(files []workspace.FileVersion) []fileRefJSON {
	var out []fileRefJSON
	for _, f := range files {
		ref := fileRefJSON{ItemID: f.ItemID.String(), Name: f.Name, Size: f.Size, MimeType: f.MimeType}
		if f.VersionID != uuid.Nil {
			ref.VersionID = f.VersionID.String()
		}
		out = append(out, ref)
	}
	return out
}

func (s *Server) listAssignments(c echo.Context) error {
	list, err := s.Assignments.List(c.Request().Context(), caller(c))
	if err != nil {
		return err
	}
	out := make([]assignmentJSON, len(list))
	for i, a := range list {
		out[i] = toAssignmentJSON(a)
	}
	return writeJSON(c, http.StatusOK, map[string]any{"items": out})
}

func (s *Server) createAssignment(c echo.Context) error {
	var b assignmentBody
	if err := decodeJSON(c, &b); err != nil {
		return err
	}
	if b.SpaceID == nil {
		return cartable.Errorf(cartable.EInvalid, "space_id is required").With("field", "space_id")
	}
	a, err := s.Assignments.Create(c.Request().Context(), caller(c), *b.SpaceID, b.fields())
	return writeAssignment(c, http.StatusCreated, a, err)
}

func (s *Server) getAssignment(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	a, err := s.Assignments.Get(c.Request().Context(), caller(c), id)
	return writeAssignment(c, http.StatusOK, a, err)
}

func (s *Server) updateAssignment(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	var b assignmentBody
	if err := decodeJSON(c, &b); err != nil {
		return err
	}
	if b.SpaceID != nil {
		return cartable.Errorf(cartable.EInvalid, "an assignment stays in its space").With("field", "space_id")
	}
	a, err := s.Assignments.Update(c.Request().Context(), caller(c), id, b.fields())
	return writeAssignment(c, http.StatusOK, a, err)
}

func (s *Server) attachToAssignment(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	var b struct {
		ItemID uuid.UUID `json:"item_id"`
		Kind   string    `json:"kind"`
	}
	if err := decodeJSON(c, &b); err != nil {
		return err
	}
	a, err := s.Assignments.Attach(c.Request().Context(), caller(c), id, b.Kind, b.ItemID)
	return writeAssignment(c, http.StatusOK, a, err)
}

func (s *Server) detachFromAssignment(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	item, err := idParam(c, "item")
	if err != nil {
		return err
	}
	if err := s.Assignments.Detach(c.Request().Context(), caller(c), id, item); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// assignmentUseCase is a use case on one assignment that takes nothing more.
type assignmentUseCase func(context.Context, *cartable.Caller, uuid.UUID) (assignment.Assignment, error)

// assignmentAction serves a POST with no body (publish, hand in, take back) that
// answers the assignment.
func assignmentAction(do assignmentUseCase) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := idParam(c, "id")
		if err != nil {
			return err
		}
		a, err := do(c.Request().Context(), caller(c), id)
		return writeAssignment(c, http.StatusOK, a, err)
	}
}

func (s *Server) assignmentDashboard(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	a, work, err := s.Assignments.Dashboard(c.Request().Context(), caller(c), id)
	return writeDashboard(c, a, work, err)
}

func (s *Server) returnWork(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	var b struct {
		PupilIDs         []string    `json:"pupil_ids"`
		Feedback         string      `json:"feedback"`
		Points           *float64    `json:"points"`
		Revision         bool        `json:"revision"`
		CorrectedItemIDs []uuid.UUID `json:"corrected_item_ids"`
	}
	if err := decodeJSON(c, &b); err != nil {
		return err
	}
	a, work, err := s.Assignments.ReturnWork(c.Request().Context(), caller(c), id,
		assignment.Return{PupilIDs: b.PupilIDs, Feedback: b.Feedback, Points: b.Points, Revision: b.Revision, CorrectedItemIDs: b.CorrectedItemIDs})
	return writeDashboard(c, a, work, err)
}

func (s *Server) deleteAssignment(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	if err := s.Assignments.Delete(c.Request().Context(), caller(c), id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) excusePupils(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	var b struct {
		PupilIDs []string `json:"pupil_ids"`
		Excused  *bool    `json:"excused"`
	}
	if err := decodeJSON(c, &b); err != nil {
		return err
	}
	if b.Excused == nil {
		return cartable.Errorf(cartable.EInvalid, "excused is required").With("field", "excused")
	}
	a, work, err := s.Assignments.Excuse(c.Request().Context(), caller(c), id, b.PupilIDs, *b.Excused)
	return writeDashboard(c, a, work, err)
}

// writeDashboard answers the assignment and each pupil's work.
func writeDashboard(c echo.Context, a assignment.Assignment, work []assignment.Work, err error) error {
	if err != nil {
		return err
	}
	pupils := make([]workJSON, len(work))
	for i, w := range work {
		pupils[i] = toWorkJSON(w)
	}
	return writeJSON(c, http.StatusOK, map[string]any{"assignment": toAssignmentJSON(a), "pupils": pupils})
}

func writeAssignment(c echo.Context, status int, a assignment.Assignment, err error) error {
	if err != nil {
		return err
	}
	return writeJSON(c, status, toAssignmentJSON(a))
}

// classPupils lists the pupils of a class or group space, for the teachers who
// choose an assignment's audience.
func (s *Server) classPupils(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	list, err := s.Assignments.Pupils(c.Request().Context(), caller(c), id)
	if err != nil {
		return err
	}
	type pupilJSON struct {
		ID          string `json:"id"`
		DisplayName string `json:"display_name"`
	}
	out := make([]pupilJSON, len(list))
	for i, p := range list {
		out[i] = pupilJSON{ID: p.ID, DisplayName: p.Name}
	}
	return writeJSON(c, http.StatusOK, map[string]any{"items": out})
}
