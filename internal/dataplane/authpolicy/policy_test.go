package authpolicy

import "testing"

const arn = "arn:aws:execute-api:us-east-1:123456789012:a1b2c3/prod/GET/pets/7"

func TestAllows(t *testing.T) {
	for _, c := range []struct {
		what, doc string
		want      bool
	}{
		{"allow exactly", `{"Version":"2012-10-17","Statement":[{"Action":"execute-api:Invoke","Effect":"Allow","Resource":"` + arn + `"}]}`, true},
		{"one statement, not a list", `{"Statement":{"Action":"execute-api:Invoke","Effect":"Allow","Resource":"` + arn + `"}}`, true},
		{"wildcard resource", `{"Statement":[{"Action":"execute-api:Invoke","Effect":"Allow","Resource":"arn:aws:execute-api:us-east-1:123456789012:a1b2c3/*"}]}`, true},
		{"wildcard across segments", `{"Statement":[{"Action":"execute-api:*","Effect":"Allow","Resource":"arn:aws:execute-api:*:*:a1b2c3/*/GET/*"}]}`, true},
		{"question mark", `{"Statement":[{"Action":"*","Effect":"Allow","Resource":"arn:aws:execute-api:us-east-1:123456789012:a1b2c3/prod/GET/pets/?"}]}`, true},
		{"resource list", `{"Statement":[{"Action":["s3:GetObject","execute-api:Invoke"],"Effect":"Allow","Resource":["arn:other","` + arn + `"]}]}`, true},
		{"another route", `{"Statement":[{"Action":"execute-api:Invoke","Effect":"Allow","Resource":"arn:aws:execute-api:us-east-1:123456789012:a1b2c3/prod/POST/pets"}]}`, false},
		{"another action", `{"Statement":[{"Action":"execute-api:ManageConnections","Effect":"Allow","Resource":"*"}]}`, false},
		{"deny wins", `{"Statement":[{"Action":"execute-api:Invoke","Effect":"Allow","Resource":"*"},{"Action":"execute-api:Invoke","Effect":"Deny","Resource":"arn:aws:execute-api:*:*:a1b2c3/prod/GET/pets/*"}]}`, false},
		{"deny elsewhere", `{"Statement":[{"Action":"execute-api:Invoke","Effect":"Allow","Resource":"*"},{"Action":"execute-api:Invoke","Effect":"Deny","Resource":"arn:aws:execute-api:*:*:a1b2c3/prod/DELETE/*"}]}`, true},
		{"deny alone", `{"Statement":[{"Action":"execute-api:Invoke","Effect":"Deny","Resource":"` + arn + `"}]}`, false},
		{"not resource", `{"Statement":[{"Action":"execute-api:Invoke","Effect":"Allow","NotResource":"arn:aws:execute-api:*:*:a1b2c3/prod/DELETE/*"}]}`, true},
		{"no statements", `{"Version":"2012-10-17","Statement":[]}`, false},
		{"action case", `{"Statement":[{"Action":"Execute-API:invoke","Effect":"Allow","Resource":"*"}]}`, true},
	} {
		p, err := Parse([]byte(c.doc))
		if err != nil {
			t.Errorf("%s: %v", c.what, err)
			continue
		}
		if got := p.Allows(arn); got != c.want {
			t.Errorf("%s: Allows = %v, want %v", c.what, got, c.want)
		}
	}
}

func TestParseRefuses(t *testing.T) {
	for _, doc := range []string{``, `[]`, `{}`, `{"Statement":[{"Effect":"Maybe","Action":"*","Resource":"*"}]}`,
		`{"Statement":[{"Effect":"Allow","Resource":"*"}]}`, `{"Statement":[{"Effect":"Allow","Action":"*"}]}`, `{"Statement":"x"}`,
		`{"Statement":[{"Effect":"Allow","Action":7,"Resource":"*"}]}`} {
		if _, err := Parse([]byte(doc)); err == nil {
			t.Errorf("%q parsed", doc)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(`{"Statement":[{"Action":"execute-api:Invoke","Effect":"Allow","Resource":"*"}]}`), "arn:x")
	f.Fuzz(func(t *testing.T, doc []byte, arn string) {
		if p, err := Parse(doc); err == nil {
			p.Allows(arn)
		}
	})
}

func TestDecideTellsTheDeniesApart(t *testing.T) {
	p, err := Parse([]byte(`{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:us-east-1:1:a/*"},
		{"Effect":"Deny","Action":"execute-api:*","Resource":"arn:aws:execute-api:us-east-1:1:a/prod/DELETE/*"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	for arn, want := range map[string]Decision{
		"arn:aws:execute-api:us-east-1:1:a/prod/GET/pets":    Allow,
		"arn:aws:execute-api:us-east-1:1:a/prod/DELETE/pets": ExplicitDeny,
		"arn:aws:execute-api:us-east-1:1:b/prod/GET/pets":    ImplicitDeny,
	} {
		if got := p.Decide(arn); got != want {
			t.Errorf("Decide(%s) = %d, want %d", arn, got, want)
		}
	}
	if (*Policy)(nil).Decide("x") != ImplicitDeny {
		t.Error("a nil policy must deny")
	}
}
