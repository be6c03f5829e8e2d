package pickle

import (
	"bytes"
	"compress/bzip2"
	"compress/gzip"
	"compress/zlib"
	"encoding/ascii85"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"io"
	"strings"
)

// maxDerived bounds the bytes one pure decoder call may produce or consume,
// and derivedBudget all of them in one stream (a pickle full of tiny zlib
// bombs must not cost gigabytes of inflating).
const (
	maxDerived    = 64 << 20
	derivedBudget = 256 << 20
)

// evalPure computes the result of calls to side-effect-free decoders that
// attackers use to hide a nested pickle (base64, hex, codecs, zlib…), so the
// hidden bytes can be scanned. It returns nil when the call is anything
// else or its inputs are not literal.
func evalPure(c *Call, budget *int64) Value {
	g, ok := c.Func.(*Global)
	if !ok || len(c.Args.Items) == 0 || *budget <= 0 {
		return nil
	}
	mod := g.Module
	switch mod {
	case "_codecs":
		mod = "codecs"
	case "__builtin__":
		mod = "builtins"
	}
	arg := func(i int) ([]byte, bool) {
		if i >= len(c.Args.Items) {
			return nil, false
		}
		return literalBytes(c.Args.Items[i])
	}
	str := func(i int) string {
		if i >= len(c.Args.Items) {
			return ""
		}
		s, _ := StrValue(c.Args.Items[i])
		return strings.ToLower(strings.ReplaceAll(s, "_", "-"))
	}
	if d := evalDict(mod, g.Name, c); d != nil {
		return d
	}
	if !pureDecoders[mod+"."+g.Name] {
		return nil
	}
	in, ok := arg(0)
	if !ok {
		return nil
	}
	var out []byte
	var err error
	switch mod + "." + g.Name {
	case "codecs.encode":
		switch enc := str(1); enc {
		case "latin1", "latin-1", "iso-8859-1", "iso8859-1", "l1":
			s, isStr := StrValue(c.Args.Items[0])
			if !isStr {
				return nil
			}
			out = make([]byte, 0, len(s))
			for _, r := range s {
				if r > 0xff {
					return nil
				}
				out = append(out, byte(r))
			}
		case "", "utf-8", "utf8", "ascii":
			out = in
		default:
			out, err = decodeCodec(enc, in)
		}
	case "codecs.decode":
		out, err = decodeCodec(str(1), in)
	case "base64.b64decode", "base64.standard_b64decode", "base64.decodebytes", "base64.decodestring",
		"binascii.a2b_base64":
		out, err = decodeB64(in)
	case "base64.urlsafe_b64decode":
		out, err = base64.URLEncoding.DecodeString(padB64(strings.TrimSpace(string(in))))
	case "base64.b32decode":
		out, err = base32.StdEncoding.DecodeString(string(in))
	case "base64.b16decode", "binascii.unhexlify", "binascii.a2b_hex", "builtins.bytes.fromhex", "builtins.bytearray.fromhex":
		out, err = hex.DecodeString(strings.Join(strings.Fields(string(in)), ""))
	case "base64.a85decode":
		out, err = decodeA85(in)
	case "zlib.decompress":
		out, err = inflate(func(r io.Reader) (io.Reader, error) { return zlib.NewReader(r) }, in)
	case "gzip.decompress":
		out, err = inflate(func(r io.Reader) (io.Reader, error) { return gzip.NewReader(r) }, in)
	case "bz2.decompress":
		out, err = inflate(func(r io.Reader) (io.Reader, error) { return bzip2.NewReader(r), nil }, in)
	case "builtins.bytes", "builtins.bytearray":
		out = in
	default:
		return nil
	}
	*budget -= int64(len(in)) + int64(len(out))
	if err != nil || out == nil {
		return nil
	}
	return &Bytes{Data: out, Len: int64(len(out)), Off: -1, From: c}
}

// pureDecoders are the calls evalPure understands.
var pureDecoders = map[string]bool{
	"codecs.encode": true, "codecs.decode": true, "base64.b64decode": true, "base64.standard_b64decode": true,
	"base64.decodebytes": true, "base64.decodestring": true, "binascii.a2b_base64": true,
	"base64.urlsafe_b64decode": true, "base64.b32decode": true, "base64.b16decode": true, "binascii.unhexlify": true,
	"binascii.a2b_hex": true, "builtins.bytes.fromhex": true, "builtins.bytearray.fromhex": true,
	"base64.a85decode": true, "zlib.decompress": true, "gzip.decompress": true, "bz2.decompress": true,
	"builtins.bytes": true, "builtins.bytearray": true,
}

// evalDict computes dict(pairs), dict(**kw) and OrderedDict(pairs) from
// literal arguments, so BUILD state built that way is inspected too.
func evalDict(mod, name string, c *Call) Value {
	if !((mod == "builtins" && name == "dict") || (mod == "collections" && name == "OrderedDict")) {
		return nil
	}
	d := &Dict{}
	if len(c.Args.Items) == 1 {
		pairs, ok := c.Args.Items[0].(*Seq)
		if !ok {
			if src, isDict := c.Args.Items[0].(*Dict); isDict {
				for i := range src.Keys {
					d.set(src.Keys[i], src.Vals[i])
				}
				pairs = &Seq{}
			} else {
				return nil
			}
		}
		for _, it := range pairs.Items {
			kv, ok := it.(*Seq)
			if !ok || len(kv.Items) != 2 {
				return nil
			}
			d.set(kv.Items[0], kv.Items[1])
		}
	}
	if kw, ok := c.Kwargs.(*Dict); ok {
		for i := range kw.Keys {
			d.set(kw.Keys[i], kw.Vals[i])
		}
	}
	return d
}

// BytesOf returns the full content of a literal str/bytes or of bytes a
// pure decoder produced, or false when it is not statically known.
func BytesOf(v Value) ([]byte, bool) { return literalBytes(v) }

// reread reads a payload the machine skipped, up to maxDerived bytes.
func reread(src io.ReaderAt, off, n int64) ([]byte, bool) {
	if src == nil || n < 0 || n > maxDerived {
		return nil, false
	}
	buf := make([]byte, n)
	if got, err := src.ReadAt(buf, off); int64(got) != n && err != nil {
		return nil, false
	}
	return buf, true
}

// literalBytes returns the full content of a literal str or bytes (re-read
// from its source when only the head is held), or of a decoded value.
func literalBytes(v Value) ([]byte, bool) {
	switch x := v.(type) {
	case *Str:
		if x.Long == nil {
			return []byte(x.S), true
		}
		return reread(x.Long.Src, x.Long.Off, x.Long.Len)
	case *Bytes:
		if x.Data != nil || x.Len == 0 {
			return x.Data, true
		}
		return reread(x.Src, x.Off, x.Len)
	case *Call:
		if x.Result != nil {
			return literalBytes(x.Result)
		}
	}
	return nil, false
}

func decodeCodec(enc string, in []byte) ([]byte, error) {
	switch enc {
	case "base64", "base-64", "base64-codec":
		return decodeB64(in)
	case "hex", "hex-codec":
		return hex.DecodeString(strings.TrimSpace(string(in)))
	case "zlib", "zip", "zlib-codec":
		return inflate(func(r io.Reader) (io.Reader, error) { return zlib.NewReader(r) }, in)
	case "bz2", "bz2-codec":
		return inflate(func(r io.Reader) (io.Reader, error) { return bzip2.NewReader(r), nil }, in)
	case "latin1", "latin-1", "utf-8", "utf8", "ascii":
		return in, nil
	}
	return nil, io.ErrUnexpectedEOF
}

func padB64(s string) string {
	if m := len(s) % 4; m != 0 {
		s += strings.Repeat("=", 4-m)
	}
	return s
}

func decodeB64(in []byte) ([]byte, error) {
	s := strings.Join(strings.Fields(string(in)), "")
	out, err := base64.StdEncoding.DecodeString(padB64(s))
	if err != nil {
		return base64.URLEncoding.DecodeString(padB64(s))
	}
	return out, nil
}

func decodeA85(in []byte) ([]byte, error) {
	s := strings.TrimSuffix(strings.TrimPrefix(string(in), "<~"), "~>")
	out := make([]byte, 4*len(s)/5+4)
	n, _, err := ascii85.Decode(out, []byte(s), true)
	if err != nil {
		return nil, err
	}
	return out[:n], nil
}

func inflate(open func(io.Reader) (io.Reader, error), in []byte) ([]byte, error) {
	zr, err := open(bytes.NewReader(in))
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if _, err := io.Copy(&buf, io.LimitReader(zr, maxDerived)); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
