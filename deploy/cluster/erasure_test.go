package cluster

import (
	"encoding/json"
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
	req, err := http.NewRequest(http.MethodGet, "http://"+node+"/minio/admin/v3/info", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Amz-Content-Sha256", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855") // SHA-256 of no body
	req = signer.SignV4(*req, os.Getenv("CARTABLE_S3_ACCESS_KEY"), os.Getenv("CARTABLE_S3_SECRET_KEY"), "", "us-east-1")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("admin info: %d %s", res.StatusCode, body)
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
