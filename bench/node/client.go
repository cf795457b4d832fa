package node

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
)

// Client calls a node's API as one user (Token "" : anonymously).
type Client struct {
	Base  string
	Token string
}

// As returns a client of the node signed in as a demo user (dev mode's tokens).
func (p *Process) As(ctx context.Context, user string) (*Client, error) {
	var tok struct{ Token string }
	anon := &Client{Base: p.Base}
	if err := anon.Call(ctx, http.MethodGet, "/dev/token?user="+user, nil, &tok); err != nil || tok.Token == "" {
		return nil, fmt.Errorf("token for %s: %v", user, err)
	}
	return &Client{Base: p.Base, Token: tok.Token}, nil
}

// Call sends a JSON request (body may be nil) and decodes the answer into out
// (nil: drops it). An answer of 300 or more is an error that quotes it.
func (c *Client) Call(ctx context.Context, method, path string, body, out any) error {
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.Base+path, r)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return c.Do(req, out)
}

// Do sends a request with the client's token and decodes its JSON answer into out.
func (c *Client) Do(req *http.Request, out any) error {
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
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

// Upload sends body as a new file of the folder parent (a multipart upload,
// streamed), and decodes the new item into out (nil: drops it).
func (c *Client) Upload(ctx context.Context, parent, name string, body io.Reader, out any) error {
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		part, err := mw.CreateFormFile("file", name)
		if err == nil {
			_, err = io.Copy(part, body)
		}
		if err == nil {
			err = mw.Close()
		}
		pw.CloseWithError(err)
	}()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.Base+"/api/v1/items/"+parent+"/children", pr)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return c.Do(req, out)
}

// Home is the root folder of the user's personal space.
func (c *Client) Home(ctx context.Context) (string, error) {
	var spaces struct {
		Spaces []struct {
			Kind   string `json:"kind"`
			RootID string `json:"root_id"`
		} `json:"spaces"`
	}
	if err := c.Call(ctx, http.MethodGet, "/api/v1/spaces", nil, &spaces); err != nil {
		return "", err
	}
	for _, s := range spaces.Spaces {
		if s.Kind == "personal" {
			return s.RootID, nil
		}
	}
	return "", fmt.Errorf("no personal space")
}

// ClassRoot is the root folder of a class's space (its group id, "0600001A-6A"),
// as the client sees it.
func (c *Client) ClassRoot(ctx context.Context, group string) (string, error) {
	var spaces struct {
		Spaces []struct {
			GroupID string `json:"group_id"`
			RootID  string `json:"root_id"`
		} `json:"spaces"`
	}
	if err := c.Call(ctx, http.MethodGet, "/api/v1/spaces", nil, &spaces); err != nil {
		return "", err
	}
	for _, sp := range spaces.Spaces {
		if sp.GroupID == group {
			return sp.RootID, nil
		}
	}
	return "", fmt.Errorf("no space of class %s", group)
}

// LiftQuota lifts the demo collège's pool and a user's cap far above what a
// benchmark writes, as the provisioning service.
func (p *Process) LiftQuota(ctx context.Context, user string) error {
	admin, err := p.As(ctx, "service.provisioning")
	if err != nil {
		return err
	}
	limit := map[string]any{"limit_bytes": int64(100) << 40}
	for _, path := range []string{"/api/v1/admin/quota/structures/0600001A/pool", "/api/v1/admin/quota/users/" + user} {
		if err := admin.Call(ctx, http.MethodPut, path, limit, nil); err != nil {
			return err
		}
	}
	return nil
}
