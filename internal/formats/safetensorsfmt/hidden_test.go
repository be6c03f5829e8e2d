package safetensorsfmt_test

import (
	"archive/zip"
	"bytes"
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/modelscan-go/modelscan/internal/core"
	"github.com/modelscan-go/modelscan/internal/formats"
	"github.com/modelscan-go/modelscan/internal/formats/safetensorsfmt"
	"github.com/modelscan-go/modelscan/internal/pklasm"
	"github.com/modelscan-go/modelscan/internal/rules"
	"github.com/modelscan-go/modelscan/internal/scantest"
)

// criticalIn reports whether a CRITICAL finding sits in a blob whose source
// contains src.
func criticalIn(s *core.Session, src string) bool {
	for _, f := range s.Findings {
		if f.Severity == core.Critical && strings.Contains(f.Source, src) {
			return true
		}
	}
	return false
}

func TestTrailingData(t *testing.T) {
	base := valid(nil, tt{"w", "F32", []int{2}, f32(2)})
	t.Run("junk", func(t *testing.T) {
		s := scan("m.safetensors", append(base, "some junk"...))
		if !has(s, rules.SafetensorsTrailingData, core.High, "9 bytes at file offset") || len(s.Findings) != 1 {
			t.Errorf("want one trailing-data finding:\n%s", scantest.Dump(s))
		}
		if len(s.Skips) != 0 || len(s.Problems) != 0 {
			t.Errorf("the quiet child left a trace:\n%s", scantest.Dump(s))
		}
	})
	t.Run("pickle", func(t *testing.T) {
		s := scan("m.safetensors", append(base, pklasm.System("echo pwned")...))
		if !has(s, rules.SafetensorsTrailingData, core.High, "bytes at file offset") {
			t.Errorf("no trailing-data finding:\n%s", scantest.Dump(s))
		}
		if !criticalIn(s, "m.safetensors:<trailing data>") {
			t.Errorf("payload after the tensors not reported CRITICAL:\n%s", scantest.Dump(s))
		}
	})
}

func TestPolyglotTensor(t *testing.T) {
	payload := pklasm.System("echo pwned")
	t.Run("pickle", func(t *testing.T) {
		data := valid(map[string]string{"format": "pt"}, tt{"w", "F32", []int{2}, f32(2)}, tt{"blob", "U8", []int{len(payload)}, payload})
		s := scan("m.safetensors", data)
		if !has(s, rules.SafetensorsPolyglot, core.High, `tensor "blob"`) || !has(s, rules.SafetensorsPolyglot, core.High, "imports posix.system") {
			t.Errorf("no polyglot finding:\n%s", scantest.Dump(s))
		}
		if !criticalIn(s, "m.safetensors:<tensor blob>") {
			t.Errorf("pickle in tensor bytes not CRITICAL:\n%s", scantest.Dump(s))
		}
	})
	t.Run("protocol 0 pickle", func(t *testing.T) {
		p0 := []byte("cos\nsystem\n(S'echo pwned'\ntR.")
		data := valid(nil, tt{"blob", "U8", []int{len(p0)}, p0})
		s := scan("m.safetensors", data)
		if !has(s, rules.SafetensorsPolyglot, core.High, "imports os.system") || !criticalIn(s, "<tensor blob>") {
			t.Errorf("protocol 0 pickle missed:\n%s", scantest.Dump(s))
		}
	})
	t.Run("numpy", func(t *testing.T) {
		npy := scantest.NPY("{'descr': '|O', 'fortran_order': False, 'shape': (1,), }", payload)
		data := valid(nil, tt{"arr", "U8", []int{len(npy)}, npy})
		s := scan("m.safetensors", data)
		if !has(s, rules.SafetensorsPolyglot, core.High, "NumPy") || !criticalIn(s, "<tensor arr>") {
			t.Errorf("npy in tensor bytes missed:\n%s", scantest.Dump(s))
		}
	})
	t.Run("zip", func(t *testing.T) {
		var zb bytes.Buffer
		zw := zip.NewWriter(&zb)
		w, _ := zw.Create("archive/data.pkl")
		w.Write(payload)
		zw.Close()
		z := zb.Bytes()
		// a big tensor after it keeps the zip end record out of reach of a
		// search from the end of the file: only the tensor view finds it
		data := valid(nil, tt{"z", "U8", []int{len(z)}, z}, tt{"w", "F32", []int{64 << 10}, f32(64 << 10)})
		s := scan("m.safetensors", data)
		if !has(s, rules.SafetensorsPolyglot, core.High, "zip archive") || !criticalIn(s, "<tensor z>") {
			t.Errorf("zip in tensor bytes missed:\n%s", scantest.Dump(s))
		}
	})
	t.Run("float data that looks like a pickle header", func(t *testing.T) {
		// 0x80 0x02 then ordinary bytes: no import, no call, no finding
		look := []byte{0x80, 0x02, 'K', 1, 'K', 2, 0x86, '.', 0, 0, 0, 0}
		data := valid(nil, tt{"w", "F32", []int{3}, look})
		if s := scan("m.safetensors", data); len(s.Findings) != 0 || len(s.Problems) != 0 {
			t.Errorf("false polyglot:\n%s", scantest.Dump(s))
		}
	})
}

// Bytes in a gap between tensors are hidden from the loader: they are
// scanned.
func TestGapScanned(t *testing.T) {
	payload := pklasm.System("echo pwned")
	n := len(payload)
	h := `{"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},"b":{"dtype":"U8","shape":[4],"data_offsets":[` +
		strconv.Itoa(4+n) + `,` + strconv.Itoa(8+n) + `]}}`
	data := raw(h, append(append([]byte{1, 2, 3, 4}, payload...), 5, 6, 7, 8))
	s := scan("m.safetensors", data)
	if !has(s, rules.SafetensorsMalformed, core.High, "are not part of any tensor") || !criticalIn(s, "m.safetensors:<gap@") {
		t.Errorf("gap payload missed:\n%s", scantest.Dump(s))
	}
}

// When the header cannot be parsed the data section is still looked at.
func TestFatalHeaderDataScanned(t *testing.T) {
	data := raw(`{"w":{"dtype":"F32",,}}`, pklasm.System("echo pwned"))
	s := scan("m.safetensors", data)
	if !has(s, rules.SafetensorsMalformed, core.High, "not valid JSON") || !criticalIn(s, "m.safetensors:<data>") || len(s.Problems) != 1 {
		t.Errorf("data after a broken header not scanned:\n%s", scantest.Dump(s))
	}
}

// A file that is also a zip as a whole (end record at the end of the file)
// is routed to the zip reader by the registry; the handler, called on it
// directly, says so and hands the whole file on.
func TestWholeFileZip(t *testing.T) {
	var zb bytes.Buffer
	zw := zip.NewWriter(&zb)
	w, _ := zw.Create("archive/data.pkl")
	w.Write(pklasm.System("echo pwned"))
	zw.Close()
	// the zip is the last tensor's bytes: its end record ends the file
	data := valid(nil, tt{"w", "F32", []int{2}, f32(2)}, tt{"z", "U8", []int{zb.Len()}, zb.Bytes()})
	if s := scan("m.safetensors", data); !criticalIn(s, "m.safetensors") {
		t.Errorf("registry missed the zip:\n%s", scantest.Dump(s))
	}
	reg := formats.New(scantest.Policy())
	s := core.NewSession(context.Background(), core.DefaultLimits(), reg.Dispatch)
	b := &core.Blob{Source: "m.safetensors", Name: "m.safetensors", R: bytes.NewReader(data), Size: int64(len(data))}
	if err := (&safetensorsfmt.Handler{}).Scan(s, b); err != nil {
		t.Fatal(err)
	}
	if !has(s, rules.SafetensorsPolyglot, core.High, "end-of-central-directory") || !criticalIn(s, "<whole file as zip>") {
		t.Errorf("whole-file zip not reported:\n%s", scantest.Dump(s))
	}
}

// A pickle the registry's sniffers pass over (protocol 0, cut before it
// calls anything) is still handed to the pickle engine when it hides after
// the tensors, or when a file named .safetensors is one.
func TestHiddenPickleForced(t *testing.T) {
	cut := []byte("cos\nsystem\n(S'echo pwned'\n")
	s := scan("m.safetensors", append(valid(nil, tt{"w", "F32", []int{2}, f32(2)}), cut...))
	if !has(s, rules.SafetensorsTrailingData, core.High, "bytes at file offset") || !hasIn(s, rules.PickleDangerousImport, "<trailing data>") {
		t.Errorf("cut pickle after the tensors missed:\n%s", scantest.Dump(s))
	}
	s = scan("m.safetensors", cut)
	if !has(s, rules.SafetensorsPolyglot, core.High, "the file starts with a pickle that imports os.system") || !hasIn(s, rules.PickleDangerousImport, "m.safetensors:<whole file>") {
		t.Errorf("pickle named .safetensors missed:\n%s", scantest.Dump(s))
	}
	if !has(s, rules.SafetensorsMalformed, core.High, "header length") {
		t.Errorf("the header is not reported:\n%s", scantest.Dump(s))
	}
}

func hasIn(s *core.Session, rule, src string) bool {
	for _, f := range s.Findings {
		if f.Rule == rule && strings.Contains(f.Source, src) {
			return true
		}
	}
	return false
}
