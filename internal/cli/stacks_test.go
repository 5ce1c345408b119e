package cli

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cfn "github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
)

// scriptedStack is a stack API whose events arrive on a script: each
// DescribeStacks call lets the next batch happen, and an event may also
// arrive between two pages of DescribeStackEvents, as on a busy server.
type scriptedStack struct {
	stackAPI // calls the watcher does not make panic
	id       string
	batches  [][]string // resource status of each event, per batch
	status   []cfntypes.StackStatus
	step     int
	events   []cfntypes.StackEvent // newest first
	pageSize int
	// arriveMidPage adds one event after the first page of each poll.
	arriveMidPage bool
	n             int
	deletes       int
}

func (s *scriptedStack) add(status string) {
	s.n++
	e := cfntypes.StackEvent{EventId: aws.String(strconv.Itoa(s.n)), StackId: aws.String(s.id),
		LogicalResourceId: aws.String(fmt.Sprintf("R%d", s.n)), ResourceType: aws.String("AWS::EC2::VPC"),
		ResourceStatus: cfntypes.ResourceStatus(status), Timestamp: aws.Time(time.Unix(int64(s.n), 0))}
	s.events = append([]cfntypes.StackEvent{e}, s.events...)
}

func (s *scriptedStack) DescribeStacks(ctx context.Context, in *cfn.DescribeStacksInput, _ ...func(*cfn.Options)) (*cfn.DescribeStacksOutput, error) {
	if s.step < len(s.batches) {
		for _, st := range s.batches[s.step] {
			s.add(st)
		}
	}
	status := s.status[min(s.step, len(s.status)-1)]
	s.step++
	return &cfn.DescribeStacksOutput{Stacks: []cfntypes.Stack{{StackId: aws.String(s.id), StackName: aws.String("net"), StackStatus: status}}}, nil
}

func (s *scriptedStack) DeleteStack(ctx context.Context, in *cfn.DeleteStackInput, _ ...func(*cfn.Options)) (*cfn.DeleteStackOutput, error) {
	s.deletes++
	return &cfn.DeleteStackOutput{}, nil
}

func (s *scriptedStack) DescribeStackEvents(ctx context.Context, in *cfn.DescribeStackEventsInput, _ ...func(*cfn.Options)) (*cfn.DescribeStackEventsOutput, error) {
	from := 0
	if in.NextToken != nil {
		from, _ = strconv.Atoi(*in.NextToken)
	}
	to := min(from+s.pageSize, len(s.events))
	out := &cfn.DescribeStackEventsOutput{StackEvents: append([]cfntypes.StackEvent(nil), s.events[from:to]...)}
	if to < len(s.events) {
		out.NextToken = aws.String(strconv.Itoa(to))
	}
	// Nothing arrives once the stack has ended.
	if from == 0 && s.arriveMidPage && s.step < len(s.status) {
		s.add("CREATE_IN_PROGRESS")
	}
	return out, nil
}

// Events are printed once each, oldest first, whatever the paging and
// however they arrive; the wait ends with the status that is not in
// progress, and the events an update finds are not its own.
func TestWatcherPrintsEachEventOnce(t *testing.T) {
	for _, midPage := range []bool{false, true} {
		t.Run(fmt.Sprintf("arriving mid-page %v", midPage), func(t *testing.T) {
			s := &scriptedStack{id: "arn:stack/net/1", pageSize: 2, arriveMidPage: midPage,
				batches: [][]string{{"CREATE_IN_PROGRESS"}, {"CREATE_IN_PROGRESS", "CREATE_COMPLETE", "CREATE_IN_PROGRESS", "CREATE_FAILED", "x"}, {}, {"ROLLBACK_COMPLETE"}},
				status:  []cfntypes.StackStatus{"CREATE_IN_PROGRESS", "CREATE_IN_PROGRESS", "ROLLBACK_IN_PROGRESS", "ROLLBACK_COMPLETE"}}
			// What was there before the operation is not printed.
			s.add("CREATE_COMPLETE")
			s.add("CREATE_COMPLETE")
			var out bytes.Buffer
			w := newWatcher(s, s.id, "net", &out, time.Millisecond)
			must(t, w.skipPast(context.Background()))
			st, err := w.wait(context.Background(), func(s cfntypes.StackStatus) bool { return !inProgress(s) })
			must(t, err)
			if st.StackStatus != "ROLLBACK_COMPLETE" {
				t.Fatalf("ended %s", st.StackStatus)
			}
			var got []int
			for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
				f := strings.Fields(line) // time, stack, status, logical id, type
				n, err := strconv.Atoi(strings.TrimPrefix(f[3], "R"))
				if err != nil {
					t.Fatalf("line %q", line)
				}
				got = append(got, n)
			}
			if len(got) != s.n-2 {
				t.Fatalf("printed events %v of %d after the first 2", got, s.n)
			}
			for i, n := range got {
				if n != i+3 {
					t.Fatalf("printed events %v, want 3..%d in order\n%s", got, s.n, out.String())
				}
			}
			// The summary names the one failed resource.
			if msg := w.failure(st); strings.Count(msg, "\n") != 1 || !strings.Contains(msg, "(AWS::EC2::VPC) CREATE_FAILED") {
				t.Fatalf("failure summary %q", msg)
			}
		})
	}
}

// A stack deleted while an update runs is deleted once the update ends:
// `down` waits past the update's end for the delete's.
func TestDownWaitsPastTheRunningOperation(t *testing.T) {
	s := &scriptedStack{id: "arn:stack/net/1", pageSize: 10,
		batches: [][]string{{}, {"UPDATE_COMPLETE"}, {"DELETE_IN_PROGRESS"}, {"DELETE_COMPLETE"}},
		status:  []cfntypes.StackStatus{"UPDATE_IN_PROGRESS", "UPDATE_COMPLETE", "DELETE_IN_PROGRESS", "DELETE_COMPLETE"}}
	s.add("UPDATE_IN_PROGRESS")
	var out bytes.Buffer
	st := &cfntypes.Stack{StackId: aws.String(s.id), StackStatus: "UPDATE_IN_PROGRESS"}
	must(t, downStack(context.Background(), s, st, "net", time.Millisecond, &out))
	if s.deletes != 1 || s.step != 4 || !strings.HasSuffix(out.String(), "DELETE_COMPLETE    R4 (AWS::EC2::VPC)\n") {
		t.Fatalf("%d deletes, %d looks at the stack, printed:\n%s", s.deletes, s.step, out.String())
	}
}

// Flags may come after the templates or stacks they apply to, as users
// type them; "--" ends the flags.
func TestParseInterleaved(t *testing.T) {
	for _, tc := range []struct {
		args      []string
		pos       []string
		parameter string
	}{
		{[]string{"a.yaml", "--parameter", "K=1", "b.yaml"}, []string{"a.yaml", "b.yaml"}, "K=1"},
		{[]string{"--parameter", "K=1", "a.yaml"}, []string{"a.yaml"}, "K=1"},
		{[]string{"a.yaml", "--", "--parameter", "b.yaml"}, []string{"a.yaml", "--parameter", "b.yaml"}, ""},
		{nil, nil, ""},
	} {
		fs := flag.NewFlagSet("up", flag.ContinueOnError)
		params := paramFlags{}
		fs.Var(params, "parameter", "")
		pos, err := parseInterleaved(fs, tc.args)
		must(t, err)
		got := ""
		for k, v := range params {
			got = k + "=" + v
		}
		if !slices.Equal(pos, tc.pos) || got != tc.parameter {
			t.Errorf("%q: positional %q, parameter %q; want %q, %q", tc.args, pos, got, tc.pos, tc.parameter)
		}
	}
}
