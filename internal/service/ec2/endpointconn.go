package ec2

import (
	"context"
	"strings"

	"gatehouse/internal/model"
)

// The one consumer of a REST API VPC link's endpoint service is API Gateway
// itself: each such service has one accepted connection, from an interface
// endpoint in the API Gateway account of its region.

type DescribeVpcEndpointConnectionsInput struct {
	Filters []Filter `query:"Filter"`
}

type DescribeVpcEndpointConnectionsOutput struct {
	Connections []VpcEndpointConnection `xml:"vpcEndpointConnectionSet>item"`
}

// VpcEndpointConnection is a connection as the endpoint service's owner
// sees it.
type VpcEndpointConnection struct {
	ServiceID               string   `xml:"serviceId"`
	VpcEndpointID           string   `xml:"vpcEndpointId"`
	VpcEndpointOwner        string   `xml:"vpcEndpointOwner,omitempty"`
	VpcEndpointState        string   `xml:"vpcEndpointState"`
	CreationTimestamp       string   `xml:"creationTimestamp,omitempty"`
	DNSEntries              []string `xml:"dnsEntrySet>item"`
	NetworkLoadBalancerARNs []string `xml:"networkLoadBalancerArnSet>item"`
	GatewayLoadBalancerARNs []string `xml:"gatewayLoadBalancerArnSet>item"`
	IPAddressType           string   `xml:"ipAddressType"`
	VpcEndpointConnectionID string   `xml:"vpcEndpointConnectionId"`
	VpcEndpointRegion       string   `xml:"vpcEndpointRegion"`
	Tags                    []Tag    `xml:"tagSet>item"`
}

// apiGatewayAccounts are the accounts API Gateway connects from, by region,
// as its developer guide lists them for VPC links.
var apiGatewayAccounts = map[string]string{
	"us-east-1": "392220576650", "us-east-2": "718770453195", "us-west-1": "968246515281", "us-west-2": "109351309407",
	"ca-central-1": "796887884028", "eu-west-1": "631144002099", "eu-west-2": "544388816663", "eu-west-3": "061510835048",
	"eu-central-1": "474240146802", "eu-central-2": "166639821150", "eu-north-1": "394634713161", "eu-south-1": "753362059629",
	"eu-south-2": "359345898052", "ap-northeast-1": "969236854626", "ap-northeast-2": "020402002396", "ap-northeast-3": "360671645888",
	"ap-southeast-1": "195145609632", "ap-southeast-2": "798376113853", "ap-southeast-3": "652364314486", "ap-southeast-4": "849137399833",
	"ap-south-1": "507069717855", "ap-south-2": "644042651268", "ap-east-1": "174803364771", "sa-east-1": "287228555773",
	"me-south-1": "855739686837", "me-central-1": "614065512851", "cn-north-1": "643738280308", "cn-northwest-1": "020741727910",
}

func (s *Service) DescribeVpcEndpointConnections(ctx context.Context, in *DescribeVpcEndpointConnectionsInput) (*DescribeVpcEndpointConnectionsOutput, error) {
	if err := checkFilters(in.Filters, connectionFields(VpcEndpointConnection{})); err != nil {
		return nil, err
	}
	out := &DescribeVpcEndpointConnectionsOutput{}
	err := s.view(ctx, func(tx model.Tx) error {
		services, err := model.List[model.EndpointService](tx)
		if err != nil {
			return err
		}
		for _, es := range services {
			c, ok, err := connection(tx, es)
			if err != nil {
				return err
			}
			if !ok {
				continue
			}
			if match, err := matchFilters(in.Filters, connectionFields(c)); err != nil {
				return err
			} else if match {
				out.Connections = append(out.Connections, c)
			}
		}
		return nil
	})
	return out, err
}

// connection is API Gateway's connection to es, if es belongs to a VPC link
// and is available. Its ids derive from the service's, so they stay the same
// from one call to the next.
func connection(tx model.Tx, es *model.EndpointService) (VpcEndpointConnection, bool, error) {
	if es.ManagedBy == "" || es.State != "Available" {
		return VpcEndpointConnection{}, false, nil
	}
	suffix := strings.TrimPrefix(es.ID, "vpce-svc-")
	c := VpcEndpointConnection{
		ServiceID:               es.ID,
		VpcEndpointID:           "vpce-" + suffix,
		VpcEndpointOwner:        apiGatewayAccounts[tx.Region],
		VpcEndpointState:        "available",
		NetworkLoadBalancerARNs: es.NetworkLoadBalancers,
		IPAddressType:           "ipv4",
		VpcEndpointConnectionID: "vpce-con-" + suffix,
		VpcEndpointRegion:       tx.Region,
	}
	link, ok, err := model.Get[model.VpcLinkV1](tx, es.ManagedBy)
	if err != nil {
		return VpcEndpointConnection{}, false, err
	}
	if ok && !link.StatusSince.IsZero() {
		c.CreationTimestamp = timestamp(link.StatusSince)
	}
	return c, true, nil
}

func connectionFields(c VpcEndpointConnection) fields {
	return func(name string) ([]string, bool) {
		switch name {
		case "service-id":
			return []string{c.ServiceID}, true
		case "vpc-endpoint-id":
			return []string{c.VpcEndpointID}, true
		case "vpc-endpoint-owner":
			return []string{c.VpcEndpointOwner}, true
		case "vpc-endpoint-state":
			return []string{c.VpcEndpointState}, true
		case "vpc-endpoint-region":
			return []string{c.VpcEndpointRegion}, true
		case "ip-address-type":
			return []string{c.IPAddressType}, true
		}
		return nil, false
	}
}
