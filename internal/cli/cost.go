package cli

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"gatehouse/internal/cost"
)

func costCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("cost", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: gatehouse cost --requests N [flags]\n\n"+
			"The monthly cost of an API's private integration, itemised, for an HTTP API\n"+
			"with a VPC link V2 and an ALB, a REST API with a VPC link v1 and an NLB, and a\n"+
			"REST API with a VPC link V2 and an ALB, side by side.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	var w cost.Workload
	fs.Float64Var(&w.Requests, "requests", 0, "requests per month (required; 1e8 is accepted)")
	fs.Float64Var(&w.RequestBytes, "request-bytes", 1024, "average request payload, bytes")
	fs.Float64Var(&w.ResponseBytes, "response-bytes", 10240, "average response payload, bytes")
	fs.Float64Var(&w.Hours, "hours", cost.DefaultHours, "billed hours in the month")
	fs.IntVar(&w.AZs, "azs", cost.DefaultAZs, "availability zones of the load balancer and the PrivateLink endpoint")
	fs.Float64Var(&w.NewConnsPerSec, "new-conns", 0, "new connections per second to the load balancer (0: one per request)")
	fs.Float64Var(&w.ActiveConns, "active-conns", 0, "concurrent connections to the load balancer (0: new connections/s × 1 s)")
	fs.Float64Var(&w.RuleEvalsPerSec, "rule-evals", 0, "ALB rule evaluations per second beyond the 10 free per request")
	region := fs.String("region", "us-east-1", "region whose prices to use")
	pricesFile := fs.String("prices", "", "prices file (JSON, the shape of internal/cost/prices.json); default: the built-in one")
	output := fs.String("output", "text", "text or json")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	switch {
	case fs.NArg() > 0:
		return costUsage(stderr, fmt.Sprintf("unexpected argument %q", fs.Arg(0)))
	case !given["requests"]:
		return costUsage(stderr, "--requests is required")
	case *output != "text" && *output != "json":
		return costUsage(stderr, fmt.Sprintf("--output must be text or json, not %q", *output))
	// Zero would silently mean "the default" to the cost package.
	case given["hours"] && w.Hours <= 0:
		return costUsage(stderr, "--hours must be more than 0")
	case given["azs"] && w.AZs <= 0:
		return costUsage(stderr, "--azs must be 1 or more")
	}

	prices, source, err := loadPrices(*pricesFile)
	if err != nil {
		fmt.Fprintf(stderr, "gatehouse cost: %v\n", err)
		return 1
	}
	if _, err := prices.Region(*region); err != nil {
		return costUsage(stderr, err.Error())
	}
	c, err := cost.Compare(prices, *region, w)
	if err != nil {
		return costUsage(stderr, err.Error())
	}
	if *output == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(struct {
			PricesFile string `json:"pricesFile"`
			cost.Comparison
		}{source, c}); err != nil {
			fmt.Fprintf(stderr, "gatehouse cost: %v\n", err)
			return 1
		}
		return 0
	}
	writeCost(stdout, c, source)
	return 0
}

func costUsage(stderr io.Writer, msg string) int {
	fmt.Fprintf(stderr, "gatehouse cost: %s\n(gatehouse cost -h for flags)\n", msg)
	return 2
}

func loadPrices(path string) (*cost.Prices, string, error) {
	if path == "" {
		p, err := cost.Default()
		return p, "built-in", err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, "", err
	}
	p, err := cost.Parse(data)
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", path, err)
	}
	return p, path, nil
}

func writeCost(out io.Writer, c cost.Comparison, source string) {
	w := c.Workload
	fmt.Fprintf(out, "gatehouse cost: %s, prices read %s (%s), USD per month\n", c.Region, c.PricesRead, source)
	fmt.Fprintf(out, "workload: %s requests, %s B in and %s B out each, %s h, %d AZs\n",
		decimal(w.Requests), decimal(w.RequestBytes), decimal(w.ResponseBytes), decimal(w.Hours), w.AZs)
	fmt.Fprintf(out, "          %.2f requests/s, %.2f GB processed; at the load balancer %.2f new connections/s, %.2f active, %s rule evaluations/s\n",
		w.RequestsPerSec(), w.ProcessedGB(), w.NewConnsPerSec, w.ActiveConns, decimal(w.RuleEvalsPerSec))

	var assumptions []string
	for _, e := range c.Estimates {
		fmt.Fprintf(out, "\n%s\n", e.Title)
		rows := [][]string{{"item", "quantity", "unit", "unit price", "cost"}}
		var notes []string
		for _, l := range e.Lines {
			price := "free"
			if l.UnitPrice > 0 {
				price = dollars(l.UnitPrice)
			}
			if l.Assumption != "" {
				price += " *"
				assumptions = appendNew(assumptions, l.Assumption)
			}
			rows = append(rows, []string{l.Item, decimal(l.Quantity), l.Unit, price, fmt.Sprintf("%.2f", l.Cost)})
			if l.Note != "" {
				notes = append(notes, l.Item+": "+l.Note)
			}
		}
		rows = append(rows, []string{"total", "", "", "", fmt.Sprintf("%.2f", e.Total)})
		table(out, rows, true)
		for _, n := range append(notes, e.Notes...) {
			fmt.Fprintf(out, "  - %s\n", n)
		}
	}

	fmt.Fprintf(out, "\nSide by side\n")
	head := []string{"architecture"}
	for _, g := range cost.Groups {
		head = append(head, string(g))
	}
	head = append(head, "total", "× cheapest")
	rows := [][]string{head}
	cheapest := c.Estimates[0].Total
	for _, e := range c.Estimates[1:] {
		cheapest = min(cheapest, e.Total)
	}
	for _, e := range c.Estimates {
		row := []string{e.Title}
		for _, g := range cost.Groups {
			row = append(row, fmt.Sprintf("%.2f", e.Subtotal(g)))
		}
		ratio := "-"
		if cheapest > 0 {
			ratio = fmt.Sprintf("%.2f", e.Total/cheapest)
		}
		rows = append(rows, append(row, fmt.Sprintf("%.2f", e.Total), ratio))
	}
	table(out, rows, false)
	fmt.Fprintln(out, "\nNot included: data transfer out to clients (the same for all three), the free tier, caching.")
	if len(assumptions) > 0 {
		fmt.Fprintln(out, "* assumed, not confirmed by the sources:")
		for _, a := range assumptions {
			fmt.Fprintf(out, "  - %s\n", a)
		}
	}
}

// table prints rows in columns: the first left-aligned, the rest right,
// since they are numbers. A totals row, when asked for, gets a rule above.
func table(out io.Writer, rows [][]string, totals bool) {
	width := make([]int, len(rows[0]))
	for _, r := range rows {
		for i, cell := range r {
			width[i] = max(width[i], len([]rune(cell)))
		}
	}
	for n, r := range rows {
		if totals && n == len(rows)-1 {
			fmt.Fprintf(out, "  %s\n", strings.Repeat("-", sum(width)+2*(len(width)-1)))
		}
		var b strings.Builder
		b.WriteString("  ")
		for i, cell := range r {
			pad := strings.Repeat(" ", width[i]-len([]rune(cell)))
			if i == 0 {
				b.WriteString(cell + pad)
			} else {
				// The unit column reads better beside its quantity, left-aligned.
				if i == 2 && totals {
					b.WriteString(" " + cell + pad)
					continue
				}
				b.WriteString("  " + pad + cell)
			}
		}
		fmt.Fprintln(out, strings.TrimRight(b.String(), " "))
	}
}

func sum(xs []int) int {
	s := 0
	for _, x := range xs {
		s += x
	}
	return s
}

func appendNew(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

// decimal prints a quantity with at most four decimals, no trailing zeros,
// and its thousands grouped, since request counts run to ten digits.
func decimal(v float64) string {
	s := strconv.FormatFloat(v, 'f', 4, 64)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	whole, frac, dot := strings.Cut(s, ".")
	sign := ""
	if strings.HasPrefix(whole, "-") {
		sign, whole = "-", whole[1:]
	}
	for i := len(whole) - 3; i > 0; i -= 3 {
		whole = whole[:i] + "," + whole[i:]
	}
	if dot {
		return sign + whole + "." + frac
	}
	return sign + whole
}

// dollars prints a unit price with at least cents and no more digits than
// the price has.
func dollars(v float64) string {
	s := strconv.FormatFloat(v, 'f', -1, 64)
	if i := strings.IndexByte(s, '.'); i < 0 {
		s += ".00"
	} else if len(s)-i < 3 {
		s += strings.Repeat("0", 3-(len(s)-i))
	}
	return "$" + s
}
