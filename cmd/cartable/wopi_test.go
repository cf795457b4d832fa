package main

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"cartable/wopi"
)

// startOffice runs Cartable with an office server configured.
func startOffice(t *testing.T, onlyOffice bool) (*instance, *officeServer) {
	t.Helper()
	o := newOfficeServer(t, onlyOffice)
	in := startWith(t, func(cfg *Config) { cfg.WOPIDiscoveryURL = o.discoveryURL() })
	return in, o
}

// classDocument makes a collaborative folder in 6A's space and a document in it
// written by a pupil, which the class edits together.
func classDocument(t *testing.T, in *instance, data []byte) (prof, lea, hugo *user, doc apiItem) {
	t.Helper()
	prof, lea, hugo = in.as("prof.martin"), in.as("eleve.6a.01"), in.as("eleve.6a.02")
	class := prof.space("group", "6A")
	folder := prof.mkdir(class, "Exposés")
	wantStatus(t, prof.setMode(folder.ID, "collaborative"), http.StatusOK, "collaborative folder")
	doc = lea.mustUpload(folder.ID, "Exposé.odt", data)
	return prof, lea, hugo, doc
}

// versionsOf lists a file's versions, newest first.
func (u *user) versionsOf(id string) []struct {
	ID        string `json:"id"`
	Size      int64  `json:"size"`
	CreatedBy string `json:"created_by"`
} {
	u.t.Helper()
	var out struct {
		Items []struct {
			ID        string `json:"id"`
			Size      int64  `json:"size"`
			CreatedBy string `json:"created_by"`
		} `json:"items"`
	}
	r := u.get(itemPath(id, "/versions") + "?limit=200")
	wantStatus(u.t, r, http.StatusOK, "versions")
	r.json(u.t, &out)
	return out.Items
}

// TestWOPIEditingSession replays what Collabora does when a class writes one
// document together: open, CheckFileInfo, Lock, GetFile, RefreshLock, PutFile, a
// co-editor joining with their own token and saving under the same lock, save as,
// rename, unlock, and a lock left to expire.
func TestWOPIEditingSession(t *testing.T) {
	in, office := startOffice(t, false)
	prof, lea, hugo, doc := classDocument(t, in, []byte("premier jet"))

	e, r := lea.openInOffice(doc.ID)
	wantStatus(t, r, http.StatusOK, "Léa opens the document")
	wopiSrc := in.url + "/wopi/files/" + doc.ID
	if e.Mode != "edit" || e.Action != "edit" || e.App != "writer" || e.ItemID != doc.ID {
		t.Fatalf("open answered %+v", e)
	}
	if !strings.HasPrefix(e.ActionURL, office.srv.URL+"/browser/cool.html?WOPISrc="+url.QueryEscape(wopiSrc)) || !strings.HasSuffix(e.ActionURL, "&lang=fr") {
		t.Errorf("action URL %s", e.ActionURL)
	}
	if e.TTL < 1e12 {
		t.Errorf("access_token_ttl %d is not milliseconds since the epoch", e.TTL)
	}
	leaS := &wopiSession{t: t, in: in, office: office, fileID: doc.ID, token: e.AccessToken, editor: e}

	info := leaS.checkFileInfo()
	for k, want := range map[string]any{"BaseFileName": "Exposé.odt", "Size": float64(len("premier jet")), "UserId": "eleve.6a.01",
		"OwnerId": "eleve.6a.01", "UserCanWrite": true, "ReadOnly": false, "SupportsLocks": true, "SupportsGetLock": true,
		"SupportsUpdate": true, "SupportsRename": true, "UserCanRename": true, "UserCanNotWriteRelative": false,
		"BreadcrumbFolderName": "Exposés"} {
		if info[k] != want {
			t.Errorf("CheckFileInfo %s = %v, want %v (%v)", k, info[k], want, info)
		}
	}
	if info["UserFriendlyName"] == "" || info["Version"] == "" || info["LastModifiedTime"] == "" {
		t.Errorf("CheckFileInfo lacks a name, version or time: %v", info)
	}

	const lockID = `{"S":"collabora-session-1"}`
	wantWOPI(t, leaS.lock(lockID), http.StatusOK, nil, "Lock")
	got := leaS.getFile()
	wantWOPI(t, got, http.StatusOK, nil, "GetFile")
	if string(got.body) != "premier jet" || got.Header.Get("X-WOPI-ItemVersion") != info["Version"] {
		t.Fatalf("GetFile gave %q, version %q", got.body, got.Header.Get("X-WOPI-ItemVersion"))
	}
	wantWOPI(t, leaS.op("REFRESH_LOCK", map[string]string{"X-WOPI-Lock": lockID}), http.StatusOK, nil, "RefreshLock")
	put := leaS.putFile(lockID, []byte("version de Léa"))
	wantWOPI(t, put, http.StatusOK, nil, "PutFile")
	if v := put.Header.Get("X-WOPI-ItemVersion"); v == "" || v == info["Version"] {
		t.Errorf("PutFile's X-WOPI-ItemVersion %q, want the new version", v)
	}
	var saved struct{ LastModifiedTime string }
	put.json(t, &saved)
	if saved.LastModifiedTime == "" || saved.LastModifiedTime == info["LastModifiedTime"] {
		t.Errorf("PutFile's LastModifiedTime %q", saved.LastModifiedTime)
	}

	// Hugo joins: his own token, the same lock, which the office server presents.
	hugoS := hugo.mustOpen(office, doc.ID)
	if hugoS.editor.Mode != "edit" {
		t.Fatalf("Hugo opens in %s mode in a collaborative folder", hugoS.editor.Mode)
	}
	if id := hugoS.checkFileInfo()["UserId"]; id != "eleve.6a.02" {
		t.Errorf("Hugo's UserId %v: co-editors are not told apart", id)
	}
	wantWOPI(t, hugoS.lock(lockID), http.StatusOK, nil, "a co-editor's Lock with the same id")
	wantWOPI(t, hugoS.op("GET_LOCK", nil), http.StatusOK, ptr(lockID), "GetLock")
	wantWOPI(t, hugoS.putFile(lockID, []byte("version de Hugo")), http.StatusOK, nil, "Hugo's PutFile under the shared lock")
	versions := lea.versionsOf(doc.ID)
	if len(versions) != 3 || versions[0].CreatedBy != "eleve.6a.02" || versions[1].CreatedBy != "eleve.6a.01" {
		t.Fatalf("versions after two saves: %+v", versions)
	}
	// Meanwhile the API refuses a pupil's upload, in French.
	wantProblem(t, lea.overwrite(doc.ID, "écrasé"), http.StatusLocked, "locked", "upload over the editing session")

	// Save as: a suggested name is made free; an exact name taken is a conflict.
	saveAs := hugoS.call(http.MethodPost, "", map[string]string{"X-WOPI-Override": "PUT_RELATIVE", "X-WOPI-SuggestedTarget": wopi.EncodeUTF7("Exposé.odt")}, []byte("copie"))
	wantWOPI(t, saveAs, http.StatusOK, nil, "PutRelativeFile, suggested name taken")
	var created struct{ Name, Url string }
	saveAs.json(t, &created)
	if created.Name != "Exposé (2).odt" || !strings.HasPrefix(created.Url, in.url+"/wopi/files/") || !strings.Contains(created.Url, "?access_token=") {
		t.Fatalf("PutRelativeFile answered %+v", created)
	}
	copyURL, _ := url.Parse(created.Url)
	copyS := &wopiSession{t: t, in: in, office: office, fileID: strings.TrimPrefix(copyURL.Path, "/wopi/files/"), token: copyURL.Query().Get("access_token")}
	if got := copyS.getFile(); string(got.body) != "copie" {
		t.Errorf("the new file's token reads %q", got.body)
	}
	conflict := hugoS.call(http.MethodPost, "", map[string]string{"X-WOPI-Override": "PUT_RELATIVE", "X-WOPI-RelativeTarget": wopi.EncodeUTF7("Exposé.odt")}, []byte("x"))
	wantWOPI(t, conflict, http.StatusConflict, nil, "PutRelativeFile, exact name taken")
	if valid, _ := wopi.DecodeUTF7(conflict.Header.Get("X-WOPI-ValidRelativeTarget")); valid != "Exposé (3).odt" {
		t.Errorf("X-WOPI-ValidRelativeTarget %q", conflict.Header.Get("X-WOPI-ValidRelativeTarget"))
	}
	overLocked := hugoS.call(http.MethodPost, "", map[string]string{"X-WOPI-Override": "PUT_RELATIVE", "X-WOPI-RelativeTarget": wopi.EncodeUTF7("Exposé.odt"), "X-WOPI-OverwriteRelativeTarget": "true"}, []byte("x"))
	wantWOPI(t, overLocked, http.StatusConflict, ptr(lockID), "PutRelativeFile overwriting the locked file")
	both := hugoS.call(http.MethodPost, "", map[string]string{"X-WOPI-Override": "PUT_RELATIVE", "X-WOPI-RelativeTarget": "a.odt", "X-WOPI-SuggestedTarget": ".odt"}, []byte("x"))
	wantWOPI(t, both, http.StatusNotImplemented, nil, "PutRelativeFile with both targets")

	// Rename: the name without its extension, under the lock.
	wantWOPI(t, hugoS.op("RENAME_FILE", map[string]string{"X-WOPI-Lock": "autre", "X-WOPI-RequestedName": "Volcans"}), http.StatusConflict, ptr(lockID), "RenameFile under another lock")
	renamed := hugoS.op("RENAME_FILE", map[string]string{"X-WOPI-Lock": lockID, "X-WOPI-RequestedName": wopi.EncodeUTF7("Les volcans d'Auvergne — exposé")})
	wantWOPI(t, renamed, http.StatusOK, nil, "RenameFile")
	var name struct{ Name string }
	renamed.json(t, &name)
	if name.Name != "Les volcans d'Auvergne — exposé" || prof.get(itemPath(doc.ID)).item(t).Name != "Les volcans d'Auvergne — exposé.odt" {
		t.Errorf("renamed to %q", name.Name)
	}
	bad := hugoS.op("RENAME_FILE", map[string]string{"X-WOPI-Lock": lockID, "X-WOPI-RequestedName": "a/b"})
	wantWOPI(t, bad, http.StatusBadRequest, nil, "RenameFile with a slash")
	if bad.Header.Get("X-WOPI-InvalidFileNameError") == "" {
		t.Error("no X-WOPI-InvalidFileNameError")
	}

	// Unlock, then the 0-byte rule: an unlocked file with bytes takes no PutFile.
	wantWOPI(t, leaS.op("UNLOCK", map[string]string{"X-WOPI-Lock": "autre"}), http.StatusConflict, ptr(lockID), "Unlock with another lock")
	wantWOPI(t, leaS.op("UNLOCK", map[string]string{"X-WOPI-Lock": lockID}), http.StatusOK, nil, "Unlock")
	wantWOPI(t, leaS.op("GET_LOCK", nil), http.StatusOK, ptr(""), "GetLock of an unlocked file")
	wantWOPI(t, leaS.putFile(lockID, []byte("perdu")), http.StatusConflict, ptr(""), "PutFile on an unlocked file")
	wantWOPI(t, leaS.op("REFRESH_LOCK", map[string]string{"X-WOPI-Lock": lockID}), http.StatusConflict, ptr(""), "RefreshLock of an unlocked file")
	wantStatus(t, lea.overwrite(doc.ID, "après la session"), http.StatusOK, "the API's upload once the session is over")

	// UnlockAndRelock, then a lock left to expire: 30 minutes are set in the past.
	wantWOPI(t, leaS.lock("L1"), http.StatusOK, nil, "Lock L1")
	wantWOPI(t, leaS.op("LOCK", map[string]string{"X-WOPI-Lock": "L2", "X-WOPI-OldLock": "L0"}), http.StatusConflict, ptr("L1"), "UnlockAndRelock from a wrong lock")
	wantWOPI(t, leaS.op("LOCK", map[string]string{"X-WOPI-Lock": "L2", "X-WOPI-OldLock": "L1"}), http.StatusOK, nil, "UnlockAndRelock")
	wantWOPI(t, hugoS.lock("L3"), http.StatusConflict, ptr("L2"), "Lock over another lock")
	if _, err := in.app.pool.Exec(t.Context(), `UPDATE item_locks SET expires_at = now() - interval '1 second' WHERE item_id = $1`, doc.ID); err != nil {
		t.Fatal(err)
	}
	wantWOPI(t, leaS.op("GET_LOCK", nil), http.StatusOK, ptr(""), "GetLock of an expired lock")
	wantWOPI(t, leaS.putFile("L2", []byte("trop tard")), http.StatusConflict, ptr(""), "PutFile under an expired lock")
	wantWOPI(t, hugoS.lock("L3"), http.StatusOK, nil, "Lock after expiry")
	if n := in.count(t, fmt.Sprintf(`SELECT count(*) FROM item_locks WHERE item_id = '%s' AND expires_at > now() + interval '29 minutes'`, doc.ID)); n != 1 {
		t.Errorf("the new lock does not live 30 minutes")
	}
}
