package api

import (
	"net/http"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"cartable/assignment"
)

// A parent follows their child's assignments: what is asked, by when, and where the
// child's work stands, without any file.

type childJSON struct {
	ID          string `json:"id"`
	DisplayName string `json:"display_name"`
}

type childAssignmentJSON struct {
	ID           uuid.UUID  `json:"id"`
	Title        string     `json:"title"`
	Instructions string     `json:"instructions"`
	ClassName    string     `json:"class_name"`
	DueAt        time.Time  `json:"due_at"`
	AcceptsUntil *time.Time `json:"accepts_until,omitempty"`
	MaxPoints    *float64   `json:"max_points,omitempty"`
	Status       string     `json:"status"`
	Section      string     `json:"section"`
	HandedInAt   *time.Time `json:"handed_in_at,omitempty"`
	Late         bool       `json:"late"`
	ReturnedAt   *time.Time `json:"returned_at,omitempty"`
	Feedback     string     `json:"feedback,omitempty"`
	Points       *float64   `json:"points,omitempty"`
}

func toChildAssignmentJSON(a assignment.ChildAssignment) childAssignmentJSON {
	return childAssignmentJSON{ID: a.ID, Title: a.Title, Instructions: a.Instructions, ClassName: a.ClassName,
		DueAt: a.Due, AcceptsUntil: a.AcceptsUntil, MaxPoints: a.MaxPoints,
		Status: string(a.Status), Section: string(assignment.SectionOf(a.Status)),
		HandedInAt: a.HandedInAt, Late: a.Late, ReturnedAt: a.ReturnedAt, Feedback: a.Feedback, Points: a.Points}
}

// childAssignments answers a parent's child's assignments; anyone but a parent of
// that pupil gets not_found.
func (s *Server) childAssignments(c echo.Context) error {
	child, list, err := s.Assignments.OfChild(c.Request().Context(), caller(c), c.Param("id"))
	if err != nil {
		return err
	}
	out := make([]childAssignmentJSON, len(list))
	for i, a := range list {
		out[i] = toChildAssignmentJSON(a)
	}
	return writeJSON(c, http.StatusOK, map[string]any{
		"child": childJSON{ID: child.UserID, DisplayName: child.DisplayName}, "items": out})
}
