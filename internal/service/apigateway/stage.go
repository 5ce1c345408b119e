package apigateway

import (
	"context"
	"encoding/json"
	"regexp"
	"strings"

	"gatehouse/internal/model"
)

// Stage is a named pointer to a deployment, with its stage variables and
// method settings.
type Stage struct {
	StageName       string            `json:"stageName"`
	DeploymentID    string            `json:"deploymentId"`
	Description     string            `json:"description,omitempty"`
	Variables       map[string]string `json:"variables,omitempty"`
	CreatedDate     int64             `json:"createdDate"`
	LastUpdatedDate int64             `json:"lastUpdatedDate"`
	// Always present, empty too, as AWS reports it.
	MethodSettings    map[string]MethodSetting `json:"methodSettings"`
	AccessLogSettings *AccessLogSettings       `json:"accessLogSettings,omitempty"`
	// What AWS reports for a stage without a cache cluster or tracing,
	// neither of which gatehouse has.
	CacheClusterEnabled bool              `json:"cacheClusterEnabled"`
	CacheClusterStatus  string            `json:"cacheClusterStatus"`
	TracingEnabled      bool              `json:"tracingEnabled"`
	Tags                map[string]string `json:"tags,omitempty"`
}

// AccessLogSettings are where a stage's access log goes and what each line
// says.
type AccessLogSettings struct {
	DestinationArn string `json:"destinationArn"`
	Format         string `json:"format"`
}

type CreateStageInput struct {
	RestAPIID    string            `path:"restApiId" json:"-"`
	StageName    string            `json:"stageName"`
	DeploymentID string            `json:"deploymentId"`
	Description  string            `json:"description"`
	Variables    map[string]string `json:"variables"`
	Tags         map[string]string `json:"tags"`
	// Refused when set: gatehouse has no canary releases.
	CanarySettings json.RawMessage `json:"canarySettings"`
	// Accepted and not kept.
	CacheClusterEnabled  *bool   `json:"cacheClusterEnabled"`
	CacheClusterSize     *string `json:"cacheClusterSize"`
	TracingEnabled       *bool   `json:"tracingEnabled"`
	DocumentationVersion *string `json:"documentationVersion"`
}

type StageInput struct {
	RestAPIID string `path:"restApiId" json:"-"`
	StageName string `path:"stageName" json:"-"`
}

type GetStagesInput struct {
	RestAPIID    string `path:"restApiId" json:"-"`
	DeploymentID string `querystring:"deploymentId" json:"-"`
}

type GetStagesOutput struct {
	Items []Stage `json:"item"`
}

type UpdateStageInput struct {
	RestAPIID       string           `path:"restApiId" json:"-"`
	StageName       string           `path:"stageName" json:"-"`
	PatchOperations []PatchOperation `json:"patchOperations"`
}

var (
	stageNamePattern     = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,128}$`)
	variableNamePattern  = regexp.MustCompile(`^[A-Za-z0-9_]{1,64}$`)
	variableValuePattern = regexp.MustCompile(`^[A-Za-z0-9\-._~:/?#&=,]{1,512}$`)
)

func checkStageName(name string) error {
	if !stageNamePattern.MatchString(name) {
		return badRequest("Stage name only allows a-zA-Z0-9_- (1 to 128 characters): %s", name)
	}
	return nil
}

func checkVariable(name, value string) error {
	if !variableNamePattern.MatchString(name) {
		return badRequest("Stage variable names must match the regular expression [A-Za-z0-9_]+ (at most 64 characters): %s", name)
	}
	if !variableValuePattern.MatchString(value) {
		return badRequest("Stage variable values must match the regular expression [A-Za-z0-9-._~:/?#&=,]+ (at most 512 characters): %s", name)
	}
	return nil
}

func checkVariables(vars map[string]string) error {
	for _, k := range sortedKeys(vars) {
		if err := checkVariable(k, vars[k]); err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) CreateStage(ctx context.Context, in *CreateStageInput) (*Stage, error) {
	if err := checkStageName(in.StageName); err != nil {
		return nil, err
	}
	if in.DeploymentID == "" {
		return nil, badRequest("Invalid deployment identifier specified: deploymentId is required")
	}
	if len(in.CanarySettings) > 0 && string(in.CanarySettings) != "null" {
		return nil, badRequest("gatehouse has no canary releases; create the stage without canarySettings")
	}
	if err := checkVariables(in.Variables); err != nil {
		return nil, err
	}
	tags, err := checkTags(ctx, in.Tags)
	if err != nil {
		return nil, err
	}
	now := s.now()
	st := &model.RestStage{
		APIID:           in.RestAPIID,
		Name:            in.StageName,
		DeploymentID:    in.DeploymentID,
		Description:     in.Description,
		Variables:       in.Variables,
		CreatedDate:     now,
		LastUpdatedDate: now,
		Tags:            tags,
	}
	err = s.update(ctx, func(tx model.Tx) error {
		if _, err := getDeployment(ctx, tx, in.RestAPIID, in.DeploymentID); err != nil {
			return err
		}
		if _, ok, err := model.Get[model.RestStage](tx, st.Key()); err != nil {
			return err
		} else if ok {
			return conflict("Stage already exists")
		}
		return model.Put(tx, st)
	})
	if err != nil {
		return nil, err
	}
	return stageShape(st), nil
}

func (s *Service) GetStage(ctx context.Context, in *StageInput) (*Stage, error) {
	var st *model.RestStage
	err := s.view(ctx, func(tx model.Tx) error {
		var err error
		st, err = getStage(ctx, tx, in.RestAPIID, in.StageName)
		return err
	})
	if err != nil {
		return nil, err
	}
	return stageShape(st), nil
}

func (s *Service) GetStages(ctx context.Context, in *GetStagesInput) (*GetStagesOutput, error) {
	var stages []*model.RestStage
	err := s.view(ctx, func(tx model.Tx) error {
		if _, err := getAPI(ctx, tx, in.RestAPIID); err != nil {
			return err
		}
		var err error
		stages, err = apiStages(tx, in.RestAPIID)
		return err
	})
	if err != nil {
		return nil, err
	}
	out := &GetStagesOutput{Items: []Stage{}}
	for _, st := range stages {
		if in.DeploymentID == "" || st.DeploymentID == in.DeploymentID {
			out.Items = append(out.Items, *stageShape(st))
		}
	}
	return out, nil
}

func (s *Service) UpdateStage(ctx context.Context, in *UpdateStageInput) (*Stage, error) {
	var st *model.RestStage
	err := s.update(ctx, func(tx model.Tx) error {
		var err error
		if st, err = getStage(ctx, tx, in.RestAPIID, in.StageName); err != nil {
			return err
		}
		setVariable := func(k, v string) error {
			if err := checkVariable(k, v); err != nil {
				return err
			}
			if st.Variables == nil {
				st.Variables = map[string]string{}
			}
			st.Variables[k] = v
			return nil
		}
		paths := []patchPath{
			{path: "/variables/*", add: setVariable, replace: setVariable, remove: func(k, _ string) error {
				delete(st.Variables, k)
				return nil
			}},
			{path: "/deploymentId", replace: func(_, v string) error {
				if _, ok, err := model.Get[model.RestDeployment](tx, in.RestAPIID+"/"+v); err != nil {
					return err
				} else if !ok {
					return deploymentNotFound()
				}
				st.DeploymentID = v
				return nil
			}},
			replaceText("/description", &st.Description),
		}
		paths = append(paths, accessLogPaths(st)...)
		err = applyPatch(in.PatchOperations, append(paths, methodSettingPaths(st)...))
		if err != nil {
			return err
		}
		if err := checkAccessLog(st.AccessLog); err != nil {
			return err
		}
		st.LastUpdatedDate = s.now()
		return model.Put(tx, st)
	})
	if err != nil {
		return nil, err
	}
	return stageShape(st), nil
}

// DeleteStage removes a stage. Usage plans and API keys lose it, as on
// AWS; a base path mapping that points at it makes AWS refuse, naming the
// domains.
func (s *Service) DeleteStage(ctx context.Context, in *StageInput) (*Empty, error) {
	err := s.update(ctx, func(tx model.Tx) error {
		st, err := getStage(ctx, tx, in.RestAPIID, in.StageName)
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
		if err := forgetStages(tx, st.APIID, st.Name); err != nil {
			return err
		}
		return model.Delete(tx, st)
	})
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

func getStage(ctx context.Context, tx model.Tx, apiID, name string) (*model.RestStage, error) {
	if _, err := getAPI(ctx, tx, apiID); err != nil {
		return nil, err
	}
	st, ok, err := model.Get[model.RestStage](tx, apiID+"/"+name)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, stageNotFound()
	}
	return st, nil
}

func apiStages(tx model.Tx, apiID string) ([]*model.RestStage, error) {
	return model.ListPrefix[model.RestStage](tx, apiID+"/")
}

func stageShape(st *model.RestStage) *Stage {
	return &Stage{
		StageName:          st.Name,
		DeploymentID:       st.DeploymentID,
		Description:        st.Description,
		Variables:          st.Variables,
		CreatedDate:        epoch(st.CreatedDate),
		LastUpdatedDate:    epoch(st.LastUpdatedDate),
		CacheClusterStatus: "NOT_AVAILABLE",
		MethodSettings:     methodSettingsShape(st.MethodSettings),
		AccessLogSettings:  accessLogShape(st.AccessLog),
		Tags:               tagsOut(st.Tags),
	}
}

// accessLogPaths are UpdateStage's access logging paths: replace sets
// either member, remove on /accessLogSettings turns access logging off.
func accessLogPaths(st *model.RestStage) []patchPath {
	settings := func() *model.AccessLogSettings {
		if st.AccessLog == nil {
			st.AccessLog = &model.AccessLogSettings{}
		}
		return st.AccessLog
	}
	return []patchPath{
		{path: "/accessLogSettings/destinationArn", replace: func(_, v string) error { settings().DestinationARN = v; return nil }},
		{path: "/accessLogSettings/format", replace: func(_, v string) error { settings().Format = v; return nil }},
		{path: "/accessLogSettings", remove: func(string, string) error { st.AccessLog = nil; return nil }},
	}
}

// checkAccessLog checks a stage's access logging as patched: a CloudWatch
// Logs log group or an amazon-apigateway- Firehose stream, and a one-line
// format with a request id in it.
func checkAccessLog(a *model.AccessLogSettings) error {
	switch {
	case a == nil:
		return nil
	case a.DestinationARN == "":
		return badRequest("Access log settings need a destinationArn as well as a format.")
	case a.Format == "":
		return badRequest("Access log settings need a format as well as a destinationArn.")
	}
	if _, ok := model.AccessLogDestination(a.DestinationARN); !ok {
		return badRequest("Invalid access log destination %s: it must be the ARN of a CloudWatch Logs log group "+
			"(arn:aws:logs:{region}:{account}:log-group:{name}) or of a Kinesis Data Firehose delivery stream whose name starts with amazon-apigateway-.", a.DestinationARN)
	}
	if strings.ContainsAny(strings.TrimRight(a.Format, "\r\n"), "\r\n") {
		return badRequest("Access Log format must be a single line.")
	}
	if !a.HasRequestID() {
		return badRequest("Access Log format must include either $context.requestId or $context.extendedRequestId")
	}
	return nil
}

func accessLogShape(a *model.AccessLogSettings) *AccessLogSettings {
	if a == nil {
		return nil
	}
	return &AccessLogSettings{DestinationArn: a.DestinationARN, Format: a.Format}
}
