package pickle

import (
	"encoding/base64"
	"encoding/hex"
	"strings"
)

// Embedded pickles: a literal that is itself a pickle (raw bytes, base64 or
// hex text) is a place to hide a payload. The machine notes such literals;
// the caller scans them (as active when they reach a deserializer, dormant
// otherwise).

const (
	minEmbedded = 16  // shorter literals are not worth sniffing
	maxEmbedded = 256 // candidates kept per stream
)

// SniffPickle reports whether p starts like a binary pickle (protocol 2+):
// PROTO n followed by a valid opcode.
func SniffPickle(p []byte) bool {
	return len(p) >= 3 && p[0] == opProto && p[1] >= 2 && p[1] <= highestProtocol && IsOpcode(p[2])
}

// SniffEncoded reports whether p, the head of a literal, looks like a
// pickle in some encoding, and which: "raw", "base64" or "hex".
func SniffEncoded(p []byte) (string, bool) {
	if len(p) < minEmbedded {
		return "", false
	}
	if SniffPickle(p) {
		return "raw", true
	}
	if p[0] == 'g' && p[1] == 'A' {
		head := strings.TrimRight(string(p[:min(len(p), 24)/4*4]), "=")
		if dec, err := base64.RawStdEncoding.DecodeString(head); err == nil && SniffPickle(dec) {
			return "base64", true
		}
		if dec, err := base64.RawURLEncoding.DecodeString(head); err == nil && SniffPickle(dec) {
			return "base64", true
		}
	}
	if p[0] == '8' && p[1] == '0' && p[2] == '0' {
		h := p[:min(len(p), 16)/2*2]
		if dec, err := hex.DecodeString(strings.ToLower(string(h))); err == nil && SniffPickle(dec) {
			return "hex", true
		}
	}
	return "", false
}

// DecodeEmbedded returns the bytes of an embedded pickle candidate, decoding
// base64 or hex as needed, or false when the literal cannot be recovered.
func DecodeEmbedded(v Value, enc string) ([]byte, bool) {
	raw, ok := literalBytes(v)
	if !ok {
		return nil, false
	}
	switch enc {
	case "raw":
		return raw, true
	case "base64":
		out, err := decodeB64(raw)
		return out, err == nil
	case "hex":
		out, err := hex.DecodeString(strings.TrimSpace(string(raw)))
		return out, err == nil
	}
	return nil, false
}

// noteLiteral records a literal str/bytes that looks like a pickle.
func (m *machine) noteLiteral(v Value) {
	if len(m.embedded) >= maxEmbedded {
		return
	}
	var head []byte
	switch x := v.(type) {
	case *Str:
		if len(x.S) < minEmbedded {
			return
		}
		head = []byte(x.S[:min(len(x.S), 32)])
	case *Bytes:
		p := x.Prefix()
		if len(p) < minEmbedded {
			return
		}
		head = p[:min(len(p), 32)]
	default:
		return
	}
	if enc, ok := SniffEncoded(head); ok {
		m.embedded = append(m.embedded, &Event{Kind: EvEmbedded, Op: m.op, Off: m.opOff, Index: m.index, Value: v, Detail: enc})
	}
}

// flushEmbedded reports the candidates once the stream is done, so the
// observer knows which ones it already scanned as deserializer arguments.
func (m *machine) flushEmbedded() {
	for _, ev := range m.embedded {
		if m.obs != nil {
			m.obs.Observe(ev)
		}
	}
	m.embedded = nil
}
