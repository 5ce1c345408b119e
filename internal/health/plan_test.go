package health

import (
	"strings"
	"testing"

	"gatehouse/internal/model"
	"gatehouse/internal/network"
)

// The plan carries what explain will show: where each check really goes, by
// which rule, and which group dropped it.
func TestCompileExplainsEachCheck(t *testing.T) {
	w := newWorld(t)
	tagged := appENI("eni-tagged", "10.0.1.15", "sg-app")
	tagged.Tags = model.Tags{network.HostTag: "backend.test"}
	tg := webGroup(model.Target{ID: "10.0.1.15", Port: 8080}, model.Target{ID: "10.0.1.16", Port: 8080}, model.Target{ID: "10.0.1.17", Port: 9090})
	tg.HealthCheck.Port = "8081"
	w.put(tagged, appENI("eni-walled", "10.0.1.16", "sg-closed"), tg, forward(webListener, albARN, 80, webTG))

	snap, err := model.Load(w.st)
	if err != nil {
		t.Fatal(err)
	}
	plans := compile(snap)
	if len(plans) != 1 || plans[0].arn != webTG || len(plans[0].targets) != 3 {
		t.Fatalf("plans = %+v", plans)
	}
	byID := map[string]targetPlan{}
	for _, tp := range plans[0].targets {
		byID[tp.key.TargetID] = tp
	}
	tests := []struct {
		id, modeled, real, rule, blocked string
	}{
		{"10.0.1.15", "10.0.1.15:8081", "backend.test:8081", network.RuleHostTag, ""},
		{"10.0.1.16", "10.0.1.16:8081", "127.0.0.1:8081", network.RuleLoopback, "no ingress rule of sg-closed allows tcp/8081"},
		{"10.0.1.17", "10.0.1.17:8081", "127.0.0.1:8081", network.RuleLoopback, "no network interface or instance in vpc-1 owns 10.0.1.17"},
	}
	for _, tt := range tests {
		tp := byID[tt.id]
		if tp.modeled.String() != tt.modeled || tp.real != tt.real || tp.rule != tt.rule {
			t.Errorf("%s: modeled %s real %s by %s; want %s, %s by %s", tt.id, tp.modeled, tp.real, tp.rule, tt.modeled, tt.real, tt.rule)
		}
		if (tt.blocked == "") != (tp.blocked == "") || !strings.Contains(tp.blocked, tt.blocked) {
			t.Errorf("%s: blocked %q, want one containing %q", tt.id, tp.blocked, tt.blocked)
		}
	}
	if !strings.HasPrefix(byID["10.0.1.16"].blocked, "from node eni-alb-a: ") {
		t.Errorf("the reason should name the node: %q", byID["10.0.1.16"].blocked)
	}
}
