package formats_test

import (
	"testing"

	"github.com/modelscan-go/modelscan/internal/core"
	"github.com/modelscan-go/modelscan/internal/pklasm"
	"github.com/modelscan-go/modelscan/internal/rules"
	"github.com/modelscan-go/modelscan/internal/scantest"
)

// The name is only a hint: a pickle named .safetensors is scanned as the
// pickle torch.load would run, and a .safetensors name whose content no
// handler recognises is read as a malformed safetensors file, not skipped.
func TestSafetensorsNameIsOnlyAHint(t *testing.T) {
	s := scantest.Scan("m.safetensors", pklasm.System("echo pwned"), core.DefaultLimits())
	if scantest.MaxSeverity(s) != core.Critical {
		t.Errorf("pickle named .safetensors:\n%s", scantest.Dump(s))
	}
	s = scantest.Scan("m.safetensors", []byte("not a model at all, just text"), core.DefaultLimits())
	found := false
	for _, f := range s.Findings {
		found = found || (f.Rule == rules.SafetensorsMalformed && f.Severity == core.High)
	}
	if !found {
		t.Errorf("garbage named .safetensors:\n%s", scantest.Dump(s))
	}
}
