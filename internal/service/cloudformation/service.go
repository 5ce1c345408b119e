package cloudformation

import (
	"context"
	"log/slog"
	"regexp"
	"strings"
	"time"

	"gatehouse/internal/api"
	"gatehouse/internal/clock"
	"gatehouse/internal/model"
	"gatehouse/internal/stack"
	"gatehouse/internal/store"
)

// Config wires the service.
type Config struct {
	Store store.Store
	Clock clock.Clock
	Log   *slog.Logger
	// Provisioner makes the provisioner a stack of an account and region
	// creates its resources with.
	Provisioner func(account, region string) stack.Provisioner
	// Wait makes a call that starts a stack operation wait up to this
	// long for it to finish before answering; zero answers at once, as
	// AWS does.
	Wait time.Duration
	// SeedParameters, when set, puts the Parameter Store's default
	// parameters (CDK's bootstrap version) in an account and region before
	// a template's SSM-typed parameter or dynamic reference reads it there.
	SeedParameters func(account, region string) error
}

// Service implements the CloudFormation operations.
type Service struct {
	cfg Config
	eng *engine
}

// New returns the service. Its workers run once Resume is called.
func New(cfg Config) *Service {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	s := &Service{cfg: cfg}
	s.eng = newEngine(s)
	return s
}

// Resume carries on every stack operation a stop or a crash interrupted.
// It is called once the listener the provisioner calls is serving.
func (s *Service) Resume() error { return s.eng.resume() }

// Stop stops the workers without recording anything as failed: what they
// were doing carries on at the next Resume.
func (s *Service) Stop() { s.eng.stop() }

func scopeOf(ctx context.Context) model.Scope {
	m := api.MetaFrom(ctx)
	return model.Scope{Account: m.Account, Region: m.Region}
}

func (s *Service) update(sc model.Scope, fn func(model.Tx) error) error {
	return api.Wrap(model.Update(s.cfg.Store, sc.Account, sc.Region, fn))
}

func (s *Service) view(sc model.Scope, fn func(model.Tx) error) error {
	return api.Wrap(model.View(s.cfg.Store, sc.Account, sc.Region, fn))
}

// stackName is CloudFormation's rule for stack and change set names.
var stackName = regexp.MustCompile(`^[a-zA-Z][-a-zA-Z0-9]{0,127}$`)

func checkName(param, name string) error {
	if !stackName.MatchString(name) {
		return validation("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z][-a-zA-Z0-9]*|arn:[-a-zA-Z0-9:/._+]*", name, param)
	}
	return nil
}

func newUUID() string {
	h := api.RandomHex(32)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

func stackARN(sc model.Scope, name string) string {
	return api.ARN("cloudformation", sc.Region, sc.Account, "stack/"+name+"/"+newUUID())
}

func changeSetARN(sc model.Scope, name string) string {
	return api.ARN("cloudformation", sc.Region, sc.Account, "changeSet/"+name+"/"+newUUID())
}

// findStack finds a stack by name (the live one) or by id (any, deleted
// ones too).
func findStack(tx model.Tx, nameOrID string) (*model.Stack, error) {
	if strings.HasPrefix(nameOrID, "arn:") {
		st, ok, err := model.Get[model.Stack](tx, nameOrID)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, stackNotFound(nameOrID)
		}
		return st, nil
	}
	var found *model.Stack
	err := model.Scan(tx, "", func(st *model.Stack) bool {
		if st.Name == nameOrID && st.Status != "DELETE_COMPLETE" {
			found = st
			return false
		}
		return true
	})
	if err != nil {
		return nil, err
	}
	if found == nil {
		return nil, stackNotFound(nameOrID)
	}
	return found, nil
}

// putStack writes st with events, numbered from st.Events on.
func putStack(tx model.Tx, st *model.Stack, events ...model.StackEvent) error {
	for _, e := range events {
		e.StackID, e.StackName, e.Seq, e.ID = st.ID, st.Name, st.Events, newUUID()
		st.Events++
		if err := model.Put(tx, e); err != nil {
			return err
		}
	}
	return model.Put(tx, st)
}

// stackEvent is an event of the stack itself.
func stackEvent(st *model.Stack, status, reason string, now time.Time) model.StackEvent {
	return model.StackEvent{LogicalID: st.Name, PhysicalID: st.ID, Type: "AWS::CloudFormation::Stack",
		Status: status, Reason: reason, Time: now}
}

func timestamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}

// inProgress reports whether a status is an operation under way.
func inProgress(status string) bool {
	return strings.HasSuffix(status, "_IN_PROGRESS")
}
