package stack

import (
	"errors"
	"slices"
	"strings"
)

// ref is one reference found in a value: a Ref (attr empty) or a GetAtt.
type ref struct {
	name, attr string
	// imported marks a reference inside Fn::ImportValue, which may not
	// name a resource.
	imported bool
}

// Check reports every unsupported type, bad reference and malformed
// function in the template, with CloudFormation's texts, and returns the
// resources in an order where each follows everything it refers to under
// any condition.
func Check(t *Template) ([]*Resource, error) {
	if err := validate(t); err != nil {
		return nil, err
	}
	deps, err := dependencies(t, t.Resources, nil)
	if err != nil {
		return nil, err
	}
	return order(t, t.Resources, deps)
}

// validate checks what does not depend on parameters: every mistake it
// finds is reported, the first being the one the stack API returns.
func validate(t *Template) error {
	if err := checkIDs(t); err != nil {
		return err
	}
	rc := newRefChecker(t)
	for _, r := range t.Resources {
		rc.value("Resources", r.Line, r.Properties)
		for _, d := range r.DependsOn {
			if rc.byName[d] == nil {
				rc.missing("Resources", d, r.Line)
			}
		}
		if r.Condition != "" && !rc.conds[r.Condition] {
			rc.errs = append(rc.errs, t.formatErr(r.Line, "Unresolved condition dependency %s in the Resources block of the template", r.Condition))
		}
	}
	for _, o := range t.Outputs {
		rc.value("Outputs", o.Line, o.Value)
		if o.Export != nil {
			rc.value("Outputs", o.Line, o.Export)
		}
		if o.Condition != "" && !rc.conds[o.Condition] {
			rc.errs = append(rc.errs, t.formatErr(o.Line, "Unresolved condition dependency %s in the Outputs block of the template", o.Condition))
		}
	}
	errs := rc.errors()
	for _, p := range t.Parameters {
		// A default must satisfy its own parameter's constraints, whether
		// or not a value is given.
		if d, ok := p.DefaultString(); ok && !strings.HasPrefix(p.Type, ssmPrefix) {
			if err := checkParameter(t, p, d); err != nil {
				errs = append(errs, err)
			}
		}
		if rc.byName[p.Name] != nil {
			errs = append(errs, t.formatErr(p.Line, "Duplicate logical ID %s: it names a parameter and a resource", p.Name))
		}
	}
	errs = append(errs, checkConditions(t, rc.params)...)
	errs = append(errs, checkRules(t, rc.params)...)
	for _, r := range t.Resources {
		errs = append(errs, checkProperties(t, r)...)
		errs = append(errs, checkSnapshot(t, r)...)
	}
	return errors.Join(errs...)
}

// snapshotTypes are the types CloudFormation can snapshot before it
// deletes or replaces one, the only ones DeletionPolicy and
// UpdateReplacePolicy Snapshot are valid for. gatehouse deploys none of
// them.
var snapshotTypes = map[string]bool{
	"AWS::EC2::Volume": true, "AWS::ElastiCache::CacheCluster": true, "AWS::ElastiCache::ReplicationGroup": true,
	"AWS::Neptune::DBCluster": true, "AWS::RDS::DBCluster": true, "AWS::RDS::DBInstance": true,
	"AWS::Redshift::Cluster": true, "AWS::DocDB::DBCluster": true,
}

// checkSnapshot refuses a Snapshot policy on a type that has no
// snapshots.
func checkSnapshot(t *Template, r *Resource) []error {
	var errs []error
	for _, p := range []struct{ name, value string }{{"DeletionPolicy", r.DeletionPolicy}, {"UpdateReplacePolicy", r.UpdateReplacePolicy}} {
		if p.value == "Snapshot" && !snapshotTypes[r.Type] {
			errs = append(errs, t.formatErr(r.Line, "%s Snapshot is not supported for resource %s of type %s, which has no snapshots", p.name, r.Name, r.Type))
		}
	}
	return errs
}

// checkIDs refuses logical ids CloudFormation does not take, and too many
// resources.
func checkIDs(t *Template) error {
	if n := len(t.Resources); n > maxResources {
		return t.formatErr(0, "Number of resources, %d, is greater than maximum allowed, %d", n, maxResources)
	}
	var errs []error
	bad := func(what, name string, line int) {
		if !alphanumeric(name) {
			errs = append(errs, t.formatErr(line, "%s name %s is non alphanumeric.", what, name))
		}
	}
	for _, p := range t.Parameters {
		bad("Parameter", p.Name, p.Line)
	}
	for _, r := range t.Resources {
		bad("Resource", r.Name, r.Line)
	}
	for _, o := range t.Outputs {
		bad("Output", o.Name, o.Line)
	}
	return errors.Join(errs...)
}

// refChecker checks the references and functions of resources' and
// outputs' values, gathering names that resolve to nothing per block, as
// CloudFormation reports them together.
type refChecker struct {
	t             *Template
	byName        map[string]*Resource
	params, conds map[string]bool
	unresolved    map[string]*names
	firstLine     map[string]int
	errs          []error
}

func newRefChecker(t *Template) *refChecker {
	rc := &refChecker{t: t, byName: map[string]*Resource{}, params: map[string]bool{}, conds: map[string]bool{},
		unresolved: map[string]*names{}, firstLine: map[string]int{}}
	for _, r := range t.Resources {
		rc.byName[r.Name] = r
	}
	for _, p := range t.Parameters {
		rc.params[p.Name] = true
	}
	for _, c := range t.Conditions {
		rc.conds[c.Name] = true
	}
	return rc
}

func (rc *refChecker) missing(block, name string, line int) {
	n := rc.unresolved[block]
	if n == nil {
		n = &names{}
		rc.unresolved[block] = n
	}
	n.add(name)
	if rc.firstLine[block] == 0 {
		rc.firstLine[block] = line
	}
}

// value checks one value of a block at a line.
func (rc *refChecker) value(block string, line int, v any) {
	t := rc.t
	w := &walker{}
	if err := w.walk(v); err != nil {
		rc.errs = append(rc.errs, t.at(line, err))
		return
	}
	for _, c := range w.ifConds {
		if !rc.conds[c] {
			rc.errs = append(rc.errs, t.templateErr(line, "unresolved condition dependency %s in Fn::If", c))
		}
	}
	for _, x := range w.refs {
		if x.attr == "" && (rc.params[x.name] || pseudo[x.name]) {
			continue
		}
		target, ok := rc.byName[x.name]
		switch {
		case !ok && x.attr == "":
			rc.missing(block, x.name, line)
		case !ok:
			rc.errs = append(rc.errs, t.templateErr(line, "instance of Fn::GetAtt references undefined resource %s", x.name))
		case x.imported:
			rc.errs = append(rc.errs, t.templateErr(line, "the attribute in Fn::ImportValue must not depend on any resources, imported values, or Fn::GetAZs"))
		case x.attr != "" && !slices.Contains(Types[target.Type], x.attr):
			if _, known := Types[target.Type]; known {
				rc.errs = append(rc.errs, t.templateErr(line, "resource %s does not support attribute type %s in Fn::GetAtt", x.name, x.attr))
			}
		case x.attr != "" && !givenOrSet(target.Type, target.Properties, x.attr):
			rc.errs = append(rc.errs, t.at(line, attributeErr(x.name, target.Type, x.attr)))
		}
	}
}

// errors are the mistakes found, in the order CloudFormation reports
// them: unknown types first, then unresolved names, then the rest.
func (rc *refChecker) errors() []error {
	t := rc.t
	var first []error
	var types []string
	for _, r := range t.Resources {
		if _, ok := Types[r.Type]; !ok && !slices.Contains(types, r.Type) {
			types = append(types, r.Type)
		}
	}
	if len(types) > 0 {
		first = append(first, t.formatErr(lineOf(t, types[0]), "Unrecognized resource types: [%s]", strings.Join(types, ", ")))
	}
	for _, block := range []string{"Resources", "Outputs"} {
		if n := rc.unresolved[block]; n != nil {
			first = append(first, t.formatErr(rc.firstLine[block], "Unresolved resource dependencies [%s] in the %s block of the template",
				strings.Join(n.list, ", "), block))
		}
	}
	return append(first, rc.errs...)
}

// names is a list of distinct names in the order first seen.
type names struct {
	list []string
	seen map[string]bool
}

func (n *names) add(s string) {
	if n.seen == nil {
		n.seen = map[string]bool{}
	}
	if !n.seen[s] {
		n.seen[s] = true
		n.list = append(n.list, s)
	}
}

// maxResources is CloudFormation's limit on a template's resources.
const maxResources = 500

// alphanumeric reports whether a logical id is made of ASCII letters and
// digits only, as CloudFormation requires.
func alphanumeric(s string) bool {
	for _, c := range s {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return s != ""
}

// lineOf is the line of the first resource of a type.
func lineOf(t *Template, typ string) int {
	for _, r := range t.Resources {
		if r.Type == typ {
			return r.Line
		}
	}
	return 0
}

// Dependencies are each resource's direct dependencies whatever the
// conditions say: what it refers to in any branch of Fn::If, and what it
// DependsOn. A delete uses them to keep what a resource it could not
// delete still needs.
func Dependencies(t *Template) (map[string][]string, error) {
	return dependencies(t, t.Resources, nil)
}

// dependencies are each resource's direct dependencies among rs: what it
// refers to and what it DependsOn. With conditions, only the branches of
// Fn::If they choose count; without, every branch does.
func dependencies(t *Template, rs []*Resource, conds map[string]bool) (map[string][]string, error) {
	active := map[string]bool{}
	for _, r := range rs {
		active[r.Name] = true
	}
	declared := map[string]bool{}
	for _, r := range t.Resources {
		declared[r.Name] = true
	}
	deps := map[string][]string{}
	var unresolved names
	line := 0
	for _, r := range rs {
		w := &walker{conds: conds}
		if err := w.walk(r.Properties); err != nil {
			return nil, t.at(r.Line, err)
		}
		refs := slices.Clone(r.DependsOn)
		for _, x := range w.refs {
			if declared[x.name] {
				refs = append(refs, x.name)
			}
		}
		var mine names
		for _, n := range refs {
			if !active[n] {
				unresolved.add(n)
				if line == 0 {
					line = r.Line
				}
				continue
			}
			mine.add(n)
		}
		if len(mine.list) > 0 {
			deps[r.Name] = mine.list
		}
	}
	if len(unresolved.list) > 0 {
		return nil, t.formatErr(line, "Unresolved resource dependencies [%s] in the Resources block of the template", strings.Join(unresolved.list, ", "))
	}
	return deps, nil
}

// order sorts topologically, keeping the template's order among resources
// that do not depend on each other, so that a deployment is predictable.
func order(t *Template, rs []*Resource, deps map[string][]string) ([]*Resource, error) {
	done := map[string]bool{}
	var out []*Resource
	for len(out) < len(rs) {
		progress := false
		for _, r := range rs {
			if done[r.Name] {
				continue
			}
			ready := true
			for _, d := range deps[r.Name] {
				ready = ready && done[d]
			}
			if ready {
				done[r.Name] = true
				out = append(out, r)
				progress = true
				break
			}
		}
		if !progress {
			var left []string
			line := 0
			for _, r := range rs {
				if !done[r.Name] {
					left = append(left, r.Name)
					if line == 0 {
						line = r.Line
					}
				}
			}
			return nil, t.errAt(line, "Circular dependency between resources: [%s]", strings.Join(left, ", "))
		}
	}
	return out, nil
}

// walker collects the references in a value and reports malformed
// intrinsic functions with CloudFormation's texts.
type walker struct {
	// conds, when set, choose one branch of each Fn::If; nil walks both.
	conds map[string]bool
	// imported is set inside Fn::ImportValue.
	imported bool
	refs     []ref
	ifConds  []string
	depth    int
}

func (w *walker) walk(v any) error {
	w.depth++
	defer func() { w.depth-- }()
	if w.depth > 2*maxDepth {
		return evalErr("Template error: values nest too deeply")
	}
	switch v := v.(type) {
	case []any:
		for _, x := range v {
			if err := w.walk(x); err != nil {
				return err
			}
		}
	case map[string]any:
		if fn, arg, ok := intrinsic(v); ok {
			return w.call(fn, arg)
		}
		for _, k := range sortedKeys(v) {
			if err := w.walk(v[k]); err != nil {
				return err
			}
		}
	}
	return nil
}

func (w *walker) call(fn string, arg any) error {
	switch fn {
	case "Ref":
		s, ok := arg.(string)
		if !ok {
			return evalErr("Template format error: Every Ref object must have a single String value.")
		}
		w.refs = append(w.refs, ref{name: s, imported: w.imported})
		return nil
	case "Fn::GetAtt":
		name, attr, err := getAttArgs(arg)
		if err != nil {
			return err
		}
		w.refs = append(w.refs, ref{name: name, attr: attr, imported: w.imported})
		return nil
	case "Fn::Sub":
		body, vars, err := subArgs(arg)
		if err != nil {
			return err
		}
		parts, err := parseSub(body)
		if err != nil {
			return err
		}
		for _, p := range parts {
			if p.ref == nil {
				continue
			}
			if _, local := vars[p.ref.name]; local && p.ref.attr == "" {
				continue
			}
			r := *p.ref
			r.imported = w.imported
			w.refs = append(w.refs, r)
		}
		for _, k := range sortedKeys(vars) {
			if err := w.walk(vars[k]); err != nil {
				return err
			}
		}
		return nil
	case "Fn::If":
		cond, yes, no, err := ifArgs(arg)
		if err != nil {
			return err
		}
		w.ifConds = append(w.ifConds, cond)
		if w.conds != nil {
			if w.conds[cond] {
				return w.walk(yes)
			}
			return w.walk(no)
		}
		if err := w.walk(yes); err != nil {
			return err
		}
		return w.walk(no)
	case "Fn::FindInMap":
		if _, _, err := findInMapArgs(arg); err != nil {
			return err
		}
	case "Fn::ImportValue":
		w.imported = true
		defer func() { w.imported = false }()
	case "Fn::Cidr":
		if l, ok := arg.([]any); !ok || len(l) != 3 {
			return evalErr("Template error: every Fn::Cidr object requires three parameters, the ip block, the count of subnets and the number of subnet bits")
		}
	case "Fn::Join":
		if l, ok := arg.([]any); !ok || len(l) != 2 {
			return evalErr(joinUsage)
		}
	case "Fn::Select":
		if l, ok := arg.([]any); !ok || len(l) != 2 {
			return evalErr("Template error: Fn::Select requires a list argument with two elements: an integer index and a list")
		}
	case "Fn::Split":
		if l, ok := arg.([]any); !ok || len(l) != 2 {
			return evalErr("Template error: every Fn::Split object requires two parameters, (1) a string delimiter and (2) a string to be split or a function that returns a string to be split.")
		}
	case "Fn::Base64", "Fn::GetAZs":
	default:
		return evalErr("Template format error: Unrecognized function %s (gatehouse evaluates %s)", fn, strings.Join(functions, ", "))
	}
	return w.walk(arg)
}

// functions are the functions a property or output may call.
var functions = []string{"Ref", "Fn::Base64", "Fn::Cidr", "Fn::FindInMap", "Fn::GetAtt", "Fn::GetAZs",
	"Fn::If", "Fn::ImportValue", "Fn::Join", "Fn::Select", "Fn::Split", "Fn::Sub"}

const joinUsage = "Template error: every Fn::Join object requires two parameters, (1) a string delimiter and (2) a list of strings to be joined or a function that returns a list of strings (such as Fn::GetAZs) to be joined."

// intrinsic recognises a function call: a one-key map whose key is Ref or
// starts with Fn::.
func intrinsic(m map[string]any) (string, any, bool) {
	if len(m) != 1 {
		return "", nil, false
	}
	for k, v := range m {
		if k == "Ref" || strings.HasPrefix(k, "Fn::") {
			return k, v, true
		}
	}
	return "", nil, false
}

func getAttArgs(arg any) (string, string, error) {
	switch a := arg.(type) {
	case string:
		if name, attr, ok := strings.Cut(a, "."); ok && name != "" && attr != "" {
			return name, attr, nil
		}
	case []any:
		if len(a) == 2 {
			name, ok1 := a[0].(string)
			attr, ok2 := a[1].(string)
			if ok1 && ok2 && name != "" && attr != "" {
				return name, attr, nil
			}
		}
	}
	return "", "", evalErr("Template error: every Fn::GetAtt object requires two non-empty parameters, the resource name and the resource attribute")
}

func ifArgs(arg any) (string, any, any, error) {
	l, ok := arg.([]any)
	if !ok || len(l) != 3 {
		return "", nil, nil, evalErr("Template error: Fn::If requires a list argument with three elements")
	}
	cond, ok := l[0].(string)
	if !ok {
		return "", nil, nil, evalErr("Template error: Fn::If requires a list argument with the first element being a condition")
	}
	return cond, l[1], l[2], nil
}

// findInMapArgs splits Fn::FindInMap into its three keys and, with the
// fourth argument {DefaultValue: x}, the default.
func findInMapArgs(arg any) ([]any, any, error) {
	l, ok := arg.([]any)
	if ok && len(l) == 4 {
		if d, ok := l[3].(map[string]any); ok && len(d) == 1 {
			if v, ok := d["DefaultValue"]; ok {
				return l[:3], v, nil
			}
		}
	}
	if !ok || len(l) != 3 {
		return nil, nil, evalErr("Template error: every Fn::FindInMap object requires three parameters, the map name, map key and the attribute for return value")
	}
	return l, nil, nil
}

func subArgs(arg any) (string, map[string]any, error) {
	switch a := arg.(type) {
	case string:
		return a, nil, nil
	case []any:
		if len(a) == 2 {
			body, ok1 := a[0].(string)
			vars, ok2 := a[1].(map[string]any)
			if ok1 && ok2 {
				return body, vars, nil
			}
		}
	}
	return "", nil, evalErr("Template error: One or more Fn::Sub intrinsic functions don't specify expected arguments. Specify a string as first argument, and an optional second argument to specify a mapping of values to replace in the string")
}

// subPart is a literal stretch of a Fn::Sub string or one ${} in it.
type subPart struct {
	text string
	ref  *ref
}

// parseSub splits a Fn::Sub string. ${!x} is the literal ${x}.
func parseSub(s string) ([]subPart, error) {
	var parts []subPart
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			return append(parts, subPart{text: s}), nil
		}
		parts = append(parts, subPart{text: s[:i]})
		end := strings.IndexByte(s[i:], '}')
		if end < 0 {
			return nil, evalErr("Template error: Fn::Sub %q has a ${ without a closing }", s)
		}
		inner := s[i+2 : i+end]
		s = s[i+end+1:]
		if lit, ok := strings.CutPrefix(inner, "!"); ok {
			parts = append(parts, subPart{text: "${" + lit + "}"})
			continue
		}
		inner = strings.TrimSpace(inner)
		if inner == "" || strings.ContainsAny(inner, " ${") {
			return nil, evalErr("Template error: variable names in Fn::Sub syntax must contain only alphanumeric characters, underscores, periods, and colons")
		}
		r := ref{name: inner}
		// Pseudo parameters contain "::", not a dot, so the first dot
		// splits a GetAtt.
		if name, attr, ok := strings.Cut(inner, "."); ok {
			r = ref{name: name, attr: attr}
			if name == "" || attr == "" {
				return nil, evalErr("Template error: variable names in Fn::Sub syntax must contain only alphanumeric characters, underscores, periods, and colons")
			}
		}
		parts = append(parts, subPart{ref: &r})
	}
}
