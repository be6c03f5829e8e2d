package tarfmt

import (
	"bytes"
	"strings"
	"unicode/utf8"
)

// blockSize is the tar record unit: headers are one block, data is padded
// to a multiple of it.
const blockSize = 512

// Header field ranges (POSIX ustar; v7 uses the first ones only).
const (
	offName     = 0
	offMode     = 100
	offSize     = 124
	offChksum   = 148
	offTypeflag = 156
	offLinkname = 157
	offMagic    = 257
	offPrefix   = 345
)

// sniff recognises a tar header block: the checksum must match (as both
// Python's tarfile and Go's archive/tar require), and the block must carry
// the ustar or GNU magic, or look like a v7 header.
func sniff(blk []byte) bool {
	if len(blk) < blockSize || !checksumOK(blk) {
		return false
	}
	return isUstar(blk) || isGNU(blk) || v7Sane(blk)
}

func isUstar(blk []byte) bool { return string(blk[offMagic:offMagic+6]) == "ustar\x00" }
func isGNU(blk []byte) bool   { return string(blk[offMagic:offMagic+8]) == "ustar  \x00" }

// checksumOK: the octal checksum at 148 equals the unsigned or the signed
// sum of the block's bytes with the checksum field counted as spaces.
func checksumOK(blk []byte) bool {
	stored, ok := parseOctal(blk[offChksum : offChksum+8])
	if !ok {
		return false
	}
	var unsigned, signed int64
	for i, c := range blk[:blockSize] {
		if i >= offChksum && i < offChksum+8 {
			c = ' '
		}
		unsigned += int64(c)
		signed += int64(int8(c))
	}
	return stored == unsigned || stored == signed
}

// v7Sane checks the fields a v7 header must have: a NUL-terminated,
// non-empty name, octal mode and size, and a v7 type flag.
func v7Sane(blk []byte) bool {
	if blk[0] == 0 || bytes.IndexByte(blk[:offMode], 0) < 0 {
		return false
	}
	if t := blk[offTypeflag]; t != 0 && (t < '0' || t > '7') {
		return false
	}
	for _, f := range [][]byte{blk[offMode : offMode+8], blk[offSize : offSize+12]} {
		if len(bytes.Trim(f, " \x00")) == 0 {
			return false
		}
		if _, ok := parseOctal(f); !ok {
			return false
		}
	}
	return true
}

// parseOctal reads a numeric field the way archive/tar does: surrounding
// spaces and NULs are ignored, the rest must be octal digits.
func parseOctal(f []byte) (int64, bool) {
	f = bytes.Trim(f, " \x00")
	var n int64
	for _, c := range f {
		if c < '0' || c > '7' || n > 1<<58 {
			return 0, false
		}
		n = n<<3 | int64(c-'0')
	}
	return n, true
}

// parseSize reads the size field: octal, or GNU base-256 (high bit set).
// It returns -1 when the field cannot be read.
func parseSize(f []byte) int64 {
	if f[0]&0x80 == 0 {
		if n, ok := parseOctal(f); ok {
			return n
		}
		return -1
	}
	var n int64
	for i, c := range f {
		if i == 0 {
			c &= 0x7f
		}
		if n > 1<<54 {
			return -1
		}
		n = n<<8 | int64(c)
	}
	return n
}

// cstr returns a field up to its first NUL.
func cstr(f []byte) string {
	if i := bytes.IndexByte(f, 0); i >= 0 {
		f = f[:i]
	}
	return string(f)
}

// rawName is the member name a reader that ignores PAX and GNU extension
// headers sees: the name field, with the ustar prefix when there is one.
func rawName(blk []byte) string {
	name := cstr(blk[offName:offMode])
	if isUstar(blk) {
		end := offPrefix + 155
		if string(blk[508:512]) == "tar\x00" { // star puts times after a shorter prefix
			end = offPrefix + 131
		}
		if p := cstr(blk[offPrefix:end]); p != "" {
			name = p + "/" + name
		}
	}
	return name
}

// rawLink is the link target field as such a reader sees it.
func rawLink(blk []byte) string { return cstr(blk[offLinkname:offMagic]) }

// sameName reports whether raw, the name stored in a header field of
// fieldLen bytes, is what a writer puts there for the real (extension
// header) name: the same text, the text made ASCII (Python's tarfile
// replaces other characters with '?', Go's archive/tar drops them), or a
// truncation of either when it did not fit (Go also trims the slashes a cut
// leaves at the end).
func sameName(raw, real string, fieldLen int) bool {
	if raw == "" || raw == real {
		return true
	}
	for _, v := range []string{real, asciiOnly(real, "?"), asciiOnly(real, "")} {
		if raw == v || (len(v) > fieldLen && strings.HasPrefix(v, raw)) {
			return true
		}
	}
	return false
}

func asciiOnly(s, repl string) string {
	var b strings.Builder
	for len(s) > 0 {
		r, n := utf8.DecodeRuneInString(s)
		if r < utf8.RuneSelf && n == 1 {
			b.WriteByte(s[0])
		} else {
			b.WriteString(repl)
		}
		s = s[n:]
	}
	return b.String()
}
