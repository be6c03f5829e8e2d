package scan

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/modelscan-go/modelscan/internal/core"
	"github.com/modelscan-go/modelscan/internal/formats/hfconfig"
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
//
// Two kinds of files are decided after the whole tree is listed:
//   - Hugging Face cache (hub/models--org--name/{blobs,refs,snapshots}):
//     snapshot files are links into blobs/; a blob that a listed snapshot
//     links to is reported under the snapshot name only (under each
//     snapshot that has it: they are different revisions), a blob no
//     snapshot of the walk links to under its own name. refs/, .no_exist/
//     and the hub's .locks/ are bookkeeping and are skipped as a whole.
//   - Python files (*.py) are listed only when a config in their directory
//     or a directory above (up to p) makes a loader run repository code
//     (auto_map, custom_pipelines, a diffusers custom pipeline or
//     component; see hfconfig.Parse): those are what trust_remote_code
//     runs, and the hf-config handler scans them. Other Python files are
//     skipped, as before. A .py file given as the input itself is listed.
func walk(p string, prefixed bool) (files []file, skips []Skip, errs []Error) {
	skips, errs = walkEach(p, prefixed, func(f file) { files = append(files, f) })
	sort.Slice(files, func(i, j int) bool { return files[i].source < files[j].source })
	return files, skips, errs
}

// walkEach is walk handing each file to emit as soon as it is decided, so
// that scanning can start while the tree is still being listed: files in
// directory order first, then the files decided after the whole tree (cache
// blobs no snapshot links to, Python files a config asks to run).
func walkEach(p string, prefixed bool, emit func(file)) (skips []Skip, errs []Error) {
	st, err := os.Stat(p)
	if err != nil {
		return nil, []Error{{Category: core.CatPath, Source: filepath.ToSlash(p), Description: err.Error()}}
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
			return []Skip{{Category: core.SkipNotSupp, Source: src, Description: "not a regular file"}}, nil
		}
		emit(file{path: p, source: src, size: st.Size()})
		return nil, nil
	}
	w := &walker{root: p, cacheRepo: map[string]bool{}, remote: map[string]bool{}, linked: map[string]bool{}}
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
			if what := w.cacheMeta(path, d.Name()); path != p && what != "" {
				skips = append(skips, Skip{Category: core.SkipDirectory, Source: name(rel), Description: what})
				return filepath.SkipDir
			}
			return nil
		}
		var info fs.FileInfo
		link := !d.Type().IsRegular()
		if link {
			info, err = os.Stat(path) // follows links to files
		} else {
			info, err = d.Info()
		}
		if err != nil {
			errs = append(errs, Error{Category: core.CatPath, Source: name(rel), Description: err.Error()})
			return nil
		}
		switch {
		case info.Mode().IsRegular():
			f := file{path: path, source: name(rel), size: info.Size()}
			switch {
			case link:
				if target, err := filepath.EvalSymlinks(path); err == nil {
					w.linked[absPath(target)] = true
				}
			case w.inCacheBlobs(path):
				w.blobs = append(w.blobs, f)
				return nil
			}
			if strings.EqualFold(filepath.Ext(path), ".py") {
				w.python = append(w.python, f)
				return nil
			}
			emit(f)
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
	for _, f := range w.blobs {
		if !w.linked[absPath(f.path)] {
			emit(f) // no snapshot of the walk has it
		}
	}
	for _, f := range w.python {
		if w.remoteCode(filepath.Dir(f.path)) {
			emit(f)
		} else {
			skips = append(skips, Skip{Category: core.SkipNotSupp, Source: f.source,
				Description: "Python source that no model config in its directory or above asks to run (no auto_map, " +
					"custom_pipelines or diffusers custom code)"})
		}
	}
	return skips, errs
}

// walker is the state of one directory walk.
type walker struct {
	root      string
	cacheRepo map[string]bool // directory -> is a Hugging Face cache repository
	remote    map[string]bool // directory -> its configs (or one above) ask for repository code
	linked    map[string]bool // absolute targets of the links to files listed
	blobs     []file          // files under a cache repository's blobs/
	python    []file          // *.py files
}

func absPath(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}

// isCacheRepo reports whether dir is a repository of a Hugging Face cache:
// it holds blobs/ and snapshots/ directories.
func (w *walker) isCacheRepo(dir string) bool {
	is, ok := w.cacheRepo[dir]
	if !ok {
		is = isDir(filepath.Join(dir, "blobs")) && isDir(filepath.Join(dir, "snapshots"))
		w.cacheRepo[dir] = is
	}
	return is
}

func isDir(p string) bool {
	st, err := os.Lstat(p)
	return err == nil && st.IsDir()
}

// inCacheBlobs reports whether a file lies in the blobs/ directory of a
// cache repository.
func (w *walker) inCacheBlobs(path string) bool {
	dir := filepath.Dir(path)
	return filepath.Base(dir) == "blobs" && w.isCacheRepo(filepath.Dir(dir))
}

// cacheMeta says why a directory of a Hugging Face cache is bookkeeping
// ("" when it is not): refs/ (branch names to commits) and .no_exist/
// (files known to be missing) of a repository, .locks/ of the hub.
func (w *walker) cacheMeta(path, base string) string {
	parent := filepath.Dir(path)
	switch {
	case (base == "refs" || base == ".no_exist") && w.isCacheRepo(parent):
		return "Hugging Face cache bookkeeping (" + base + "), not model files"
	case base == ".locks" && isHub(parent):
		return "Hugging Face cache lock files, not model files"
	}
	return ""
}

// isHub reports whether dir holds cache repositories (models--org--name).
func isHub(dir string) bool {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	for _, e := range entries {
		n := e.Name()
		if e.IsDir() && (strings.HasPrefix(n, "models--") || strings.HasPrefix(n, "datasets--") || strings.HasPrefix(n, "spaces--")) {
			return true
		}
	}
	return false
}

// remoteCode reports whether a config in dir, or in a directory above it
// up to the walk root, names repository code. A config that cannot be
// read or parsed counts as naming code: when in doubt, scan.
func (w *walker) remoteCode(dir string) bool {
	if v, ok := w.remote[dir]; ok {
		return v
	}
	v := configsNameCode(dir)
	if !v {
		if rel, err := filepath.Rel(w.root, dir); err == nil && rel != "." && !strings.HasPrefix(rel, "..") {
			v = w.remoteCode(filepath.Dir(dir))
		}
	}
	w.remote[dir] = v
	return v
}

func configsNameCode(dir string) bool {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return true
	}
	for _, e := range entries {
		if !hfconfig.IsConfigName(e.Name()) {
			continue
		}
		p := filepath.Join(dir, e.Name())
		st, err := os.Stat(p)
		if err != nil || !st.Mode().IsRegular() {
			continue
		}
		if st.Size() > hfconfig.MaxJSONBytes {
			return true
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return true
		}
		if doc := bytes.TrimLeft(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")), " \t\r\n"); len(doc) == 0 || doc[0] != '{' {
			continue // not a config (the hf-config handler does not claim it either)
		}
		cfg, err := hfconfig.Parse(data, hfconfig.IsModelIndex(e.Name()))
		if err != nil || len(cfg.References) > 0 {
			return true
		}
	}
	return false
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
