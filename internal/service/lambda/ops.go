package lambda

import (
	"net/http"

	"gatehouse/internal/api"
)

// Ops is the operation table, one line per operation, with the method, path
// and success status of Lambda's service model.
func (s *Service) Ops() api.Table {
	const (
		get, post, put, del    = http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete
		ok, created, noContent = http.StatusOK, http.StatusCreated, http.StatusNoContent
		fn                     = "/2015-03-31/functions/{FunctionName}"
		eic                    = "/2019-09-25/functions/{FunctionName}/event-invoke-config"
	)
	return api.NewTable(
		api.Handle("CreateFunction", s.CreateFunction).Route(post, "/2015-03-31/functions", created),
		api.Handle("ListFunctions", s.ListFunctions).Route(get, "/2015-03-31/functions", ok),
		api.Handle("GetFunction", s.GetFunction).Route(get, fn, ok),
		api.Handle("DeleteFunction", s.DeleteFunction).Route(del, fn, noContent),
		api.Handle("GetFunctionConfiguration", s.GetFunctionConfiguration).Route(get, fn+"/configuration", ok),
		api.Handle("UpdateFunctionConfiguration", s.UpdateFunctionConfiguration).Route(put, fn+"/configuration", ok),
		api.Handle("UpdateFunctionCode", s.UpdateFunctionCode).Route(put, fn+"/code", ok),
		// gatehouse's own: GetFunction's Code.Location.
		api.Handle("GetFunctionCodePackage", s.GetFunctionCodePackage).Route(get, fn+"/code", ok),
		api.Handle("Invoke", s.Invoke).Route(post, fn+"/invocations", ok),

		api.Handle("PublishVersion", s.PublishVersion).Route(post, fn+"/versions", created),
		api.Handle("ListVersionsByFunction", s.ListVersionsByFunction).Route(get, fn+"/versions", ok),

		api.Handle("CreateAlias", s.CreateAlias).Route(post, fn+"/aliases", created),
		api.Handle("ListAliases", s.ListAliases).Route(get, fn+"/aliases", ok),
		api.Handle("GetAlias", s.GetAlias).Route(get, fn+"/aliases/{Name}", ok),
		api.Handle("UpdateAlias", s.UpdateAlias).Route(put, fn+"/aliases/{Name}", ok),
		api.Handle("DeleteAlias", s.DeleteAlias).Route(del, fn+"/aliases/{Name}", noContent),

		api.Handle("AddPermission", s.AddPermission).Route(post, fn+"/policy", created),
		api.Handle("GetPolicy", s.GetPolicy).Route(get, fn+"/policy", ok),
		api.Handle("RemovePermission", s.RemovePermission).Route(del, fn+"/policy/{StatementId}", noContent),

		api.Handle("PutFunctionConcurrency", s.PutFunctionConcurrency).Route(put, "/2017-10-31/functions/{FunctionName}/concurrency", ok),
		api.Handle("DeleteFunctionConcurrency", s.DeleteFunctionConcurrency).Route(del, "/2017-10-31/functions/{FunctionName}/concurrency", noContent),
		api.Handle("GetFunctionConcurrency", s.GetFunctionConcurrency).Route(get, "/2019-09-30/functions/{FunctionName}/concurrency", ok),

		api.Handle("PutFunctionEventInvokeConfig", s.PutFunctionEventInvokeConfig).Route(put, eic, ok),
		api.Handle("UpdateFunctionEventInvokeConfig", s.UpdateFunctionEventInvokeConfig).Route(post, eic, ok),
		api.Handle("GetFunctionEventInvokeConfig", s.GetFunctionEventInvokeConfig).Route(get, eic, ok),
		api.Handle("DeleteFunctionEventInvokeConfig", s.DeleteFunctionEventInvokeConfig).Route(del, eic, noContent),
		api.Handle("ListFunctionEventInvokeConfigs", s.ListFunctionEventInvokeConfigs).Route(get, eic+"/list", ok),

		api.Handle("GetAccountSettings", s.GetAccountSettings).Route(get, "/2016-08-19/account-settings", ok),
		api.Handle("GetFunctionCodeSigningConfig", s.GetFunctionCodeSigningConfig).Route(get, "/2020-06-30/functions/{FunctionName}/code-signing-config", ok),
		api.Handle("GetRuntimeManagementConfig", s.GetRuntimeManagementConfig).Route(get, "/2021-07-20/functions/{FunctionName}/runtime-management-config", ok),

		api.Handle("TagResource", s.TagResource).Route(post, "/2017-03-31/tags/{Resource}", noContent),
		api.Handle("UntagResource", s.UntagResource).Route(del, "/2017-03-31/tags/{Resource}", noContent),
		api.Handle("ListTags", s.ListTags).Route(get, "/2017-03-31/tags/{Resource}", ok),
	)
}
