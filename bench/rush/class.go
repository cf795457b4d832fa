package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"

	"cartable/bench/node"
)

// class is class 6A of the demo collège as the scenario needs it: its teacher, its
// pupils signed in, and the folder of its class space they send their photos to.
type class struct {
	teacher *node.Client
	pupils  []*node.Client
	folder  string
}

// teacherID is a teacher of 6A in deploy/dev/demo.json; the pupils are
// eleve.6a.01 to eleve.6a.25.
const teacherID = "prof.martin"

// classGroup is 6A's group; its class space is the group space of that group.
const classGroup = "0600001A-6A"

// signIn signs the teacher and n pupils in, lifts the collège's quota, and has the
// teacher make the folder of the outing's photos in the class space.
func signIn(ctx context.Context, api *node.Process, n int) (*class, error) {
	if err := api.LiftQuota(ctx, teacherID); err != nil {
		return nil, fmt.Errorf("lift the quota: %w", err)
	}
	c := &class{}
	var err error
	if c.teacher, err = api.As(ctx, teacherID); err != nil {
		return nil, err
	}
	for i := 1; i <= n; i++ {
		p, err := api.As(ctx, fmt.Sprintf("eleve.6a.%02d", i))
		if err != nil {
			return nil, err
		}
		c.pupils = append(c.pupils, p)
	}
	root, err := classSpace(ctx, c.teacher)
	if err != nil {
		return nil, err
	}
	var folder struct{ ID string }
	body := map[string]any{"name": "Sortie au musée - photos", "folder": struct{}{}}
	if err := c.teacher.Call(ctx, http.MethodPost, "/api/v1/items/"+root+"/children", body, &folder); err != nil {
		return nil, fmt.Errorf("make the class folder: %w", err)
	}
	c.folder = folder.ID
	return c, nil
}

// classSpace is the root folder of 6A's class space.
func classSpace(ctx context.Context, teacher *node.Client) (string, error) {
	var spaces struct {
		Spaces []struct {
			Kind    string `json:"kind"`
			GroupID string `json:"group_id"`
			RootID  string `json:"root_id"`
		} `json:"spaces"`
	}
	if err := teacher.Call(ctx, http.MethodGet, "/api/v1/spaces", nil, &spaces); err != nil {
		return "", err
	}
	for _, s := range spaces.Spaces {
		if s.GroupID == classGroup {
			return s.RootID, nil
		}
	}
	return "", fmt.Errorf("%s sees no class space of %s", teacherID, classGroup)
}

// Sent is one file's upload.
type Sent struct {
	Name  string
	Kind  string // the file's (see corpus)
	Pupil int
	ID    string
	Start time.Time
	End   time.Time // its 201
	Err   error
}

// inFlight is how many files the web app sends at once (web/static/js/upload.js).
const inFlight = 3

// rush has every pupil send their files at once: file k goes to pupil k mod n,
// and each pupil sends inFlight at a time as the web app does. sent is called at
// each file's 201 (or failure); rush returns when every upload has ended.
func rush(ctx context.Context, c *class, files []file, sent func(Sent)) {
	var wg sync.WaitGroup
	for p, pupil := range c.pupils {
		var mine []file
		for k := p; k < len(files); k += len(c.pupils) {
			mine = append(mine, files[k])
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			parallel(len(mine), inFlight, func(i int) {
				s := Sent{Name: mine[i].Name, Kind: mine[i].Kind, Pupil: p + 1, Start: time.Now()}
				s.ID, s.Err = tusUpload(ctx, pupil, c.folder, mine[i])
				s.End = time.Now()
				sent(s)
			})
		}()
	}
	wg.Wait()
}

// tusUpload sends a file as the web app sends one below its part size: a tus
// creation with the whole file in the same request (tus-js-client's
// uploadDataDuringCreation), whose 201 names the committed item.
func tusUpload(ctx context.Context, pupil *node.Client, folder string, f file) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, pupil.Base+"/api/v1/uploads", bytes.NewReader(f.Data))
	if err != nil {
		return "", err
	}
	req.Header.Set("Authorization", "Bearer "+pupil.Token)
	req.Header.Set("Tus-Resumable", "1.0.0")
	req.Header.Set("Content-Type", "application/offset+octet-stream")
	req.Header.Set("Upload-Length", strconv.Itoa(len(f.Data)))
	req.Header.Set("Upload-Metadata", "filename "+base64.StdEncoding.EncodeToString([]byte(f.Name))+
		",parent "+base64.StdEncoding.EncodeToString([]byte(folder)))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(res.Body, 2000))
	id := res.Header.Get("Cartable-Item-Id")
	if res.StatusCode != http.StatusCreated || id == "" {
		return "", fmt.Errorf("upload of %s: %d %s", f.Name, res.StatusCode, b)
	}
	return id, nil
}
