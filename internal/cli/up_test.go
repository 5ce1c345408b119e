package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"gatehouse/internal/servertest"
)

const upTemplate = `Parameters:
  Cidr:
    Type: String
    Default: 10.9.0.0/16
Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Properties:
      CidrBlock: !Ref Cidr
  Group:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: !Sub "group of ${Vpc}"
      VpcId: !Ref Vpc
Outputs:
  VpcId:
    Value: !Ref Vpc
  Cidr:
    Value: !GetAtt Vpc.CidrBlock
`

func writeTemplate(t *testing.T, name, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestUpAgainstEndpoint(t *testing.T) {
	srv := servertest.Start(t)
	file := writeTemplate(t, "net.yaml", upTemplate)
	var stdout, stderr bytes.Buffer
	code := Main([]string{"up", "--endpoint", srv.URL(), "--parameter", "Cidr=10.7.0.0/16", file}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	out := stdout.String()
	if !strings.Contains(out, "Stack net: 2 resources") || !strings.Contains(out, "Cidr = 10.7.0.0/16") || !strings.Contains(out, "VpcId = vpc-") {
		t.Fatalf("output:\n%s", out)
	}
	vpcs, err := srv.EC2().DescribeVpcs(context.Background(), &ec2.DescribeVpcsInput{Filters: []ec2types.Filter{{Name: aws.String("is-default"), Values: []string{"false"}}}})
	if err != nil || len(vpcs.Vpcs) != 1 {
		t.Fatalf("vpcs %v, %v", vpcs, err)
	}
}

// A mistake in the second template stops `up` before the first is
// deployed.
func TestUpChecksEveryTemplateFirst(t *testing.T) {
	// No default VPC, so that "nothing deployed" sees every VPC.
	srv := servertest.Start(t, servertest.NoDefaultVpc())
	good := writeTemplate(t, "good.yaml", upTemplate)
	bad := writeTemplate(t, "bad.yaml", "Resources:\n  Topic:\n    Type: AWS::SNS::Topic\n")
	var stdout, stderr bytes.Buffer
	if code := Main([]string{"up", "--endpoint", srv.URL(), good, bad}, &stdout, &stderr); code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	if msg := stderr.String(); !strings.Contains(msg, "bad.yaml:2: Template format error: Unrecognized resource types: [AWS::SNS::Topic]") {
		t.Fatalf("stderr: %s", msg)
	}
	vpcs, _ := srv.EC2().DescribeVpcs(context.Background(), &ec2.DescribeVpcsInput{})
	if len(vpcs.Vpcs) != 0 {
		t.Fatalf("created %d VPCs", len(vpcs.Vpcs))
	}
	if code := Main([]string{"up", "--endpoint", srv.URL(), "--parameter", "Nope=1", good}, &stdout, &stderr); code != 2 {
		t.Fatalf("an undeclared parameter: exit %d, want 2", code)
	}
}

// stopAfterOutputs cancels `up` once it has printed a stack, as an
// interrupt would.
type stopAfterOutputs struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	cancel context.CancelFunc
}

func (s *stopAfterOutputs) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if bytes.HasPrefix(p, []byte("Stack ")) {
		s.cancel()
	}
	return s.buf.Write(p)
}

func TestUpServesInProcess(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	old := upContext
	upContext = func() (context.Context, context.CancelFunc) { return ctx, cancel }
	defer func() { upContext = old }()
	stdout := &stopAfterOutputs{cancel: cancel}
	var stderr bytes.Buffer
	file := writeTemplate(t, "net.yaml", upTemplate)
	code := Main([]string{"up", "--in-memory", "--listen", "127.0.0.1:0", file}, stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(stdout.buf.String(), "Stack net: 2 resources") || !strings.Contains(stderr.String(), "serving on http://127.0.0.1:") {
		t.Fatalf("stdout:\n%s\nstderr:\n%s", stdout.buf.String(), stderr.String())
	}
}
