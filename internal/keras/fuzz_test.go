package keras

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"testing"

	"github.com/modelscan-go/modelscan/internal/core"
)

// FuzzKerasConfig analyses arbitrary documents: no panic, every finding
// complete, offsets inside the document, embedded data bounded by it.
func FuzzKerasConfig(f *testing.F) {
	for _, fx := range loadMarshalFixtures(f) {
		for _, s := range fx.Samples {
			f.Add([]byte(seq2(lambda2("l", `["`+s.Base64+`", null, null]`, "lambda", "__main__"))))
		}
	}
	f.Add([]byte(seq3(k3("os", "system", `{}`), k3("keras.layers", "StringLookup", `{"name": "l", "vocabulary": "/etc/passwd"}`))))
	f.Add([]byte(seq3(k3("keras.layers", "TorchModuleWrapper", `{"name": "t", "module": "UEsDBA=="}`))))
	f.Add([]byte(`{"module": "keras.config", "class_name": "function", "config": "enable_unsafe_deserialization"}`))
	f.Add([]byte(`{"class_name": "Sequential", "config": {"layers": [NaN, -Infinity, "\ud800"]}}`))
	f.Add(utf16le(seq2(dense2), true))
	pol := testPolicy
	f.Fuzz(func(t *testing.T, doc []byte) {
		r, err := Analyze(doc, Options{Format: FormatKeras, Policy: pol, MaxValues: 20000, MaxDepth: 64})
		if r == nil {
			t.Fatalf("nil result (err %v)", err)
		}
		for _, fd := range r.Findings {
			if fd.Rule == "" || fd.Severity < core.Low || fd.Severity > core.Critical || fd.Scanner == "" || fd.Evidence == "" {
				t.Fatalf("incomplete finding %+v", fd)
			}
			if fd.Offset >= int64(len(doc)) {
				t.Fatalf("offset %d in a %d-byte document", fd.Offset, len(doc))
			}
		}
		for _, e := range r.Embedded {
			if len(e.Data) > len(doc) {
				t.Fatalf("embedded %d bytes from a %d-byte document", len(e.Data), len(doc))
			}
		}
		Sniff(doc)
		SniffMetadata(doc)
	})
}

// FuzzMarshal decodes arbitrary marshal data: an error or a summary,
// never a panic.
func FuzzMarshal(f *testing.F) {
	files, _ := filepath.Glob("testdata/marshal/py*.json")
	if len(files) == 0 {
		f.Fatal("no marshal fixtures")
	}
	for _, fx := range loadMarshalFixtures(f) {
		for _, s := range fx.Samples {
			raw, err := base64.StdEncoding.DecodeString(s.Base64)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(raw)
		}
	}
	if _, err := os.Stat("testdata/marshal/gen.py"); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		o, err := decodeMarshal(data)
		if err == nil {
			summarize(o)
		}
		fi := &funcInfo{}
		fi.marshal(data)
		_ = fi.summary()
	})
}
