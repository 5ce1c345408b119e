package apigateway

import (
	"net/http"

	"gatehouse/internal/api"
)

// Ops is the operation table, one line per operation, on the paths and with
// the success statuses of AWS's REST-JSON binding.
func (s *Service) Ops() api.Table {
	const (
		restapi     = "/restapis/{restApiId}"
		resource    = restapi + "/resources/{resourceId}"
		method      = resource + "/methods/{httpMethod}"
		integration = method + "/integration"
		plan        = "/usageplans/{usagePlanId}"
		domain      = "/domainnames/{domainName}"
		created     = http.StatusCreated
		accepted    = http.StatusAccepted
		noContent   = http.StatusNoContent
	)
	return api.NewTable(
		api.Handle("CreateRestApi", s.CreateRestApi).Route("POST", "/restapis", created),
		api.Handle("GetRestApi", s.GetRestApi).Route("GET", restapi, 0),
		api.Handle("GetRestApis", s.GetRestApis).Route("GET", "/restapis", 0),
		api.Handle("UpdateRestApi", s.UpdateRestApi).Route("PATCH", restapi, 0),
		api.Handle("DeleteRestApi", s.DeleteRestApi).Route("DELETE", restapi, accepted),
		api.Handle("ImportRestApi", s.ImportRestApi).Route("POST", "/restapis?mode=import", created),
		api.Handle("PutRestApi", s.PutRestApi).Route("PUT", restapi, 0),
		api.Handle("GetExport", s.GetExport).Route("GET", restapi+"/stages/{stageName}/exports/{exportType}", 0),

		api.Handle("CreateResource", s.CreateResource).Route("POST", restapi+"/resources/{parentId}", created),
		api.Handle("GetResource", s.GetResource).Route("GET", resource, 0),
		api.Handle("GetResources", s.GetResources).Route("GET", restapi+"/resources", 0),
		api.Handle("UpdateResource", s.UpdateResource).Route("PATCH", resource, 0),
		api.Handle("DeleteResource", s.DeleteResource).Route("DELETE", resource, accepted),

		api.Handle("PutMethod", s.PutMethod).Route("PUT", method, created),
		api.Handle("GetMethod", s.GetMethod).Route("GET", method, 0),
		api.Handle("UpdateMethod", s.UpdateMethod).Route("PATCH", method, 0),
		api.Handle("DeleteMethod", s.DeleteMethod).Route("DELETE", method, noContent),
		api.Handle("PutMethodResponse", s.PutMethodResponse).Route("PUT", method+"/responses/{statusCode}", created),
		api.Handle("GetMethodResponse", s.GetMethodResponse).Route("GET", method+"/responses/{statusCode}", 0),
		api.Handle("UpdateMethodResponse", s.UpdateMethodResponse).Route("PATCH", method+"/responses/{statusCode}", created), // 201, as AWS documents
		api.Handle("DeleteMethodResponse", s.DeleteMethodResponse).Route("DELETE", method+"/responses/{statusCode}", noContent),

		api.Handle("PutIntegration", s.PutIntegration).Route("PUT", integration, created),
		api.Handle("GetIntegration", s.GetIntegration).Route("GET", integration, 0),
		api.Handle("UpdateIntegration", s.UpdateIntegration).Route("PATCH", integration, 0),
		api.Handle("DeleteIntegration", s.DeleteIntegration).Route("DELETE", integration, noContent),
		api.Handle("PutIntegrationResponse", s.PutIntegrationResponse).Route("PUT", integration+"/responses/{statusCode}", created),
		api.Handle("GetIntegrationResponse", s.GetIntegrationResponse).Route("GET", integration+"/responses/{statusCode}", 0),
		api.Handle("UpdateIntegrationResponse", s.UpdateIntegrationResponse).Route("PATCH", integration+"/responses/{statusCode}", 0),
		api.Handle("DeleteIntegrationResponse", s.DeleteIntegrationResponse).Route("DELETE", integration+"/responses/{statusCode}", noContent),

		api.Handle("CreateDeployment", s.CreateDeployment).Route("POST", restapi+"/deployments", created),
		api.Handle("GetDeployment", s.GetDeployment).Route("GET", restapi+"/deployments/{deploymentId}", 0),
		api.Handle("GetDeployments", s.GetDeployments).Route("GET", restapi+"/deployments", 0),
		api.Handle("UpdateDeployment", s.UpdateDeployment).Route("PATCH", restapi+"/deployments/{deploymentId}", 0),
		api.Handle("DeleteDeployment", s.DeleteDeployment).Route("DELETE", restapi+"/deployments/{deploymentId}", accepted),

		api.Handle("CreateStage", s.CreateStage).Route("POST", restapi+"/stages", created),
		api.Handle("GetStage", s.GetStage).Route("GET", restapi+"/stages/{stageName}", 0),
		api.Handle("GetStages", s.GetStages).Route("GET", restapi+"/stages", 0),
		api.Handle("UpdateStage", s.UpdateStage).Route("PATCH", restapi+"/stages/{stageName}", 0),
		api.Handle("DeleteStage", s.DeleteStage).Route("DELETE", restapi+"/stages/{stageName}", accepted),

		api.Handle("CreateModel", s.CreateModel).Route("POST", restapi+"/models", created),
		api.Handle("GetModel", s.GetModel).Route("GET", restapi+"/models/{modelName}", 0),
		api.Handle("GetModels", s.GetModels).Route("GET", restapi+"/models", 0),
		api.Handle("UpdateModel", s.UpdateModel).Route("PATCH", restapi+"/models/{modelName}", 0),
		api.Handle("DeleteModel", s.DeleteModel).Route("DELETE", restapi+"/models/{modelName}", accepted),
		api.Handle("GetModelTemplate", s.GetModelTemplate).Route("GET", restapi+"/models/{modelName}/default_template", 0),

		api.Handle("CreateRequestValidator", s.CreateRequestValidator).Route("POST", restapi+"/requestvalidators", created),
		api.Handle("GetRequestValidator", s.GetRequestValidator).Route("GET", restapi+"/requestvalidators/{requestValidatorId}", 0),
		api.Handle("GetRequestValidators", s.GetRequestValidators).Route("GET", restapi+"/requestvalidators", 0),
		api.Handle("UpdateRequestValidator", s.UpdateRequestValidator).Route("PATCH", restapi+"/requestvalidators/{requestValidatorId}", 0),
		api.Handle("DeleteRequestValidator", s.DeleteRequestValidator).Route("DELETE", restapi+"/requestvalidators/{requestValidatorId}", accepted),

		api.Handle("CreateAuthorizer", s.CreateAuthorizer).Route("POST", restapi+"/authorizers", created),
		api.Handle("GetAuthorizer", s.GetAuthorizer).Route("GET", restapi+"/authorizers/{authorizerId}", 0),
		api.Handle("GetAuthorizers", s.GetAuthorizers).Route("GET", restapi+"/authorizers", 0),
		api.Handle("UpdateAuthorizer", s.UpdateAuthorizer).Route("PATCH", restapi+"/authorizers/{authorizerId}", 0),
		api.Handle("DeleteAuthorizer", s.DeleteAuthorizer).Route("DELETE", restapi+"/authorizers/{authorizerId}", accepted),

		api.Handle("PutGatewayResponse", s.PutGatewayResponse).Route("PUT", restapi+"/gatewayresponses/{responseType}", created),
		api.Handle("GetGatewayResponse", s.GetGatewayResponse).Route("GET", restapi+"/gatewayresponses/{responseType}", 0),
		api.Handle("GetGatewayResponses", s.GetGatewayResponses).Route("GET", restapi+"/gatewayresponses", 0),
		api.Handle("UpdateGatewayResponse", s.UpdateGatewayResponse).Route("PATCH", restapi+"/gatewayresponses/{responseType}", 0),
		api.Handle("DeleteGatewayResponse", s.DeleteGatewayResponse).Route("DELETE", restapi+"/gatewayresponses/{responseType}", accepted),

		api.Handle("CreateVpcLink", s.CreateVpcLink).Route("POST", "/vpclinks", accepted),
		api.Handle("GetVpcLink", s.GetVpcLink).Route("GET", "/vpclinks/{vpcLinkId}", 0),
		api.Handle("GetVpcLinks", s.GetVpcLinks).Route("GET", "/vpclinks", 0),
		api.Handle("UpdateVpcLink", s.UpdateVpcLink).Route("PATCH", "/vpclinks/{vpcLinkId}", 0),
		api.Handle("DeleteVpcLink", s.DeleteVpcLink).Route("DELETE", "/vpclinks/{vpcLinkId}", accepted),

		api.Handle("CreateApiKey", s.CreateApiKey).Route("POST", "/apikeys", created),
		api.Handle("ImportApiKeys", s.ImportApiKeys).Route("POST", "/apikeys?mode=import", created),
		api.Handle("GetApiKey", s.GetApiKey).Route("GET", "/apikeys/{apiKey}", 0),
		api.Handle("GetApiKeys", s.GetApiKeys).Route("GET", "/apikeys", 0),
		api.Handle("UpdateApiKey", s.UpdateApiKey).Route("PATCH", "/apikeys/{apiKey}", 0),
		api.Handle("DeleteApiKey", s.DeleteApiKey).Route("DELETE", "/apikeys/{apiKey}", accepted),

		api.Handle("CreateUsagePlan", s.CreateUsagePlan).Route("POST", "/usageplans", created),
		api.Handle("GetUsagePlan", s.GetUsagePlan).Route("GET", plan, 0),
		api.Handle("GetUsagePlans", s.GetUsagePlans).Route("GET", "/usageplans", 0),
		api.Handle("UpdateUsagePlan", s.UpdateUsagePlan).Route("PATCH", plan, 0),
		api.Handle("DeleteUsagePlan", s.DeleteUsagePlan).Route("DELETE", plan, accepted),
		api.Handle("CreateUsagePlanKey", s.CreateUsagePlanKey).Route("POST", plan+"/keys", created),
		api.Handle("GetUsagePlanKey", s.GetUsagePlanKey).Route("GET", plan+"/keys/{keyId}", 0),
		api.Handle("GetUsagePlanKeys", s.GetUsagePlanKeys).Route("GET", plan+"/keys", 0),
		api.Handle("DeleteUsagePlanKey", s.DeleteUsagePlanKey).Route("DELETE", plan+"/keys/{keyId}", accepted),
		api.Handle("GetUsage", s.GetUsage).Route("GET", plan+"/usage", 0),
		api.Handle("UpdateUsage", s.UpdateUsage).Route("PATCH", plan+"/keys/{keyId}/usage", 0),

		api.Handle("CreateDomainName", s.CreateDomainName).Route("POST", "/domainnames", created),
		api.Handle("GetDomainName", s.GetDomainName).Route("GET", domain, 0),
		api.Handle("GetDomainNames", s.GetDomainNames).Route("GET", "/domainnames", 0),
		api.Handle("DeleteDomainName", s.DeleteDomainName).Route("DELETE", domain, accepted),
		api.Handle("CreateBasePathMapping", s.CreateBasePathMapping).Route("POST", domain+"/basepathmappings", created),
		api.Handle("GetBasePathMapping", s.GetBasePathMapping).Route("GET", domain+"/basepathmappings/{basePath}", 0),
		api.Handle("GetBasePathMappings", s.GetBasePathMappings).Route("GET", domain+"/basepathmappings", 0),
		api.Handle("UpdateBasePathMapping", s.UpdateBasePathMapping).Route("PATCH", domain+"/basepathmappings/{basePath}", 0),
		api.Handle("DeleteBasePathMapping", s.DeleteBasePathMapping).Route("DELETE", domain+"/basepathmappings/{basePath}", accepted),

		api.Handle("TagResource", s.TagResource).Route("PUT", "/tags/{resourceArn}", noContent),
		api.Handle("UntagResource", s.UntagResource).Route("DELETE", "/tags/{resourceArn}", noContent),
		api.Handle("GetTags", s.GetTags).Route("GET", "/tags/{resourceArn}", 0),
	)
}
