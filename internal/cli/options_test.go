package cli

import (
	"testing"

	"github.com/modelscan-go/modelscan/internal/settings"
	"github.com/modelscan-go/modelscan/scan"
)

// Turning off any of Python ModelScan's scanners in the settings turns off
// real handlers: every name it maps to is known to the registry (scan.New
// rejects unknown ones), and every scanner of the default settings is
// mapped.
func TestEveryPythonScannerCanBeDisabled(t *testing.T) {
	for name := range settings.Default().Scanners {
		if len(handlersOf[name]) == 0 {
			t.Errorf("%s: no handler to turn off", name)
			continue
		}
		st := settings.Default()
		sc := st.Scanners[name]
		sc.Enabled = false
		st.Scanners[name] = sc
		o, err := scanOptions(st, 1)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := scan.New(o); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}
