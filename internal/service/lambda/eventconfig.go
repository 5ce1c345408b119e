package lambda

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"slices"
	"strings"

	"gatehouse/internal/api"
	"gatehouse/internal/invoke"
	"gatehouse/internal/model"
)

// An event invoke config is keyed by the qualifier it was put for; the
// unqualified function's is $LATEST's, as Lambda reports it.

// EventInvokeConfigInput is PutFunctionEventInvokeConfig's and
// UpdateFunctionEventInvokeConfig's request.
type EventInvokeConfigInput struct {
	FunctionName             string             `path:"FunctionName" json:"-"`
	Qualifier                string             `querystring:"Qualifier" json:"-"`
	MaximumRetryAttempts     *int               `json:"MaximumRetryAttempts"`
	MaximumEventAgeInSeconds *int               `json:"MaximumEventAgeInSeconds"`
	DestinationConfig        *DestinationConfig `json:"DestinationConfig"`
}

// DestinationConfig names where records of asynchronous invocations go.
type DestinationConfig struct {
	OnSuccess *Destination `json:"OnSuccess"`
	OnFailure *Destination `json:"OnFailure"`
}

// Destination is one destination ARN.
type Destination struct {
	Destination *string `json:"Destination"`
}

// FunctionEventInvokeConfig is a config as Lambda reports it: the
// settings given, and both destinations always, with a null Destination
// when there is none (what Terraform's provider reads back).
type FunctionEventInvokeConfig struct {
	LastModified             float64         `json:"LastModified"`
	FunctionArn              string          `json:"FunctionArn"`
	MaximumRetryAttempts     *int            `json:"MaximumRetryAttempts,omitempty"`
	MaximumEventAgeInSeconds *int            `json:"MaximumEventAgeInSeconds,omitempty"`
	DestinationConfig        destinationsOut `json:"DestinationConfig"`
}

type destinationsOut struct {
	OnSuccess Destination `json:"OnSuccess"`
	OnFailure Destination `json:"OnFailure"`
}

func eventInvokeConfig(arn string, c *model.FunctionEventInvokeConfig) *FunctionEventInvokeConfig {
	out := &FunctionEventInvokeConfig{LastModified: float64(c.LastModified.UnixMilli()) / 1000,
		FunctionArn: arn + ":" + c.Qualifier, MaximumRetryAttempts: c.MaximumRetryAttempts,
		MaximumEventAgeInSeconds: c.MaximumEventAgeInSeconds}
	if c.OnSuccess != "" {
		out.DestinationConfig.OnSuccess.Destination = &c.OnSuccess
	}
	if c.OnFailure != "" {
		out.DestinationConfig.OnFailure.Destination = &c.OnFailure
	}
	return out
}

// The event invoke config operations' own qualifier and destination
// constraints, as Lambda's front end reports them.
const (
	eicQualifierPattern   = `\$(LATEST(\.PUBLISHED)?)|[a-zA-Z0-9-_$]+`
	destinationARNPattern = `$|kafka://([^.]([a-zA-Z0-9\-_.]{0,248}))|arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\-])+:((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1})?:(\d{12})?:(.*)`
)

var (
	eicQualifierRE   = regexp.MustCompile(`^(?:` + eicQualifierPattern + `)$`)
	destinationARNRE = regexp.MustCompile(`^(?:` + destinationARNPattern + `)$`)
)

// checkEventInvokeConfig checks the members of a Put or Update against
// their constraints, reporting every failure together.
func checkEventInvokeConfig(in *EventInvokeConfigInput) error {
	var v validation
	checkEICQualifier(&v, in.Qualifier)
	if r := in.MaximumRetryAttempts; r != nil && *r < 0 {
		v.atLeast(*r, "maximumRetryAttempts", 0)
	} else if r != nil && *r > 2 {
		v.atMost(*r, "maximumRetryAttempts", 2)
	}
	if a := in.MaximumEventAgeInSeconds; a != nil && *a < 60 {
		v.atLeast(*a, "maximumEventAgeInSeconds", 60)
	} else if a != nil && *a > 21600 {
		v.atMost(*a, "maximumEventAgeInSeconds", 21600)
	}
	if dc := in.DestinationConfig; dc != nil {
		checkDestination(&v, dc.OnSuccess, "destinationConfig.onSuccess.destination")
		checkDestination(&v, dc.OnFailure, "destinationConfig.onFailure.destination")
	}
	return v.err()
}

func checkEICQualifier(v *validation, q string) {
	if q == "" {
		return
	}
	if len(q) > 128 {
		v.length(q, "qualifier", 128)
	} else if !eicQualifierRE.MatchString(q) {
		v.pattern(q, "qualifier", eicQualifierPattern)
	}
}

func checkDestination(v *validation, d *Destination, member string) {
	if d == nil || d.Destination == nil {
		return
	}
	if s := *d.Destination; len(s) > 350 {
		v.length(s, member, 350)
	} else if !destinationARNRE.MatchString(s) {
		v.pattern(s, member, destinationARNPattern)
	}
}

// Lambda's answers when the function, or its config, is not there.
func noSuchFunction() error {
	return resourceNotFound("The function doesn't exist.")
}

func noEventInvokeConfig(arn string) error {
	return resourceNotFound("The function %s doesn't have an EventInvokeConfig", arn)
}

// eicTarget reads a request's function and qualifier; a function in
// another account or region is answered with gone, as one not there.
func eicTarget(ctx context.Context, name, qualifier string, gone func(t target) error) (target, error) {
	t, err := resolve(ctx, name, qualifier)
	var ae *api.Error
	if errors.As(err, &ae) && ae.Status == http.StatusNotFound {
		ref, _ := invoke.ParseFunction(name)
		return target{}, gone(target{name: ref.Name, qualifier: qualifierOr(ref.Qualifier, qualifier)})
	}
	return t, err
}

func qualifierOr(q, other string) string {
	if q != "" {
		return q
	}
	return other
}

// configARN is the ARN a config's errors name: the function's, qualified
// as asked or with $LATEST.
func (t target) configARN(ctx context.Context) string {
	return target{name: t.name, qualifier: model.ConfigQualifier(t.qualifier)}.arn(ctx)
}

// qualifierExists reports whether the function has the version or alias
// q ("$LATEST" always).
func qualifierExists(tx model.Tx, f *model.Function, q string) (bool, error) {
	switch {
	case q == "$LATEST":
		return true, nil
	case isVersion(q):
		_, ok, err := model.Get[model.FunctionVersion](tx, f.Name+"/"+q)
		return ok, err
	}
	_, ok, err := model.Get[model.FunctionAlias](tx, f.Name+"/"+q)
	return ok, err
}

// PutFunctionEventInvokeConfig sets a function's (version's, alias's)
// asynchronous invocation settings, replacing any there were.
func (s *Service) PutFunctionEventInvokeConfig(ctx context.Context, in *EventInvokeConfigInput) (*FunctionEventInvokeConfig, error) {
	return s.writeEventInvokeConfig(ctx, in, false)
}

// UpdateFunctionEventInvokeConfig changes the settings given and keeps
// the others.
func (s *Service) UpdateFunctionEventInvokeConfig(ctx context.Context, in *EventInvokeConfigInput) (*FunctionEventInvokeConfig, error) {
	return s.writeEventInvokeConfig(ctx, in, true)
}

func (s *Service) writeEventInvokeConfig(ctx context.Context, in *EventInvokeConfigInput, merge bool) (*FunctionEventInvokeConfig, error) {
	if err := checkEventInvokeConfig(in); err != nil {
		return nil, err
	}
	if in.MaximumRetryAttempts == nil && in.MaximumEventAgeInSeconds == nil && in.DestinationConfig == nil {
		return nil, invalidParameter("You must specify at least one of error handling or destination setting.")
	}
	t, err := eicTarget(ctx, in.FunctionName, in.Qualifier, func(target) error { return noSuchFunction() })
	if err != nil {
		return nil, err
	}
	var out *FunctionEventInvokeConfig
	err = s.update(ctx, func(tx model.Tx) error {
		f, ok, err := model.Get[model.Function](tx, t.name)
		if err != nil || !ok {
			return cmpErr(err, noSuchFunction())
		}
		q := model.ConfigQualifier(t.qualifier)
		if ok, err := qualifierExists(tx, f, q); err != nil || !ok {
			return cmpErr(err, noSuchFunction())
		}
		c := &model.FunctionEventInvokeConfig{Function: f.Name, Qualifier: q}
		if merge {
			cur, ok, err := model.Get[model.FunctionEventInvokeConfig](tx, c.Key())
			if err != nil || !ok {
				return cmpErr(err, noEventInvokeConfig(t.configARN(ctx)))
			}
			c = cur
		}
		if in.MaximumRetryAttempts != nil {
			c.MaximumRetryAttempts = in.MaximumRetryAttempts
		}
		if in.MaximumEventAgeInSeconds != nil {
			c.MaximumEventAgeInSeconds = in.MaximumEventAgeInSeconds
		}
		if dc := in.DestinationConfig; dc != nil {
			c.OnSuccess, c.OnFailure = destinationOf(dc.OnSuccess), destinationOf(dc.OnFailure)
			if err := checkDestinations(ctx, tx, f, c); err != nil {
				return err
			}
		}
		c.LastModified = s.now()
		out = eventInvokeConfig(f.ARN, c)
		return model.Put(tx, c)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// cmpErr is err when there is one, else the answer for what was not found.
func cmpErr(err, missing error) error {
	if err != nil {
		return err
	}
	return missing
}

func destinationOf(d *Destination) string {
	if d == nil || d.Destination == nil {
		return ""
	}
	return *d.Destination
}

// checkDestinations refuses destinations Lambda refuses: a function that
// is not there or is the function itself, and services asynchronous
// invocations cannot send to (S3 takes failures only).
func checkDestinations(ctx context.Context, tx model.Tx, f *model.Function, c *model.FunctionEventInvokeConfig) error {
	valid := true
	for _, d := range []struct {
		arn       string
		onFailure bool
	}{{c.OnSuccess, false}, {c.OnFailure, true}} {
		if d.arn == "" {
			continue
		}
		parts := strings.SplitN(d.arn, ":", 6)
		service := ""
		if len(parts) == 6 {
			service = parts[2]
		}
		switch service {
		case "lambda":
			if err := checkFunctionDestination(ctx, tx, f, d.arn); err != nil {
				return err
			}
		case "sqs", "sns", "events":
		case "s3":
			valid = valid && d.onFailure
		default:
			valid = false
		}
	}
	if valid {
		return nil
	}
	part := func(name, arn string) string {
		if arn == "" {
			return "null"
		}
		return name + "(destination=" + arn + ")"
	}
	return invalidParameter("The provided destination config DestinationConfig(onSuccess=%s, onFailure=%s) is invalid.",
		part("OnSuccess", c.OnSuccess), part("OnFailure", c.OnFailure))
}

// checkFunctionDestination requires a destination function to exist and
// to be another function than f.
func checkFunctionDestination(ctx context.Context, tx model.Tx, f *model.Function, arn string) error {
	ref, ok := invoke.ParseFunction(arn)
	m := api.MetaFrom(ctx)
	if !ok {
		return invalidParameter("The destination ARN %s is invalid.", arn)
	}
	dtx := model.Tx{Tx: tx.Tx, Account: ref.Account, Region: ref.Region}
	if ref.Account == m.Account && ref.Region == m.Region && ref.Name == f.Name {
		return invalidParameter("You can't specify the function as a destination for itself.")
	}
	if _, ok, err := model.Get[model.Function](dtx, ref.Name); err != nil || !ok {
		return cmpErr(err, invalidParameter("The destination ARN %s is invalid.", arn))
	}
	return nil
}

// EventInvokeConfigRef names a config: GetFunctionEventInvokeConfig's and
// DeleteFunctionEventInvokeConfig's request.
type EventInvokeConfigRef struct {
	FunctionName string `path:"FunctionName" json:"-"`
	Qualifier    string `querystring:"Qualifier" json:"-"`
}

// readConfig finds the config ref names, answering Lambda's not found for
// a function, qualifier or config that is not there.
func readConfig(ctx context.Context, tx model.Tx, t target) (*model.Function, *model.FunctionEventInvokeConfig, error) {
	missing := noEventInvokeConfig(t.configARN(ctx))
	f, ok, err := model.Get[model.Function](tx, t.name)
	if err != nil || !ok {
		return nil, nil, cmpErr(err, missing)
	}
	c, ok, err := model.Get[model.FunctionEventInvokeConfig](tx, model.EventInvokeConfigKey(f.Name, t.qualifier))
	if err != nil || !ok {
		return nil, nil, cmpErr(err, missing)
	}
	return f, c, nil
}

func (s *Service) configRef(ctx context.Context, in *EventInvokeConfigRef) (target, error) {
	var v validation
	checkEICQualifier(&v, in.Qualifier)
	if err := v.err(); err != nil {
		return target{}, err
	}
	return eicTarget(ctx, in.FunctionName, in.Qualifier, func(t target) error { return noEventInvokeConfig(t.configARN(ctx)) })
}

// GetFunctionEventInvokeConfig reports a config.
func (s *Service) GetFunctionEventInvokeConfig(ctx context.Context, in *EventInvokeConfigRef) (*FunctionEventInvokeConfig, error) {
	t, err := s.configRef(ctx, in)
	if err != nil {
		return nil, err
	}
	var out *FunctionEventInvokeConfig
	err = s.view(ctx, func(tx model.Tx) error {
		f, c, err := readConfig(ctx, tx, t)
		if err == nil {
			out = eventInvokeConfig(f.ARN, c)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DeleteFunctionEventInvokeConfig deletes a config: the function's
// asynchronous invocations go back to Lambda's defaults.
func (s *Service) DeleteFunctionEventInvokeConfig(ctx context.Context, in *EventInvokeConfigRef) (*Empty, error) {
	t, err := s.configRef(ctx, in)
	if err != nil {
		return nil, err
	}
	err = s.update(ctx, func(tx model.Tx) error {
		_, c, err := readConfig(ctx, tx, t)
		if err != nil {
			return err
		}
		return model.Delete(tx, c)
	})
	if err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

// ListFunctionEventInvokeConfigsInput pages through a function's configs.
type ListFunctionEventInvokeConfigsInput struct {
	FunctionName string `path:"FunctionName" json:"-"`
	Marker       string `querystring:"Marker" json:"-"`
	MaxItems     *int   `querystring:"MaxItems" json:"-"`
}

// ListFunctionEventInvokeConfigsOutput is one page of configs.
type ListFunctionEventInvokeConfigsOutput struct {
	FunctionEventInvokeConfigs []*FunctionEventInvokeConfig `json:"FunctionEventInvokeConfigs"`
	NextMarker                 string                       `json:"NextMarker,omitempty"`
}

// ListFunctionEventInvokeConfigs lists a function's configs: $LATEST's,
// then its versions' in order, then its aliases' by name.
func (s *Service) ListFunctionEventInvokeConfigs(ctx context.Context, in *ListFunctionEventInvokeConfigsInput) (*ListFunctionEventInvokeConfigsOutput, error) {
	if err := checkMaxItems(in.MaxItems, 50); err != nil {
		return nil, err
	}
	t, err := eicTarget(ctx, in.FunctionName, "", func(target) error { return noSuchFunction() })
	if err != nil {
		return nil, err
	}
	var (
		f       *model.Function
		configs []*model.FunctionEventInvokeConfig
	)
	err = s.view(ctx, func(tx model.Tx) error {
		var ok bool
		var err error
		f, ok, err = model.Get[model.Function](tx, t.name)
		if err != nil || !ok {
			return cmpErr(err, noSuchFunction())
		}
		configs, err = model.ListPrefix[model.FunctionEventInvokeConfig](tx, f.Name+"/")
		return err
	})
	if err != nil {
		return nil, err
	}
	key := func(c *model.FunctionEventInvokeConfig) string {
		switch {
		case c.Qualifier == "$LATEST":
			return "0"
		case isVersion(c.Qualifier):
			return "1" + versionKey(c.Qualifier)
		}
		return "2" + c.Qualifier
	}
	slices.SortFunc(configs, func(a, b *model.FunctionEventInvokeConfig) int { return strings.Compare(key(a), key(b)) })
	pg, next, err := page(configs, key, in.MaxItems, in.Marker, 50)
	if err != nil {
		return nil, err
	}
	out := &ListFunctionEventInvokeConfigsOutput{NextMarker: next, FunctionEventInvokeConfigs: make([]*FunctionEventInvokeConfig, len(pg))}
	for i, c := range pg {
		out.FunctionEventInvokeConfigs[i] = eventInvokeConfig(f.ARN, c)
	}
	return out, nil
}

// deleteConfigs deletes the configs of a function's qualifier, or all of
// them when q is "".
func deleteConfigs(tx model.Tx, function, q string) error {
	configs, err := model.ListPrefix[model.FunctionEventInvokeConfig](tx, function+"/")
	if err != nil {
		return err
	}
	for _, c := range configs {
		if q == "" || c.Qualifier == q {
			if err := model.Delete(tx, c); err != nil {
				return err
			}
		}
	}
	return nil
}
