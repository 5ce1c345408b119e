package vtl

import (
	"encoding/json"
	"reflect"
	"testing"
)

// Templates in the shapes of the API Gateway developer guide's examples
// for $input, $util and $context, checked as JSON.

func jsonOf(t *testing.T, s string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("template output is not JSON: %v\n%s", err, s)
	}
	return v
}

func TestAWSAllParamsExample(t *testing.T) {
	tmpl := `#set($allParams = $input.params())
{
"params" : {
#foreach($type in $allParams.keySet())
    #set($params = $allParams.get($type))
"$type" : {
    #foreach($paramName in $params.keySet())
    "$paramName" : "$util.escapeJavaScript($params.get($paramName))"
        #if($foreach.hasNext),#end
    #end
}
    #if($foreach.hasNext),#end
#end
}
}`
	in := &Input{
		Path:   map[string]string{"petId": "7"},
		Query:  map[string]string{"type": "dog"},
		Header: map[string]string{"Accept": "application/json"},
	}
	got := jsonOf(t, run(t, tmpl, in))
	want := map[string]any{"params": map[string]any{
		"path":        map[string]any{"petId": "7"},
		"querystring": map[string]any{"type": "dog"},
		"header":      map[string]any{"Accept": "application/json"},
	}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v\nwant %v", got, want)
	}
	// escapeJavaScript escapes a single quote as \', which is not valid
	// JSON: AWS documents the trap, and it is kept.
	in.Query["type"] = "dog's"
	if _, err := Parse(tmpl); err != nil {
		t.Fatal(err)
	}
	var v any
	if out := run(t, tmpl, in); json.Unmarshal([]byte(out), &v) == nil {
		t.Errorf("an escaped single quote made valid JSON:\n%s", out)
	}
}

func TestAWSInputPathExample(t *testing.T) {
	body := `{"things": {"1d4": {}, "0da": {}, "ade": {}}}`
	tmpl := `#set($inputRoot = $input.path('$'))
{
  "count": $inputRoot.things.size(),
  "ids": [
#foreach($elem in $inputRoot.things.keySet())
    "$elem"#if($foreach.hasNext),#end
#end
  ],
  "things": $input.json('$.things')
}`
	got := jsonOf(t, run(t, tmpl, &Input{Body: []byte(body)}))
	want := map[string]any{"count": 3.0, "ids": []any{"1d4", "0da", "ade"},
		"things": map[string]any{"1d4": map[string]any{}, "0da": map[string]any{}, "ade": map[string]any{}}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v\nwant %v", got, want)
	}
}

func TestAWSPhotosExample(t *testing.T) {
	body := `{"photos": {"page": 1, "pages": "1234", "perpage": 100, "total": "123398",
	  "photo": [{"id": "12345678901", "owner": "23456789@A12", "title": "Sample photo 1", "ispublic": true},
	            {"id": "23456789012", "owner": "34567890@B23", "title": "Sample photo 2", "ispublic": false}]}}`
	tmpl := `#set($inputRoot = $input.path('$'))
{
  "photos": [
#foreach($elem in $inputRoot.photos.photo)
    {
      "id": "$elem.id",
      "title": "$elem.title",
      "public": $elem.ispublic
    }#if($foreach.hasNext),#end
#end
  ],
  "page": $inputRoot.photos.page
}`
	got := jsonOf(t, run(t, tmpl, &Input{Body: []byte(body)}))
	want := map[string]any{"page": 1.0, "photos": []any{
		map[string]any{"id": "12345678901", "title": "Sample photo 1", "public": true},
		map[string]any{"id": "23456789012", "title": "Sample photo 2", "public": false},
	}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v\nwant %v", got, want)
	}
}

func TestAWSParseJsonAndStringify(t *testing.T) {
	body := `{"data": "{\"name\": \"Ann\", \"n\": 2}", "raw": {"a": "x\"y"}}`
	tmpl := `#set($data = $util.parseJson($input.path('$.data')))
{"name": "$data.name", "n": $data.n, "raw": "$util.escapeJavaScript($input.json('$.raw'))"}`
	got := jsonOf(t, run(t, tmpl, &Input{Body: []byte(body)}))
	want := map[string]any{"name": "Ann", "n": 2.0, "raw": `{"a":"x\"y"}`}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v\nwant %v", got, want)
	}
}

func TestAWSOverrideExample(t *testing.T) {
	// An integration response template that turns an error answer into a
	// 400 with a header of its own.
	tmpl := `#set($inputRoot = $input.path('$'))
#if($inputRoot.toString().contains("error"))
#set($context.responseOverride.status = 400)
#set($context.responseOverride.header.X-Error = "$inputRoot.error")
#end
{"message": "$inputRoot.error"}`
	tp, err := Parse(tmpl)
	if err != nil {
		t.Fatal(err)
	}
	res, err := tp.Execute(&Input{Body: []byte(`{"error": "bad pet"}`)})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != 400 || res.Headers["X-Error"] != "bad pet" || res.Body != `{"message": "bad pet"}` {
		t.Errorf("got %+v", res)
	}
}

func TestAWSContextExample(t *testing.T) {
	tmpl := `{
    "stage" : "$context.stage",
    "request_id" : "$context.requestId",
    "resource_path" : "$context.resourcePath",
    "http_method" : "$context.httpMethod",
    "source_ip" : "$context.identity.sourceIp",
    "stage_var" : "$stageVariables.version"
}`
	in := &Input{
		Context: map[string]any{"stage": "prod", "requestId": "r-1", "resourcePath": "/pets", "httpMethod": "GET",
			"identity": map[string]any{"sourceIp": "192.0.2.1"}},
		StageVariables: map[string]string{"version": "v2"},
	}
	got := jsonOf(t, run(t, tmpl, in))
	want := map[string]any{"stage": "prod", "request_id": "r-1", "resource_path": "/pets", "http_method": "GET",
		"source_ip": "192.0.2.1", "stage_var": "v2"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v\nwant %v", got, want)
	}
}

func TestAWSMockStatusExample(t *testing.T) {
	// A MOCK integration's request template picks its status code from the
	// query string.
	tmpl := `{
  #if( $input.params('scope') == "internal" )
    "statusCode": 200
  #else
    "statusCode": 500
  #end
}`
	for scope, want := range map[string]float64{"internal": 200, "public": 500} {
		got := jsonOf(t, run(t, tmpl, &Input{Query: map[string]string{"scope": scope}}))
		if got.(map[string]any)["statusCode"] != want {
			t.Errorf("scope %s: got %v", scope, got)
		}
	}
}
