// Package assignment hands out work to a class and collects it: a teacher creates
// an assignment in a class or group space they manage (title, instructions,
// audience, due and close dates), attaches materials (read in place) and templates
// (copied per pupil), and publishes it; each pupil works in their own copies and
// hands in a snapshot; the teacher follows the class on a dashboard, returns the
// hand-ins with feedback and points (or for revision), and excuses pupils.
//
// # Where a pupil's copies live
//
// In the class space, in one folder per pupil and assignment that hangs below no
// folder of the space (items.parent_id is NULL, like a root) and is kept for that
// pupil (items.private_to). Two facts decided it:
//
//   - quota counts a blob once per space (space_blobs): a copy in the class space of
//     a template that lies in the class space charges nothing, however many pupils
//     get it, and stores no byte; a copy in the pupil's personal space would charge
//     the template's size to every pupil's cap at once;
//   - the members of a class space see all of it, and grants only add: so
//     sharing.Decide gives the space's members no role on a private tree but the
//     pupil's (its managers, the class's teachers, keep theirs), and no listing
//     reaches the folder since no folder holds it.
//
// The pupil reaches the folder and the copies by their ids (the assignment gives
// them) and works in them through the ordinary item, content and tus routes.
// Nothing moves into or out of the folder (private_boundary): a file moved out
// would miss the hand-in and show the pupil's work to the class.
//
// # What is charged where
//
// The pupil's new versions are bytes of the class space: they count against the
// class space's cap and the establishment's pool, not the pupil's personal cap
// (the README says why). A template that lies outside the class space is charged
// to it once, at publication, never once per pupil.
//
// # Hand-in
//
// A hand-in pins the current version of every live file in the pupil's folder
// (handin_files): later versions change nothing the teacher received. Whether a
// hand-in or a take-back comes in time is decided by the database clock, in the
// statement that records it. At most one hand-in of a pupil is live (a unique
// index); taking it back keeps it in the history.
//
// # Collect
//
// A teacher downloads the hand-ins as one zip in two steps, like any zip: Collect
// decides which live hand-ins it holds and records them (assignment_collections)
// for a signed URL; the URL's GET (CollectZip) serves those and no other, after
// deciding the teacher's access again. Each pupil's folder, "Nom Prénom", holds
// the versions the hand-in pinned (handin_files), never the files' current ones,
// and the zip streams them from the object store through bundle.Write.
// While the assignment exists, the pinned versions stay: the workspace reads the
// pinned_versions view (migration 00018) and purges nothing that holds one (the
// teacher's purge is refused with pinned_by_hand_in, the trash's retention job
// skips it), and a trigger on versions refuses any other path that would delete
// one. Deleting the assignment releases them.
//
// # Corrected files
//
// A return naming one pupil may carry files the teacher may read (an annotated
// copy, wherever it lies). The pupil gets a copy of each in a second private
// folder of theirs, "Corrigé - <title> - <pupil>", made at the first such return
// (assignment_work.corrected_folder_id). It is in ReadOnly mode and the teacher
// creates its files, so the pupil reads, downloads and previews them through the
// ordinary item routes and changes, moves or trashes nothing; the private_to rule
// keeps every other pupil out. Copies rather than versions served through the
// assignment: the item and content routes, previews and the web app's viewer work
// as for any file, with no new access path. A copy shares its blob: no byte is
// stored, the teacher purging their original takes nothing away, and the class
// space is charged the blob once, as for any copy into it (nothing when the file
// lies in the class space already).
//
// # Deleting an assignment
//
// Delete marks the assignment deleted (its pupils get 404, lists leave it out)
// and moves every pupil's private folders, work and corrected files, to the class
// space's trash, as trash roots trashed by the teacher. Restore brings the
// assignment and those folders back, with the hand-ins and pinned versions, until
// the trash's retention purges them. A private folder is never restored alone
// through the item routes (a restore would put it at the class root, open to the
// class), and nothing moves across a private folder's boundary (see the workspace's
// private.go).
package assignment
