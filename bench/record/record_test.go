package record

import (
	"os"
	"path/filepath"
	"testing"
)

func TestSection(t *testing.T) {
	tests := []struct {
		name, before, want string
	}{
		{"a new file", "", "# Benchmarks\n\n<!-- b:start -->\n## B\nnew\n<!-- b:end -->\n"},
		{"a new section after the others",
			"# Benchmarks\n\n<!-- a:start -->\nA\n<!-- a:end -->\n",
			"# Benchmarks\n\n<!-- a:start -->\nA\n<!-- a:end -->\n\n<!-- b:start -->\n## B\nnew\n<!-- b:end -->\n"},
		{"a section replaced in place, the others kept",
			"# Benchmarks\n\n<!-- b:start -->\nold\n<!-- b:end -->\n\n<!-- c:start -->\nC\n<!-- c:end -->\n",
			"# Benchmarks\n\n<!-- b:start -->\n## B\nnew\n<!-- b:end -->\n\n<!-- c:start -->\nC\n<!-- c:end -->\n"},
		{"a section at the very end, without a last newline",
			"# Benchmarks\n\n<!-- b:start -->\nold\n<!-- b:end -->",
			"# Benchmarks\n\n<!-- b:start -->\n## B\nnew\n<!-- b:end -->\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			md := filepath.Join(t.TempDir(), "BENCHMARKS.md")
			if tt.before != "" {
				if err := os.WriteFile(md, []byte(tt.before), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if err := Section(md, "b", "## B\nnew\n"); err != nil {
				t.Fatal(err)
			}
			got, _ := os.ReadFile(md)
			if string(got) != tt.want {
				t.Errorf("got\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}
