package provision

import (
	"context"
	"crypto/rand"
	"fmt"

	"gatehouse/internal/stack"
)

// AWS::CDK::Metadata is the resource CDK adds to every stack to report the
// constructs it used (its Analytics). It makes nothing, on AWS as here:
// creating it gives it an id, updating and deleting it do nothing.
func init() {
	creators["AWS::CDK::Metadata"] = func(context.Context, *SDK, stack.Target, string, props) (stack.Created, error) {
		return stack.Created{Ref: uuid()}, nil
	}
	updaters["AWS::CDK::Metadata"] = func(_ context.Context, _ *SDK, _ stack.Target, cur stack.Created, _, _ props) (stack.Created, error) {
		return cur, nil
	}
	deleters["AWS::CDK::Metadata"] = func(context.Context, *SDK, stack.Target, stack.Created, props) error { return nil }
}

// uuid is a random (version 4) UUID, the kind of id CloudFormation gives
// the resources it keeps itself.
func uuid() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
