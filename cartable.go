// Package cartable holds the vocabulary every capability shares: the domain error
// values and their stable codes, the profiles and the roles. It imports nothing of
// the project, so that every package can depend on it.
package cartable

import (
	"context"
	"errors"
	"fmt"
)

// Code is a stable, machine-readable error code. Clients branch on it; it never
// changes once published. api/ maps each code to an HTTP status in one place.
type Code string

// The closed set of domain error codes.
const (
	ENotFound            Code = "not_found"
	EInvalid             Code = "invalid_request"
	EInvalidName         Code = "invalid_name"
	ENameConflict        Code = "name_conflict"
	EPreconditionFailed  Code = "precondition_failed"
	EForbidden           Code = "forbidden"
	EUnauthorized        Code = "unauthorized"
	ETooLarge            Code = "too_large"
	EInvalidMove         Code = "invalid_move"
	EConflict            Code = "conflict"
	EQuotaExceeded       Code = "quota_exceeded"
	ERangeNotSatisfiable Code = "range_not_satisfiable"
	EInternal            Code = "internal"
	// EUnavailable: a dependency (the database, object storage) does not answer for
	// now; ask again after Retry-After.
	EUnavailable Code = "unavailable"
	// EPreviewPending: the thumbnail is being made; ask again after Retry-After.
	EPreviewPending Code = "preview_pending"
	// EUnsupportedMediaType: the body's Content-Type is not one the route takes.
	EUnsupportedMediaType Code = "unsupported_media_type"
	// EChecksumMismatch: the bytes sent do not have the checksum the client gave.
	EChecksumMismatch Code = "checksum_mismatch"
	// EUnsupportedVersion: the request lacks the protocol version the route speaks
	// (tus: Tus-Resumable 1.0.0).
	EUnsupportedVersion Code = "unsupported_version"
	// EPreviewFailed: the file cannot have a thumbnail (fields.reason says why).
	EPreviewFailed Code = "preview_failed"
	// ENotAuthor: an author (a pupil in a class space) may change only what they
	// created, and carry along (move, trash) only a folder whose content is theirs.
	ENotAuthor Code = "not_author"
	// EReadOnlyFolder: the folder is read-only for authors (class materials).
	EReadOnlyFolder Code = "read_only_folder"
	// ESpaceArchived: the space is last year's class space, archived at the
	// rollover: read-only for everyone until it is trashed.
	ESpaceArchived Code = "space_archived"
	// EAssignmentClosed: the assignment takes no more hand-ins (its due date, or its
	// close date when late hand-in is allowed, has passed), nor take-backs.
	EAssignmentClosed Code = "assignment_closed"
	// EPrivateBoundary: an item may not be moved into or out of a private tree (a
	// pupil's work folder for an assignment); copying is allowed.
	EPrivateBoundary Code = "private_boundary"
	// EPinnedByHandIn: the item holds versions a pupil handed in, which stay while
	// the assignment exists (it cannot be purged).
	EPinnedByHandIn Code = "pinned_by_hand_in"
	// ELocked: the file is locked by an office editor or a WebDAV client, and the
	// write did not present the lock (HTTP 423).
	ELocked Code = "locked"
	// EInfected: the antivirus found something in the file; it is quarantined, and
	// nobody may read it (fields.signature names what was found).
	EInfected Code = "infected"
	// EScanPending: the file waits for its antivirus scan, and only its uploader may
	// read it until then; ask again after Retry-After.
	EScanPending Code = "scan_pending"
)

// Error is a domain error: a code, an English detail safe to show to the caller,
// and optional structured fields (which limit, which name) that travel to the client.
type Error struct {
	Code   Code
	Detail string
	Fields map[string]any
	// MessageFR and MessageEN, when set, tell the person what happened and what to
	// do, in place of the code's generic title (a full quota says which space is full).
	MessageFR, MessageEN string
}

func (e *Error) Error() string {
	if e.Detail == "" {
		return string(e.Code)
	}
	return string(e.Code) + ": " + e.Detail
}

// Errorf builds a domain error with a formatted detail.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Detail: fmt.Sprintf(format, args...)}
}

// With returns a copy of e carrying one more structured field.
func (e *Error) With(key string, value any) *Error {
	fields := make(map[string]any, len(e.Fields)+1)
	for k, v := range e.Fields {
		fields[k] = v
	}
	fields[key] = value
	return &Error{Code: e.Code, Detail: e.Detail, Fields: fields, MessageFR: e.MessageFR, MessageEN: e.MessageEN}
}

// ErrorCode returns the code of the first domain error in err's chain, or EInternal.
func ErrorCode(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EInternal
}

// IsCode reports whether err carries the given domain code.
func IsCode(err error, code Code) bool {
	return err != nil && ErrorCode(err) == code
}

// Profile is a user's role in the school, as the ENT provisions it.
type Profile string

// The ENT profiles.
const (
	Student   Profile = "Student"
	Teacher   Profile = "Teacher"
	Relative  Profile = "Relative"
	Personnel Profile = "Personnel"
	Guest     Profile = "Guest"
)

// Valid reports whether p is one of the known profiles.
func (p Profile) Valid() bool {
	switch p {
	case Student, Teacher, Relative, Personnel, Guest:
		return true
	}
	return false
}

// IsStaff reports whether p belongs to the school's staff (teachers and personnel).
func (p Profile) IsStaff() bool { return p == Teacher || p == Personnel }

// Caller is the authenticated person behind a request, as the directory knows them:
// who they are, where they work or study, and which groups they belong to. Every
// access decision reads it; it is loaded once per request.
type Caller struct {
	UserID      string
	DisplayName string
	Profile     Profile
	// PrimaryStructureID is the structure charged for the caller's personal space.
	PrimaryStructureID string
	Structures         []StructureMembership
	Groups             []GroupMembership
	// Children are the pupils a parent (a Relative) is provisioned as the parent
	// of; empty for anyone else.
	Children []Child
	// FormerClasses are the archived class spaces the caller belonged to when they
	// were archived: they keep reading them (see sharing.SpaceRole).
	FormerClasses []FormerMembership
	// LinkID is set when the caller is whoever holds a link's token: then UserID is
	// "link:<id>" and the only access is what the link gives.
	LinkID string
}

// StructureMembership is the caller's attachment to one establishment.
type StructureMembership struct {
	StructureID string
	LocalAdmin  bool
}

// FormerMembership is the caller's membership of an archived class space, frozen
// at archive time with the profile they held in the class.
type FormerMembership struct {
	SpaceID string
	Profile Profile
}

// FormerClass finds the caller's membership of an archived space.
func (c *Caller) FormerClass(spaceID string) (FormerMembership, bool) {
	for _, f := range c.FormerClasses {
		if f.SpaceID == spaceID {
			return f, true
		}
	}
	return FormerMembership{}, false
}

// GroupMembership is the caller's membership of one group, with the profile they
// hold in it (a teacher of the class, a pupil, a parent).
type GroupMembership struct {
	GroupID     string
	StructureID string
	Kind        string // class, teaching_group, manual
	Name        string
	Profile     Profile
}

// Child is one of a parent's children, as the directory names them.
type Child struct {
	UserID      string
	DisplayName string
}

// Child returns the caller's child of that id, if the caller is their parent.
func (c *Caller) Child(userID string) (Child, bool) {
	if c.Profile != Relative {
		return Child{}, false // links belong to parents only; the directory keeps it so, and so does this
	}
	for _, ch := range c.Children {
		if ch.UserID == userID {
			return ch, true
		}
	}
	return Child{}, false
}

// InStructure reports whether the caller is attached to the structure.
func (c *Caller) InStructure(structureID string) bool {
	for _, s := range c.Structures {
		if s.StructureID == structureID {
			return true
		}
	}
	return false
}

// IsLocalAdmin reports whether the caller administers the structure.
func (c *Caller) IsLocalAdmin(structureID string) bool {
	for _, s := range c.Structures {
		if s.StructureID == structureID && s.LocalAdmin {
			return true
		}
	}
	return false
}

// Group returns the caller's membership of the group, if any.
func (c *Caller) Group(groupID string) (GroupMembership, bool) {
	for _, g := range c.Groups {
		if g.GroupID == groupID {
			return g, true
		}
	}
	return GroupMembership{}, false
}

// Role is what a caller may do with an item, in increasing order of power.
type Role int

// The roles, ordered: each includes everything the previous ones allow.
const (
	// NoRole: the item does not exist for the caller (a 404, never a 403).
	NoRole Role = iota
	// Viewer lists, reads, downloads and sees thumbnails (Consulter).
	Viewer
	// Author also adds files and folders, and changes, moves and trashes what they
	// created (Participer): what the members of a shared space (pupils in a class
	// space, teachers in the staff room) hold. Folder modes widen or narrow it.
	Author
	// Contributor also changes, moves and trashes what others created (Contribuer).
	Contributor
	// Manager also shares, restores and purges (Gérer).
	Manager
)

// String gives the role's wire name.
func (r Role) String() string {
	switch r {
	case Viewer:
		return "viewer"
	case Author:
		return "author"
	case Contributor:
		return "contributor"
	case Manager:
		return "manager"
	}
	return "none"
}

type callerKey struct{}

// WithCaller returns a context carrying the authenticated caller, for the code that
// only receives a context (tus hooks).
func WithCaller(ctx context.Context, c *Caller) context.Context {
	return context.WithValue(ctx, callerKey{}, c)
}

// CallerFrom returns the caller WithCaller put in the context, or nil.
func CallerFrom(ctx context.Context) *Caller {
	c, _ := ctx.Value(callerKey{}).(*Caller)
	return c
}
