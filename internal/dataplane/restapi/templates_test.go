package restapi

import "testing"

// The passthrough table of AWS's developer guide: which request template
// a content type gets, or whether the body passes or is refused (415).
func TestRequestTemplateSelection(t *testing.T) {
	jsonOnly := compileTemplates(map[string]string{"application/json": `{"a": "$input.body"}`})
	cases := []struct {
		name      string
		ts        *templates
		ct        string
		behavior  string
		templated bool
		refused   bool
	}{
		{"no type means JSON", jsonOnly, "", "WHEN_NO_MATCH", true, false},
		{"no type means JSON, NEVER", jsonOnly, "", "NEVER", true, false},
		{"JSON with parameters", jsonOnly, "Application/JSON; charset=utf-8", "WHEN_NO_TEMPLATES", true, false},
		{"unmatched, WHEN_NO_MATCH", jsonOnly, "application/xml", "WHEN_NO_MATCH", false, false},
		{"unmatched, WHEN_NO_TEMPLATES", jsonOnly, "application/xml", "WHEN_NO_TEMPLATES", false, true},
		{"unmatched, NEVER", jsonOnly, "application/xml", "NEVER", false, true},
		{"no templates, WHEN_NO_MATCH", nil, "application/xml", "WHEN_NO_MATCH", false, false},
		{"no templates, WHEN_NO_TEMPLATES", nil, "application/json", "WHEN_NO_TEMPLATES", false, false},
		{"no templates, NEVER", nil, "application/json", "NEVER", false, true},
		{"empty templates are none", compileTemplates(map[string]string{"application/json": ""}), "text/plain", "WHEN_NO_TEMPLATES", false, false},
	}
	for _, c := range cases {
		got, refused := c.ts.forRequest(c.ct, c.behavior)
		if (got != nil) != c.templated || refused != c.refused {
			t.Errorf("%s: template %v, refused %v", c.name, got != nil, refused)
		}
	}
}

func TestResponseTemplateSelection(t *testing.T) {
	ts := compileTemplates(map[string]string{"text/html": "<p/>", "application/xml": "<x/>", "application/json": "{}"})
	for accept, want := range map[string]string{
		"":                                 "application/json",
		"application/xml":                  "application/xml",
		"text/plain, text/html;q=0.9, */*": "text/html",
		"image/png":                        "application/json",
	} {
		if got := ts.forResponse(accept); got.contentType != want {
			t.Errorf("Accept %q: %s, want %s", accept, got.contentType, want)
		}
	}
	// Without a JSON template, the first type by name.
	if got := compileTemplates(map[string]string{"text/plain": "a", "application/xml": "b"}).forResponse(""); got.contentType != "application/xml" {
		t.Errorf("fallback: %s", got.contentType)
	}
	if compileTemplates(nil).forResponse("application/json") != nil {
		t.Error("no templates selected one")
	}
}

func TestMockStatusFromStaticTemplate(t *testing.T) {
	ts := compileTemplates(map[string]string{"application/json": `{"statusCode": 404}`})
	if st := ts.byType["application/json"].mockStatus; st != 404 {
		t.Errorf("static MOCK status read once: %d", st)
	}
}
