package picklefmt_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/modelscan-go/modelscan/internal/core"
	"github.com/modelscan-go/modelscan/internal/formats/picklefmt"
)

func sniff(name string, data []byte) bool {
	b := &core.Blob{Source: name, Name: name, R: bytes.NewReader(data), Size: int64(len(data))}
	return picklefmt.Sniff(data, b)
}

// Text whose first byte is an opcode is not a pickle when the import it
// starts with cannot be resolved by any loader (find_class raises there, so
// nothing after it runs): a wheel's RECORD file read from its leading 'c'
// as GLOBAL "harset_normalizer/…,sha256=…" is text, even though later
// lines happen to parse as SETITEM on that global.
func TestSniffTextStartingWithGlobal(t *testing.T) {
	var rec strings.Builder
	for _, f := range []string{"__init__.py", "api.py", "cd.py", "legacy.py", "md.py", "models.py", "utils.py"} {
		rec.WriteString("charset_normalizer/" + f + ",sha256=5bf2ea0f5dcf8f1c2009171c7110196deeac04d12a1745e6b017ff6bbe53c828,1652\n")
	}
	rec.WriteString("charset_normalizer-3.0.1.dist-info/RECORD,,\n")
	// 's' is SETITEM: on the third global from the top, a "mutation"
	rec.WriteString("scripts-3.10/normalizer,sha256=1685b20101e4c46dd1b47ca88658367bb7d5355513bdc89be2c065fc65757c7b,244\n")
	rec.WriteString("scripts-3.11/normalizer,sha256=f0be3fc484cf133aafebc238fd4fd5cf03c3551e4674791e11dc27823a34b6d7,247\n")
	if sniff("RECORD", []byte(rec.String())) {
		t.Error("a RECORD text file is sniffed as a pickle")
	}
	// The same shape with importable names still runs a call: a pickle.
	call := []byte("cos\nsystem\n(S'echo pwned'\ntR")
	if !sniff("payload", call) {
		t.Error("a protocol-0 os.system call without STOP is not sniffed as a pickle")
	}
	// A call made before an unresolvable import has already run.
	early := []byte("cos\nsystem\n(S'id'\ntRcnot a/module\nx\n")
	if !sniff("early", early) {
		t.Error("a call before an unresolvable import is not sniffed as a pickle")
	}
	// Non-ASCII identifiers are valid module names in Python 3.
	uni := []byte("cmodulé\nfonction\n(tR")
	if !sniff("uni", uni) {
		t.Error("a call of a non-ASCII-named global is not sniffed as a pickle")
	}
}
