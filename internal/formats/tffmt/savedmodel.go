package tffmt

import (
	"fmt"
	"strings"

	"github.com/modelscan-go/modelscan/internal/core"
	"github.com/modelscan-go/modelscan/internal/protowalk"
	"github.com/modelscan-go/modelscan/internal/rules"
)

// maxAssetName bounds the asset file names read.
const maxAssetName = 4096

// savedModel scans every meta graph of a SavedModel.
func (sc *scanner) savedModel() error {
	i := 0
	return sc.r.Walk(sc.r.All(), func(f protowalk.Field) error {
		if f.Num != smMetaGraphs || f.Type != bt {
			return nil
		}
		i++
		return sc.metaGraph(f.Data, i-1)
	})
}

// metaGraph scans a MetaGraphDef: its graph (each occurrence of the field:
// parsers merge them), its asset file names and the Keras metadata of its
// object graph.
func (sc *scanner) metaGraph(sp protowalk.Span, idx int) error {
	where := "the graph"
	if idx > 0 {
		where = fmt.Sprintf("the graph of meta graph %d", idx)
	}
	objects := 0
	return sc.r.Walk(sp, func(f protowalk.Field) error {
		if f.Type != bt {
			return nil
		}
		switch f.Num {
		case mgGraphDef:
			return sc.graph(f.Data, where)
		case mgAssetFileDef:
			return sc.asset(f.Data)
		case mgObjectGraph:
			return sc.objectGraph(f.Data, idx, &objects)
		}
		return nil
	})
}

// asset checks the file name of an AssetFileDef: the loader joins it to
// <export_dir>/assets/.
func (sc *scanner) asset(sp protowalk.Span) error {
	return sc.r.Walk(sp, func(f protowalk.Field) error {
		if f.Num != assetFilename || f.Type != bt {
			return nil
		}
		name, err := sc.r.String(f.Data, maxAssetName)
		if err != nil || !escapesAssets(name) {
			return err
		}
		sc.s.Add(sc.b, core.Finding{Rule: rules.TFAssetPath, Severity: core.High, Scanner: scannerOps,
			Description: "SavedModel asset file name points outside the assets directory",
			Module:      moduleTF, Operator: "AssetFileDef", Evidence: fmt.Sprintf("asset filename %q", clip(name, 512)),
			Offset: f.Off})
		return nil
	})
}

// escapesAssets reports whether an asset file name is absolute or climbs
// out of the directory it is joined to.
func escapesAssets(name string) bool {
	if strings.HasPrefix(name, "/") || strings.HasPrefix(name, "\\") || strings.ContainsRune(name, 0) {
		return true
	}
	if len(name) >= 2 && name[1] == ':' && (name[0]|0x20 >= 'a' && name[0]|0x20 <= 'z') {
		return true
	}
	for _, part := range strings.FieldsFunc(name, func(r rune) bool { return r == '/' || r == '\\' }) {
		if part == ".." {
			return true
		}
	}
	return false
}

// objectGraph hands the Keras metadata that TensorFlow 2.0-2.4 stored in
// SavedUserObject.metadata to the session.
func (sc *scanner) objectGraph(sp protowalk.Span, idx int, count *int) error {
	return sc.r.Walk(sp, func(f protowalk.Field) error {
		if f.Num != sogNodes || f.Type != bt {
			return nil
		}
		node := *count
		*count++
		return sc.r.Walk(f.Data, func(of protowalk.Field) error {
			if of.Num != soUserObject || of.Type != bt {
				return nil
			}
			return sc.r.Walk(of.Data, func(uf protowalk.Field) error {
				if uf.Num != suoMetadata || uf.Type != bt {
					return nil
				}
				name := fmt.Sprintf("object_graph/node-%d", node)
				if idx > 0 {
					name = fmt.Sprintf("meta_graph-%d/object_graph/node-%d", idx, node)
				}
				return sc.kerasChild(name, uf.Data)
			})
		})
	})
}
