package apigateway

import (
	"errors"
	"testing"

	"gatehouse/internal/api"
	"gatehouse/internal/model"
)

// FuzzApplyPatch runs arbitrary patch operations against a typical set of
// paths: nothing may panic, and every refusal is an AWS-shaped 4xx.
func FuzzApplyPatch(f *testing.F) {
	f.Add("replace", "/name", "x")
	f.Add("add", "/variables/vpcLinkId", "abc123")
	f.Add("remove", "/binaryMediaTypes/image~1png", "")
	f.Add("move", "/name", "")
	f.Add("replace", "/disableExecuteApiEndpoint", "maybe")
	f.Add("add", "/responseParameters/method.response.header.X-Shop", "true")
	f.Add("remove", "/responseParameters/method.response.header.X-None", "")
	f.Add("remove", "/selectionPattern", "")
	f.Add("replace", "/~1pets~1{id}/GET/throttling/rateLimit", "2.5")
	f.Add("replace", "//GET/throttling/burstLimit", "-1")
	f.Add("remove", "/*/*", "")
	f.Fuzz(func(t *testing.T, op, path, value string) {
		var name string
		var flag bool
		vars := map[string]string{}
		var types []string
		var pattern string
		var params map[string]bool
		paths := []patchPath{replaceText("/name", &name), replaceBool("/disableExecuteApiEndpoint", &flag),
			mapMember("/variables/*", &vars), setMember("/binaryMediaTypes/*", &types),
			optionalText("/selectionPattern", &pattern), flagMember("/responseParameters/*", &params, methodResponseParam)}
		paths = append(paths, methodSettingPaths(&model.RestStage{})...)
		err := applyPatch([]PatchOperation{{Op: op, Path: path, Value: &value}}, paths)
		var ae *api.Error
		if err != nil && (!errors.As(err, &ae) || ae.Status < 400 || ae.Status >= 500) {
			t.Fatalf("applyPatch(%q %q %q) = %v, want a 4xx api.Error", op, path, value, err)
		}
	})
}
