package live

import (
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"
)

// woken reports whether the subscription has a wake-up waiting, without waiting.
func woken(s *Subscription) bool {
	select {
	case <-s.Wake():
		return true
	default:
		return false
	}
}

func TestHubFansOutToTheSubscribersOfABlob(t *testing.T) {
	h := NewHub()
	a, b, c := uuid.New(), uuid.New(), uuid.New()
	one := h.Subscribe(a, b)
	two := h.Subscribe(b)
	three := h.Subscribe(c)
	defer one.Close()
	defer two.Close()
	defer three.Close()

	h.Publish(b)
	if !woken(one) || !woken(two) {
		t.Fatal("the subscribers of b were not woken")
	}
	if woken(three) {
		t.Fatal("a subscriber of c was woken by b")
	}
	if got, all := one.Take(); !slices.Equal(got, []uuid.UUID{b}) || all {
		t.Fatalf("one took %v (all %v), want [b]", got, all)
	}
	if got, _ := one.Take(); len(got) != 0 {
		t.Fatalf("a second Take returned %v, want nothing", got)
	}
	h.Publish(uuid.New()) // nobody's
	if woken(one) || woken(two) || woken(three) {
		t.Fatal("a blob nobody follows woke someone")
	}
}

func TestHubGathersChangesUntilTaken(t *testing.T) {
	h := NewHub()
	a, b := uuid.New(), uuid.New()
	s := h.Subscribe(a, b)
	defer s.Close()
	for range 100 {
		h.Publish(a) // never blocks, however many come before the subscriber looks
	}
	h.Publish(b)
	if !woken(s) || woken(s) {
		t.Fatal("want exactly one wake-up waiting")
	}
	got, _ := s.Take()
	slices.SortFunc(got, func(x, y uuid.UUID) int { return slices.Compare(x[:], y[:]) })
	want := []uuid.UUID{a, b}
	slices.SortFunc(want, func(x, y uuid.UUID) int { return slices.Compare(x[:], y[:]) })
	if !slices.Equal(got, want) {
		t.Fatalf("took %v, want %v", got, want)
	}
}

func TestHubUnsubscribe(t *testing.T) {
	h := NewHub()
	a, b := uuid.New(), uuid.New()
	s := h.Subscribe(a)
	s.Set([]uuid.UUID{b}) // a is no longer followed
	h.Publish(a)
	if woken(s) {
		t.Fatal("a blob left by Set woke its former subscriber")
	}
	h.Publish(b)
	if !woken(s) {
		t.Fatal("a blob added by Set did not wake its subscriber")
	}
	s.Take()
	s.Close()
	h.Publish(b)
	if woken(s) {
		t.Fatal("a closed subscription was woken")
	}
	if n := h.Subscribers(); n != 0 {
		t.Fatalf("%d subscribers after Close, want 0", n)
	}
	if len(h.byBlob) != 0 {
		t.Fatalf("the hub still indexes %d blobs", len(h.byBlob))
	}
}

func TestHubRecheckAll(t *testing.T) {
	h := NewHub()
	one, two := h.Subscribe(uuid.New()), h.Subscribe()
	defer one.Close()
	defer two.Close()
	h.RecheckAll()
	for _, s := range []*Subscription{one, two} {
		if !woken(s) {
			t.Fatal("a subscriber was not told to look again")
		}
		if _, all := s.Take(); !all {
			t.Fatal("Take does not say that anything may have changed")
		}
		if _, all := s.Take(); all {
			t.Fatal("a second Take still says anything may have changed")
		}
	}
}

func TestHubCloseEndsWatches(t *testing.T) {
	h := NewHub()
	h.Close()
	h.Close() // twice is harmless
	select {
	case <-h.Done():
	default:
		t.Fatal("Done is not closed")
	}
}

// TestHubConcurrently publishes, subscribes, changes and closes subscriptions from
// many goroutines: run with -race. Every subscriber that follows a blob for the
// whole test hears of it.
func TestHubConcurrently(t *testing.T) {
	h := NewHub()
	blobs := make([]uuid.UUID, 8)
	for i := range blobs {
		blobs[i] = uuid.New()
	}
	steady := h.Subscribe(blobs[0])
	defer steady.Close()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 200 {
				h.Publish(blobs[(i+j)%len(blobs)])
				if j%50 == 0 {
					h.RecheckAll()
				}
			}
		})
		wg.Go(func() {
			for j := range 50 {
				s := h.Subscribe(blobs[i])
				s.Set(blobs[j%len(blobs):])
				select {
				case <-s.Wake():
					s.Take()
				default:
				}
				s.Close()
			}
		})
	}
	wg.Wait()
	changed, all := steady.Take()
	if !all && !slices.Contains(changed, blobs[0]) {
		t.Fatal("the steady subscriber did not hear of its blob")
	}
	if n := h.Subscribers(); n != 1 {
		t.Fatalf("%d subscribers left, want 1", n)
	}
}

func TestParseIDs(t *testing.T) {
	a, b := uuid.New(), uuid.New()
	got, err := ParseIDs(a.String() + ", " + b.String() + "," + a.String())
	if err != nil || !slices.Equal(got, []uuid.UUID{a, b}) {
		t.Fatalf("ParseIDs = %v, %v; want [a b]", got, err)
	}
	many := make([]string, MaxItems+1)
	for i := range many {
		many[i] = uuid.NewString()
	}
	for _, bad := range []string{"", "  ", "nope", a.String() + ",", strings.Join(many, ",")} {
		if _, err := ParseIDs(bad); err == nil {
			t.Errorf("ParseIDs(%.40q) accepted", bad)
		}
	}
}
