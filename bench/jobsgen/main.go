// Command jobsgen writes the input of bench/jobs.sh: a directory of small,
// benign model files for measuring parallel scanning (-j).
//
//	go run ./bench/jobsgen [-n 5000] [-compressed=true] DIR
//
// Every other file is a copy of a fixture under testdata/real (written by
// torch, numpy, joblib, sklearn, pandas, pickle, dill, cloudpickle and
// xgboost; see testdata/real/manifest.json), taken in turn; the rest are
// small protocol-4 pickles of plain data assembled with internal/pklasm.
// The output is the same on every run. DIR must be empty or absent.
package main

import (
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/modelscan-go/modelscan/internal/pklasm"
)

func main() {
	n := flag.Int("n", 5000, "number of files")
	real := flag.String("real", "testdata/real", "fixture directory")
	compressed := flag.Bool("compressed", true, "include the compressed joblib fixtures (testdata/real/joblib/compressed)")
	flag.Parse()
	if flag.NArg() != 1 || *n <= 0 {
		fmt.Fprintln(os.Stderr, "usage: jobsgen [-n N] [-real DIR] [-compressed=false] OUTDIR")
		os.Exit(2)
	}
	if err := run(flag.Arg(0), *real, *n, *compressed); err != nil {
		fmt.Fprintln(os.Stderr, "jobsgen:", err)
		os.Exit(1)
	}
}

// fixtures lists the model files under root (not the generator scripts,
// the manifest or the README), sorted.
func fixtures(root string, compressed bool) ([]string, error) {
	var out []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if !compressed && d.Name() == "compressed" {
				return filepath.SkipDir
			}
			return nil
		}
		switch strings.ToLower(filepath.Ext(p)) {
		case ".py", ".md", ".json", ".txt":
			return nil
		}
		out = append(out, p)
		return nil
	})
	sort.Strings(out)
	if err == nil && len(out) == 0 {
		err = fmt.Errorf("no fixtures under %s", root)
	}
	return out, err
}

// plain is a small pickle of plain data (a dict of an int, a string and a
// tuple of floats), different for each i.
func plain(i int) []byte {
	a := pklasm.New().Proto(4).EmptyDict().Memoize().Mark()
	a.Str("id").Memoize().Int(i).Str("name").Memoize().Str(fmt.Sprintf("model%d", i)).Memoize()
	a.Str("w").Memoize().Mark().BinFloat(float64(i)).BinFloat(0.5).Tuple().Memoize()
	return a.SetItems().Stop().Bytes()
}

func run(out, root string, n int, compressed bool) error {
	if entries, err := os.ReadDir(out); err == nil && len(entries) > 0 {
		return fmt.Errorf("%s is not empty", out)
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	fx, err := fixtures(root, compressed)
	if err != nil {
		return err
	}
	cache := map[string][]byte{}
	var total int64
	for i := 0; i < n; i++ {
		var name string
		var data []byte
		if i%2 == 0 {
			src := fx[(i/2)%len(fx)]
			if data = cache[src]; data == nil {
				if data, err = os.ReadFile(src); err != nil {
					return err
				}
				cache[src] = data
			}
			name = fmt.Sprintf("f%05d_%s", i, filepath.Base(src))
		} else {
			data = plain(i)
			name = fmt.Sprintf("f%05d.pkl", i)
		}
		if err := os.WriteFile(filepath.Join(out, name), data, 0o644); err != nil {
			return err
		}
		total += int64(len(data))
	}
	fmt.Printf("wrote %d files (%d bytes; %d distinct fixtures) to %s\n", n, total, len(fx), out)
	return nil
}
