package zipfmt

// PyTorch archives that carry code: TorchScript (torch.jit.save: code/,
// constants.pkl, data.pkl) and torch.package (PackageExporter:
// .data/extern_modules, Python modules, pickles). The kind is decided once
// per archive from the member names; the members are then routed here.
//
// Pickles of these archives reference globals the archive defines itself:
// TorchScript classes (__torch__.*, compiled from code/) and the packaged
// modules of a torch.package. They are judged with a clone of the policy
// that allowlists exactly those globals (the ones a pre-pass over the pickle
// finds under modules the archive has code for), so the pickle auditor
// stays unchanged and everything else, including dunder names and
// denylisted names, is classified as usual. The archive-level finding and
// the scan of the code itself cover what those globals run.

import (
	"fmt"
	"io"
	"path"
	"sort"
	"strings"

	"github.com/modelscan-go/modelscan/internal/core"
	"github.com/modelscan-go/modelscan/internal/formats/picklefmt"
	"github.com/modelscan-go/modelscan/internal/pickle"
	"github.com/modelscan-go/modelscan/internal/policy"
	"github.com/modelscan-go/modelscan/internal/pysrc"
	"github.com/modelscan-go/modelscan/internal/rules"
	"github.com/modelscan-go/modelscan/internal/zipx"
)

// torchArchive is what detectTorchArchive learnt from the member names.
type torchArchive struct {
	pkg       bool            // torch.package (else TorchScript)
	prefix    string          // "<archive name>/" or ""
	code      []string        // TorchScript code members, relative to prefix
	constants bool            // constants.pkl: torch.load hands the archive to torch.jit.load
	tsModules map[string]bool // __torch__ modules the code defines
	sources   []string        // torch.package Python modules
	pyModules map[string]bool // the same, as a set

	base, pol *policy.Policy // pol: base plus archive-defined globals (lazy)
}

// maxSourceBytes bounds the source of one code member that is analysed.
const maxSourceBytes = 16 << 20

// detectTorchArchive recognises a torch.package archive (a
// <prefix>/.data/extern_modules member) or, in a torch.save-style archive,
// TorchScript (code/*.py or constants.pkl next to data.pkl). It returns nil
// for other archives, plain torch.save checkpoints included.
func detectTorchArchive(z *zipx.Reader, torch bool, base *policy.Policy) *torchArchive {
	ar := &torchArchive{base: base, tsModules: map[string]bool{}, pyModules: map[string]bool{}}
	found := false
	for _, m := range z.Members {
		n := slashName(m.Name)
		if n == ".data/extern_modules" || strings.HasSuffix(n, "/.data/extern_modules") && strings.Count(n, "/") == 2 {
			ar.pkg, ar.prefix, found = true, strings.TrimSuffix(n, ".data/extern_modules"), true
			break
		}
	}
	if !found && torch {
		for _, m := range z.Members {
			if isDataPkl(m.Name) {
				ar.prefix, found = strings.TrimSuffix(slashName(m.Name), "data.pkl"), true
				break
			}
		}
	}
	if !found {
		return nil
	}
	for _, m := range z.Members {
		rel, ok := ar.rel(m.Name)
		if !ok {
			continue
		}
		if mod, ok := tsModule(rel); ok {
			ar.code = append(ar.code, rel)
			ar.tsModules[mod] = true
		} else if mod, ok := pyModule(rel); ok && ar.pkg {
			ar.sources = append(ar.sources, mod)
			ar.pyModules[mod] = true
		}
		ar.constants = ar.constants || rel == "constants.pkl"
	}
	if !ar.pkg && len(ar.code) == 0 && !ar.constants {
		return nil // a plain torch.save checkpoint
	}
	sort.Strings(ar.sources)
	return ar
}

func slashName(n string) string { return strings.ReplaceAll(n, "\\", "/") }

func (ar *torchArchive) rel(name string) (string, bool) {
	n := slashName(name)
	if !strings.HasPrefix(n, ar.prefix) {
		return "", false
	}
	return n[len(ar.prefix):], true
}

// pyModule returns the module a torch.package source member defines.
func pyModule(rel string) (string, bool) {
	if !strings.HasSuffix(rel, ".py") || strings.HasPrefix(rel, ".data/") || len(rel) <= 3 {
		return "", false
	}
	mod := strings.ReplaceAll(strings.TrimSuffix(rel, ".py"), "/", ".")
	if mod == "__init__" {
		return "", false
	}
	return strings.TrimSuffix(mod, ".__init__"), true
}

// report adds the archive-level findings: the code the archive carries.
func (ar *torchArchive) report(s *core.Session, b *core.Blob) {
	if len(ar.code) > 0 || !ar.pkg {
		ev := "code files: " + list(ar.code, 12)
		if len(ar.code) == 0 {
			ev = "no code files, but constants.pkl makes torch.load hand the archive to torch.jit.load"
		}
		s.Add(b, core.Finding{Rule: rules.TorchScriptCode, Severity: core.Medium, Scanner: picklefmt.ScannerTorch,
			Description: "Archive carries TorchScript code: torch.jit.load compiles it and the model runs it " +
				"(torch.load up to 2.5.1 loads it even with weights_only=True)",
			Module: "torch.jit", Operator: "load", Evidence: ev, Offset: -1})
	}
	if ar.pkg && len(ar.sources) > 0 {
		s.Add(b, core.Finding{Rule: rules.TorchPackageCode, Severity: core.High, Scanner: picklefmt.ScannerTorch,
			Description: "Archive carries Python source that torch.package imports and runs",
			Module:      "torch.package", Operator: "PackageImporter", Offset: -1,
			Evidence: "modules: " + list(ar.sources, 12)})
	}
}

func list(xs []string, max int) string {
	if len(xs) > max {
		return fmt.Sprintf("%s, … (%d in all)", strings.Join(xs[:max], ", "), len(xs))
	}
	return strings.Join(xs, ", ")
}

// member scans the members whose meaning the archive kind decides and
// reports whether it did; the others go through the usual routing.
func (ar *torchArchive) member(h *Handler, s *core.Session, child *core.Blob) bool {
	rel, ok := ar.rel(child.Name)
	if !ok {
		return false
	}
	if _, ok := tsModule(rel); ok {
		ar.scanSource(s, child, rel, "TorchScript code", func(src string, hits *pysrc.Hits) { scanTorchScriptSource(ar.base, src, hits) })
		return true
	}
	if mod, ok := pyModule(rel); ok && ar.pkg {
		pkg := path.Base(rel) == "__init__.py"
		ar.scanSource(s, child, rel, "Packaged Python source", func(src string, hits *pysrc.Hits) { pysrc.ScanModule(ar.base, src, mod, pkg, hits) })
		return true
	}
	if !ar.pkg {
		// what torch.jit.load (and the lite interpreter: bytecode.pkl)
		// unpickles; extra/ holds the caller's files, handed over as bytes
		if strings.HasSuffix(rel, ".pkl") && !strings.HasPrefix(rel, "extra/") || strings.HasSuffix(rel, ".debug_pkl") {
			ar.scanPickle(s, child)
			return true
		}
		return false
	}
	if strings.HasPrefix(rel, ".data/") && strings.HasSuffix(rel, ".storage") {
		if completePickleWithImports(child) { // raw tensor bytes otherwise
			child.Dormant = true
			s.MarkScanned(child)
			picklefmt.ScanStream(h.Pol, s, child, picklefmt.Options{Scanner: picklefmt.ScannerTorch})
		}
		return true
	}
	head := make([]byte, core.HeadSize)
	n, _ := child.R.ReadAt(head, 0)
	if picklefmt.Sniff(head[:n], child) {
		ar.scanPickle(s, child) // the package importer can unpickle any resource
		return true
	}
	child.Quiet = child.Quiet || strings.HasPrefix(rel, ".data/")
	return false
}

// scanSource reads a code member and reports what scan finds in it.
func (ar *torchArchive) scanSource(s *core.Session, child *core.Blob, rel, what string, scan func(string, *pysrc.Hits)) {
	s.MarkScanned(child)
	size := min(child.Size, maxSourceBytes)
	buf := make([]byte, size)
	n, err := child.R.ReadAt(buf, 0)
	if int64(n) < size && err != nil && err != io.EOF {
		s.Fail(child, core.CatNestedZip, fmt.Errorf("code member cannot be read: %w", err))
	}
	if child.Size > maxSourceBytes {
		s.Add(child, core.Finding{Rule: rules.ScanIncomplete, Severity: core.Medium, Scanner: picklefmt.ScannerTorch,
			Description: "Scan incomplete: code member too large",
			Evidence:    fmt.Sprintf("only the first %d of %d bytes were analysed", maxSourceBytes, child.Size), Offset: -1})
	}
	var hits pysrc.Hits
	scan(string(buf[:n]), &hits)
	for _, f := range hits.Findings(rel, what) {
		f.Scanner = picklefmt.ScannerTorch
		s.Add(child, f)
	}
}

// scanPickle scans a pickle the archive's loader unpickles, at full
// severity, with the globals the archive defines allowlisted.
func (ar *torchArchive) scanPickle(s *core.Session, child *core.Blob) {
	pol := ar.base
	obs := pickle.ObserverFunc(func(ev *pickle.Event) {
		if ev.Kind != pickle.EvImport || ev.Global == nil || !ar.defines(ev.Global.Module, ev.Global.Name) {
			return
		}
		if ar.pol == nil {
			ar.pol = ar.base.Clone()
		}
		ar.pol.AddAllow(ev.Global.Module, ev.Global.Name)
	})
	lim := s.Limits
	pickle.Run(child.R, 0, child.Size, pickle.Config{MaxOps: lim.MaxOpcodes, MaxMemo: lim.MaxMemo,
		MaxStack: lim.MaxStack, MaxLine: lim.MaxStringBytes, Interrupt: s.Ctx.Err}, obs)
	if ar.pol != nil {
		pol = ar.pol
	}
	s.MarkScanned(child)
	picklefmt.ScanStream(pol, s, child, picklefmt.Options{Scanner: picklefmt.ScannerTorch, Torch: true})
}

// defines reports whether the archive itself defines module.name (never a
// dunder name: those stay with the policy's own rules).
func (ar *torchArchive) defines(module, name string) bool {
	for _, p := range strings.Split(name, ".") {
		if strings.HasPrefix(p, "__") && strings.HasSuffix(p, "__") {
			return false
		}
	}
	if ar.tsDefined(module, name) {
		return true
	}
	if ar.pkg && module == "torch.jit._script" && name == "unpackage_script_module" {
		return len(ar.code) > 0 // loads the archive's own TorchScript (scanned)
	}
	return ar.pyModules[module]
}
