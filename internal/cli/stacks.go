package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cfn "github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/smithy-go"
)

// stackAPI is the part of CloudFormation's API that `up` and `down` call;
// tests give them a fake to drive the event stream exactly.
type stackAPI interface {
	CreateStack(context.Context, *cfn.CreateStackInput, ...func(*cfn.Options)) (*cfn.CreateStackOutput, error)
	UpdateStack(context.Context, *cfn.UpdateStackInput, ...func(*cfn.Options)) (*cfn.UpdateStackOutput, error)
	DeleteStack(context.Context, *cfn.DeleteStackInput, ...func(*cfn.Options)) (*cfn.DeleteStackOutput, error)
	DescribeStacks(context.Context, *cfn.DescribeStacksInput, ...func(*cfn.Options)) (*cfn.DescribeStacksOutput, error)
	DescribeStackEvents(context.Context, *cfn.DescribeStackEventsInput, ...func(*cfn.Options)) (*cfn.DescribeStackEventsOutput, error)
}

// newStackAPI is how `up` and `down` reach a gatehouse; tests replace it.
var newStackAPI = func(cfg aws.Config) stackAPI { return cfn.NewFromConfig(cfg) }

// DefaultPollInterval is how often `up` and `down` ask for a stack's new
// events: the server is local, so often enough that progress reads as it
// happens, and each poll is two small calls.
const DefaultPollInterval = 500 * time.Millisecond

// apiMessage is the text of an AWS error without the SDK's wrapping, as
// CloudFormation wrote it (e.g. a ValidationError's message).
func apiMessage(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorMessage()
	}
	return err.Error()
}

// isStackMissing reports whether err is CloudFormation's answer for a
// stack name or id it does not know.
func isStackMissing(err error) bool {
	var ae smithy.APIError
	return errors.As(err, &ae) && ae.ErrorCode() == "ValidationError" &&
		strings.HasPrefix(ae.ErrorMessage(), "Stack with id ") && strings.HasSuffix(ae.ErrorMessage(), " does not exist")
}

// describeStack is one stack by name or id; nil, nil when there is none.
func describeStack(ctx context.Context, api stackAPI, nameOrID string) (*cfntypes.Stack, error) {
	out, err := api.DescribeStacks(ctx, &cfn.DescribeStacksInput{StackName: aws.String(nameOrID)})
	if isStackMissing(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if len(out.Stacks) == 0 {
		return nil, nil
	}
	return &out.Stacks[0], nil
}

// inProgress reports whether a stack status is an operation under way,
// including the cleanup that follows a finished update.
func inProgress(status cfntypes.StackStatus) bool {
	return strings.HasSuffix(string(status), "_IN_PROGRESS")
}

// watcher follows one stack's events: each poll prints the events not yet
// seen, oldest first, one line each.
type watcher struct {
	api      stackAPI
	id       string // the stack's id, which still answers once it is deleted
	name     string
	out      io.Writer
	interval time.Duration
	seen     map[string]bool
	// events are the ones this operation printed, oldest first.
	events []cfntypes.StackEvent
}

func newWatcher(api stackAPI, id, name string, out io.Writer, interval time.Duration) *watcher {
	return &watcher{api: api, id: id, name: name, out: out, interval: interval, seen: map[string]bool{}}
}

// skipPast marks the stack's events so far as seen, so that an update or
// a delete prints only its own.
func (w *watcher) skipPast(ctx context.Context) error {
	out, err := w.api.DescribeStackEvents(ctx, &cfn.DescribeStackEventsInput{StackName: aws.String(w.id)})
	if err != nil {
		return err
	}
	// Events come newest first: once one is seen, every older one is
	// behind it, so the newest is enough.
	for _, e := range out.StackEvents {
		w.seen[aws.ToString(e.EventId)] = true
	}
	return nil
}

// poll prints the events that arrived since the last poll.
func (w *watcher) poll(ctx context.Context) error {
	var fresh []cfntypes.StackEvent
	inPoll := map[string]bool{}
	var token *string
pages:
	for {
		out, err := w.api.DescribeStackEvents(ctx, &cfn.DescribeStackEventsInput{StackName: aws.String(w.id), NextToken: token})
		if err != nil {
			return err
		}
		for _, e := range out.StackEvents {
			id := aws.ToString(e.EventId)
			if w.seen[id] {
				break pages
			}
			// Events that arrive while paging push older ones onto the
			// next page, where they show up a second time.
			if !inPoll[id] {
				inPoll[id] = true
				fresh = append(fresh, e)
			}
		}
		if out.NextToken == nil || *out.NextToken == "" {
			break
		}
		token = out.NextToken
	}
	for i := len(fresh) - 1; i >= 0; i-- {
		e := fresh[i]
		w.seen[aws.ToString(e.EventId)] = true
		w.events = append(w.events, e)
		fmt.Fprintln(w.out, w.line(e))
	}
	return nil
}

// line is one event as a progress line: when, which stack, the status,
// the resource (logical id, type, physical id) and the reason.
func (w *watcher) line(e cfntypes.StackEvent) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: %-18s %s (%s)", aws.ToTime(e.Timestamp).Local().Format("15:04:05"), w.name,
		e.ResourceStatus, aws.ToString(e.LogicalResourceId), aws.ToString(e.ResourceType))
	if p := aws.ToString(e.PhysicalResourceId); p != "" && p != w.id && p != aws.ToString(e.LogicalResourceId) {
		b.WriteString(" " + p)
	}
	if r := aws.ToString(e.ResourceStatusReason); r != "" {
		b.WriteString(": " + r)
	}
	return b.String()
}

// wait prints the stack's events until its status is one that ended
// says ends the operation, and returns the stack as it ended: nil when it
// is gone (deleted stacks may no longer be described).
func (w *watcher) wait(ctx context.Context, ended func(cfntypes.StackStatus) bool) (*cfntypes.Stack, error) {
	tick := time.NewTicker(w.interval)
	defer tick.Stop()
	for {
		// The status first, then the events: once the status is final,
		// every event of the operation is already there to print.
		st, err := describeStack(ctx, w.api, w.id)
		if err != nil {
			return nil, err
		}
		if err := w.poll(ctx); err != nil && st != nil {
			return nil, err
		}
		if st == nil || ended(st.StackStatus) {
			return st, nil
		}
		select {
		case <-ctx.Done():
			return st, fmt.Errorf("interrupted while stack %s was %s; the operation carries on on the server", w.name, st.StackStatus)
		case <-tick.C:
		}
	}
}

// failure is what went wrong in the operation, for stderr: the stack's
// status and reason, then each failed resource with its logical id, type
// and the reason the service gave.
func (w *watcher) failure(st *cfntypes.Stack) string {
	var b strings.Builder
	fmt.Fprintf(&b, "stack %s: %s", w.name, st.StackStatus)
	if r := aws.ToString(st.StackStatusReason); r != "" {
		b.WriteString(": " + r)
	}
	for _, e := range w.events {
		if !strings.HasSuffix(string(e.ResourceStatus), "_FAILED") {
			continue
		}
		if aws.ToString(e.ResourceType) == "AWS::CloudFormation::Stack" && aws.ToString(e.PhysicalResourceId) == w.id {
			continue
		}
		fmt.Fprintf(&b, "\n  %s (%s) %s: %s", aws.ToString(e.LogicalResourceId), aws.ToString(e.ResourceType),
			e.ResourceStatus, aws.ToString(e.ResourceStatusReason))
	}
	return b.String()
}

// printStack writes a stack's final status and its outputs.
func printStack(out io.Writer, name string, st *cfntypes.Stack, note string) {
	fmt.Fprintf(out, "Stack %s: %s%s\n", name, st.StackStatus, note)
	for _, o := range st.Outputs {
		fmt.Fprintf(out, "  %s = %s\n", aws.ToString(o.OutputKey), aws.ToString(o.OutputValue))
	}
}
