package settings

import (
	"fmt"
	"math"
	"strings"

	"github.com/BurntSushi/toml"
	"github.com/modelscan-go/modelscan/internal/core"
)

// Parse reads a settings file and merges it over Default().
//
// Merging is per key: a key given replaces the default value. In
// [scanners], each scanner's keys merge separately (an unsafe_*_operators
// table given replaces that scanner's table); in [unsafe_globals], a module
// given under a severity replaces the default entry for that module only.
//
// Unknown keys, wrong types, bad severities, negative limits, malformed
// allowed_globals entries, scanner names outside Python ModelScan's
// namespace and report modules other than ConsoleModule and JSONModule are
// errors naming the key.
func Parse(data []byte) (Settings, error) {
	var raw map[string]any
	if _, err := toml.Decode(string(data), &raw); err != nil {
		return Settings{}, fmt.Errorf("settings: %w", err)
	}
	s := Default()
	err := eachKey(nil, raw, func(p keyPath, k string, v any) error {
		var err error
		switch k {
		case "supported_zip_extensions":
			s.SupportedZipExtensions, err = asStrings(p, v)
		case "modelscan_version":
			s.ModelScanVersion, err = asString(p, v)
		case "scanners":
			err = parseScanners(&s, p, v)
		case "middlewares":
			err = parseMiddlewares(&s, p, v)
		case "unsafe_globals":
			err = parseGlobals(&s, p, v)
		case "reporting":
			err = parseReporting(&s, p, v)
		case "modelscan":
			err = parseModelscan(&s, p, v)
		default:
			err = unknownKey(p)
		}
		return err
	})
	if err != nil {
		return Settings{}, err
	}
	return s, nil
}

const scannerPrefix = "modelscan.scanners."

func parseScanners(s *Settings, p keyPath, v any) error {
	return eachTableKey(p, v, func(p keyPath, name string, v any) error {
		if !strings.HasPrefix(name, scannerPrefix) || !isIdent(name[len(scannerPrefix):]) {
			return fmt.Errorf("settings: key %q: %q is not a Python ModelScan scanner; custom scanners are not supported because settings never load code", p.String(), name)
		}
		sc := s.Scanners[name]
		err := eachTableKey(p, v, func(p keyPath, k string, v any) error {
			var err error
			switch k {
			case "enabled":
				sc.Enabled, err = asBool(p, v)
			case "supported_extensions":
				sc.SupportedExtensions, err = asStrings(p, v)
			case "unsafe_keras_operators":
				sc.UnsafeKerasOperators, err = asSeverityMap(p, v)
			case "unsafe_tf_operators":
				sc.UnsafeTFOperators, err = asSeverityMap(p, v)
			default:
				err = unknownKey(p)
			}
			return err
		})
		s.Scanners[name] = sc
		return err
	})
}

const formatMiddleware = "modelscan.middlewares.FormatViaExtensionMiddleware"

func parseMiddlewares(s *Settings, p keyPath, v any) error {
	return eachTableKey(p, v, func(p keyPath, name string, v any) error {
		if name != formatMiddleware {
			return fmt.Errorf("settings: key %q: custom middlewares are not supported because settings never load code", p.String())
		}
		return eachTableKey(p, v, func(p keyPath, k string, v any) error {
			if k != "formats" {
				return unknownKey(p)
			}
			formats := map[string][]string{}
			err := eachTableKey(p, v, func(p keyPath, format string, v any) error {
				exts, err := asStrings(p, v)
				formats[format] = exts
				return err
			})
			s.FormatExtensions = formats
			return err
		})
	})
}

func parseGlobals(s *Settings, p keyPath, v any) error {
	return eachTableKey(p, v, func(p keyPath, sev string, v any) error {
		if _, ok := s.UnsafeGlobals[sev]; !ok {
			return fmt.Errorf("settings: key %q: unknown severity %q (want LOW, MEDIUM, HIGH or CRITICAL)", p.String(), sev)
		}
		return eachTableKey(p, v, func(p keyPath, module string, v any) error {
			if module == "" {
				return fmt.Errorf("settings: key %q: empty module name", p.String())
			}
			if str, ok := v.(string); ok {
				if str != "*" {
					return fmt.Errorf("settings: key %q: expected \"*\" or an array of strings, got string %q", p.String(), str)
				}
				s.UnsafeGlobals[sev][module] = []string{"*"}
				return nil
			}
			names, err := asStrings(p, v)
			if err != nil {
				return fmt.Errorf("settings: key %q: expected \"*\" or an array of strings, got %s", p.String(), typeName(v))
			}
			for _, n := range names {
				if n == "" {
					return fmt.Errorf("settings: key %q: empty name", p.String())
				}
			}
			s.UnsafeGlobals[sev][module] = names
			return nil
		})
	})
}

func parseReporting(s *Settings, p keyPath, v any) error {
	return eachTableKey(p, v, func(p keyPath, k string, v any) error {
		switch k {
		case "module":
			m, err := asString(p, v)
			if err != nil {
				return err
			}
			if m != ConsoleModule && m != JSONModule {
				return fmt.Errorf("settings: key %q: report module %q: custom report modules are not supported because settings never load code (use %q or %q)", p.String(), m, ConsoleModule, JSONModule)
			}
			s.Reporting.Module = m
			return nil
		case "settings":
			return eachTableKey(p, v, func(p keyPath, k string, v any) error {
				if k != "output_file" {
					return unknownKey(p)
				}
				var err error
				s.Reporting.OutputFile, err = asString(p, v)
				return err
			})
		}
		return unknownKey(p)
	})
}

func parseModelscan(s *Settings, p keyPath, v any) error {
	return eachTableKey(p, v, func(p keyPath, k string, v any) error {
		switch k {
		case "fail_on":
			str, err := asString(p, v)
			if err != nil {
				return err
			}
			sev, err := core.ParseSeverity(str)
			if err != nil {
				return fmt.Errorf("settings: key %q: %w", p.String(), err)
			}
			s.FailOn = sev.String()
			return nil
		case "jobs":
			n, err := asInt(p, v, 0, math.MaxInt)
			s.Jobs = int(n)
			return err
		case "allowed_globals":
			list, err := asStrings(p, v)
			if err != nil {
				return err
			}
			for _, g := range list {
				if err := checkGlobal(g); err != nil {
					return fmt.Errorf("settings: key %q: %w", p.String(), err)
				}
			}
			s.AllowedGlobals = list
			return nil
		case "limits":
			return parseLimits(&s.Limits, p, v)
		}
		return unknownKey(p)
	})
}

func parseLimits(l *Limits, p keyPath, v any) error {
	set := func(dst *int) func(int64) { return func(n int64) { *dst = int(n) } }
	set64 := func(dst *int64) func(int64) { return func(n int64) { *dst = n } }
	fields := map[string]struct {
		min, max int64
		set      func(int64)
	}{
		"max_depth":                  {1, math.MaxInt, set(&l.MaxDepth)},
		"max_opcodes":                {0, math.MaxInt64, set64(&l.MaxOpcodes)},
		"max_memo":                   {0, math.MaxInt, set(&l.MaxMemo)},
		"max_stack":                  {0, math.MaxInt, set(&l.MaxStack)},
		"max_members":                {0, math.MaxInt, set(&l.MaxMembers)},
		"max_string_bytes":           {0, math.MaxInt, set(&l.MaxStringBytes)},
		"max_nested_pickle_bytes":    {0, math.MaxInt64, set64(&l.MaxNestedPickleBytes)},
		"max_decompressed_bytes":     {0, math.MaxInt64, set64(&l.MaxDecompressedBytes)},
		"max_compression_ratio":      {1, math.MaxInt64, set64(&l.MaxCompressionRatio)},
		"max_file_compression_ratio": {0, math.MaxInt64, set64(&l.MaxFileCompressionRatio)},
		"max_seconds_per_file":       {0, math.MaxInt, set(&l.MaxSecondsPerFile)},
	}
	return eachTableKey(p, v, func(p keyPath, k string, v any) error {
		f, ok := fields[k]
		if !ok {
			return unknownKey(p)
		}
		n, err := asInt(p, v, f.min, f.max)
		if err == nil {
			f.set(n)
		}
		return err
	})
}

// checkGlobal validates an allowed_globals entry "module:qualname".
func checkGlobal(g string) error {
	module, name, ok := strings.Cut(g, ":")
	if !ok || module == "" || name == "" {
		return fmt.Errorf("allowed global %q: want \"module:qualname\", e.g. \"my_pkg.models:MyNet\"", g)
	}
	for i, part := range append(strings.Split(module, "."), strings.Split(name, ".")...) {
		if !isIdent(part) {
			return fmt.Errorf("allowed global %q: %q is not a Python identifier", g, part)
		}
		// "__main__:MyNet" (a class from the training script) is fine; a
		// dunder attribute (__globals__, __reduce__) never is
		isModule := i < strings.Count(module, ".")+1
		if len(part) > 4 && strings.HasPrefix(part, "__") && strings.HasSuffix(part, "__") && !(isModule && part == "__main__") {
			return fmt.Errorf("allowed global %q: dunder name %q cannot be allowlisted", g, part)
		}
	}
	return nil
}
