// Package dav owns Cartable's WebDAV server (RFC 4918, class 1 and 2), mounted at
// /dav/: the caller's spaces shown as folders ("Mes documents", each class or group
// space, the staff space, and "Partagés avec moi" for what others shared with
// them), and below them their folders and files by name.
//
// It is a door, not a store: every method maps to one workspace use case (Children,
// Content, UploadFile, NewVersion, CreateFolder, Update, Copy, Trash, Lock...) with
// the caller the API authenticated, so that the access decision, the quotas, the
// versions and the locks are the workspace's own. An item the caller may not see is
// 404, whatever the path; DELETE puts in the trash, never purges; a PUT over a file
// is its next version.
//
// # Implementation
//
// A URL is resolved in two steps: its first segment names one of the caller's
// spaces (or the shared folder and then a shared item), the rest is walked by name
// in one query (workspace.Walk). Names are unique per folder ignoring case, so a
// path names at most one item; two spaces or shared items bearing the same name
// are told apart by " (2)", as the API would number a copy.
//
// PROPFIND streams its multistatus a page of workspace.Children at a time, so a
// 10,000-item folder is never held whole. Locks are the workspace's (package lock,
// protocol DAV, owned by their taker); the tokens a request submits in its If
// header are passed to the write through WriteOptions.Lock.
//
// # Considerations
//
// Dead properties (PROPPATCH) are kept by the workspace (item_properties): they
// follow their item when it moves and are copied with it. The DAV: properties are
// the server's own (403). Only exclusive write locks are served: the workspace
// keeps one lock per item, so a shared LOCK is 501. macOS Finder's ".DS_Store" and
// "._*" AppleDouble files, and Windows' "Thumbs.db", are acknowledged and not
// stored (see junk.go). A PROPFIND of Depth infinity is refused (403
// propfind-finite-depth); a full quota is 507 Insufficient Storage.
package dav
