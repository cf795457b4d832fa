package embed

import (
	"strings"
	"testing"

	"cartable/sharing"
)

func TestEmbeddable(t *testing.T) {
	for mimeType, want := range map[string]bool{
		"image/jpeg": true, "image/png": true, "image/webp": true, "image/gif": true, "image/avif": true,
		"video/mp4": true, "video/webm": true, "audio/mpeg": true, "audio/ogg; codecs=opus": true,
		"image/svg+xml": false, "text/html": false, "application/pdf": false, "text/plain": false,
		"image/heic": false, "": false, "video": false,
	} {
		if got := Embeddable(mimeType); got != want {
			t.Errorf("Embeddable(%q) = %v, want %v", mimeType, got, want)
		}
	}
}

func TestTokens(t *testing.T) {
	token, hash := sharing.NewToken()
	if !wellFormed(token) || len(token) != 43 || string(hash) != string(sharing.TokenHash(token)) {
		t.Fatalf("token %q", token)
	}
	if other, _ := sharing.NewToken(); other == token {
		t.Fatal("two tokens alike")
	}
	for _, bad := range []string{"", "nope", token + "A", strings.Repeat("*", 43), token[:42] + "="} {
		if wellFormed(bad) {
			t.Errorf("%q taken for a token", bad)
		}
	}
}
