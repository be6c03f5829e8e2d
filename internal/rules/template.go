package rules

import "github.com/modelscan-go/modelscan/internal/core"

// Rule ids of chat templates (Jinja text that LLM runtimes render:
// tokenizer_config.json, chat_template.jinja/json, GGUF
// tokenizer.chat_template).
const (
	TemplateSSTI             = "template-ssti"
	TemplateDynamicAttribute = "template-dynamic-attribute"
	TemplateUnparsable       = "template-unparsable"
	TemplateSuspiciousGlobal = "template-suspicious-global"
)

var templateRules = []Rule{
	{TemplateSSTI, core.Critical,
		"Chat template reaches Python internals (server-side template injection)",
		"The template accesses a dunder or interpreter-internal attribute (`__class__`, `__mro__`, `__subclasses__`, " +
			"`__globals__`, `__builtins__`, `_TemplateReference__context`, …) by `.name`, `['name']`, `|attr()`, a " +
			"getattr-like filter argument or a format string, with the name written out or folded from constant string " +
			"operations. Rendering it with an unsandboxed Jinja environment runs arbitrary code (CVE-2024-34359 class): " +
			"CRITICAL. Access to command-running names (`os`, `popen`, `subprocess`, a call of `.system()`/`eval()`) " +
			"without such a chain is HIGH. The template is only parsed, never rendered. Do not use the model's template."},
	{TemplateDynamicAttribute, core.High,
		"Chat template computes an attribute name at render time",
		"An attribute or subscript key is built from string operations (concatenation, join, replace, format, slicing, " +
			"filters) whose result cannot be folded to a constant, or `|attr()` gets a non-constant name. Chat templates " +
			"have no reason to do this; it is how injection payloads hide `__class__` and friends from scanners. CRITICAL " +
			"when the constant pieces that go into the name contain `__` or an internal name."},
	{TemplateUnparsable, core.Medium,
		"Chat template cannot be parsed",
		"The template is not valid Jinja (the error carries line:column), so it was not fully analysed. Runtimes reject " +
			"it as well, but it is not known to be safe; what could be analysed around the error is still reported."},
	{TemplateSuspiciousGlobal, core.Low,
		"Chat template references a global that chat runtimes do not provide",
		"A free variable such as `config`, `request`, `url_for`, `self`, `lipsum`, `cycler` or `joiner` is used. " +
			"These are web-framework or Jinja globals that classic template-injection payloads start from; chat " +
			"templates do not need them. A note for review."},
}
