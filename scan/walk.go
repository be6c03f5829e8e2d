package scan

import (
	"io/fs"
	"os"
	"path/filepath"
	"sort"

	"github.com/modelscan-go/modelscan/internal/core"
)

type file struct {
	path   string // to open
	source string // to report
	size   int64
}

// walk lists the regular files under p, sorted. Sources are relative to p
// when p is a directory and the base name when p is a file, as in Python
// ModelScan's report; with several inputs they keep the input as prefix.
// Symbolic links to files are followed; links to directories are not (no
// loops); everything else (devices, sockets, FIFOs) is skipped.
func walk(p string, prefixed bool) (files []file, skips []Skip, errs []Error) {
	st, err := os.Stat(p)
	if err != nil {
		return nil, nil, []Error{{Category: core.CatPath, Source: filepath.ToSlash(p), Description: err.Error()}}
	}
	name := func(rel string) string {
		rel = filepath.ToSlash(rel)
		if prefixed {
			return filepath.ToSlash(filepath.Join(p, rel))
		}
		return rel
	}
	if !st.IsDir() {
		src := filepath.Base(p)
		if prefixed {
			src = filepath.ToSlash(p)
		}
		if !st.Mode().IsRegular() {
			return nil, []Skip{{Category: core.SkipNotSupp, Source: src, Description: "not a regular file"}}, nil
		}
		return []file{{path: p, source: src, size: st.Size()}}, nil, nil
	}
	err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
		rel, _ := filepath.Rel(p, path)
		if err != nil {
			errs = append(errs, Error{Category: core.CatPath, Source: name(rel), Description: err.Error()})
			if d != nil && d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			return nil
		}
		var info fs.FileInfo
		if d.Type().IsRegular() {
			info, err = d.Info()
		} else {
			info, err = os.Stat(path) // follows links to files
		}
		if err != nil {
			errs = append(errs, Error{Category: core.CatPath, Source: name(rel), Description: err.Error()})
			return nil
		}
		switch {
		case info.Mode().IsRegular():
			files = append(files, file{path: path, source: name(rel), size: info.Size()})
		case info.IsDir():
			skips = append(skips, Skip{Category: core.SkipDirectory, Source: name(rel), Description: "symbolic link to a directory is not followed"})
		default:
			skips = append(skips, Skip{Category: core.SkipNotSupp, Source: name(rel), Description: "not a regular file"})
		}
		return nil
	})
	if err != nil {
		errs = append(errs, Error{Category: core.CatPath, Source: filepath.ToSlash(p), Description: err.Error()})
	}
	sort.Slice(files, func(i, j int) bool { return files[i].source < files[j].source })
	return files, skips, errs
}

func sortResult(r *Result) {
	sort.Strings(r.Scanned)
	sort.SliceStable(r.Skipped, func(i, j int) bool { return r.Skipped[i].Source < r.Skipped[j].Source })
	sort.SliceStable(r.Errors, func(i, j int) bool {
		a, b := r.Errors[i], r.Errors[j]
		if a.Source != b.Source {
			return a.Source < b.Source
		}
		return a.Description < b.Description
	})
}
