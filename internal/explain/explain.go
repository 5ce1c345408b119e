// Package explain renders a dataplane.Report: human text, JSON, and
// pictures of the topology (Graphviz dot, Mermaid). It is pure: it formats
// the report it is given and decides nothing, so the data plane remains the
// only place where a path is worked out.
package explain

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"gatehouse/internal/dataplane"
	"gatehouse/internal/network"
)

// Formats are the names Render accepts.
var Formats = []string{"text", "json", "dot", "mermaid"}

// Render writes r in format.
func Render(w io.Writer, r *dataplane.Report, format string) error {
	switch format {
	case "text", "":
		return Text(w, r)
	case "json":
		return JSON(w, r)
	case "dot":
		return Dot(w, r)
	case "mermaid":
		return Mermaid(w, r)
	}
	return fmt.Errorf("unknown output %q (want %s)", format, strings.Join(Formats, ", "))
}

// JSON writes r as indented JSON.
func JSON(w io.Writer, r *dataplane.Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

func status(ok bool) string {
	if ok {
		return "OK"
	}
	return "BROKEN"
}

// names shows security groups by id with their names beside them.
type names map[string]string

func (n names) of(id string) string {
	if name := n[id]; name != "" {
		return id + " (" + name + ")"
	}
	return id
}

func (n names) groups(g []string) string {
	if len(g) == 0 {
		return "no groups"
	}
	out := make([]string, len(g))
	for i, id := range g {
		out[i] = n.of(id)
	}
	return "groups " + strings.Join(out, ", ")
}

// Text writes r for a person: each path from route to targets, then every
// hop with its decision, then what to change.
func Text(w io.Writer, r *dataplane.Report) error {
	var b strings.Builder
	fmt.Fprintf(&b, "API %s (%s), stage %s, snapshot revision %d: %s\n", r.API, r.Type, r.Stage, r.Revision, status(r.OK))
	for i := range r.Paths {
		textPath(&b, &r.Paths[i], names(r.GroupNames))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func textPath(b *strings.Builder, p *dataplane.Path, n names) {
	fmt.Fprintf(b, "\nroute %s", p.Route)
	if p.Request != "" {
		fmt.Fprintf(b, " (matched by %s)", p.Request)
	}
	fmt.Fprintf(b, ": %s\n", status(p.OK))
	in := p.Integration
	kind := "public"
	if in.Private {
		kind = "private"
	}
	fmt.Fprintf(b, "  integration %s %s, %s, timeout %dms", in.ID, in.Type, kind, in.TimeoutMillis)
	if in.Target != "" {
		fmt.Fprintf(b, " -> %s", in.Target)
	}
	b.WriteString("\n")
	if l := p.Link; l != nil {
		fmt.Fprintf(b, "  VPC link %s %s: %s", l.Kind, l.ID, l.Status)
		if l.EndpointService != "" {
			fmt.Fprintf(b, ", endpoint service %s", l.EndpointService)
		}
		if l.Kind == "V2" {
			fmt.Fprintf(b, ", %s", n.groups(l.Groups))
		}
		b.WriteString("\n")
		for _, e := range l.ENIs {
			fmt.Fprintf(b, "    %s %s (%s)\n", e.Name, e.Addr, n.groups(e.Groups))
		}
	}
	if cm := p.CloudMap; cm != nil {
		fmt.Fprintf(b, "  Cloud Map service %s\n", cm.Service)
		for _, t := range cm.Instances {
			fmt.Fprintf(b, "    instance %s %s -> real %s (%s)\n", t.ID, t.Modeled, t.Real, t.AddrRule)
		}
	}
	if lb := p.Balancer; lb != nil {
		fmt.Fprintf(b, "  load balancer %s (%s), %s, %s\n", lb.Name, lb.Type, n.groups(lb.Groups), crossZone(lb.CrossZone))
		for _, n := range lb.Nodes {
			fmt.Fprintf(b, "    node %s %s %s\n", n.ID, n.Addr, n.Zone)
		}
		if l := lb.Listener; l != nil {
			fmt.Fprintf(b, "  listener %s:%d", l.Protocol, l.Port)
			if lb.Rule != nil {
				fmt.Fprintf(b, ", rule %s matched: %s", lb.Rule.Priority, lb.Rule.Action)
			}
			b.WriteString("\n")
		}
		for _, tg := range lb.Pools {
			fmt.Fprintf(b, "  target group %s (%s, weight %d, %s)\n", tg.Name, tg.Protocol, tg.Weight, crossZone(tg.CrossZone))
			for _, t := range tg.Targets {
				textTarget(b, t)
			}
		}
	}
	if len(p.Hops) > 0 {
		b.WriteString("  hops:\n")
	}
	for _, h := range p.Hops {
		verdict := "ALLOW"
		if !h.Verdict.Allowed {
			verdict = "DENY "
		}
		fmt.Fprintf(b, "    %s %s %s -> %s %s, %s/%d\n", verdict, h.From, h.FromAddr, h.To, h.ToAddr, h.Protocol, h.Port)
		// The reason names the rules that passed the flow; the deciding
		// one is added only when the reason does not name it already, so
		// each rule shows once.
		if d := deciding(h.Verdict, n); d != "" && h.Verdict.Allowed && !namesRule(h.Reason, h.Verdict) {
			fmt.Fprintf(b, "          decided by %s\n", d)
		}
		fmt.Fprintf(b, "          %s\n", h.Reason)
		// A denying ACL is the reason itself; the ones that passed the
		// flow's legs are listed, as stateless rules need both ways open.
		for _, c := range h.ACLs {
			if c.Allowed {
				fmt.Fprintf(b, "          %s\n", c)
			}
		}
		if h.Fix != "" {
			fmt.Fprintf(b, "          fix: %s\n", h.Fix)
		}
	}
	for _, pr := range p.Problems {
		fmt.Fprintf(b, "  problem: %s\n", pr)
	}
	for _, note := range p.Notes {
		fmt.Fprintf(b, "  note: %s\n", note)
	}
	if len(p.Failures) > 0 {
		which := "every request gets"
		if p.Partial {
			which = "some requests get"
		}
		fmt.Fprintf(b, "  %s:\n", which)
	}
	for _, f := range p.Failures {
		fmt.Fprintf(b, "    %d %s: %s\n", f.Status, f.Message, f.Cause)
	}
	if len(p.Fixes) > 0 {
		b.WriteString("  to fix it:\n")
	}
	for _, f := range p.Fixes {
		fmt.Fprintf(b, "    - %s\n", f)
	}
}

// namesRule reports whether reason names v's deciding rule.
func namesRule(reason string, v network.Verdict) bool {
	id := v.Deciding().Rule.ID
	return id != "" && strings.Contains(reason, id)
}

func crossZone(on bool) string {
	if on {
		return "cross-zone on"
	}
	return "cross-zone off: each node sends to its own zone's targets"
}

func textTarget(b *strings.Builder, t dataplane.TargetInfo) {
	if t.Function != "" {
		fmt.Fprintf(b, "    target lambda %s (invoked, no network hop)\n", t.Function)
		return
	}
	if t.ALB != "" {
		fmt.Fprintf(b, "    target alb %s port %d\n", t.ALB, t.Port)
		return
	}
	health := t.Health
	if health == "" {
		health = "not probed yet"
	}
	if t.HealthReason != "" {
		health += " (" + t.HealthReason + ")"
	}
	zone := ""
	if t.Zone != "" {
		zone = " " + t.Zone
	}
	fmt.Fprintf(b, "    target %s:%d%s, %s -> real %s by rule %s\n", t.ID, t.Port, zone, health, t.Real, t.AddrRule)
}

// dropper names what other than a security group dropped a hop: the
// network ACL rule (from the hop's ACL decisions, which survive JSON), or
// the VPC or address layer; "" otherwise.
func dropper(h dataplane.Hop) string {
	if h.Verdict.Allowed {
		return ""
	}
	switch h.Verdict.Layer {
	case network.LayerVPC:
		return "VPCs not connected"
	case network.LayerAddress:
		return "no interface owns the address"
	case network.LayerACL:
		var parts []string
		for _, c := range h.ACLs {
			if !c.Allowed {
				parts = append(parts, fmt.Sprintf("network ACL %s %s rule %s", c.ACL, c.Direction(), c.RuleName()))
			}
		}
		// Two return legs dropped the flow together when both are denied.
		if len(parts) > 0 {
			return strings.Join(parts, " with ")
		}
	}
	return ""
}

// deciding names the rule that let a flow in, or on a deny the side that
// dropped it: "rule sgr-1 of sg-2 (peer sg-3)".
func deciding(v network.Verdict, n names) string {
	m := v.Deciding()
	if !m.Found() {
		if !v.Allowed && v.Side != "" {
			return "no " + string(v.Side) + " rule"
		}
		return ""
	}
	peer := m.Rule.CidrIPv4
	if m.Rule.GroupID != "" {
		peer = n.of(m.Rule.GroupID)
	}
	return fmt.Sprintf("%s rule %s of %s (peer %s)", v.Side, m.Rule.ID, n.of(m.GroupID), peer)
}
