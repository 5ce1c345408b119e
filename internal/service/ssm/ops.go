package ssm

import "gatehouse/internal/api"

// Ops is the operation table, one line per operation.
func (s *Service) Ops() api.Table {
	return api.NewTable(
		api.Handle("PutParameter", s.PutParameter),
		api.Handle("GetParameter", s.GetParameter),
		api.Handle("GetParameters", s.GetParameters),
		api.Handle("GetParametersByPath", s.GetParametersByPath),
		api.Handle("DescribeParameters", s.DescribeParameters),
		api.Handle("DeleteParameter", s.DeleteParameter),
		api.Handle("DeleteParameters", s.DeleteParameters),
		api.Handle("AddTagsToResource", s.AddTagsToResource),
		api.Handle("RemoveTagsFromResource", s.RemoveTagsFromResource),
		api.Handle("ListTagsForResource", s.ListTagsForResource),
	)
}
