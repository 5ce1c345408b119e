package query

import (
	"errors"
	"net/url"
	"testing"
)

// fuzzInput exercises every kind the decoder handles: scalars, pointers,
// nested structs and lists of both.
type fuzzInput struct {
	Name    string `query:"Name,required"`
	Count   *int   `query:"Count"`
	On      bool   `query:"On"`
	Filters []struct {
		Name   string   `query:"Name"`
		Values []string `query:"Value"`
	} `query:"Filter"`
	Inner *struct {
		Port int32 `query:"Port"`
	} `query:"Inner"`
}

func FuzzDecode(f *testing.F) {
	f.Add("Name=a&Count=3&On=true&Filter.1.Name=vpc-id&Filter.1.Value.1=vpc-1&Inner.Port=80", false)
	f.Add("Name=a&Filter.member.2.Name=x", true)
	f.Add("Filter.0.Name=x", false)
	f.Add("Name=%zz&Count=99999999999999999999", false)
	f.Fuzz(func(t *testing.T, raw string, member bool) {
		form, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		var in fuzzInput
		err = Decode(form, &in, member)
		var de *decodeError
		if err != nil && !errors.As(err, &de) {
			t.Fatalf("Decode(%q) = %v, want a decodeError", raw, err)
		}
	})
}
