package cartable

import "strings"

// Former authors: what stays of a purged leaver where the class keeps their work.
// Their id is replaced by one of these markers wherever an item, a version, a grant
// or an event names them (see package leaver). A marker is no user: it matches no
// caller, so what a former pupil made is changed only by those who manage the space.
const (
	FormerPupil = "former:pupil"
	FormerStaff = "former:staff"
	FormerUser  = "former:user"
)

// FormerMarker is the marker of a leaver of the given profile.
func FormerMarker(p Profile) string {
	switch p {
	case Student:
		return FormerPupil
	case Teacher, Personnel:
		return FormerStaff
	}
	return FormerUser
}

// IsFormer reports whether an author id is a former author's marker or a purged
// pupil's pseudonym ("former:17").
func IsFormer(id string) bool { return strings.HasPrefix(id, "former:") }

// FormerName is how a former author is shown, in French (the API's names are the
// ENT's, French); the web app translates the markers.
func FormerName(id string) string {
	switch id {
	case FormerPupil:
		return "Ancien·ne élève"
	case FormerStaff:
		return "Ancien·ne membre du personnel"
	}
	return "Ancien·ne utilisateur·rice"
}
