// Package hfconfig scans the configuration files of a Hugging Face model
// repository (config.json, tokenizer_config.json, processor and generation
// configs, diffusers model_index.json) for the code they make the loader
// run: auto_map and custom_pipelines class references that need
// trust_remote_code=True (code from another repository when written
// org/repo--module.Class), and diffusers custom pipelines and components.
// The chat templates of tokenizer_config.json and processor_config.json
// are analysed through templatefmt, so each of those files gets one
// verdict.
//
// It also scans top-level Python files (*.py given as input files) with
// the static rules of internal/pysrc. In a directory walk, the walker
// (package scan) hands over only the Python files that sit in or below a
// directory whose config asks for remote code; a config never reads its
// neighbours itself, since handlers only see the blob they are given.
// Nothing is ever imported or run.
package hfconfig

import (
	"bytes"
	"strings"
	"sync"

	"github.com/modelscan-go/modelscan/internal/core"
	"github.com/modelscan-go/modelscan/internal/formats/templatefmt"
	"github.com/modelscan-go/modelscan/internal/policy"
)

// ScannerName is the Finding.Scanner of this handler (Python ModelScan
// has no scanner for these files).
const ScannerName = "modelscan.scanners.HuggingFaceScan"

// Handler scans Hugging Face config files and the Python files that
// remote code loads. Pol judges the names Python source uses (nil: the
// built-in policy); Templates analyses chat templates (zero value: default
// limits).
type Handler struct {
	Pol       *policy.Policy
	Templates templatefmt.Handler
}

// Name implements core.Handler.
func (h *Handler) Name() string { return "hf-config" }

// configNames are the config files read, by base name.
var configNames = map[string]bool{
	"config.json":                    true,
	"tokenizer_config.json":          true,
	"model_index.json":               true,
	"preprocessor_config.json":       true,
	"processor_config.json":          true,
	"video_preprocessor_config.json": true,
	"generation_config.json":         true,
	"scheduler_config.json":          true,
}

// IsConfigName reports whether a file name (a base name, any case) is one
// of the configs this package reads.
func IsConfigName(base string) bool { return configNames[strings.ToLower(base)] }

// IsModelIndex reports whether base names a diffusers model_index.json.
func IsModelIndex(base string) bool { return strings.EqualFold(base, "model_index.json") }

// Match implements core.Handler: a config named as above whose content
// starts as a JSON object, or a top-level Python file (*.py, no NUL byte
// in its head). The name routes here because the content is generic JSON
// or text; content that is neither is not claimed.
func (h *Handler) Match(head []byte, b *core.Blob) bool {
	if b.Role != "" {
		return false
	}
	switch {
	case IsConfigName(b.Base()):
		return jsonObjectStart(head)
	case b.Depth == 0 && b.Ext() == ".py":
		return bytes.IndexByte(head, 0) < 0
	}
	return false
}

// jsonObjectStart reports whether head starts like a JSON object: '{'
// (after a BOM and white space) followed by a member name or '}'.
func jsonObjectStart(head []byte) bool {
	head = bytes.TrimLeft(bytes.TrimPrefix(head, []byte("\xef\xbb\xbf")), " \t\r\n")
	if len(head) == 0 || head[0] != '{' {
		return false
	}
	rest := bytes.TrimLeft(head[1:], " \t\r\n")
	return len(rest) == 0 || rest[0] == '"' || rest[0] == '}'
}

// Scan implements core.Handler.
func (h *Handler) Scan(s *core.Session, b *core.Blob) error {
	if IsConfigName(b.Base()) {
		return h.scanConfig(s, b)
	}
	return h.scanPython(s, b)
}

var (
	defaultPolOnce sync.Once
	defaultPol     *policy.Policy
)

func (h *Handler) policy() *policy.Policy {
	if h.Pol != nil {
		return h.Pol
	}
	defaultPolOnce.Do(func() { defaultPol = policy.Default() })
	return defaultPol
}
