package provision

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/servicediscovery"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"gatehouse/internal/stack"
)

// SDK provisions resources by calling the AWS APIs with aws-sdk-go-v2
// clients, exactly as any other client of gatehouse would.
type SDK struct {
	EC2   *ec2.Client
	ELB   *elb.Client
	APIGW *apigateway.Client
	HTTP  *apigatewayv2.Client
	// CloudMap is AWS Cloud Map (servicediscovery).
	CloudMap *servicediscovery.Client
	// SSM is Systems Manager's Parameter Store.
	SSM *ssm.Client
	// Lambda makes functions, their versions, aliases and permissions.
	Lambda *lambda.Client
	// Account answers AWS::AccountId (gatehouse's default account).
	Account string
	// LinkTimeout bounds the wait for a VPC link to become AVAILABLE.
	LinkTimeout time.Duration
	// PollEvery is the pause between looks at a provisioning VPC link.
	PollEvery time.Duration
	// DependencyWait bounds the retries of a delete that a dependent
	// resource still blocks (DependencyViolation, ResourceInUse).
	DependencyWait time.Duration

	region    string
	zonesOnce sync.Once
	zones     []string
	zonesErr  error
}

// EndpointConfig is an SDK configuration for a gatehouse at url. gatehouse
// accepts any credentials, so fixed ones keep `up` from needing a profile.
func EndpointConfig(url, region string) aws.Config {
	return aws.Config{
		Region:       region,
		Credentials:  credentials.NewStaticCredentialsProvider("gatehouse", "gatehouse", ""),
		BaseEndpoint: aws.String(url),
	}
}

// NewSDK makes the clients from one configuration. The aws:cloudformation:
// tags it puts on what it makes are accepted only when cfg carries the
// server's engine key (gatehouse's Server.EngineConfig); from any other
// client AWS refuses them, and so does gatehouse.
func NewSDK(cfg aws.Config) *SDK {
	return &SDK{
		EC2: ec2.NewFromConfig(cfg), ELB: elb.NewFromConfig(cfg),
		APIGW: apigateway.NewFromConfig(cfg), HTTP: apigatewayv2.NewFromConfig(cfg),
		CloudMap: servicediscovery.NewFromConfig(cfg),
		SSM:      ssm.NewFromConfig(cfg),
		Lambda:   lambda.NewFromConfig(cfg),
		Account:  "000000000000", LinkTimeout: 10 * time.Minute, PollEvery: 200 * time.Millisecond,
		DependencyWait: time.Minute,
		region:         cfg.Region,
	}
}

// Region implements Provisioner.
func (s *SDK) Region() string { return s.region }

// AccountID implements Provisioner.
func (s *SDK) AccountID() string { return s.Account }

// Zones implements Provisioner, asking EC2 once.
func (s *SDK) Zones(ctx context.Context) ([]string, error) {
	s.zonesOnce.Do(func() {
		out, err := s.EC2.DescribeAvailabilityZones(ctx, &ec2.DescribeAvailabilityZonesInput{})
		if err != nil {
			s.zonesErr = err
			return
		}
		for _, z := range out.AvailabilityZones {
			s.zones = append(s.zones, aws.ToString(z.ZoneName))
		}
	})
	return s.zones, s.zonesErr
}

// creator makes a resource; name is the physical name to use when the
// template names none.
type creator func(ctx context.Context, s *SDK, t stack.Target, name string, p props) (stack.Created, error)

// updater changes a resource in place from old to new properties.
type updater func(ctx context.Context, s *SDK, t stack.Target, cur stack.Created, old, new props) (stack.Created, error)

// deleter removes a resource; one already gone is not an error.
type deleter func(ctx context.Context, s *SDK, t stack.Target, cur stack.Created, p props) error

// One function per type in stack.Specs, registered by each service's file.
var (
	creators = map[string]creator{}
	updaters = map[string]updater{}
	deleters = map[string]deleter{}
)

// Create implements Provisioner.
func (s *SDK) Create(ctx context.Context, t stack.Target, p map[string]any) (stack.Created, error) {
	c, ok := creators[t.Type]
	if !ok {
		return stack.Created{}, fmt.Errorf("unsupported resource type %s", t.Type)
	}
	made, err := c(ctx, s, t, physicalName(t), props(p))
	if err != nil && made.Ref != "" {
		// The resource exists but is not what the template says: take it
		// away, so that a failed creation leaves nothing behind.
		if d, ok := deleters[t.Type]; ok {
			if derr := d(ctx, s, t, made, props(p)); derr != nil {
				err = fmt.Errorf("%w (and deleting %s again: %v)", err, made.Ref, derr)
			}
		}
		return stack.Created{}, err
	}
	return made, err
}

// Update implements Provisioner.
func (s *SDK) Update(ctx context.Context, t stack.Target, cur stack.Created, old, new map[string]any) (stack.Created, error) {
	u, ok := updaters[t.Type]
	if !ok {
		return stack.Created{}, fmt.Errorf("updating %s in place is not supported", t.Type)
	}
	return u(ctx, s, t, cur, props(old), props(new))
}

// Delete implements Provisioner.
func (s *SDK) Delete(ctx context.Context, t stack.Target, cur stack.Created, p map[string]any) error {
	d, ok := deleters[t.Type]
	if !ok {
		return fmt.Errorf("deleting %s is not supported", t.Type)
	}
	return d(ctx, s, t, cur, props(p))
}

// nameLimits holds the length limit of the names a type takes, where
// it is below 255.
var nameLimits = map[string]int{}

// suffixChars make the random end of a generated name.
const suffixChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

// physicalName is the name CloudFormation generates for a resource whose
// template names none: the stack name, the logical id and 13 random
// upper-case letters and digits, so that a replacement, made before the
// resource it replaces is deleted, never collides with it. Where a type
// allows 32 characters or fewer (load balancers, target groups) the stack
// name is cut to 6 characters and the logical id to 5, as CloudFormation's
// names show; elsewhere both are cut evenly as far as the limit needs.
func physicalName(t stack.Target) string {
	stackName, logical := nameChars(t.StackName), nameChars(t.LogicalID)
	limit := nameLimits[t.Type]
	if limit == 0 {
		limit = 255
	}
	if limit <= 32 {
		stackName, logical = cut(stackName, 6), cut(logical, 5)
	} else if budget := limit - 13 - 2; len(stackName)+len(logical) > budget {
		keep := max(budget/2, budget-len(stackName))
		logical = cut(logical, keep)
		stackName = cut(stackName, budget-len(logical))
	}
	var b strings.Builder
	for _, part := range []string{stackName, logical} {
		if part != "" {
			b.WriteString(part)
			b.WriteByte('-')
		}
	}
	for range 13 {
		b.WriteByte(suffixChars[rand.IntN(len(suffixChars))])
	}
	return b.String()
}

// nameChars keeps the letters, digits and hyphens names allow.
func nameChars(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < 128 && (r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			b.WriteRune(r)
		}
	}
	return strings.Trim(b.String(), "-")
}

// cut shortens s to n bytes, never leaving a hyphen at its end.
func cut(s string, n int) string {
	if len(s) > n {
		s = s[:n]
	}
	return strings.TrimRight(s, "-")
}

// without copies p minus the named keys, for properties decoded into an
// API shape whose other members match CloudFormation's names.
func without(p props, keys ...string) map[string]any {
	out := map[string]any{}
	for k, v := range p {
		out[k] = v
	}
	for _, k := range keys {
		delete(out, k)
	}
	return out
}

// poll calls done until it reports true, an error, or the timeout.
func (s *SDK) poll(ctx context.Context, what string, done func() (bool, error)) error {
	ctx, cancel := context.WithTimeout(ctx, s.LinkTimeout)
	defer cancel()
	for {
		ok, err := done()
		if err != nil || ok {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s: gave up after %s", what, s.LinkTimeout)
		case <-time.After(s.PollEvery):
		}
	}
}
