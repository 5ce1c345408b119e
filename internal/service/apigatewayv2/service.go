package apigatewayv2

import (
	"context"
	"encoding/base64"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"gatehouse/internal/api"
	"gatehouse/internal/clock"
	"gatehouse/internal/model"
	"gatehouse/internal/store"
)

// Provisioner places a new VPC link's network interfaces and sets its
// status, inside the caller's transaction. vpclink.Provision is the one
// implementation; the composition root hands it over because a service may
// not import the lifecycle package, and the controller must place
// interfaces exactly as CreateVpcLink does when a link wakes.
type Provisioner func(tx model.Tx, link *model.VpcLink, now time.Time) error

// Service implements the apigatewayv2 operations.
type Service struct {
	store     store.Store
	clock     clock.Clock
	endpoint  func(apiID string) string
	provision Provisioner
}

// New returns the service over st. endpoint gives an API's invoke URL (its
// apiEndpoint), which depends on where the server listens; provision places
// VPC links' interfaces.
func New(st store.Store, clk clock.Clock, endpoint func(apiID string) string, provision Provisioner) *Service {
	return &Service{store: st, clock: clk, endpoint: endpoint, provision: provision}
}

// update runs fn in one write transaction scoped to the caller's account and
// region: a failing call writes nothing.
func (s *Service) update(ctx context.Context, fn func(model.Tx) error) error {
	m := api.MetaFrom(ctx)
	return api.Wrap(model.Update(s.store, m.Account, m.Region, fn))
}

// view runs fn in a read transaction scoped like update.
func (s *Service) view(ctx context.Context, fn func(model.Tx) error) error {
	m := api.MetaFrom(ctx)
	return api.Wrap(model.View(s.store, m.Account, m.Region, fn))
}

// now is the service clock's time to the second: API Gateway's timestamps
// carry no more, so what is stored is what is reported.
func (s *Service) now() time.Time {
	return s.clock.Now().UTC().Truncate(time.Second)
}

// timestamp renders t as API Gateway's JSON does ("2020-04-07T00:11:46Z").
func timestamp(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05Z")
}

const alnumLower = "abcdefghijklmnopqrstuvwxyz0123456789"

// Identifier lengths as AWS hands them out: APIs "7ki6gvrngl", routes and
// integrations "qtfgl2b", deployments, VPC links and authorizers "l4er5c".
const (
	apiIDLen         = 10
	routeIDLen       = 7
	integrationIDLen = 7
	deploymentIDLen  = 6
	vpcLinkIDLen     = 6
	authorizerIDLen  = 6
)

// newID draws an identifier of n lowercase letters and digits that taken
// does not hold.
func newID(n int, taken func(string) (bool, error)) (string, error) {
	for {
		b := make([]byte, n)
		for i := range b {
			b[i] = alnumLower[rand.IntN(len(alnumLower))]
		}
		id := string(b)
		used, err := taken(id)
		if err != nil || !used {
			return id, err
		}
	}
}

// unused adapts model.Get into newID's taken.
func unused[T any, P interface {
	*T
	model.Record
}](tx model.Tx, prefix string) func(string) (bool, error) {
	return func(id string) (bool, error) {
		_, ok, err := model.Get[T, P](tx, prefix+id)
		return ok, err
	}
}

// page cuts one page from items, which are sorted by key. The token is the
// key of the next page's first item, so a page boundary survives items being
// added or removed between calls.
func page[T any](items []T, key func(T) string, maxResults, nextToken string) ([]T, string, error) {
	size := len(items)
	if maxResults != "" {
		n, err := strconv.Atoi(maxResults)
		if err != nil || n < 1 {
			return nil, "", badRequest("Invalid maxResults %q: it must be a positive integer.", maxResults)
		}
		size = n
	}
	start := 0
	if nextToken != "" {
		from, err := base64.RawURLEncoding.DecodeString(nextToken)
		if err != nil {
			return nil, "", badRequest("Invalid nextToken %q.", nextToken)
		}
		start, _ = slices.BinarySearchFunc(items, string(from), func(it T, k string) int {
			return strings.Compare(key(it), k)
		})
	}
	end := min(start+size, len(items))
	next := ""
	if end < len(items) {
		next = base64.RawURLEncoding.EncodeToString([]byte(key(items[end])))
	}
	return items[start:end], next, nil
}

// Empty is an output without members: the delete calls answer no body.
type Empty struct{}

// orEmpty gives a nil map as {}, which is how API Gateway reports no tags
// or no stage variables.
func orEmpty(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}
