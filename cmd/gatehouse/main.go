// Command gatehouse is Amazon API Gateway with working private integrations,
// in one binary. See `gatehouse help`.
package main

import (
	"os"

	"gatehouse/internal/cli"
)

func main() { os.Exit(cli.Main(os.Args[1:], os.Stdout, os.Stderr)) }
