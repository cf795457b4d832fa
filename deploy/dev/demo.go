// Package dev holds the demo data of the dev stack: one collège with two classes,
// their teachers, pupils and parents, and a local admin (demo.json). The scripts
// beside it start the dev and test stack.
package dev

import _ "embed"

// Demo is the demo directory, in the import format of `cartable import`.
//
//go:embed demo.json
var Demo []byte

// DemoStructure is the demo collège's id.
const DemoStructure = "0600001A"

// DemoFolderTemplate is the demo collège's folder template: the folders its class
// spaces start with (`cartable dev` sets it when the collège has none yet).
var DemoFolderTemplate = []string{"Cours", "Devoirs", "Photos de classe", "Cours/Chapitre 1"}
