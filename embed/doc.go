// Package embed publishes one version of one file — an image, a video, a sound —
// in a blog post or a wiki page that readers without an account read: a teacher
// puts the class trip's photos and film in the class blog without sharing the
// folder or making a link per file.
//
// An embed is a capability URL, /embed/{token}, that a page uses in <img src>,
// <video src> or <audio src>. It is bound to the version that was current when it
// was made: a new version of the file changes nothing the blog shows. It serves
// the bytes with Range requests (a video seeks), its version's thumbnails, and
// nothing else: no listing, no name, no other version.
//
// # Who publishes
//
// Teachers and staff who may change the file (contributor or more on it) make
// embeds; pupils and parents never do, since an embed publishes to whoever has the
// URL. Whoever may make embeds of a file lists them, and so do its managers; an
// embed is revoked by them or by whoever made it.
//
// # Implementation
//
// The token is 32 random bytes (base64url); only its SHA-256 is stored, so the URL
// is given once, when the embed is made. A request for the URL finds the embed by
// the token's hash, then loads its creator and asks the workspace's one access
// decision whether the creator may still read the file, as if they downloaded it
// (without recording it in their recent files): an embed lives while its creator
// may read the file. It ends at once when it is revoked, when the file is in the
// trash (and comes back if the file is restored), when the file or the version is
// purged (the rows cascade), or when its creator loses access to the file or leaves
// the directory.
//
// # Considerations
//
// The answers may be cached publicly for CacheMaxAge: a version's bytes never
// change, but a revocation must reach the readers, so caches revalidate (with the
// ETag) after that delay. Only types a browser shows as media are embeddable
// (Embeddable): no SVG, HTML or PDF, whose readers run scripts or forms.
package embed
