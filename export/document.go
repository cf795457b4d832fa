package export

import (
	"context"
	"time"

	"github.com/google/uuid"

	"cartable"
	"cartable/apppassword"
	"cartable/assignment"
	"cartable/audit"
	"cartable/directory"
	"cartable/quota"
	"cartable/workspace"
)

// Format names the document's layout; a change that removes or renames a field
// takes a new one.
const Format = "cartable-export/1"

// Document is donnees-personnelles.json: what Cartable holds of one person, other
// than their files. Every list is present, empty when there is nothing.
type Document struct {
	Format      string    `json:"format"`
	GeneratedAt time.Time `json:"generated_at"`
	// RequestedBy is "self", or "admin" when an admin exported it for the person.
	RequestedBy        string              `json:"requested_by"`
	Profile            Profile             `json:"profile"`
	AppPasswords       []AppPassword       `json:"app_passwords"`
	Shares             []Share             `json:"shares"`
	Links              []Link              `json:"links"`
	Favorites          []Marked            `json:"favorites"`
	Recent             []Marked            `json:"recent"`
	Assignments        []Assignment        `json:"assignments"`
	AssignmentsCreated []CreatedAssignment `json:"assignments_created"`
	Quota              *Quota              `json:"quota"`
	Activity           Activity            `json:"activity"`
}

// Profile is the person as the ENT's directory provisioned them.
type Profile struct {
	ID                 string      `json:"id"`
	DisplayName        string      `json:"display_name"`
	Profile            string      `json:"profile"`
	PrimaryStructureID string      `json:"primary_structure_id,omitempty"`
	Structures         []Structure `json:"structures"`
	Groups             []Group     `json:"groups"`
	Children           []Child     `json:"children,omitempty"`
}

// Structure is an establishment the person is attached to.
type Structure struct {
	ID         string `json:"id"`
	UAI        string `json:"uai,omitempty"`
	Name       string `json:"name,omitempty"`
	LocalAdmin bool   `json:"local_admin"`
}

// Group is a class or group the person belongs to, with the profile they hold in it.
type Group struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Kind        string `json:"kind"`
	StructureID string `json:"structure_id"`
	Profile     string `json:"profile"`
}

// Child is a parent's child, as the directory links them.
type Child struct {
	ID          string `json:"id"`
	DisplayName string `json:"display_name"`
}

// AppPassword is an app password: its label and its use, never its secret nor
// its hash.
type AppPassword struct {
	Name         string     `json:"name"`
	CreatedAt    time.Time  `json:"created_at"`
	LastUsedAt   *time.Time `json:"last_used_at"`
	LastUsedFrom string     `json:"last_used_from,omitempty"`
}

// Item names a file or folder: its name and where it lives ("space/folder/name").
type Item struct {
	ID     uuid.UUID `json:"id"`
	Name   string    `json:"name"`
	Path   string    `json:"path"`
	Folder bool      `json:"folder"`
}

// Share is a share the person made.
type Share struct {
	Item      Item       `json:"item"`
	With      Grantee    `json:"with"`
	Role      string     `json:"role"`
	CreatedAt time.Time  `json:"created_at"`
	ExpiresAt *time.Time `json:"expires_at"`
}

// Grantee is whom a share gives access to.
type Grantee struct {
	Kind    string `json:"kind"`
	ID      string `json:"id"`
	Name    string `json:"name,omitempty"`
	Profile string `json:"profile,omitempty"`
}

// Link is a link the person made (never its token).
type Link struct {
	Item        Item      `json:"item"`
	Kind        string    `json:"kind"`
	HasPassword bool      `json:"has_password"`
	CreatedAt   time.Time `json:"created_at"`
	ExpiresAt   time.Time `json:"expires_at"`
}

// Marked is a favourite (action "starred") or a recent file ("opened", "changed").
type Marked struct {
	Item   Item      `json:"item"`
	Action string    `json:"action"`
	At     time.Time `json:"at"`
}

// Assignment is an assignment handed out to the person, with their work.
type Assignment struct {
	ID         uuid.UUID  `json:"id"`
	Title      string     `json:"title"`
	Class      string     `json:"class"`
	DueAt      time.Time  `json:"due_at"`
	Status     string     `json:"status"`
	HandedInAt *time.Time `json:"handed_in_at"`
	Late       bool       `json:"late"`
	ReturnedAt *time.Time `json:"returned_at"`
	Feedback   string     `json:"feedback,omitempty"`
	Points     *float64   `json:"points"`
	MaxPoints  *float64   `json:"max_points"`
	HandIns    []HandIn   `json:"hand_ins"`
	// HandedInFiles are the files of the live hand-in, as the teacher received them.
	HandedInFiles []FileRef `json:"handed_in_files"`
	// Folder is where the work is in the zip ("" when there is none).
	Folder string `json:"folder,omitempty"`
}

// HandIn is one hand-in of an assignment, taken back or not.
type HandIn struct {
	At          time.Time  `json:"at"`
	Late        bool       `json:"late"`
	TakenBackAt *time.Time `json:"taken_back_at"`
}

// FileRef names a file by name and size.
type FileRef struct {
	Name string `json:"name"`
	Size int64  `json:"size"`
}

// CreatedAssignment is an assignment the person (a teacher) created.
type CreatedAssignment struct {
	ID          uuid.UUID  `json:"id"`
	Title       string     `json:"title"`
	Class       string     `json:"class"`
	DueAt       time.Time  `json:"due_at"`
	PublishedAt *time.Time `json:"published_at"`
}

// Quota is the use of the person's personal space.
type Quota struct {
	UsedBytes  int64  `json:"used_bytes"`
	LimitBytes *int64 `json:"limit_bytes"`
}

// Activity is what the audit log holds of the person's own actions: the newest
// entries (at most Limit), within the log's retention.
type Activity struct {
	Limit   int             `json:"limit"`
	Entries []ActivityEntry `json:"entries"`
}

// ActivityEntry is one line of the audit log where the person is the actor.
type ActivityEntry struct {
	At          time.Time      `json:"at"`
	Action      string         `json:"action"`
	ItemID      *uuid.UUID     `json:"item_id,omitempty"`
	ItemName    string         `json:"item_name"`
	StructureID string         `json:"structure_id,omitempty"`
	Address     string         `json:"address,omitempty"`
	Details     map[string]any `json:"details,omitempty"`
}

// document reads the subject's data.
func (s *Service) document(ctx context.Context, subject *cartable.Caller, handedOut []assignment.Assignment,
	folders map[uuid.UUID]string, now time.Time, via string) (Document, error) {
	d := Document{Format: Format, GeneratedAt: now, RequestedBy: via, Assignments: assignments(handedOut, folders)}
	var err error
	if d.Profile, err = s.profile(ctx, subject); err != nil {
		return d, err
	}
	steps := []func() error{
		func() error { return s.appPasswords(ctx, subject, &d) },
		func() error { return s.sharing(ctx, subject.UserID, &d) },
		func() error { return s.marks(ctx, subject.UserID, &d) },
		func() error { return s.created(ctx, subject.UserID, &d) },
		func() error { return s.quota(ctx, subject.UserID, &d) },
		func() error { return s.activity(ctx, subject.UserID, &d) },
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return d, err
		}
	}
	return d, nil
}

func (s *Service) profile(ctx context.Context, subject *cartable.Caller) (Profile, error) {
	p := Profile{ID: subject.UserID, DisplayName: subject.DisplayName, Profile: string(subject.Profile),
		PrimaryStructureID: subject.PrimaryStructureID, Structures: []Structure{}, Groups: []Group{}}
	for _, m := range subject.Structures {
		st := Structure{ID: m.StructureID, LocalAdmin: m.LocalAdmin}
		found, err := directory.GetStructure(ctx, s.db, m.StructureID)
		if err != nil && !cartable.IsCode(err, cartable.ENotFound) {
			return p, err
		}
		st.UAI, st.Name = found.UAI, found.Name
		p.Structures = append(p.Structures, st)
	}
	for _, g := range subject.Groups {
		p.Groups = append(p.Groups, Group{ID: g.GroupID, Name: g.Name, Kind: g.Kind, StructureID: g.StructureID, Profile: string(g.Profile)})
	}
	for _, c := range subject.Children {
		p.Children = append(p.Children, Child{ID: c.UserID, DisplayName: c.DisplayName})
	}
	return p, nil
}

func (s *Service) appPasswords(ctx context.Context, subject *cartable.Caller, d *Document) error {
	list, err := s.apps.List(ctx, subject)
	d.AppPasswords = mapList(list, func(p apppassword.AppPassword) AppPassword {
		return AppPassword{Name: p.Name, CreatedAt: p.CreatedAt, LastUsedAt: p.LastUsedAt, LastUsedFrom: p.LastUsedFrom}
	})
	return err
}

func (s *Service) sharing(ctx context.Context, userID string, d *Document) error {
	grants, err := s.workspace.GrantsMadeBy(ctx, userID)
	if err != nil {
		return err
	}
	d.Shares = mapList(grants, func(g workspace.GrantMade) Share {
		return Share{Item: item(g.Item), With: Grantee{Kind: g.GranteeKind, ID: g.GranteeID, Name: g.GranteeName, Profile: g.Profile},
			Role: g.Role, CreatedAt: g.CreatedAt, ExpiresAt: g.ExpiresAt}
	})
	links, err := s.workspace.LinksMadeBy(ctx, userID)
	d.Links = mapList(links, func(l workspace.LinkMade) Link {
		return Link{Item: item(l.Item), Kind: l.Kind, HasPassword: l.HasPassword, CreatedAt: l.CreatedAt, ExpiresAt: l.ExpiresAt}
	})
	return err
}

func (s *Service) marks(ctx context.Context, userID string, d *Document) error {
	toMarked := func(m workspace.Marked) Marked { return Marked{Item: item(m.Item), Action: m.Action, At: m.At} }
	favorites, err := s.workspace.FavoritesOf(ctx, userID)
	if err != nil {
		return err
	}
	d.Favorites = mapList(favorites, toMarked)
	recent, err := s.workspace.RecentOf(ctx, userID)
	d.Recent = mapList(recent, toMarked)
	return err
}

func (s *Service) created(ctx context.Context, userID string, d *Document) error {
	list, err := s.assignments.CreatedBy(ctx, userID)
	d.AssignmentsCreated = mapList(list, func(a assignment.Assignment) CreatedAssignment {
		return CreatedAssignment{ID: a.ID, Title: a.Title, Class: a.SpaceName, DueAt: a.Due, PublishedAt: a.PublishedAt}
	})
	return err
}

// quota is the use of the personal space; nil when it was never opened.
func (s *Service) quota(ctx context.Context, userID string, d *Document) error {
	space, ok, err := s.workspace.PersonalSpaceID(ctx, userID)
	if err != nil || !ok {
		return err
	}
	usage, err := quota.ForSpaces(ctx, s.db, []uuid.UUID{space})
	if err != nil {
		return err
	}
	u := usage[space].Space
	d.Quota = &Quota{UsedBytes: u.Used, LimitBytes: u.Limit}
	return nil
}

func (s *Service) activity(ctx context.Context, userID string, d *Document) error {
	entries, err := audit.OfActor(ctx, s.db, userID, maxAuditEntries)
	d.Activity = Activity{Limit: maxAuditEntries, Entries: mapList(entries, func(e audit.Entry) ActivityEntry {
		out := ActivityEntry{At: e.At.UTC(), Action: e.Action, ItemName: e.ItemName, StructureID: e.StructureID, Address: e.Address, Details: e.Details}
		if e.ItemID != uuid.Nil {
			out.ItemID = &e.ItemID
		}
		return out
	})}
	return err
}

// assignments tells each assignment handed out with the pupil's work.
func assignments(list []assignment.Assignment, folders map[uuid.UUID]string) []Assignment {
	return mapList(list, func(a assignment.Assignment) Assignment {
		out := Assignment{ID: a.ID, Title: a.Title, Class: a.SpaceName, DueAt: a.Due, MaxPoints: a.MaxPoints,
			Folder: folders[a.ID], HandIns: []HandIn{}, HandedInFiles: []FileRef{}}
		if w := a.Mine; w != nil {
			out.Status, out.HandedInAt, out.Late, out.ReturnedAt = string(w.Status), w.HandedInAt, w.Late, w.ReturnedAt
			out.Feedback, out.Points = w.Feedback, w.Points
			out.HandIns = mapList(w.History, func(h assignment.HandIn) HandIn { return HandIn{At: h.At, Late: h.Late, TakenBackAt: h.TakenBackAt} })
			out.HandedInFiles = mapList(w.HandedInFiles, func(f workspace.FileVersion) FileRef { return FileRef{Name: f.Name, Size: f.Size} })
		}
		return out
	})
}

func item(r workspace.ItemRef) Item {
	return Item{ID: r.ID, Name: r.Name, Path: r.Path, Folder: r.Folder}
}

// mapList maps a list, never to nil: the document says "none" as [].
func mapList[T, U any](in []T, f func(T) U) []U {
	out := make([]U, 0, len(in))
	for _, v := range in {
		out = append(out, f(v))
	}
	return out
}
