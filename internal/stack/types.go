package stack

// Types lists the resource types Deploy knows, with the attributes Fn::GetAtt
// may read from each, as CloudFormation documents them. Check refuses any
// other type or attribute before anything is created.
var Types = map[string][]string{
	"AWS::EC2::VPC":                  {"CidrBlock", "DefaultSecurityGroup", "VpcId"},
	"AWS::EC2::Subnet":               {"AvailabilityZone", "CidrBlock", "SubnetId", "VpcId"},
	"AWS::EC2::SecurityGroup":        {"GroupId", "VpcId"},
	"AWS::EC2::SecurityGroupIngress": {"Id"},
	"AWS::EC2::SecurityGroupEgress":  {"Id"},
	"AWS::EC2::NetworkInterface":     {"Id", "PrimaryPrivateIpAddress", "SecondaryPrivateIpAddresses"},

	"AWS::ElasticLoadBalancingV2::LoadBalancer": {"CanonicalHostedZoneID", "DNSName", "LoadBalancerArn",
		"LoadBalancerFullName", "LoadBalancerName", "SecurityGroups"},
	"AWS::ElasticLoadBalancingV2::TargetGroup":  {"LoadBalancerArns", "TargetGroupArn", "TargetGroupFullName", "TargetGroupName"},
	"AWS::ElasticLoadBalancingV2::Listener":     {"ListenerArn"},
	"AWS::ElasticLoadBalancingV2::ListenerRule": {"RuleArn"},

	"AWS::ServiceDiscovery::PrivateDnsNamespace": {"Arn", "HostedZoneId", "Id"},
	"AWS::ServiceDiscovery::HttpNamespace":       {"Arn", "Id"},
	"AWS::ServiceDiscovery::Service":             {"Arn", "Id", "Name"},
	"AWS::ServiceDiscovery::Instance":            {},

	"AWS::ApiGatewayV2::Api":         {"ApiEndpoint", "ApiId"},
	"AWS::ApiGatewayV2::VpcLink":     {"VpcLinkId"},
	"AWS::ApiGatewayV2::Integration": {"IntegrationId"},
	"AWS::ApiGatewayV2::Route":       {"RouteId"},
	"AWS::ApiGatewayV2::Stage":       {},
	"AWS::ApiGatewayV2::Deployment":  {"DeploymentId"},

	"AWS::ApiGateway::RestApi":    {"RestApiId", "RootResourceId"},
	"AWS::ApiGateway::Resource":   {"ResourceId"},
	"AWS::ApiGateway::Method":     {},
	"AWS::ApiGateway::VpcLink":    {"VpcLinkId"},
	"AWS::ApiGateway::Deployment": {"DeploymentId"},
	"AWS::ApiGateway::Stage":      {},
}

// pseudo are the pseudo parameters a template may Ref.
var pseudo = map[string]bool{
	"AWS::Region": true, "AWS::AccountId": true, "AWS::StackName": true, "AWS::StackId": true,
	"AWS::Partition": true, "AWS::URLSuffix": true, "AWS::NoValue": true,
}
