package lambda

import (
	"context"
	"encoding/base64"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"gatehouse/internal/api"
	"gatehouse/internal/clock"
	"gatehouse/internal/invoke"
	"gatehouse/internal/lambda/code"
	"gatehouse/internal/model"
	"gatehouse/internal/store"
)

// Config wires the service.
type Config struct {
	Store store.Store
	Clock clock.Clock
	// Code stores deployment packages; a function's record names its
	// package by id.
	Code *code.Store
	// Functions runs RequestResponse invocations: the engine. Nil answers
	// every one as an engine that never made the function Active would.
	Functions invoke.Invoker
	// Endpoint is the base URL this service is reached at, for
	// GetFunction's Code.Location.
	Endpoint func() string
	// Concurrency is the account concurrency limit the engine enforces,
	// which reservations are made from and GetAccountSettings reports
	// (Lambda's default of 1,000 when zero or less).
	Concurrency int
}

// Service implements the Lambda operations.
type Service struct {
	cfg Config
}

// New returns the service.
func New(cfg Config) *Service {
	if cfg.Clock == nil {
		cfg.Clock = clock.Real{}
	}
	return &Service{cfg: cfg}
}

// update runs fn in one write transaction scoped to the caller's account and
// region: a failing call writes nothing.
func (s *Service) update(ctx context.Context, fn func(model.Tx) error) error {
	m := api.MetaFrom(ctx)
	return api.Wrap(model.Update(s.cfg.Store, m.Account, m.Region, fn))
}

// view runs fn in a read transaction scoped like update.
func (s *Service) view(ctx context.Context, fn func(model.Tx) error) error {
	m := api.MetaFrom(ctx)
	return api.Wrap(model.View(s.cfg.Store, m.Account, m.Region, fn))
}

// now is the service clock's time to the millisecond, which is all
// Lambda's LastModified shows.
func (s *Service) now() time.Time {
	return s.cfg.Clock.Now().UTC().Truncate(time.Millisecond)
}

// lastModified renders t as Lambda does ("2019-07-17T23:10:15.832+0000").
func lastModified(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000-0700")
}

// functionNamePattern is what FunctionName parameters must match.
const functionNamePattern = `(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\$LATEST|[a-zA-Z0-9-_]+))?`

var functionNameRE = regexp.MustCompile(`^` + functionNamePattern + `$`)

// target is a function named by a request: its name, and the qualifier
// the name or the Qualifier parameter gave.
type target struct {
	name, qualifier string
}

// resolve reads a FunctionName parameter (a name, partial or full ARN,
// perhaps qualified) and a Qualifier parameter. A name in another account
// or region is one this caller cannot see.
func resolve(ctx context.Context, name, qualifier string) (target, error) {
	var v validation
	if name == "" || len(name) > 170 || !functionNameRE.MatchString(name) {
		v.pattern(name, "functionName", functionNamePattern)
	}
	if qualifier != "" && !qualifierRE.MatchString(qualifier) {
		v.pattern(qualifier, "qualifier", qualifierPattern)
	}
	if err := v.err(); err != nil {
		return target{}, err
	}
	ref, ok := invoke.ParseFunction(name)
	m := api.MetaFrom(ctx)
	if !ok || len(ref.Name) > 64 {
		var v validation
		v.pattern(name, "functionName", functionNamePattern)
		return target{}, v.err()
	}
	t := target{name: ref.Name, qualifier: ref.Qualifier}
	if qualifier != "" {
		if t.qualifier != "" && t.qualifier != qualifier {
			return target{}, invalidParameter("The derived qualifier from the function name does not match the specified qualifier.")
		}
		t.qualifier = qualifier
	}
	if ref.Account != "" && ref.Account != m.Account || ref.Region != "" && ref.Region != m.Region {
		return target{}, notFound(invoke.FunctionARN(m.Region, m.Account, ref.Name, t.qualifier))
	}
	return t, nil
}

const qualifierPattern = `(|[a-zA-Z0-9$_-]+)`

var qualifierRE = regexp.MustCompile(`^` + qualifierPattern + `$`)

// arn is the target's ARN, qualified as the request was.
func (t target) arn(ctx context.Context) string {
	m := api.MetaFrom(ctx)
	return invoke.FunctionARN(m.Region, m.Account, t.name, t.qualifier)
}

// getFunction reads the target's function, or answers not found naming
// the target as asked.
func getFunction(ctx context.Context, tx model.Tx, t target) (*model.Function, error) {
	f, ok, err := model.Get[model.Function](tx, t.name)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, notFound(t.arn(ctx))
	}
	return f, nil
}

// configOf is the configuration the target's qualifier names: $LATEST's,
// a published version's, or the version an alias points to; and the ARN
// the configuration is reported under.
func configOf(ctx context.Context, tx model.Tx, f *model.Function, t target) (model.FunctionConfig, string, error) {
	switch q := t.qualifier; {
	case q == "":
		return f.Config, f.ARN, nil
	case q == "$LATEST":
		return f.Config, f.ARN + ":$LATEST", nil
	case isVersion(q):
		v, ok, err := model.Get[model.FunctionVersion](tx, f.Name+"/"+q)
		if err != nil {
			return model.FunctionConfig{}, "", err
		}
		if !ok {
			return model.FunctionConfig{}, "", notFound(t.arn(ctx))
		}
		return v.Config, v.ARN, nil
	default:
		a, ok, err := model.Get[model.FunctionAlias](tx, f.Name+"/"+q)
		if err != nil {
			return model.FunctionConfig{}, "", err
		}
		if !ok {
			return model.FunctionConfig{}, "", notFound(t.arn(ctx))
		}
		c, _, err := configOf(ctx, tx, f, target{name: f.Name, qualifier: a.FunctionVersion})
		return c, a.ARN, err
	}
}

// isVersion reports whether a qualifier is a version number rather than
// an alias name (aliases cannot be all digits).
func isVersion(q string) bool {
	if q == "" {
		return false
	}
	for _, c := range q {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// page cuts one page from items, sorted by key, with Lambda's Marker and
// MaxItems. The marker is the key of the next page's first item, so a
// page boundary survives items coming and going between calls.
func page[T any](items []T, key func(T) string, given *int, marker string, max int) ([]T, string, error) {
	if err := checkMaxItems(given, 10000); err != nil {
		return nil, "", err
	}
	maxItems := max
	if given != nil {
		maxItems = *given
	}
	start := 0
	if marker != "" {
		from, err := base64.RawURLEncoding.DecodeString(marker)
		if err != nil {
			return nil, "", invalidParameter("Invalid Marker: %s", marker)
		}
		start, _ = slices.BinarySearchFunc(items, string(from), func(it T, k string) int {
			return strings.Compare(key(it), k)
		})
	}
	end := min(start+maxItems, len(items))
	next := ""
	if end < len(items) {
		next = base64.RawURLEncoding.EncodeToString([]byte(key(items[end])))
	}
	return items[start:end], next, nil
}

// versionKey orders version numbers as numbers.
func versionKey(v string) string {
	n, _ := strconv.Atoi(v)
	return strconv.Itoa(1e9 + n)
}

// Empty is an output without members: the delete calls answer no body.
type Empty struct{}

// checkMaxItems refuses a MaxItems given outside 1 to limit, in Lambda's
// validation shape.
func checkMaxItems(given *int, limit int) error {
	if given == nil || *given >= 1 && *given <= limit {
		return nil
	}
	var v validation
	if *given < 1 {
		v.atLeast(*given, "maxItems", 1)
	} else {
		v.atMost(*given, "maxItems", limit)
	}
	return v.err()
}
