// Package wopi is Cartable's WOPI host: what lets the ENT's office editor
// (Collabora Online, OnlyOffice) open, lock and save the files of the workspace, so
// that a class writes one document together.
//
// It owns:
//
//   - the office server's discovery (which actions — view, edit, editnew — it offers
//     for each extension, at which URL, and its proof keys), read at start and
//     refreshed (discovery.go, discoverer.go);
//   - the access tokens it hands the office server: HMAC-signed, bound to one user,
//     one file and a mode (edit or view), expiring, and good for the /wopi routes
//     only (token.go);
//   - the proof-key check of every call the office server makes (proof.go);
//   - the WOPI operations themselves (CheckFileInfo, GetFile, PutFile, the lock
//     operations, PutRelativeFile, RenameFile) as use cases over the workspace:
//     every one reloads the token's user from the directory and goes through the
//     workspace's access decision, quotas, versions and locks, never around them.
//
// # Configuration
//
// The discovery URL (CARTABLE_WOPI_DISCOVERY_URL) turns the feature on; the host URL
// (CARTABLE_WOPI_URL) is how the office server reaches Cartable, and the start of
// every WOPISrc; the token TTL (CARTABLE_WOPI_TOKEN_TTL) bounds an editing session.
// The token key derives from CARTABLE_SIGNING_SECRET, apart from the signed URLs'.
//
// # Implementation
//
// Locks are the lock package's WOPI locks: shared by every co-editor who presents
// the token, 30 minutes unless refreshed, honoured by every other door (the API's
// uploads get 423). A lock another protocol (WebDAV) holds shows to the office
// server as a lock mismatch with an empty X-WOPI-Lock.
//
// # Considerations
//
// A token is a capability for one file, not a grant: revoking a share, or a pupil
// leaving the class, stops the very next call, whatever the token's expiry.
package wopi
