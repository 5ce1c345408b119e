package gatehouse

import "testing"

// Only the served region's execute-api suffix and execute-api.localhost
// get a wildcard certificate: a client cannot have one signed for each
// suffix it invents.
func TestInvokeWildcard(t *testing.T) {
	for _, c := range []struct {
		server, want string
		ok           bool
	}{
		{"abc123.execute-api.localhost", "*.execute-api.localhost", true},
		{"abc123.execute-api.eu-west-1.amazonaws.com", "*.execute-api.eu-west-1.amazonaws.com", true},
		{"abc123.execute-api.us-east-1.amazonaws.com", "", false},
		{"abc123.execute-api.x1.example", "", false},
		{"abc123.execute-api.eu-west-1.amazonaws.com.evil", "", false},
		{".execute-api.localhost", "", false},
		{"a_b.execute-api.localhost", "", false},
		{"execute-api.localhost", "", false},
	} {
		got, ok := invokeWildcard(c.server, "eu-west-1")
		if got != c.want || ok != c.ok {
			t.Errorf("invokeWildcard(%q) = %q, %v; want %q, %v", c.server, got, ok, c.want, c.ok)
		}
	}
}
