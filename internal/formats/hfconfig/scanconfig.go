package hfconfig

// Findings of a config file: one per Python file it makes the loader run
// (entries naming the same file are merged), plus its chat templates.

import (
	"errors"
	"fmt"
	"path"
	"strings"

	"github.com/modelscan-go/modelscan/internal/core"
	"github.com/modelscan-go/modelscan/internal/rules"
)

// maxEvidenceRefs bounds the entries listed in one finding's evidence.
const maxEvidenceRefs = 8

func (h *Handler) scanConfig(s *core.Session, b *core.Blob) error {
	if b.Size > MaxJSONBytes {
		s.Budget(b, "max_hf_config_bytes", fmt.Errorf("%s is %d bytes, more than the limit of %d", b.Base(), b.Size, MaxJSONBytes))
		return nil
	}
	data, err := b.Bytes()
	if err != nil {
		s.Fail(b, core.CatPath, fmt.Errorf("read %s: %w", b.Base(), err))
		return nil
	}
	s.MarkScanned(b)
	cfg, perr := Parse(data, IsModelIndex(b.Base()))
	report(s, b, cfg.References)
	if cfg.ChatTemplate {
		// the templates' own JSON error is the document's, reported once
		if terr := h.Templates.ScanJSONTemplates(s, b, data); terr != nil && perr == nil {
			s.Fail(b, core.CatJSON, fmt.Errorf("%s: %w", b.Base(), terr))
		}
	}
	switch {
	case errors.Is(perr, ErrTooManyReferences):
		s.Budget(b, "max_hf_config_references", fmt.Errorf("%s: %w", b.Base(), perr))
	case perr != nil:
		s.Fail(b, core.CatJSON, fmt.Errorf("%s: %w", b.Base(), perr))
	}
	return nil
}

// group is the references that load one Python file.
type group struct {
	rule string
	sev  core.Severity
	refs []Reference
}

// report adds one finding per Python file (per repository) the config
// makes its loader run.
func report(s *core.Session, b *core.Blob, refs []Reference) {
	own := repoOf(b.Source)
	groups := map[string]*group{}
	var order []string
	for _, r := range refs {
		rule, sev := rules.HFRemoteCode, core.Medium
		switch {
		case r.Kind == KindDiffusersClass || r.Kind == KindComponent:
			rule = rules.HFCustomPipeline
		case r.Repo != "" && r.Repo != own:
			rule, sev = rules.HFRemoteCodeOtherRepo, core.High
		}
		key := rule + "\x00" + r.Repo + "\x00" + r.File
		g := groups[key]
		if g == nil {
			g = &group{rule: rule, sev: sev}
			groups[key] = g
			order = append(order, key)
		}
		g.refs = append(g.refs, r)
	}
	dir := path.Dir(b.Source)
	for _, key := range order {
		g := groups[key]
		first := g.refs[0]
		file, other := first.File, g.rule == rules.HFRemoteCodeOtherRepo
		if file == "" {
			file = "(no module named)"
		} else if !other {
			file = path.Join(dir, file)
		}
		var ev []string
		for i, r := range g.refs {
			if i == maxEvidenceRefs {
				ev = append(ev, fmt.Sprintf("… (%d entries in all)", len(g.refs)))
				break
			}
			ev = append(ev, r.evidence())
		}
		mod := first.Module()
		if other {
			mod = first.Repo + "--" + mod // as written: findings of different repositories stay apart
		}
		s.Add(b, core.Finding{Rule: g.rule, Severity: g.sev, Scanner: ScannerName, Module: mod,
			Operator: first.Class, Description: describe(b.Base(), first, file, other), Evidence: strings.Join(ev, "; "), Offset: -1})
	}
}

func describe(base string, r Reference, file string, other bool) string {
	switch {
	case r.Kind == KindDiffusersClass:
		return fmt.Sprintf("%s loads a custom pipeline class from %s: diffusers runs it with trust_remote_code=True", base, file)
	case r.Kind == KindComponent:
		lib := strings.TrimSuffix(path.Base(r.File), ".py")
		return fmt.Sprintf("%s loads component %s from custom code %s (with trust_remote_code=True), or imports the installed module %s",
			base, r.Entry, file, lib)
	case other:
		return fmt.Sprintf("%s runs %s from another repository, %s: that code is not among the files scanned and this "+
			"model's revision does not pin it (needs trust_remote_code=True)", base, file, r.Repo)
	}
	return fmt.Sprintf("%s needs trust_remote_code=True: transformers imports %s from the repository and runs it", base, file)
}

// repoOf returns the repository id ("org/name") of a source inside a
// Hugging Face cache (".../models--org--name/snapshots/<rev>/..."), or "".
func repoOf(source string) string {
	for _, seg := range strings.Split(source, "/") {
		if rest, ok := strings.CutPrefix(seg, "models--"); ok && rest != "" {
			return strings.ReplaceAll(rest, "--", "/")
		}
	}
	return ""
}
