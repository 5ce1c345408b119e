package stack

import (
	"context"
	"reflect"
	"strings"
	"testing"
)

const lambdaTemplate = `
Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      FunctionName: answers
      Runtime: python3.12
      Handler: index.handler
      Role: arn:aws:iam::000000000000:role/run
      Code:
        ZipFile: "def handler(e, c): return 1"
  Allow:
    Type: AWS::Lambda::Permission
    Properties:
      FunctionName: !GetAtt Fn.Arn
      Action: lambda:InvokeFunction
      Principal: apigateway.amazonaws.com
      SourceArn: arn:aws:execute-api:us-east-1:000000000000:abc/*/*
  V1:
    Type: AWS::Lambda::Version
    Properties:
      FunctionName: !Ref Fn
  Live:
    Type: AWS::Lambda::Alias
    Properties:
      FunctionName: !Ref Fn
      Name: live
      FunctionVersion: !GetAtt V1.Version
`

// TestLambdaPlans: new code or configuration changes a function in
// place, a new name replaces it; every change to a permission or a
// version replaces it; an alias moves to another version in place.
func TestLambdaPlans(t *testing.T) {
	// The stack as made: each resource answers the attributes its type
	// gives.
	inst := instance(t, lambdaTemplate, nil)
	cur := map[string]Current{}
	have := map[string]Created{}
	for _, r := range inst.Resources {
		props, err := inst.Properties(r, have)
		if err != nil {
			t.Fatal(err)
		}
		c := Created{Ref: strings.ToLower(r.Name) + "-1", Attrs: map[string]any{}}
		for _, a := range Given[r.Type] {
			c.Attrs[a] = strings.ToLower(r.Name) + "-" + a
		}
		have[r.Name] = c
		cur[r.Name] = Current{Type: r.Type, Created: c, Props: props}
	}
	for _, tc := range []struct {
		name, old, new string
		want           []string
	}{
		{"code", "return 1", "return 2", []string{"Modify Fn False"}},
		{"timeout", "      Handler: index.handler\n", "      Handler: index.handler\n      Timeout: 9\n", []string{"Modify Fn False"}},
		{"name", "FunctionName: answers", "FunctionName: replies", []string{"Modify Fn True"}},
		{"source", "abc/*/*", "abc/*/GET/x", []string{"Modify Allow True"}},
		{"version", "      FunctionName: !Ref Fn\n  Live:", "      FunctionName: !Ref Fn\n      Description: two\n  Live:", []string{"Modify V1 True"}},
		{"alias", "FunctionVersion: !GetAtt V1.Version", "FunctionVersion: $LATEST", []string{"Modify Live False"}},
	} {
		body := strings.Replace(lambdaTemplate, tc.old, tc.new, 1)
		if body == lambdaTemplate {
			t.Fatalf("%s: the replacement changes nothing", tc.name)
		}
		plan, err := Plan(instance(t, body, nil), cur, nil)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		var got []string
		for _, c := range plan {
			// What refers to a replaced resource may change with it;
			// only the resource the edit is in is looked at here.
			if c.Action == "Modify" && len(c.Details) > 0 && c.Details[0].Recreation != "" && !c.Details[0].Dynamic {
				got = append(got, c.Action+" "+c.LogicalID+" "+c.Replacement)
			}
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

// TestLambdaRefusals: code from S3, and properties gatehouse does not
// model, are refused by name before anything is created, as a Role left
// out is.
func TestLambdaRefusals(t *testing.T) {
	body := strings.NewReplacer(`        ZipFile: "def handler(e, c): return 1"`, "        S3Bucket: code\n        S3Key: fn.zip",
		"      Role: arn:aws:iam::000000000000:role/run\n", "      Layers: [arn:aws:lambda:us-east-1:000000000000:layer:x:1]\n").Replace(lambdaTemplate)
	tmpl, err := Parse("t.yaml", []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	_, err = Deploy(context.Background(), tmpl, rec, Options{})
	if err == nil {
		t.Fatal("deployed")
	}
	for _, want := range []string{
		"property Code/S3Bucket of AWS::Lambda::Function is not supported by gatehouse: gatehouse has no S3",
		"property Code/S3Key of AWS::Lambda::Function is not supported by gatehouse: gatehouse has no S3",
		"property Layers of AWS::Lambda::Function is not supported by gatehouse: layers are not supported",
		"required key [Role] not found",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	if len(rec.made) > 0 {
		t.Errorf("created %v", rec.made)
	}
}
