package ec2

import "gatehouse/internal/api"

// Version is the EC2 API version gatehouse speaks, and XMLNS its response
// namespace.
const (
	Version = "2016-11-15"
	XMLNS   = "http://ec2.amazonaws.com/doc/2016-11-15/"
)

// Ops is the operation table, one line per operation.
func (s *Service) Ops() api.Table {
	return api.NewTable(
		api.Handle("CreateVpc", s.CreateVpc),
		api.Handle("DescribeVpcs", s.DescribeVpcs),
		api.Handle("DeleteVpc", s.DeleteVpc),
	)
}
