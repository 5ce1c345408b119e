package apigatewayv2

import (
	"context"
	"regexp"
	"strings"

	"gatehouse/internal/model"
)

// RouteSettings are a stage's throttling and metrics settings, for all
// routes or for one.
type RouteSettings struct {
	DataTraceEnabled       *bool    `json:"dataTraceEnabled,omitempty"`
	DetailedMetricsEnabled *bool    `json:"detailedMetricsEnabled,omitempty"`
	LoggingLevel           *string  `json:"loggingLevel,omitempty"`
	ThrottlingBurstLimit   *int     `json:"throttlingBurstLimit,omitempty"`
	ThrottlingRateLimit    *float64 `json:"throttlingRateLimit,omitempty"`
}

type CreateStageInput struct {
	APIID                string                   `path:"apiId" json:"-"`
	StageName            *string                  `json:"stageName"`
	AutoDeploy           *bool                    `json:"autoDeploy"`
	DeploymentID         *string                  `json:"deploymentId"`
	Description          *string                  `json:"description"`
	StageVariables       map[string]string        `json:"stageVariables"`
	DefaultRouteSettings *RouteSettings           `json:"defaultRouteSettings"`
	RouteSettings        map[string]RouteSettings `json:"routeSettings"`
	AccessLogSettings    *AccessLogSettings       `json:"accessLogSettings"`
	Tags                 map[string]string        `json:"tags"`
}

// AccessLogSettings are where a stage's access log goes and what each line
// says. In UpdateStage a member left out keeps its value.
type AccessLogSettings struct {
	DestinationArn *string `json:"destinationArn,omitempty"`
	Format         *string `json:"format,omitempty"`
}

type UpdateStageInput struct {
	APIID                string                   `path:"apiId" json:"-"`
	StageName            string                   `path:"stageName" json:"-"`
	AutoDeploy           *bool                    `json:"autoDeploy"`
	DeploymentID         *string                  `json:"deploymentId"`
	Description          *string                  `json:"description"`
	StageVariables       map[string]string        `json:"stageVariables"`
	DefaultRouteSettings *RouteSettings           `json:"defaultRouteSettings"`
	RouteSettings        map[string]RouteSettings `json:"routeSettings"`
	AccessLogSettings    *AccessLogSettings       `json:"accessLogSettings"`
}

type StageNameInput struct {
	APIID     string `path:"apiId" json:"-"`
	StageName string `path:"stageName" json:"-"`
}

// Stage is a stage as API Gateway describes it.
type Stage struct {
	APIGatewayManaged           bool                     `json:"apiGatewayManaged"`
	AccessLogSettings           *AccessLogSettings       `json:"accessLogSettings,omitempty"`
	AutoDeploy                  bool                     `json:"autoDeploy"`
	CreatedDate                 string                   `json:"createdDate"`
	DefaultRouteSettings        RouteSettings            `json:"defaultRouteSettings"`
	DeploymentID                string                   `json:"deploymentId,omitempty"`
	Description                 string                   `json:"description,omitempty"`
	LastDeploymentStatusMessage string                   `json:"lastDeploymentStatusMessage,omitempty"`
	LastUpdatedDate             string                   `json:"lastUpdatedDate"`
	RouteSettings               map[string]RouteSettings `json:"routeSettings"`
	StageName                   string                   `json:"stageName"`
	StageVariables              map[string]string        `json:"stageVariables"`
	Tags                        map[string]string        `json:"tags"`
}

type GetStagesOutput struct {
	Items     []Stage `json:"items"`
	NextToken string  `json:"nextToken,omitempty"`
}

// defaultStage is the stage served at the API's root, without a prefix.
const defaultStage = "$default"

var (
	stageName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,128}$`)
	varName   = regexp.MustCompile(`^[A-Za-z0-9_]{1,64}$`)
	varValue  = regexp.MustCompile(`^[A-Za-z0-9-._~:/?#&=,]+$`)
)

func (s *Service) CreateStage(ctx context.Context, in *CreateStageInput) (*Stage, error) {
	name := deref(in.StageName)
	if name != defaultStage && !stageName.MatchString(name) {
		return nil, badRequest("Invalid stageName %q: it must be $default or 1 to 128 letters, digits, hyphens and underscores.", name)
	}
	if deref(in.AutoDeploy) && deref(in.DeploymentID) != "" {
		return nil, badRequest("A stage with autoDeploy cannot be given a deploymentId: API Gateway deploys it itself.")
	}
	tags, err := checkTags(ctx, in.Tags)
	if err != nil {
		return nil, err
	}
	now := s.now()
	st := &model.Stage{APIID: in.APIID, Name: name, CreatedDate: now, LastUpdatedDate: now, Tags: tags}
	if err := applyStage(st, stageChanges{in.AutoDeploy, in.Description, in.StageVariables, in.DefaultRouteSettings, in.RouteSettings, in.AccessLogSettings}); err != nil {
		return nil, err
	}
	err = s.update(ctx, func(tx model.Tx) error {
		if _, err := getApi(ctx, tx, in.APIID); err != nil {
			return err
		}
		if _, ok, err := model.Get[model.Stage](tx, st.Key()); err != nil || ok {
			if err != nil {
				return err
			}
			return conflict("Stage %s already exists in API %s.", name, in.APIID)
		}
		if id := deref(in.DeploymentID); id != "" {
			if _, err := getDeployment(tx, in.APIID, id); err != nil {
				return err
			}
			st.DeploymentID = id
		}
		if st.AutoDeploy {
			return s.deploy(tx, st, &change{})
		}
		return model.Put(tx, st)
	})
	if err != nil {
		return nil, err
	}
	return stageShape(st), nil
}

// stageChanges are the members CreateStage and UpdateStage share.
type stageChanges struct {
	autoDeploy    *bool
	description   *string
	variables     map[string]string
	defaults      *RouteSettings
	routeSettings map[string]RouteSettings
	accessLog     *AccessLogSettings
}

// applyStage validates c and applies it to st. Stage variables and route
// settings merge into what the stage has; a variable set to "" goes.
func applyStage(st *model.Stage, c stageChanges) error {
	if c.autoDeploy != nil {
		st.AutoDeploy = *c.autoDeploy
	}
	if c.description != nil {
		if len(*c.description) > 1024 {
			return badRequest("The description must be at most 1024 characters long.")
		}
		st.Description = *c.description
	}
	for k, v := range c.variables {
		if !varName.MatchString(k) {
			return badRequest("Invalid stage variable name %q: use 1 to 64 letters, digits and underscores.", k)
		}
		if v != "" && (len(v) > 2048 || !varValue.MatchString(v)) {
			return badRequest("Invalid value for stage variable %s: use up to 2048 letters, digits and the characters -._~:/?#&=,", k)
		}
	}
	st.StageVariables = mergeParameters(st.StageVariables, c.variables)
	if c.defaults != nil {
		rs, err := routeSettings(*c.defaults)
		if err != nil {
			return err
		}
		st.DefaultRouteSettings = rs
	}
	for key, set := range c.routeSettings {
		if _, err := parseRouteKey(key); err != nil {
			return err
		}
		rs, err := routeSettings(set)
		if err != nil {
			return err
		}
		if st.RouteSettings == nil {
			st.RouteSettings = map[string]model.RouteSettings{}
		}
		st.RouteSettings[key] = rs
	}
	if c.accessLog != nil {
		a, err := accessLog(st.AccessLog, *c.accessLog)
		if err != nil {
			return err
		}
		st.AccessLog = a
	}
	return nil
}

// accessLog merges the members of in into the settings a stage has (nil:
// none) and checks the result, which must name a CloudWatch Logs log group
// or an amazon-apigateway- Firehose stream and have a one-line format with
// a request id in it. Both members empty is no access logging.
func accessLog(have *model.AccessLogSettings, in AccessLogSettings) (*model.AccessLogSettings, error) {
	var a model.AccessLogSettings
	if have != nil {
		a = *have
	}
	if in.DestinationArn != nil {
		a.DestinationARN = *in.DestinationArn
	}
	if in.Format != nil {
		a.Format = *in.Format
	}
	switch {
	case a.DestinationARN == "" && a.Format == "":
		return nil, nil
	case a.DestinationARN == "":
		return nil, badRequest("Access log settings need a destinationArn as well as a format.")
	case a.Format == "":
		return nil, badRequest("Access log settings need a format as well as a destinationArn.")
	}
	if _, ok := model.AccessLogDestination(a.DestinationARN); !ok {
		return nil, badRequest("Invalid access log destination %s: it must be the ARN of a CloudWatch Logs log group "+
			"(arn:aws:logs:{region}:{account}:log-group:{name}) or of a Kinesis Data Firehose delivery stream whose name starts with amazon-apigateway-.", a.DestinationARN)
	}
	if strings.ContainsAny(strings.TrimRight(a.Format, "\r\n"), "\r\n") {
		return nil, badRequest("Access Log format must be a single line.")
	}
	if !a.HasRequestID() {
		return nil, badRequest("Access Log format must include either $context.requestId or $context.extendedRequestId")
	}
	return &a, nil
}

func routeSettings(in RouteSettings) (model.RouteSettings, error) {
	// Execution logging (dataTraceEnabled, loggingLevel) is WebSocket-only.
	if deref(in.DataTraceEnabled) || deref(in.LoggingLevel) != "" && *in.LoggingLevel != "OFF" {
		return model.RouteSettings{}, badRequest("Execution logs are not supported on protocolType HTTP")
	}
	if b := deref(in.ThrottlingBurstLimit); b < 0 {
		return model.RouteSettings{}, badRequest("Invalid throttlingBurstLimit %d: it cannot be negative.", b)
	}
	if r := deref(in.ThrottlingRateLimit); r < 0 {
		return model.RouteSettings{}, badRequest("Invalid throttlingRateLimit %g: it cannot be negative.", r)
	}
	return model.RouteSettings{
		ThrottlingBurstLimit:   deref(in.ThrottlingBurstLimit),
		ThrottlingRateLimit:    deref(in.ThrottlingRateLimit),
		DetailedMetricsEnabled: deref(in.DetailedMetricsEnabled),
	}, nil
}

func (s *Service) GetStage(ctx context.Context, in *StageNameInput) (*Stage, error) {
	var st *model.Stage
	err := s.view(ctx, func(tx model.Tx) (err error) {
		if _, err = getApi(ctx, tx, in.APIID); err != nil {
			return err
		}
		st, err = getStage(tx, in.APIID, in.StageName)
		return err
	})
	if err != nil {
		return nil, err
	}
	return stageShape(st), nil
}

func (s *Service) GetStages(ctx context.Context, in *ListInput) (*GetStagesOutput, error) {
	var all []*model.Stage
	err := s.view(ctx, func(tx model.Tx) (err error) {
		if _, err = getApi(ctx, tx, in.APIID); err != nil {
			return err
		}
		all, err = stagesOf(tx, in.APIID)
		return err
	})
	if err != nil {
		return nil, err
	}
	items, next, err := page(all, func(st *model.Stage) string { return st.Name }, in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	out := &GetStagesOutput{Items: []Stage{}, NextToken: next}
	for _, st := range items {
		out.Items = append(out.Items, *stageShape(st))
	}
	return out, nil
}

// UpdateStage changes a stage. Turning autoDeploy on deploys at once, as on
// AWS; pointing a stage at a deployment is how a stage without autoDeploy
// is rolled forward or back.
func (s *Service) UpdateStage(ctx context.Context, in *UpdateStageInput) (*Stage, error) {
	var st *model.Stage
	err := s.update(ctx, func(tx model.Tx) (err error) {
		if _, err = getApi(ctx, tx, in.APIID); err != nil {
			return err
		}
		if st, err = getStage(tx, in.APIID, in.StageName); err != nil {
			return err
		}
		wasAuto := st.AutoDeploy
		err = applyStage(st, stageChanges{in.AutoDeploy, in.Description, in.StageVariables, in.DefaultRouteSettings, in.RouteSettings, in.AccessLogSettings})
		if err != nil {
			return err
		}
		if id := deref(in.DeploymentID); id != "" {
			if st.AutoDeploy {
				return badRequest("A stage with autoDeploy cannot be given a deploymentId: API Gateway deploys it itself.")
			}
			if _, err := getDeployment(tx, in.APIID, id); err != nil {
				return err
			}
			st.DeploymentID, st.LastDeploymentStatus = id, ""
		}
		st.LastUpdatedDate = s.now()
		if st.AutoDeploy && !wasAuto {
			return s.deploy(tx, st, &change{})
		}
		return model.Put(tx, st)
	})
	if err != nil {
		return nil, err
	}
	return stageShape(st), nil
}

// DeleteStage removes a stage; an API mapping that points at it makes AWS
// refuse, naming the domains.
func (s *Service) DeleteStage(ctx context.Context, in *StageNameInput) (*Empty, error) {
	err := s.update(ctx, func(tx model.Tx) error {
		if _, err := getApi(ctx, tx, in.APIID); err != nil {
			return err
		}
		st, err := getStage(tx, in.APIID, in.StageName)
		if err != nil {
			return err
		}
		domains, err := model.MappedDomains(tx, st.APIID, st.Name)
		if err != nil {
			return err
		}
		if len(domains) > 0 {
			return badRequest("Deleting stage %s failed. Please remove all base path mappings related to the stage in your domains: %s", st.Name, strings.Join(domains, ", "))
		}
		if err := model.Delete(tx, st); err != nil {
			return err
		}
		return pruneAutoDeployment(tx, in.APIID, st.DeploymentID, nil)
	})
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

type RouteSettingsInput struct {
	APIID     string `path:"apiId" json:"-"`
	StageName string `path:"stageName" json:"-"`
	RouteKey  string `path:"routeKey" json:"-"`
}

// DeleteRouteSettings drops a route's own settings from a stage: the route
// falls back to the stage's default route settings.
func (s *Service) DeleteRouteSettings(ctx context.Context, in *RouteSettingsInput) (*Empty, error) {
	err := s.update(ctx, func(tx model.Tx) error {
		if _, err := getApi(ctx, tx, in.APIID); err != nil {
			return err
		}
		st, err := getStage(tx, in.APIID, in.StageName)
		if err != nil {
			return err
		}
		if _, ok := st.RouteSettings[in.RouteKey]; !ok {
			return notFound("Unable to find Route Settings for key: %s", in.RouteKey)
		}
		delete(st.RouteSettings, in.RouteKey)
		st.LastUpdatedDate = s.now()
		return model.Put(tx, st)
	})
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

func getStage(tx model.Tx, apiID, name string) (*model.Stage, error) {
	st, ok, err := model.Get[model.Stage](tx, apiID+"/"+name)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, stageNotFound(name)
	}
	return st, nil
}

func stagesOf(tx model.Tx, apiID string) ([]*model.Stage, error) {
	return ofAPI[model.Stage](tx, apiID)
}

func stageShape(st *model.Stage) *Stage {
	out := &Stage{
		APIGatewayManaged:           st.Managed,
		AccessLogSettings:           accessLogShape(st.AccessLog),
		AutoDeploy:                  st.AutoDeploy,
		CreatedDate:                 timestamp(st.CreatedDate),
		DefaultRouteSettings:        settingsShape(st.DefaultRouteSettings),
		DeploymentID:                st.DeploymentID,
		Description:                 st.Description,
		LastDeploymentStatusMessage: st.LastDeploymentStatus,
		LastUpdatedDate:             timestamp(st.LastUpdatedDate),
		RouteSettings:               map[string]RouteSettings{},
		StageName:                   st.Name,
		StageVariables:              orEmpty(st.StageVariables),
		Tags:                        orEmpty(st.Tags),
	}
	for k, rs := range st.RouteSettings {
		out.RouteSettings[k] = settingsShape(rs)
	}
	return out
}

// settingsShape reports unset throttling limits as absent, as AWS does.
func settingsShape(rs model.RouteSettings) RouteSettings {
	out := RouteSettings{DetailedMetricsEnabled: &rs.DetailedMetricsEnabled}
	if rs.ThrottlingBurstLimit != 0 {
		out.ThrottlingBurstLimit = &rs.ThrottlingBurstLimit
	}
	if rs.ThrottlingRateLimit != 0 {
		out.ThrottlingRateLimit = &rs.ThrottlingRateLimit
	}
	return out
}

func accessLogShape(a *model.AccessLogSettings) *AccessLogSettings {
	if a == nil {
		return nil
	}
	return &AccessLogSettings{DestinationArn: &a.DestinationARN, Format: &a.Format}
}

// DeleteAccessLogSettings turns a stage's access logging off. A stage
// without any is left as it is.
func (s *Service) DeleteAccessLogSettings(ctx context.Context, in *StageNameInput) (*Empty, error) {
	err := s.update(ctx, func(tx model.Tx) error {
		if _, err := getApi(ctx, tx, in.APIID); err != nil {
			return err
		}
		st, err := getStage(tx, in.APIID, in.StageName)
		if err != nil || st.AccessLog == nil {
			return err
		}
		st.AccessLog = nil
		st.LastUpdatedDate = s.now()
		return model.Put(tx, st)
	})
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}
