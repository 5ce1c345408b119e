// Package cli is gatehouse's command line: flags and output only. Each
// subcommand hands its work to the composition root or a library package.
package cli

import (
	"fmt"
	"io"
)

const usage = `gatehouse: Amazon API Gateway with working private integrations.

Usage:
  gatehouse serve [flags]    run the server (gatehouse serve -h for flags)
  gatehouse up [flags] TEMPLATE...
                             create or update a CloudFormation stack from each template,
                             printing its events and Outputs (up -h)
  gatehouse down [flags] STACK...
                             delete stacks, printing their events (down -h)
  gatehouse cost [flags]     price a private integration per month, three ways (cost -h)
  gatehouse explain [--endpoint URL] [--output text|json|dot|mermaid] API_ID [ROUTE_OR_PATH]
                             the hop-by-hop path of a route, with each security-group
                             decision; exits 1 when the path is broken (explain -h)
  gatehouse echo [--listen ADDR] [--name N]
                             a backend that answers with the request it received, as JSON
  gatehouse version          print the version
`

// Version is the release, set at build time with -ldflags "-X gatehouse/internal/cli.Version=...".
var Version = "dev"

// Main runs the command line and returns the exit code.
func Main(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "serve":
		return serve(args[1:], stderr)
	case "up":
		return upCmd(args[1:], stdout, stderr)
	case "down":
		return downCmd(args[1:], stdout, stderr)
	case "cost":
		return costCmd(args[1:], stdout, stderr)
	case "explain":
		return explainCmd(args[1:], stdout, stderr)
	case "echo":
		return echoCmd(args[1:], stderr)
	case "version":
		fmt.Fprintln(stdout, "gatehouse", Version)
		return 0
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "gatehouse: unknown command %q\n\n%s", args[0], usage)
	return 2
}
