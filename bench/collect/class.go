package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"strings"
	"sync"
	"time"

	"cartable/bench/node"
)

// class is the prepared assignment: every pupil handed in one file of `each` bytes.
type class struct {
	server     *node.Process
	prof       string // the teacher's token
	assignment string
	pupilIDs   []string
	// pinned is each pupil's handed-in version, as the one-by-one downloads fetch it.
	pinned []string // /api/v1/items/{id}/versions/{version}/content
	each   int64
}

// prepare provisions a class of n pupils in 6A (the demo has 25), hands out an
// assignment with a template, and has each pupil put `each` bytes in their copy
// and hand it in.
func prepare(ctx context.Context, server *node.Process, n int, each int64) (*class, error) {
	c := &class{server: server, each: each}
	admin, err := c.token("service.provisioning")
	if err != nil {
		return nil, err
	}
	if err := c.provision(ctx, admin, n); err != nil {
		return nil, err
	}
	if c.prof, err = c.token("prof.martin"); err != nil {
		return nil, err
	}
	if err := c.handOut(ctx); err != nil {
		return nil, err
	}
	start := time.Now()
	if err := c.handIn(ctx); err != nil {
		return nil, err
	}
	logf("%d pupils handed in %d MiB each in %s", n, each>>20, time.Since(start).Round(time.Second))
	return c, c.readPinned(ctx)
}

func (c *class) token(user string) (string, error) {
	var tok struct{ Token string }
	if err := c.call(context.Background(), "", http.MethodGet, "/dev/token?user="+user, nil, &tok); err != nil || tok.Token == "" {
		return "", fmt.Errorf("token for %s: %v", user, err)
	}
	return tok.Token, nil
}

// provision adds pupils to 6A up to n, and lifts the caps so quota never refuses.
func (c *class) provision(ctx context.Context, admin string, n int) error {
	var group map[string]any
	if err := c.call(ctx, admin, http.MethodGet, "/api/v1/admin/groups/0600001A-6A", nil, &group); err != nil {
		return err
	}
	members, _ := group["members"].([]any)
	for i := 1; i <= n; i++ {
		id := fmt.Sprintf("eleve.6a.%02d", i)
		c.pupilIDs = append(c.pupilIDs, id)
		if i <= 25 {
			continue
		}
		user := map[string]any{"display_name": fmt.Sprintf("Élève %02d Bench", i), "profile": "Student",
			"structures": []map[string]any{{"structure_id": "0600001A"}}}
		if err := c.call(ctx, admin, http.MethodPut, "/api/v1/admin/users/"+id, user, nil); err != nil {
			return err
		}
		members = append(members, map[string]any{"user_id": id, "profile": "Student"})
	}
	group["members"] = members
	if err := c.call(ctx, admin, http.MethodPut, "/api/v1/admin/groups/0600001A-6A", group, nil); err != nil {
		return err
	}
	limit := map[string]any{"limit_bytes": int64(100) << 40}
	for _, path := range []string{"defaults/group_space", "pool"} {
		if err := c.call(ctx, admin, http.MethodPut, "/api/v1/admin/quota/structures/0600001A/"+path, limit, nil); err != nil {
			return err
		}
	}
	return nil
}

// handOut creates and publishes "Rédaction" for 6A with a small template.
func (c *class) handOut(ctx context.Context) error {
	var spaces struct {
		Spaces []map[string]string `json:"spaces"`
	}
	if err := c.call(ctx, c.prof, http.MethodGet, "/api/v1/spaces", nil, &spaces); err != nil {
		return err
	}
	var spaceID, root string
	for _, s := range spaces.Spaces {
		if s["kind"] == "group" && s["name"] == "6A" {
			spaceID, root = s["id"], s["root_id"]
		}
	}
	var template struct{ ID string }
	if err := c.uploadFile(ctx, root, "Rédaction.odt", []byte("modèle"), &template); err != nil {
		return err
	}
	var a struct{ ID string }
	body := map[string]any{"space_id": spaceID, "title": "Rédaction", "whole_class": true, "due_at": time.Now().Add(24 * time.Hour).UTC()}
	if err := c.call(ctx, c.prof, http.MethodPost, "/api/v1/assignments", body, &a); err != nil {
		return err
	}
	c.assignment = a.ID
	if err := c.call(ctx, c.prof, http.MethodPost, "/api/v1/assignments/"+a.ID+"/attachments", map[string]any{"item_id": template.ID, "kind": "template"}, nil); err != nil {
		return err
	}
	return c.call(ctx, c.prof, http.MethodPost, "/api/v1/assignments/"+a.ID+"/publish", nil, nil)
}

// handIn has every pupil write their copy and hand it in, four at a time. Each
// file's bytes are random (stored, not deflated, like the docx, PDF and photos
// pupils hand in) and differ from the others'.
func (c *class) handIn(ctx context.Context) error {
	data := make([]byte, c.each)
	rng := rand.NewChaCha8([32]byte{1})
	_, _ = rng.Read(data)
	errs := make(chan error, len(c.pupilIDs))
	sem := make(chan struct{}, 4)
	var wg sync.WaitGroup
	for i, pupil := range c.pupilIDs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			own := bytes.Clone(data[:64])
			copy(own, fmt.Sprintf("pupil %02d ", i))
			errs <- c.handInOne(ctx, pupil, io.MultiReader(bytes.NewReader(own), bytes.NewReader(data[64:])))
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func (c *class) handInOne(ctx context.Context, pupil string, body io.Reader) error {
	tok, err := c.token(pupil)
	if err != nil {
		return err
	}
	var a struct {
		Mine struct {
			Copies []struct {
				ItemID string `json:"item_id"`
			} `json:"copies"`
		} `json:"mine"`
	}
	if err := c.call(ctx, tok, http.MethodGet, "/api/v1/assignments/"+c.assignment, nil, &a); err != nil {
		return err
	}
	if len(a.Mine.Copies) != 1 {
		return fmt.Errorf("%s has %d copies", pupil, len(a.Mine.Copies))
	}
	if err := c.send(ctx, tok, http.MethodPut, "/api/v1/items/"+a.Mine.Copies[0].ItemID+"/content", body, c.each, nil); err != nil {
		return err
	}
	return c.call(ctx, tok, http.MethodPost, "/api/v1/assignments/"+c.assignment+"/hand-in", nil, nil)
}

// readPinned reads the handed-in versions from the teacher's dashboard.
func (c *class) readPinned(ctx context.Context) error {
	var d struct {
		Pupils []struct {
			HandedInFiles []struct {
				ItemID    string `json:"item_id"`
				VersionID string `json:"version_id"`
			} `json:"handed_in_files"`
		} `json:"pupils"`
	}
	if err := c.call(ctx, c.prof, http.MethodGet, "/api/v1/assignments/"+c.assignment+"/dashboard", nil, &d); err != nil {
		return err
	}
	for _, p := range d.Pupils {
		for _, f := range p.HandedInFiles {
			c.pinned = append(c.pinned, "/api/v1/items/"+f.ItemID+"/versions/"+f.VersionID+"/content")
		}
	}
	if len(c.pinned) != len(c.pupilIDs) {
		return fmt.Errorf("%d files handed in, want %d", len(c.pinned), len(c.pupilIDs))
	}
	return nil
}

// call sends a JSON request (body nil: none) and decodes a JSON answer into out.
func (c *class) call(ctx context.Context, token, method, path string, body, out any) error {
	var r io.Reader
	n := int64(0)
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		r, n = bytes.NewReader(b), int64(len(b))
	}
	return c.send(ctx, token, method, path, r, n, out)
}

// uploadFile uploads a new file as the teacher, in one multipart request.
func (c *class) uploadFile(ctx context.Context, parent, name string, data []byte, out any) error {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	part, err := mw.CreateFormFile("file", name)
	if err != nil {
		return err
	}
	_, _ = part.Write(data)
	_ = mw.Close()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.server.Base+"/api/v1/items/"+parent+"/children", &body)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.prof)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return do(req, out)
}

func (c *class) send(ctx context.Context, token, method, path string, body io.Reader, n int64, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, c.server.Base+path, body)
	if err != nil {
		return err
	}
	req.ContentLength = n
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
		if !strings.HasPrefix(path, "/api/v1/assignments") && !strings.HasPrefix(path, "/api/v1/admin") {
			req.Header.Set("Content-Type", "application/octet-stream")
		}
	}
	return do(req, out)
}

// do sends a request and decodes its JSON answer into out (nil: drops it).
func do(req *http.Request, out any) error {
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode >= 300 {
		b, _ := io.ReadAll(io.LimitReader(res.Body, 2000))
		return fmt.Errorf("%s %s: %d %s", req.Method, req.URL.Path, res.StatusCode, b)
	}
	if out == nil {
		_, err = io.Copy(io.Discard, res.Body)
		return err
	}
	return json.NewDecoder(res.Body).Decode(out)
}
