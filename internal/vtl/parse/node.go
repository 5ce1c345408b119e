package parse

// Node is one piece of a template: text, a reference to render, or a
// directive.
type Node interface{ node() }

// Expr is an expression inside a directive, a method's arguments or an
// index.
type Expr interface{ expr() }

// Text is literal output.
type Text struct{ Text string }

// Ref renders a reference. When the reference has no value it renders as
// Raw, its own source text, unless Silent ($!x) makes it render nothing.
// Escapes counts the backslashes written before the '$': an odd count
// renders the reference's text instead of its value, as Velocity does.
type Ref struct {
	Ref     *RefExpr
	Raw     string
	Silent  bool
	Escapes int
}

// Set is #set($target = value).
type Set struct {
	Target *RefExpr
	Value  Expr
}

// If is #if, its #elseif branches and #else. Else is nil without #else.
type If struct {
	Conds  []Expr
	Bodies [][]Node
	Else   []Node
}

// Foreach is #foreach($Var in Iter).
type Foreach struct {
	Var  string
	Iter Expr
	Body []Node
}

// Break is #break: it leaves the innermost #foreach, or the template.
type Break struct{}

// Stop is #stop: rendering ends, keeping what was rendered.
type Stop struct{}

// RefExpr is $name followed by properties, method calls and indexes.
type RefExpr struct {
	Name  string
	Parts []Part
}

// PartKind says what a Part of a reference is.
type PartKind uint8

const (
	Property PartKind = iota // .name
	Method                   // .name(args)
	Index                    // [expr]
)

// Part is one step of a reference.
type Part struct {
	Kind  PartKind
	Name  string
	Args  []Expr
	Index Expr
}

// StringLit is a string literal. A double-quoted literal with references
// or directives in it has them in Interp, rendered each time it is
// evaluated; otherwise Value is the string.
type StringLit struct {
	Value  string
	Interp []Node
}

// IntLit is an integer literal.
type IntLit struct{ Value int64 }

// FloatLit is a decimal literal.
type FloatLit struct{ Value float64 }

// BoolLit is true or false.
type BoolLit struct{ Value bool }

// NullLit is null.
type NullLit struct{}

// ListLit is [a, b, c].
type ListLit struct{ Items []Expr }

// RangeLit is [from..to].
type RangeLit struct{ From, To Expr }

// MapLit is {k: v, ...}, keys in the order written.
type MapLit struct{ Keys, Values []Expr }

// Binary is a binary operator; Op is its symbol form ("==", "&&", "+", ...).
type Binary struct {
	Op   string
	L, R Expr
}

// Unary is "!" or "-" applied to X.
type Unary struct {
	Op string
	X  Expr
}

func (*Text) node()    {}
func (*Ref) node()     {}
func (*Set) node()     {}
func (*If) node()      {}
func (*Foreach) node() {}
func (*Break) node()   {}
func (*Stop) node()    {}

func (*RefExpr) expr()   {}
func (*StringLit) expr() {}
func (*IntLit) expr()    {}
func (*FloatLit) expr()  {}
func (*BoolLit) expr()   {}
func (*NullLit) expr()   {}
func (*ListLit) expr()   {}
func (*RangeLit) expr()  {}
func (*MapLit) expr()    {}
func (*Binary) expr()    {}
func (*Unary) expr()     {}
