package cloudformation

import "gatehouse/internal/api"

// Version is the CloudFormation API version, and XMLNS its response
// namespace.
const (
	Version = "2010-05-15"
	XMLNS   = "http://cloudformation.amazonaws.com/doc/2010-05-15/"
)

// Ops is the operation table, one line per operation.
func (s *Service) Ops() api.Table {
	return api.NewTable(
		api.Handle("CreateStack", s.CreateStack),
		api.Handle("UpdateStack", s.UpdateStack),
		api.Handle("DeleteStack", s.DeleteStack),
		api.Handle("ContinueUpdateRollback", s.ContinueUpdateRollback),
		api.Handle("CancelUpdateStack", s.CancelUpdateStack),
		api.Handle("DescribeStacks", s.DescribeStacks),
		api.Handle("ListStacks", s.ListStacks),
		api.Handle("DescribeStackEvents", s.DescribeStackEvents),
		api.Handle("DescribeStackResource", s.DescribeStackResource),
		api.Handle("DescribeStackResources", s.DescribeStackResources),
		api.Handle("ListStackResources", s.ListStackResources),
		api.Handle("GetTemplate", s.GetTemplate),
		api.Handle("GetTemplateSummary", s.GetTemplateSummary),
		api.Handle("ValidateTemplate", s.ValidateTemplate),
		api.Handle("CreateChangeSet", s.CreateChangeSet),
		api.Handle("DescribeChangeSet", s.DescribeChangeSet),
		api.Handle("ExecuteChangeSet", s.ExecuteChangeSet),
		api.Handle("DeleteChangeSet", s.DeleteChangeSet),
		api.Handle("ListChangeSets", s.ListChangeSets),
		api.Handle("ListExports", s.ListExports),
		api.Handle("ListImports", s.ListImports),
	)
}
