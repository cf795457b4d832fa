package main

import (
	"crypto/rand"
	"crypto/rsa"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"cartable/directory"
	"cartable/lock"
	"cartable/wopi"
)

// TestWOPIRefusals walks the error paths of the WOPI spec: tokens that do not
// hold, viewers, quotas, lock mismatches, proofs, and access revoked mid-session.
func TestWOPIRefusals(t *testing.T) {
	in, office := startOffice(t, false)
	prof, bernard, pupil := in.as("prof.martin"), in.as("prof.bernard"), in.as("eleve.6a.03")
	doc := prof.mustUpload(prof.home(), "Progression.odt", []byte("séquence 1"))
	other := prof.mustUpload(prof.home(), "Autre.odt", []byte("autre"))
	png := prof.mustUpload(prof.home(), "photo.png", []byte("\x89PNG\r\n\x1a\n"))

	t.Run("open", func(t *testing.T) {
		wantProblem(t, pupil.do(http.MethodPost, itemPath(doc.ID, "/office"), nil, nil), http.StatusNotFound, "not_found", "a pupil opens a teacher's file")
		wantProblem(t, prof.do(http.MethodPost, itemPath(png.ID, "/office"), nil, nil), http.StatusUnsupportedMediaType, "unsupported_media_type", "a PNG in the office editor")
		wantProblem(t, prof.do(http.MethodPost, itemPath(uuid.NewString(), "/office"), nil, nil), http.StatusNotFound, "not_found", "an unknown id")
	})

	s := prof.mustOpen(office, doc.ID)
	t.Run("tokens", func(t *testing.T) {
		forged := *s
		forged.token = s.token[:len(s.token)-2] + "AA"
		wantWOPI(t, forged.call(http.MethodGet, "", nil, nil), http.StatusUnauthorized, nil, "a tampered token")
		garbage := *s
		garbage.token = "n'importe quoi"
		wantWOPI(t, garbage.call(http.MethodGet, "", nil, nil), http.StatusUnauthorized, nil, "a garbage token")
		elsewhere := *s
		elsewhere.fileID = other.ID
		wantWOPI(t, elsewhere.call(http.MethodGet, "/contents", nil, nil), http.StatusUnauthorized, nil, "a token presented for another file")
		tokens, err := in.app.cfg.wopiTokens()
		if err != nil {
			t.Fatal(err)
		}
		expired := *s
		expired.token, _ = tokens.WithClock(func() time.Time { return time.Now().Add(-5 * time.Hour) }).Sign("prof.martin", uuid.MustParse(doc.ID), wopi.ModeEdit)
		wantWOPI(t, expired.call(http.MethodGet, "", nil, nil), http.StatusUnauthorized, nil, "an expired token")
		// The WOPI token is no Bearer token of the API.
		wantProblem(t, in.do(http.MethodGet, itemPath(doc.ID), s.token, nil, nil), http.StatusUnauthorized, "unauthorized", "a WOPI token on the API")
		wantStatus(t, in.do(http.MethodGet, "/api/v1/signed/items/"+doc.ID+"/versions/"+uuid.NewString()+"/content?sig="+s.token, "", nil, nil), http.StatusNotFound, "a WOPI token as a signed URL")
	})

	t.Run("proofs", func(t *testing.T) {
		readsBefore := office.reads.Load()
		stale := *s
		stale.sign = func(req *http.Request, token, full string) {
			signWOPI(req, office, token, full, time.Now().Add(-21*time.Minute))
		}
		wantWOPI(t, stale.call(http.MethodGet, "", nil, nil), http.StatusInternalServerError, nil, "a proof older than 20 minutes")
		stranger, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			t.Fatal(err)
		}
		forged := *s
		forged.sign = func(req *http.Request, token, full string) {
			signWOPI(req, &officeServer{key: stranger, old: stranger}, token, full, time.Now())
		}
		for range 3 {
			wantWOPI(t, forged.call(http.MethodGet, "", nil, nil), http.StatusInternalServerError, nil, "a forged proof")
		}
		if reads := office.reads.Load() - readsBefore; reads != 1 {
			t.Errorf("failed proofs read the discovery %d times, want once a minute at most", reads)
		}
		unsigned := *s
		unsigned.sign = func(*http.Request, string, string) {}
		wantWOPI(t, unsigned.call(http.MethodGet, "", nil, nil), http.StatusInternalServerError, nil, "an unsigned request")
		otherURL := *s
		otherURL.sign = func(req *http.Request, token, full string) { signWOPI(req, office, token, full+"&x=1", time.Now()) }
		wantWOPI(t, otherURL.call(http.MethodGet, "", nil, nil), http.StatusInternalServerError, nil, "a proof of another URL")
		// Keys rotating: the old proof with the current key, the proof with the old key.
		rotatedHere := *s
		rotatedHere.sign = func(req *http.Request, token, full string) {
			signWOPI(req, office, token, full, time.Now())
			req.Header.Set("X-WOPI-ProofOld", req.Header.Get("X-WOPI-Proof"))
			req.Header.Set("X-WOPI-Proof", "AAAA")
		}
		wantWOPI(t, rotatedHere.call(http.MethodGet, "", nil, nil), http.StatusOK, nil, "X-WOPI-ProofOld with the current key")
		rotatedThere := *s
		rotatedThere.sign = func(req *http.Request, token, full string) {
			signWOPI(req, office, token, full, time.Now())
			req.Header.Set("X-WOPI-Proof", req.Header.Get("X-WOPI-ProofOld"))
			req.Header.Del("X-WOPI-ProofOld")
		}
		wantWOPI(t, rotatedThere.call(http.MethodGet, "", nil, nil), http.StatusOK, nil, "X-WOPI-Proof with the old key")
	})

	t.Run("locks and writes", func(t *testing.T) {
		wantWOPI(t, s.lock(""), http.StatusBadRequest, nil, "Lock without an id")
		wantWOPI(t, s.lock(strings.Repeat("x", 1025)), http.StatusBadRequest, nil, "Lock with an id too long")
		wantWOPI(t, s.lock("A"), http.StatusOK, nil, "Lock")
		wantWOPI(t, s.putFile("B", []byte("autre")), http.StatusConflict, ptr("A"), "PutFile under another lock")
		wantWOPI(t, s.putFile("", []byte("autre")), http.StatusConflict, ptr("A"), "PutFile without the lock")
		wantWOPI(t, s.op("REFRESH_LOCK", map[string]string{"X-WOPI-Lock": "B"}), http.StatusConflict, ptr("A"), "RefreshLock with another lock")
		wantWOPI(t, s.op("DELETE", nil), http.StatusNotImplemented, nil, "an operation Cartable does not offer")
		wantWOPI(t, s.call(http.MethodGet, "/contents", map[string]string{"X-WOPI-MaxExpectedSize": "3"}, nil), http.StatusPreconditionFailed, nil, "GetFile larger than expected")
		// Quota full: the save is refused, the lock stays.
		svc := in.as("service.provisioning")
		setLimit(t, svc, "users/prof.martin", 200)
		wantWOPI(t, s.putFile("A", make([]byte, 4096)), http.StatusRequestEntityTooLarge, nil, "PutFile over quota")
		setLimit(t, svc, "users/prof.martin", 1<<30)
		wantWOPI(t, s.putFile("A", []byte("séquence 2")), http.StatusOK, nil, "PutFile once there is room")
		wantWOPI(t, s.op("UNLOCK", map[string]string{"X-WOPI-Lock": "A"}), http.StatusOK, nil, "Unlock")
		wantWOPI(t, s.op("UNLOCK", map[string]string{"X-WOPI-Lock": "A"}), http.StatusConflict, ptr(""), "Unlock of an unlocked file")

		// A WebDAV client's lock shows as a mismatch with an empty X-WOPI-Lock.
		who, err := directory.LoadCaller(t.Context(), in.app.pool, "prof.martin")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := in.app.workspace.Lock(t.Context(), who, uuid.MustParse(doc.ID), lock.Request{Token: "opaquelocktoken:1", Protocol: lock.DAV, App: "LibreOffice", TTL: time.Hour}); err != nil {
			t.Fatal(err)
		}
		wantWOPI(t, s.lock("A"), http.StatusConflict, ptr(""), "Lock over a WebDAV lock")
		wantWOPI(t, s.op("GET_LOCK", nil), http.StatusOK, ptr(""), "GetLock of a WebDAV lock")
		wantWOPI(t, s.putFile("A", []byte("x")), http.StatusConflict, ptr(""), "PutFile over a WebDAV lock")
	})

	t.Run("viewers and revocation", func(t *testing.T) {
		shared := prof.mustUpload(prof.home(), "Partagé.odt", []byte("à lire"))
		r := prof.shareWith(shared.ID, map[string]any{"kind": "user", "id": "prof.bernard"}, "viewer", nil)
		wantStatus(t, r, http.StatusCreated, "share as viewer")
		grant := r.item(t).ID
		viewer := bernard.mustOpen(office, shared.ID)
		if viewer.editor.Mode != "view" || viewer.editor.Action != "view" {
			t.Fatalf("a viewer opens in %s mode with %s", viewer.editor.Mode, viewer.editor.Action)
		}
		info := viewer.checkFileInfo()
		if info["UserCanWrite"] != false || info["ReadOnly"] != true || info["UserCanRename"] != false || info["UserCanNotWriteRelative"] != true {
			t.Errorf("a viewer's CheckFileInfo: %v", info)
		}
		wantWOPI(t, viewer.getFile(), http.StatusOK, nil, "a viewer's GetFile")
		wantWOPI(t, viewer.putFile("", []byte("x")), http.StatusUnauthorized, nil, "a viewer's PutFile")
		wantWOPI(t, viewer.lock("V"), http.StatusUnauthorized, nil, "a viewer's Lock")
		wantWOPI(t, viewer.op("RENAME_FILE", map[string]string{"X-WOPI-RequestedName": "x"}), http.StatusUnauthorized, nil, "a viewer's RenameFile")
		wantWOPI(t, viewer.op("PUT_RELATIVE", map[string]string{"X-WOPI-SuggestedTarget": ".odt"}), http.StatusUnauthorized, nil, "a viewer's PutRelativeFile")
		// Unsharing stops the very next call, whatever the token's expiry.
		wantStatus(t, prof.do(http.MethodDelete, itemPath(shared.ID, "/permissions/", grant), nil, nil), http.StatusNoContent, "unshare")
		wantWOPI(t, viewer.call(http.MethodGet, "", nil, nil), http.StatusNotFound, nil, "CheckFileInfo after unshare")
		wantWOPI(t, viewer.getFile(), http.StatusNotFound, nil, "GetFile after unshare")

		// A pupil leaving the class loses the class's document at their next call.
		_, lea, _, classDoc := classDocument(t, in, []byte("notes"))
		leaS := lea.mustOpen(office, classDoc.ID)
		wantWOPI(t, leaS.lock("C"), http.StatusOK, nil, "Léa locks the class document")
		if _, err := in.app.pool.Exec(t.Context(), `DELETE FROM group_members WHERE user_id = 'eleve.6a.01' AND group_id = '0600001A-6A'`); err != nil {
			t.Fatal(err)
		}
		wantWOPI(t, leaS.putFile("C", []byte("après")), http.StatusNotFound, nil, "PutFile after leaving the class")
		wantWOPI(t, leaS.call(http.MethodGet, "", nil, nil), http.StatusNotFound, nil, "CheckFileInfo after leaving the class")

		// A deprovisioned user's token is no longer valid at all.
		zoe := in.as("eleve.6a.04")
		zoeS := zoe.mustOpen(office, classDoc.ID)
		wantWOPI(t, zoeS.call(http.MethodGet, "", nil, nil), http.StatusOK, nil, "CheckFileInfo before deprovisioning")
		wantStatus(t, in.as("service.provisioning").do(http.MethodDelete, "/api/v1/admin/users/eleve.6a.04", nil, nil), http.StatusNoContent, "deprovision")
		wantWOPI(t, zoeS.call(http.MethodGet, "", nil, nil), http.StatusUnauthorized, nil, "CheckFileInfo after deprovisioning")
	})
}

// TestWOPIOff: without an office server, the open routes say so, and /wopi answers
// nothing.
func TestWOPIOff(t *testing.T) {
	in := start(t)
	prof := in.as("prof.martin")
	doc := prof.mustUpload(prof.home(), "Exposé.odt", []byte("x"))
	r := prof.do(http.MethodPost, itemPath(doc.ID, "/office"), nil, nil)
	wantProblem(t, r, http.StatusNotFound, "not_found", "open without an office server")
	if !strings.Contains(string(r.body), `"feature":"office"`) {
		t.Errorf("the problem does not say office editing is off: %s", r.body)
	}
	res, err := in.http.Get(in.url + "/wopi/files/" + doc.ID + "?access_token=x")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusNotFound {
		t.Errorf("/wopi without an office server: %d", res.StatusCode)
	}
}
