package protocol

import (
	"errors"
	"strings"
	"testing"
)

func TestGuidesChanged(t *testing.T) {
	b, err := Encode(TypeGuidesChanged, "", "", &GuidesChanged{ETag: "5d41402abc4b2a76b9719d911017c592"})
	if err != nil {
		t.Fatal(err)
	}
	m, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if g, ok := m.Payload.(*GuidesChanged); !ok || g.ETag != "5d41402abc4b2a76b9719d911017c592" {
		t.Fatalf("decoded %s to %#v", b, m.Payload)
	}
	if s, _ := SpecOf(TypeGuidesChanged); s.From != FromRelay || s.Session {
		t.Errorf("spec %+v: want relay-only, no session", s)
	}
	for _, bad := range []string{
		`{"v":1,"type":"guides.changed"}`,
		`{"v":1,"type":"guides.changed","data":{"etag":""}}`,
		`{"v":1,"type":"guides.changed","data":{"etag":5}}`,
		`{"v":1,"type":"guides.changed","data":{"etag":"` + strings.Repeat("a", MaxIDLen+1) + `"}}`,
	} {
		var de *DecodeError
		if _, err := Decode([]byte(bad)); !errors.As(err, &de) {
			t.Errorf("Decode(%.80s) = %v, want a DecodeError", bad, err)
		}
	}
}
