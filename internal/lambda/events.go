package lambda

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"gatehouse/internal/clock"
	"gatehouse/internal/invoke"
	"gatehouse/internal/model"
	"gatehouse/internal/store"
)

// Asynchronous invocations (InvocationType Event) are FunctionEvent
// records the Lambda service writes in Invoke's transaction. The engine
// finds them on the change feed (and all of them at its first pass, so a
// restart loses none) and queues each when due. A function's queue is
// delivered by as many workers as the function may run at once (its
// reserved concurrency, else what the account leaves unreserved), so a
// burst waits its turn instead of being throttled.
//
// Each delivery reads the event with the event invoke config of the
// qualifier it was invoked with, if any. A delivered event is deleted
// once the function succeeds; a function error is retried after
// Config.RetryDelays (one and two minutes apart) as many times as the
// config's MaximumRetryAttempts allows (Lambda's two by default). An
// attempt the engine refuses (throttled, the function not Active, the
// engine stopping) is no attempt: as on Lambda, it is tried again after
// a backoff of one second doubling up to five minutes. The count of
// refusals and the time of the next try are written to the record, so a
// restart keeps the backoff. A function whose reserved concurrency is 0
// may not run at all: its events end at once. An event older than the
// config's MaximumEventAgeInSeconds (six hours by default) when it falls
// due is dropped untried, and one that fails and would be that old by
// its next retry ends at once. The outcome that ends an event (Success,
// RetriesExhausted, EventAgeExceeded, ZeroReservedConcurrency) sends
// Lambda's invocation record to the config's OnSuccess or OnFailure
// destination, written as an asynchronous invocation of the destination
// function in the same transaction that deletes the event (see
// destinations.go).

// MaxEventAge is how long an asynchronous invocation may wait and be
// retried when its config sets no maximum: Lambda's default maximum
// event age.
const MaxEventAge = 6 * time.Hour

// Backoff between attempts the engine refused: from a second, doubling,
// up to five minutes, as Lambda retries throttles and system errors.
const (
	minRefusedBackoff = time.Second
	maxRefusedBackoff = 5 * time.Minute
)

// queueKey names a function, whose events share its concurrency.
type queueKey struct {
	scope model.Scope
	name  string
}

// evQueue is a function's due events and the workers delivering them.
type evQueue struct {
	due     []evKey
	workers int
}

// evKey names an event record: the function and the invocation id.
type evKey struct {
	scope model.Scope
	id    string // function/id
}

// evState is an event's next delivery: a timer, or running (queued or
// being delivered).
type evState struct {
	due     time.Time
	t       clock.Timer
	running bool
}

var eventKind = model.FunctionEvent{}.Kind()

// followEvents schedules every event record written since the last pass,
// reading them all at the first pass or when the change feed no longer
// reaches back far enough.
func (e *Engine) followEvents(snap *model.Snapshot) {
	var keys []string
	full := e.evRev == 0
	if !full {
		changed, _, ok := model.Changed(e.st, e.evRev, snap.Revision)
		if !ok {
			full = true
		}
		for _, k := range changed {
			if model.KindOf(k) == eventKind {
				keys = append(keys, k)
			}
		}
	}
	type found struct {
		k  evKey
		ev *model.FunctionEvent
	}
	var evs []found
	seen := map[evKey]bool{}
	err := e.st.View(func(tx store.Tx) error {
		if full {
			for scope := range snap.Scopes {
				list, err := model.List[model.FunctionEvent](model.Tx{Tx: tx, Account: scope.Account, Region: scope.Region})
				if err != nil {
					return err
				}
				for _, ev := range list {
					k := evKey{scope, ev.Key()}
					evs = append(evs, found{k, ev})
					seen[k] = true
				}
			}
			return nil
		}
		for _, key := range keys {
			scope := model.ScopeOf(key)
			prefix := "/" + scope.Account + "/" + scope.Region + "/" + eventKind + "/"
			k := evKey{scope, key[min(len(prefix), len(key)):]}
			v, ok := tx.Get(key)
			if !ok {
				evs = append(evs, found{k, nil})
				continue
			}
			ev := new(model.FunctionEvent)
			if err := json.Unmarshal(v, ev); err != nil {
				return err
			}
			evs = append(evs, found{k, ev})
		}
		return nil
	})
	if err != nil {
		if e.loop.Context().Err() == nil {
			e.log.Error("lambda: reading asynchronous invocations", "err", err)
		}
		return
	}
	e.evRev = snap.Revision
	if full {
		e.mu.Lock()
		for k, st := range e.events {
			if !seen[k] && !st.running {
				if st.t != nil {
					st.t.Stop()
				}
				delete(e.events, k)
			}
		}
		e.mu.Unlock()
	}
	for _, f := range evs {
		e.scheduleEvent(f.k, f.ev)
	}
}

// scheduleEvent plans ev's next delivery (ev nil: the record is gone).
func (e *Engine) scheduleEvent(k evKey, ev *model.FunctionEvent) {
	e.mu.Lock()
	defer e.mu.Unlock()
	st := e.events[k]
	if e.stopped || st != nil && st.running {
		return
	}
	if ev == nil {
		if st != nil {
			if st.t != nil {
				st.t.Stop()
			}
			delete(e.events, k)
		}
		return
	}
	if st == nil {
		st = &evState{}
		e.events[k] = st
	}
	if st.t != nil {
		if st.due.Equal(ev.Due) {
			return
		}
		st.t.Stop()
		st.t = nil
	}
	st.due = ev.Due
	now := e.clk.Now()
	if !ev.Due.After(now) {
		st.running = true
		e.enqueue(k)
		return
	}
	e.arm(k, st, ev.Due.Sub(now))
}

// arm queues event k after d, unless its state has moved on by then; e.mu
// must be held.
func (e *Engine) arm(k evKey, st *evState, d time.Duration) {
	st.t = e.clk.AfterFunc(d, func() {
		e.mu.Lock()
		defer e.mu.Unlock()
		if e.stopped || e.events[k] != st || st.running {
			return
		}
		st.t, st.running = nil, true
		e.enqueue(k)
	})
}

// enqueue adds due event k to its function's queue, and a worker if the
// function may run more at once than are delivering; e.mu must be held.
func (e *Engine) enqueue(k evKey) {
	qk := queueKey{k.scope, k.id[:max(strings.LastIndexByte(k.id, '/'), 0)]}
	q := e.queues[qk]
	if q == nil {
		q = &evQueue{}
		e.queues[qk] = q
	}
	q.due = append(q.due, k)
	if q.workers < e.eventWorkers(qk) {
		q.workers++
		e.steps.Add(1)
		go e.work(qk, q)
	}
}

// eventWorkers is how many of a function's events are delivered at once:
// as many as it may run.
func (e *Engine) eventWorkers(qk queueKey) int {
	idx := e.idx.Load()
	ent := idx.lookup(qk.scope, qk.name)
	switch {
	case ent == nil:
		return 1
	case ent.fn.ReservedConcurrency != nil:
		return max(*ent.fn.ReservedConcurrency, 1)
	}
	if sc := idx.scopes[qk.scope]; sc != nil {
		return max(int(sc.unreserved), 1)
	}
	return 1
}

// work delivers q's events one at a time until it is empty or the engine
// stops.
func (e *Engine) work(qk queueKey, q *evQueue) {
	defer e.steps.Done()
	for {
		e.mu.Lock()
		if e.stopped || len(q.due) == 0 {
			q.workers--
			if q.workers == 0 && len(q.due) == 0 && e.queues[qk] == q {
				delete(e.queues, qk)
			}
			e.mu.Unlock()
			return
		}
		k := q.due[0]
		q.due[0] = evKey{}
		q.due = q.due[1:]
		e.mu.Unlock()
		e.deliver(k)
	}
}

// deliver makes one attempt at event k, unless it is too old, then
// deletes the record (sending the invocation record to the destination
// the outcome calls for), or records the attempt and when the next is
// due.
func (e *Engine) deliver(k evKey) {
	var (
		ev  *model.FunctionEvent
		cfg *model.FunctionEventInvokeConfig
	)
	e.st.View(func(stx store.Tx) error {
		tx := model.Tx{Tx: stx, Account: k.scope.Account, Region: k.scope.Region}
		ev, _, _ = model.Get[model.FunctionEvent](tx, k.id)
		if ev != nil {
			cfg, _, _ = model.Get[model.FunctionEventInvokeConfig](tx, model.EventInvokeConfigKey(ev.Function, ev.Qualifier))
		}
		return nil
	})
	if ev == nil {
		e.eventDone(k, nil)
		return
	}
	pol := e.policy(cfg)
	attrs := []any{"function", ev.Function, "requestId", ev.ID, "account", k.scope.Account, "region", k.scope.Region}
	if pol.expired(ev, e.clk.Now()) {
		e.conclude(k, pol, attrs, func(*model.FunctionEvent, time.Time) string { return condAgeExceeded }, invoke.Result{}, nil, false)
		return
	}
	ctx := e.loop.Context()
	res, err := e.invoke(ctx, invoke.Request{Account: k.scope.Account, Region: k.scope.Region,
		Function: ev.Function, Qualifier: ev.Qualifier, Payload: ev.Payload}, ev.ID)
	if ctx.Err() != nil {
		// Stopping: the record stays for the next start.
		return
	}
	var ierr *invoke.Error
	isErr := errors.As(err, &ierr)
	if isErr && ierr.Status == http.StatusTooManyRequests && e.zeroReserved(k.scope, ev.Function) {
		// Lambda does not hold events for a function that may not run
		// at all: they go to the OnFailure destination at once.
		e.conclude(k, pol, attrs, func(*model.FunctionEvent, time.Time) string { return condZeroReserved }, invoke.Result{}, nil, false)
		return
	}
	if isErr && refusal(ierr.Status) {
		// Throttled, not Active, stopping: not an attempt; tried again
		// after the backoff.
		e.refused(k, append(attrs, "err", err.Error()))
		return
	}
	if isErr && ierr.Status == http.StatusNotFound {
		e.conclude(k, pol, attrs, func(*model.FunctionEvent, time.Time) string { return condGone }, res, err, false)
		return
	}
	ok := err == nil && res.FunctionError == ""
	e.conclude(k, pol, attrs, func(cur *model.FunctionEvent, now time.Time) string {
		cur.Attempts++
		switch {
		case ok:
			return condSuccess
		case cur.Attempts > pol.retries:
			return condRetriesExhausted
		case pol.expired(cur, now.Add(e.retryDelay(cur.Attempts))):
			// As Lambda does, an event that would be too old by its
			// next retry ends now, with this attempt's answer.
			return condAgeExceeded
		}
		return ""
	}, res, err, true)
}

// retryDelay is the wait before the retry that follows attempt n.
func (e *Engine) retryDelay(n int) time.Duration {
	return e.cfg.RetryDelays[min(max(n, 1), len(e.cfg.RetryDelays))-1]
}

// zeroReserved reports whether the function's reserved concurrency is 0:
// it may not run at all.
func (e *Engine) zeroReserved(scope model.Scope, name string) bool {
	ent := e.idx.Load().lookup(scope, name)
	return ent != nil && ent.fn.ReservedConcurrency != nil && *ent.fn.ReservedConcurrency == 0
}

// Why an event ends: Lambda's conditions in the invocation record, and
// the function being gone.
const (
	condSuccess          = "Success"
	condRetriesExhausted = "RetriesExhausted"
	condAgeExceeded      = "EventAgeExceeded"
	condZeroReserved     = "ZeroReservedConcurrency"
	condGone             = "gone"
)

// conclude records what became of event k in one transaction that
// re-reads it: judge counts the attempt and says how the event ends ("":
// it does not, and is retried after the next delay). An ending deletes
// the record and writes the invocation record for the destination the
// condition calls for; ran says res and err are an attempt's answer.
func (e *Engine) conclude(k evKey, pol asyncPolicy, attrs []any, judge func(*model.FunctionEvent, time.Time) string,
	res invoke.Result, err error, ran bool) {
	now := e.clk.Now()
	var (
		next *model.FunctionEvent
		cond string
		sent sentRecord
	)
	_, werr := e.st.Update(func(stx store.Tx) error {
		tx := model.Tx{Tx: stx, Account: k.scope.Account, Region: k.scope.Region}
		cur, found, err := model.Get[model.FunctionEvent](tx, k.id)
		if err != nil || !found {
			return err
		}
		cur.Refusals = 0
		if cond = judge(cur, now); cond == "" {
			cur.Due = now.Add(e.retryDelay(cur.Attempts))
			next = cur
			return model.Put(tx, cur)
		}
		if err := model.Delete(tx, cur); err != nil {
			return err
		}
		sent, err = e.sendRecord(stx, k.scope, cur, pol, cond, now, res, ran)
		return err
	})
	// The next attempt is planned before the log says so: a reader of the
	// log (a test moving a fake clock) finds it planned.
	e.eventDone(k, next)
	switch {
	case werr != nil:
		e.log.Error("lambda: recording an asynchronous invocation", append(attrs, "err", werr)...)
	case next != nil:
		e.log.Info("lambda asynchronous invocation failed, will retry", append(attrs, "attempts", next.Attempts, "due", next.Due, "err", failure(res, err))...)
	case cond == condSuccess:
		e.log.Debug("lambda asynchronous invocation delivered", attrs...)
	case cond == condAgeExceeded:
		e.log.Warn("lambda asynchronous invocation dropped: older than its maximum age", append(attrs, "condition", cond, "maximumAge", pol.maxAge)...)
	case cond == condGone:
		e.log.Warn("lambda asynchronous invocation dropped: the function is gone", attrs...)
	case cond == condZeroReserved:
		e.log.Warn("lambda asynchronous invocation dropped: the function's reserved concurrency is 0", append(attrs, "condition", cond)...)
	case cond == condRetriesExhausted:
		e.log.Warn("lambda asynchronous invocation dropped after its retries", append(attrs, "condition", cond, "err", failure(res, err))...)
	}
	if werr == nil {
		e.logRecord(sent, cond, attrs)
	}
}

// refusal reports whether an invocation error is the engine refusing to
// run the function now (throttled, not Active, a system error), which
// Lambda retries without counting an attempt.
func refusal(status int) bool {
	return status == http.StatusTooManyRequests || status == http.StatusConflict || status >= 500
}

// refused plans event k's next try after an attempt the engine refused,
// backing off from the refusals in a row its record counts, and writes
// both to the record so that a restart keeps to them.
func (e *Engine) refused(k evKey, attrs []any) {
	now := e.clk.Now()
	var next *model.FunctionEvent
	_, werr := e.st.Update(func(stx store.Tx) error {
		tx := model.Tx{Tx: stx, Account: k.scope.Account, Region: k.scope.Region}
		cur, found, err := model.Get[model.FunctionEvent](tx, k.id)
		if err != nil || !found {
			return err
		}
		cur.Due = now.Add(min(minRefusedBackoff<<min(cur.Refusals, 16), maxRefusedBackoff))
		cur.Refusals++
		next = cur
		return model.Put(tx, cur)
	})
	e.eventDone(k, next) // planned before it is logged, as in conclude
	if werr != nil {
		e.log.Error("lambda: recording an asynchronous invocation", append(attrs, "err", werr)...)
	} else if next != nil {
		e.log.Debug("lambda asynchronous invocation refused, trying again", append(attrs, "refusals", next.Refusals, "due", next.Due)...)
	}
}

// eventDone ends a delivery and plans the next, if next is not nil.
func (e *Engine) eventDone(k evKey, next *model.FunctionEvent) {
	e.mu.Lock()
	if st := e.events[k]; st != nil {
		st.running = false
		if next == nil {
			delete(e.events, k)
		}
	}
	e.mu.Unlock()
	if next != nil {
		e.scheduleEvent(k, next)
	}
}

// failure says why an attempt failed, for the log.
func failure(res invoke.Result, err error) string {
	if err != nil {
		return err.Error()
	}
	return string(res.Payload)
}
