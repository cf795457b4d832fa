package export

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/google/uuid"

	"cartable"
	"cartable/assignment"
	"cartable/bundle"
	"cartable/workspace"
)

// files reads the subject's files: their personal space, their work on the
// assignments handed out to them, and what they created in other spaces; the
// antivirus verdict is applied for them (an infected file is withheld, and named
// in the zip's note). It answers where each assignment's work went. forOther:
// someone else (an admin) reads it, and files waiting for their scan are left
// out, though the subject sent them.
func (s *Service) files(ctx context.Context, subject *cartable.Caller, handedOut []assignment.Assignment, paths *bundle.Paths, now time.Time, forOther bool) (*workspace.Zip, map[uuid.UUID]string, error) {
	z := &workspace.Zip{WithholdPending: forOther}
	handIns := map[uuid.UUID]string{}
	err := section(z, paths.Add("", PersonalFolder, true), now, func(dir string) error {
		return s.workspace.AddPersonalSpace(ctx, z, subject, dir, paths)
	})
	if err != nil {
		return nil, nil, fmt.Errorf("export of %s: personal space: %w", subject.UserID, err)
	}
	err = section(z, paths.Add("", HandInsFolder, true), now, func(dir string) error {
		return s.handIns(ctx, z, subject, handedOut, dir, paths, handIns)
	})
	if err != nil {
		return nil, nil, fmt.Errorf("export of %s: assignments: %w", subject.UserID, err)
	}
	err = section(z, paths.Add("", ContributedFolder, true), now, func(dir string) error {
		return s.workspace.AddAuthored(ctx, z, subject, dir, paths)
	})
	if err != nil {
		return nil, nil, fmt.Errorf("export of %s: contributions: %w", subject.UserID, err)
	}
	z.AddWithheldNote(paths)
	return z, handIns, nil
}

// section adds a folder and what fill puts in it, and keeps the folder only when
// it holds something.
func section(z *workspace.Zip, dir string, at time.Time, fill func(dir string) error) error {
	before := len(z.Entries)
	z.Entries = append(z.Entries, folderEntry(dir, at))
	if err := fill(dir); err != nil {
		return err
	}
	if len(z.Entries) == before+1 {
		z.Entries = z.Entries[:before]
	}
	return nil
}

// handIns adds the pupil's work on each assignment (Rendus/<title>/…) and the
// corrected files returned to them (Rendus/<title>/Corrigés/…): their folders as
// they are now, which is what was handed in unless the pupil took it back since.
func (s *Service) handIns(ctx context.Context, z *workspace.Zip, subject *cartable.Caller, handedOut []assignment.Assignment,
	dir string, paths *bundle.Paths, folders map[uuid.UUID]string) error {
	for _, a := range handedOut {
		if a.Mine == nil || (a.Mine.FolderID == nil && a.Mine.CorrectedFolderID == nil) {
			continue
		}
		at := paths.Add(dir, a.Title, true)
		folders[a.ID] = at
		z.Entries = append(z.Entries, folderEntry(at, a.Due))
		if a.Mine.FolderID != nil {
			if err := s.workspace.AddFolderContent(ctx, z, subject, *a.Mine.FolderID, at, paths); err != nil {
				return err
			}
		}
		if corrected := a.Mine.CorrectedFolderID; corrected != nil {
			err := section(z, paths.Add(at, CorrectedFolder, true), a.Due, func(dir string) error {
				return s.workspace.AddFolderContent(ctx, z, subject, *corrected, dir, paths)
			})
			if err != nil {
				return err
			}
		}
	}
	return nil
}

func folderEntry(path string, at time.Time) bundle.Entry {
	return bundle.Entry{Path: path, Folder: true, Modified: at}
}

// jsonEntry is a document of the zip, indented for a person to read.
func jsonEntry(path string, v any, at time.Time) (bundle.Entry, error) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return bundle.Entry{}, fmt.Errorf("export document: %w", err)
	}
	return bytesEntry(path, append(b, '\n'), "application/json", at), nil
}

func textEntry(path, text string, at time.Time) bundle.Entry {
	return bytesEntry(path, []byte(text), "text/plain; charset=utf-8", at)
}

func bytesEntry(path string, b []byte, mimeType string, at time.Time) bundle.Entry {
	return bundle.Entry{Path: path, Size: int64(len(b)), Modified: at, MimeType: mimeType,
		Open: func(context.Context) (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }}
}
