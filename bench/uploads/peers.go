package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
)

// uploader sends one file of size bytes and returns when the peer has it whole.
type uploader func(ctx context.Context, client int, size int64) error

// block is the content every upload repeats: random, so nothing compresses it.
var block = func() []byte {
	b := make([]byte, 4<<20)
	_, _ = rand.Read(b)
	return b
}()

// content is size bytes of block, read without holding them in memory.
func content(size int64) io.Reader {
	return io.LimitReader(&repeater{}, size)
}

type repeater struct{ off int }

func (r *repeater) Read(p []byte) (int, error) {
	n := copy(p, block[r.off:])
	r.off = (r.off + n) % len(block)
	return n, nil
}

var httpClient = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 512, MaxConnsPerHost: 0}, Timeout: 10 * time.Minute}

// tusUpload sends a file as tus-js-client does with its defaults (chunkSize
// Infinity, no uploadDataDuringCreation): a POST with Upload-Length and
// Upload-Metadata and no body, then the whole file in one PATCH at offset 0 with its
// Content-Length, and no Expect: 100-continue (browsers never send it).
func tusUpload(ctx context.Context, base, token, meta string, size int64) error {
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, base, nil)
	req.Header.Set("Tus-Resumable", "1.0.0")
	req.Header.Set("Upload-Length", strconv.FormatInt(size, 10))
	req.Header.Set("Upload-Metadata", meta)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := httpClient.Do(req)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusCreated {
		return fmt.Errorf("create: %s", res.Status)
	}
	loc := res.Header.Get("Location")
	patch, _ := http.NewRequestWithContext(ctx, http.MethodPatch, loc, content(size))
	patch.ContentLength = size
	patch.Header.Set("Tus-Resumable", "1.0.0")
	patch.Header.Set("Upload-Offset", "0")
	patch.Header.Set("Content-Type", "application/offset+octet-stream")
	if token != "" {
		patch.Header.Set("Authorization", "Bearer "+token)
	}
	res, err = httpClient.Do(patch)
	if err != nil {
		return err
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusNoContent || res.Header.Get("Upload-Offset") != strconv.FormatInt(size, 10) {
		return fmt.Errorf("patch: %s %s", res.Status, body)
	}
	return nil
}

func meta(kv ...string) string {
	var parts []string
	for i := 0; i+1 < len(kv); i += 2 {
		parts = append(parts, kv[i]+" "+base64.StdEncoding.EncodeToString([]byte(kv[i+1])))
	}
	return strings.Join(parts, ",")
}

// cartableUploader uploads as the given users in turn (tokens from the dev issuer).
func cartableUploader(base string, tokens []string) uploader {
	return func(ctx context.Context, client int, size int64) error {
		name := fmt.Sprintf("bench-%d-%d.bin", client, time.Now().UnixNano())
		return tusUpload(ctx, base+"/api/v1/uploads", tokens[client%len(tokens)], meta("filename", name), size)
	}
}

func tusdUploader(base string) uploader {
	return func(ctx context.Context, client int, size int64) error {
		return tusUpload(ctx, base+"/files/", "", meta("filename", fmt.Sprintf("bench-%d.bin", client)), size)
	}
}

// putObjectUploader sends the file with minio-go's PutObject, with its defaults
// (one PUT up to 16 MiB, else 16 MiB parts one after the other), or with
// DisableContentSha256 when unsigned: over plain HTTP minio-go otherwise signs the
// body in 64 KiB chunks, each with a SHA-256 of its bytes, where unsigned it sends
// UNSIGNED-PAYLOAD and hashes nothing, as Cartable sends its parts by default.
func putObjectUploader(mc *minio.Client, bucket string, unsigned bool) uploader {
	prefix := "direct/"
	if unsigned {
		prefix = "direct-unsigned/"
	}
	opts := minio.PutObjectOptions{ContentType: "application/octet-stream", DisableContentSha256: unsigned}
	return func(ctx context.Context, client int, size int64) error {
		key := fmt.Sprintf("%s%d-%d", prefix, client, time.Now().UnixNano())
		_, err := mc.PutObject(ctx, bucket, key, content(size), size, opts)
		return err
	}
}

// devTokens gets a token for each user from a dev-mode node.
func devTokens(base string, users []string) ([]string, error) {
	var tokens []string
	for _, u := range users {
		res, err := http.Get(base + "/dev/token?user=" + u)
		if err != nil {
			return nil, err
		}
		var tok struct{ Token string }
		err = json.NewDecoder(res.Body).Decode(&tok)
		res.Body.Close()
		if err != nil || tok.Token == "" {
			return nil, fmt.Errorf("token for %s: %v", u, err)
		}
		tokens = append(tokens, tok.Token)
	}
	return tokens, nil
}

// liftCaps raises the teacher's cap, the pupils' default and the pool to 100 TiB
// through the quota admin API, with the dev provisioning token.
func liftCaps(base string) error {
	tokens, err := devTokens(base, []string{"service.provisioning"})
	if err != nil {
		return err
	}
	body := `{"limit_bytes": 109951162777600}`
	for _, path := range []string{"users/prof.martin", "structures/0600001A/defaults/Student", "structures/0600001A/pool"} {
		req, _ := http.NewRequest(http.MethodPut, base+"/api/v1/admin/quota/"+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tokens[0])
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		res.Body.Close()
		if res.StatusCode != http.StatusNoContent {
			return fmt.Errorf("lift %s: %s", path, res.Status)
		}
	}
	return nil
}
