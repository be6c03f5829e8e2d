// Package jinja parses the subset of Jinja2 that LLM chat templates use into
// a syntax tree, and analyses that tree for server-side template injection
// without ever rendering it.
//
// The lexer and parser follow Jinja2 3.x (pallets/jinja) closely: the same
// delimiters, whitespace control, raw blocks, statement tags (plus the `do`,
// `break`/`continue` and Hugging Face `generation` extensions) and expression
// precedence. Everything is bounded by Limits.
package jinja

// Pos is a position in the template source: byte offset, 1-based line and
// 1-based column counted in characters.
type Pos struct {
	Off, Line, Col int
}

// Span is the source range of a node: its start and the byte offset just
// after it.
type Span struct {
	Pos Pos
	End int
}

// Node is any syntax tree node.
type Node interface {
	Span() Span
}

// Expr is an expression node.
type Expr interface {
	Node
	expr()
}

// Stmt is a statement node.
type Stmt interface {
	Node
	stmt()
}

// Sp carries the span of a node; it is embedded in every node type.
type Sp struct{ S Span }

// Span implements Node.
func (s *Sp) Span() Span { return s.S }

// ConstKind tells which field of a Const holds the value.
type ConstKind uint8

// Constant kinds.
const (
	ConstString ConstKind = iota
	ConstInt
	ConstFloat
	ConstBool
	ConstNone
)

// Const is a literal: string, integer, float, boolean or none.
type Const struct {
	Sp
	Kind  ConstKind
	Str   string  // ConstString: the decoded value
	Int   int64   // ConstInt (when !Big)
	Big   bool    // ConstInt too large for int64; Raw holds the digits
	Float float64 // ConstFloat
	Bool  bool    // ConstBool
	Raw   string  // source text of numbers
}

// Name is a variable reference (or an assignment target).
type Name struct {
	Sp
	Name string
}

// List is a list literal [a, b].
type List struct {
	Sp
	Items []Expr
}

// Tuple is a tuple (a, b) or a bare a, b.
type Tuple struct {
	Sp
	Items []Expr
}

// Dict is a dict literal {k: v}.
type Dict struct {
	Sp
	Keys, Values []Expr
}

// Getattr is x.name.
type Getattr struct {
	Sp
	X       Expr
	Name    string
	NamePos Pos
}

// Getitem is x[index]; Index may be a *Slice or, for x[a, b], a *Tuple.
type Getitem struct {
	Sp
	X     Expr
	Index Expr
}

// Slice is start:stop:step inside a subscript; absent parts are nil.
type Slice struct {
	Sp
	Start, Stop, Step Expr
}

// Keyword is a name=value call argument.
type Keyword struct {
	Name  string
	Value Expr
}

// Args are the arguments of a call, filter or test.
type Args struct {
	Pos       []Expr
	Kw        []Keyword
	DynArgs   Expr // *args
	DynKwargs Expr // **kwargs
}

// Call is fn(args).
type Call struct {
	Sp
	Fn Expr
	Args
}

// Filter is x|name(args). X is nil for the filter of a filter block or a
// block set.
type Filter struct {
	Sp
	X       Expr
	Name    string
	NamePos Pos
	Args
}

// Test is x is name(args).
type Test struct {
	Sp
	X    Expr
	Name string
	Args
}

// Unary is -x, +x or not x (Op "-", "+", "not").
type Unary struct {
	Sp
	Op string
	X  Expr
}

// Binary is an arithmetic or logical operation: + - * / // % ** and or.
type Binary struct {
	Sp
	Op   string
	L, R Expr
}

// Concat is a ~ b ~ c.
type Concat struct {
	Sp
	Items []Expr
}

// CompareOp is one operator and right operand of a comparison chain.
type CompareOp struct {
	Op string // == != < <= > >= in "not in"
	Y  Expr
}

// Compare is x op y [op z ...].
type Compare struct {
	Sp
	X   Expr
	Ops []CompareOp
}

// CondExpr is then if test else else; Else may be nil.
type CondExpr struct {
	Sp
	Test, Then, Else Expr
}

// NSRef is the ns.attr target of a namespace assignment.
type NSRef struct {
	Sp
	Name, Attr string
}

func (*Const) expr()    {}
func (*Name) expr()     {}
func (*List) expr()     {}
func (*Tuple) expr()    {}
func (*Dict) expr()     {}
func (*Getattr) expr()  {}
func (*Getitem) expr()  {}
func (*Slice) expr()    {}
func (*Call) expr()     {}
func (*Filter) expr()   {}
func (*Test) expr()     {}
func (*Unary) expr()    {}
func (*Binary) expr()   {}
func (*Concat) expr()   {}
func (*Compare) expr()  {}
func (*CondExpr) expr() {}
func (*NSRef) expr()    {}
