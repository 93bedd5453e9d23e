package fetch

import "testing"

func TestContainsWord(t *testing.T) {
	tests := []struct {
		s, kw string
		want  bool
	}{
		{"test appeal - please ignore", "test appeal", true},
		{"contestappeal", "test appeal", false},
		{"a contest appeal", "test appeal", false},
		{"policing plan", "police", false},
		{"police, policing", "policing", true},
		{"the police", "police", true},
		{"police.", "police", true},
		{"£1.2m funding", "£1.2m", true},
		{"q&a session", "q&a", true},
		{"fake q&answers", "q&a", false},
		{"café opens", "café", true},
		{"", "police", false},
		{"notpolice police", "police", true},
	}
	for _, tt := range tests {
		if got := containsWord(tt.s, tt.kw); got != tt.want {
			t.Errorf("containsWord(%q, %q) = %v, want %v", tt.s, tt.kw, got, tt.want)
		}
	}
}
