package protocol

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

func items(n int, desc string) []QueueItem {
	out := make([]QueueItem, n)
	for i := range out {
		out[i] = QueueItem{ID: fmt.Sprintf("r-%d", i), State: "waiting", Source: "request",
			CreatedAt: time.Date(2026, 3, 2, 9, 0, i, 0, time.UTC), Description: desc}
	}
	return out
}

// checkParts decodes parts and returns the ids they carry, checking each
// part's size and numbering.
func checkParts(t *testing.T, parts [][]byte) []string {
	t.Helper()
	var ids []string
	for i, b := range parts {
		if len(b) > MaxMessageSize {
			t.Fatalf("part %d: %d bytes", i+1, len(b))
		}
		m, err := Decode(b)
		if err != nil {
			t.Fatalf("part %d: %v", i+1, err)
		}
		s := m.Payload.(*QueueSnapshot)
		if m.Type != TypeQueueSnapshot || s.Part != i+1 || s.Parts != len(parts) {
			t.Fatalf("part %d: %s part %d of %d", i+1, m.Type, s.Part, s.Parts)
		}
		for _, it := range s.Requests {
			ids = append(ids, it.ID)
		}
	}
	return ids
}

func TestSnapshotParts(t *testing.T) {
	tests := []struct {
		name      string
		items     []QueueItem
		wantParts int
		omitted   []string
	}{
		{"empty queue", nil, 1, nil},
		{"one small", items(1, "printer"), 1, nil},
		{"200 of 1.5 KB", items(200, strings.Repeat("x", 1400)), 5, nil},
		{"8000 < each", items(10, strings.Repeat("<", MaxDescription)), 10, nil},
		{"one too large", append(items(2, "a"), QueueItem{ID: "big", Description: strings.Repeat("<", 20000)}), 1, []string{"big"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parts, omitted, err := SnapshotParts(tt.items)
			if err != nil {
				t.Fatal(err)
			}
			if len(parts) != tt.wantParts || !slices.Equal(omitted, tt.omitted) {
				t.Fatalf("%d parts, omitted %v; want %d, %v", len(parts), omitted, tt.wantParts, tt.omitted)
			}
			var want []string
			for _, it := range tt.items {
				if !slices.Contains(tt.omitted, it.ID) {
					want = append(want, it.ID)
				}
			}
			if got := checkParts(t, parts); !slices.Equal(got, want) {
				t.Fatalf("ids %v, want %v", got, want)
			}
		})
	}
}

func TestCheckItemSize(t *testing.T) {
	tests := []struct {
		name string
		it   QueueItem
		ok   bool
	}{
		{"small", QueueItem{ID: "r", Description: "printer"}, true},
		{"8000 <", QueueItem{ID: "r", Description: strings.Repeat("<", MaxDescription)}, true},
		{"escapes past the cap", QueueItem{ID: "r", Description: strings.Repeat("<", MaxDescription),
			Guide: &GuideContext{Steps: []GuideStep{{Title: strings.Repeat("<", MaxItemText)}, {Title: strings.Repeat("<", MaxItemText)}}}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckItemSize(&tt.it)
			if got := err == nil; got != tt.ok {
				t.Fatalf("CheckItemSize = %v, want ok %v", err, tt.ok)
			}
			if err != nil && !errors.Is(err, ErrItemTooLarge) {
				t.Fatalf("error %v is not ErrItemTooLarge", err)
			}
		})
	}
}

// FuzzSnapshotParts: whatever the queue holds, its parts fit the frame
// cap, decode, and carry every item that fits, in order.
func FuzzSnapshotParts(f *testing.F) {
	f.Add(uint16(60), "printer offline", uint16(100))
	f.Add(uint16(3), "<", uint16(8000))
	f.Add(uint16(2), "\xff\x00", uint16(12000))
	f.Fuzz(func(t *testing.T, n uint16, text string, reps uint16) {
		n %= 64 // enough for a dozen parts at the largest items
		if len(text)*int(reps) > 24<<10 {
			return
		}
		desc := strings.Repeat(text, int(reps))
		its := items(int(n), "")
		for i := range its {
			its[i].Description = desc[:len(desc)*i/max(len(its), 1)]
		}
		parts, omitted, err := SnapshotParts(its)
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for _, it := range its {
			if !slices.Contains(omitted, it.ID) {
				want = append(want, it.ID)
			} else if CheckItemSize(&it) == nil {
				t.Fatalf("%s left out, but within MaxQueueItemSize", it.ID)
			}
		}
		if got := checkParts(t, parts); !slices.Equal(got, want) {
			t.Fatalf("%d ids, want %d", len(got), len(want))
		}
	})
}
