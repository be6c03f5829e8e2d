package settings

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/modelscan-go/modelscan/internal/core"
)

// keyPath is the dotted TOML key of a value, used in error messages.
type keyPath []string

// String renders the path with TOML key syntax; keys that are not bare are
// single-quoted, e.g. scanners.'modelscan.scanners.PickleUnsafeOpScan'.enabled.
func (p keyPath) String() string {
	parts := make([]string, len(p))
	for i, k := range p {
		switch {
		case isBare(k):
			parts[i] = k
		case !strings.ContainsAny(k, "'\n\r"):
			parts[i] = "'" + k + "'"
		default:
			parts[i] = strconv.Quote(k)
		}
	}
	return strings.Join(parts, ".")
}

func (p keyPath) with(k string) keyPath {
	return append(p[:len(p):len(p)], k)
}

func isBare(k string) bool {
	if k == "" {
		return false
	}
	for _, r := range k {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

func unknownKey(p keyPath) error {
	return fmt.Errorf("settings: unknown key %q", p.String())
}

func typeErr(p keyPath, want string, v any) error {
	return fmt.Errorf("settings: key %q: expected %s, got %s", p.String(), want, typeName(v))
}

// typeName names the TOML type of a decoded value.
func typeName(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case int64:
		return "integer"
	case float64:
		return "float"
	case bool:
		return "boolean"
	case time.Time:
		return "datetime"
	case []map[string]any:
		return "array of tables"
	case []any:
		return "array"
	case map[string]any:
		return "table"
	}
	return fmt.Sprintf("%T", v)
}

// eachKey calls fn for each key of table in sorted order, so the first
// error reported does not depend on map order.
func eachKey(p keyPath, table map[string]any, fn func(keyPath, string, any) error) error {
	keys := make([]string, 0, len(table))
	for k := range table {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if err := fn(p.with(k), k, table[k]); err != nil {
			return err
		}
	}
	return nil
}

// eachTableKey checks that v is a table and calls fn for each of its keys.
func eachTableKey(p keyPath, v any, fn func(keyPath, string, any) error) error {
	table, ok := v.(map[string]any)
	if !ok {
		return typeErr(p, "a table", v)
	}
	return eachKey(p, table, fn)
}

func asString(p keyPath, v any) (string, error) {
	s, ok := v.(string)
	if !ok {
		return "", typeErr(p, "a string", v)
	}
	return s, nil
}

func asBool(p keyPath, v any) (bool, error) {
	b, ok := v.(bool)
	if !ok {
		return false, typeErr(p, "a boolean", v)
	}
	return b, nil
}

func asInt(p keyPath, v any, min, max int64) (int64, error) {
	n, ok := v.(int64)
	if !ok {
		return 0, typeErr(p, "an integer", v)
	}
	if n < min {
		return 0, fmt.Errorf("settings: key %q: %d is out of range (want at least %d)", p.String(), n, min)
	}
	if n > max {
		return 0, fmt.Errorf("settings: key %q: %d is out of range (want at most %d)", p.String(), n, max)
	}
	return n, nil
}

func asStrings(p keyPath, v any) ([]string, error) {
	arr, ok := v.([]any)
	if !ok {
		return nil, typeErr(p, "an array of strings", v)
	}
	out := make([]string, 0, len(arr))
	for i, e := range arr {
		s, ok := e.(string)
		if !ok {
			return nil, fmt.Errorf("settings: key %q: expected an array of strings, element %d is %s", p.String(), i, typeName(e))
		}
		out = append(out, s)
	}
	return out, nil
}

// asSeverityMap reads a table of name = "SEVERITY"; severities are
// case-insensitive and stored upper-case.
func asSeverityMap(p keyPath, v any) (map[string]string, error) {
	out := map[string]string{}
	err := eachTableKey(p, v, func(p keyPath, k string, v any) error {
		str, err := asString(p, v)
		if err != nil {
			return err
		}
		sev, err := core.ParseSeverity(str)
		if err != nil {
			return fmt.Errorf("settings: key %q: %w", p.String(), err)
		}
		out[k] = sev.String()
		return nil
	})
	return out, err
}

// isIdent reports whether s is a Python identifier.
func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		if !(r == '_' || unicode.IsLetter(r) || i > 0 && unicode.IsDigit(r)) {
			return false
		}
	}
	return true
}
