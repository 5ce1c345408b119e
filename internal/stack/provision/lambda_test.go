package provision_test

import (
	"archive/zip"
	"bytes"
	"io"
	"regexp"
	"strings"
	"testing"

	"gatehouse/internal/stack"
)

// lambdaRig is the rig with its Lambda calls going to a fakeLambda.
func lambdaRig(t *testing.T) (*rig, *fakeLambda) {
	r := newRig(t)
	f := newFakeLambda(t)
	r.sdk.Lambda = f.client()
	return r, f
}

// unzip reads the one file of an inline package: its name, mode and text.
func unzip(t *testing.T, pkg []byte) (string, string, string) {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(pkg), int64(len(pkg)))
	if err != nil || len(zr.File) != 1 {
		t.Fatalf("package: %v, %d files; want one", err, len(zr.File))
	}
	rc, err := zr.File[0].Open()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, _ := io.ReadAll(rc)
	return zr.File[0].Name, zr.File[0].Mode().String(), string(b)
}

const lambdaStack = `
Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      Role: arn:aws:iam::000000000000:role/run
      Timeout: 5
      Description: answers
      Environment: {Variables: {GREETING: hello, TRIES: 3}}
      Tags: [{Key: owner, Value: web}]
      Code:
        ZipFile: |
          def handler(event, context):
              return {"statusCode": 200, "body": "one"}
  Allow:
    Type: AWS::Lambda::Permission
    Properties:
      FunctionName: !GetAtt Fn.Arn
      Action: lambda:InvokeFunction
      Principal: apigateway.amazonaws.com
      SourceArn: arn:aws:execute-api:us-east-1:000000000000:abc123/*/*
  V1:
    Type: AWS::Lambda::Version
    Properties:
      FunctionName: !Ref Fn
      Description: first
  Live:
    Type: AWS::Lambda::Alias
    Properties:
      FunctionName: !Ref Fn
      Name: live
      FunctionVersion: !GetAtt V1.Version
`

// TestFunctionLifecycle creates a function from inline source, a
// permission, a version and an alias, updates the function's code and
// configuration and the alias in place, and deletes them, checking each
// call Lambda is sent and that each wait CloudFormation makes is made.
func TestFunctionLifecycle(t *testing.T) {
	r, f := lambdaRig(t)
	r.apply(lambdaStack)

	name := r.ref("Fn")
	if !regexp.MustCompile(`^net-Fn-[A-Z0-9]{13}$`).MatchString(name) {
		t.Fatalf("generated name %q, want net-Fn-<13 upper-case letters and digits>", name)
	}
	// Create waits out Pending (two reads) before anything that uses
	// the function is made.
	if got, want := f.took(), "CreateFunction GetFunction GetFunction GetFunction GetFunction AddPermission PublishVersion GetFunctionConfiguration CreateAlias"; got != want {
		t.Errorf("calls:\n got %s\nwant %s", got, want)
	}
	fn := f.fn(name)
	file, mode, src := unzip(t, fn.zip)
	if file != "index.py" || mode != "-rw-r--r--" || !strings.Contains(src, `"body": "one"`) {
		t.Errorf("package holds %s %s %q, want index.py, -rw-r--r--, the inline source", file, mode, src)
	}
	if env := fn.config["Environment"].(map[string]any)["Variables"].(map[string]any); env["GREETING"] != "hello" || env["TRIES"] != "3" {
		t.Errorf("environment %v, want the template's, numbers as strings", env)
	}
	if fn.tags["owner"] != "web" || fn.tags["aws:cloudformation:logical-id"] != "Fn" || fn.tags["team"] != "net" {
		t.Errorf("tags %v, want the template's, the stack's and CloudFormation's", fn.tags)
	}
	arn := "arn:aws:lambda:us-east-1:000000000000:function:" + name
	if got := r.made["Fn"].Attrs["Arn"]; got != arn {
		t.Errorf("Arn = %v, want %s", got, arn)
	}
	sid := r.ref("Allow")
	if !regexp.MustCompile(`^net-Allow-[A-Z0-9]{13}$`).MatchString(sid) || r.made["Allow"].Attrs["Id"] != sid {
		t.Errorf("permission Ref %q, Id %v: want the generated statement id", sid, r.made["Allow"].Attrs["Id"])
	}
	if st := fn.policy[sid]; st == nil || st["SourceArn"] != "arn:aws:execute-api:us-east-1:000000000000:abc123/*/*" || st["Principal"] != "apigateway.amazonaws.com" {
		t.Errorf("statement %v", st)
	}
	if r.ref("V1") != arn+":1" || r.made["V1"].Attrs["Version"] != "1" || r.made["V1"].Attrs["FunctionArn"] != arn+":1" {
		t.Errorf("version: Ref %q, attributes %v", r.ref("V1"), r.made["V1"].Attrs)
	}
	if r.ref("Live") != arn+":live" || fn.aliases["live"]["FunctionVersion"] != "1" {
		t.Errorf("alias: Ref %q, %v", r.ref("Live"), fn.aliases["live"])
	}

	// New code and a new timeout, the description dropped, a tag changed:
	// configuration, then code, each waited for, then the tags.
	v2 := strings.NewReplacer(`"body": "one"`, `"body": "two"`, "Timeout: 5", "Timeout: 9", "      Description: answers\n", "",
		"{Key: owner, Value: web}", "{Key: tier, Value: front}", "Description: first", "Description: first").Replace(lambdaStack)
	r.apply(v2)
	if got, want := f.took(), "UpdateFunctionConfiguration GetFunction GetFunction UpdateFunctionCode GetFunction GetFunction GetFunction UntagResource TagResource GetFunction"; got != want {
		t.Errorf("update calls:\n got %s\nwant %s", got, want)
	}
	if _, _, src := unzip(t, fn.zip); !strings.Contains(src, `"body": "two"`) {
		t.Errorf("code after update: %q", src)
	}
	if fn.config["Timeout"] != 9.0 || fn.config["Description"] != "" {
		t.Errorf("configuration after update: timeout %v, description %q", fn.config["Timeout"], fn.config["Description"])
	}
	if _, ok := fn.tags["owner"]; ok || fn.tags["tier"] != "front" || fn.tags["aws:cloudformation:stack-id"] == "" {
		t.Errorf("tags after update: %v", fn.tags)
	}

	// The alias moves in place; its description, never set, stays empty.
	r.apply(strings.Replace(v2, "      FunctionVersion: !GetAtt V1.Version", "      FunctionVersion: $LATEST\n      Description: edge", 1))
	if got := f.took(); got != "UpdateAlias" || fn.aliases["live"]["FunctionVersion"] != "$LATEST" || fn.aliases["live"]["Description"] != "edge" {
		t.Errorf("alias update: calls %q, alias %v", got, fn.aliases["live"])
	}

	r.destroy()
	if f.fn(name) != nil {
		t.Errorf("function left after delete")
	}
	if got := f.took(); !strings.HasPrefix(got, "DeleteAlias DeleteFunction RemovePermission DeleteFunction ") {
		t.Errorf("delete calls %q, want the alias, the version, the permission, then the function", got)
	}
}

// TestFunctionCodeAndNames: Node.js source is index.js, whatever the
// runtime's version (CloudFormation never writes index.mjs); code that is
// not inline, or inline source for a runtime that is neither Node.js nor
// Python, is refused before Lambda is called; a name given is used, and
// generated names fit Lambda's 64 characters.
func TestFunctionCodeAndNames(t *testing.T) {
	r, f := lambdaRig(t)
	r.types["Node"] = "AWS::Lambda::Function"
	for _, rt := range []string{"nodejs20.x", "nodejs22.x"} {
		made, err := r.sdk.Create(r.ctx, r.target("Node"), map[string]any{"FunctionName": "node-" + rt[6:8], "Runtime": rt, "Handler": "index.handler",
			"Role": "arn:aws:iam::000000000000:role/run", "Code": map[string]any{"ZipFile": "exports.handler = async () => 'hi';"}})
		if err != nil || made.Ref != "node-"+rt[6:8] {
			t.Fatalf("%s: %v %+v", rt, err, made)
		}
		if file, _, _ := unzip(t, f.fn(made.Ref).zip); file != "index.js" {
			t.Errorf("%s: package holds %s, want index.js", rt, file)
		}
	}
	f.took()
	for _, c := range []struct {
		props map[string]any
		want  string
	}{
		{map[string]any{"Runtime": "python3.12", "Code": map[string]any{}}, "Code.ZipFile"},
		{map[string]any{"Runtime": "provided.al2023", "Code": map[string]any{"ZipFile": "x"}}, "ZipFile can only be used"},
		{map[string]any{"Runtime": "python3.12", "PackageType": "Image", "Code": map[string]any{"ZipFile": "x"}}, "zip packages only"},
	} {
		if _, err := r.sdk.Create(r.ctx, r.target("Node"), c.props); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want an error saying %q", c.props, err, c.want)
		}
	}
	if got := f.took(); got != "" {
		t.Errorf("refused functions called Lambda: %s", got)
	}

	long := stack.Target{StackName: strings.Repeat("s", 80), LogicalID: strings.Repeat("L", 80), Type: "AWS::Lambda::Function", Tags: map[string]string{}}
	made, err := r.sdk.Create(r.ctx, long, map[string]any{"Runtime": "python3.12", "Handler": "index.h", "Role": "arn:aws:iam::000000000000:role/run",
		"Code": map[string]any{"ZipFile": "def h(e, c): pass"}})
	if err != nil || len(made.Ref) > 64 || !regexp.MustCompile(`^s+-L+-[A-Z0-9]{13}$`).MatchString(made.Ref) {
		t.Errorf("long names: %v, %q (%d characters), want {stack}-{logical id}-{random} within 64", err, made.Ref, len(made.Ref))
	}
}

// TestFunctionTakenUpAfterCrash: a named function this resource made
// before a crash kept the stack from recording it is brought to the
// template and taken up; another resource's is not.
func TestFunctionTakenUpAfterCrash(t *testing.T) {
	r, f := lambdaRig(t)
	r.types["Fn"], r.types["Other"] = "AWS::Lambda::Function", "AWS::Lambda::Function"
	p := func(body string) map[string]any {
		return map[string]any{"FunctionName": "orders", "Runtime": "python3.12", "Handler": "index.h", "Role": "arn:aws:iam::000000000000:role/run",
			"Code": map[string]any{"ZipFile": body}}
	}
	if _, err := r.sdk.Create(r.ctx, r.target("Fn"), p("def h(e, c): return 1")); err != nil {
		t.Fatal(err)
	}
	again, err := r.sdk.Create(r.ctx, r.target("Fn"), p("def h(e, c): return 2"))
	if err != nil || again.Ref != "orders" {
		t.Fatalf("creating a function this resource already made: %v %+v", err, again)
	}
	if _, _, src := unzip(t, f.fn("orders").zip); !strings.Contains(src, "return 2") {
		t.Errorf("code of the function taken up: %q", src)
	}
	if _, err := r.sdk.Create(r.ctx, r.target("Other"), p("x")); err == nil || !strings.Contains(err.Error(), "ResourceConflictException") {
		t.Errorf("creating another resource's function: %v, want ResourceConflictException", err)
	}
}
