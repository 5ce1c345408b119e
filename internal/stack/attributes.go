package stack

import (
	"slices"
	"strings"
)

// Given lists the attributes each type's creator (internal/stack/provision)
// answers. Fn::GetAtt reads those; any other attribute the specification
// documents for the type is answered with the resource's resolved
// property of the same name (registry schemas list many readable
// properties as attributes: a VPC's CidrBlock, a balancer's Scheme), a
// dotted name reading a member of it; a template that reads one it
// neither gives nor sets is refused before anything is created.
var Given = map[string][]string{
	"AWS::EC2::VPC":                              {"CidrBlock", "CidrBlockAssociations", "DefaultNetworkAcl", "DefaultSecurityGroup", "Ipv6CidrBlocks", "VpcId"},
	"AWS::EC2::Subnet":                           {"AvailabilityZone", "AvailabilityZoneId", "CidrBlock", "Ipv6CidrBlocks", "NetworkAclAssociationId", "OutpostArn", "SubnetId", "VpcId"},
	"AWS::EC2::SecurityGroup":                    {"GroupId", "Id", "VpcId"},
	"AWS::EC2::SecurityGroupIngress":             {"Id"},
	"AWS::EC2::SecurityGroupEgress":              {"Id"},
	"AWS::EC2::NetworkInterface":                 {"Id", "PrimaryPrivateIpAddress", "SecondaryPrivateIpAddresses", "VpcId"},
	"AWS::EC2::RouteTable":                       {"RouteTableId"},
	"AWS::EC2::SubnetRouteTableAssociation":      {"Id"},
	"AWS::EC2::Route":                            {"CidrBlock"},
	"AWS::EC2::NetworkAcl":                       {"Id"},
	"AWS::EC2::NetworkAclEntry":                  {"Id"},
	"AWS::EC2::SubnetNetworkAclAssociation":      {"AssociationId"},
	"AWS::EC2::Instance":                         {"AvailabilityZone", "InstanceId", "PrivateDnsName", "PrivateIp", "PublicDnsName", "PublicIp", "VpcId"},
	"AWS::ElasticLoadBalancingV2::LoadBalancer":  {"CanonicalHostedZoneID", "DNSName", "LoadBalancerArn", "LoadBalancerFullName", "LoadBalancerName", "SecurityGroups"},
	"AWS::ElasticLoadBalancingV2::TargetGroup":   {"LoadBalancerArns", "TargetGroupArn", "TargetGroupFullName", "TargetGroupName"},
	"AWS::ElasticLoadBalancingV2::Listener":      {"ListenerArn"},
	"AWS::ElasticLoadBalancingV2::ListenerRule":  {"IsDefault", "RuleArn"},
	"AWS::ServiceDiscovery::PrivateDnsNamespace": {"Arn", "HostedZoneId", "Id"},
	"AWS::ServiceDiscovery::HttpNamespace":       {"Arn", "Id"},
	"AWS::ServiceDiscovery::Service":             {"Arn", "Id", "Name"},
	"AWS::ServiceDiscovery::Instance":            {"InstanceId"},
	"AWS::ApiGatewayV2::Api":                     {"ApiEndpoint", "ApiId"},
	"AWS::ApiGatewayV2::VpcLink":                 {"VpcLinkId"},
	"AWS::ApiGatewayV2::Integration":             {"IntegrationId"},
	"AWS::ApiGatewayV2::Route":                   {"RouteId"},
	"AWS::ApiGatewayV2::Authorizer":              {"AuthorizerId"},
	"AWS::ApiGatewayV2::Stage":                   {"Id"},
	"AWS::ApiGatewayV2::Deployment":              {"DeploymentId"},
	"AWS::ApiGateway::RestApi":                   {"RestApiId", "RootResourceId"},
	"AWS::ApiGateway::Resource":                  {"ResourceId"},
	"AWS::ApiGateway::Method":                    {},
	"AWS::ApiGateway::VpcLink":                   {"VpcLinkId"},
	"AWS::ApiGateway::Deployment":                {"DeploymentId"},
	"AWS::ApiGateway::Stage":                     {},
	"AWS::ApiGateway::ApiKey":                    {"APIKeyId"},
	"AWS::ApiGateway::UsagePlan":                 {"Id"},
	"AWS::ApiGateway::UsagePlanKey":              {"Id"},
	"AWS::ApiGateway::Model":                     {},
	"AWS::ApiGateway::RequestValidator":          {"RequestValidatorId"},
	"AWS::ApiGateway::Authorizer":                {"AuthorizerId"},
	"AWS::ApiGateway::GatewayResponse":           {"Id"},
	"AWS::SSM::Parameter":                        {"AllowedPattern", "DataType", "Description", "Name", "Tier", "Type", "Value"},
	"AWS::CDK::Metadata":                         {},
	"AWS::Lambda::Function":                      {"Arn"},
	"AWS::Lambda::Permission":                    {"Id"},
	"AWS::Lambda::Version":                       {"FunctionArn", "Version"},
	"AWS::Lambda::Alias":                         {"AliasArn"},
	"AWS::Lambda::EventInvokeConfig":             {},
}

// property reads the member of props an attribute names: its name, or a
// dotted path into an object property. found is false where the path
// ends early; a value standing for what a resource gives (unknown in a
// dry run) may hold any member, so it is found.
func property(props any, attr string) (v any, found bool) {
	v = props
	for _, name := range strings.Split(attr, ".") {
		switch m := v.(type) {
		case unknown:
			return v, true
		case map[string]any:
			if _, _, ok := intrinsic(m); ok {
				return v, true // a function that resolves to the object
			}
			if v, found = m[name]; !found {
				return nil, false
			}
			if _, none := v.(noValue); none {
				return nil, false
			}
		default:
			return nil, false
		}
	}
	return v, true
}

// attributeErr refuses an attribute the specification documents but that
// a resource would have no value for.
func attributeErr(name, typ, attr string) error {
	return evalErr("Template error: resource %s does not support attribute type %s in Fn::GetAtt: gatehouse gives %s no %s, and the resource sets no property of that name",
		name, attr, typ, attr)
}

// givenOrSet reports whether a resource of typ with props (a template's,
// or a dry run's) has a value for attr.
func givenOrSet(typ string, props any, attr string) bool {
	if slices.Contains(Given[typ], attr) {
		return true
	}
	_, ok := property(props, attr)
	return ok
}
