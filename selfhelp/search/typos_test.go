package search

import "testing"

func TestDamerau(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"printer", "printer", 0},
		{"pritner", "printer", 1},
		{"otulook", "outlook", 1},
		{"outlok", "outlook", 1},
		{"prnter", "printer", 1},
		{"pirnter", "printer", 1},
		{"compputrr", "computer", 2},
		{"ab", "ba", 1},
		{"", "abc", 3},
		{"café", "cafe", 1},
	}
	for _, tt := range tests {
		if got := damerau(tt.a, tt.b); got != tt.want {
			t.Errorf("damerau(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}
