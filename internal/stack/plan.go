package stack

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"
)

// Current is a resource as a stack holds it before an update.
type Current struct {
	Type    string
	Created Created
	// Props are the resolved properties it was made or last updated with.
	Props map[string]any
	// Source are its properties as the stack's template writes them,
	// unresolved; nil when not known. A property whose text is the same
	// yet resolves differently changed because of what it refers to.
	Source map[string]any
}

// Change is one entry of an update's plan: what happens to one resource.
type Change struct {
	Action    string // Add, Modify or Remove
	LogicalID string
	Type      string
	// Replacement says whether a Modify makes a new resource: True,
	// False, or Conditional when it depends on a value only known once
	// the resources it refers to are replaced.
	Replacement string
	Details     []Detail
}

// Detail is one property a Modify changes.
type Detail struct {
	Property string
	// Recreation is Always for a create-only property, else Never.
	Recreation string
	// Dynamic marks a value that depends on a resource this update
	// replaces or adds, known only when the update runs.
	Dynamic bool
	// Source is what made the change, as ResourceChangeDetail's
	// ChangeSource: DirectModification (the template's text),
	// ParameterReference, ResourceReference or ResourceAttribute.
	Source string
	// Causing names what the value refers to ("Subnet",
	// "Subnet.SubnetId", a parameter's name); empty for
	// DirectModification.
	Causing string
}

// Scope is what a Modify touches: Properties, Tags, or both.
func (c Change) Scope() []string {
	var props, tags bool
	for _, d := range c.Details {
		if d.Property == "Tags" {
			tags = true
		} else {
			props = true
		}
	}
	var out []string
	if props {
		out = append(out, "Properties")
	}
	if tags {
		out = append(out, "Tags")
	}
	return out
}

// pending marks a value a planned resource will have once made.
const pending = "\x00pending:"

// Plan compares the resources a stack has with inst, the template it is
// updated to, in inst's order (the removed ones last). Unchanged resources
// are left out. The update runs exactly this plan: Diff decides each
// resource again with the values then known, the same way. prior are the
// values the stack's parameters had, in their string form, so that a
// change a parameter caused is told from one the template made.
func Plan(inst *Instance, cur map[string]Current, prior map[string]string) ([]Change, error) {
	var out []Change
	made := map[string]Created{}
	var retyped []string
	for _, r := range inst.Resources {
		old, ok := cur[r.Name]
		if !ok {
			out = append(out, Change{Action: "Add", LogicalID: r.Name, Type: r.Type})
			made[r.Name] = placeholder(r)
			continue
		}
		if old.Type != r.Type {
			retyped = append(retyped, r.Name)
			continue
		}
		props, err := inst.Properties(r, made)
		if err != nil {
			if !dependsOnPending(inst, r, made) {
				return nil, err
			}
			// A value built from a placeholder (an attribute list, say)
			// cannot be worked out before the update: all may change.
			out = append(out, Change{Action: "Modify", LogicalID: r.Name, Type: r.Type, Replacement: "Conditional",
				Details: []Detail{{Property: "*", Recreation: "Conditionally", Dynamic: true, Source: "DirectModification"}}})
			made[r.Name] = placeholder(r)
			continue
		}
		changed, replace := Diff(r.Type, old.Props, props)
		// Updated in place, it answers its attributes that are properties
		// with the new values.
		kept := old.Created
		kept.Props = props
		if len(changed) == 0 {
			made[r.Name] = kept
			continue
		}
		c := Change{Action: "Modify", LogicalID: r.Name, Type: r.Type, Replacement: "False"}
		spec := Specs[r.Type]
		conditional := false
		for _, name := range changed {
			d := Detail{Property: name, Recreation: "Never"}
			if spec != nil && spec.Properties[name].CreateOnly {
				d.Recreation = "Always"
			}
			if causing, ok := findPending(props[name]); ok {
				d.Dynamic, d.Causing, d.Source = true, causing, referenceSource(causing)
				if d.Recreation == "Always" {
					conditional = true
				}
			} else {
				d.Source, d.Causing = cause(inst, r, old.Source, name, prior)
			}
			c.Details = append(c.Details, d)
		}
		switch {
		case replace && !allDynamicRecreation(c.Details):
			c.Replacement = "True"
			made[r.Name] = placeholder(r)
		case conditional:
			c.Replacement = "Conditional"
			made[r.Name] = placeholder(r)
		default:
			made[r.Name] = kept
		}
		out = append(out, c)
	}
	if len(retyped) > 0 {
		return nil, fmt.Errorf("Update of resource type is not permitted. The new template modifies resource type of the following resources: [%s]", strings.Join(retyped, ", "))
	}
	var removed []string
	for name := range cur {
		if _, ok := made[name]; !ok {
			removed = append(removed, name)
		}
	}
	sort.Strings(removed)
	for _, name := range removed {
		out = append(out, Change{Action: "Remove", LogicalID: name, Type: cur[name].Type})
	}
	return out, nil
}

// referenceSource is the ChangeSource of a change flowing from another
// resource: its Ref, or one of its attributes ("Name.Attr").
func referenceSource(causing string) string {
	if strings.Contains(causing, ".") {
		return "ResourceAttribute"
	}
	return "ResourceReference"
}

// cause says what changed a property whose resolved value differs: the
// template, when the property's text differs from source's (or source is
// unknown); else the first parameter it refers to whose value differs
// from prior's, or else the first resource it refers to.
func cause(inst *Instance, r *Resource, source map[string]any, name string, prior map[string]string) (string, string) {
	const direct = "DirectModification"
	if source == nil || !reflect.DeepEqual(source[name], r.Properties[name]) {
		return direct, ""
	}
	w := &walker{conds: inst.Conditions}
	if w.walk(r.Properties[name]) != nil {
		return direct, ""
	}
	now := map[string]string{}
	for _, p := range inst.Parameters {
		now[p.Name] = p.Value
		if p.ResolvedValue != "" {
			now[p.Name] = p.ResolvedValue
		}
	}
	for _, x := range w.refs {
		if v, ok := now[x.name]; ok && x.attr == "" {
			if was, ok := prior[x.name]; !ok || was != v {
				return "ParameterReference", x.name
			}
		}
	}
	for _, x := range w.refs {
		if _, param := now[x.name]; param || x.imported || strings.HasPrefix(x.name, "AWS::") {
			continue
		}
		if x.attr != "" {
			return "ResourceAttribute", x.name + "." + x.attr
		}
		return "ResourceReference", x.name
	}
	return direct, ""
}

// allDynamicRecreation reports whether every create-only change is dynamic.
func allDynamicRecreation(ds []Detail) bool {
	for _, d := range ds {
		if d.Recreation == "Always" && !d.Dynamic {
			return false
		}
	}
	return true
}

// Diff names the top-level properties that differ between old and new,
// in order, and whether any of them is create-only, so that the change
// replaces the resource.
func Diff(typ string, old, new map[string]any) (changed []string, replace bool) {
	spec := Specs[typ]
	keys := map[string]bool{}
	for k := range old {
		keys[k] = true
	}
	for k := range new {
		keys[k] = true
	}
	for k := range keys {
		if !sameValue(normal(old[k]), normal(new[k])) {
			changed = append(changed, k)
			if spec != nil && spec.Properties[k].CreateOnly {
				replace = true
			}
		}
	}
	sort.Strings(changed)
	return changed, replace
}

// Same reports whether two resolved values are the same to CloudFormation.
func Same(a, b any) bool { return sameValue(normal(a), normal(b)) }

// normal is v as it reads back from JSON, the form a stack keeps.
func normal(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		return v
	}
	var out any
	if json.Unmarshal(b, &out) != nil {
		return v
	}
	return out
}

// same compares resolved values the way CloudFormation reads them: a
// scalar equals its string form ("80" and 80 are one port).
func sameValue(a, b any) bool {
	switch a := a.(type) {
	case map[string]any:
		bm, ok := b.(map[string]any)
		if !ok || len(a) != len(bm) {
			return false
		}
		for k, v := range a {
			w, ok := bm[k]
			if !ok || !sameValue(v, w) {
				return false
			}
		}
		return true
	case []any:
		bl, ok := b.([]any)
		if !ok || len(a) != len(bl) {
			return false
		}
		for i := range a {
			if !sameValue(a[i], bl[i]) {
				return false
			}
		}
		return true
	case nil:
		return b == nil
	}
	if b == nil {
		return false
	}
	as, err1 := String(a)
	bs, err2 := String(b)
	return err1 == nil && err2 == nil && as == bs
}

// placeholder stands for a resource not made yet: its Ref and every
// attribute its type documents are marked values.
func placeholder(r *Resource) Created {
	c := Created{Ref: pending + r.Name + "\x00", Attrs: map[string]any{}}
	attrs := Types[r.Type]
	if s := Specs[r.Type]; s != nil && len(s.Attributes) > 0 {
		attrs = s.Attributes
	}
	for _, a := range attrs {
		c.Attrs[a] = pending + r.Name + "." + a + "\x00"
	}
	return c
}

// findPending finds a marked value in v and names what it stands for.
func findPending(v any) (string, bool) {
	switch v := v.(type) {
	case string:
		if i := strings.Index(v, pending); i >= 0 {
			rest := v[i+len(pending):]
			if j := strings.IndexByte(rest, '\x00'); j >= 0 {
				rest = rest[:j]
			}
			return rest, true
		}
	case []any:
		for _, x := range v {
			if s, ok := findPending(x); ok {
				return s, true
			}
		}
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if s, ok := findPending(v[k]); ok {
				return s, true
			}
		}
	}
	return "", false
}

// dependsOnPending reports whether r refers to a resource planned but not
// made.
func dependsOnPending(inst *Instance, r *Resource, made map[string]Created) bool {
	for _, d := range inst.DependsOn(r.Name) {
		if c, ok := made[d]; ok && strings.HasPrefix(c.Ref, pending) {
			return true
		}
	}
	return false
}
