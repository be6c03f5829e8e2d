package settings

import "testing"

// FuzzParse feeds arbitrary text to the settings parser: it must return a
// value or an error, never panic, and anything it accepts must round-trip
// through its own validation again.
func FuzzParse(f *testing.F) {
	f.Add([]byte(DefaultTOML()))
	f.Add([]byte("[modelscan]\nfail_on = \"HIGH\"\nallowed_globals = [\"__main__:Net\"]\n"))
	f.Add([]byte("[unsafe_globals.CRITICAL]\nos = \"*\"\nbuiltins = [\"eval\"]\n"))
	f.Add([]byte("[scanners.\"modelscan.scanners.PickleUnsafeOpScan\"]\nenabled = false\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse(data)
		if err != nil {
			return
		}
		for _, g := range s.AllowedGlobals {
			if err := checkGlobal(g); err != nil {
				t.Fatalf("accepted an invalid allowed global: %v", err)
			}
		}
	})
}
