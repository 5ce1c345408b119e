package lambda

import (
	"strconv"
	"sync"
	"sync/atomic"

	"gatehouse/internal/model"
)

// index is the engine's compiled view of every function, read by each
// invocation without a lock or a store read. It is rebuilt whole at each
// reconcile and swapped in; the per-function state it points to (counters,
// warm sandboxes) outlives it.
type index struct {
	scopes map[model.Scope]*scopeIndex
}

type scopeIndex struct {
	acct *account
	// unreserved is what the account's functions without reserved
	// concurrency share: the limit less every reservation.
	unreserved int64
	fns        map[string]*entry
}

// entry is one function: its $LATEST, published versions and aliases.
type entry struct {
	fn       *model.Function
	arn      string
	versions map[string]*model.FunctionConfig
	aliases  map[string]*model.FunctionAlias
	state    *fnState
	// gens is each version's gen ("$LATEST" too), worked out once here
	// so that an invocation compares sandboxes without building it.
	gens map[string]string
}

// account counts the invocations in flight on an account's unreserved
// concurrency in one region.
type account struct {
	inflight atomic.Int64
}

func (x *index) lookup(scope model.Scope, name string) *entry {
	sc := x.scopes[scope]
	if sc == nil {
		return nil
	}
	return sc.fns[name]
}

// config is the configuration qualifier names ("" or "$LATEST", a version
// number) and whether there is one.
func (en *entry) config(version string) (*model.FunctionConfig, bool) {
	if version == "" || version == "$LATEST" {
		return &en.fn.Config, true
	}
	c, ok := en.versions[version]
	return c, ok
}

// gen is the gen of version's configuration ("" when there is none).
func (en *entry) gen(version string) string {
	if version == "" {
		version = "$LATEST"
	}
	return en.gens[version]
}

// gen identifies what a sandbox was started from: a sandbox whose
// configuration's gen has changed runs old code or settings and is retired.
// The service moves LastModified with every change of code or
// configuration; the engine's own state changes leave it alone.
func gen(c *model.FunctionConfig) string {
	return c.CodeID + "|" + c.CodeSha256 + "|" + strconv.FormatInt(c.LastModified.UnixNano(), 10)
}

// compile builds the index from snap, making state for functions new to
// the engine; e.mu must be held.
func (e *Engine) compile(snap *model.Snapshot) *index {
	idx := &index{scopes: map[model.Scope]*scopeIndex{}}
	for scope, sc := range snap.Scopes {
		if len(sc.Functions) == 0 {
			continue
		}
		acct := e.accts[scope]
		if acct == nil {
			acct = &account{}
			e.accts[scope] = acct
		}
		si := &scopeIndex{acct: acct, fns: make(map[string]*entry, len(sc.Functions))}
		reserved := 0
		for name, fn := range sc.Functions {
			k := fnKey{scope: scope, name: name}
			st := e.fns[k]
			if st == nil {
				st = &fnState{e: e, scope: scope, name: name, idle: map[string][]*sandbox{}}
				e.fns[k] = st
			}
			if fn.ReservedConcurrency != nil {
				reserved += *fn.ReservedConcurrency
			}
			arn := fn.ARN
			if arn == "" {
				arn = "arn:aws:lambda:" + scope.Region + ":" + scope.Account + ":function:" + name
			}
			si.fns[name] = &entry{fn: fn, arn: arn, state: st,
				versions: map[string]*model.FunctionConfig{}, aliases: map[string]*model.FunctionAlias{},
				gens: map[string]string{"$LATEST": gen(&fn.Config)}}
		}
		si.unreserved = int64(e.cfg.Concurrency - reserved)
		for _, v := range sc.FunctionVersions {
			if en := si.fns[v.Function]; en != nil {
				en.versions[v.Config.Version] = &v.Config
				en.gens[v.Config.Version] = gen(&v.Config)
			}
		}
		for _, a := range sc.FunctionAliases {
			if en := si.fns[a.Function]; en != nil {
				en.aliases[a.Name] = a
			}
		}
		idx.scopes[scope] = si
	}
	return idx
}

// fnState is what the engine keeps for a function across snapshots: its
// invocations in flight and its sandboxes.
type fnState struct {
	e        *Engine
	scope    model.Scope
	name     string
	inflight atomic.Int64

	mu sync.Mutex
	// idle holds warm sandboxes by version, the most recently used last.
	idle map[string][]*sandbox
	// closed is set when the function is gone or the engine stopping: no
	// sandbox starts or goes back to idle.
	closed bool
}

// take pops the warm sandbox for version of generation g used last, or
// registers a new one; ok is false once the function is closed.
func (f *fnState) take(version, g string) (b *sandbox, warm, ok bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return nil, false, false
	}
	for idle := f.idle[version]; len(idle) > 0; idle = f.idle[version] {
		b = idle[len(idle)-1]
		f.idle[version] = idle[:len(idle)-1]
		if b.gen != g {
			// Its configuration changed and the engine has not retired it
			// yet: nobody else will.
			b.kill()
			continue
		}
		if b.claim() {
			return b, true, true
		}
	}
	b = newSandbox(f, version, g)
	if !f.e.register(b) {
		return nil, false, false
	}
	return b, false, true
}

// park puts b back among the warm sandboxes; false means it must stop
// instead (function gone or changed, engine stopping).
func (f *fnState) park(b *sandbox) bool {
	ent := f.e.idx.Load().lookup(f.scope, f.name)
	if ent == nil {
		return false
	}
	if g := ent.gen(b.version); g == "" || g != b.gen {
		return false
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return false
	}
	f.idle[b.version] = append(f.idle[b.version], b)
	return true
}

// unpark takes b out of the warm sandboxes (its idle time is up, or its
// process died); false when it was not there.
func (f *fnState) unpark(b *sandbox) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	idle := f.idle[b.version]
	for i, x := range idle {
		if x == b {
			f.idle[b.version] = append(idle[:i], idle[i+1:]...)
			return true
		}
	}
	return false
}

// retire takes out the warm sandboxes whose configuration changed in ent,
// for the caller to stop.
func (f *fnState) retire(ent *entry) []*sandbox {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []*sandbox
	for v, idle := range f.idle {
		g := ent.gen(v)
		keep := idle[:0]
		for _, b := range idle {
			if g != "" && g == b.gen {
				keep = append(keep, b)
			} else {
				out = append(out, b)
			}
		}
		f.idle[v] = keep
	}
	return out
}

// close stops the function taking sandboxes and returns its warm ones to
// stop; busy ones stop when their invocations end.
func (f *fnState) close() []*sandbox {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closed = true
	var out []*sandbox
	for _, idle := range f.idle {
		out = append(out, idle...)
	}
	f.idle = map[string][]*sandbox{}
	return out
}
