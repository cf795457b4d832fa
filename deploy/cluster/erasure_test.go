package cluster

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"testing"

	"github.com/minio/minio-go/v7/pkg/signer"
)

// TestClusterMinIOIsErasureCoded asks MinIO's admin API (GET /minio/admin/v3/info,
// what `mc admin info` shows) for its backend: erasure coded, every drive online,
// with parity.
func TestClusterMinIOIsErasureCoded(t *testing.T) {
	clusterURL(t)
	node := os.Getenv("CARTABLE_CLUSTER_MINIO_NODE")
	if node == "" {
		t.Skip("CARTABLE_CLUSTER_MINIO_NODE is not set")
	}
	body, err := minioAdmin(http.MethodGet, "/minio/admin/v3/info")
	if err != nil {
		t.Fatal(err)
	}
	var info struct {
		Backend struct {
			Type         string `json:"backendType"`
			OnlineDisks  int    `json:"onlineDisks"`
			OfflineDisks int    `json:"offlineDisks"`
			Parity       int    `json:"standardSCParity"`
		} `json:"backend"`
		Servers []struct {
			Endpoint string `json:"endpoint"`
			State    string `json:"state"`
		} `json:"servers"`
	}
	if err := json.Unmarshal(body, &info); err != nil {
		t.Fatalf("admin info: %v: %.500s", err, body)
	}
	b := info.Backend
	t.Logf("backend %s, %d servers, %d drives online, %d offline, parity EC:%d", b.Type, len(info.Servers), b.OnlineDisks, b.OfflineDisks, b.Parity)
	if b.Type != "Erasure" || b.OnlineDisks < 4 || b.OfflineDisks != 0 || b.Parity < 1 || len(info.Servers) < 2 {
		t.Errorf("MinIO is not a healthy distributed erasure-coded cluster: %+v, %d servers", b, len(info.Servers))
	}
}

// minioAdmin calls MinIO's admin API on the cluster's first MinIO node, signed
// with the cluster's keys, and returns the answer's body.
func minioAdmin(method, path string) ([]byte, error) {
	req, err := http.NewRequest(method, "http://"+os.Getenv("CARTABLE_CLUSTER_MINIO_NODE")+path, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("X-Amz-Content-Sha256", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855") // SHA-256 of no body
	req = signer.SignV4(*req, os.Getenv("CARTABLE_S3_ACCESS_KEY"), os.Getenv("CARTABLE_S3_SECRET_KEY"), "", "us-east-1")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err == nil && res.StatusCode != http.StatusOK {
		err = fmt.Errorf("admin %s: %d %s", path, res.StatusCode, body)
	}
	return body, err
}
