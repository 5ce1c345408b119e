// Package model holds gatehouse's records (VPCs, subnets, security groups,
// network interfaces, and later load balancers, APIs and VPC links), their key
// layout in the store, and typed access to them inside a store transaction.
//
// Keys are /{account}/{region}/{kind}/{id}: state is partitioned by account and
// region, and listing one kind is one prefix scan. Records are stored as JSON.
// The model knows nothing of HTTP, wire protocols or AWS error codes.
package model

import (
	"encoding/json"
	"errors"
	"maps"
	"sort"

	"gatehouse/internal/store"
)

// Record is anything stored in the model.
type Record interface {
	// Kind names the record type in keys ("vpc", "subnet", ...). It must
	// work on the zero value.
	Kind() string
	// Key is the record's id within its kind.
	Key() string
}

// Tx is a store transaction scoped to one account and region.
type Tx struct {
	store.Tx
	Account, Region string
}

func (tx Tx) prefix(kind string) string {
	return "/" + tx.Account + "/" + tx.Region + "/" + kind + "/"
}

// Get reads the record of type T with the given id.
func Get[T any, P interface {
	*T
	Record
}](tx Tx, id string) (*T, bool, error) {
	v, ok := tx.Tx.Get(tx.prefix(P(new(T)).Kind()) + id)
	if !ok {
		return nil, false, nil
	}
	rec := new(T)
	if err := json.Unmarshal(v, rec); err != nil {
		return nil, false, err
	}
	return rec, true, nil
}

// Put writes rec.
func Put(tx Tx, rec Record) error {
	v, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	return tx.Tx.Put(tx.prefix(rec.Kind())+rec.Key(), v)
}

// Delete removes rec.
func Delete(tx Tx, rec Record) error {
	return tx.Tx.Delete(tx.prefix(rec.Kind()) + rec.Key())
}

// List returns every record of type T, in key order.
func List[T any, P interface {
	*T
	Record
}](tx Tx) ([]*T, error) {
	return ListPrefix[T, P](tx, "")
}

// ListPrefix returns the records of type T whose keys start with prefix, in
// key order: with keys like "{apiID}/{id}", the records of one parent
// without reading any other's.
func ListPrefix[T any, P interface {
	*T
	Record
}](tx Tx, prefix string) ([]*T, error) {
	var out []*T
	err := tx.Tx.List(tx.prefix(P(new(T)).Kind())+prefix, func(_ string, v []byte) error {
		rec := new(T)
		if err := json.Unmarshal(v, rec); err != nil {
			return err
		}
		out = append(out, rec)
		return nil
	})
	return out, err
}

// Scan calls fn with each record of type T whose key starts with prefix, in
// key order, until fn returns false: a lookup that reads only as far as it
// needs.
func Scan[T any, P interface {
	*T
	Record
}](tx Tx, prefix string, fn func(*T) bool) error {
	stop := errors.New("stop")
	err := tx.Tx.List(tx.prefix(P(new(T)).Kind())+prefix, func(_ string, v []byte) error {
		rec := new(T)
		if err := json.Unmarshal(v, rec); err != nil {
			return err
		}
		if !fn(rec) {
			return stop
		}
		return nil
	})
	if err == stop {
		return nil
	}
	return err
}

// Tags are a resource's tags.
type Tags map[string]string

// With returns a new set: t's tags, with add's replacing or joining them.
func (t Tags) With(add Tags) Tags {
	out := make(Tags, len(t)+len(add))
	maps.Copy(out, t)
	maps.Copy(out, add)
	return out
}

// Without returns a new set: t's tags but the keys named.
func (t Tags) Without(keys []string) Tags {
	out := maps.Clone(t)
	if out == nil {
		out = Tags{}
	}
	for _, k := range keys {
		delete(out, k)
	}
	return out
}

// Sorted returns the keys in order, for stable output.
func (t Tags) Sorted() []string {
	keys := make([]string, 0, len(t))
	for k := range t {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Update runs fn in one write transaction scoped to an account and region:
// every service's writes go through here, so a call is one transaction.
func Update(st store.Store, account, region string, fn func(Tx) error) error {
	_, err := st.Update(func(tx store.Tx) error {
		return fn(Tx{Tx: tx, Account: account, Region: region})
	})
	return err
}

// View runs fn in a read transaction scoped like Update.
func View(st store.Store, account, region string, fn func(Tx) error) error {
	return st.View(func(tx store.Tx) error {
		return fn(Tx{Tx: tx, Account: account, Region: region})
	})
}
