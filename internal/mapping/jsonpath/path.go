package jsonpath

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Path is a compiled JSONPath in the subset of Jayway's syntax API Gateway
// documents: $, .name, ['name'], [n], [a,b], [s:e], [*], .*, ..name and
// [?(@.x op value)] filters. A bare a.b reads as $.a.b, as Jayway reads it.
type Path struct {
	src      string
	steps    []step
	definite bool // one result, not a list: no wildcard, scan, union, slice or filter
}

type stepKind uint8

const (
	stepName stepKind = iota
	stepIndex
	stepWild
	stepSlice
	stepFilter
)

type step struct {
	kind   stepKind
	deep   bool // ".." before the step
	names  []string
	idx    []int
	lo, hi *int
	filter *filter
}

type filter struct {
	path  []step // relative to @
	op    string // "" tests existence
	value any
	and   *filter
	or    *filter
}

// Parse compiles a JSONPath expression.
func Parse(expr string) (*Path, error) {
	p := &parser{s: strings.TrimSpace(expr)}
	if strings.HasPrefix(p.s, "$") {
		p.pos = 1
	} else if p.s != "" && p.s[0] != '.' && p.s[0] != '[' {
		p.s = "$." + p.s
		p.pos = 1
	}
	steps, err := p.steps(false)
	if err != nil {
		return nil, fmt.Errorf("invalid JSONPath %q: %w", expr, err)
	}
	jp := &Path{src: expr, steps: steps, definite: true}
	for _, st := range steps {
		if st.deep || st.kind == stepWild || st.kind == stepSlice || st.kind == stepFilter || len(st.names) > 1 || len(st.idx) > 1 {
			jp.definite = false
		}
	}
	return jp, nil
}

// String is the path as it was written.
func (p *Path) String() string { return p.src }

// Definite reports whether the path names one value at most, not a list.
func (p *Path) Definite() bool { return p.definite }

// Root reports whether the path is the whole document: "$", or nothing.
func (p *Path) Root() bool { return len(p.steps) == 0 }

// Why a path is not simple.
var (
	ErrDeepScan = errors.New("recursive descent is not supported")
	ErrWildcard = errors.New("a wildcard is not supported")
	ErrBrackets = errors.New("only array indices and quoted names may stand in brackets")
)

// Simple reports why the path is more than members and non-negative array
// indexes, one at a time (the only paths parameter mappings take); nil
// when it is not.
func (p *Path) Simple() error {
	for _, st := range p.steps {
		switch {
		case st.deep:
			return ErrDeepScan
		case st.kind == stepWild:
			return ErrWildcard
		case st.kind == stepName && len(st.names) == 1:
		case st.kind == stepIndex && len(st.idx) == 1 && st.idx[0] >= 0:
		default:
			return ErrBrackets
		}
	}
	return nil
}

type parser struct {
	s   string
	pos int
}

func (p *parser) steps(inFilter bool) ([]step, error) {
	var steps []step
	for p.pos < len(p.s) {
		if len(steps) > MaxItems {
			return nil, errors.New("too many steps")
		}
		c := p.s[p.pos]
		if inFilter && (c == ' ' || c == ')' || c == '=' || c == '!' || c == '<' || c == '>' || c == '&' || c == '|') {
			break
		}
		switch c {
		case '.':
			deep := strings.HasPrefix(p.s[p.pos:], "..")
			if deep {
				p.pos += 2
			} else {
				p.pos++
			}
			if p.pos < len(p.s) && p.s[p.pos] == '[' {
				st, err := p.bracket()
				if err != nil {
					return nil, err
				}
				st.deep = deep
				steps = append(steps, st)
				continue
			}
			if p.pos < len(p.s) && p.s[p.pos] == '*' {
				p.pos++
				steps = append(steps, step{kind: stepWild, deep: deep})
				continue
			}
			start := p.pos
			for p.pos < len(p.s) && !strings.ContainsRune(".[ )=!<>&|", rune(p.s[p.pos])) {
				p.pos++
			}
			if p.pos == start {
				return nil, errors.New("empty property name")
			}
			steps = append(steps, step{kind: stepName, deep: deep, names: []string{p.s[start:p.pos]}})
		case '[':
			st, err := p.bracket()
			if err != nil {
				return nil, err
			}
			steps = append(steps, st)
		default:
			return nil, fmt.Errorf("unexpected %q", c)
		}
	}
	return steps, nil
}

func (p *parser) bracket() (step, error) {
	p.pos++ // '['
	p.space()
	if p.pos >= len(p.s) {
		return step{}, errors.New("unterminated '['")
	}
	var st step
	switch c := p.s[p.pos]; {
	case c == '*':
		p.pos++
		st.kind = stepWild
	case c == '?':
		p.pos++
		p.space()
		if p.pos >= len(p.s) || p.s[p.pos] != '(' {
			return st, errors.New("expected '(' after '?'")
		}
		p.pos++
		f, err := p.filterOr()
		if err != nil {
			return st, err
		}
		p.space()
		if p.pos >= len(p.s) || p.s[p.pos] != ')' {
			return st, errors.New("expected ')'")
		}
		p.pos++
		st.kind, st.filter = stepFilter, f
	case c == '\'' || c == '"':
		st.kind = stepName
		for {
			if p.pos >= len(p.s) || p.s[p.pos] != '\'' && p.s[p.pos] != '"' {
				return st, errors.New("expected a quoted name")
			}
			name, err := p.quoted()
			if err != nil {
				return st, err
			}
			st.names = append(st.names, name)
			p.space()
			if p.pos < len(p.s) && p.s[p.pos] == ',' {
				p.pos++
				p.space()
				continue
			}
			break
		}
	default:
		lo, ok := p.int()
		p.space()
		if p.pos < len(p.s) && p.s[p.pos] == ':' {
			p.pos++
			p.space()
			st.kind = stepSlice
			if ok {
				st.lo = &lo
			}
			if hi, ok := p.int(); ok {
				st.hi = &hi
			}
			break
		}
		if !ok {
			return st, errors.New("expected an index, a name, '*' or a filter in '[ ]'")
		}
		st.kind, st.idx = stepIndex, []int{lo}
		for p.pos < len(p.s) && p.s[p.pos] == ',' {
			p.pos++
			p.space()
			i, ok := p.int()
			if !ok {
				return st, errors.New("expected an index")
			}
			st.idx = append(st.idx, i)
			p.space()
		}
	}
	p.space()
	if p.pos >= len(p.s) || p.s[p.pos] != ']' {
		return st, errors.New("expected ']'")
	}
	p.pos++
	return st, nil
}

func (p *parser) space() {
	for p.pos < len(p.s) && p.s[p.pos] == ' ' {
		p.pos++
	}
}

func (p *parser) int() (int, bool) {
	start := p.pos
	if p.pos < len(p.s) && p.s[p.pos] == '-' {
		p.pos++
	}
	for p.pos < len(p.s) && p.s[p.pos] >= '0' && p.s[p.pos] <= '9' {
		p.pos++
	}
	n, err := strconv.Atoi(p.s[start:p.pos])
	if err != nil || n > MaxItems || n < -MaxItems {
		p.pos = start
		return 0, false
	}
	return n, true
}

func (p *parser) quoted() (string, error) {
	q := p.s[p.pos]
	end := strings.IndexByte(p.s[p.pos+1:], q)
	if end < 0 {
		return "", errors.New("unterminated quoted name")
	}
	name := p.s[p.pos+1 : p.pos+1+end]
	p.pos += end + 2
	return name, nil
}

func (p *parser) filterOr() (*filter, error) {
	f, err := p.filterAnd()
	if err != nil {
		return nil, err
	}
	p.space()
	if strings.HasPrefix(p.s[p.pos:], "||") {
		p.pos += 2
		if f.or, err = p.filterOr(); err != nil {
			return nil, err
		}
	}
	return f, nil
}

func (p *parser) filterAnd() (*filter, error) {
	p.space()
	if p.pos >= len(p.s) || p.s[p.pos] != '@' {
		return nil, errors.New("a filter starts with '@'")
	}
	p.pos++
	steps, err := p.steps(true)
	if err != nil {
		return nil, err
	}
	f := &filter{path: steps}
	p.space()
	for _, op := range []string{"==", "!=", "<=", ">=", "<", ">"} {
		if strings.HasPrefix(p.s[p.pos:], op) {
			p.pos += len(op)
			p.space()
			f.op = op
			if f.value, err = p.literal(); err != nil {
				return nil, err
			}
			break
		}
	}
	p.space()
	if strings.HasPrefix(p.s[p.pos:], "&&") {
		p.pos += 2
		if f.and, err = p.filterAnd(); err != nil {
			return nil, err
		}
	}
	return f, nil
}

func (p *parser) literal() (any, error) {
	if p.pos >= len(p.s) {
		return nil, errors.New("expected a value")
	}
	if c := p.s[p.pos]; c == '\'' || c == '"' {
		return p.quoted()
	}
	start := p.pos
	for p.pos < len(p.s) && !strings.ContainsRune(" )&|", rune(p.s[p.pos])) {
		p.pos++
	}
	text := p.s[start:p.pos]
	switch text {
	case "true":
		return true, nil
	case "false":
		return false, nil
	case "null":
		return nil, nil
	}
	if i, err := strconv.ParseInt(text, 10, 64); err == nil {
		return i, nil
	}
	if f, err := strconv.ParseFloat(text, 64); err == nil {
		return f, nil
	}
	return nil, fmt.Errorf("bad value %q", text)
}
