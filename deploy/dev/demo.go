// Package dev holds the demo data of the dev stack: one collège with two classes,
// their teachers, pupils and parents, and a local admin (demo.json). The scripts
// beside it start the dev and test stack.
package dev

import _ "embed"

// Demo is the demo directory, in the import format of `cartable import`.
//
//go:embed demo.json
var Demo []byte
