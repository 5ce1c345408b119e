package provision

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/smithy-go"
)

// errorCode is the AWS error code of an API error, or "".
func errorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// gone reports whether err says the resource does not exist: a delete
// that finds nothing has nothing left to do. Every service names its
// codes ...NotFound (EC2: Invalid<Thing>ID.NotFound; ELBv2:
// LoadBalancerNotFound; Cloud Map: ServiceNotFound, NamespaceNotFound).
func gone(err error) bool {
	code := errorCode(err)
	return strings.HasSuffix(code, "NotFound") || strings.HasSuffix(code, "NotFoundException")
}

// blocked reports whether err says another resource still depends on
// the one being deleted, which goes away by itself once that one is
// deleted: an ENI a deleted load balancer or VPC link leaves behind for a
// while, a target group whose listener is being deleted.
func blocked(err error) bool {
	switch errorCode(err) {
	case "DependencyViolation", "ResourceInUse", "ResourceInUseException", "InvalidNetworkInterface.InUse":
		return true
	}
	return false
}

// remove calls del until it succeeds, finds the resource gone, or fails
// with something other than a dependency that may still go away. As
// CloudFormation does, a delete blocked by dependents is retried for a
// while (DependencyWait) before the error is reported.
func (s *SDK) remove(ctx context.Context, what string, del func() error) error {
	wait := s.DependencyWait
	if wait <= 0 {
		wait = time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	pause := s.PollEvery
	if pause <= 0 {
		pause = 200 * time.Millisecond
	}
	for {
		err := del()
		switch {
		case err == nil || gone(err):
			return nil
		case !blocked(err):
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("deleting %s: still in use after %s: %w", what, wait, err)
		case <-time.After(pause):
		}
	}
}
