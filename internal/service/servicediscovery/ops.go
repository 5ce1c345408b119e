package servicediscovery

import "gatehouse/internal/api"

// Ops is the operation table, one line per operation.
func (s *Service) Ops() api.Table {
	return api.NewTable(
		api.Handle("CreateHttpNamespace", s.CreateHttpNamespace),
		api.Handle("CreatePrivateDnsNamespace", s.CreatePrivateDnsNamespace),
		api.Handle("GetNamespace", s.GetNamespace),
		api.Handle("ListNamespaces", s.ListNamespaces),
		api.Handle("DeleteNamespace", s.DeleteNamespace),
		api.Handle("GetOperation", s.GetOperation),
		api.Handle("ListOperations", s.ListOperations),
		api.Handle("CreateService", s.CreateService),
		api.Handle("GetService", s.GetService),
		api.Handle("ListServices", s.ListServices),
		api.Handle("UpdateService", s.UpdateService),
		api.Handle("DeleteService", s.DeleteService),
		api.Handle("RegisterInstance", s.RegisterInstance),
		api.Handle("DeregisterInstance", s.DeregisterInstance),
		api.Handle("GetInstance", s.GetInstance),
		api.Handle("ListInstances", s.ListInstances),
		api.Handle("DiscoverInstances", s.DiscoverInstances),
		api.Handle("DiscoverInstancesRevision", s.DiscoverInstancesRevision),
		api.Handle("GetInstancesHealthStatus", s.GetInstancesHealthStatus),
		api.Handle("UpdateInstanceCustomHealthStatus", s.UpdateInstanceCustomHealthStatus),
		api.Handle("TagResource", s.TagResource),
		api.Handle("UntagResource", s.UntagResource),
		api.Handle("ListTagsForResource", s.ListTagsForResource),
	)
}
