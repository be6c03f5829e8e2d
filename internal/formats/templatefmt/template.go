// Package templatefmt scans the Jinja chat templates LLM runtimes render:
// chat_template.jinja (and other *.jinja files), the chat_template value of
// chat_template.json, and any blob a container marks with
// core.RoleChatTemplate (a GGUF tokenizer.chat_template). The
// chat_template of tokenizer_config.json and processor_config.json is
// analysed through ScanJSONTemplates by the handler that owns those files
// (hf-config), so that each file gets one verdict. Templates are parsed and
// analysed by internal/jinja; nothing is ever rendered.
package templatefmt

import (
	"bytes"
	"errors"
	"fmt"
	"path"
	"strings"
	"unicode/utf8"

	"github.com/modelscan-go/modelscan/internal/core"
	"github.com/modelscan-go/modelscan/internal/jinja"
)

// ScannerName is the Finding.Scanner of chat-template findings (Python
// ModelScan has no scanner for templates).
const ScannerName = "modelscan.scanners.ChatTemplateScan"

// MaxJSONBytes bounds the JSON files read for their chat_template.
const MaxJSONBytes = 16 << 20

// Handler scans chat templates. The zero value uses jinja.DefaultLimits.
type Handler struct {
	Limits jinja.Limits
}

// Name implements core.Handler.
func (h *Handler) Name() string { return "chat-template" }

type fileKind int

const (
	kindNone fileKind = iota
	kindJSON
	kindText
)

// jsonNames are the JSON files this handler owns for their chat templates
// (tokenizer_config.json and processor_config.json belong to hf-config).
var jsonNames = map[string]bool{"chat_template.json": true}

func kindOf(b *core.Blob) fileKind {
	base := strings.ToLower(b.Base())
	switch {
	case jsonNames[base]:
		return kindJSON
	case strings.HasSuffix(base, ".jinja") || strings.HasSuffix(base, ".jinja2") || strings.HasSuffix(base, ".j2"):
		return kindText
	}
	return kindNone
}

// Match implements core.Handler: a blob marked as a chat template, a JSON
// object named like a tokenizer or chat-template config, or text named
// *.jinja.
func (h *Handler) Match(head []byte, b *core.Blob) bool {
	if b.Role == core.RoleChatTemplate {
		return true
	}
	switch kindOf(b) {
	case kindJSON:
		return looksJSONObject(head)
	case kindText:
		return looksText(head)
	}
	return false
}

func looksJSONObject(head []byte) bool {
	head = bytes.TrimPrefix(head, []byte("\xef\xbb\xbf"))
	head = bytes.TrimLeft(head, " \t\r\n")
	return len(head) > 0 && head[0] == '{'
}

// looksText accepts UTF-8 without NUL bytes (a rune cut by the end of the
// head is fine).
func looksText(head []byte) bool {
	if bytes.IndexByte(head, 0) >= 0 {
		return false
	}
	if utf8.Valid(head) {
		return true
	}
	if len(head) < core.HeadSize {
		return false
	}
	// the head may end inside a multi-byte character
	for i := 1; i < utf8.UTFMax && i < len(head); i++ {
		if tail := head[len(head)-i:]; utf8.RuneStart(tail[0]) {
			return tail[0] >= 0xC2 && tail[0] <= 0xF4 && !utf8.FullRune(tail) && utf8.Valid(head[:len(head)-i])
		}
	}
	return false
}

// Scan implements core.Handler.
func (h *Handler) Scan(s *core.Session, b *core.Blob) error {
	if b.Role == core.RoleChatTemplate || kindOf(b) != kindJSON {
		lim := h.limits()
		if b.Size > int64(lim.MaxBytes) {
			s.Budget(b, "max_template_bytes", fmt.Errorf("chat template is %d bytes, more than the limit of %d", b.Size, lim.MaxBytes))
			return nil
		}
		data, err := b.Bytes()
		if err != nil {
			s.Fail(b, core.CatPath, fmt.Errorf("read %s: %w", b.Source, err))
			return nil
		}
		if b.Role != core.RoleChatTemplate {
			// A template handed on by its container (a GGUF key) is
			// part of that file, which is listed as scanned.
			s.MarkScanned(b)
		}
		h.analyse(s, b, string(data), true)
		return nil
	}
	if b.Size > MaxJSONBytes {
		s.Budget(b, "max_template_json_bytes", fmt.Errorf("%s is %d bytes, more than the limit of %d", b.Base(), b.Size, MaxJSONBytes))
		return nil
	}
	data, err := b.Bytes()
	if err != nil {
		s.Fail(b, core.CatPath, fmt.Errorf("read %s: %w", b.Source, err))
		return nil
	}
	s.MarkScanned(b)
	if err := h.ScanJSONTemplates(s, b, data); err != nil {
		s.Fail(b, core.CatJSON, err)
	}
	return nil
}

// ScanJSONTemplates analyses the chat templates of a JSON config that the
// caller has read (data, at most MaxJSONBytes) from blob b: findings of
// each template are reported on a child of b named by its label
// ("chat_template", "chat_template[tool_use]"). It returns the error of
// reading the JSON, if any, without recording it; templates found before
// the error are analysed.
func (h *Handler) ScanJSONTemplates(s *core.Session, b *core.Blob, data []byte) error {
	templates, err := ExtractTemplates(data)
	for _, t := range templates {
		child := b.Child(t.Label, strings.NewReader(t.Template), int64(len(t.Template)))
		child.Role = core.RoleChatTemplate
		h.analyse(s, child, t.Template, false)
	}
	return err
}

func (h *Handler) limits() jinja.Limits {
	lim := h.Limits
	d := jinja.DefaultLimits()
	if lim.MaxBytes <= 0 {
		lim.MaxBytes = d.MaxBytes
	}
	return lim
}

// analyse reports the issues of one template; offsets are kept when the
// template is the blob's own bytes.
func (h *Handler) analyse(s *core.Session, b *core.Blob, src string, raw bool) {
	rep, err := jinja.Analyze(src, h.limits())
	for _, is := range rep.Issues {
		f := core.Finding{Rule: is.Rule, Severity: is.Severity, Description: is.Message, Module: "jinja2",
			Scanner: ScannerName, Evidence: fmt.Sprintf("line %d:%d: %s", is.Line, is.Col, is.Evidence), Offset: -1}
		if len(is.Names) > 0 {
			f.Operator = is.Names[0]
		}
		if raw {
			f.Offset = int64(is.Offset)
		}
		s.Add(b, f)
	}
	if err != nil {
		cat := core.CatModelScan
		if e := (*jinja.Error)(nil); errors.As(err, &e) && e.Limit != "" {
			cat = core.CatBudget
		}
		s.Fail(b, cat, fmt.Errorf("chat template %s: %w", path.Base(b.Name), err))
	}
}
