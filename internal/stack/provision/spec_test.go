package provision

import (
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/aws-sdk-go-v2/service/servicediscovery"

	"gatehouse/internal/stack"
)

// TestEverySpecHasACreator checks that the types a template may use (those
// stack.Specs documents, which Check accepts) are exactly those the
// provisioner can create and delete: a type with a spec and no creator
// would pass every check and then fail halfway through a stack, one that
// cannot be deleted would be left behind by a rollback, and a creator with
// no spec could never be reached.
func TestEverySpecHasACreator(t *testing.T) {
	for _, typ := range slices.Sorted(maps.Keys(stack.Specs)) {
		if creators[typ] == nil {
			t.Errorf("%s has a spec but no creator", typ)
		}
		if deleters[typ] == nil {
			t.Errorf("%s has a spec but no deleter", typ)
		}
	}
	for _, typ := range slices.Sorted(maps.Keys(creators)) {
		if stack.Specs[typ] == nil {
			t.Errorf("%s has a creator but no spec", typ)
		}
	}
}

// decoded is a property value a creator decodes by name into an SDK shape
// (see decode): the resource type, the path to the value (none: all the
// properties), the shape, and the members the creator reads itself.
type decoded struct {
	typ  string
	path []string
	into any
	own  []string
}

var decodedProperties = []decoded{
	{"AWS::EC2::Route", nil, ec2.CreateRouteInput{}, nil},
	{"AWS::EC2::NetworkAclEntry", nil, ec2.CreateNetworkAclEntryInput{}, []string{"Icmp"}},
	{"AWS::EC2::NetworkAclEntry", []string{"Icmp"}, ec2types.IcmpTypeCode{}, nil},
	{"AWS::EC2::Instance", nil, ec2.RunInstancesInput{}, []string{"AvailabilityZone", "NetworkInterfaces", "BlockDeviceMappings", "SourceDestCheck"}},
	{"AWS::EC2::Instance", []string{"NetworkInterfaces"}, ec2types.InstanceNetworkInterfaceSpecification{}, []string{"GroupSet"}},
	{"AWS::EC2::Instance", []string{"BlockDeviceMappings"}, ec2types.BlockDeviceMapping{}, []string{"NoDevice"}},
	{"AWS::ElasticLoadBalancingV2::LoadBalancer", nil, elb.CreateLoadBalancerInput{}, []string{"LoadBalancerAttributes", "EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic"}},
	{"AWS::ElasticLoadBalancingV2::TargetGroup", nil, elb.CreateTargetGroupInput{}, []string{"Targets", "TargetGroupAttributes"}},
	{"AWS::ElasticLoadBalancingV2::TargetGroup", []string{"Targets"}, elbtypes.TargetDescription{}, nil},
	{"AWS::ElasticLoadBalancingV2::Listener", nil, elb.CreateListenerInput{}, []string{"ListenerAttributes"}},
	{"AWS::ElasticLoadBalancingV2::ListenerRule", nil, elb.CreateRuleInput{}, nil},
	{"AWS::ServiceDiscovery::PrivateDnsNamespace", nil, servicediscovery.CreatePrivateDnsNamespaceInput{}, nil},
	{"AWS::ServiceDiscovery::HttpNamespace", nil, servicediscovery.CreateHttpNamespaceInput{}, nil},
	{"AWS::ServiceDiscovery::Service", nil, servicediscovery.CreateServiceInput{}, nil},
	{"AWS::ServiceDiscovery::Instance", nil, servicediscovery.RegisterInstanceInput{}, []string{"InstanceAttributes"}},
	{"AWS::ApiGatewayV2::Api", nil, apigatewayv2.CreateApiInput{}, []string{"Body", "BasePath", "FailOnWarnings"}},
	{"AWS::ApiGatewayV2::VpcLink", nil, apigatewayv2.CreateVpcLinkInput{}, nil},
	{"AWS::ApiGatewayV2::Integration", nil, apigatewayv2.CreateIntegrationInput{}, []string{"ResponseParameters"}},
	{"AWS::ApiGatewayV2::Route", nil, apigatewayv2.CreateRouteInput{}, nil},
	{"AWS::ApiGatewayV2::Authorizer", nil, apigatewayv2.CreateAuthorizerInput{}, nil},
	{"AWS::ApiGatewayV2::Stage", nil, apigatewayv2.CreateStageInput{}, nil},
	{"AWS::ApiGatewayV2::Deployment", nil, apigatewayv2.CreateDeploymentInput{}, nil},
	{"AWS::ApiGateway::RestApi", nil, apigateway.CreateRestApiInput{}, []string{"ApiKeySourceType", "Policy", "Body", "FailOnWarnings", "Mode", "Parameters"}},
	{"AWS::ApiGateway::Resource", nil, apigateway.CreateResourceInput{}, nil},
	{"AWS::ApiGateway::Method", nil, apigateway.PutMethodInput{}, []string{"Integration", "MethodResponses"}},
	{"AWS::ApiGateway::Method", []string{"Integration"}, apigateway.PutIntegrationInput{}, []string{"IntegrationResponses"}},
	{"AWS::ApiGateway::Method", []string{"Integration", "IntegrationResponses"}, apigateway.PutIntegrationResponseInput{}, nil},
	{"AWS::ApiGateway::Method", []string{"MethodResponses"}, apigateway.PutMethodResponseInput{}, nil},
	{"AWS::ApiGateway::VpcLink", nil, apigateway.CreateVpcLinkInput{}, nil},
	{"AWS::ApiGateway::Deployment", nil, apigateway.CreateDeploymentInput{}, []string{"StageDescription"}},
	{"AWS::ApiGateway::Stage", nil, apigateway.CreateStageInput{}, []string{"MethodSettings", "AccessLogSetting"}},
	{"AWS::ApiGateway::Model", nil, apigateway.CreateModelInput{}, []string{"Schema"}},
	{"AWS::ApiGateway::RequestValidator", nil, apigateway.CreateRequestValidatorInput{}, nil},
	{"AWS::ApiGateway::Authorizer", nil, apigateway.CreateAuthorizerInput{}, nil},
	{"AWS::ApiGateway::GatewayResponse", nil, apigateway.PutGatewayResponseInput{}, nil},
}

// TestDocumentedMembersDecode checks that every name CloudFormation
// documents inside a value a creator decodes by name, down to any depth,
// has a member of the same name in the SDK's shape, or is refused in
// stack's unsupported_*.go: otherwise a template Check accepts would fail
// halfway through a stack with decode's "unknown property".
func TestDocumentedMembersDecode(t *testing.T) {
	for _, d := range decodedProperties {
		spec := stack.Specs[d.typ]
		if spec == nil {
			t.Errorf("%s: no spec", d.typ)
			continue
		}
		top := &stack.Shape{Members: map[string]*stack.Shape{}}
		for name, p := range spec.Properties {
			top.Members[name] = &p.Shape
		}
		s := top
		for _, name := range d.path {
			for s.Items != nil {
				s = s.Items
			}
			if s = s.Members[name]; s == nil {
				t.Fatalf("%s: no property %v", d.typ, d.path)
			}
		}
		for s.Items != nil {
			s = s.Items
		}
		own := map[string]bool{"Tags": true}
		for _, n := range d.own {
			own[n] = true
		}
		var bad []string
		for _, name := range slices.Sorted(maps.Keys(s.Members)) {
			m := s.Members[name]
			if own[name] || m.Unsupported != "" {
				continue
			}
			path := strings.Join(append(slices.Clone(d.path), name), "/")
			f, ok := reflect.TypeOf(d.into).FieldByNameFunc(func(n string) bool { return strings.EqualFold(n, name) })
			if !ok {
				bad = append(bad, path)
				continue
			}
			bad = append(bad, mismatches(path, m, f.Type)...)
		}
		if len(bad) > 0 {
			t.Errorf("%s: documented, neither decoded by name into %T nor refused: %s", d.typ, d.into, strings.Join(bad, ", "))
		}
	}
}

// mismatches lists the names under path that s documents and typ cannot
// hold.
func mismatches(path string, s *stack.Shape, typ reflect.Type) []string {
	if s.Unsupported != "" {
		return nil
	}
	for typ.Kind() == reflect.Pointer {
		typ = typ.Elem()
	}
	switch {
	case s.Items != nil && typ.Kind() == reflect.Slice:
		return mismatches(path+"/*", s.Items, typ.Elem())
	case s.Values != nil && typ.Kind() == reflect.Map:
		return mismatches(path+"/*", s.Values, typ.Elem())
	case s.Items != nil || s.Values != nil:
		return []string{path + " (" + typ.String() + ")"}
	case s.Members == nil:
		return nil
	}
	if typ.Kind() == reflect.Slice { // decode takes one object for a list of them
		typ = typ.Elem()
		for typ.Kind() == reflect.Pointer {
			typ = typ.Elem()
		}
	}
	if typ.Kind() != reflect.Struct {
		return []string{path + " (" + typ.String() + ")"}
	}
	var out []string
	for _, name := range slices.Sorted(maps.Keys(s.Members)) {
		f, ok := typ.FieldByNameFunc(func(n string) bool { return strings.EqualFold(n, name) })
		if !ok {
			if s.Members[name].Unsupported == "" {
				out = append(out, path+"/"+name)
			}
			continue
		}
		out = append(out, mismatches(path+"/"+name, s.Members[name], f.Type)...)
	}
	return out
}
