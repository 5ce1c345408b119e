package network_test

import (
	"net/netip"
	"testing"

	"gatehouse/internal/model"
	"gatehouse/internal/network"
)

func TestRealAddress(t *testing.T) {
	enis := []*model.NetworkInterface{
		{ID: "eni-tagged", PrivateIP: "10.0.1.15", Tags: model.Tags{network.HostTag: "backend.example"}},
		{ID: "eni-plain", PrivateIP: "10.0.1.16", Tags: model.Tags{"Name": "app"}},
		{ID: "eni-empty", PrivateIP: "10.0.1.17", Tags: model.Tags{network.HostTag: "  "}},
		{ID: "eni-v6", PrivateIP: "10.0.1.18", Tags: model.Tags{network.HostTag: "[::1]"}},
		{ID: "eni-ip", PrivateIP: "10.0.1.19", Tags: model.Tags{network.HostTag: "203.0.113.7"}},
		{ID: "eni-bad", PrivateIP: "not-an-ip", Tags: model.Tags{network.HostTag: "never"}},
		{ID: "eni-inst", PrivateIP: "10.0.1.20", Attachment: &model.InterfaceAttachment{InstanceID: "i-tagged"}},
		{ID: "eni-both", PrivateIP: "10.0.1.21", Tags: model.Tags{network.HostTag: "eni.example"},
			Attachment: &model.InterfaceAttachment{InstanceID: "i-tagged"}},
		{ID: "eni-plain-inst", PrivateIP: "10.0.1.22", Attachment: &model.InterfaceAttachment{InstanceID: "i-plain"}},
	}
	instances := map[string]*model.EC2Instance{
		"i-tagged": {ID: "i-tagged", Tags: model.Tags{network.HostTag: "instance.example"}},
		"i-plain":  {ID: "i-plain"},
	}
	inst := func(id string) *model.EC2Instance { return instances[id] }
	idx := network.IndexInterfaces(enis)
	tests := []struct {
		name    string
		modeled string
		lookup  network.InterfaceLookup
		want    string
		rule    string
	}{
		{"tagged ENI goes to its host", "10.0.1.15:8080", idx.Owner, "backend.example:8080", network.RuleHostTag},
		{"untagged ENI goes to loopback", "10.0.1.16:8080", idx.Owner, "127.0.0.1:8080", network.RuleLoopback},
		{"blank tag counts as none", "10.0.1.17:9000", idx.Owner, "127.0.0.1:9000", network.RuleLoopback},
		{"IPv6 host is bracketed once", "10.0.1.18:443", idx.Owner, "[::1]:443", network.RuleHostTag},
		{"IP host keeps the port", "10.0.1.19:80", idx.Owner, "203.0.113.7:80", network.RuleHostTag},
		{"no owner goes to loopback", "10.0.9.9:8080", idx.Owner, "127.0.0.1:8080", network.RuleLoopback},
		{"nil lookup goes to loopback", "10.0.1.15:8080", nil, "127.0.0.1:8080", network.RuleLoopback},
		{"mapped address finds its owner", "[::ffff:10.0.1.15]:81", idx.Owner, "backend.example:81", network.RuleHostTag},
		{"instance's tag names its interface's host", "10.0.1.20:8080", idx.Owner, "instance.example:8080", network.RuleInstanceHostTag},
		{"the interface's own tag wins", "10.0.1.21:8080", idx.Owner, "eni.example:8080", network.RuleHostTag},
		{"untagged instance goes to loopback", "10.0.1.22:8080", idx.Owner, "127.0.0.1:8080", network.RuleLoopback},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ap := netip.MustParseAddrPort(tt.modeled)
			got, rule := network.RealAddress(tt.lookup, inst, ap.Addr(), int(ap.Port()))
			if got != tt.want || rule != tt.rule {
				t.Errorf("RealAddress(%s) = %s, %s; want %s, %s", tt.modeled, got, rule, tt.want, tt.rule)
			}
		})
	}
	if len(idx) != 8 {
		t.Errorf("index holds %d interfaces, want 8 (the unparsable one left out)", len(idx))
	}
}
