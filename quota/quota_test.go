package quota

import (
	"errors"
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
