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

// The README table is All, row for row: same ids in the same order, no
// extra rows, and the default severity of each rule (or, for rules whose
// severity comes from the denylist or the judged call, that word).
func TestReadmeTableIsAll(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(readme)
	start := strings.Index(text, "| Rule | Default | Meaning |")
	if start < 0 {
		t.Fatal("README.md has no rule table")
	}
	var rows [][]string
	for _, line := range strings.Split(text[start:], "\n")[2:] {
		if !strings.HasPrefix(line, "| `") {
			break
		}
		cells := strings.Split(line, " | ")
		if len(cells) < 3 {
			t.Fatalf("bad row %q", line)
		}
		rows = append(rows, []string{strings.Trim(strings.TrimPrefix(cells[0], "| "), "`"), cells[1]})
	}
	if len(rows) != len(All) {
		t.Errorf("README table has %d rows, All has %d rules", len(rows), len(All))
	}
	for i := 0; i < len(rows) && i < len(All); i++ {
		id, sev := rows[i][0], rows[i][1]
		r := All[i]
		if id != r.ID {
			t.Errorf("row %d is %s, All has %s", i+1, id, r.ID)
			continue
		}
		if sev != r.Severity.String() && sev != "from denylist" && sev != "judged" {
			t.Errorf("%s: README says %s, default is %s", id, sev, r.Severity)
		}
	}
}
