package cli

import (
	"fmt"
	"strings"
	"time"

	"github.com/modelscan-go/modelscan/internal/settings"
	"github.com/modelscan-go/modelscan/scan"
)

// handlersOf maps Python ModelScan scanner names to the handlers that do
// their work here, for scanners.<name>.enabled = false. One handler reads
// the Keras configs of .keras archives and of SavedModels, so turning off
// either Python scanner turns it off for both.
var handlersOf = map[string][]string{
	settings.PickleUnsafeOpScan:         {"pickle"},
	settings.NumpyUnsafeOpScan:          {"numpy"},
	settings.PyTorchUnsafeOpScan:        {"pytorch-legacy", "pytorch-zip"},
	settings.H5LambdaDetectScan:         {"keras-h5"},
	settings.KerasLambdaDetectScan:      {"keras-config"},
	settings.SavedModelLambdaDetectScan: {"keras-config"},
	settings.SavedModelTensorflowOpScan: {"tensorflow"},
}

// scanOptions turns settings (and the -j flag) into library options.
func scanOptions(st settings.Settings, jobs int) (scan.Options, error) {
	lim := scan.DefaultLimits()
	sl := st.Limits
	lim.MaxDepth, lim.MaxOpcodes, lim.MaxMemo, lim.MaxStack = sl.MaxDepth, sl.MaxOpcodes, sl.MaxMemo, sl.MaxStack
	lim.MaxMembers, lim.MaxStringBytes, lim.MaxNestedPickle = sl.MaxMembers, sl.MaxStringBytes, sl.MaxNestedPickleBytes
	if sl.MaxDecompressedBytes > 0 {
		lim.MaxDecompressed = sl.MaxDecompressedBytes
	}
	if sl.MaxCompressionRatio > 0 {
		lim.MaxRatio = sl.MaxCompressionRatio
	}
	lim.MaxFileRatio = sl.MaxFileCompressionRatio
	o := scan.Options{Limits: lim, Jobs: st.Jobs, FileTimeout: time.Duration(sl.MaxSecondsPerFile) * time.Second}
	if jobs > 0 {
		o.Jobs = jobs
	}
	o.ExtraDenied = map[scan.Severity][]scan.Global{}
	for sevName, mods := range st.UnsafeGlobals {
		sev, err := scan.ParseSeverity(sevName)
		if err != nil {
			return o, err
		}
		for mod, names := range mods {
			for _, n := range names {
				o.ExtraDenied[sev] = append(o.ExtraDenied[sev], scan.Global{Module: mod, Name: n})
			}
		}
	}
	for _, g := range st.AllowedGlobals {
		mod, name, ok := strings.Cut(g, ":")
		if !ok {
			return o, fmt.Errorf("allowed_globals entry %q is not module:qualname", g)
		}
		o.ExtraAllowed = append(o.ExtraAllowed, scan.Global{Module: mod, Name: name})
	}
	for name, sc := range st.Scanners {
		if !sc.Enabled {
			o.DisabledHandlers = append(o.DisabledHandlers, handlersOf[name]...)
		}
	}
	return o, nil
}
