package restapi

import (
	"bytes"
	"testing"
)

func TestMediaTypes(t *testing.T) {
	mt := compileMediaTypes([]string{"image/*", "application/octet-stream", "bad"})
	for header, want := range map[string]bool{
		"image/png":                              true,
		"IMAGE/JPEG; q=1":                        true,
		"application/octet-stream":               true,
		"application/json":                       false,
		"text/html, image/png":                   false, // only the first type counts
		"image/webp,image/*,*/*;q=0.8":           true,
		"*/*":                                    false,
		"":                                       false,
		"bad":                                    false,
		"application/octet-stream;charset=utf-8": true,
	} {
		if got := mt.binary(header); got != want {
			t.Errorf("binary(%q) = %v, want %v", header, got, want)
		}
	}
	all := compileMediaTypes([]string{"*/*"})
	if !all.binary("text/plain") || !all.binary("*/*") || all.binary("") {
		t.Error("*/* does not make every type binary")
	}
	if compileMediaTypes(nil).binary("image/png") {
		t.Error("no binary media types, yet image/png is binary")
	}
}

func TestConvert(t *testing.T) {
	raw := []byte{0xff, 'a', 0xc3, 0xa9, 0x80}
	for _, c := range []struct {
		in               []byte
		isBinary, wantBi bool
		out              string
		ok               bool
	}{
		{raw, true, true, string(raw), true},
		{raw, true, false, "/2HDqYA=", true},
		{raw, false, false, "\uFFFDa\u00e9\uFFFD", true},
		{[]byte("/2HDqYA=\n"), false, true, string(raw), true},
		{[]byte("not base64"), false, true, "", false},
		{[]byte(`{"a":"é"}`), false, false, `{"a":"é"}`, true},
	} {
		got, ok := convert(c.in, c.isBinary, c.wantBi)
		if ok != c.ok || (ok && !bytes.Equal(got, []byte(c.out))) {
			t.Errorf("convert(%q, %v, %v) = %q, %v, want %q, %v", c.in, c.isBinary, c.wantBi, got, ok, c.out, c.ok)
		}
	}
}
