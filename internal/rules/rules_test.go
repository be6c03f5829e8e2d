package rules

import (
	"os"
	"strings"
	"testing"
)

// TestReadmeListsEveryRule keeps the README rule table in step with All.
func TestReadmeListsEveryRule(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, r := range All {
		if seen[r.ID] {
			t.Errorf("rule %s listed twice", r.ID)
		}
		seen[r.ID] = true
		if r.Short == "" || r.Help == "" {
			t.Errorf("rule %s lacks documentation", r.ID)
		}
		if !strings.Contains(string(readme), "| `"+r.ID+"` |") {
			t.Errorf("README.md rule table lacks %s", r.ID)
		}
		if _, ok := ByID(r.ID); !ok {
			t.Errorf("ByID(%s) fails", r.ID)
		}
	}
}
