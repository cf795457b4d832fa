//go:build race

package previewtest

// raceEnabled: the race detector slows compressing a full-size bomb a hundredfold,
// so those checks run in the suite's run without it (make test).
const raceEnabled = true
