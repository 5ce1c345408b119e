package explain

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"gatehouse/internal/dataplane"
)

// graph is the topology both picture formats draw: boxes for route,
// integration, link, ENIs, balancer nodes and targets; plain edges for
// configuration, labelled edges for network hops.
type graph struct {
	nodes []string // labels; the index is the id
	ids   map[string]int
	edges []edge
	seen  map[[2]int]bool // configuration edges, drawn once
}

type edge struct {
	from, to int
	label    string
	denied   bool
	hop      bool
}

func (g *graph) node(label string) int {
	if id, ok := g.ids[label]; ok {
		return id
	}
	g.ids[label] = len(g.nodes)
	g.nodes = append(g.nodes, label)
	return len(g.nodes) - 1
}

func (g *graph) link(from, to string) {
	k := [2]int{g.node(from), g.node(to)}
	if !g.seen[k] {
		g.seen[k] = true
		g.edges = append(g.edges, edge{from: k[0], to: k[1]})
	}
}

func buildGraph(r *dataplane.Report) *graph {
	g := &graph{ids: map[string]int{}, seen: map[[2]int]bool{}}
	api := "API " + r.API + " (" + r.Type + ", stage " + r.Stage + ")"
	g.node(api)
	for i := range r.Paths {
		p := &r.Paths[i]
		route := "route " + p.Route
		g.link(api, route)
		integ := "integration " + strings.TrimSpace(p.Integration.ID+" "+p.Integration.Type)
		if p.Integration.ID == "" {
			integ += " of " + p.Route
		}
		g.link(route, integ)
		if !p.Integration.Private && p.Integration.Target != "" {
			g.link(integ, p.Integration.Target)
		}
		if l := p.Link; l != nil {
			link := "VPC link " + l.Kind + " " + l.ID + " " + l.Status
			g.link(integ, link)
			for _, e := range l.ENIs {
				g.link(link, e.Name)
			}
			if l.Kind == "v1" {
				g.link(link, "endpoint service "+l.EndpointService+" (PrivateLink)")
			}
		}
		if cm := p.CloudMap; cm != nil {
			svc := "Cloud Map service " + cm.Service
			g.link(integ, svc)
			for _, in := range cm.Instances {
				g.link(svc, "instance "+in.ID)
			}
		}
		if lb := p.Balancer; lb != nil {
			box := "load balancer " + lb.Name + " (" + lb.Type + ")"
			g.link(integ, box)
			for _, n := range lb.Nodes {
				g.link(box, n.Name)
			}
			for _, tg := range lb.Pools {
				tgName := "target group " + tg.Name
				if lb.Listener != nil && lb.Rule != nil {
					g.link(box, fmt.Sprintf("listener %s:%d rule %s", lb.Listener.Protocol, lb.Listener.Port, lb.Rule.Priority))
					g.link(fmt.Sprintf("listener %s:%d rule %s", lb.Listener.Protocol, lb.Listener.Port, lb.Rule.Priority), tgName)
				}
				for _, t := range tg.Targets {
					if t.ALB != "" {
						g.link(tgName, "alb "+t.ALB)
						continue
					}
					if t.Function != "" {
						g.link(tgName, "lambda "+t.Function)
						continue
					}
					g.link(tgName, "target "+t.ID+":"+strconv.Itoa(t.Port))
				}
			}
		}
		for _, h := range p.Hops {
			label := fmt.Sprintf("%s/%d %s", h.Protocol, h.Port, map[bool]string{true: "allow", false: "DENY"}[h.Verdict.Allowed])
			if d := deciding(h.Verdict, names(r.GroupNames)); d != "" {
				label += ": " + d
			} else if d := dropper(h); d != "" {
				label += ": " + d
			}
			g.edges = append(g.edges, edge{from: g.node(h.From), to: g.node(h.To), label: label, denied: !h.Verdict.Allowed, hop: true})
		}
	}
	return g
}

// Dot writes the topology as a Graphviz digraph; denied hops are red.
func Dot(w io.Writer, r *dataplane.Report) error {
	g := buildGraph(r)
	var b strings.Builder
	b.WriteString("digraph gatehouse {\n  rankdir=LR;\n  node [shape=box];\n")
	for id, label := range g.nodes {
		fmt.Fprintf(&b, "  n%d [label=%s];\n", id, strconv.Quote(label))
	}
	for _, e := range g.edges {
		attrs := ""
		if e.hop {
			attrs = " [label=" + strconv.Quote(e.label)
			if e.denied {
				attrs += ", color=red, fontcolor=red"
			}
			attrs += "]"
		}
		fmt.Fprintf(&b, "  n%d -> n%d%s;\n", e.from, e.to, attrs)
	}
	b.WriteString("}\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// Mermaid writes the topology as a Mermaid flowchart; denied hops are
// dotted and styled red.
func Mermaid(w io.Writer, r *dataplane.Report) error {
	g := buildGraph(r)
	var b strings.Builder
	b.WriteString("flowchart LR\n")
	for id, label := range g.nodes {
		fmt.Fprintf(&b, "  n%d[\"%s\"]\n", id, mermaidText(label))
	}
	var denied []int
	for i, e := range g.edges {
		switch {
		case !e.hop:
			fmt.Fprintf(&b, "  n%d --> n%d\n", e.from, e.to)
		case e.denied:
			fmt.Fprintf(&b, "  n%d -. \"%s\" .-> n%d\n", e.from, mermaidText(e.label), e.to)
			denied = append(denied, i)
		default:
			fmt.Fprintf(&b, "  n%d -- \"%s\" --> n%d\n", e.from, mermaidText(e.label), e.to)
		}
	}
	for _, i := range denied {
		fmt.Fprintf(&b, "  linkStyle %d stroke:red,color:red\n", i)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// mermaidText escapes what would end a quoted Mermaid label.
func mermaidText(s string) string {
	return strings.NewReplacer(`"`, "#quot;", "\n", " ").Replace(s)
}
