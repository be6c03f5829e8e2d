package jinja

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// dump prints an expression as an S-expression, to check precedence.
func dump(x Expr) string {
	args := func(a Args) string {
		var parts []string
		for _, p := range a.Pos {
			parts = append(parts, dump(p))
		}
		for _, k := range a.Kw {
			parts = append(parts, k.Name+"="+dump(k.Value))
		}
		if a.DynArgs != nil {
			parts = append(parts, "*"+dump(a.DynArgs))
		}
		if a.DynKwargs != nil {
			parts = append(parts, "**"+dump(a.DynKwargs))
		}
		return strings.Join(parts, " ")
	}
	list := func(op string, xs []Expr) string {
		parts := []string{op}
		for _, it := range xs {
			parts = append(parts, dump(it))
		}
		return "(" + strings.Join(parts, " ") + ")"
	}
	switch x := x.(type) {
	case nil:
		return "_"
	case *Const:
		switch x.Kind {
		case ConstString:
			return fmt.Sprintf("%q", x.Str)
		case ConstInt:
			return fmt.Sprint(x.Int)
		case ConstFloat:
			return fmt.Sprint(x.Float)
		case ConstBool:
			return fmt.Sprint(x.Bool)
		}
		return "none"
	case *Name:
		return x.Name
	case *List:
		return list("list", x.Items)
	case *Tuple:
		return list("tuple", x.Items)
	case *Dict:
		var parts []string
		for i := range x.Keys {
			parts = append(parts, dump(x.Keys[i])+":"+dump(x.Values[i]))
		}
		return "(dict " + strings.Join(parts, " ") + ")"
	case *Getattr:
		return "(. " + dump(x.X) + " " + x.Name + ")"
	case *Getitem:
		return "([] " + dump(x.X) + " " + dump(x.Index) + ")"
	case *Slice:
		return "(: " + dump(x.Start) + " " + dump(x.Stop) + " " + dump(x.Step) + ")"
	case *Call:
		return "(call " + dump(x.Fn) + " " + args(x.Args) + ")"
	case *Filter:
		return "(| " + dump(x.X) + " " + x.Name + " " + args(x.Args) + ")"
	case *Test:
		return "(is " + dump(x.X) + " " + x.Name + " " + args(x.Args) + ")"
	case *Unary:
		return "(" + x.Op + " " + dump(x.X) + ")"
	case *Binary:
		return "(" + x.Op + " " + dump(x.L) + " " + dump(x.R) + ")"
	case *Concat:
		return list("~", x.Items)
	case *Compare:
		s := "(cmp " + dump(x.X)
		for _, op := range x.Ops {
			s += " " + op.Op + " " + dump(op.Y)
		}
		return s + ")"
	case *CondExpr:
		return "(if " + dump(x.Test) + " " + dump(x.Then) + " " + dump(x.Else) + ")"
	case *NSRef:
		return x.Name + "." + x.Attr
	}
	return fmt.Sprintf("%T", x)
}

func parseExpr(t *testing.T, src string) Expr {
	t.Helper()
	tpl, err := Parse("{{ "+src+" }}", Limits{})
	if err != nil {
		t.Fatalf("%q: %v", src, err)
	}
	return tpl.Body[0].(*Output).Exprs[0]
}

func TestExpressionPrecedence(t *testing.T) {
	cases := []struct{ src, want string }{
		{"1 + 2 * 3", "(+ 1 (* 2 3))"},
		{"a ~ b + c ~ d", "(+ (~ a b) (~ c d))"},
		{"a or b and not c", "(or a (and b (not c)))"},
		{"not a == b", "(not (cmp a == b))"},
		{"a in b not in c", "(cmp a in b not in c)"},
		{"-a ** 2", "(** (- a) 2)"},
		{"-x|abs", "(| (- x) abs )"},
		{"a if b else c if d", "(if b a (if d c _))"},
		{"x.y[0]('z', k=1, *a, **b)|f(2)|g is defined", "(is (| (| (call ([] (. x y) 0) \"z\" k=1 *a **b) f 2) g ) defined )"},
		{"x is not divisibleby 3", "(not (is x divisibleby 3))"},
		{"x is sameas false", "(is x sameas false)"},
		{"x[1:2:3]", "([] x (: 1 2 3))"},
		{"x[::-1]", "([] x (: _ _ (- 1)))"},
		{"x[:2, 3]", "([] x (tuple (: _ 2 _) 3))"},
		{"x.0.1", "([] ([] x 0) 1)"},
		{"'a' 'b' \"c\"", "\"abc\""},
		{"(1, 2,)", "(tuple 1 2)"},
		{"()", "(tuple)"},
		{"[1, [2]], {'k': v,}", "(tuple (list 1 (list 2)) (dict \"k\":v))"},
		{"True and None or false", "(or (and true none) false)"},
		{"2 ** 3 ** 2", "(** (** 2 3) 2)"},
		{"a // b % c / d", "(/ (% (// a b) c) d)"},
		{"f(x)(y)", "(call (call f x) y)"},
		{"x|f.g", "(| x f.g )"},
	}
	for _, c := range cases {
		if got := dump(parseExpr(t, c.src)); got != c.want {
			t.Errorf("%q:\n got %s\nwant %s", c.src, got, c.want)
		}
	}
}

func TestStatementsParse(t *testing.T) {
	valid := []string{
		"{% for a, b in x|items if a recursive %}{{ loop(b) }}{% else %}none{% endfor %}",
		"{% for (a, b), c in x %}{% break %}{% continue %}{% endfor %}",
		"{% set ns = namespace(a=1) %}{% set ns.a = 2 %}{% set x, y = 1, 2 %}",
		"{% set x | upper | trim %} body {% endset %}{% set ns.b %}v{% endset %}",
		"{% macro m(a, b=2) %}{{ caller(a) }}{% endmacro %}{% call(u) m(1) %}{{ u }}{% endcall %}{% call m(1) %}x{% endcall %}",
		"{% filter upper|trim %}x{% endfilter %}",
		"{% with a = 1, b = 2 %}{{ a }}{% endwith %}",
		"{% include 'a' ignore missing without context %}{% import 'b' as c with context %}{% from 'd' import e, f as g %}",
		"{% extends 'base' %}{% block title scoped required %}x{% endblock title %}",
		"{% do x.append(1) %}{% print 1, 2 %}{% autoescape true %}x{% endautoescape %}",
		"{%- generation %}{{ x }}{% endgeneration -%}",
		"{% if a %}1{% elif b %}2{% elif c %}3{% else %}4{% endif %}",
		"{% if a: %}x{% endif %}",
		"{% raw %}{% if %}{{ not parsed }}{% endraw %}",
		"{#- comment with {{ tags }} -#}",
		"{{ x }}{{- y -}}{%+ if z +%}{% endif %}",
	}
	for _, src := range valid {
		if _, err := Parse(src, Limits{}); err != nil {
			t.Errorf("%q: %v", src, err)
		}
	}
}

func TestParseErrors(t *testing.T) {
	cases := []struct {
		src       string
		line, col int
		msg       string
	}{
		{"{% for x in y %}", 1, 17, "unexpected end of template"},
		{"a\n{% endif %}", 2, 4, "unknown tag 'endif'"},
		{"{{ 1 + }}", 1, 8, "unexpected"},
		{"{% for a, in b %}{% endfor %}", 1, 14, "expected 'in'"},
		{"{% set 1 = 2 %}", 1, 8, "can't assign"},
		{"{% macro m(a=1, b) %}{% endmacro %}", 1, 18, "non-default argument"},
		{"{% from 'x' import _private %}", 1, 20, "underline"},
		{"{{ f(a=1, 2) }}", 1, 5, "invalid syntax for function call"},
		{"{% call x %}{% endcall %}", 1, 4, "expected call"},
		{"{{ x is a is b }}", 1, 11, "chain multiple tests"},
		{"{% block a-b %}{% endblock %}", 1, 11, "hyphens"},
		{"{% trans %}x{% endtrans %}", 1, 4, "unknown tag 'trans'"},
	}
	for _, c := range cases {
		_, err := Parse(c.src, Limits{})
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("%q: error %v", c.src, err)
			continue
		}
		if e.Line != c.line || e.Col != c.col || !strings.Contains(e.Msg, c.msg) || e.Limit != "" {
			t.Errorf("%q: got %d:%d %q, want %d:%d %q", c.src, e.Line, e.Col, e.Msg, c.line, c.col, c.msg)
		}
	}
}

func TestParseLimits(t *testing.T) {
	deep := strings.Repeat("(", 400) + "1" + strings.Repeat(")", 400)
	chain := "x" + strings.Repeat(".a", 2000)
	many := strings.Repeat("{{ x }}", 50)
	cases := []struct {
		src   string
		lim   Limits
		limit string
	}{
		{"{{ " + deep + " }}", Limits{MaxDepth: 100}, "max_depth"},
		{"{{ " + chain + " }}", Limits{MaxDepth: 100}, "max_depth"},
		{"{{ " + strings.Repeat("-", 5000) + "x }}", Limits{}, "max_depth"},
		{strings.Repeat("{% if x %}", 300), Limits{MaxDepth: 100}, "max_depth"},
		{many, Limits{MaxNodes: 40}, "max_nodes"},
		{many, Limits{MaxBytes: 100}, "max_bytes"},
	}
	for i, c := range cases {
		_, err := Parse(c.src, c.lim)
		var e *Error
		if !errors.As(err, &e) || e.Limit != c.limit {
			t.Errorf("case %d: error %v, want limit %s", i, err, c.limit)
		}
	}
	if _, err := Parse("{{ "+deep[300:len(deep)-300]+" }}", Limits{}); err != nil {
		t.Errorf("100 nested parentheses: %v", err)
	}
}

// TestGrammarAgainstJinja checks accept/reject agreement with Jinja2 3.1 on
// the snippets testdata/grammar/gen_cases.py generated (it only parses).
func TestGrammarAgainstJinja(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "grammar", "cases.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cases []struct {
		Src string
		OK  bool
	}
	if err := json.Unmarshal(raw, &cases); err != nil {
		t.Fatal(err)
	}
	if len(cases) < 500 {
		t.Fatalf("only %d cases", len(cases))
	}
	valid := 0
	for _, c := range cases {
		_, err := Parse(c.Src, Limits{})
		if (err == nil) != c.OK {
			t.Errorf("%q: Jinja2 accepts=%v, parse error %v", c.Src, c.OK, err)
		}
		if c.OK {
			valid++
		}
	}
	if valid < 100 {
		t.Errorf("only %d valid cases", valid)
	}
}

func TestRefsAndSpans(t *testing.T) {
	src := "{% extends 'base.j2' %}{% include name %}{% import 'm' as m %}{% from 'f' import g %}{% block body %}{% endblock %}"
	tpl, err := Parse(src, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range tpl.Refs {
		got = append(got, r.Kind+":"+r.Name)
	}
	if want := "extends:base.j2 include: import:m from:f block:body"; strings.Join(got, " ") != want {
		t.Errorf("refs %q, want %q", strings.Join(got, " "), want)
	}
	x := parseExpr(t, "a.b | attr('c')")
	if sp := x.Span(); sp.Pos.Off != 3 || sp.End != 18 {
		t.Errorf("span %+v", sp)
	}
	if tpl.Nodes == 0 {
		t.Error("no nodes counted")
	}
}
