package model_test

import (
	"math/rand/v2"
	"net/netip"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"gatehouse/internal/model"
	"gatehouse/internal/store"
	"gatehouse/internal/store/mem"
)

// Two VPCs may use the same addresses; each lookup stays in its own VPC.
func TestInterfaceAtIsPerVPC(t *testing.T) {
	st := mem.New()
	_, err := st.Update(func(tx store.Tx) error {
		mt := model.Tx{Tx: tx, Account: "1", Region: "r"}
		for _, e := range []*model.NetworkInterface{
			{ID: "eni-a", VpcID: "vpc-a", PrivateIP: "10.0.1.10"},
			{ID: "eni-b", VpcID: "vpc-b", PrivateIP: "10.0.1.10"},
		} {
			if err := model.Put(mt, e); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, load := range []func() (*model.Snapshot, error){
		func() (*model.Snapshot, error) { return model.Load(st) },
		model.NewLoader(st).Load,
	} {
		snap, err := load()
		if err != nil {
			t.Fatal(err)
		}
		sc := snap.Scopes[model.Scope{Account: "1", Region: "r"}]
		ip := netip.MustParseAddr("10.0.1.10")
		if a, b := sc.InterfaceAt("vpc-a", ip), sc.InterfaceAt("vpc-b", ip); a == nil || a.ID != "eni-a" || b == nil || b.ID != "eni-b" {
			t.Fatalf("InterfaceAt = %v, %v", a, b)
		}
		if sc.InterfaceAt("vpc-c", ip) != nil {
			t.Fatal("found an interface in a VPC that has none")
		}
	}
}

// A loader reuses what did not change and sees what did.
func TestLoaderReusesUnchangedRecords(t *testing.T) {
	st := mem.New()
	put := func(id, cidr string) {
		st.Update(func(tx store.Tx) error {
			return model.Put(model.Tx{Tx: tx, Account: "1", Region: "r"}, &model.VPC{ID: id, CidrBlock: cidr})
		})
	}
	put("vpc-a", "10.0.0.0/16")
	put("vpc-b", "10.1.0.0/16")
	l := model.NewLoader(st)
	first, _ := l.Load()
	put("vpc-b", "10.2.0.0/16")
	second, _ := l.Load()
	scope := model.Scope{Account: "1", Region: "r"}
	if first.Scopes[scope].VPCs["vpc-a"] != second.Scopes[scope].VPCs["vpc-a"] {
		t.Error("an unchanged record was decoded again")
	}
	if got := second.Scopes[scope].VPCs["vpc-b"].CidrBlock; got != "10.2.0.0/16" {
		t.Errorf("changed record reads %s", got)
	}
	if again, _ := l.Load(); again != second {
		t.Error("the same revision was loaded twice")
	}
}

// The loader's snapshot after each commit, built from the change feed, is
// the snapshot a whole read gives, over random writes and deletes of the
// kinds with second indexes (interfaces by address, services by ARN,
// instances per service) and a plain one. Addresses and ARNs are unique,
// as EC2 and Cloud Map keep them.
func TestLoaderMatchesWholeRead(t *testing.T) {
	st := mem.New()
	l := model.NewLoader(st)
	rnd := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 400; i++ {
		_, err := st.Update(func(tx store.Tx) error {
			for j := 0; j < 1+rnd.IntN(3); j++ {
				mt := model.Tx{Tx: tx, Account: "1", Region: []string{"r", "s"}[rnd.IntN(2)]}
				n := strconv.Itoa(rnd.IntN(6))
				var rec model.Record
				switch rnd.IntN(6) {
				case 0:
					rec = &model.VPC{ID: "vpc-" + n, CidrBlock: "10." + strconv.Itoa(i%200) + ".0.0/16"}
				case 1:
					rec = &model.NetworkInterface{ID: "eni-" + n, VpcID: "vpc-" + strconv.Itoa(rnd.IntN(2)), PrivateIP: "10.0.0." + n}
				case 2:
					rec = &model.CloudMapService{ID: "srv-" + n, ARN: "arn:srv/" + n, Name: strconv.Itoa(i)}
				case 3:
					rec = &model.Instance{ServiceID: "srv-" + strconv.Itoa(rnd.IntN(2)), ID: "i-" + n, Attributes: map[string]string{"n": strconv.Itoa(i)}}
				case 4:
					rec = &model.Route{APIID: "api", ID: n, RouteKey: "GET /" + strconv.Itoa(i)}
				case 5:
					api := []string{"api", "other"}[rnd.IntN(2)]
					rec = &model.DeployedEntry{APIID: api, Since: uint64(rnd.IntN(4)), Until: uint64(i),
						Route: &model.Route{APIID: api, ID: n, RouteKey: "GET /" + strconv.Itoa(i)}}
				}
				key := "/" + mt.Account + "/" + mt.Region + "/" + rec.Kind() + "/" + rec.Key()
				if rnd.IntN(3) == 0 {
					if err := tx.Delete(key); err != nil {
						return err
					}
					continue
				}
				if err := model.Put(mt, rec); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if rnd.IntN(3) == 0 {
			continue // let changes pile up between loads
		}
		got, err := l.Load()
		if err != nil {
			t.Fatal(err)
		}
		want, _ := model.Load(st)
		for scope, sc := range want.Scopes {
			if !reflect.DeepEqual(got.Scopes[scope], sc) {
				t.Fatalf("after commit %d, scope %v:\ngot  %+v\nwant %+v", i, scope, got.Scopes[scope], sc)
			}
		}
		if got.Revision != want.Revision {
			t.Fatalf("revision %d, want %d", got.Revision, want.Revision)
		}
	}
}

// The deployed entries of one API are read apart from every other API's,
// and a write to one leaves the snapshot before it as it was.
func TestDeployedEntriesByAPI(t *testing.T) {
	st := mem.New()
	l := model.NewLoader(st)
	put := func(api, id string) {
		t.Helper()
		_, err := st.Update(func(tx store.Tx) error {
			return model.Put(model.Tx{Tx: tx, Account: "1", Region: "r"},
				&model.DeployedEntry{APIID: api, Since: 1, Route: &model.Route{APIID: api, ID: id, RouteKey: "GET /" + id}})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	for i := range 10 {
		put("a", strconv.Itoa(i))
		put("b", strconv.Itoa(i))
	}
	scope := model.Scope{Account: "1", Region: "r"}
	ids := func(s *model.Snapshot, api string) []string {
		var out []string
		for e := range s.Scopes[scope].Deployed.OfAPI(api) {
			if e.APIID != api {
				t.Errorf("entry of %s among %s's", e.APIID, api)
			}
			out = append(out, e.Route.ID)
		}
		slices.Sort(out)
		return out
	}
	first, _ := l.Load()
	put("a", "new")
	second, _ := l.Load()
	if got := ids(first, "a"); len(got) != 10 {
		t.Errorf("before the write, a holds %v", got)
	}
	if got := ids(second, "a"); len(got) != 11 || !slices.Contains(got, "new") {
		t.Errorf("after the write, a holds %v", got)
	}
	if got := ids(second, "b"); len(got) != 10 {
		t.Errorf("b holds %v", got)
	}
	if n := second.Scopes[scope].Deployed.Len(); n != 21 {
		t.Errorf("%d entries, want 21", n)
	}
}

// A record whose bytes do not decode is reported with its key, on a
// whole read and on a read from the feed.
func TestUndecodableRecordNamesItsKey(t *testing.T) {
	st := mem.New()
	l := model.NewLoader(st)
	l.Load()
	const key = "/1/r/vpc/vpc-bad"
	st.Update(func(tx store.Tx) error { return tx.Put(key, []byte("{not json")) })
	for name, load := range map[string]func() (*model.Snapshot, error){
		"whole": func() (*model.Snapshot, error) { return model.Load(st) },
		"feed":  l.Load,
	} {
		if _, err := load(); err == nil || !strings.Contains(err.Error(), key) {
			t.Errorf("%s: error %v does not name %s", name, err, key)
		}
	}
}
