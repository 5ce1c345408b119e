package cloudformation

import (
	"context"
	"slices"
	"sort"

	"gatehouse/internal/model"
)

// Exports are the outputs with an Export Name of the region's live stacks:
// a name is exported by one stack at a time, and cannot go while another
// stack imports it.

// liveStacks lists the stacks of the scope that are not deleted.
func liveStacks(tx model.Tx) ([]*model.Stack, error) {
	var out []*model.Stack
	err := model.Scan(tx, "", func(st *model.Stack) bool {
		if st.Status != "DELETE_COMPLETE" {
			out = append(out, st)
		}
		return true
	})
	return out, err
}

// exportValue answers Fn::ImportValue for the stack self.
func (s *Service) exportValue(sc model.Scope, name, self string) (string, bool) {
	var value string
	var found bool
	s.view(sc, func(tx model.Tx) error {
		stacks, err := liveStacks(tx)
		for _, st := range stacks {
			if st.ID == self {
				continue
			}
			for _, o := range st.Outputs {
				if o.ExportName == name {
					value, found = o.Value, true
				}
			}
		}
		return err
	})
	return value, found
}

// exportConflict checks outputs a stack is about to publish in place of
// old ones against the region's other stacks: a name another stack
// exports, or an export another stack imports that would change or go.
// It returns AWS's reason, or "".
func exportConflict(tx model.Tx, self *model.Stack, old, new []model.StackOutput) (string, error) {
	stacks, err := liveStacks(tx)
	if err != nil {
		return "", err
	}
	for _, o := range new {
		if o.ExportName == "" {
			continue
		}
		for _, st := range stacks {
			if st.ID == self.ID {
				continue
			}
			for _, x := range st.Outputs {
				if x.ExportName == o.ExportName {
					return "Export with name " + o.ExportName + " is already exported by stack " + st.Name, nil
				}
			}
		}
	}
	for _, o := range old {
		if o.ExportName == "" {
			continue
		}
		i := slices.IndexFunc(new, func(n model.StackOutput) bool { return n.ExportName == o.ExportName })
		if i >= 0 && new[i].Value == o.Value {
			continue
		}
		if users := importers(stacks, self.ID, o.ExportName); len(users) > 0 {
			if i >= 0 {
				return "Cannot update export " + o.ExportName + " as it is in use by " + users[0], nil
			}
			return "Export " + o.ExportName + " cannot be deleted as it is in use by " + users[0], nil
		}
	}
	return "", nil
}

// importers names the stacks other than self that import an export.
func importers(stacks []*model.Stack, self, export string) []string {
	var out []string
	for _, st := range stacks {
		if st.ID != self && slices.Contains(st.Imports, export) {
			out = append(out, st.Name)
		}
	}
	sort.Strings(out)
	return out
}

// ListExports lists the region's exports.
func (s *Service) ListExports(ctx context.Context, in *ListExportsInput) (*ListExportsOutput, error) {
	out := &ListExportsOutput{Exports: []Export{}}
	err := s.view(scopeOf(ctx), func(tx model.Tx) error {
		stacks, err := liveStacks(tx)
		for _, st := range stacks {
			for _, o := range st.Outputs {
				if o.ExportName != "" {
					out.Exports = append(out.Exports, Export{ExportingStackID: st.ID, Name: o.ExportName, Value: o.Value})
				}
			}
		}
		return err
	})
	sort.Slice(out.Exports, func(i, j int) bool { return out.Exports[i].Name < out.Exports[j].Name })
	return out, err
}

// ListImports names the stacks that import an export.
func (s *Service) ListImports(ctx context.Context, in *ListImportsInput) (*ListImportsOutput, error) {
	out := &ListImportsOutput{}
	err := s.view(scopeOf(ctx), func(tx model.Tx) error {
		stacks, err := liveStacks(tx)
		if err != nil {
			return err
		}
		exported := false
		for _, st := range stacks {
			for _, o := range st.Outputs {
				exported = exported || o.ExportName == in.ExportName
			}
		}
		if !exported {
			return validation("Export '%s' does not exist.", in.ExportName)
		}
		out.Imports = importers(stacks, "", in.ExportName)
		return nil
	})
	return out, err
}
