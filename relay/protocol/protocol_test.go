package protocol

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestDecode(t *testing.T) {
	big := strings.Repeat("a", MaxMessageSize)
	tests := []struct {
		name     string
		in       string
		wantType Type
		wantCode ErrorCode // empty: no error
	}{
		{"submit", `{"v":1,"type":"request.submit","id":"1","data":{"description":"printer offline","name":"Ana","guide":{"guide_id":"printer","guide_title":"Printer","steps":[{"step_id":"s1","title":"Power","answer":"yes","check":{"name":"spool","status":"warn","detail":"3 jobs"}}]},"diagnostics":[{"name":"net","status":"ok"}]}}`, TypeRequestSubmit, ""},
		{"submit with a guide hop", `{"v":1,"type":"request.submit","data":{"description":"vpn","guide":{"guide_id":"vpn","steps":[{"step_id":"s1","answer":"no internet","opened":{"guide_id":"no-internet","guide_title":"No internet"}},{"guide_id":"no-internet","guide_title":"No internet","step_id":"router"}]}}}`, TypeRequestSubmit, ""},
		{"opened without guide id", `{"v":1,"type":"request.submit","data":{"description":"vpn","guide":{"guide_id":"vpn","steps":[{"step_id":"s1","opened":{"guide_title":"No internet"}}]}}}`, "", CodeBadMessage},
		{"opened title too long", `{"v":1,"type":"request.submit","data":{"description":"vpn","guide":{"guide_id":"vpn","steps":[{"step_id":"s1","opened":{"guide_id":"x","guide_title":"` + strings.Repeat("t", MaxShortText+1) + `"}}]}}}`, "", CodeBadMessage},
		{"step guide id too long", `{"v":1,"type":"request.submit","data":{"description":"vpn","guide":{"guide_id":"vpn","steps":[{"step_id":"s1","guide_id":"` + strings.Repeat("g", MaxShortText+1) + `"}]}}}`, "", CodeBadMessage},
		{"outcome from another guide", `{"v":1,"type":"outcome.report","data":{"kind":"fixed","guide_id":"no-internet","step_id":"router","from_guide_id":"vpn"}}`, TypeOutcomeReport, ""},
		{"outcome from guide too long", `{"v":1,"type":"outcome.report","data":{"kind":"fixed","from_guide_id":"` + strings.Repeat("g", MaxShortText+1) + `"}}`, "", CodeBadMessage},
		{"guide feedback", `{"v":1,"type":"guide.feedback","id":"f","data":{"guide_id":"printer-offline","step_id":"power","comment":"The button is at the back.","os":"linux","app_version":"0.4.0"}}`, TypeGuideFeedback, ""},
		{"guide feedback without comment", `{"v":1,"type":"guide.feedback","data":{"guide_id":"printer-offline"}}`, TypeGuideFeedback, ""},
		{"guide feedback without guide", `{"v":1,"type":"guide.feedback","data":{"step_id":"power","comment":"x"}}`, "", CodeBadMessage},
		{"guide feedback comment too long", `{"v":1,"type":"guide.feedback","data":{"guide_id":"g","comment":"` + strings.Repeat("c", MaxFeedbackComment+1) + `"}}`, "", CodeBadMessage},
		{"guide feedback guide id too long", `{"v":1,"type":"guide.feedback","data":{"guide_id":"` + strings.Repeat("g", MaxIDLen+1) + `"}}`, "", CodeBadMessage},
		{"guide feedback comment not text", `{"v":1,"type":"guide.feedback","data":{"guide_id":"g","comment":5}}`, "", CodeBadMessage},
		{"cancel without data", `{"v":1,"type":"request.cancel"}`, TypeRequestCancel, ""},
		{"insight events", `{"v":1,"type":"insight.events","id":"c9","data":{"events":[{"kind":"search.no_results","at":"2026-01-05T09:11:40Z","journey":"9f0c2a7e5b4d4e61","query":"outlok"},{"kind":"step.reached","at":"2026-01-05T09:12:00Z","journey":"9f0c2a7e5b4d4e61","guide_id":"printer","step_id":"power"},{"kind":"check.result","at":"2026-01-05T09:12:01Z","journey":"9f0c2a7e5b4d4e61","check":"spool","status":"warn"},{"kind":"escalated","at":"2026-01-05T09:13:02Z","journey":"9f0c2a7e5b4d4e61","request_id":"r-1"}]}}`, TypeInsightEvents, ""},
		{"insight outcome from another guide", `{"v":1,"type":"insight.events","data":{"events":[{"kind":"guide.fixed","at":"2026-01-05T09:11:40Z","journey":"9f0c2a7e5b4d4e61","guide_id":"no-internet","step_id":"router","from_guide_id":"vpn-wont-connect"}]}}`, TypeInsightEvents, ""},
		{"insight from guide too long", `{"v":1,"type":"insight.events","data":{"events":[{"kind":"guide.fixed","at":"2026-01-05T09:11:40Z","journey":"9f0c2a7e5b4d4e61","guide_id":"g","from_guide_id":"` + strings.Repeat("g", MaxShortText+1) + `"}]}}`, "", CodeBadMessage},
		{"insight no events", `{"v":1,"type":"insight.events","data":{"events":[]}}`, "", CodeBadMessage},
		{"insight too many events", `{"v":1,"type":"insight.events","data":{"events":[` + strings.TrimSuffix(strings.Repeat(`{"kind":"search","at":"2026-01-05T09:11:40Z","journey":"9f0c2a7e5b4d4e61"},`, MaxInsightEvents+1), ",") + `]}}`, "", CodeBadMessage},
		{"insight unknown kind", `{"v":1,"type":"insight.events","data":{"events":[{"kind":"shell","at":"2026-01-05T09:11:40Z","journey":"9f0c2a7e5b4d4e61"}]}}`, "", CodeBadMessage},
		{"insight no time", `{"v":1,"type":"insight.events","data":{"events":[{"kind":"search","journey":"9f0c2a7e5b4d4e61"}]}}`, "", CodeBadMessage},
		{"insight bad time", `{"v":1,"type":"insight.events","data":{"events":[{"kind":"search","at":"yesterday","journey":"9f0c2a7e5b4d4e61"}]}}`, "", CodeBadMessage},
		{"insight short journey", `{"v":1,"type":"insight.events","data":{"events":[{"kind":"search","at":"2026-01-05T09:11:40Z","journey":"9f0c"}]}}`, "", CodeBadMessage},
		{"insight journey not hex", `{"v":1,"type":"insight.events","data":{"events":[{"kind":"search","at":"2026-01-05T09:11:40Z","journey":"9f0c2a7e5b4d4e6z"}]}}`, "", CodeBadMessage},
		{"insight guide without id", `{"v":1,"type":"insight.events","data":{"events":[{"kind":"guide.opened","at":"2026-01-05T09:11:40Z","journey":"9f0c2a7e5b4d4e61"}]}}`, "", CodeBadMessage},
		{"insight step without id", `{"v":1,"type":"insight.events","data":{"events":[{"kind":"step.reached","at":"2026-01-05T09:11:40Z","journey":"9f0c2a7e5b4d4e61","guide_id":"g"}]}}`, "", CodeBadMessage},
		{"insight check bad status", `{"v":1,"type":"insight.events","data":{"events":[{"kind":"check.result","at":"2026-01-05T09:11:40Z","journey":"9f0c2a7e5b4d4e61","check":"net","status":"meh"}]}}`, "", CodeBadMessage},
		{"insight status off a check", `{"v":1,"type":"insight.events","data":{"events":[{"kind":"search","at":"2026-01-05T09:11:40Z","journey":"9f0c2a7e5b4d4e61","status":"ok"}]}}`, "", CodeBadMessage},
		{"insight query too long", `{"v":1,"type":"insight.events","data":{"events":[{"kind":"search","at":"2026-01-05T09:11:40Z","journey":"9f0c2a7e5b4d4e61","query":"` + strings.Repeat("q", MaxShortText+1) + `"}]}}`, "", CodeBadMessage},
		{"welcome", `{"v":1,"type":"welcome","data":{"insights":{"search_text":false}}}`, TypeWelcome, ""},
		{"offer", `{"v":1,"type":"signal.offer","session":"s","data":{"sdp":"v=0"}}`, TypeOffer, ""},
		{"candidate end", `{"v":1,"type":"signal.candidate","data":{"candidate":""}}`, TypeCandidate, ""},
		{"unknown data field ignored", `{"v":1,"type":"chat","data":{"text":"hi","extra":1}}`, TypeChat, ""},
		{"not json", `hello`, "", CodeBadMessage},
		{"empty", ``, "", CodeBadMessage},
		{"array", `[1,2]`, "", CodeBadMessage},
		{"trailing", `{"v":1,"type":"ack"}{}`, "", CodeBadMessage},
		{"unknown envelope field", `{"v":1,"type":"ack","x":1}`, "", CodeBadMessage},
		{"wrong version", `{"v":2,"type":"ack"}`, "", CodeUnsupportedVersion},
		{"missing version", `{"type":"ack"}`, "", CodeUnsupportedVersion},
		{"unknown type", `{"v":1,"type":"shell.exec"}`, "", CodeUnknownType},
		{"wrong data type", `{"v":1,"type":"chat","data":{"text":5}}`, "", CodeBadMessage},
		{"data not object", `{"v":1,"type":"chat","data":"x"}`, "", CodeBadMessage},
		{"missing description", `{"v":1,"type":"request.submit","data":{}}`, "", CodeBadMessage},
		{"empty chat", `{"v":1,"type":"chat","data":{"text":""}}`, "", CodeBadMessage},
		{"bad outcome kind", `{"v":1,"type":"outcome.report","data":{"kind":"x"}}`, "", CodeBadMessage},
		{"long id", `{"v":1,"type":"ack","id":"` + strings.Repeat("i", 65) + `"}`, "", CodeBadMessage},
		{"too large", `{"v":1,"type":"chat","data":{"text":"` + big + `"}}`, "", CodeBadMessage},
		{"followup answer", `{"v":1,"type":"followup.answer","id":"c3","data":{"request_id":"r-1","working":false,"rating":2,"comment":"offline again"}}`, TypeFollowupAnswer, ""},
		{"followup answer without rating", `{"v":1,"type":"followup.answer","data":{"request_id":"r-1","working":true}}`, TypeFollowupAnswer, ""},
		{"followup rating too high", `{"v":1,"type":"followup.answer","data":{"request_id":"r-1","rating":6}}`, "", CodeBadMessage},
		{"followup rating negative", `{"v":1,"type":"followup.answer","data":{"request_id":"r-1","rating":-1}}`, "", CodeBadMessage},
		{"followup without request", `{"v":1,"type":"followup.answer","data":{"working":true}}`, "", CodeBadMessage},
		{"followup comment too long", `{"v":1,"type":"followup.answer","data":{"request_id":"r-1","comment":"` + strings.Repeat("c", MaxFollowupComment+1) + `"}}`, "", CodeBadMessage},
		{"followup working not bool", `{"v":1,"type":"followup.answer","data":{"request_id":"r-1","working":"no"}}`, "", CodeBadMessage},
		{"followup claim", `{"v":1,"type":"followup.claim","data":{"requests":[{"request_id":"r-1","resume_token":"t"}]}}`, TypeFollowupClaim, ""},
		{"followup claim too many", `{"v":1,"type":"followup.claim","data":{"requests":[` + strings.TrimSuffix(strings.Repeat(`{"request_id":"r","resume_token":"t"},`, MaxFollowupClaims+1), ",") + `]}}`, "", CodeBadMessage},
		{"followup claim without token", `{"v":1,"type":"followup.claim","data":{"requests":[{"request_id":"r-1"}]}}`, "", CodeBadMessage},
		{"followup offer", `{"v":1,"type":"followup.offer","data":{"request_id":"r-1","session_id":"s-1","technician":"Alex","ended_at":"2026-03-02T09:40:00Z","description":"printer"}}`, TypeFollowupOffer, ""},
		{"submit with install id", `{"v":1,"type":"request.submit","data":{"description":"d","install_id":"ABCDEFGHIJKLMNOPQRSTUVWXYZ"}}`, TypeRequestSubmit, ""},
		{"install id too short", `{"v":1,"type":"request.submit","data":{"description":"d","install_id":"abc"}}`, "", CodeBadMessage},
		{"install id with odd characters", `{"v":1,"type":"request.submit","data":{"description":"d","install_id":"ABCDEFGHIJKLMNOP/../x"}}`, "", CodeBadMessage},
		{"install id too long", `{"v":1,"type":"request.submit","data":{"description":"d","install_id":"` + strings.Repeat("a", MaxInstallIDLen+1) + `"}}`, "", CodeBadMessage},
		{"too many steps", `{"v":1,"type":"request.submit","data":{"description":"d","guide":{"steps":[` + strings.TrimSuffix(strings.Repeat(`{},`, MaxItems+1), ",") + `]}}}`, "", CodeBadMessage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Decode([]byte(tt.in))
			if tt.wantCode == "" {
				if err != nil {
					t.Fatalf("Decode: %v", err)
				}
				if m.Type != tt.wantType {
					t.Fatalf("type = %q, want %q", m.Type, tt.wantType)
				}
				return
			}
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("err = %v, want *DecodeError", err)
			}
			if de.Code != tt.wantCode {
				t.Fatalf("code = %q (%v), want %q", de.Code, de, tt.wantCode)
			}
		})
	}
}

func TestRoundTrip(t *testing.T) {
	for _, typ := range Types() {
		spec, _ := SpecOf(typ)
		t.Run(string(typ), func(t *testing.T) {
			var payload any
			if spec.New != nil {
				payload = spec.New()
				switch v := payload.(type) {
				case *RequestSubmit:
					v.Description = "d"
				case *RequestResume:
					v.RequestID, v.ResumeToken = "r", "t"
				case *CodeRedeem:
					v.Code = "123456789"
				case *OutcomeReport:
					v.Kind = OutcomeFixed
				case *GuideFeedback:
					v.GuideID = "printer-offline"
				case *InsightEvents:
					v.Events = []InsightEvent{{Kind: InsightSearch, At: time.Unix(1767225600, 0).UTC(), Journey: "0123456789abcdef"}}
				case *GuidesChanged:
					v.ETag = "e1"
				case *SDP:
					v.SDP = "v=0"
				case *Chat:
					v.Text = "hi"
				case *SessionActivity:
					v.Kind, v.Chars = ActivityClipboardToUser, 12
				case *FollowupOffer:
					v.RequestID = "r"
				case *FollowupAnswer:
					v.RequestID, v.Rating = "r", 4
				}
			}
			b, err := Encode(typ, "id1", "s1", payload)
			if err != nil {
				t.Fatal(err)
			}
			m, err := Decode(b)
			if err != nil {
				t.Fatalf("Decode(%s): %v", b, err)
			}
			if m.Type != typ || m.ID != "id1" || m.Session != "s1" {
				t.Fatalf("got %+v", m)
			}
		})
	}
}

func TestSpecsComplete(t *testing.T) {
	// Every type is documented in the package doc table.
	doc, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, typ := range Types() {
		if !strings.Contains(string(doc), "//\t"+string(typ)+" ") {
			t.Errorf("type %s missing from the doc table", typ)
		}
	}
}

func FuzzDecode(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/seed/*.json")
	for _, s := range seeds {
		b, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Decode(b)
		if err != nil {
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("non-DecodeError %T: %v", err, err)
			}
			return
		}
		// A decoded message must re-encode and decode to the same type.
		out, err := Encode(m.Type, m.ID, m.Session, m.Payload)
		if err != nil {
			if len(b) > MaxMessageSize/2 {
				return // re-encoding escapes may grow past the cap
			}
			t.Fatalf("re-encode: %v", err)
		}
		m2, err := Decode(out)
		if err != nil {
			t.Fatalf("decode re-encoded %s: %v", out, err)
		}
		if m2.Type != m.Type {
			t.Fatal(fmt.Sprint("type changed ", m.Type, m2.Type))
		}
	})
}

func TestSpecOf(t *testing.T) {
	if _, ok := SpecOf("shell.exec"); ok {
		t.Error("SpecOf accepts a type outside the closed set")
	}
	types := Types()
	if len(types) != 38 || !slices.IsSorted(types) {
		t.Fatalf("Types() = %v, want the 38 types sorted", types)
	}
	if s, ok := SpecOf(TypeChat); !ok || !s.Session || s.From != FromClient|FromTech {
		t.Errorf("SpecOf(chat) = %+v, %v", s, ok)
	}
}

func TestSessionActivityValidate(t *testing.T) {
	for _, tc := range []struct {
		a  SessionActivity
		ok bool
	}{
		{SessionActivity{Kind: ActivityClipboardToUser, Chars: 0}, true},
		{SessionActivity{Kind: ActivityTextTyped, Chars: MaxActivityChars}, true},
		{SessionActivity{Kind: "file.sent", Chars: 1}, false},
		{SessionActivity{Kind: "", Chars: 1}, false},
		{SessionActivity{Kind: ActivityTextTyped, Chars: -1}, false},
		{SessionActivity{Kind: ActivityTextTyped, Chars: MaxActivityChars + 1}, false},
		{SessionActivity{Kind: ActivityFileToUser, Name: "report.pdf", Bytes: 10, SHA256: strings.Repeat("ab", 32)}, true},
		{SessionActivity{Kind: ActivityFileFromUser, Name: "log.txt", Bytes: 0, SHA256: strings.Repeat("0", 64)}, true},
		{SessionActivity{Kind: ActivityFileToUser, Name: "", Bytes: 10, SHA256: strings.Repeat("ab", 32)}, false},
		{SessionActivity{Kind: ActivityFileToUser, Name: "a", Bytes: 10, SHA256: "xyz"}, false},
		{SessionActivity{Kind: ActivityFileToUser, Name: "a", Bytes: 10, SHA256: strings.Repeat("AB", 32)}, false},
		{SessionActivity{Kind: ActivityFileToUser, Name: "a", Chars: 3, SHA256: strings.Repeat("ab", 32)}, false},
		{SessionActivity{Kind: ActivityTextTyped, Chars: 3, Name: "a"}, false},
		{SessionActivity{Kind: ActivityDisplayShown, Name: "Display 2 (M1)"}, true},
		{SessionActivity{Kind: ActivityDisplayShown}, false},
		{SessionActivity{Kind: ActivityDisplayShown, Name: "x", Chars: 1}, false},
	} {
		if err := tc.a.Validate(); (err == nil) != tc.ok {
			t.Errorf("Validate(%+v) = %v, want ok %v", tc.a, err, tc.ok)
		}
	}
}
