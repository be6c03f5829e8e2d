// Package formats holds the explicit list of format handlers and routes each
// blob to the first handler that recognises its content.
package formats

import (
	"fmt"
	"io"
	"strings"

	"github.com/modelscan-go/modelscan/internal/core"
	"github.com/modelscan-go/modelscan/internal/formats/compressfmt"
	"github.com/modelscan-go/modelscan/internal/formats/ggufmt"
	"github.com/modelscan-go/modelscan/internal/formats/hfconfig"
	"github.com/modelscan-go/modelscan/internal/formats/kerasfmt"
	"github.com/modelscan-go/modelscan/internal/formats/numpyfmt"
	"github.com/modelscan-go/modelscan/internal/formats/onnxfmt"
	"github.com/modelscan-go/modelscan/internal/formats/picklefmt"
	"github.com/modelscan-go/modelscan/internal/formats/safetensorsfmt"
	"github.com/modelscan-go/modelscan/internal/formats/sevenzipfmt"
	"github.com/modelscan-go/modelscan/internal/formats/tarfmt"
	"github.com/modelscan-go/modelscan/internal/formats/templatefmt"
	"github.com/modelscan-go/modelscan/internal/formats/tffmt"
	"github.com/modelscan-go/modelscan/internal/formats/torchfmt"
	"github.com/modelscan-go/modelscan/internal/formats/zipfmt"
	"github.com/modelscan-go/modelscan/internal/policy"
)

// Registry routes blobs to handlers. The order matters: the first handler
// whose Match accepts the content scans it.
type Registry struct {
	handlers []core.Handler
	pickle   core.Handler
	zip      *zipfmt.Handler
	disabled map[string]bool
}

// New builds the registry with every handler, sharing one policy.
func New(pol *policy.Policy) *Registry {
	pk := &picklefmt.Handler{Pol: pol}
	zh := &zipfmt.Handler{Pol: pol}
	st := &safetensorsfmt.Handler{}
	return &Registry{
		pickle: pk,
		zip:    zh,
		handlers: []core.Handler{
			&numpyfmt.Handler{Pol: pol},
			// HDF5 (Keras .h5): a signature at 0 or at a user-block offset.
			&kerasfmt.H5Handler{Pol: pol},
			// Formats with a magic number at offset 0 come before zip,
			// which also accepts an end record near the end of the file:
			// a tar or stored 7z whose last member is a zip must be read
			// as what it starts as.
			&sevenzipfmt.Handler{},
			&tarfmt.Handler{Pol: pol},
			zh,
			&torchfmt.LegacyHandler{Pol: pol},
			// A safetensors header is recognised before the pickle sniff,
			// whose trial run could otherwise claim an odd header length.
			st,
			pk,
			&compressfmt.Handler{},
			&ggufmt.Handler{},
			// JSON documents: routed by role or by content (a Keras model
			// config) and, for Hugging Face configs and chat templates, by
			// file name and content.
			&kerasfmt.ConfigHandler{Pol: pol},
			// Hugging Face configs (auto_map, custom pipelines, chat
			// templates of tokenizer_config.json) and the repository
			// Python they load; a Keras config.json is Keras's.
			&hfconfig.Handler{Pol: pol},
			&templatefmt.Handler{},
			// ONNX and TensorFlow are both protobuf: ONNX's check (an IR
			// version and a well-formed graph or opset import) is the
			// stricter, so it goes first.
			&onnxfmt.Handler{},
			&tffmt.Handler{},
			// Last: a .safetensors name whose content no handler
			// recognised is read as a (malformed) safetensors file.
			byName{st, ".safetensors"},
		},
	}
}

// byName routes a non-empty blob with the given extension to h. It is
// registered after every content match, as a last resort.
type byName struct {
	core.Handler
	ext string
}

func (n byName) Match(head []byte, b *core.Blob) bool { return b.Ext() == n.ext && b.Size > 0 }

// Names lists the handler names in routing order, each once.
func (r *Registry) Names() []string {
	var out []string
	seen := map[string]bool{}
	for _, h := range r.handlers {
		if !seen[h.Name()] {
			seen[h.Name()] = true
			out = append(out, h.Name())
		}
	}
	return out
}

// Disable turns a handler off by name (settings: scanners.<name>.enabled).
// "pytorch-zip" turns off the PyTorch reading of zip archives.
func (r *Registry) Disable(name string) error {
	if name == "pytorch-zip" {
		r.zip.TorchDisabled = true
		return nil
	}
	for _, h := range r.handlers {
		if h.Name() == name {
			if r.disabled == nil {
				r.disabled = map[string]bool{}
			}
			r.disabled[name] = true
			return nil
		}
	}
	return fmt.Errorf("unknown scanner %q (known: %s)", name, strings.Join(r.Names(), ", "))
}

// modelExts are extensions that announce a model format: a file with one
// of them whose content no handler recognises is an error, not a skip.
var modelExts = map[string]string{
	".pkl": "pickle", ".pickle": "pickle", ".joblib": "joblib", ".dill": "dill", ".pt": "PyTorch",
	".pth": "PyTorch", ".ckpt": "PyTorch", ".bin": "PyTorch", ".npy": "NumPy", ".npz": "NumPy",
	".p": "pickle", ".sav": "pickle", ".pck": "pickle", ".gz": "gzip", ".bz2": "bzip2", ".xz": "xz",
	".lzma": "LZMA", ".zst": "zstd", ".lz4": "lz4", ".tar": "tar", ".7z": "7z", ".zip": "zip",
}

// Dispatch scans b with the handler that recognises it.
func (r *Registry) Dispatch(s *core.Session, b *core.Blob) error {
	head := make([]byte, core.HeadSize)
	n, err := b.R.ReadAt(head, 0)
	if n == 0 && err != nil && err != io.EOF {
		s.Fail(b, core.CatPath, fmt.Errorf("read: %w", err))
		return nil
	}
	head = head[:n]
	if b.Role == core.RoleNestedPickle {
		return r.pickle.Scan(s, b)
	}
	for _, h := range r.handlers {
		if h.Match(head, b) {
			if r.disabled[h.Name()] {
				s.Skip(b, core.SkipNotSupp, fmt.Sprintf("the %s scanner is disabled in the settings", h.Name()))
				return nil
			}
			return h.Scan(s, b)
		}
	}
	if b.Quiet {
		return nil
	}
	if kind, ok := modelExts[b.Ext()]; ok && b.Size > 0 {
		s.Fail(b, core.CatMagic, fmt.Errorf("the name says %s but the content is not a format modelscan recognises (starts with %q)", kind, printable(head, 16)))
		return nil
	}
	s.Skip(b, core.SkipNotSupp, "Model Scan did not scan file")
	return nil
}

func printable(p []byte, n int) string {
	if len(p) > n {
		p = p[:n]
	}
	return string(p)
}
