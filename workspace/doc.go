// Package workspace owns the document tree: spaces, their folders and files, file
// versions, the trash, and the blobs in object storage behind the versions.
//
// # Implementation
//
// Every use case takes the caller, loads the items it touches together with their
// space, and asks sharing.Decide for the caller's role before doing anything: an item
// the caller may not see is ErrNotFound, never "forbidden". Writes run in one
// transaction opened with db.Transact; a write that changes the children of a folder
// first locks that folder's row, so that two writers cannot both pick the same name.
//
// File bytes live in object storage under keys that are never reused. A blob row is
// committed before its object is written, marked pending; committing the version
// clears the mark. A blob no version references (a failed upload, a purged file) is
// deleted by the collector, object first and row after, so a crash at any point
// leaves at worst an object the next collection removes, never a version without
// its bytes.
package workspace
