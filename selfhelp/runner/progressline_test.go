package runner

import "testing"

func TestWithoutProgressLine(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"whole paragraph", "Lifeline is counting the screens.\n\nCheck the number.", "Check the number."},
		{"first sentence", "Lifeline is listing the programs. Busy programs drain the battery.\n\nClose them.", "Busy programs drain the battery.\n\nClose them."},
		{"advice after a colon stays", "Lifeline is checking the battery: if it is low, plug in.", "Lifeline is checking the battery: if it is low, plug in."},
		{"later paragraph", "Open the lid.\n\nLifeline is reading the battery.", "Open the lid."},
		{"no progress line", "Lifeline can delete your temporary files.", "Lifeline can delete your temporary files."},
		{"wrapped sentence", "Lifeline is listing the printers (for example\n**ready** or **offline**).\n\nFind yours.", "Find yours."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := withoutProgressLine(tt.in); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}
