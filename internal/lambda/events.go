package lambda

import (
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"gatehouse/internal/clock"
	"gatehouse/internal/invoke"
	"gatehouse/internal/model"
	"gatehouse/internal/store"
)

// Asynchronous invocations (InvocationType Event) are FunctionEvent
// records the Lambda service writes in Invoke's transaction. The engine
// finds them on the change feed (and all of them at its first pass, so a
// restart loses none), runs each when due, deletes it once the function
// succeeds, and otherwise retries it after Config.RetryDelays (Lambda's
// two retries, one and two minutes apart), then drops it with a log line.

// evKey names an event record: the function and the invocation id.
type evKey struct {
	scope model.Scope
	id    string // function/id
}

// evState is an event's next delivery: a timer, or running.
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
		e.steps.Add(1)
		go e.deliver(k)
		return
	}
	st.t = e.clk.AfterFunc(ev.Due.Sub(now), func() {
		e.mu.Lock()
		if e.stopped || e.events[k] != st || st.running {
			e.mu.Unlock()
			return
		}
		st.t, st.running = nil, true
		e.steps.Add(1)
		e.mu.Unlock()
		e.deliver(k)
	})
}

// deliver makes one attempt at event k, then deletes the record, or
// records the attempt and when the next is due.
func (e *Engine) deliver(k evKey) {
	defer e.steps.Done()
	var ev *model.FunctionEvent
	e.st.View(func(tx store.Tx) error {
		ev, _, _ = model.Get[model.FunctionEvent](model.Tx{Tx: tx, Account: k.scope.Account, Region: k.scope.Region}, k.id)
		return nil
	})
	if ev == nil {
		e.eventDone(k, nil)
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
	gone := errors.As(err, &ierr) && ierr.Status == http.StatusNotFound
	ok := err == nil && res.FunctionError == ""
	attrs := []any{"function", ev.Function, "requestId", ev.ID, "account", k.scope.Account, "region", k.scope.Region}
	now := e.clk.Now()
	var next *model.FunctionEvent
	_, werr := e.st.Update(func(stx store.Tx) error {
		tx := model.Tx{Tx: stx, Account: k.scope.Account, Region: k.scope.Region}
		cur, found, err := model.Get[model.FunctionEvent](tx, k.id)
		if err != nil || !found {
			return err
		}
		cur.Attempts++
		if ok || gone || cur.Attempts > len(e.cfg.RetryDelays) {
			return model.Delete(tx, cur)
		}
		cur.Due = now.Add(e.cfg.RetryDelays[cur.Attempts-1])
		next = cur
		return model.Put(tx, cur)
	})
	switch {
	case werr != nil:
		e.log.Error("lambda: recording an asynchronous invocation", append(attrs, "err", werr)...)
	case ok:
		e.log.Debug("lambda asynchronous invocation delivered", attrs...)
	case gone:
		e.log.Warn("lambda asynchronous invocation dropped: the function is gone", attrs...)
	case next == nil:
		e.log.Warn("lambda asynchronous invocation dropped after its retries", append(attrs, "err", failure(res, err))...)
	default:
		e.log.Info("lambda asynchronous invocation failed, will retry", append(attrs, "attempts", next.Attempts, "due", next.Due, "err", failure(res, err))...)
	}
	e.eventDone(k, next)
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
