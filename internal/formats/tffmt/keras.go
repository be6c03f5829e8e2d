package tffmt

import (
	"fmt"
	"io"
	"strings"

	"github.com/modelscan-go/modelscan/internal/core"
	"github.com/modelscan-go/modelscan/internal/protowalk"
)

// Keras metadata limits.
const (
	maxKerasChildren = 100_000 // metadata blobs handed out per file
	maxChildName     = 128     // bytes of a node path used in a blob name
)

// kerasMetadata hands the JSON metadata of every Keras SavedObject of a
// keras_metadata.pb to the session (the Keras configuration analysis
// receives it through the keras-config role).
func (sc *scanner) kerasMetadata() error {
	i := 0
	return sc.r.Walk(sc.r.All(), func(f protowalk.Field) error {
		if f.Num != kmNodes || f.Type != bt {
			return nil
		}
		i++
		var path, meta protowalk.Span
		hasPath, hasMeta := false, false
		err := sc.r.Walk(f.Data, func(nf protowalk.Field) error {
			if nf.Type != bt {
				return nil
			}
			switch nf.Num {
			case ksNodePath:
				path, hasPath = nf.Data, true
			case ksMetadata:
				meta, hasMeta = nf.Data, true
			}
			return nil
		})
		if err != nil || !hasMeta {
			return err
		}
		name := fmt.Sprintf("node-%d", i-1)
		if hasPath && path.Len > 0 {
			p, err := sc.r.String(path, maxChildName)
			if err != nil {
				return err
			}
			name = safeName(p)
		}
		return sc.kerasChild(name, meta)
	})
}

// kerasChild scans a metadata string that holds a JSON object as a nested
// blob with the keras-config role. The blob reads the file in place.
func (sc *scanner) kerasChild(name string, sp protowalk.Span) error {
	if sp.Len == 0 {
		return nil
	}
	head, _, err := sc.r.Read(sp, 64)
	if err != nil {
		return err
	}
	if t := strings.TrimLeft(string(head), " \t\r\n"); !strings.HasPrefix(t, "{") {
		return nil
	}
	if sc.keras++; sc.keras > maxKerasChildren {
		return &budgetError{"tf_keras_metadata", fmt.Errorf("more than %d Keras metadata blobs", maxKerasChildren)}
	}
	child := sc.b.Child(name, io.NewSectionReader(sc.b.R, sp.Off, sp.Len), sp.Len)
	child.Role = core.RoleKerasConfig
	// The metadata is not a file the user gave: if no handler takes it
	// (the Keras scanner is disabled), that is not reported as a skip.
	child.Quiet = true
	if err := sc.s.Scan(child); err != nil {
		if ctxErr := sc.s.Ctx.Err(); ctxErr != nil {
			return ctxErr
		}
		sc.s.Fail(child, core.CatModelScan, err)
	}
	return nil
}

// safeName keeps a node path printable for use in a source name.
func safeName(p string) string {
	var b strings.Builder
	for _, r := range p {
		if r < 0x20 || r == 0x7f || r == ':' {
			r = '_'
		}
		b.WriteRune(r)
	}
	return b.String()
}
