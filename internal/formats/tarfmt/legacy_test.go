package tarfmt_test

import (
	"archive/tar"
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/modelscan-go/modelscan/internal/core"
	"github.com/modelscan-go/modelscan/internal/pklasm"
	"github.com/modelscan-go/modelscan/internal/rules"
	"github.com/modelscan-go/modelscan/internal/scantest"
)

// The legacy tar checkpoint is built here from the layout torch's
// legacy_load reads (see legacy.go): torch.save has not written it since
// torch 0.4, and the torch available to the fixture generator can only
// load it.

type legacy struct {
	sysInfo, pickle, tensors, storages []byte
	extra                              []ent
}

func le(vals ...int64) []byte {
	var b bytes.Buffer
	for _, v := range vals {
		binary.Write(&b, binary.LittleEndian, v)
	}
	return b.Bytes()
}

func count(n int) []byte { return pklasm.New().Proto(2).Int(n).Stop().Bytes() }

// storageRec is one record of 'storages': the (key, location, type) pickle
// and the raw data (int64 element count, then the elements).
func storageRec(key, location, typ string, raw []byte, elem int) []byte {
	p := pklasm.New().Proto(2).Str(key).Str(location).Global("torch", typ).Tuple3().Stop().Bytes()
	return append(append(p, le(int64(len(raw)/elem))...), raw...)
}

// tensorRec is one record of 'tensors': the (key, storage_id, type) pickle,
// then int32 ndim, 4 pad bytes, sizes, strides and the storage offset.
func tensorRec(key, storage string, sizes ...int64) []byte {
	p := pklasm.New().Proto(2).Str(key).Str(storage).Global("torch", "FloatTensor").Tuple3().Stop().Bytes()
	meta := binary.LittleEndian.AppendUint32(nil, uint32(len(sizes)))
	meta = append(meta, 0, 0, 0, 0)
	meta = append(append(meta, le(sizes...)...), le(sizes...)...) // strides: anything
	return append(append(p, meta...), le(0)...)
}

var views = pklasm.New().Proto(2).EmptyList().Stop().Bytes()

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

func benignLegacy() legacy {
	return legacy{
		sysInfo: pklasm.New().Proto(2).EmptyDict().Mark().Str("protocol_version").Int(1000).
			Str("little_endian").Bool(true).Str("type_sizes").EmptyDict().Mark().
			Str("short").Int(2).Str("int").Int(4).Str("long").Int(8).SetItems().SetItems().Stop().Bytes(),
		pickle: pklasm.New().Proto(2).EmptyDict().Str("weight").Str("1").BinPersID().SetItem().
			Str("bias").Str("3").BinPersID().SetItem().Stop().Bytes(),
		tensors: cat(count(2), tensorRec("1", "2", 3), tensorRec("3", "4", 2, 2)),
		storages: cat(count(2), storageRec("2", "cpu", "FloatStorage", make([]byte, 12), 4),
			storageRec("4", "cpu", "DoubleStorage", make([]byte, 32), 8), views),
	}
}

// legacyTar writes the members in the order torch's _save added them.
func legacyTar(t testing.TB, l legacy) []byte {
	ents := []ent{file("sys_info", l.sysInfo), file("pickle", l.pickle), file("tensors", l.tensors), file("storages", l.storages)}
	return mkTar(t, tar.FormatPAX, append(ents, l.extra...)...)
}

// call is a pickle fragment that calls posix.system.
func call(a *pklasm.A) *pklasm.A {
	return a.Global("posix", "system").Str("echo pwned").Tuple1().Reduce()
}

func TestLegacyBenign(t *testing.T) {
	s := scan("x.tar", legacyTar(t, benignLegacy()))
	if len(s.Findings) > 0 || len(s.Problems) > 0 {
		t.Fatalf("benign legacy tar:\n%s", dump(s))
	}
	for _, m := range []string{"x.tar:pickle", "x.tar:storages", "x.tar:tensors", "x.tar:sys_info"} {
		if !contains(s.Scanned, m) {
			t.Errorf("%s not scanned: %q", m, s.Scanned)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestLegacyPayloads(t *testing.T) {
	ok := benignLegacy()
	// location = posix.system('echo pwned')
	storagePayload := call(pklasm.New().Proto(2).Str("4")).Global("torch", "FloatStorage").Tuple3().Stop().Bytes()
	tensorPayload := call(pklasm.New().Proto(2).Str("3").Str("4")).Tuple3().Stop().Bytes()
	for _, c := range []struct {
		name   string
		mutate func(*legacy)
		source string
		sev    core.Severity
	}{
		{"pickle", func(l *legacy) { l.pickle = payload }, "x.tar:pickle", core.Critical},
		{"storages count", func(l *legacy) { l.storages = cat(payload, l.storages[len(count(2)):]) }, "x.tar:storages", core.Critical},
		{"storages args", func(l *legacy) {
			// the second record, after the raw data of the first
			l.storages = cat(count(2), storageRec("2", "cpu", "FloatStorage", make([]byte, 12), 4),
				storagePayload, le(4), make([]byte, 16), views)
		}, "x.tar:storages", core.Critical},
		{"storage views", func(l *legacy) { l.storages = cat(ok.storages[:len(ok.storages)-len(views)], payload) }, "x.tar:storages", core.Critical},
		{"tensors args", func(l *legacy) {
			l.tensors = cat(count(2), tensorRec("1", "2", 3), tensorPayload, make([]byte, 8+16+8))
		}, "x.tar:tensors", core.Critical},
		{"sys_info (never read)", func(l *legacy) { l.sysInfo = payload }, "x.tar:sys_info", core.High},
		{"other member (never read)", func(l *legacy) { l.extra = []ent{file("extra.pkl", payload)} }, "x.tar:extra.pkl", core.High},
		{"pickle as symlink", func(l *legacy) {
			l.extra = []ent{file("real.pkl", payload), {name: "pickle", flag: tar.TypeSymlink, link: "real.pkl"}}
		}, "x.tar:pickle", core.Critical},
	} {
		l := benignLegacy()
		c.mutate(&l)
		s := scan("x.tar", legacyTar(t, l))
		if len(find(s, "", c.sev, c.source, "")) == 0 || scanMax(s) != c.sev {
			t.Errorf("%s: want %s at %s:\n%s", c.name, c.sev, c.source, dump(s))
		}
	}
}

func scanMax(s *core.Session) core.Severity {
	var m core.Severity
	for _, f := range s.Findings {
		m = max(m, f.Severity)
	}
	return m
}

// Raw storage bytes are never unpickled: a pickle there is not reported.
func TestLegacyRawDataSkipped(t *testing.T) {
	l := benignLegacy()
	l.storages = cat(count(1), storageRec("2", "cpu", "ByteStorage", payload, 1), views)
	l.tensors = cat(count(1), tensorRec("1", "2", int64(len(payload))))
	s := scan("x.tar", legacyTar(t, l))
	if len(s.Findings) > 0 || len(s.Problems) > 0 {
		t.Errorf("raw data scanned as a pickle:\n%s", dump(s))
	}
}

func TestLegacyUnwalkable(t *testing.T) {
	l := benignLegacy()
	l.storages = cat(count(1), storageRec("2", "cpu", "MysteryStorage", make([]byte, 12), 4), views)
	s := scan("x.tar", legacyTar(t, l))
	if len(find(s, rules.ScanIncomplete, core.Medium, "x.tar:storages", "legacy_load")) != 1 || !hasProblem(s, core.CatPickle) {
		t.Errorf("unknown storage type:\n%s", dump(s))
	}
	lim := core.DefaultLimits()
	lim.MaxMembers = 4 // the tar's entries
	rec := storageRec("2", "cpu", "FloatStorage", make([]byte, 12), 4)
	l.storages = cat(count(5), rec, rec, rec, rec, rec, views)
	if s := scantest.Scan("x.tar", legacyTar(t, l), lim); len(find(s, rules.ScanIncomplete, core.Medium, "x.tar:storages", "")) != 1 {
		t.Errorf("record budget:\n%s", dump(s))
	}
	for _, bad := range [][]byte{
		nil, // empty
		cat(count(1), storageRec("2", "cpu", "FloatStorage", make([]byte, 12), 4)[:40]), // truncated
		cat(count(3), storageRec("2", "cpu", "FloatStorage", make([]byte, 12), 4)),      // missing records
		cat(count(1), pklasm.New().Proto(2).Str("2").Str("cpu").Global("torch", "FloatStorage").Tuple3().Stop().Bytes(), le(1<<60)),
	} {
		l.storages = bad
		if s := scan("x.tar", legacyTar(t, l)); !hasProblem(s, core.CatPickle) {
			t.Errorf("malformed storages without an error:\n%s", dump(s))
		}
	}
}
