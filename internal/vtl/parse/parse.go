// Package parse turns a Velocity template, in the dialect API Gateway's
// mapping templates use, into a tree of nodes. It only parses: evaluation
// is package vtl's. Velocity switches between lexical modes (text,
// reference, expression) on '$', '#' and parentheses, so each mode is one
// function of a recursive-descent parser reading the source directly.
package parse

import (
	"fmt"
	"strconv"
	"strings"
)

// Error is a syntax error; Line and Column count from 1.
type Error struct {
	Line, Column int
	Msg          string
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s at line %d, column %d", e.Msg, e.Line, e.Column)
}

// maxDepth bounds nesting of blocks and expressions, so a hostile
// template cannot exhaust the stack while being parsed or run.
const maxDepth = 100

// Parse parses a whole template.
func Parse(src string) (nodes []Node, err error) {
	p := &parser{src: src, end: len(src)}
	defer func() {
		if r := recover(); r != nil {
			e, ok := r.(*Error)
			if !ok {
				panic(r)
			}
			nodes, err = nil, e
		}
	}()
	nodes, term, at := p.block()
	if term != "" {
		p.failAt(at, "#%s without a matching #if or #foreach", term)
	}
	return nodes, nil
}

type parser struct {
	src      string
	pos, end int
	depth    int
	inString bool // inside an interpolated string: no line gobbling
}

func (p *parser) failAt(pos int, format string, args ...any) {
	line, col := 1, 1
	for i := 0; i < pos && i < len(p.src); i++ {
		if p.src[i] == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	panic(&Error{Line: line, Column: col, Msg: fmt.Sprintf(format, args...)})
}

func (p *parser) enter() {
	p.depth++
	if p.depth > maxDepth {
		p.failAt(p.pos, "template nested too deeply")
	}
}

func (p *parser) leave() { p.depth-- }

// directives are the names '#' introduces; any other "#word" is text.
var directives = map[string]bool{
	"set": true, "if": true, "elseif": true, "else": true, "end": true,
	"foreach": true, "break": true, "stop": true,
}

// block parses nodes until EOF or a block terminator (#end, #else,
// #elseif), which it returns with its position; after "elseif" the
// position is left just past the keyword.
func (p *parser) block() (nodes []Node, term string, termAt int) {
	p.enter()
	defer p.leave()
	var text []byte
	flush := func() {
		if len(text) > 0 {
			nodes = append(nodes, &Text{Text: string(text)})
			text = nil
		}
	}
	for p.pos < p.end {
		c := p.src[p.pos]
		switch c {
		case '\\':
			n := 0
			for p.pos+n < p.end && p.src[p.pos+n] == '\\' {
				n++
			}
			after := p.pos + n
			if after < p.end && p.src[after] == '$' {
				if r, ok := p.reference(after); ok {
					flush()
					r.Escapes = n
					nodes = append(nodes, r)
					continue
				}
			} else if after < p.end && p.src[after] == '#' {
				if _, _, ok := p.directiveName(after); ok {
					text = append(text, p.src[p.pos:p.pos+n/2]...)
					if n%2 == 1 {
						// An escaped directive is its own text.
						text = append(text, '#')
						p.pos = after + 1
					} else {
						p.pos = after
					}
					continue
				}
			}
			text = append(text, p.src[p.pos:after]...)
			p.pos = after
		case '$':
			if r, ok := p.reference(p.pos); ok {
				flush()
				nodes = append(nodes, r)
				continue
			}
			text = append(text, '$')
			p.pos++
		case '#':
			rest := p.src[p.pos:p.end]
			switch {
			case strings.HasPrefix(rest, "##"):
				i := strings.IndexByte(rest, '\n')
				if i < 0 {
					p.pos = p.end
				} else {
					p.pos += i + 1
				}
				continue
			case strings.HasPrefix(rest, "#*"):
				i := strings.Index(rest[2:], "*#")
				if i < 0 {
					p.failAt(p.pos, "unterminated comment")
				}
				p.pos += 2 + i + 2
				continue
			case strings.HasPrefix(rest, "#[["):
				i := strings.Index(rest[3:], "]]#")
				if i < 0 {
					p.failAt(p.pos, "unterminated #[[ ]]# block")
				}
				text = append(text, rest[3:3+i]...)
				p.pos += 3 + i + 3
				continue
			}
			name, after, ok := p.directiveName(p.pos)
			if !ok {
				text = append(text, '#')
				p.pos++
				continue
			}
			start := p.pos
			indent, alone := p.lineStart(start)
			p.pos = after
			var node Node
			switch name {
			case "end", "else", "elseif":
				p.gobble(&text, start, indent, alone)
				flush()
				return nodes, name, start
			case "set":
				node = p.set()
			case "if":
				node = p.ifBlock(start, &text, indent, alone)
			case "foreach":
				node = p.foreach(start, &text, indent, alone)
			case "break", "stop":
				p.optionalScope()
				if name == "break" {
					node = &Break{}
				} else {
					node = &Stop{}
				}
			}
			if _, isBlock := node.(*If); !isBlock {
				if _, isLoop := node.(*Foreach); !isLoop {
					p.gobble(&text, start, indent, alone)
				}
			}
			flush()
			nodes = append(nodes, node)
		default:
			i := strings.IndexAny(p.src[p.pos:p.end], "$#\\")
			if i < 0 {
				i = p.end - p.pos
			}
			text = append(text, p.src[p.pos:p.pos+i]...)
			p.pos += i
		}
	}
	flush()
	return nodes, "", p.pos
}

// lineStart reports whether only spaces and tabs stand between the start
// of pos's line and pos, and how many.
func (p *parser) lineStart(pos int) (indent int, alone bool) {
	if p.inString {
		return 0, false
	}
	i := pos
	for i > 0 && (p.src[i-1] == ' ' || p.src[i-1] == '\t') {
		i--
	}
	return pos - i, i == 0 || p.src[i-1] == '\n'
}

// gobble removes, for a directive alone on its line, the indentation
// before it (from text) and the rest of its line after it, so directives
// used for control flow leave no blank lines behind.
func (p *parser) gobble(text *[]byte, start, indent int, alone bool) bool {
	if !alone {
		return false
	}
	j := p.pos
	for j < p.end && (p.src[j] == ' ' || p.src[j] == '\t') {
		j++
	}
	switch {
	case j == p.end:
	case p.src[j] == '\n':
		j++
	case p.src[j] == '\r' && j+1 < p.end && p.src[j+1] == '\n':
		j += 2
	default:
		return false
	}
	p.pos = j
	if text == nil {
		return true
	}
	if t := *text; len(t) >= indent && string(t[len(t)-indent:]) == p.src[start-indent:start] {
		*text = t[:len(t)-indent]
	}
	return true
}

// trimIndent removes indent from the end of a block's last text.
func trimIndent(nodes []Node, indent string) {
	if len(nodes) == 0 || indent == "" {
		return
	}
	if t, ok := nodes[len(nodes)-1].(*Text); ok {
		t.Text = strings.TrimSuffix(t.Text, indent)
	}
}

// directiveName reads "#name" or "#{name}" at pos.
func (p *parser) directiveName(pos int) (name string, after int, ok bool) {
	i := pos + 1
	braced := i < p.end && p.src[i] == '{'
	if braced {
		i++
	}
	j := i
	for j < p.end && isLetter(p.src[j]) {
		j++
	}
	name = p.src[i:j]
	if !directives[name] {
		return "", 0, false
	}
	if braced {
		if j >= p.end || p.src[j] != '}' {
			return "", 0, false
		}
		j++
	}
	return name, j, true
}

func (p *parser) set() Node {
	p.open("#set")
	p.skipSpace()
	if p.pos >= p.end || p.src[p.pos] != '$' {
		p.failAt(p.pos, "#set needs a reference to assign to")
	}
	target := p.refExpr()
	p.skipSpace()
	if !p.consume("=") {
		p.failAt(p.pos, "#set needs '='")
	}
	value := p.expr()
	p.close("#set")
	return &Set{Target: target, Value: value}
}

func (p *parser) ifBlock(start int, text *[]byte, indent int, alone bool) Node {
	n := &If{}
	p.open("#if")
	n.Conds = append(n.Conds, p.expr())
	p.close("#if")
	p.gobble(text, start, indent, alone)
	for {
		body, term, at := p.block()
		switch term {
		case "":
			p.failAt(start, "#if without #end")
		case "elseif":
			if n.Else != nil {
				p.failAt(at, "#elseif after #else")
			}
			n.Bodies = append(n.Bodies, body)
			p.open("#elseif")
			n.Conds = append(n.Conds, p.expr())
			p.close("#elseif")
			// Only now is it known whether #elseif stood alone on its line;
			// then its indentation ends the branch before it.
			ind, al := p.lineStart(at)
			if p.gobble(nil, at, ind, al) {
				trimIndent(body, p.src[at-ind:at])
			}
		case "else":
			if n.Else != nil {
				p.failAt(at, "#else after #else")
			}
			n.Bodies = append(n.Bodies, body)
			elseBody, term2, at2 := p.block()
			if term2 != "end" {
				if term2 == "" {
					p.failAt(start, "#if without #end")
				}
				p.failAt(at2, "#%s after #else", term2)
			}
			if elseBody == nil {
				elseBody = []Node{}
			}
			n.Else = elseBody
			return n
		case "end":
			n.Bodies = append(n.Bodies, body)
			return n
		}
	}
}

func (p *parser) foreach(start int, text *[]byte, indent int, alone bool) Node {
	p.open("#foreach")
	p.skipSpace()
	if p.pos >= p.end || p.src[p.pos] != '$' {
		p.failAt(p.pos, "#foreach needs a loop variable")
	}
	v := p.refExpr()
	if len(v.Parts) > 0 {
		p.failAt(p.pos, "#foreach's loop variable must be a plain name")
	}
	p.skipSpace()
	if !p.word("in") {
		p.failAt(p.pos, "#foreach needs 'in'")
	}
	iter := p.expr()
	p.close("#foreach")
	p.gobble(text, start, indent, alone)
	body, term, at := p.block()
	switch term {
	case "":
		p.failAt(start, "#foreach without #end")
	case "end":
	default:
		p.failAt(at, "#%s inside #foreach without #if", term)
	}
	return &Foreach{Var: v.Name, Iter: iter, Body: body}
}

// optionalScope reads the "($foreach)" #break and #stop may carry.
func (p *parser) optionalScope() {
	if p.pos < p.end && p.src[p.pos] == '(' {
		p.pos++
		p.skipSpace()
		if p.pos < p.end && p.src[p.pos] == '$' {
			p.refExpr()
		}
		p.close("#break")
	}
}

func (p *parser) open(what string) {
	p.skipSpace()
	if !p.consume("(") {
		p.failAt(p.pos, "%s needs '('", what)
	}
}

func (p *parser) close(what string) {
	p.skipSpace()
	if !p.consume(")") {
		p.failAt(p.pos, "%s: expected ')'", what)
	}
}

func (p *parser) skipSpace() {
	for p.pos < p.end {
		switch p.src[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

func (p *parser) consume(s string) bool {
	if strings.HasPrefix(p.src[p.pos:p.end], s) {
		p.pos += len(s)
		return true
	}
	return false
}

// word consumes a keyword that is not the start of a longer name.
func (p *parser) word(w string) bool {
	rest := p.src[p.pos:p.end]
	if strings.HasPrefix(rest, w) && (len(rest) == len(w) || !isIdentPart(rest[len(w)])) {
		p.pos += len(w)
		return true
	}
	return false
}

// reference parses a reference in text at pos. A '$' that starts no
// reference, or a "${" never closed, is text, as in Velocity.
func (p *parser) reference(pos int) (*Ref, bool) {
	i := pos + 1
	silent := i < p.end && p.src[i] == '!'
	if silent {
		i++
	}
	braced := i < p.end && p.src[i] == '{'
	if braced {
		i++
	}
	if i >= p.end || !isIdentStart(p.src[i]) {
		return nil, false
	}
	save := p.pos
	p.pos = i
	r := p.refTail(true)
	if braced {
		if p.pos >= p.end || p.src[p.pos] != '}' {
			p.pos = save
			return nil, false
		}
		p.pos++
	}
	return &Ref{Ref: r, Raw: p.src[pos:p.pos], Silent: silent}, true
}

// refExpr parses a reference inside an expression, at its '$'.
func (p *parser) refExpr() *RefExpr {
	start := p.pos
	p.pos++
	if p.pos < p.end && p.src[p.pos] == '!' {
		p.pos++
	}
	braced := p.pos < p.end && p.src[p.pos] == '{'
	if braced {
		p.pos++
	}
	if p.pos >= p.end || !isIdentStart(p.src[p.pos]) {
		p.failAt(start, "expected a reference name after '$'")
	}
	r := p.refTail(false)
	if braced && !p.consume("}") {
		p.failAt(p.pos, "expected '}'")
	}
	return r
}

// refTail reads name(.name | .name(args) | [index])* at p.pos. In text,
// an index that does not parse ends the reference instead of failing, so
// "$a[x" stays text.
func (p *parser) refTail(inText bool) *RefExpr {
	r := &RefExpr{Name: p.ident()}
	for p.pos < p.end {
		c := p.src[p.pos]
		if c == '.' && p.pos+1 < p.end && isIdentStart(p.src[p.pos+1]) {
			p.pos++
			name := p.ident()
			if p.pos < p.end && p.src[p.pos] == '(' {
				p.pos++
				r.Parts = append(r.Parts, Part{Kind: Method, Name: name, Args: p.args(')')})
			} else {
				r.Parts = append(r.Parts, Part{Kind: Property, Name: name})
			}
			continue
		}
		if c == '[' {
			save := p.pos
			if inText {
				idx, ok := p.tryIndex()
				if !ok {
					p.pos = save
					break
				}
				r.Parts = append(r.Parts, Part{Kind: Index, Index: idx})
				continue
			}
			p.pos++
			idx := p.expr()
			p.skipSpace()
			if !p.consume("]") {
				p.failAt(p.pos, "expected ']'")
			}
			r.Parts = append(r.Parts, Part{Kind: Index, Index: idx})
			continue
		}
		break
	}
	return r
}

func (p *parser) tryIndex() (idx Expr, ok bool) {
	depth := p.depth
	defer func() {
		if r := recover(); r != nil {
			if _, isErr := r.(*Error); !isErr {
				panic(r)
			}
			p.depth = depth
			idx, ok = nil, false
		}
	}()
	p.pos++
	idx = p.expr()
	p.skipSpace()
	if !p.consume("]") {
		return nil, false
	}
	return idx, true
}

func (p *parser) ident() string {
	i := p.pos
	for p.pos < p.end {
		c := p.src[p.pos]
		if isIdentPart(c) || (c == '-' && p.pos+1 < p.end && isIdentPart(p.src[p.pos+1])) {
			p.pos++
			continue
		}
		break
	}
	return p.src[i:p.pos]
}

// args parses comma-separated expressions up to the closing delimiter.
func (p *parser) args(closing byte) []Expr {
	p.enter()
	defer p.leave()
	var out []Expr
	p.skipSpace()
	if p.pos < p.end && p.src[p.pos] == closing {
		p.pos++
		return out
	}
	for {
		out = append(out, p.expr())
		p.skipSpace()
		if p.pos >= p.end {
			p.failAt(p.pos, "expected '%c'", closing)
		}
		switch p.src[p.pos] {
		case ',':
			p.pos++
		case closing:
			p.pos++
			return out
		default:
			p.failAt(p.pos, "expected ',' or '%c'", closing)
		}
	}
}

// Operators by precedence, lowest first; words are Velocity's spelled
// forms of the same operators.
var levels = [][]struct{ sym, word string }{
	{{"||", "or"}},
	{{"&&", "and"}},
	{{"==", "eq"}, {"!=", "ne"}},
	{{"<=", "le"}, {">=", "ge"}, {"<", "lt"}, {">", "gt"}},
	{{"+", ""}, {"-", ""}},
	{{"*", ""}, {"/", ""}, {"%", ""}},
}

func (p *parser) expr() Expr {
	p.enter()
	defer p.leave()
	return p.binary(0)
}

func (p *parser) binary(level int) Expr {
	if level == len(levels) {
		return p.unary()
	}
	left := p.binary(level + 1)
	for {
		p.skipSpace()
		op := ""
		for _, o := range levels[level] {
			if p.consume(o.sym) || (o.word != "" && p.word(o.word)) {
				op = o.sym
				break
			}
		}
		if op == "" {
			return left
		}
		left = &Binary{Op: op, L: left, R: p.binary(level + 1)}
	}
}

func (p *parser) unary() Expr {
	p.skipSpace()
	if p.pos < p.end && p.src[p.pos] == '!' && !strings.HasPrefix(p.src[p.pos:p.end], "!=") {
		p.pos++
		p.enter()
		defer p.leave()
		return &Unary{Op: "!", X: p.unary()}
	}
	if p.word("not") {
		p.enter()
		defer p.leave()
		return &Unary{Op: "!", X: p.unary()}
	}
	if p.pos < p.end && p.src[p.pos] == '-' {
		p.pos++
		p.enter()
		defer p.leave()
		return &Unary{Op: "-", X: p.unary()}
	}
	return p.primary()
}

func (p *parser) primary() Expr {
	p.skipSpace()
	if p.pos >= p.end {
		p.failAt(p.pos, "unexpected end of template in an expression")
	}
	c := p.src[p.pos]
	switch {
	case c == '$':
		return p.refExpr()
	case c == '\'' || c == '"':
		return p.stringLit(c)
	case c >= '0' && c <= '9':
		return p.number()
	case c == '(':
		p.pos++
		e := p.expr()
		p.close("expression")
		return e
	case c == '[':
		return p.list()
	case c == '{':
		return p.mapLit()
	case p.word("true"):
		return &BoolLit{Value: true}
	case p.word("false"):
		return &BoolLit{Value: false}
	case p.word("null"):
		return &NullLit{}
	}
	p.failAt(p.pos, "unexpected %q in an expression", string(c))
	return nil
}

func (p *parser) number() Expr {
	i := p.pos
	for p.pos < p.end && p.src[p.pos] >= '0' && p.src[p.pos] <= '9' {
		p.pos++
	}
	isFloat := false
	if p.pos+1 < p.end && p.src[p.pos] == '.' && p.src[p.pos+1] >= '0' && p.src[p.pos+1] <= '9' {
		isFloat = true
		p.pos++
		for p.pos < p.end && p.src[p.pos] >= '0' && p.src[p.pos] <= '9' {
			p.pos++
		}
	}
	if !isFloat {
		if v, err := strconv.ParseInt(p.src[i:p.pos], 10, 64); err == nil {
			return &IntLit{Value: v}
		}
	}
	v, err := strconv.ParseFloat(p.src[i:p.pos], 64)
	if err != nil {
		p.failAt(i, "bad number %q", p.src[i:p.pos])
	}
	return &FloatLit{Value: v}
}

// stringLit parses '...' (as written) or "..." (interpolated: references
// and directives inside are evaluated). A doubled quote stands for one.
func (p *parser) stringLit(q byte) Expr {
	start := p.pos
	i := p.pos + 1
	for {
		j := strings.IndexByte(p.src[i:p.end], q)
		if j < 0 {
			p.failAt(start, "unterminated string")
		}
		i += j + 1
		if i < p.end && p.src[i] == q {
			i++
			continue
		}
		break
	}
	content := p.src[start+1 : i-1]
	p.pos = i
	double := string([]byte{q, q})
	if q == '\'' || !strings.ContainsAny(content, "$#\\") {
		return &StringLit{Value: strings.ReplaceAll(content, double, string(q))}
	}
	// Parse the content in place, as a template of its own.
	saveEnd, saveIn := p.end, p.inString
	p.pos, p.end, p.inString = start+1, i-1, true
	nodes, term, at := p.block()
	if term != "" {
		p.failAt(at, "#%s without a matching #if or #foreach", term)
	}
	p.pos, p.end, p.inString = i, saveEnd, saveIn
	for _, n := range nodes {
		if t, ok := n.(*Text); ok {
			t.Text = strings.ReplaceAll(t.Text, double, string(q))
		}
	}
	return &StringLit{Interp: nodes}
}

func (p *parser) list() Expr {
	p.pos++ // '['
	p.enter()
	defer p.leave()
	p.skipSpace()
	if p.consume("]") {
		return &ListLit{}
	}
	first := p.expr()
	p.skipSpace()
	if p.consume("..") {
		to := p.expr()
		p.skipSpace()
		if !p.consume("]") {
			p.failAt(p.pos, "expected ']'")
		}
		return &RangeLit{From: first, To: to}
	}
	items := []Expr{first}
	for {
		p.skipSpace()
		if p.consume("]") {
			return &ListLit{Items: items}
		}
		if !p.consume(",") {
			p.failAt(p.pos, "expected ',' or ']'")
		}
		items = append(items, p.expr())
	}
}

func (p *parser) mapLit() Expr {
	p.pos++ // '{'
	p.enter()
	defer p.leave()
	m := &MapLit{}
	p.skipSpace()
	if p.consume("}") {
		return m
	}
	for {
		k := p.expr()
		p.skipSpace()
		if !p.consume(":") {
			p.failAt(p.pos, "expected ':'")
		}
		v := p.expr()
		m.Keys, m.Values = append(m.Keys, k), append(m.Values, v)
		p.skipSpace()
		if p.consume("}") {
			return m
		}
		if !p.consume(",") {
			p.failAt(p.pos, "expected ',' or '}'")
		}
	}
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func isIdentStart(c byte) bool { return isLetter(c) || c == '_' }

func isIdentPart(c byte) bool { return isIdentStart(c) || c >= '0' && c <= '9' }
