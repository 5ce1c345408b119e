package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cfn "github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
)

func downCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("down", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: gatehouse down [flags] STACK...\n\n"+
			"Deletes each stack through gatehouse's CloudFormation API, printing its events as they\n"+
			"happen, and waits until it is DELETE_COMPLETE. Without --endpoint it opens the data\n"+
			"directory with a gatehouse of its own, which stops when the stacks are gone.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	var sf serverFlags
	// Its own gatehouse serves only itself, on any free port.
	sf.register(fs, "127.0.0.1:0")
	names, err := parseInterleaved(fs, args)
	if err != nil {
		return 2
	}
	if len(names) == 0 {
		fmt.Fprintln(stderr, "gatehouse down: name at least one stack")
		fs.Usage()
		return 2
	}
	ctx, stop := upContext()
	defer stop()
	api, srv, err := sf.start(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "gatehouse down: %v\n", err)
		return 1
	}
	if srv != nil {
		defer srv.Close()
	}
	for _, name := range names {
		st, err := describeStack(ctx, api, name)
		if err == nil && st == nil {
			err = fmt.Errorf("Stack with id %s does not exist", name)
		}
		if err == nil {
			err = downStack(ctx, api, st, name, sf.poll, stderr)
		}
		if err != nil {
			fmt.Fprintf(stderr, "gatehouse down: %s\n", apiMessage(err))
			return 1
		}
		fmt.Fprintf(stdout, "Stack %s: %s\n", name, cfntypes.StackStatusDeleteComplete)
	}
	if srv != nil {
		shutdown, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := srv.Shutdown(shutdown); err != nil {
			fmt.Fprintf(stderr, "gatehouse down: shutdown: %v\n", err)
			return 1
		}
	}
	return 0
}

// downStack deletes st and waits until it is gone, printing the events of
// the delete.
func downStack(ctx context.Context, api stackAPI, st *cfntypes.Stack, name string, poll time.Duration, stderr io.Writer) error {
	w := newWatcher(api, aws.ToString(st.StackId), name, stderr, poll)
	if err := w.skipPast(ctx); err != nil {
		return err
	}
	if st.StackStatus != cfntypes.StackStatusDeleteInProgress {
		if _, err := api.DeleteStack(ctx, &cfn.DeleteStackInput{StackName: st.StackId}); err != nil {
			return err
		}
	}
	// A delete asked for while another operation runs starts when that
	// one ends, so only a delete's own end is the end.
	end, err := w.wait(ctx, func(s cfntypes.StackStatus) bool {
		return s == cfntypes.StackStatusDeleteComplete || s == cfntypes.StackStatusDeleteFailed
	})
	if err != nil {
		return err
	}
	if end != nil && end.StackStatus != cfntypes.StackStatusDeleteComplete {
		return fmt.Errorf("%s", w.failure(end))
	}
	return nil
}
