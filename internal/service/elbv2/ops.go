package elbv2

import "gatehouse/internal/api"

// Version is the ELBv2 API version, and XMLNS its response namespace.
const (
	Version = "2015-12-01"
	XMLNS   = "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/"
)

// Ops is the operation table, one line per operation.
func (s *Service) Ops() api.Table {
	return api.NewTable(
		api.Handle("CreateLoadBalancer", s.CreateLoadBalancer),
		api.Handle("DescribeLoadBalancers", s.DescribeLoadBalancers),
		api.Handle("DeleteLoadBalancer", s.DeleteLoadBalancer),
		api.Handle("SetSecurityGroups", s.SetSecurityGroups),
		api.Handle("SetSubnets", s.SetSubnets),
		api.Handle("ModifyLoadBalancerAttributes", s.ModifyLoadBalancerAttributes),
		api.Handle("DescribeLoadBalancerAttributes", s.DescribeLoadBalancerAttributes),
		api.Handle("DescribeCapacityReservation", s.DescribeCapacityReservation),
		api.Handle("CreateTargetGroup", s.CreateTargetGroup),
		api.Handle("ModifyTargetGroup", s.ModifyTargetGroup),
		api.Handle("DescribeTargetGroups", s.DescribeTargetGroups),
		api.Handle("DeleteTargetGroup", s.DeleteTargetGroup),
		api.Handle("ModifyTargetGroupAttributes", s.ModifyTargetGroupAttributes),
		api.Handle("DescribeTargetGroupAttributes", s.DescribeTargetGroupAttributes),
		api.Handle("RegisterTargets", s.RegisterTargets),
		api.Handle("DeregisterTargets", s.DeregisterTargets),
		api.Handle("DescribeTargetHealth", s.DescribeTargetHealth),
		api.Handle("CreateListener", s.CreateListener),
		api.Handle("ModifyListener", s.ModifyListener),
		api.Handle("DescribeListeners", s.DescribeListeners),
		api.Handle("DeleteListener", s.DeleteListener),
		api.Handle("ModifyListenerAttributes", s.ModifyListenerAttributes),
		api.Handle("DescribeListenerAttributes", s.DescribeListenerAttributes),
		api.Handle("AddListenerCertificates", s.AddListenerCertificates),
		api.Handle("RemoveListenerCertificates", s.RemoveListenerCertificates),
		api.Handle("DescribeListenerCertificates", s.DescribeListenerCertificates),
		api.Handle("CreateRule", s.CreateRule),
		api.Handle("ModifyRule", s.ModifyRule),
		api.Handle("DescribeRules", s.DescribeRules),
		api.Handle("DeleteRule", s.DeleteRule),
		api.Handle("SetRulePriorities", s.SetRulePriorities),
		api.Handle("AddTags", s.AddTags),
		api.Handle("RemoveTags", s.RemoveTags),
		api.Handle("DescribeTags", s.DescribeTags),
		api.Handle("DescribeSSLPolicies", s.DescribeSSLPolicies),
		api.Handle("DescribeAccountLimits", s.DescribeAccountLimits),
	)
}
