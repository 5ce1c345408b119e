package echo

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestEchoesTheRequest(t *testing.T) {
	srv := httptest.NewServer(Handler("task-1"))
	defer srv.Close()
	req, _ := http.NewRequest("POST", srv.URL+"/pets/7?x=1&x=2", strings.NewReader(`{"a":1}`))
	req.Header.Set("X-Forwarded-For", "10.0.1.50")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var got Request
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
		t.Fatal(err)
	}
	if got.Name != "task-1" || got.Method != "POST" || got.Path != "/pets/7" || len(got.Query["x"]) != 2 ||
		got.Body != `{"a":1}` || got.Headers["X-Forwarded-For"][0] != "10.0.1.50" || !strings.HasPrefix(got.Peer, "127.0.0.1:") {
		t.Fatalf("echo = %+v", got)
	}
}
