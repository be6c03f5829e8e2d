package pysrc

// Dotted references: NAME(.NAME)* with an optional call, found in a token
// stream, and helpers to take call arguments apart.

import "strings"

// Ref is a dotted name written in the source: NAME(.NAME)*, possibly called.
type Ref struct {
	Parts      []string // the first maxParts components
	Line       int
	Start, End int     // token range of the reference (and its call, if any)
	Call       bool    // followed by a call
	Args       []Token // call arguments, without the parentheses
	ArgStart   int     // index of the first argument token
}

// Refs lists the dotted references of a token stream that are not
// attributes of something else, definitions, keyword-argument names or
// part of import statements (skipImports).
func Refs(toks []Token, skipImports bool) []Ref {
	var out []Ref
	closing := matchParens(toks)
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		if t.Kind != TokName || pyKeywords[t.Text] {
			if skipImports && t.Kind == TokName && atStmtStart(toks, i) && (t.Text == "import" || t.Text == "from") {
				for i < len(toks) && toks[i].Kind != TokNewline {
					i++
				}
			}
			continue
		}
		if i > 0 && (IsOp(toks[i-1], ".") || toks[i-1].Kind == TokName && (toks[i-1].Text == "def" || toks[i-1].Text == "class")) {
			continue
		}
		r := Ref{Parts: []string{t.Text}, Line: t.Line, Start: i}
		j := i + 1
		for j+1 < len(toks) && IsOp(toks[j], ".") && toks[j+1].Kind == TokName {
			if len(r.Parts) < maxParts {
				r.Parts = append(r.Parts, toks[j+1].Text)
			}
			j += 2
		}
		last := j - 1
		if j < len(toks) && IsOp(toks[j], "=") && j+1 < len(toks) && i > 0 && (IsOp(toks[i-1], "(") || IsOp(toks[i-1], ",")) {
			i = j // keyword argument name
			continue
		}
		if j < len(toks) && IsOp(toks[j], "(") {
			r.Call = true
			end := closing[j]
			r.Args, r.ArgStart = toks[j+1:max(end, j+1)], j+1
			j = min(end+1, len(toks))
		}
		r.End = j
		out = append(out, r)
		i = last // the call's arguments are scanned too
	}
	return out
}

// IsOp reports whether t is the operator s.
func IsOp(t Token, s string) bool { return t.Kind == TokOp && t.Text == s }

func atStmtStart(toks []Token, i int) bool {
	return i == 0 || toks[i-1].Kind == TokNewline || IsOp(toks[i-1], ":")
}

// matchParens maps the index of each opening bracket to the index of the
// bracket closing it (len(toks) when none does), in one pass.
func matchParens(toks []Token) []int {
	out := make([]int, len(toks))
	var open []int
	for j, t := range toks {
		if t.Kind != TokOp {
			continue
		}
		switch t.Text {
		case "(", "[", "{":
			open = append(open, j)
		case ")", "]", "}":
			if len(open) > 0 {
				out[open[len(open)-1]] = j
				open = open[:len(open)-1]
			}
		}
	}
	for _, j := range open {
		out[j] = len(toks)
	}
	return out
}

// splitArgs splits call arguments at top-level commas.
func splitArgs(args []Token) [][]Token {
	var out [][]Token
	depth, start := 0, 0
	for i, t := range args {
		if t.Kind != TokOp {
			continue
		}
		switch t.Text {
		case "(", "[", "{":
			depth++
		case ")", "]", "}":
			depth--
		case ",":
			if depth == 0 {
				out = append(out, args[start:i])
				start = i + 1
			}
		}
	}
	if start < len(args) {
		out = append(out, args[start:])
	}
	return out
}

var pyKeywords = NameSet("False None True and as assert async await break class continue def del elif else except " +
	"finally for from global if import in is lambda nonlocal not or pass raise return try while with yield")

// NameSet returns the set of the space-separated words.
func NameSet(words string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(words) {
		m[w] = true
	}
	return m
}
