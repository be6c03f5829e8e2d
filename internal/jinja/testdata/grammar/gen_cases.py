#!/usr/bin/python3
"""Writes cases.json: random template snippets (benign names only) and whether
Jinja2 accepts them. Only Environment.parse() is called: nothing is compiled
or rendered. Run with Debian's python3-jinja2 (3.1.x):

    /usr/bin/python3 gen_cases.py > cases.json
"""
import json
import random

import jinja2
from jinja2 import nodes
from jinja2.ext import Extension


class Generation(Extension):
    """The {% generation %} tag of Hugging Face transformers (parse side)."""
    tags = {"generation"}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(["name:endgeneration"], drop_needle=True)
        return nodes.Scope(body, lineno=lineno)


ENV = jinja2.Environment(extensions=["jinja2.ext.do", "jinja2.ext.loopcontrols", Generation])
R = random.Random(20240601)

ATOMS = ["x", "y", "loop", "ns", "messages", '"s"', "'a\\'b'", "'\\x41'", "'\\u00e9'", "1", "0", "1.5",
         "1e3", "0x1F", "0b1", "0o7", "1_000", "true", "None", "[]", "{}", "()", "(1,)", "[1,2]", "{'a':1}"]
BINOPS = ["+", "-", "*", "/", "//", "%", "**", "~", "==", "!=", "<", ">=", "and", "or", "in", "not in"]


def expr(d=0):
    r = R.random()
    if d > 3 or r < 0.3:
        return R.choice(ATOMS)
    if r < 0.45:
        return expr(d + 1) + " " + R.choice(BINOPS) + " " + expr(d + 1)
    if r < 0.5:
        return R.choice(["not ", "-", "+"]) + expr(d + 1)
    if r < 0.6:
        return expr(d + 1) + "." + R.choice(["a", "items", "0"])
    if r < 0.65:
        return expr(d + 1) + "[" + R.choice([expr(d + 1), ":", "::-1", "1:", ":2", expr(d + 1) + ":" + expr(d + 1), ""]) + "]"
    if r < 0.72:
        return expr(d + 1) + "(" + R.choice(["", expr(d + 1), "a=1", expr(d + 1) + ", b=" + expr(d + 1), "*x", "**y",
                                             "a=1, *x", expr(d + 1) + ","]) + ")"
    if r < 0.8:
        return expr(d + 1) + "|" + R.choice(["upper", 'join(",")', 'default(1, true)', 'map(attribute="a")',
                                             "tojson(indent=2)", "trim"])
    if r < 0.85:
        return expr(d + 1) + " is " + R.choice(["defined", "not none", "divisibleby 3", "sameas false", "string", "eq 1"])
    if r < 0.9:
        return expr(d + 1) + " if " + expr(d + 1) + R.choice(["", " else " + expr(d + 1)])
    if r < 0.95:
        return "(" + expr(d + 1) + R.choice(["", ",", ", " + expr(d + 1)]) + ")"
    return "[" + expr(d + 1) + ", " + expr(d + 1) + "]"


def stmt(d=0):
    r = R.random()
    e = expr()
    if d > 2 or r < 0.25:
        return R.choice(["text ", "\n", "{{ %s }}" % e, "{{- %s -}}" % e, "{# c #}", "{#- c -#}",
                         "{%% set v = %s %%}" % e, "{% do x.append(1) %}"])
    if r < 0.35:
        return "{%% if %s %%}%s{%% elif %s %%}%s{%% else %%}%s{%% endif %%}" % (e, stmt(d + 1), expr(), stmt(d + 1), stmt(d + 1))
    if r < 0.45:
        return "{%% for %s in %s%s%s %%}%s{%% %s %%}%s{%% endfor %%}" % (
            R.choice(["a", "a, b", "(a, b), c", "a,"]), e, R.choice(["", " if x"]), R.choice(["", " recursive"]),
            stmt(d + 1), R.choice(["else", "break", "continue"]), stmt(d + 1))
    if r < 0.5:
        return "{%% macro m(a, b=%s) %%}%s{%% endmacro %%}" % (e, stmt(d + 1))
    if r < 0.55:
        return "{%% call(u) m(%s) %%}%s{%% endcall %%}" % (e, stmt(d + 1))
    if r < 0.6:
        return "{%% filter upper %%}%s{%% endfilter %%}" % stmt(d + 1)
    if r < 0.65:
        return "{%% set ns.a = %s %%}" % e
    if r < 0.7:
        return "{%% set v | trim %%}%s{%% endset %%}" % stmt(d + 1)
    if r < 0.75:
        return "{%% with a = %s %%}%s{%% endwith %%}" % (e, stmt(d + 1))
    if r < 0.8:
        return "{%% generation %%}%s{%% endgeneration %%}" % stmt(d + 1)
    if r < 0.85:
        return "{%% raw %%}{{ %s }}{%% endraw %%}" % e
    if r < 0.9:
        return "{%% block b %%}%s{%% endblock b %%}" % stmt(d + 1)
    return R.choice(['{% include "a" ignore missing with context %}', '{% from "a" import b as c, d with context %}',
                     '{% import "x" as y %}', '{% extends "base" %}', "{%+ if x -%} y {%+ endif %}",
                     "{% print 1, 2 %}", "{% autoescape true %}x{% endautoescape %}"])


def mutate(s):
    if R.random() < 0.5 or not s:
        return s
    i = R.randrange(len(s))
    c = R.choice(["", "{", "}", "%", "(", ")", ",", ".", "|", "-", " ", '"', "'", "if", "end", "\\", "1", "x", ":", "="])
    if R.random() < 0.5:
        return s[:i] + c + s[i + 1:]
    return s[:i] + c + s[i:]


def main():
    cases = []
    for _ in range(800):
        src = mutate(mutate("".join(stmt() for _ in range(R.randint(1, 2)))))
        try:
            ENV.parse(src)
            ok = True
        except jinja2.TemplateSyntaxError:
            ok = False
        cases.append({"src": src, "ok": ok})
    print(json.dumps(cases, indent=0))


if __name__ == "__main__":
    main()
