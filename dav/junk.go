package dav

import "strings"

// junk reports whether a path names one of the files desktop clients write
// beside every file they touch and no one else reads: macOS Finder's ".DS_Store"
// and "._name" AppleDouble files (resource forks, Finder tags), Windows
// Explorer's "Thumbs.db". A PUT of one is acknowledged and not stored, so that it
// neither takes quota nor fills class folders; reading one is 404. Finder copes
// with that (it keeps no tags or custom icons on this server).
func junk(segs []string) bool {
	if len(segs) == 0 {
		return false
	}
	name := segs[len(segs)-1]
	return name == ".DS_Store" || strings.HasPrefix(name, "._") || strings.EqualFold(name, "Thumbs.db")
}
