package jinja

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/modelscan-go/modelscan/internal/core"
	"github.com/modelscan-go/modelscan/internal/rules"
)

func maxIssue(rep Report) Issue {
	var best Issue
	for _, is := range rep.Issues {
		if is.Severity > best.Severity {
			best = is
		}
	}
	return best
}

func dumpIssues(rep Report) string {
	var b strings.Builder
	for _, is := range rep.Issues {
		b.WriteString("  " + is.Severity.String() + " " + is.Rule + " " + is.Message + " | " + is.Evidence + "\n")
	}
	return b.String()
}

// Injection payloads, written here and never rendered. Each one must be
// reported CRITICAL.
var malicious = []struct{ name, src, names string }{
	{"direct mro subclasses", `{{ ''.__class__.__mro__[1].__subclasses__() }}`, "__class__"},
	{"gguf style warnings gadget", `{% for x in ().__class__.__base__.__subclasses__() %}{% if 'warning' in x.__name__ %}{{ x()._module.__builtins__['__import__']('os').popen('echo pwned').read() }}{% endif %}{% endfor %}`, "__subclasses__"},
	{"attr concat", `{{ x|attr('__cla'~'ss__') }}`, "__class__"},
	{"attr repeated underscores", `{{ x|attr('_'*2 ~ 'class' ~ '_'*2) }}`, "__class__"},
	{"subscript plus", `{{ x['__glo'+'bals__'] }}`, "__globals__"},
	{"set variables", `{% set a='__cla' %}{% set b=a~'ss__' %}{{ x|attr(b) }}`, "__class__"},
	{"join literal list", `{{ x|attr(['__cla','ss__']|join) }}`, "__class__"},
	{"join tuple with separator", `{{ x|attr(('', 'class', '')|join('__')) }}`, "__class__"},
	{"str join method", `{{ x|attr(''.join(['__cl', 'ass__'])) }}`, "__class__"},
	{"replace filter", `{{ x|attr('__clXss__'|replace('X', 'a')) }}`, "__class__"},
	{"replace method", `{{ x['__gloXals__'.replace('X', 'b')] }}`, "__globals__"},
	{"reverse filter", `{{ x|attr('__ssalc__'|reverse) }}`, "__class__"},
	{"reverse slice", `{{ x|attr('__ssalc__'[::-1]) }}`, "__class__"},
	{"list reverse join", `{{ x|attr('__ssalc__'|list|reverse|join) }}`, "__class__"},
	{"format filter", `{{ x|attr('%sclass%s'|format('__', '__')) }}`, "__class__"},
	{"percent operator", `{{ x|attr('%s%s' % ('__cla', 'ss__')) }}`, "__class__"},
	{"percent c", `{{ x|attr('%c%cclass%c%c'|format(95, 95, 95, 95)) }}`, "__class__"},
	{"str format", `{{ x|attr('{}class{}'.format('__', '__')) }}`, "__class__"},
	{"format spec fill", `{{ x|attr('{:_^9}'.format('class')) }}`, "__class__"},
	{"center fill", `{{ x|attr('class'.center(9, '_')) }}`, "__class__"},
	{"lower upper", `{{ x|attr('__CLASS__'|lower) }}{{ y|attr('__mro__'.upper().lower()) }}`, "__class__"},
	{"trim string", `{{ x|attr(('  __class__  '|trim)|string) }}`, "__class__"},
	{"sharp s upper", `{{ x|attr('__claß__'.upper().lower()) }}`, "__class__"},
	{"hex escapes", `{{ x|attr('\x5f\x5fclass\x5f\x5f') }}`, "__class__"},
	{"octal and named escapes", `{{ x|attr('\137\N{LOW LINE}class__') }}`, "__class__"},
	{"lipsum globals os popen", `{{ lipsum.__globals__['os'].popen('id').read() }}`, "__globals__"},
	{"cycler init globals", `{{ cycler.__init__.__globals__.os.popen('id').read() }}`, "__init__"},
	{"joiner", `{{ joiner.__init__.__globals__['__builtins__']['eval']('1') }}`, "__globals__"},
	{"self builtins", `{{ self.__init__.__globals__.__builtins__ }}`, "__builtins__"},
	{"template reference context", `{{ self._TemplateReference__context.cycler.__init__.__globals__.os }}`, "_TemplateReference__context"},
	{"namespace accumulation", `{% set ns = namespace(s='') %}{% for p in ['__cla', 'ss__'] %}{% set ns.s = ns.s ~ p %}{% endfor %}{{ x|attr(ns.s) }}`, "__class__"},
	{"namespace attr set", `{% set ns = namespace() %}{% set ns.a = '__glob' %}{% set ns.b = ns.a ~ 'als__' %}{{ cycler.__init__[ns.b] }}`, "__globals__"},
	{"namespace dict init", `{% set ns = namespace({'k': '__class__'}) %}{{ x|attr(ns.k) }}`, "__class__"},
	{"list append loop", `{% set l = [] %}{% for p in ['__cla', 'ss__'] %}{% do l.append(p) %}{% endfor %}{{ x|attr(l|join) }}`, "__class__"},
	{"dict keys", `{{ x|attr(dict(__class__=1)|first) }}`, "__class__"},
	{"dict literal lookup", `{% set d = {'k': '__class__'} %}{{ x|attr(d.k) }}{{ y[d['k']] }}`, "__class__"},
	{"block set", `{% set a %}__cla{% endset %}{{ x|attr(a ~ 'ss__') }}`, "__class__"},
	{"block set trimmed", "{% set a %}\n__cla{% endset %}{{ x|attr('' ~ a ~ 'ss__') }}", "__class__"},
	{"block set filter", `{% set a | lower %}__CLASS__{% endset %}{{ x|attr(a) }}`, "__class__"},
	{"macro argument", `{% macro m(n) %}{{ x|attr(n) }}{% endmacro %}{{ m('__class__') }}`, "__class__"},
	{"macro output", `{% macro n() %}__class__{% endmacro %}{{ x|attr(n()) }}`, "__class__"},
	{"call block caller", `{% macro m() %}{{ x|attr(caller()) }}{% endmacro %}{% call m() %}__class__{% endcall %}`, "__class__"},
	{"map attribute", `{{ x|map(attribute='__class__')|list }}`, "__class__"},
	{"map attr filter", `{{ x|map('attr', '__class__')|list }}`, "__class__"},
	{"selectattr path", `{{ x|selectattr('__class__.__name__')|list }}`, "__class__"},
	{"sum attribute", `{{ x|sum(attribute='__class__') }}`, "__class__"},
	{"format string fields", `{{ '{0.__class__.__mro__}'.format(x) }}`, "__class__"},
	{"loop cycle", `{% for i in [1] %}{{ x|attr(loop.cycle('__class__', '__mro__')) }}{% endfor %}`, "__class__"},
	{"conditional name", `{{ x|attr('__class__' if y else 'a') }}`, "__class__"},
	{"default filter", `{{ x|attr(undefined_name|default('__class__')) }}`, "__class__"},
	{"with block", `{% with n = '__cla' ~ 'ss__' %}{{ x|attr(n) }}{% endwith %}`, "__class__"},
	{"tuple unpack", `{% set a, b = '__cla', 'ss__' %}{{ x|attr(a ~ b) }}`, "__class__"},
	{"for unpack", `{% for a, b in [('__cla', 'ss__')] %}{{ x|attr(a ~ b) }}{% endfor %}`, "__class__"},
	{"tojson slice", `{{ x|attr(('__class__'|tojson)[1:-1]) }}`, "__class__"},
	{"string of list", `{{ x|attr((['__class__']|string)[2:11]) }}`, "__class__"},
	{"dynamic with dunder piece", `{{ x[y ~ '__class__'] }}`, "built from"},
	{"attr on unknown with pieces", `{{ x|attr(request.args.a ~ '__') }}`, "built from"},
	{"undefined in concat", `{{ x|attr(nothing ~ '__class__') }}`, "__class__"},
	{"filter block", `{% filter attr('__class__') %}x{% endfilter %}`, "__class__"},
	{"unparsable with payload before error", `{{ x|attr('__cla'~'ss__') }}{% for %}`, "__class__"},
	{"unparsable tag with payload", `{{ lipsum.__globals__.os.popen('id') }`, "__globals__"},
	{"unclosed block", `{% if x %}{% set a = '__cl' %}{{ y|attr(a ~ 'ass__') }}`, "__class__"},
}

func TestMaliciousTemplatesCritical(t *testing.T) {
	for _, c := range malicious {
		t.Run(c.name, func(t *testing.T) {
			rep, _ := Analyze(c.src, Limits{})
			best := maxIssue(rep)
			if best.Severity != core.Critical {
				t.Fatalf("max severity %s, want CRITICAL:\n%s", best.Severity, dumpIssues(rep))
			}
			if best.Rule != rules.TemplateSSTI && best.Rule != rules.TemplateDynamicAttribute {
				t.Errorf("rule %s", best.Rule)
			}
			if !strings.Contains(best.Message, c.names) {
				t.Errorf("message %q lacks %q", best.Message, c.names)
			}
			if best.Line < 1 || best.Col < 1 || best.Evidence == "" {
				t.Errorf("position %d:%d evidence %q", best.Line, best.Col, best.Evidence)
			}
		})
	}
}

func TestHighAndLow(t *testing.T) {
	cases := []struct {
		src  string
		rule string
		sev  core.Severity
	}{
		{`{{ x|attr(name) }}`, rules.TemplateDynamicAttribute, core.High},
		{`{{ x|attr(a ~ b) }}`, rules.TemplateDynamicAttribute, core.High},
		{`{{ x[message.role ~ '_suffix'] }}`, rules.TemplateDynamicAttribute, core.High},
		{`{{ x[message.content|replace('a', 'b')] }}`, rules.TemplateDynamicAttribute, core.High},
		{`{{ x|map(attribute=a ~ 'b')|list }}`, rules.TemplateDynamicAttribute, core.High},
		{`{{ os.popen('id').read() }}`, rules.TemplateSSTI, core.High},
		{`{{ x.subprocess.check_output('id') }}`, rules.TemplateSSTI, core.High},
		{`{{ x.system('id') }}`, rules.TemplateSSTI, core.High},
		{`{{ eval('1') }}`, rules.TemplateSSTI, core.High},
		{`{{ config.items() }}`, rules.TemplateSuspiciousGlobal, core.Low},
		{`{{ request }}`, rules.TemplateSuspiciousGlobal, core.Low},
	}
	for _, c := range cases {
		rep, err := Analyze(c.src, Limits{})
		if err != nil {
			t.Errorf("%q: %v", c.src, err)
		}
		best := maxIssue(rep)
		if best.Rule != c.rule || best.Severity != c.sev {
			t.Errorf("%q: got %s %s, want %s %s:\n%s", c.src, best.Severity, best.Rule, c.sev, c.rule, dumpIssues(rep))
		}
	}
}

// Things that look a bit like the payloads but are ordinary template code.
func TestNotFlagged(t *testing.T) {
	for _, src := range []string{
		`{{ message['system'] }}{{ roles['system'] }}{{ x['os'] }}{% set system = 1 %}{{ system }}`,
		`{{ x[message['role']] }}{{ x[loop.index0 + 1] }}{{ x[key] }}{{ tools[0].function.name }}`,
		`{% set m = {'user': 'U'} %}{{ m[message.role|lower] }}{{ x|attr('content') }}`,
		`{{ '__' }}{{ 'see __init__.py' }}{% set s = '__class__' %}`,
		`{{ x|map(attribute='content')|join('\n') }}{{ x|selectattr('role', 'equalto', 'user')|list }}`,
		`{{ '{0} and {1}'.format(a, b) }}{{ '%s' % x }}{{ 'a'|format(1) }}`,
		`{% for k, v in d.items() %}{{ k }}={{ v|tojson }}{% endfor %}`,
		`{{ x.mro_flag }}{{ namespace(a=1).a }}{{ range(3)|list }}{{ dict(a=1).a }}`,
	} {
		rep, err := Analyze(src, Limits{})
		if err != nil || len(rep.Issues) > 0 {
			t.Errorf("%q: %v\n%s", src, err, dumpIssues(rep))
		}
	}
}

func TestCleanFixtures(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "clean", "*.jinja"))
	if len(files) < 10 {
		t.Fatalf("only %d clean fixtures", len(files))
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			rep, err := Analyze(string(data), Limits{})
			if err != nil {
				t.Fatalf("does not parse: %v", err)
			}
			if len(rep.Issues) > 0 || rep.Template == nil || rep.Coarse {
				t.Errorf("not clean (coarse=%v):\n%s", rep.Coarse, dumpIssues(rep))
			}
		})
	}
}

func TestUnparsableReported(t *testing.T) {
	for _, src := range []string{"{% for x in y %}", "{{ x ) }}", "{% endif %}", "{# open\nx", "{{ 'a' 'b }}"} {
		rep, err := Analyze(src, Limits{})
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("%q: error %v", src, err)
			continue
		}
		if len(rep.Issues) == 0 || rep.Issues[0].Rule != rules.TemplateUnparsable || rep.Issues[0].Severity != core.Medium ||
			rep.Issues[0].Line != e.Line || rep.Issues[0].Col != e.Col {
			t.Errorf("%q:\n%s", src, dumpIssues(rep))
		}
	}
}

func TestLimitsReported(t *testing.T) {
	big := strings.Repeat("x", 200)
	rep, err := Analyze(big, Limits{MaxBytes: 100})
	var e *Error
	if !errors.As(err, &e) || e.Limit != "max_bytes" || len(rep.Issues) != 1 || rep.Issues[0].Rule != rules.ScanIncomplete {
		t.Errorf("size limit: %v\n%s", err, dumpIssues(rep))
	}
	deep := "{{ x|attr('__class__') }}{{ " + strings.Repeat("(", 300) + "1" + strings.Repeat(")", 300) + " }}"
	rep, err = Analyze(deep, Limits{MaxDepth: 50})
	if !errors.As(err, &e) || e.Limit != "max_depth" || maxIssue(rep).Severity != core.Critical {
		t.Errorf("depth limit: %v\n%s", err, dumpIssues(rep))
	}
}

// The step budget switches to the coarse mode, which must still see a
// payload assembled inside loops.
func TestCoarseModeStillSound(t *testing.T) {
	src := `{% set ns = namespace(s='') %}` + strings.Repeat(`{% for a in [1,2,3,4,5,6,7,8] %}`, 6) +
		`{% set ns.s = ns.s ~ '_' %}` + strings.Repeat(`{% endfor %}`, 6) +
		`{% for p in ['__cla', 'ss__'] %}{% set ns.t = (ns.t or '') ~ p %}{% endfor %}{{ x[ns.t] }}{{ y|attr(ns.s ~ 'class') }}`
	rep, err := Analyze(src, Limits{MaxSteps: 2000})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Coarse {
		t.Error("budget not exhausted")
	}
	if maxIssue(rep).Severity < core.High {
		t.Errorf("coarse mode lost the payload:\n%s", dumpIssues(rep))
	}
	small := `{% set ns = namespace(s='') %}` + strings.Repeat(`{% for a in [1,2,3,4,5,6,7,8] %}`, 2) +
		`{% set ns.s = ns.s ~ '_' %}` + strings.Repeat(`{% endfor %}`, 2) +
		`{% for p in ['__cla', 'ss__'] %}{% set ns.t = (ns.t or '') ~ p %}{% endfor %}{{ x[ns.t] }}`
	rep, _ = Analyze(small, Limits{})
	if rep.Coarse || maxIssue(rep).Severity != core.Critical {
		t.Errorf("full mode (coarse=%v):\n%s", rep.Coarse, dumpIssues(rep))
	}
}

// Adversarial nesting must stay fast with the default budget.
func TestBudgetBoundsTime(t *testing.T) {
	srcs := []string{
		`{% set ns = namespace(s='') %}` + strings.Repeat(`{% for a in [1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16] %}`, 8) +
			`{% set ns.s = ns.s ~ 'abcdefgh' * 40 %}{% set x = ns.s ~ x %}` + strings.Repeat(`{% endfor %}`, 8),
		`{% macro m(a) %}{{ m(a ~ a) }}{{ m(a ~ 'x') }}{{ m(a) }}{% endmacro %}` + strings.Repeat(`{{ m('ab' * 300) }}`, 200),
		strings.Repeat(`{% for m in messages %}{% if m %}{% set v = v ~ m %}{% else %}{% set w = w ~ v %}{% endif %}`, 40) +
			strings.Repeat(`{% endfor %}`, 40),
	}
	for i, src := range srcs {
		start := time.Now()
		rep, err := Analyze(src, Limits{})
		if d := time.Since(start); d > 30*time.Second {
			t.Errorf("case %d took %v (coarse=%v, err=%v)", i, d, rep.Coarse, err)
		}
	}
}

func TestEvidenceAndPosition(t *testing.T) {
	src := "line one\n  {{ (x|attr('_'*2 ~ 'class' ~ '_'*2)).__mro__ }}"
	rep, err := Analyze(src, Limits{})
	if err != nil || len(rep.Issues) != 1 {
		t.Fatalf("%v\n%s", err, dumpIssues(rep))
	}
	is := rep.Issues[0]
	if is.Line != 2 || is.Col != 9 || is.Offset != 17 {
		t.Errorf("position %d:%d @%d", is.Line, is.Col, is.Offset)
	}
	if want := "(x|attr('_'*2 ~ 'class' ~ '_'*2)).__mro__ => x.__class__.__mro__"; is.Evidence != want {
		t.Errorf("evidence %q, want %q", is.Evidence, want)
	}
	if strings.Join(is.Names, ",") != "__class__,__mro__" {
		t.Errorf("names %q", is.Names)
	}
}
