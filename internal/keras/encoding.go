package keras

import (
	"encoding/binary"
	"unicode/utf16"
	"unicode/utf8"
)

// Encoding names, as Python's json.detect_encoding returns them.
const (
	encUTF8    = "utf-8"
	encUTF8BOM = "utf-8-sig"
	encUTF16BE = "utf-16-be"
	encUTF16LE = "utf-16-le"
	encUTF32BE = "utf-32-be"
	encUTF32LE = "utf-32-le"
)

// detectEncoding mirrors json.detect_encoding, which json.loads applies to
// bytes (Keras 3 reads config.json from the archive as bytes): a BOM, or
// the pattern of NUL bytes in the first four bytes of a document that
// starts with an ASCII character.
func detectEncoding(b []byte) (enc string, bom int) {
	switch {
	case len(b) >= 4 && b[0] == 0 && b[1] == 0 && b[2] == 0xfe && b[3] == 0xff:
		return encUTF32BE, 4
	case len(b) >= 4 && b[0] == 0xff && b[1] == 0xfe && b[2] == 0 && b[3] == 0:
		return encUTF32LE, 4
	case len(b) >= 2 && b[0] == 0xfe && b[1] == 0xff:
		return encUTF16BE, 2
	case len(b) >= 2 && b[0] == 0xff && b[1] == 0xfe:
		return encUTF16LE, 2
	case len(b) >= 3 && b[0] == 0xef && b[1] == 0xbb && b[2] == 0xbf:
		return encUTF8BOM, 3
	}
	if len(b) >= 4 {
		if b[0] == 0 {
			if b[1] != 0 {
				return encUTF16BE, 0
			}
			return encUTF32BE, 0
		}
		if b[1] == 0 {
			if b[2] != 0 || b[3] != 0 {
				return encUTF16LE, 0
			}
			return encUTF32LE, 0
		}
	} else if len(b) == 2 {
		if b[0] == 0 {
			return encUTF16BE, 0
		}
		if b[1] == 0 {
			return encUTF16LE, 0
		}
	}
	return encUTF8, 0
}

// toUTF8 converts a JSON document given as bytes to UTF-8 the way
// json.loads decodes it. Undecodable units become U+FFFD; a trailing
// partial unit is dropped (a head of a document is cut anywhere). The
// result is never longer than 2x the input (a UTF-16 unit of 2 bytes is
// at most 3 UTF-8 bytes, a UTF-32 unit of 4 at most 4).
func toUTF8(b []byte) []byte {
	enc, bom := detectEncoding(b)
	b = b[bom:]
	switch enc {
	case encUTF8, encUTF8BOM:
		return b
	case encUTF16BE, encUTF16LE:
		order := binary.ByteOrder(binary.LittleEndian)
		if enc == encUTF16BE {
			order = binary.BigEndian
		}
		units := make([]uint16, 0, len(b)/2)
		for i := 0; i+1 < len(b); i += 2 {
			units = append(units, order.Uint16(b[i:]))
		}
		out := make([]byte, 0, len(b)+len(b)/2)
		for _, r := range utf16.Decode(units) {
			out = utf8.AppendRune(out, r)
		}
		return out
	default:
		order := binary.ByteOrder(binary.LittleEndian)
		if enc == encUTF32BE {
			order = binary.BigEndian
		}
		out := make([]byte, 0, len(b))
		for i := 0; i+3 < len(b); i += 4 {
			r := rune(order.Uint32(b[i:]))
			if !utf8.ValidRune(r) {
				r = utf8.RuneError
			}
			out = utf8.AppendRune(out, r)
		}
		return out
	}
}
