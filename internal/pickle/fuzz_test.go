package pickle

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/modelscan-go/modelscan/internal/pklasm"
)

// FuzzRun feeds arbitrary bytes to the machine in every reading mode. It
// must never panic, loop or allocate by a declared length; every event must
// be well formed.
func FuzzRun(f *testing.F) {
	f.Add(pklasm.System("id"))
	f.Add(pklasm.New().Proto(4).Frame(9).SG("os", "system").Str("x").Tuple1().Reduce().Stop().Bytes())
	f.Add(pklasm.New().Mark().String("a").Inst("os", "system").Stop().Bytes())
	f.Add(pklasm.New().Proto(2).Global("copyreg", "add_extension").Str("os").Str("system").Int(240).Tuple3().Reduce().Ext1(240).Stop().Bytes())
	f.Add([]byte("I01\nL12L\nF1.5\nS'a\\x41'\nVcaf\\u00e9\n(t."))
	for _, dir := range []string{"pickle", "dill", "cloudpickle", "joblib", "sklearn"} {
		files, _ := filepath.Glob(filepath.Join("../../testdata/real", dir, "*"))
		for _, p := range files {
			if data, err := os.ReadFile(p); err == nil && len(data) < 64<<10 {
				f.Add(data)
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, mode := range []FrameMode{FrameLinear, FrameExact, FramePython} {
			for _, joblib := range []bool{false, true} {
				cfg := Config{Mode: mode, Joblib: joblib, MaxOps: 20000, MaxMemo: 5000, MaxStack: 5000, MaxLine: 1 << 16}
				obs := ObserverFunc(func(ev *Event) {
					switch ev.Kind {
					case EvImport:
						if ev.Global == nil {
							t.Fatal("import without global")
						}
					case EvCall:
						if ev.Call == nil || ev.Call.Args == nil {
							t.Fatal("call without arguments")
						}
						_ = Render(ev.Call, 200)
					}
					if ev.Off < 0 || ev.Off > int64(len(data)) {
						t.Fatalf("event offset %d outside [0,%d]", ev.Off, len(data))
					}
				})
				res, _ := Run(bytes.NewReader(data), 0, int64(len(data)), cfg, obs)
				if res.End > int64(len(data)) {
					t.Fatalf("analysis ended at %d past the data (%d)", res.End, len(data))
				}
			}
		}
	})
}
