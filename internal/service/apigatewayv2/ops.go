package apigatewayv2

import (
	"net/http"

	"gatehouse/internal/api"
)

// Ops is the operation table, one line per operation, with the method, path
// and success status of API Gateway's service model.
func (s *Service) Ops() api.Table {
	const (
		get, post, put, patch, del = http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete
		ok, created, accepted      = http.StatusOK, http.StatusCreated, http.StatusAccepted
		noContent                  = http.StatusNoContent
	)
	return api.NewTable(
		api.Handle("CreateApi", s.CreateApi).Route(post, "/v2/apis", created),
		api.Handle("GetApis", s.GetApis).Route(get, "/v2/apis", ok),
		api.Handle("GetApi", s.GetApi).Route(get, "/v2/apis/{apiId}", ok),
		api.Handle("UpdateApi", s.UpdateApi).Route(patch, "/v2/apis/{apiId}", ok),
		api.Handle("DeleteApi", s.DeleteApi).Route(del, "/v2/apis/{apiId}", noContent),
		api.Handle("ImportApi", s.ImportApi).Route(put, "/v2/apis", created),
		api.Handle("ReimportApi", s.ReimportApi).Route(put, "/v2/apis/{apiId}", created),
		api.Handle("ExportApi", s.ExportApi).Route(get, "/v2/apis/{apiId}/exports/{specification}", ok),
		api.Handle("DeleteCorsConfiguration", s.DeleteCorsConfiguration).Route(del, "/v2/apis/{apiId}/cors", noContent),

		api.Handle("CreateRoute", s.CreateRoute).Route(post, "/v2/apis/{apiId}/routes", created),
		api.Handle("GetRoutes", s.GetRoutes).Route(get, "/v2/apis/{apiId}/routes", ok),
		api.Handle("GetRoute", s.GetRoute).Route(get, "/v2/apis/{apiId}/routes/{routeId}", ok),
		api.Handle("UpdateRoute", s.UpdateRoute).Route(patch, "/v2/apis/{apiId}/routes/{routeId}", ok),
		api.Handle("DeleteRoute", s.DeleteRoute).Route(del, "/v2/apis/{apiId}/routes/{routeId}", noContent),

		api.Handle("CreateAuthorizer", s.CreateAuthorizer).Route(post, "/v2/apis/{apiId}/authorizers", created),
		api.Handle("GetAuthorizers", s.GetAuthorizers).Route(get, "/v2/apis/{apiId}/authorizers", ok),
		api.Handle("GetAuthorizer", s.GetAuthorizer).Route(get, "/v2/apis/{apiId}/authorizers/{authorizerId}", ok),
		api.Handle("UpdateAuthorizer", s.UpdateAuthorizer).Route(patch, "/v2/apis/{apiId}/authorizers/{authorizerId}", ok),
		api.Handle("DeleteAuthorizer", s.DeleteAuthorizer).Route(del, "/v2/apis/{apiId}/authorizers/{authorizerId}", noContent),

		api.Handle("CreateIntegration", s.CreateIntegration).Route(post, "/v2/apis/{apiId}/integrations", created),
		api.Handle("GetIntegrations", s.GetIntegrations).Route(get, "/v2/apis/{apiId}/integrations", ok),
		api.Handle("GetIntegration", s.GetIntegration).Route(get, "/v2/apis/{apiId}/integrations/{integrationId}", ok),
		api.Handle("UpdateIntegration", s.UpdateIntegration).Route(patch, "/v2/apis/{apiId}/integrations/{integrationId}", ok),
		api.Handle("DeleteIntegration", s.DeleteIntegration).Route(del, "/v2/apis/{apiId}/integrations/{integrationId}", noContent),

		api.Handle("CreateStage", s.CreateStage).Route(post, "/v2/apis/{apiId}/stages", created),
		api.Handle("GetStages", s.GetStages).Route(get, "/v2/apis/{apiId}/stages", ok),
		api.Handle("GetStage", s.GetStage).Route(get, "/v2/apis/{apiId}/stages/{stageName}", ok),
		api.Handle("UpdateStage", s.UpdateStage).Route(patch, "/v2/apis/{apiId}/stages/{stageName}", ok),
		api.Handle("DeleteStage", s.DeleteStage).Route(del, "/v2/apis/{apiId}/stages/{stageName}", noContent),
		api.Handle("DeleteAccessLogSettings", s.DeleteAccessLogSettings).Route(del, "/v2/apis/{apiId}/stages/{stageName}/accesslogsettings", noContent),
		api.Handle("DeleteRouteSettings", s.DeleteRouteSettings).Route(del, "/v2/apis/{apiId}/stages/{stageName}/routesettings/{routeKey}", noContent),

		api.Handle("CreateDeployment", s.CreateDeployment).Route(post, "/v2/apis/{apiId}/deployments", created),
		api.Handle("GetDeployments", s.GetDeployments).Route(get, "/v2/apis/{apiId}/deployments", ok),
		api.Handle("GetDeployment", s.GetDeployment).Route(get, "/v2/apis/{apiId}/deployments/{deploymentId}", ok),
		api.Handle("DeleteDeployment", s.DeleteDeployment).Route(del, "/v2/apis/{apiId}/deployments/{deploymentId}", noContent),

		api.Handle("CreateVpcLink", s.CreateVpcLink).Route(post, "/v2/vpclinks", created),
		api.Handle("GetVpcLinks", s.GetVpcLinks).Route(get, "/v2/vpclinks", ok),
		api.Handle("GetVpcLink", s.GetVpcLink).Route(get, "/v2/vpclinks/{vpcLinkId}", ok),
		api.Handle("UpdateVpcLink", s.UpdateVpcLink).Route(patch, "/v2/vpclinks/{vpcLinkId}", ok),
		api.Handle("DeleteVpcLink", s.DeleteVpcLink).Route(del, "/v2/vpclinks/{vpcLinkId}", accepted),

		api.Handle("CreateDomainName", s.CreateDomainName).Route(post, "/v2/domainnames", created),
		api.Handle("GetDomainNames", s.GetDomainNames).Route(get, "/v2/domainnames", ok),
		api.Handle("GetDomainName", s.GetDomainName).Route(get, "/v2/domainnames/{DomainName}", ok),
		api.Handle("UpdateDomainName", s.UpdateDomainName).Route(patch, "/v2/domainnames/{DomainName}", ok),
		api.Handle("DeleteDomainName", s.DeleteDomainName).Route(del, "/v2/domainnames/{DomainName}", noContent),
		api.Handle("CreateApiMapping", s.CreateApiMapping).Route(post, "/v2/domainnames/{DomainName}/apimappings", created),
		api.Handle("GetApiMappings", s.GetApiMappings).Route(get, "/v2/domainnames/{DomainName}/apimappings", ok),
		api.Handle("GetApiMapping", s.GetApiMapping).Route(get, "/v2/domainnames/{DomainName}/apimappings/{ApiMappingId}", ok),
		api.Handle("UpdateApiMapping", s.UpdateApiMapping).Route(patch, "/v2/domainnames/{DomainName}/apimappings/{ApiMappingId}", ok),
		api.Handle("DeleteApiMapping", s.DeleteApiMapping).Route(del, "/v2/domainnames/{DomainName}/apimappings/{ApiMappingId}", noContent),

		api.Handle("TagResource", s.TagResource).Route(post, "/v2/tags/{resource-arn}", created),
		api.Handle("UntagResource", s.UntagResource).Route(del, "/v2/tags/{resource-arn}", noContent),
		api.Handle("GetTags", s.GetTags).Route(get, "/v2/tags/{resource-arn}", ok),
	)
}
