package picklefmt_test

import (
	"testing"

	"github.com/modelscan-go/modelscan/internal/core"
	"github.com/modelscan-go/modelscan/internal/pklasm"
	"github.com/modelscan-go/modelscan/internal/rules"
	"github.com/modelscan-go/modelscan/internal/scantest"
)

// Standard-library functions that are neither data types nor on the
// denylist are rated HIGH when they run at load time (new gadgets keep being
// found there); unknown stdlib classes and third-party functions stay MEDIUM.
func TestUnknownStdlibCalls(t *testing.T) {
	cases := []struct {
		name   string
		data   []byte
		sev    core.Severity
		rule   string
		module string
	}{
		{"stdlib function", pklasm.New().Proto(2).Global("colorsys", "rgb_to_hsv").Int(1).Int(2).Int(3).Tuple3().Reduce().Stop().Bytes(),
			core.High, rules.PickleSuspiciousCall, "colorsys"},
		{"stdlib method", pklasm.New().Proto(4).SG("sched", "scheduler.run").EmptyTuple().Reduce().Stop().Bytes(),
			core.High, rules.PickleSuspiciousCall, "sched"},
		{"stdlib class", pklasm.New().Proto(2).Global("calendar", "Calendar").EmptyTuple().Reduce().Stop().Bytes(),
			core.Medium, rules.PickleUnknownImport, "calendar"},
		{"third-party function", pklasm.New().Proto(2).Global("mypkg.util", "build").Str("x").Tuple1().Reduce().Stop().Bytes(),
			core.Medium, rules.PickleUnknownImport, "mypkg.util"},
		{"stdlib function imported, not called", pklasm.New().Proto(2).Global("colorsys", "rgb_to_hsv").Stop().Bytes(),
			core.Medium, rules.PickleUnknownImport, "colorsys"},
	}
	for _, c := range cases {
		s := scantest.Scan("x.pkl", c.data, core.DefaultLimits())
		if got := scantest.MaxSeverity(s); got != c.sev {
			t.Errorf("%s: max severity %s, want %s\n%s", c.name, got, c.sev, scantest.Dump(s))
			continue
		}
		found := false
		for _, f := range s.Findings {
			if f.Rule == c.rule && f.Module == c.module && f.Severity == c.sev {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: no %s %s finding for %s\n%s", c.name, c.sev, c.rule, c.module, scantest.Dump(s))
		}
	}
}
