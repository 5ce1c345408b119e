package dataplane_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"gatehouse/internal/model"
)

// A lambda target ends the path at its function: no address, no hop
// after the ALB's node, and a note that the ALB invokes it.
func TestExplainLambdaTarget(t *testing.T) {
	p := newPrivateALB(t)
	p.api(t, model.LinkAvailable, 30000, nil)
	const fn = "arn:aws:lambda:us-east-1:000000000000:function:pets"
	tg, err := p.elb.CreateTargetGroup(ctx, &elb.CreateTargetGroupInput{Name: aws.String("pets"), TargetType: types.TargetTypeEnumLambda})
	must(t, err)
	arn := aws.ToString(tg.TargetGroups[0].TargetGroupArn)
	must(t, model.Update(p.srv.Store(), "000000000000", "us-east-1", func(tx model.Tx) error {
		return model.Put(tx, &model.Function{Name: "pets", ARN: fn, Config: model.FunctionConfig{Version: "$LATEST", State: "Active"},
			Policy: []model.PermissionStatement{{Sid: "elb", Action: "lambda:InvokeFunction", Principal: "elasticloadbalancing.amazonaws.com", SourceArn: arn}}})
	}))
	_, err = p.elb.RegisterTargets(ctx, &elb.RegisterTargetsInput{TargetGroupArn: &arn, Targets: []types.TargetDescription{{Id: aws.String(fn)}}})
	must(t, err)
	_, err = p.elb.ModifyListener(ctx, &elb.ModifyListenerInput{ListenerArn: &p.listener,
		DefaultActions: []types.Action{{Type: types.ActionTypeEnumForward, TargetGroupArn: &arn}}})
	must(t, err)

	code, rep := p.explainVia(t, url.Values{"api": {"api0000001"}})
	if code != 200 || !rep.OK || len(rep.Paths) != 1 || rep.Paths[0].Balancer == nil || len(rep.Paths[0].Balancer.Pools) != 1 {
		t.Fatalf("explain: %d %+v", code, rep)
	}
	pa := rep.Paths[0]
	if ts := pa.Balancer.Pools[0].Targets; len(ts) != 1 || ts[0].Function != fn || ts[0].Real != "" || ts[0].Port != 0 {
		t.Fatalf("targets: %+v", ts)
	}
	for _, h := range pa.Hops {
		if strings.HasPrefix(h.From, "node ") {
			t.Errorf("a hop after the ALB's node: %+v", h)
		}
	}
	noted := false
	for _, n := range pa.Notes {
		noted = noted || strings.Contains(n, "invokes Lambda function "+fn)
	}
	if !noted {
		t.Errorf("notes %q do not say the ALB invokes the function", pa.Notes)
	}
}
