package report

import (
	"bytes"
	"net/url"
	"testing"

	"github.com/modelscan-go/modelscan/scan"
)

// FuzzSARIF renders a finding and an error with arbitrary sources, rule
// ids and texts: the log must stay ASCII, valid against the SARIF schema
// and compact, and every URI must decode back to the file's path.
func FuzzSARIF(f *testing.F) {
	f.Add("model.pkl", "pickle-dangerous-import", "Use of unsafe operator", "posix.system('x')", int64(17), "/home/u/models", true)
	f.Add("net.pt:archive/data.pkl", "", "", "", int64(-1), "", false)
	f.Add("a:b.pkl", "zip-hidden-member", "\x1b[31m\u202e", "\xff\xfe", int64(0), "C:\\Users\\x", true)
	f.Add("/abs/outside.pkl:m", "x y", "d", "e", int64(5), "/", false)
	f.Add("sub dir/ünï #1?.pkl", "r", "d", "", int64(1), "/repo/a b", true)
	f.Fuzz(func(t *testing.T, source, rule, desc, ev string, offset int64, root string, withFiles bool) {
		if offset < -1 {
			offset = -1
		}
		res := &scan.Result{
			Scanned:  []string{source},
			Findings: []scan.Finding{{Rule: rule, Severity: scan.Critical, Description: desc, Source: source, Evidence: ev, Offset: offset}},
			Errors:   []scan.Error{{Category: "C", Source: source, Description: desc}},
			Skipped:  []scan.Skip{{Category: "S", Source: source}},
		}
		m := Meta{AbsolutePath: root, Version: "1.0.0", ShowSkipped: true}
		if withFiles {
			outer, _ := newSplitter(res, nil).split(source)
			m.Files = []string{outer}
		}
		var buf bytes.Buffer
		if err := SARIF(&buf, res, m); err != nil {
			t.Fatal(err)
		}
		for _, c := range buf.Bytes() {
			if c >= 0x80 {
				t.Fatalf("non-ASCII output")
			}
		}
		validateSARIF(t, buf.Bytes())
		outer, _ := newSplitter(res, m.Files).split(source)
		loc := newLocator(m).artifact(outer)
		u, err := url.Parse(loc.URI)
		if err != nil {
			t.Fatalf("uri %q: %v", loc.URI, err)
		}
		if loc.URIBaseID != "" && u.Path == "" {
			t.Fatalf("relative uri %q has no path", loc.URI)
		}
	})
}
