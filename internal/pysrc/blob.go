package pysrc

// Encoded blobs: long base64 or hex string literals. Source that ships a
// payload hides it this way (exec(base64.b64decode("..."))), and some
// model code embeds compressed native kernels the same way; either way the
// content is out of the scanner's sight, so the literal is reported and
// what its first bytes decode to is named.

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/modelscan-go/modelscan/internal/core"
	"github.com/modelscan-go/modelscan/internal/rules"
)

// MinBlobChars is the number of encoded characters from which a string
// literal (adjacent literals concatenated) is reported as a blob.
const MinBlobChars = 512

// maxBlobScan bounds the characters of one literal that are classified.
const maxBlobScan = 1 << 20

// blobName is the hit name of encoded blobs (one finding per file).
const blobName = "encoded-blob"

// blobInfo is what blobKind learnt about a literal.
type blobInfo struct {
	kind  string // "base64", "hex", "\\x-escaped" or "" (not a blob)
	chars int    // encoded characters
	head  string // the first encoded characters, for decoding
	bytes []byte // the first bytes of a \x-escaped literal
}

// blobKind classifies the body of a literal. Line breaks (raw or written
// as \n) are allowed anywhere; spaces and other characters only as a
// sprinkle (at most 1%), so prose, paths and URLs are not blobs. A literal
// written mostly as \xHH escapes is a blob of its own kind.
func blobKind(body string) blobInfo {
	if len(body) > maxBlobScan {
		body = body[:maxBlobScan]
	}
	var head strings.Builder
	var alpha, other, upper, lower, digit, nonHex, esc int
	var escHead []byte
	for i := 0; i < len(body); i++ {
		c := body[i]
		if c == '\\' && i+3 < len(body) && body[i+1] == 'x' {
			if b, err := hex.DecodeString(body[i+2 : i+4]); err == nil {
				if len(escHead) < 64 {
					escHead = append(escHead, b[0])
				}
				esc++
				i += 3
				continue
			}
		}
		if len(escHead) < 64 && c != '\n' && c != '\r' {
			escHead = append(escHead, c) // the byte itself, in an escaped literal
		}
		switch {
		case c == '\n' || c == '\r':
			continue
		case c == '\\' && i+1 < len(body) && (body[i+1] == 'n' || body[i+1] == 'r' || body[i+1] == '\n'):
			i++
			continue
		case c >= 'A' && c <= 'Z':
			upper++
			if c > 'F' {
				nonHex++
			}
		case c >= 'a' && c <= 'z':
			lower++
			if c > 'f' {
				nonHex++
			}
		case c >= '0' && c <= '9':
			digit++
		case c == '+' || c == '/' || c == '=' || c == '-' || c == '_':
			nonHex++
		default:
			other++
			continue
		}
		alpha++
		if head.Len() < 96 {
			head.WriteByte(c)
		}
	}
	info := blobInfo{chars: alpha, head: head.String()}
	if esc*4 >= MinBlobChars && esc*4*2 >= len(body) {
		return blobInfo{kind: "\\x-escaped", chars: esc * 4, head: body[:min(len(body), 96)], bytes: escHead}
	}
	if alpha < MinBlobChars || other*100 > alpha+other || digit == 0 {
		return info
	}
	switch {
	case nonHex == 0:
		info.kind = "hex"
	case upper > 0 && lower > 0:
		info.kind = "base64"
	}
	return info
}

// scanBlobs reports runs of adjacent string literals that form a blob.
func scanBlobs(toks []Token, hits *Hits) {
	for i := 0; i < len(toks); {
		if toks[i].Kind != TokString || strings.ContainsAny(toks[i].Prefix, "ft") {
			i++
			continue
		}
		j, n := i, 0
		var body strings.Builder
		for ; j < len(toks) && toks[j].Kind == TokString && !strings.ContainsAny(toks[j].Prefix, "ft"); j++ {
			if n < maxBlobScan {
				body.WriteString(toks[j].Text[:min(len(toks[j].Text), maxBlobScan-n)])
				n = body.Len()
			}
		}
		if info := blobKind(body.String()); info.kind != "" {
			line := toks[i].Line
			shown := info.head
			if len(shown) > 48 {
				shown = strings.ToValidUTF8(shown[:48], "") + "…"
			}
			reason := fmt.Sprintf("%d-character %s literal: its content is hidden from the scanner", info.chars, info.kind)
			if what := decodedKind(info); what != "" {
				reason += "; it decodes to " + what
			}
			hits.add(rules.SourceEncodedBlob, blobName, core.High, reason, line, nil, fmt.Sprintf("'%s'", shown))
		}
		i = j
	}
}

// decodedKind names what the first bytes of a blob decode to, if known.
func decodedKind(info blobInfo) string {
	data := info.bytes
	switch info.kind {
	case "hex":
		h := info.head[:len(info.head)&^1]
		data, _ = hex.DecodeString(h)
	case "base64":
		h := strings.TrimLeft(info.head, "=")
		h = h[:len(h)&^3]
		enc := base64.StdEncoding
		if strings.ContainsAny(h, "-_") {
			enc = base64.URLEncoding
		}
		data = make([]byte, enc.DecodedLen(len(h)))
		n, _ := enc.Decode(data, []byte(h))
		data = data[:n]
	}
	for _, m := range magics {
		if bytes.HasPrefix(data, []byte(m.prefix)) {
			return m.what
		}
	}
	if len(data) >= 8 && data[0] == 0x80 && data[1] >= 2 && data[1] <= 5 {
		return "a pickle"
	}
	if printableText(data) {
		return "text"
	}
	return ""
}

var magics = []struct{ prefix, what string }{
	{"\x7fELF", "an ELF executable or shared library"},
	{"MZ", "a Windows executable (PE)"},
	{"\xcf\xfa\xed\xfe", "a Mach-O executable"},
	{"\xca\xfe\xba\xbe", "a Mach-O universal binary or Java class"},
	{"PK\x03\x04", "a zip archive"},
	{"\x1f\x8b", "gzip-compressed data"},
	{"BZh", "bzip2-compressed data"},
	{"\xfd7zXZ\x00", "xz-compressed data"},
	{"\x28\xb5\x2f\xfd", "zstd-compressed data"},
	{"\x78\x9c", "zlib-compressed data"},
	{"\x78\xda", "zlib-compressed data"},
	{"\x78\x01", "zlib-compressed data"},
	{"\xe3\x00\x00\x00", "a marshalled Python code object"},
}

func printableText(data []byte) bool {
	if len(data) < 16 {
		return false
	}
	for _, c := range data {
		if c < 0x20 && c != '\n' && c != '\r' && c != '\t' || c > 0x7e {
			return false
		}
	}
	return true
}
