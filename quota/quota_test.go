package quota

import (
	"errors"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"cartable"
)

func TestWarningLevels(t *testing.T) {
	limit := int64(1000)
	zero := int64(0)
	tests := []struct {
		used, reserved int64
		limit          *int64
		want           int
	}{
		{0, 0, &limit, 0},
		{799, 0, &limit, 0},
		{700, 100, &limit, 80},
		{900, 0, &limit, 90},
		{999, 0, &limit, 90},
		{1000, 0, &limit, 100},
		{1500, 0, &limit, 100}, // a limit lowered below usage
		{5, 0, nil, 0},
		{0, 0, &zero, 0},
		{1, 0, &zero, 100},
	}
	for _, tt := range tests {
		u := Usage{Used: tt.used, Reserved: tt.reserved, Limit: tt.limit}
		if got := u.Warning(); got != tt.want {
			t.Errorf("Warning(%d+%d of %v) = %d, want %d", tt.used, tt.reserved, tt.limit, got, tt.want)
		}
	}
	if (Usage{Used: 1500, Limit: &limit}).Available() != 0 || (Usage{Used: 5}).Available() != -1 {
		t.Error("Available is wrong for an over-full or unlimited account")
	}
}

func TestHumanBytes(t *testing.T) {
	tests := []struct {
		n    int64
		lang string
		want string
	}{
		{0, "fr", "0 o"},
		{512, "fr", "512 o"},
		{5 << 20, "fr", "5,0 Mo"},
		{5 << 20, "en", "5.0 MB"},
		{1536 << 10, "fr", "1,5 Mo"},
		{500 << 20, "fr", "500 Mo"},
		{3 << 40, "en", "3.0 TB"},
	}
	for _, tt := range tests {
		if got := HumanBytes(tt.n, tt.lang); got != tt.want {
			t.Errorf("HumanBytes(%d, %s) = %q, want %q", tt.n, tt.lang, got, tt.want)
		}
	}
}

func TestTranslate(t *testing.T) {
	pgErr := &pgconn.PgError{Code: exceededCode, Detail: `{"account":"space:x","kind":"personal","limit":1000,"needed":600,"available":400}`}
	err := Translate(errors.Join(errors.New("context"), pgErr))
	var de *cartable.Error
	if !errors.As(err, &de) || de.Code != cartable.EQuotaExceeded {
		t.Fatalf("Translate = %v", err)
	}
	if de.Fields["limit"] != LevelUser || de.Fields["needed_bytes"] != int64(600) || de.Fields["available_bytes"] != int64(400) {
		t.Errorf("fields = %v", de.Fields)
	}
	if de.MessageFR == "" || de.MessageEN == "" {
		t.Error("no message for people")
	}
	other := errors.New("boom")
	if Translate(other) != other {
		t.Error("Translate changed an unrelated error")
	}
}

// TestExceededMessages: a file bigger than the whole limit is told so, with both
// figures, not that the space is full; the code stays quota_exceeded.
func TestExceededMessages(t *testing.T) {
	tests := []struct {
		name                     string
		level                    string
		limit, needed, available int64
		wantFR, wantEN           []string
		tooBig                   bool
	}{
		{"personal space full", LevelUser, 500 << 20, 10 << 20, 2 << 20,
			[]string{"Votre espace personnel est plein", "10,0 Mo", "2,0 Mo"}, []string{"personal space is full", "10.0 MB", "2.0 MB"}, false},
		{"file bigger than an empty personal space", LevelUser, 500 << 20, 600 << 20, 500 << 20,
			[]string{"trop volumineux pour votre espace personnel", "600 Mo", "500 Mo", "Même en faisant de la place"},
			[]string{"too big for your personal space", "600 MB", "500 MB", "Making room will not help"}, true},
		{"file bigger than a half-used group space", LevelGroup, 1 << 30, 2 << 30, 100 << 20,
			[]string{"trop volumineux pour l'espace de ce groupe", "2,0 Go", "1,0 Go"}, []string{"too big for this group's space", "2.0 GB", "1.0 GB"}, true},
		{"file bigger than the pool", LevelStructure, 1 << 30, 3 << 30, 0,
			[]string{"trop volumineux pour l'espace de stockage de l'établissement", "3,0 Go", "1,0 Go"}, []string{"too big for your school's storage"}, true},
		{"file exactly the size of an empty space fits the message of a full one", LevelUser, 1000, 1000, 999,
			[]string{"est plein"}, []string{"is full"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var de *cartable.Error
			if !errors.As(Exceeded(tt.level, tt.limit, tt.needed, tt.available), &de) || de.Code != cartable.EQuotaExceeded {
				t.Fatalf("Exceeded is not a quota_exceeded error")
			}
			for _, want := range tt.wantFR {
				if !strings.Contains(de.MessageFR, want) {
					t.Errorf("French message %q lacks %q", de.MessageFR, want)
				}
			}
			for _, want := range tt.wantEN {
				if !strings.Contains(de.MessageEN, want) {
					t.Errorf("English message %q lacks %q", de.MessageEN, want)
				}
			}
			if got := de.Fields["larger_than_limit"] == true; got != tt.tooBig {
				t.Errorf("larger_than_limit = %v, want %v", de.Fields["larger_than_limit"], tt.tooBig)
			}
			if de.Fields["limit_bytes"] != tt.limit || de.Fields["needed_bytes"] != tt.needed || de.Fields["limit"] != tt.level {
				t.Errorf("fields = %v", de.Fields)
			}
		})
	}
}
