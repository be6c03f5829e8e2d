package picklefmt

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/modelscan-go/modelscan/internal/core"
	"github.com/modelscan-go/modelscan/internal/pickle"
	"github.com/modelscan-go/modelscan/internal/policy"
	"github.com/modelscan-go/modelscan/internal/rules"
)

// Options say how the loader reads the stream.
type Options struct {
	Scanner    string // Python ModelScan scanner name for the report
	Torch      bool   // torch.load: persistent ids are resolved by the loader
	MaxPickles int    // stop after this many pickles (0: until the data ends)
	Start, End int64  // byte range of the stream within the blob (End 0: blob end)
}

// ScanStream analyses the pickle stream in b and reports into s. It runs
// the machine the way pickle.loads reads (frames ignored); when an opcode
// straddles a frame it runs again the way a file-based unpickler reads; and
// when the stream holds joblib arrays it runs again the way joblib.load
// reads. Findings of every reading are reported. The returned result and
// error are those of the reading the real loader uses.
func ScanStream(pol *policy.Policy, s *core.Session, b *core.Blob, o Options) (pickle.Result, error) {
	if o.End == 0 {
		o.End = b.Size
	}
	lim := s.Limits
	cfg := pickle.Config{MaxOps: lim.MaxOpcodes, MaxMemo: lim.MaxMemo, MaxStack: lim.MaxStack,
		MaxLine: lim.MaxStringBytes, MaxPickles: o.MaxPickles,
		Interrupt: func() error {
			if err := s.Ctx.Err(); err != nil {
				if errors.Is(err, context.DeadlineExceeded) {
					return &pickle.BudgetError{Budget: "max_seconds_per_file", Limit: 0}
				}
				return err
			}
			return nil
		}}

	out := newCollector()
	defer out.flush(s, b)
	pass := func(mode pickle.FrameMode, joblib bool) (pickle.Result, error, bool) {
		c := cfg
		c.Mode, c.Joblib = mode, joblib
		a := newAuditor(pol, s, b, o.Scanner, out)
		a.torch = o.Torch
		seen := false
		obs := pickle.ObserverFunc(func(ev *pickle.Event) {
			if ev.Kind == pickle.EvJoblibArray {
				seen = true
				if !joblib {
					// pickle.load reads the array data as opcodes: only
					// what reaches dangerous callables is worth reporting
					a.shadow = true
				}
			}
			a.Observe(ev)
		})
		res, err := pickle.Run(b.R, o.Start, o.End, c, obs)
		a.finish()
		return res, err, seen
	}

	// pickle.loads, and files read through a peekable buffer
	res, err, joblibSeen := pass(pickle.FrameLinear, false)
	if res.Straddled || res.FrameErr {
		// file objects without peek (torch.load's io.BytesIO) and the
		// pure-Python unpickler read frames differently: run both
		pass(pickle.FrameExact, false)
		pass(pickle.FramePython, false)
	}
	if joblibSeen {
		// joblib.load: the pure-Python unpickler plus inline array data
		res, err, _ = pass(pickle.FramePython, true)
	}
	if err != nil {
		report(s, b, err)
	}
	return res, err
}

// report records a machine error: budgets as scan-incomplete findings plus
// an error, parse errors as errors.
func report(s *core.Session, b *core.Blob, err error) {
	var be *pickle.BudgetError
	if errors.As(err, &be) {
		s.Budget(b, be.Budget, err)
		return
	}
	if errors.Is(err, context.Canceled) {
		s.Fail(b, core.CatCancelled, err)
		return
	}
	s.Fail(b, core.CatPickle, err)
}

// maybeNested scans the bytes handed to a deserializer as a pickle.
func (a *auditor) maybeNested(callee string, c *pickle.Call) bool {
	kind := loaders[callee]
	if kind == "" || len(c.Args.Items) == 0 || a.shadow {
		return false
	}
	arg := c.Args.Items[0]
	a.nested[arg] = true
	if d, ok := arg.(*pickle.Call); ok && d.Result != nil && len(d.Args.Items) > 0 {
		a.nested[d.Args.Items[0]] = true
	}
	child := a.childBlob(arg, fmt.Sprintf("%s@%d", callee, c.Off))
	if child == nil {
		sev := core.Medium
		if frameworkLoaders[callee] {
			sev = core.High // its content would run unchecked
		}
		a.add(core.Finding{Rule: rules.ScanIncomplete, Severity: sev,
			Description: "Nested pickle could not be recovered for scanning",
			Module:      moduleOf(callee), Operator: nameOf(callee), Offset: c.Off,
			Evidence: pickle.Render(c, evidenceMax)})
		return false
	}
	if kind == "pickle" {
		child.Role = core.RoleNestedPickle
	}
	if err := a.sess.Scan(child); err != nil {
		a.sess.Fail(child, core.CatPickle, err)
	}
	return true
}

// childBlob makes a blob of the bytes of a literal (zero-copy when the
// literal is a raw payload of the stream).
func (a *auditor) childBlob(v pickle.Value, name string) *core.Blob {
	if bv, ok := v.(*pickle.Bytes); ok && bv.Data == nil && bv.Src != nil && bv.Off >= 0 {
		if bv.Len > a.sess.Limits.MaxNestedPickle {
			return nil
		}
		return a.blob.Child(name, io.NewSectionReader(bv.Src, bv.Off, bv.Len), bv.Len)
	}
	data, ok := pickle.BytesOf(v)
	if !ok || int64(len(data)) > a.sess.Limits.MaxNestedPickle {
		return nil
	}
	return a.blob.Child(name, bytes.NewReader(data), int64(len(data)))
}

// onEmbedded scans a literal that looks like a pickle and was not handed to
// a deserializer: its findings are dormant (one step lower), and the
// embedding itself is reported when the inner pickle runs code.
func (a *auditor) onEmbedded(ev *pickle.Event) {
	if a.nested[ev.Value] || a.shadow {
		return
	}
	data, ok := pickle.DecodeEmbedded(ev.Value, ev.Detail)
	if !ok || !pickle.SniffPickle(data) {
		return
	}
	name := fmt.Sprintf("%s-literal@%d", ev.Detail, ev.Off)
	child := a.blob.Child(name, bytes.NewReader(data), int64(len(data)))
	child.Dormant = true
	child.Role = core.RoleNestedPickle
	before := len(a.sess.Findings)
	if err := a.sess.Scan(child); err != nil {
		a.sess.Fail(child, core.CatPickle, err)
	}
	worst := core.SeverityNone
	var what string
	for _, f := range a.sess.Findings[before:] {
		if f.Severity > worst && f.Rule != rules.PickleTrailingData && f.Rule != rules.PickleFrameAnomaly {
			worst = f.Severity
			what = f.Module + "." + f.Operator
		}
	}
	if worst == core.SeverityNone {
		return
	}
	sev := core.Medium
	if worst > sev {
		sev = worst
	}
	a.add(core.Finding{Rule: rules.PickleEmbedded, Severity: sev,
		Description: fmt.Sprintf("A %s literal in the pickle is itself a pickle that imports code", ev.Detail),
		Module:      moduleOf(what), Operator: nameOf(what), Offset: ev.Off,
		Evidence: fmt.Sprintf("%s literal at offset %d (%d bytes) decodes to a pickle; see %s", ev.Detail, ev.Off, len(data), child.Source)})
}
