package api

import (
	"errors"
	"net/http"
	"testing"
)

func TestAsErrorNil(t *testing.T) {
	if e := AsError(nil); e != nil {
		t.Fatalf("AsError(nil) = %v, want nil", e)
	}
	// The trap Wrap exists for: a nil *Error in an error interface is not nil.
	if err := Wrap(nil); err != nil {
		t.Fatalf("Wrap(nil) = %#v, want a nil error", err)
	}
}

func TestWrap(t *testing.T) {
	aws := BadRequest("ValidationError", "bad %s", "name")
	for _, tc := range []struct {
		name   string
		in     error
		code   string
		status int
	}{
		{"api error passes through", aws, "ValidationError", http.StatusBadRequest},
		{"other errors become internal", errors.New("disk on fire"), "InternalError", http.StatusInternalServerError},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := Wrap(tc.in)
			var e *Error
			if !errors.As(err, &e) || e.Code != tc.code || e.Status != tc.status {
				t.Fatalf("Wrap(%v) = %#v, want %s/%d", tc.in, err, tc.code, tc.status)
			}
			if tc.in == aws && e != aws {
				t.Fatal("Wrap copied an *Error instead of returning it")
			}
		})
	}
}

func TestReadOnly(t *testing.T) {
	for name, want := range map[string]bool{
		"DescribeVpcs": true, "GetRoutes": true, "ListServices": true, "DiscoverInstances": true,
		"CreateVpc": false, "RevokeSecurityGroupIngress": false, "DeregisterInstance": false, "": false,
		"Describ": false,
	} {
		if got := ReadOnly(name); got != want {
			t.Errorf("ReadOnly(%q) = %v, want %v", name, got, want)
		}
	}
}
