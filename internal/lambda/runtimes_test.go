//go:build unix

package lambda_test

import (
	"encoding/json"
	"testing"

	"gatehouse/internal/lambda"
	"gatehouse/internal/lambda/code"
	"gatehouse/internal/lambda/lambdatest"
	"gatehouse/internal/model"
)

// withCode runs the rig's functions from a code store, for packages made
// by lambdatest.
func withCode(t testing.TB, cs *code.Store) func(*lambda.Config) {
	return func(c *lambda.Config) { c.Code = cs.Dir }
}

func putCode(t testing.TB, cs *code.Store, zip []byte) string {
	t.Helper()
	c, err := cs.Put(zip)
	if err != nil {
		t.Fatal(err)
	}
	return c.ID
}

// The managed runtimes' loops run through the engine like any bootstrap:
// the event in, the handler's answer out, its context filled in from the
// Runtime API's headers and Lambda's environment.
func TestManagedRuntimes(t *testing.T) {
	cs, err := code.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		runtime, handler string
		require          func(testing.TB)
		zip              func(testing.TB) []byte
	}{
		{"nodejs22.x", "index.handler", lambdatest.RequireNode, func(t testing.TB) []byte {
			return lambdatest.NodeFunction(t, `export const handler = async (event, context) => {
  console.log("node got", event.n);
  return { n: event.n + 1, name: context.functionName, id: context.awsRequestId, region: process.env.AWS_REGION };
};`)
		}},
		{"python3.12", "lambda_function.lambda_handler", func(t testing.TB) { lambdatest.RequirePython(t, "3") }, func(t testing.TB) []byte {
			return lambdatest.PythonFunction(t, `import os
def lambda_handler(event, context):
    print("python got", event["n"])
    return {"n": event["n"] + 1, "name": context.function_name, "id": context.aws_request_id, "region": os.environ["AWS_REGION"]}
`)
		}},
	} {
		t.Run(c.runtime, func(t *testing.T) {
			c.require(t)
			id := putCode(t, cs, c.zip(t))
			r := newRig(t, withCode(t, cs))
			r.create("fn", func(fn *model.Function) {
				fn.Config.Runtime, fn.Config.Handler, fn.Config.CodeID = c.runtime, c.handler, id
			})
			for range 2 {
				res := r.invoke("fn", `{"n":41}`)
				var doc struct {
					N                int
					Name, ID, Region string
				}
				if err := json.Unmarshal(res.Payload, &doc); err != nil || res.FunctionError != "" {
					t.Fatalf("payload %s, error %q: %v", res.Payload, res.FunctionError, err)
				}
				if doc.N != 42 || doc.Name != "fn" || doc.ID != res.RequestID || doc.Region != region {
					t.Fatalf("the handler answered %+v (request %s)", doc, res.RequestID)
				}
			}
			if rec := r.logs.find(" got 41"); rec == nil || rec["requestId"] == "" {
				t.Errorf("the handler's output was not logged with its request id: %v", rec)
			}
		})
	}
}
