package dataplane_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"gatehouse/internal/model"
	"gatehouse/internal/store"
)

// restNLB adds the REST seed's network to the fixture: an internal NLB
// without security groups, whose two targets' group admits the NLB's
// subnets by CIDR.
func (p *privateALB) restNLB(t testing.TB) (nlbARN, backendGroup string, ruleIDs []string) {
	t.Helper()
	g, err := p.ec2.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("backend"), Description: aws.String("backend"), VpcId: aws.String(p.vpc)})
	must(t, err)
	backendGroup = aws.ToString(g.GroupId)
	tg, err := p.elb.CreateTargetGroup(ctx, &elb.CreateTargetGroupInput{Name: aws.String("rest"), Protocol: types.ProtocolEnumTcp, Port: aws.Int32(80),
		VpcId: aws.String(p.vpc), TargetType: types.TargetTypeEnumIp})
	must(t, err)
	var targets []types.TargetDescription
	var ports []int32
	for i, name := range []string{"rest-a", "rest-b"} {
		port := int32(echo(t, name))
		ip := fmt.Sprintf("10.0.%d.20", i+1)
		_, err := p.ec2.CreateNetworkInterface(ctx, &ec2.CreateNetworkInterfaceInput{SubnetId: aws.String(p.subnets[i]), PrivateIpAddress: aws.String(ip), Groups: []string{backendGroup}})
		must(t, err)
		targets = append(targets, types.TargetDescription{Id: aws.String(ip), Port: aws.Int32(port)})
		ports = append(ports, port)
	}
	_, err = p.elb.RegisterTargets(ctx, &elb.RegisterTargetsInput{TargetGroupArn: tg.TargetGroups[0].TargetGroupArn, Targets: targets})
	must(t, err)
	perm := ec2types.IpPermission{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(1024), ToPort: aws.Int32(65535),
		IpRanges: []ec2types.IpRange{{CidrIp: aws.String("10.0.1.0/24")}, {CidrIp: aws.String("10.0.2.0/24")}}}
	out, err := p.ec2.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: g.GroupId, IpPermissions: []ec2types.IpPermission{perm}})
	must(t, err)
	for _, r := range out.SecurityGroupRules {
		ruleIDs = append(ruleIDs, aws.ToString(r.SecurityGroupRuleId))
	}
	lb, err := p.elb.CreateLoadBalancer(ctx, &elb.CreateLoadBalancerInput{Name: aws.String("rest-nlb"), Type: types.LoadBalancerTypeEnumNetwork,
		Scheme: types.LoadBalancerSchemeEnumInternal, Subnets: p.subnets})
	must(t, err)
	_, err = p.elb.CreateListener(ctx, &elb.CreateListenerInput{LoadBalancerArn: lb.LoadBalancers[0].LoadBalancerArn, Protocol: types.ProtocolEnumTcp,
		Port: aws.Int32(80), DefaultActions: []types.Action{{Type: types.ActionTypeEnumForward, TargetGroupArn: tg.TargetGroups[0].TargetGroupArn}}})
	must(t, err)
	return aws.ToString(lb.LoadBalancers[0].LoadBalancerArn), backendGroup, ruleIDs
}

// restAPI writes a REST API with a {proxy+} resource, ANY, and the given
// integration, deployed to the given stages, straight into the model.
func (p *privateALB) restAPI(t testing.TB, integ *model.RestIntegration, stages map[string]map[string]string, extra ...model.Record) {
	t.Helper()
	_, err := p.srv.Store().Update(func(tx store.Tx) error {
		mt := model.Tx{Tx: tx, Account: "000000000000", Region: "us-east-1"}
		root := model.RestResource{APIID: "rest000001", ID: "root00", Path: "/"}
		proxy := model.RestResource{APIID: "rest000001", ID: "prox00", ParentID: "root00", PathPart: "{proxy+}", Path: "/{proxy+}",
			Methods: map[string]*model.RestMethod{"ANY": {HTTPMethod: "ANY", AuthorizationType: "NONE", Integration: integ}}}
		mock := model.RestResource{APIID: "rest000001", ID: "mock00", ParentID: "root00", PathPart: "health", Path: "/health",
			Methods: map[string]*model.RestMethod{"GET": {HTTPMethod: "GET", Integration: &model.RestIntegration{Type: "MOCK",
				RequestTemplates: map[string]string{"application/json": `{"statusCode": 200}`},
				IntegrationResponses: map[string]*model.RestIntegrationResponse{"200": {StatusCode: "200",
					ResponseTemplates: map[string]string{"application/json": `{"ok":true}`}}}}}}}
		recs := []model.Record{&model.RestAPI{ID: "rest000001", Name: "rest", RootResourceID: "root00"},
			&model.RestDeployment{APIID: "rest000001", ID: "rdep01", Resources: []model.RestResource{root, proxy, mock}}}
		for name, vars := range stages {
			recs = append(recs, &model.RestStage{APIID: "rest000001", Name: name, DeploymentID: "rdep01", Variables: vars})
		}
		for _, r := range append(recs, extra...) {
			if err := model.Put(mt, r); err != nil {
				return err
			}
		}
		return nil
	})
	must(t, err)
}

func (p *privateALB) restGet(t testing.TB, path string) (int, seen) {
	t.Helper()
	req := "GATEHOUSE/restapis/rest000001" + path
	code, s, _ := p.get(t, req)
	return code, s
}

func TestRestAPIThroughV1LinkAndNLB(t *testing.T) {
	p := newPrivateALB(t)
	nlb, group, rules := p.restNLB(t)
	link := &model.VpcLinkV1{ID: "v1link", Name: "nlb", TargetARNs: []string{nlb}, Status: model.LinkAvailable}
	p.restAPI(t, &model.RestIntegration{Type: "HTTP_PROXY", HTTPMethod: "ANY", ConnectionType: "VPC_LINK", ConnectionID: "v1link",
		URI: "http://rest-nlb.internal/{proxy}", TimeoutMillis: 29000}, map[string]map[string]string{"prod": nil}, link)

	seenBackends := map[string]bool{}
	for i := 0; i < 20; i++ {
		code, s := p.restGet(t, "/prod/_user_request_/pets/1")
		if code != 200 || s.Path != "/pets/1" || s.Header.Get("X-Amzn-Apigateway-Api-Id") != "rest000001" {
			t.Fatalf("through the v1 link: %d %+v", code, s)
		}
		seenBackends[s.Backend] = true
	}
	if !seenBackends["rest-a"] || !seenBackends["rest-b"] {
		t.Fatalf("both targets should serve: %v", seenBackends)
	}
	if code, s := p.restGet(t, "/prod/_user_request_/health"); code != 200 || s.Backend != "" {
		t.Fatalf("MOCK: %d %+v", code, s)
	}
	// Without the backends' rule for the NLB's subnets the flow is dropped:
	// API Gateway times out with its 504.
	_, err := p.ec2.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{GroupId: aws.String(group), SecurityGroupRuleIds: rules})
	must(t, err)
	if code, s := p.getDropped(t, "GATEHOUSE/restapis/rest000001/prod/_user_request_/pets/1", 29*time.Second); code != 504 || s.Backend != `{"message":"Endpoint request timed out"}` {
		t.Fatalf("with the rule revoked: %d %q", code, s.Backend)
	}
}

func TestRestAPIMisses(t *testing.T) {
	p := newPrivateALB(t)
	p.restAPI(t, &model.RestIntegration{Type: "MOCK"}, map[string]map[string]string{"prod": nil})
	// {proxy+} catches a deeper path; its MOCK has no integration response
	// to map the answer to, which AWS reports as a 500.
	if code, s := p.restGet(t, "/prod/_user_request_/health/deeper/x"); code != 500 || s.Backend != `{"message":"Internal server error"}` {
		t.Fatalf("greedy MOCK without responses: %d %q", code, s.Backend)
	}
	if code, s := p.restGet(t, "/nostage/_user_request_/x"); code != 403 {
		t.Fatalf("unknown stage: %d %q", code, s.Backend)
	}
	if code, s := p.restGet(t, "/prod/_user_request_/health"); code != 200 {
		t.Fatalf("health: %d %q", code, s.Backend)
	}
}

func TestRestAPIStageVariableLinksAndV2Target(t *testing.T) {
	p := newPrivateALB(t)
	nlb, _, _ := p.restNLB(t)
	albARN := p.albARN(t)
	v1 := &model.VpcLinkV1{ID: "v1link", Name: "nlb", TargetARNs: []string{nlb}, Status: model.LinkAvailable}
	v2 := p.linkV2(t)
	// One integration, two stages, two links: prod goes through the NLB,
	// beta straight to the ALB through a link V2.
	p.restAPI(t, &model.RestIntegration{Type: "HTTP_PROXY", HTTPMethod: "ANY", ConnectionType: "VPC_LINK", ConnectionID: "${stageVariables.vpcLinkId}",
		IntegrationTarget: albARN, URI: "http://backend.internal/{proxy}", TimeoutMillis: 29000},
		map[string]map[string]string{"prod": {"vpcLinkId": "v1link"}, "beta": {"vpcLinkId": v2.ID}}, v1, v2)
	if code, s := p.restGet(t, "/prod/_user_request_/a"); code != 200 || (s.Backend != "rest-a" && s.Backend != "rest-b") {
		t.Fatalf("prod through the v1 link: %d %+v", code, s)
	}
	if code, s := p.restGet(t, "/beta/_user_request_/a"); code != 200 || (s.Backend != "one" && s.Backend != "two") {
		t.Fatalf("beta through the link V2 to the ALB: %d %+v", code, s)
	}
}

func (p *privateALB) albARN(t testing.TB) string {
	out, err := p.elb.DescribeLoadBalancers(ctx, &elb.DescribeLoadBalancersInput{Names: []string{"alb"}})
	must(t, err)
	return aws.ToString(out.LoadBalancers[0].LoadBalancerArn)
}

// linkV2 makes a link V2 record with ENIs in both subnets.
func (p *privateALB) linkV2(t testing.TB) *model.VpcLink {
	link := &model.VpcLink{ID: "v2link", Name: "v2", VpcID: p.vpc, SubnetIDs: p.subnets, SecurityGroupIDs: []string{p.linkGroup},
		Status: model.LinkAvailable, Interfaces: map[string]string{}}
	_, err := p.srv.Store().Update(func(tx store.Tx) error {
		mt := model.Tx{Tx: tx, Account: "000000000000", Region: "us-east-1"}
		for i, sn := range p.subnets {
			eni := &model.NetworkInterface{ID: fmt.Sprintf("eni-v2l%d", i), SubnetID: sn, VpcID: p.vpc, PrivateIP: fmt.Sprintf("10.0.%d.60", i+1),
				AvailabilityZone: []string{"us-east-1a", "us-east-1b"}[i], Groups: []string{p.linkGroup}, RequesterManaged: true}
			link.Interfaces[sn] = eni.ID
			if err := model.Put(mt, eni); err != nil {
				return err
			}
		}
		return nil
	})
	must(t, err)
	return link
}
