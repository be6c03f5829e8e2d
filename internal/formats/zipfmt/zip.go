// Package zipfmt scans zip archives: PyTorch checkpoints (read the way
// torch.load reads them), NumPy .npz and any other zip, member by member,
// routing each member by its content.
package zipfmt

import (
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/modelscan-go/modelscan/internal/streams"

	"github.com/modelscan-go/modelscan/internal/core"
	"github.com/modelscan-go/modelscan/internal/formats/picklefmt"
	"github.com/modelscan-go/modelscan/internal/pickle"
	"github.com/modelscan-go/modelscan/internal/policy"
	"github.com/modelscan-go/modelscan/internal/rules"
	"github.com/modelscan-go/modelscan/internal/zipx"
)

// Handler scans zip content.
type Handler struct {
	Pol           *policy.Policy
	TorchDisabled bool // settings turned the PyTorch scanner off
}

// Name implements core.Handler.
func (h *Handler) Name() string { return "zip" }

// Match implements core.Handler: a local header at the start, or an end of
// central directory record near the end.
func (h *Handler) Match(head []byte, b *core.Blob) bool { return zipx.Sniff(head, b.R, b.Size) }

// Scan implements core.Handler.
func (h *Handler) Scan(s *core.Session, b *core.Blob) error {
	z, err := zipx.Open(b.R, b.Size, zipx.Limits{MaxMembers: s.Limits.MaxMembers})
	if z == nil {
		s.Fail(b, core.CatNestedZip, fmt.Errorf("zip: %w", err))
		return nil
	}
	torch := isTorch(z)
	ar := detectTorchArchive(z, torch, h.Pol) // TorchScript or torch.package: nil otherwise
	if (torch || ar != nil) && h.TorchDisabled {
		s.Skip(b, core.SkipNotSupp, "the PyTorch scanner is disabled in the settings")
		return nil
	}
	s.MarkScanned(b)
	truncated := errors.Is(err, zipx.ErrTooManyMembers)
	if truncated {
		s.Budget(b, "max_members", err)
	} else if err != nil {
		s.Fail(b, core.CatNestedZip, err)
	}
	for _, a := range z.Anomalies {
		if truncated && (a.Kind == zipx.KindCDSizeMismatch || a.Kind == zipx.KindCountMismatch) {
			continue // the walk stopped at the budget, not at a bad directory
		}
		h.anomaly(s, b, a, "")
	}
	if z.Prefix > 0 {
		// Loaders that check the first bytes (torch.load, pickle.load) see
		// the prefix, not the archive: scan it as its own stream.
		child := b.Child("prefix@0", io.NewSectionReader(b.R, 0, z.Prefix), z.Prefix)
		child.Quiet = true
		if err := s.Scan(child); err != nil {
			return err
		}
	}
	if ar != nil {
		ar.report(s, b)
	}
	members := z.Members
	if streams.Sequential(b.R) {
		// a decoded stream too large to keep (a zip inside gzip): read the
		// members front to back, so the stream is decoded once
		members = z.ByOffset()
	}
	for _, m := range members {
		if err := s.Ctx.Err(); err != nil {
			return err
		}
		for _, a := range m.Anomalies {
			h.anomaly(s, b, a, m.Name)
		}
		if strings.HasSuffix(m.Name, "/") && m.UncompressedSize == 0 {
			continue // directory entry
		}
		h.member(s, b, m, torch, ar)
	}
	return nil
}

// isTorch recognises a torch.save archive: a data.pkl member (at the top or
// under the archive's single top-level folder).
func isTorch(z *zipx.Reader) bool {
	for _, m := range z.Members {
		if isDataPkl(m.Name) {
			return true
		}
	}
	return false
}

func isDataPkl(name string) bool {
	name = strings.ReplaceAll(name, "\\", "/")
	return name == "data.pkl" || (path.Base(name) == "data.pkl" && strings.Count(strings.Trim(name, "/"), "/") == 1)
}

// isStorage is a tensor blob: <prefix>/data/<key>, never unpickled.
func isStorage(name string) bool {
	parts := strings.Split(strings.ReplaceAll(name, "\\", "/"), "/")
	return len(parts) == 3 && parts[1] == "data"
}

func (h *Handler) member(s *core.Session, b *core.Blob, m *zipx.Member, torch bool, ar *torchArchive) {
	child, mismatch := openMember(s, b, m)
	if child == nil {
		return
	}
	if mismatch == nil && m.Method == 0 && !isStorage(m.Name) && child.Size <= crcCheckMax(b.R) {
		// stored members are read in place; check the CRC of the ones the
		// scan reads anyway (tensor storages are skipped, as torch does)
		mismatch = storedMismatch(b.R, m)
	}
	if mismatch != nil {
		h.anomaly(s, b, zipx.Anomaly{Kind: zipx.KindBadCRC, Detail: mismatch.Error()}, m.Name)
	}
	if ar != nil && ar.member(h, s, child) {
		return
	}
	if !torch {
		if err := s.Scan(child); err != nil {
			s.Fail(child, core.CatModelScan, err)
		}
		return
	}
	switch {
	case isDataPkl(m.Name) || path.Base(m.Name) == "constants.pkl":
		// what torch.load (and torch.jit.load) unpickle
		s.MarkScanned(child)
		picklefmt.ScanStream(h.Pol, s, child, picklefmt.Options{Scanner: picklefmt.ScannerTorch, Torch: true})
	case isStorage(m.Name):
		// Raw tensor bytes: only a stream that is a complete pickle with
		// imports is worth a (dormant) report.
		if completePickleWithImports(child) {
			child.Dormant = true
			s.MarkScanned(child)
			picklefmt.ScanStream(h.Pol, s, child, picklefmt.Options{Scanner: picklefmt.ScannerTorch})
		}
	default:
		// Other members are never deserialized by torch.load: anything
		// found there is dormant.
		child.Dormant, child.Quiet = true, true
		if err := s.Scan(child); err != nil {
			s.Fail(child, core.CatModelScan, err)
		}
	}
}

// completePickleWithImports reports whether the blob parses to STOP as a
// pickle that imports something.
func completePickleWithImports(b *core.Blob) bool {
	head := make([]byte, 3)
	if n, _ := b.R.ReadAt(head, 0); n < 3 || !pickle.SniffPickle(head) {
		return false
	}
	imports := 0
	obs := pickle.ObserverFunc(func(ev *pickle.Event) {
		if ev.Kind == pickle.EvImport || ev.Kind == pickle.EvUnresolvedImport {
			imports++
		}
	})
	res, err := pickle.Run(b.R, 0, b.Size, pickle.Config{MaxPickles: 1, MaxOps: 1 << 20}, obs)
	return err == nil && res.Pickles == 1 && imports > 0
}

// severity of each archive anomaly, and the rule it belongs to.
var anomalyRules = map[string]struct {
	rule string
	sev  core.Severity
}{
	zipx.KindAbsolutePath:     {rules.ArchiveTraversal, core.High},
	zipx.KindDotDotPath:       {rules.ArchiveTraversal, core.High},
	zipx.KindSymlink:          {rules.ArchiveTraversal, core.High},
	zipx.KindBackslash:        {rules.ArchiveTraversal, core.Medium},
	zipx.KindDataBefore:       {rules.ArchiveStructure, core.High},
	zipx.KindMultipleEOCD:     {rules.ArchiveStructure, core.High},
	zipx.KindOverlap:          {rules.ArchiveStructure, core.High},
	zipx.KindNulInName:        {rules.ArchiveStructure, core.High},
	zipx.KindBadCDOffset:      {rules.ArchiveStructure, core.High},
	zipx.KindDuplicateName:    {rules.ArchiveDuplicate, core.Medium},
	zipx.KindUnicodePathExtra: {rules.ArchiveStructure, core.Medium},
	zipx.KindCDSizeMismatch:   {rules.ArchiveStructure, core.Medium},
	zipx.KindCountMismatch:    {rules.ArchiveStructure, core.Medium},
	zipx.KindTruncatedCD:      {rules.ArchiveStructure, core.Medium},
	zipx.KindBadZip64:         {rules.ArchiveStructure, core.Medium},
	zipx.KindZip64Mismatch:    {rules.ArchiveStructure, core.Medium},
	zipx.KindDataPastEOF:      {rules.ArchiveStructure, core.Medium},
}

func (h *Handler) anomaly(s *core.Session, b *core.Blob, a zipx.Anomaly, member string) {
	if a.Kind == zipx.KindZip64 {
		return // normal for members over 4 GiB
	}
	r, ok := anomalyRules[a.Kind]
	if !ok {
		r.rule, r.sev = rules.ArchiveAnomaly, core.Low
	}
	src := b.Source
	if member != "" {
		src += ":" + member
	}
	s.Add(b, core.Finding{Rule: r.rule, Severity: r.sev, Source: src, Scanner: "modelscan.scanners.ZipScan",
		Description: "Zip archive anomaly: " + a.Kind, Module: "zip", Operator: a.Kind,
		Evidence: a.Detail, Offset: -1})
}

// crcCheckMax is the largest stored member whose CRC is checked: reading it
// a second time must be cheap. Inside a decoded stream too large to keep,
// that is what the stream's cache of recent bytes holds; a larger member
// would be decoded again from the start of the stream.
func crcCheckMax(r io.ReaderAt) int64 {
	if streams.Sequential(r) {
		return streams.RecentCache
	}
	return streams.InMemory
}
