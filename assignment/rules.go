package assignment

import (
	"strings"
	"time"
	"unicode/utf8"

	"cartable"
)

// Limits of what a teacher writes.
const (
	MaxTitleRunes        = 200
	MaxInstructionsRunes = 20000
	// maxNameBytes is the longest item name the workspace takes.
	maxNameBytes = 255
)

// Status is where one pupil's work stands, as the teacher's dashboard and the
// pupil's list show it.
type Status string

// The statuses, from the teacher's decisions down to nothing done.
const (
	NotOpened    Status = "not_opened"
	InProgress   Status = "in_progress"
	HandedIn     Status = "handed_in"
	HandedInLate Status = "handed_in_late"
	Missing      Status = "missing"
	Returned     Status = "returned"
	Excused      Status = "excused"
)

// Progress is what a pupil's status is computed from.
type Progress struct {
	Opened   bool // the pupil read the assignment
	Worked   bool // the pupil changed or added a file in their folder
	HandedIn bool // a hand-in is live (not taken back)
	Late     bool // the live hand-in came after the due date
	Returned bool
	Excused  bool
}

// StatusAt is the status of a pupil's work at now (the database's clock) for an
// assignment due at due.
func StatusAt(p Progress, due, now time.Time) Status {
	switch {
	case p.Excused:
		return Excused
	case p.Returned:
		return Returned
	case p.HandedIn && p.Late:
		return HandedInLate
	case p.HandedIn:
		return HandedIn
	case now.After(due):
		return Missing
	case p.Opened || p.Worked:
		return InProgress
	}
	return NotOpened
}

// Section is where a pupil's list puts an assignment: to do, done, or late.
type Section string

// The sections of a pupil's list.
const (
	ToDo Section = "to_do"
	Done Section = "done"
	Late Section = "late"
)

// SectionOf is the section of a pupil's list a status belongs to: work not handed
// in is to do until the due date, late after; handed in, returned or excused is done.
func SectionOf(s Status) Section {
	switch s {
	case NotOpened, InProgress:
		return ToDo
	case Missing:
		return Late
	}
	return Done
}

// Dates are when an assignment is due and when it stops taking hand-ins.
type Dates struct {
	Due         time.Time
	Close       *time.Time
	LateAllowed bool
}

// AcceptsUntil is the last moment a hand-in or a take-back is accepted: the due
// date, or with late hand-in allowed the close date (nil: no end).
func (d Dates) AcceptsUntil() *time.Time {
	if !d.LateAllowed {
		return &d.Due
	}
	return d.Close
}

// acceptsUntilSQL is AcceptsUntil over a row of assignments aliased a; NULL: no end.
const acceptsUntilSQL = `CASE WHEN a.late_allowed THEN a.close_at ELSE a.due_at END`

// check validates the dates a teacher sets.
func (d Dates) check() error {
	if d.Due.IsZero() {
		return invalid("due_at", "due_at is required")
	}
	if d.Close != nil && d.Close.Before(d.Due) {
		return invalid("close_at", "close_at must not come before due_at")
	}
	return nil
}

// CopyName is the name of a pupil's copy of a template: "Rédaction.odt" for Léa
// Dupont is "Rédaction - Léa Dupont.odt". The stem is shortened, never the
// extension or the pupil's name, to fit an item name.
func CopyName(template, pupil string) string {
	stem, ext := splitExt(template)
	return fitName(stem, " - "+safeName(pupil)+ext)
}

// FolderName is the name of a pupil's folder for an assignment.
func FolderName(title, pupil string) string {
	return fitName(safeName(title), " - "+safeName(pupil))
}

// CorrectedFolderName is the name of the folder of what a teacher returned to a
// pupil: "Corrigé - Rédaction - Léa Dupont".
func CorrectedFolderName(title, pupil string) string {
	return fitName("Corrigé - "+safeName(title), " - "+safeName(pupil))
}

// splitExt splits "a.b.odt" into "a.b" and ".odt"; a name with no dot, or only a
// leading one (".profile"), has no extension.
func splitExt(name string) (string, string) {
	i := strings.LastIndexByte(name, '.')
	if i <= 0 || i == len(name)-1 {
		return name, ""
	}
	return name[:i], name[i:]
}

// fitName joins stem and tail, cutting the stem (on a rune boundary) so that the
// whole fits an item name.
func fitName(stem, tail string) string {
	room := maxNameBytes - len(tail)
	if room < 1 {
		room = 1
	}
	for len(stem) > room {
		_, size := utf8.DecodeLastRuneInString(stem)
		stem = stem[:len(stem)-size]
	}
	return strings.TrimSpace(stem) + tail
}

// safeName makes text usable in an item name: no "/", no control character.
func safeName(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '/' || r == '\\':
			return '-'
		case r < 0x20 || r == 0x7f:
			return -1
		}
		return r
	}, strings.TrimSpace(s))
}

// checkText validates a title or instructions.
func checkText(field, s string, required bool, maxRunes int) error {
	switch {
	case !utf8.ValidString(s):
		return invalid(field, field+" must be text")
	case required && strings.TrimSpace(s) == "":
		return invalid(field, field+" is required")
	case utf8.RuneCountInString(s) > maxRunes:
		return invalid(field, field+" is too long").With("max_length", maxRunes)
	}
	return nil
}

func invalid(field, detail string) *cartable.Error {
	return cartable.Errorf(cartable.EInvalid, "%s", detail).With("field", field)
}
