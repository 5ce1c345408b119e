package cloudformation

import (
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"

	"gatehouse/internal/model"
)

// taggedKinds maps each resource type that takes tags to the snapshot's
// index of its records, keyed by the value of Ref. A resource whose
// creation a crash cut short has no physical id in its stack, but carries
// the stack's aws:cloudformation tags, so it can still be found and
// deleted. Types that take no tags have no such record: see README.md.
var taggedKinds = map[string]string{
	"AWS::EC2::VPC":                              "VPCs",
	"AWS::EC2::Subnet":                           "Subnets",
	"AWS::EC2::SecurityGroup":                    "SecurityGroups",
	"AWS::EC2::NetworkInterface":                 "Interfaces",
	"AWS::ElasticLoadBalancingV2::LoadBalancer":  "LoadBalancers",
	"AWS::ElasticLoadBalancingV2::TargetGroup":   "TargetGroups",
	"AWS::ElasticLoadBalancingV2::Listener":      "Listeners",
	"AWS::ElasticLoadBalancingV2::ListenerRule":  "Rules",
	"AWS::ApiGatewayV2::Api":                     "HTTPAPIs",
	"AWS::ApiGatewayV2::VpcLink":                 "VpcLinks",
	"AWS::ApiGateway::RestApi":                   "RestAPIs",
	"AWS::ApiGateway::VpcLink":                   "VpcLinksV1",
	"AWS::ApiGateway::ApiKey":                    "APIKeys",
	"AWS::ApiGateway::UsagePlan":                 "UsagePlans",
	"AWS::ServiceDiscovery::PrivateDnsNamespace": "Namespaces",
	"AWS::ServiceDiscovery::HttpNamespace":       "Namespaces",
	"AWS::ServiceDiscovery::Service":             "CloudMapServices",
	"AWS::Lambda::Function":                      "Functions",
}

// orphans finds the physical ids of the records tagged as the stack's
// resource logicalID, but keep.
func (e *engine) orphans(sc model.Scope, stackID, logicalID, typ, keep string) []string {
	if typ == "AWS::SSM::Parameter" {
		return e.orphanParameters(sc, stackID, logicalID, keep)
	}
	field, ok := taggedKinds[typ]
	if !ok {
		return nil
	}
	snap, err := model.Load(e.s.cfg.Store)
	if err != nil {
		e.s.cfg.Log.Error("looking for a resource by its tags", "stack", stackID, "resource", logicalID, "err", err)
		return nil
	}
	scoped := snap.Scopes[sc]
	if scoped == nil {
		return nil
	}
	m := reflect.ValueOf(scoped).Elem().FieldByName(field)
	if m.Kind() != reflect.Map {
		return nil
	}
	var out []string
	iter := m.MapRange()
	for iter.Next() {
		rec := iter.Value()
		if rec.Kind() == reflect.Pointer {
			rec = rec.Elem()
		}
		tf := rec.FieldByName("Tags")
		if !tf.IsValid() {
			continue
		}
		tags, _ := tf.Interface().(model.Tags)
		id := iter.Key().String()
		if tags["aws:cloudformation:stack-id"] == stackID && tags["aws:cloudformation:logical-id"] == logicalID && id != keep {
			out = append(out, id)
		}
	}
	sort.Strings(out)
	return out
}

// orphanParameters finds the names of the parameters tagged as the
// stack's resource logicalID, but keep. Snapshots do not index parameters
// (nothing the data plane serves reads them), so they are listed from the
// store; a generated name cannot be known any other way.
func (e *engine) orphanParameters(sc model.Scope, stackID, logicalID, keep string) []string {
	var out []string
	err := e.s.view(sc, func(tx model.Tx) error {
		params, err := model.List[model.Parameter](tx)
		for _, p := range params {
			if p.Tags["aws:cloudformation:stack-id"] == stackID && p.Tags["aws:cloudformation:logical-id"] == logicalID && p.Name != keep {
				out = append(out, p.Name)
			}
		}
		return err
	})
	if err != nil {
		e.s.cfg.Log.Error("looking for a parameter by its tags", "stack", stackID, "resource", logicalID, "err", err)
		return nil
	}
	sort.Strings(out)
	return out
}

// handlerMessage renders a service's error as CloudFormation's resource
// handlers report it: the service's message, with the service, status
// and request id, and the handler's error code.
func handlerMessage(err error) string {
	var api smithy.APIError
	if !errors.As(err, &api) {
		return err.Error()
	}
	service := ""
	var op *smithy.OperationError
	if errors.As(err, &op) {
		service = op.ServiceID
	}
	status, reqID := 0, ""
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		status, reqID = re.HTTPStatusCode(), re.ServiceRequestID()
	}
	return fmt.Sprintf("Resource handler returned message: \"%s (Service: %s, Status Code: %d, Request ID: %s)\" (HandlerErrorCode: %s, ErrorCode: %s)",
		api.ErrorMessage(), service, status, reqID, handlerCode(api.ErrorCode(), status), api.ErrorCode())
}

// handlerCode is CloudFormation's HandlerErrorCode for a service error.
func handlerCode(code string, status int) string {
	switch {
	case strings.Contains(code, "NotFound"):
		return "NotFound"
	case strings.Contains(code, "Duplicate"), strings.Contains(code, "AlreadyExists"), strings.Contains(code, "InUse"):
		return "AlreadyExists"
	case strings.Contains(code, "Limit"), status == 429:
		return "ServiceLimitExceeded"
	case status >= 400 && status < 500:
		return "InvalidRequest"
	}
	return "GeneralServiceException"
}
