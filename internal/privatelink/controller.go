package privatelink

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"sync"
	"time"

	"gatehouse/internal/clock"
	"gatehouse/internal/controller"
	"gatehouse/internal/model"
	"gatehouse/internal/store"
)

// ErrStopped is returned by waits on a stopped Controller.
var ErrStopped = errors.New("privatelink: controller stopped")

// Status messages a link ends with. The ready, malformed, inactive and
// already-associated texts are AWS's own; AWS's text for an NLB that does
// not exist is not known, so that one is gatehouse's.
const (
	MessageReady       = "Your vpc link is ready for use"
	MessageMalformed   = "NLB ARN is malformed"
	MessageNotActive   = "NLB is not in active state. If you recently created this NLB, please wait for it to become active and try again."
	MessageAssociated  = "NLB is already associated with another VPC Endpoint Service"
	messageNotFoundFmt = "NLB not found: %s"
)

// Endpoint service states, as EC2 spells them.
const (
	serviceAvailable = "Available"
	serviceDeleted   = "Deleted"
)

// nlbARN is what a V1 link can stand in front of: a network load
// balancer. An ALB's ARN is well formed, but not an NLB's.
var nlbARN = regexp.MustCompile(`^arn:aws[a-z-]*:elasticloadbalancing:[^:]+:[^:]*:loadbalancer/net/[^/]+/[^/]+$`)

// Config configures a Controller.
type Config struct {
	Store store.Store
	// Load reads the model; nil means model.Load(Store). The server passes
	// one shared model.Loader so a commit is decoded once for every
	// controller.
	Load  func() (*model.Snapshot, error)
	Clock clock.Clock
	// Delay is how long provisioning and deletion take, counted from the
	// link's last change. AWS takes minutes; zero moves a link as soon as
	// the controller sees it.
	Delay time.Duration
	// Log receives one line per transition.
	Log *slog.Logger
}

// Controller moves VPC links V1 through their lifecycle. Each link due
// later has a timer on the clock; with clocktest.Fake, Advance runs due
// transitions before it returns, and Sync tells a test when the controller
// has seen its changes.
type Controller struct {
	loop  *controller.Loop
	st    store.Store
	clk   clock.Clock
	delay time.Duration
	log   *slog.Logger

	mu       sync.Mutex
	timers   map[linkKey]*timer
	stopped  bool
	inflight sync.WaitGroup // timer transitions; Add only under mu while !stopped
}

// linkKey names a link across scopes: ids are unique per account and
// region only.
type linkKey struct {
	scope model.Scope
	id    string
}

type timer struct {
	at time.Time
	t  clock.Timer
}

// New returns a controller; call Start to begin.
func New(cfg Config) *Controller {
	if cfg.Clock == nil {
		cfg.Clock = clock.Real{}
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	return &Controller{
		loop: controller.New(controller.Config{
			Store: cfg.Store, Load: cfg.Load, Name: "privatelink", Log: cfg.Log, Stopped: ErrStopped,
			Kinds: []string{model.VpcLinkV1{}.Kind()},
		}),
		st:     cfg.Store,
		clk:    cfg.Clock,
		delay:  cfg.Delay,
		log:    cfg.Log,
		timers: map[linkKey]*timer{},
	}
}

// Start begins following the store. The watch is registered before Start
// returns, so no commit after it goes unseen.
func (c *Controller) Start() { c.loop.Start(c.reconcile) }

// Stop cancels every timer and waits for transitions in flight. Call it
// before closing the store.
func (c *Controller) Stop() {
	c.mu.Lock()
	c.stopped = true
	for _, t := range c.timers {
		t.t.Stop()
	}
	c.mu.Unlock()
	c.loop.Stop()
	c.inflight.Wait()
}

// Sync waits until the controller has acted on the store's state as of the
// call: links already due have moved, and the others have their timers.
func (c *Controller) Sync(ctx context.Context) error { return c.loop.Sync(ctx) }

// reconcile goes through every link in snap, moves those already due and
// keeps one timer for each of the others.
func (c *Controller) reconcile(snap *model.Snapshot) {
	now := c.clk.Now()
	var due []linkKey
	later := map[linkKey]time.Time{}
	for scope, sc := range snap.Scopes {
		for id, l := range sc.VpcLinksV1 {
			if l.Status != model.LinkPending && l.Status != model.LinkDeleting {
				continue
			}
			k, at := linkKey{scope, id}, l.StatusSince.Add(c.delay)
			if at.After(now) {
				later[k] = at
			} else {
				due = append(due, k)
			}
		}
	}

	c.mu.Lock()
	if c.stopped {
		c.mu.Unlock()
		return
	}
	for k, t := range c.timers {
		if at, ok := later[k]; !ok || !at.Equal(t.at) {
			t.t.Stop()
			delete(c.timers, k)
		}
	}
	for k, at := range later {
		if _, ok := c.timers[k]; !ok {
			c.schedule(k, at, now)
		}
	}
	c.mu.Unlock()

	for _, k := range due {
		c.transition(k)
	}
}

// schedule sets k's timer; c.mu must be held.
func (c *Controller) schedule(k linkKey, at, now time.Time) {
	t := &timer{at: at}
	t.t = c.clk.AfterFunc(at.Sub(now), func() { c.fire(k, t) })
	c.timers[k] = t
}

func (c *Controller) fire(k linkKey, t *timer) {
	c.mu.Lock()
	if c.stopped {
		c.mu.Unlock()
		return
	}
	if c.timers[k] == t {
		delete(c.timers, k)
	}
	c.inflight.Add(1)
	c.mu.Unlock()
	defer c.inflight.Done()
	c.transition(k)
}

// transition moves one link if it is still due, in one transaction.
func (c *Controller) transition(k linkKey) {
	var from string
	var after model.VpcLinkV1
	_, err := c.st.Update(func(stx store.Tx) error {
		tx := model.Tx{Tx: stx, Account: k.scope.Account, Region: k.scope.Region}
		link, ok, err := model.Get[model.VpcLinkV1](tx, k.id)
		if err != nil || !ok {
			return err
		}
		now := c.clk.Now()
		if link.StatusSince.Add(c.delay).After(now) {
			return nil
		}
		was := link.Status
		switch was {
		case model.LinkPending:
			err = provision(tx, link, now)
		case model.LinkDeleting:
			err = remove(tx, link)
			link.Status = "(deleted)"
		default:
			// Moved already: a timer and a reconcile raced for it.
			return nil
		}
		from, after = was, *link
		return err
	})
	if err != nil {
		if c.loop.Context().Err() == nil {
			c.log.Error("privatelink: moving a VPC link", "link", k.id, "err", err)
		}
		return
	}
	if from != "" {
		c.log.Info("vpc link v1", "link", k.id, "account", k.scope.Account, "region", k.scope.Region,
			"from", from, "to", after.Status, "message", after.StatusMessage, "endpoint_service", after.EndpointService)
	}
}

// provision makes the link's endpoint service and marks it AVAILABLE, or
// marks it FAILED with the reason AWS would give.
func provision(tx model.Tx, link *model.VpcLinkV1, now time.Time) error {
	reason, err := checkTarget(tx, link)
	if err != nil {
		return err
	}
	link.StatusSince = now
	if reason != "" {
		link.Status, link.StatusMessage = model.LinkFailed, reason
		return model.Put(tx, link)
	}
	id := "vpce-svc-" + randomHex(17)
	es := &model.EndpointService{
		ID:                   id,
		ServiceName:          "com.amazonaws.vpce." + tx.Region + "." + id,
		NetworkLoadBalancers: []string{link.TargetARNs[0]},
		State:                serviceAvailable,
		ManagedBy:            link.ID,
	}
	if err := model.Put(tx, es); err != nil {
		return err
	}
	link.Status, link.StatusMessage, link.EndpointService = model.LinkAvailable, MessageReady, id
	return model.Put(tx, link)
}

// checkTarget says why the link's target cannot have an endpoint service,
// or "" when it can.
func checkTarget(tx model.Tx, link *model.VpcLinkV1) (string, error) {
	if len(link.TargetARNs) != 1 || !nlbARN.MatchString(link.TargetARNs[0]) {
		return MessageMalformed, nil
	}
	target := link.TargetARNs[0]
	lb, ok, err := model.Get[model.LoadBalancer](tx, target)
	if err != nil {
		return "", err
	}
	switch {
	case !ok:
		return fmt.Sprintf(messageNotFoundFmt, target), nil
	case lb.Type != "network":
		return MessageMalformed, nil
	case lb.State != "" && lb.State != "active":
		return MessageNotActive, nil
	}
	services, err := model.List[model.EndpointService](tx)
	if err != nil {
		return "", err
	}
	for _, es := range services {
		if es.State != serviceDeleted && slices.Contains(es.NetworkLoadBalancers, target) {
			return MessageAssociated, nil
		}
	}
	return "", nil
}

// remove deletes the link and its endpoint service.
func remove(tx model.Tx, link *model.VpcLinkV1) error {
	if link.EndpointService != "" {
		if err := model.Delete(tx, &model.EndpointService{ID: link.EndpointService}); err != nil {
			return err
		}
	}
	return model.Delete(tx, link)
}

func randomHex(n int) string {
	b := make([]byte, (n+1)/2)
	rand.Read(b) // never fails on supported platforms
	return hex.EncodeToString(b)[:n]
}
