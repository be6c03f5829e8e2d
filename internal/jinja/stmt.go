package jinja

// Template is a parsed template.
type Template struct {
	Body []Stmt
	// Refs lists the other templates and blocks the template names, in
	// source order.
	Refs []Ref
	// Nodes is the number of syntax tree nodes.
	Nodes int
}

// Ref is a reference to another template (extends, include, import, from)
// or a block definition. Name is empty when the template name is computed.
type Ref struct {
	Kind string
	Name string
	Pos  Pos
}

// Data is literal template text. Text is what Jinja's default environment
// outputs; Trimmed is the text with trim_blocks and lstrip_blocks (the
// settings of Hugging Face and llama-cpp-python).
type Data struct {
	Sp
	Text, Trimmed string
}

// Output is {{ expr }} or {% print a, b %}.
type Output struct {
	Sp
	Exprs []Expr
}

// If is if/elif/else; an elif is an *If alone in Else.
type If struct {
	Sp
	Test       Expr
	Body, Else []Stmt
	Header     bool // recovery mode: only the tag was parsed
}

// For is a for loop.
type For struct {
	Sp
	Target, Iter Expr
	Filter       Expr // the loop's "if" condition, or nil
	Recursive    bool
	Body, Else   []Stmt
	Header       bool
}

// Assign is {% set target = value %}.
type Assign struct {
	Sp
	Target, Value Expr
}

// AssignBlock is {% set target | filters %}body{% endset %}; Filter is nil
// or a *Filter chain whose innermost X is nil.
type AssignBlock struct {
	Sp
	Target Expr
	Filter Expr
	Body   []Stmt
	Header bool
}

// Macro is a macro definition.
type Macro struct {
	Sp
	Name     string
	Params   []string
	Defaults []Expr // for the last len(Defaults) parameters
	Body     []Stmt
	Header   bool
}

// CallBlock is {% call(params) macro(args) %}body{% endcall %}.
type CallBlock struct {
	Sp
	Params   []string
	Defaults []Expr
	Call     *Call
	Body     []Stmt
	Header   bool
}

// FilterBlock is {% filter f %}body{% endfilter %}.
type FilterBlock struct {
	Sp
	Filter Expr
	Body   []Stmt
	Header bool
}

// With is {% with a = x %}body{% endwith %}.
type With struct {
	Sp
	Targets, Values []Expr
	Body            []Stmt
	Header          bool
}

// Block is {% block name %}body{% endblock %}.
type Block struct {
	Sp
	Name             string
	Scoped, Required bool
	Body             []Stmt
	Header           bool
}

// Extends is {% extends template %}.
type Extends struct {
	Sp
	Template Expr
}

// Include is {% include template %}.
type Include struct {
	Sp
	Template      Expr
	IgnoreMissing bool
	WithContext   bool
}

// Import is {% import template as target %}.
type Import struct {
	Sp
	Template    Expr
	Target      string
	WithContext bool
}

// ImportName is one name of a from-import, with its alias ("" if none).
type ImportName struct {
	Name, Alias string
}

// FromImport is {% from template import a, b as c %}.
type FromImport struct {
	Sp
	Template    Expr
	Names       []ImportName
	WithContext bool
}

// ExprStmt is {% do expr %}.
type ExprStmt struct {
	Sp
	X Expr
}

// Break is {% break %}.
type Break struct{ Sp }

// Continue is {% continue %}.
type Continue struct{ Sp }

// Generation is the Hugging Face {% generation %}body{% endgeneration %}.
type Generation struct {
	Sp
	Body   []Stmt
	Header bool
}

// Autoescape is {% autoescape value %}body{% endautoescape %}.
type Autoescape struct {
	Sp
	Value  Expr
	Body   []Stmt
	Header bool
}

func (*Data) stmt()        {}
func (*Output) stmt()      {}
func (*If) stmt()          {}
func (*For) stmt()         {}
func (*Assign) stmt()      {}
func (*AssignBlock) stmt() {}
func (*Macro) stmt()       {}
func (*CallBlock) stmt()   {}
func (*FilterBlock) stmt() {}
func (*With) stmt()        {}
func (*Block) stmt()       {}
func (*Extends) stmt()     {}
func (*Include) stmt()     {}
func (*Import) stmt()      {}
func (*FromImport) stmt()  {}
func (*ExprStmt) stmt()    {}
func (*Break) stmt()       {}
func (*Continue) stmt()    {}
func (*Generation) stmt()  {}
func (*Autoescape) stmt()  {}
