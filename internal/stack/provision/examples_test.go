package provision_test

import (
	"strconv"
	"strings"
	"testing"

	"gatehouse/internal/servertest"
)

// The blog examples deploy as written and carry traffic to both backends.
func TestExampleTemplates(t *testing.T) {
	for _, tc := range []struct {
		file  string
		ports []string
		url   string
	}{
		{"http-api.yaml", []string{"Task1Port", "Task2Port"}, "ApiEndpoint"},
		{"rest-api.yaml", []string{"TaskAPort", "TaskBPort"}, "InvokeUrl"},
		{"rest-api-v2.yaml", []string{"TaskXPort", "TaskYPort"}, "InvokeUrl"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			srv := servertest.Start(t, servertest.VpcLinkDelay(-1), servertest.VpcLinkV1Delay(-1))
			params := map[string]string{}
			names := map[string]bool{}
			for i, p := range tc.ports {
				name := "task-" + strconv.Itoa(i)
				params[p] = strconv.Itoa(backend(t, name))
				names[name] = true
			}
			out := deploy(t, srv, "../../../examples/blog/"+tc.file, params)
			seen := map[string]bool{}
			for i := 0; i < 20 && len(seen) < len(names); i++ {
				status, body := get(t, srv, out[tc.url]+"/pets/1")
				if status != 200 || !strings.Contains(body, `"path":"/pets/1"`) {
					t.Fatalf("GET %s/pets/1: %d %s", out[tc.url], status, body)
				}
				for n := range names {
					if strings.Contains(body, `"`+n+`"`) {
						seen[n] = true
					}
				}
			}
			if len(seen) != len(names) {
				t.Fatalf("backends seen %v, want %v", seen, names)
			}
		})
	}
}
