// Package export owns the GDPR export: on request, one person's personal data and
// files as one zip, streamed to them (the right of access and to portability,
// GDPR articles 15 and 20) or to an admin who answers such a request for them.
//
// # What the zip holds
//
//   - donnees-personnelles.json: the person's data (Document: profile, structures,
//     groups, app passwords without any secret, the shares and links they made,
//     favourites, recent files, assignments and their work, quota use, and what the
//     audit log holds of their own actions);
//   - LISEZMOI.txt: what the zip holds, in plain French;
//   - Mes documents/…: their personal space, folders kept, current versions;
//   - Rendus/<assignment>/…: their work on each assignment handed out to them, and
//     the corrected files the teacher returned (Rendus/<assignment>/Corrigés/…);
//   - Contributions/<space>/…: the files they created in class, group and staff
//     spaces (and in colleagues' shared folders): theirs only, never a file someone
//     else created beside them.
//
// Trashed items are left out (they are purged when the trash retention ends), and
// so are older versions: the export is what the person has now. A file the
// antivirus quarantined is withheld, as from every zip, and named in the zip's
// "Fichiers non inclus.txt".
//
// # Who may ask
//
// Any signed-in user, for themselves. The region (admin scope) for anyone, a
// structure's local admin for a user attached to one of their structures; to any
// other admin the user does not exist (404). The subject need not be able to sign
// in: a pupil who left the ENT keeps their row through the grace period, and their
// export is read from it. Each export is written to the audit log (action
// "export", the requester as actor, the subject in the details) in each of the
// subject's structures, before the first byte is sent.
//
// # Implementation
//
// Everything is read before the first byte (as a folder's zip is): the lists of the
// files and the JSON document, which is bounded (at most maxAuditEntries entries of
// the log, and each list bounded by its use case). The files are streamed by
// package bundle from the object store, read ahead when small, in place when large:
// memory stays flat whatever the size, and ZIP64 comes by itself past 4 GiB.
package export

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"cartable"
	"cartable/apppassword"
	"cartable/assignment"
	"cartable/audit"
	"cartable/bundle"
	"cartable/directory"
	"cartable/quota"
	"cartable/workspace"
)

// Folders and files at the top of the zip.
const (
	DocumentName      = "donnees-personnelles.json"
	ReadmeName        = "LISEZMOI.txt"
	PersonalFolder    = "Mes documents"
	HandInsFolder     = "Rendus"
	CorrectedFolder   = "Corrigés"
	ContributedFolder = "Contributions"
)

// maxAuditEntries bounds the audit entries of a document: the newest ones, within
// the log's retention (older entries are purged already).
const maxAuditEntries = 10_000

// Service builds exports.
type Service struct {
	db          *pgxpool.Pool
	workspace   *workspace.Service
	assignments *assignment.Service
	apps        *apppassword.Store
	now         func() time.Time
}

// New returns the export service over the workspace and the assignments.
func New(pool *pgxpool.Pool, ws *workspace.Service, assignments *assignment.Service) *Service {
	return &Service{db: pool, workspace: ws, assignments: assignments, apps: apppassword.New(pool), now: time.Now}
}

// Zip is an export ready to stream: its id (in the audit log's details), its file
// name and its entries.
type Zip struct {
	ID      uuid.UUID
	Name    string
	Entries []bundle.Entry
	// Withheld counts the files the antivirus kept out (named in the zip's note).
	Withheld int
}

// Own prepares the caller's own export.
func (s *Service) Own(ctx context.Context, c *cartable.Caller) (Zip, error) {
	subject, err := directory.LoadCaller(ctx, s.db, c.UserID)
	if err != nil {
		return Zip{}, err
	}
	return s.build(ctx, subject, c.UserID, "self")
}

// ForAdmin prepares the export of a user for an admin: the region, or a local
// admin of one of the user's structures; to anyone else the user is not found.
// actor is the admin's id, for the audit log. A user who left the ENT is found
// until their purge: the export is what their school hands them on the way out.
func (s *Service) ForAdmin(ctx context.Context, a quota.Admin, actor, subjectID string) (Zip, error) {
	subject, err := directory.LoadLeaverCaller(ctx, s.db, subjectID)
	if cartable.IsCode(err, cartable.ENotFound) {
		return Zip{}, noUser(subjectID)
	}
	if err != nil {
		return Zip{}, err
	}
	if !mayExport(a, subject) {
		return Zip{}, noUser(subjectID)
	}
	return s.build(ctx, subject, actor, "admin")
}

// mayExport decides whether an admin may export a user: the region anyone, a local
// admin the users attached to a structure they administer.
func mayExport(a quota.Admin, subject *cartable.Caller) bool {
	if a.Region {
		return true
	}
	for _, st := range subject.Structures {
		if a.Manages(st.StructureID) == nil {
			return true
		}
	}
	return false
}

// noUser is the one answer for a user who does not exist and for one the admin may
// not export: the difference is not theirs to learn.
func noUser(id string) error {
	return cartable.Errorf(cartable.ENotFound, "no user %q", id)
}

// build reads the subject's data and files, and writes the export to the audit log.
func (s *Service) build(ctx context.Context, subject *cartable.Caller, actor, via string) (Zip, error) {
	now := s.now().UTC()
	z := Zip{ID: uuid.Must(uuid.NewV7()), Name: fmt.Sprintf("cartable-export-%s-%s.zip", subject.UserID, now.Format("2006-01-02"))}
	paths := bundle.NewPaths()
	docPath, readmePath := paths.Add("", DocumentName, false), paths.Add("", ReadmeName, false)
	handedOut, err := s.assignments.HandedOutTo(ctx, subject.UserID)
	if err != nil {
		return Zip{}, err
	}
	files, handIns, err := s.files(ctx, subject, handedOut, paths, now, via != "self")
	if err != nil {
		return Zip{}, err
	}
	doc, err := s.document(ctx, subject, handedOut, handIns, now, via)
	if err != nil {
		return Zip{}, err
	}
	docEntry, err := jsonEntry(docPath, doc, now)
	if err != nil {
		return Zip{}, err
	}
	z.Entries = append([]bundle.Entry{docEntry, textEntry(readmePath, readmeText, now)}, files.Entries...)
	z.Withheld = len(files.Withheld)
	if err := s.record(ctx, subject, actor, via, z); err != nil {
		return Zip{}, err
	}
	return z, nil
}

// record writes the export to the audit log, once in each of the subject's
// structures (once with none when they have none left), before the first byte:
// an export that cannot be logged is not sent.
func (s *Service) record(ctx context.Context, subject *cartable.Caller, actor, via string, z Zip) error {
	structures := []string{}
	for _, st := range subject.Structures {
		structures = append(structures, st.StructureID)
	}
	if len(structures) == 0 {
		structures = append(structures, "")
	}
	files, bytes := 0, int64(0)
	for _, e := range z.Entries {
		if !e.Folder {
			files, bytes = files+1, bytes+e.Size
		}
	}
	for _, st := range structures {
		e := audit.Entry{Actor: actor, Action: audit.Export, ItemName: z.Name, StructureID: st,
			Details: map[string]any{"subject": subject.UserID, "export_id": z.ID, "requested_by": via, "files": files, "bytes": bytes, "withheld": z.Withheld}}
		if err := audit.Record(ctx, s.db, e); err != nil {
			return fmt.Errorf("export of %s: %w", subject.UserID, err)
		}
	}
	return nil
}
