#!/usr/bin/python3
"""Checks that every clean fixture here is a template Jinja2 accepts, with the
environment Hugging Face transformers renders chat templates in (trim_blocks,
lstrip_blocks, loopcontrols, the generation tag). Only Environment.parse() is
called; nothing is rendered.

    /usr/bin/python3 verify_parse.py *.jinja
"""
import sys

import jinja2
from jinja2 import nodes
from jinja2.ext import Extension


class Generation(Extension):
    tags = {"generation"}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(["name:endgeneration"], drop_needle=True)
        return nodes.Scope(body, lineno=lineno)


env = jinja2.Environment(trim_blocks=True, lstrip_blocks=True,
                         extensions=["jinja2.ext.loopcontrols", Generation])
failed = 0
for path in sys.argv[1:]:
    with open(path, encoding="utf-8") as f:
        try:
            env.parse(f.read())
            print("ok  ", path)
        except jinja2.TemplateSyntaxError as e:
            failed += 1
            print("FAIL", path, e)
sys.exit(1 if failed else 0)
