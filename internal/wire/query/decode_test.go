package query

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"math/rand/v2"
	"net/http/httptest"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"gatehouse/internal/api"
)

// permissionsInput has the shape of EC2's AuthorizeSecurityGroupIngress,
// whose nested lists (IpPermissions.N.IpRanges.M.CidrIp) are where large
// bodies come from.
type permissionsInput struct {
	GroupID     string `query:"GroupId,required"`
	Permissions []struct {
		Protocol string `query:"IpProtocol"`
		FromPort *int   `query:"FromPort"`
		ToPort   *int   `query:"ToPort"`
		Ranges   []struct {
			CidrIP      string `query:"CidrIp"`
			Description string `query:"Description"`
		} `query:"IpRanges"`
		Groups []struct {
			GroupID string `query:"GroupId"`
		} `query:"Groups"`
	} `query:"IpPermissions"`
	Tags []struct {
		Key   string `query:"Key"`
		Value string `query:"Value"`
	} `query:"Tag"`
}

// permissionsForm builds a form with perms permissions of ranges address
// ranges each: 4 + perms*(3+2*ranges) keys.
func permissionsForm(perms, ranges int, member bool) url.Values {
	list := func(name string, i int) string {
		if member {
			return name + ".member." + strconv.Itoa(i)
		}
		return name + "." + strconv.Itoa(i)
	}
	form := url.Values{"GroupId": {"sg-1"}}
	for p := 1; p <= perms; p++ {
		perm := list("IpPermissions", p)
		form.Set(perm+".IpProtocol", "tcp")
		form.Set(perm+".FromPort", strconv.Itoa(p))
		form.Set(perm+".ToPort", strconv.Itoa(p))
		for r := 1; r <= ranges; r++ {
			rng := list(perm+".IpRanges", r)
			form.Set(rng+".CidrIp", fmt.Sprintf("10.%d.%d.0/24", p%256, r%256))
			form.Set(rng+".Description", "r"+strconv.Itoa(r))
		}
	}
	form.Set(list("Tag", 1)+".Key", "Name")
	form.Set(list("Tag", 1)+".Value", "big")
	form.Set(list("Tag", 2)+".Key", "Team")
	return form
}

func BenchmarkDecode(b *testing.B) {
	for _, size := range []struct{ perms, ranges int }{{10, 25}, {50, 50}, {100, 250}} {
		form := permissionsForm(size.perms, size.ranges, false)
		b.Run(fmt.Sprintf("keys=%d", len(form)), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				var in permissionsInput
				if err := Decode(form, &in, false); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestDecodeLargeFormIsLinear decodes ~50k keys in nested lists and bounds
// the keys the list scans look at. Before the keys were indexed, every list
// and struct rescanned the whole form: hundreds of millions of key
// comparisons for this body, seconds of CPU.
func TestDecodeLargeFormIsLinear(t *testing.T) {
	for _, member := range []bool{false, true} {
		form := permissionsForm(100, 250, member)
		if len(form) < 50000 {
			t.Fatalf("form has %d keys, want ~50k", len(form))
		}
		var in permissionsInput
		d := decoder{form: form, member: member}
		if err := d.structFields(reflect.ValueOf(&in).Elem(), ""); err != nil {
			t.Fatal(err)
		}
		if len(in.Permissions) != 100 || len(in.Permissions[99].Ranges) != 250 || len(in.Tags) != 2 {
			t.Fatalf("member=%v: decoded %d permissions, %d tags", member, len(in.Permissions), len(in.Tags))
		}
		if got := in.Permissions[41].Ranges[199]; got.CidrIP != "10.42.200.0/24" || got.Description != "r200" {
			t.Fatalf("member=%v: IpPermissions 42 range 200 = %+v", member, got)
		}
		// Each key sits under two lists at most (the permissions and one
		// permission's ranges), so it is visited at most twice.
		if max := 2 * len(form); d.visits > max {
			t.Errorf("member=%v: list scans visited %d keys for a %d-key form, want at most %d", member, d.visits, len(form), max)
		}
	}
}

func TestDecodeListIndexBound(t *testing.T) {
	for _, tc := range []struct {
		key     string
		wantErr bool
	}{
		{"Tag.1.Key", false},
		{"Tag.10000.Key", false},
		{"Tag.10001.Key", true},
		{"Tag.99999999999999999999.Key", true},
		{"Tag.0.Key", true},
		{"Tag.-1.Key", true},
	} {
		var in permissionsInput
		err := Decode(url.Values{"GroupId": {"sg-1"}, tc.key: {"k"}}, &in, false)
		var de *decodeError
		switch {
		case !tc.wantErr && err != nil:
			t.Errorf("%s: %v", tc.key, err)
		case tc.wantErr && (!errors.As(err, &de) || de.Param != tc.key || de.Value != "k"):
			t.Errorf("%s: got %v, want a decode error naming it", tc.key, err)
		}
	}
}

// TestDecodeIndexTooLargeIsEachFlavoursError checks the bound surfaces as the
// error each dialect's callers expect, not as an internal error.
func TestDecodeIndexTooLargeIsEachFlavoursError(t *testing.T) {
	ops := api.NewTable(api.Handle("Authorize", func(context.Context, *permissionsInput) (*struct{}, error) {
		return &struct{}{}, nil
	}))
	for _, tc := range []struct {
		flavor Flavor
		body   string
		code   string
	}{
		{Flavor{EC2: true}, "Action=Authorize&GroupId=sg-1&IpPermissions.20000.IpProtocol=tcp", "InvalidParameterValue"},
		{Flavor{}, "Action=Authorize&GroupId=sg-1&IpPermissions.member.20000.IpProtocol=tcp", "ValidationError"},
	} {
		h := NewHandler(tc.flavor, ops, slog.New(slog.NewTextHandler(io.Discard, nil)))
		r := httptest.NewRequest("POST", "/", strings.NewReader(tc.body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != 400 || !strings.Contains(w.Body.String(), "<Code>"+tc.code+"</Code>") {
			t.Errorf("EC2=%v: got %d %s, want 400 %s", tc.flavor.EC2, w.Code, w.Body, tc.code)
		}
	}
}

// TestDecodeMatchesReference decodes random forms with both the indexed
// decoder and a plain one that scans the whole form for every question, and
// wants the same answers: indexing must change the cost and nothing else.
func TestDecodeMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	pick := func(from ...string) string { return from[rng.IntN(len(from))] }
	// Keys mostly follow the input's shape, so that many forms decode, with
	// enough odd indices and stray names to reach every error.
	key := func(member bool) string {
		k := pick("IpPermissions", "IpPermissions", "Tag", "GroupId", "Other")
		for depth := 0; depth < 3 && rng.IntN(6) > 0; depth++ {
			if member && rng.IntN(10) > 0 {
				k += ".member"
			}
			if rng.IntN(10) > 0 {
				k += "." + pick("1", "2", "3", "10", "01")
			} else {
				k += "." + pick("0", "-1", "x", "", "10001", "1x")
			}
			last := pick("IpProtocol", "FromPort", "ToPort", "IpRanges", "Groups", "CidrIp", "Description", "GroupId", "Key", "Value", "")
			if last == "" {
				break
			}
			k += "." + last
			if last != "IpRanges" && last != "Groups" {
				break
			}
		}
		return k
	}
	for i := range 20000 {
		member := i%2 == 1
		form := url.Values{}
		if rng.IntN(8) > 0 {
			form.Set("GroupId", "sg-1")
		}
		for range 1 + rng.IntN(16) {
			form.Add(key(member), pick("7", "7", "tcp", "-1", "", "true", "99999999999999999999"))
		}
		var got, want permissionsInput
		gotErr := Decode(form, &got, member)
		wantErr := referenceDecode(form, &want, member)
		var gde, wde *decodeError
		switch {
		case (gotErr == nil) != (wantErr == nil):
			t.Fatalf("form %v member=%v: got error %v, reference %v", form, member, gotErr, wantErr)
		case gotErr == nil && !reflect.DeepEqual(got, want):
			t.Fatalf("form %v member=%v:\ngot  %+v\nwant %+v", form, member, got, want)
		case gotErr != nil && (!errors.As(gotErr, &gde) || !errors.As(wantErr, &wde) || gde.Missing != wde.Missing):
			// Which bad key a list names is not fixed when there are
			// several, so only the kind of error is compared.
			t.Fatalf("form %v member=%v: got error %v, reference %v", form, member, gotErr, wantErr)
		}
	}
}

// referenceDecode is the decoder without an index: every list and struct
// asks the whole form. It is slow and obviously right.
func referenceDecode(form url.Values, v any, member bool) error {
	var fields func(v reflect.Value, prefix string) error
	var value func(v reflect.Value, key string) (bool, error)
	fields = func(v reflect.Value, prefix string) error {
		for i := range v.NumField() {
			tag, ok := v.Type().Field(i).Tag.Lookup("query")
			if !ok {
				continue
			}
			name, opts, _ := strings.Cut(tag, ",")
			present, err := value(v.Field(i), prefix+name)
			if err != nil {
				return err
			}
			if !present && opts == "required" {
				return &decodeError{Param: prefix + name, Missing: true}
			}
		}
		return nil
	}
	value = func(v reflect.Value, key string) (bool, error) {
		switch v.Kind() {
		case reflect.Pointer:
			elem := reflect.New(v.Type().Elem())
			present, err := value(elem.Elem(), key)
			if present && err == nil {
				v.Set(elem)
			}
			return present, err
		case reflect.Struct:
			for k := range form {
				if strings.HasPrefix(k, key+".") {
					return true, fields(v, key+".")
				}
			}
			return false, nil
		case reflect.Slice:
			base := key + "."
			if member {
				base += "member."
			}
			seen := map[int]bool{}
			for k := range form {
				if rest, ok := strings.CutPrefix(k, base); ok {
					idx, _, _ := strings.Cut(rest, ".")
					n, err := strconv.Atoi(idx)
					if err != nil || n < 1 || n > maxListIndex {
						return true, &decodeError{Param: k, Value: form.Get(k)}
					}
					seen[n] = true
				}
			}
			if len(seen) == 0 {
				return false, nil
			}
			idxs := slices.Sorted(maps.Keys(seen))
			out := reflect.MakeSlice(v.Type(), len(idxs), len(idxs))
			for i, n := range idxs {
				if _, err := value(out.Index(i), base+strconv.Itoa(n)); err != nil {
					return true, err
				}
			}
			v.Set(out)
			return true, nil
		}
		vals := form[key]
		if len(vals) == 0 {
			return false, nil
		}
		switch v.Kind() {
		case reflect.String:
			v.SetString(vals[0])
		case reflect.Int:
			n, err := strconv.ParseInt(vals[0], 10, 64)
			if err != nil || v.OverflowInt(n) {
				return true, &decodeError{Param: key, Value: vals[0]}
			}
			v.SetInt(n)
		default:
			return true, fmt.Errorf("reference decoder: no case for %s", v.Kind())
		}
		return true, nil
	}
	return fields(reflect.ValueOf(v).Elem(), "")
}

// TestEmptyList: a pointer to a list tells the empty list the SDKs send
// as "Name=" (nil would mean none given) from no list at all; a plain
// list field is left nil either way.
func TestEmptyList(t *testing.T) {
	type in struct {
		Topics *[]string `query:"Topics"`
		Plain  []string  `query:"Plain"`
	}
	for form, want := range map[string]string{
		"Topics=&Plain=":                     "empty <nil>",
		"":                                   "none <nil>",
		"Topics.member.1=a&Plain.member.1=b": "[a] [b]",
	} {
		vals, err := url.ParseQuery(form)
		if err != nil {
			t.Fatal(err)
		}
		var got in
		if err := Decode(vals, &got, true); err != nil {
			t.Fatal(err)
		}
		s := "none"
		if got.Topics != nil {
			s = fmt.Sprint(*got.Topics)
			if len(*got.Topics) == 0 {
				s = "empty"
			}
		}
		s += " " + fmt.Sprint(got.Plain)
		if got.Plain == nil {
			s = strings.TrimSuffix(s, "[]") + "<nil>"
		}
		if s != want {
			t.Errorf("%q: %s, want %s", form, s, want)
		}
	}
}
