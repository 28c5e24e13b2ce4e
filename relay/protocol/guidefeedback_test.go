package protocol

import (
	"encoding/json"
	"testing"
	"unicode/utf8"
)

// FuzzGuideFeedback feeds arbitrary data as a guide.feedback payload, as a
// desktop (or anyone on the network) may send: whatever Decode accepts
// keeps the limits the relay stores it with, and survives a round trip.
func FuzzGuideFeedback(f *testing.F) {
	for _, s := range []string{
		`{"guide_id":"printer-offline","step_id":"power","comment":"The power button is on the back.","os":"linux","app_version":"0.4.0"}`,
		`{"guide_id":"printer-offline"}`,
		`{"guide_id":"","comment":"x"}`,
		`{"guide_id":"g","comment":"\u0000\ud800"}`,
		`{"guide_id":"g","comment":5}`,
		`{"guide_id":"g","extra":{"deep":[1,2,3]}}`,
		`null`, `[]`, `"x"`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		msg := append(append([]byte(`{"v":1,"type":"guide.feedback","id":"f","data":`), data...), '}')
		m, err := Decode(msg)
		if err != nil {
			return
		}
		fb, ok := m.Payload.(*GuideFeedback)
		if !ok {
			t.Fatalf("guide.feedback decoded to %T", m.Payload)
		}
		switch {
		case fb.GuideID == "" || len(fb.GuideID) > MaxIDLen || len(fb.StepID) > MaxIDLen:
			t.Fatalf("ids past the limits accepted: %q %q", fb.GuideID, fb.StepID)
		case len(fb.Comment) > MaxFeedbackComment || len(fb.OS) > MaxShortText || len(fb.AppVersion) > MaxShortText:
			t.Fatalf("text past the limits accepted: %d %d %d", len(fb.Comment), len(fb.OS), len(fb.AppVersion))
		case !utf8.ValidString(fb.Comment) || !utf8.ValidString(fb.GuideID):
			t.Fatalf("invalid UTF-8 accepted: %q", fb.Comment)
		}
		out, err := Encode(TypeGuideFeedback, m.ID, "", fb)
		if err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		m2, err := Decode(out)
		if err != nil {
			t.Fatalf("decode re-encoded %s: %v", out, err)
		}
		a, _ := json.Marshal(fb)
		b, _ := json.Marshal(m2.Payload)
		if string(a) != string(b) {
			t.Fatalf("round trip changed the feedback: %s → %s", a, b)
		}
	})
}
