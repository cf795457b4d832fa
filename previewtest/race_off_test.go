//go:build !race

package previewtest

const raceEnabled = false
