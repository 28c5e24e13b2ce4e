package pack_test

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/lifeline-desk/lifeline/selfhelp/guide"
	"github.com/lifeline-desk/lifeline/selfhelp/guide/pack"
)

const wifi = `id: office-wifi
title: Office Wi-Fi will not connect
summary: Your laptop does not join the office Wi-Fi.
category: network
symptoms: [wifi will not connect]
steps:
  - id: forget
    title: Forget the network
    text: Forget {{wifi_name}} and join it again.
    question: Did it connect?
    answers:
      - label: "Yes"
        next: fixed
      - label: "No"
        next: escalate
`

func goodPack() pack.Pack {
	return pack.Pack{V: pack.Version, ETag: "abc", PublishedAt: time.Date(2026, 12, 3, 7, 0, 0, 0, time.UTC),
		Guides: []pack.Guide{{ID: "office-wifi", Version: 3, YAML: wifi}}, Hidden: []string{"bitlocker-recovery"},
		Variables: guide.Vars{"wifi_name": "CorpNet"}}
}

func TestRoundTrip(t *testing.T) {
	p := goodPack()
	b, err := p.Encode()
	if err != nil {
		t.Fatal(err)
	}
	got, err := pack.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if got.ETag != "abc" || !got.PublishedAt.Equal(p.PublishedAt) || got.Guides[0] != p.Guides[0] || got.Hidden[0] != "bitlocker-recovery" || got.Variables["wifi_name"] != "CorpNet" {
		t.Fatalf("round trip: %+v", got)
	}
	gs, probs := got.Parse()
	if len(gs) != 1 || len(probs) != 0 || gs[0].ID != "office-wifi" || gs[0].Source != "relay:office-wifi.yaml" {
		t.Fatalf("Parse: %v %v", gs, probs)
	}
}

func TestDecodeRefuses(t *testing.T) {
	enc := func(mod func(*pack.Pack)) string {
		p := goodPack()
		mod(&p)
		b, err := p.Encode()
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	for name, body := range map[string]string{
		"not json":        "hello",
		"empty":           "",
		"trailing":        enc(func(*pack.Pack) {}) + "{}",
		"unknown field":   strings.Replace(enc(func(*pack.Pack) {}), `"v":1`, `"v":1,"x":2`, 1),
		"version 2":       enc(func(p *pack.Pack) { p.V = 2 }),
		"bad id":          enc(func(p *pack.Pack) { p.Guides[0].ID = "Office WiFi" }),
		"id twice":        enc(func(p *pack.Pack) { p.Guides = append(p.Guides, p.Guides[0]) }),
		"version 0":       enc(func(p *pack.Pack) { p.Guides[0].Version = 0 }),
		"guide too large": enc(func(p *pack.Pack) { p.Guides[0].YAML = strings.Repeat("a", guide.MaxFileSize+1) }),
		"bad hidden id":   enc(func(p *pack.Pack) { p.Hidden = []string{"../x"} }),
		"unknown var":     enc(func(p *pack.Pack) { p.Variables = guide.Vars{"rm_rf": "x"} }),
		"var two lines":   enc(func(p *pack.Pack) { p.Variables = guide.Vars{"wifi_name": "a\nb"} }),
		"long etag":       enc(func(p *pack.Pack) { p.ETag = strings.Repeat("e", pack.MaxETag+1) }),
		"guides not list": `{"v":1,"etag":"","published_at":"2026-12-03T07:00:00Z","guides":{},"hidden":[],"variables":{}}`,
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := pack.Decode(strings.NewReader(body)); !errors.Is(err, pack.ErrInvalid) {
				t.Fatalf("Decode = %v, want ErrInvalid", err)
			}
		})
	}
}

// countingReader counts what Decode reads.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.n += int64(n)
	return n, err
}

func TestDecodeCapsTheBody(t *testing.T) {
	// An endless body: Decode stops just past the cap.
	c := &countingReader{r: io.MultiReader(strings.NewReader(`{"v":1,"guides":[{"id":"a","version":1,"yaml":"`), neverEnding('a'))}
	if _, err := pack.Decode(c); !errors.Is(err, pack.ErrTooLarge) {
		t.Fatalf("Decode of an endless body = %v", err)
	}
	if c.n > pack.MaxSize+64<<10 {
		t.Fatalf("read %d bytes for a cap of %d", c.n, pack.MaxSize)
	}
	// Encode refuses a pack past the cap, as the relay's publish does.
	p := goodPack()
	for i := range 70 {
		p.Guides = append(p.Guides, pack.Guide{ID: "big-" + strings.Repeat("x", i+1), Version: 1, YAML: strings.Repeat("y", 250_000)})
	}
	if _, err := p.Encode(); !errors.Is(err, pack.ErrTooLarge) {
		t.Fatalf("Encode past the cap = %v", err)
	}
}

type neverEnding byte

func (b neverEnding) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(b)
	}
	return len(p), nil
}

func TestParseChecksListedID(t *testing.T) {
	p := goodPack()
	p.Guides = append(p.Guides, pack.Guide{ID: "other-wifi", Version: 1, YAML: wifi}, pack.Guide{ID: "broken", Version: 1, YAML: "id: [broken"})
	gs, probs := p.Parse()
	if len(gs) != 1 || len(probs) != 2 {
		t.Fatalf("Parse: %d guides, %v", len(gs), probs)
	}
	if probs[1].File != "relay:other-wifi.yaml" || probs[1].Line != 1 || !strings.Contains(probs[1].Message, `listed as "other-wifi"`) {
		t.Fatalf("problem %+v", probs[1])
	}
}

func TestValidID(t *testing.T) {
	for id, want := range map[string]bool{"printer-offline": true, "a1": true, "": false, "A": false, "a--b": false, "-a": false, strings.Repeat("a", pack.MaxIDLen+1): false} {
		if got := pack.ValidID(id); got != want {
			t.Errorf("ValidID(%q) = %v", id, got)
		}
	}
}

// FuzzDecode feeds the desktop's pack decoder arbitrary bodies, as a
// broken or hostile relay may send: it never panics, refuses with
// ErrInvalid or ErrTooLarge, and what it accepts is valid, re-encodes and
// decodes to the same pack, and parses without panicking.
func FuzzDecode(f *testing.F) {
	b, _ := func() ([]byte, error) { p := goodPack(); return p.Encode() }()
	f.Add(b)
	f.Add([]byte(`{"v":1,"etag":"","published_at":"0001-01-01T00:00:00Z","guides":[],"hidden":[],"variables":{}}`))
	f.Add([]byte(`{"v":1,"guides":[{"id":"a","version":1,"yaml":"id: a\nsteps: [{id: s, answers: [{label: x, next: s}]}]\n"}]}`))
	f.Add([]byte(`{"v":1,"guides":[{"id":"a","version":1,"yaml":"a: &a [*a, *a]"}],"hidden":["b"],"variables":{"helpdesk_phone":"1"}}`))
	f.Add([]byte(`{"v":2}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		p, err := pack.Decode(bytes.NewReader(body))
		if err != nil {
			if !errors.Is(err, pack.ErrInvalid) && !errors.Is(err, pack.ErrTooLarge) {
				t.Fatalf("error %v is neither ErrInvalid nor ErrTooLarge", err)
			}
			return
		}
		if err := p.Validate(); err != nil {
			t.Fatalf("accepted an invalid pack: %v", err)
		}
		out, err := p.Encode()
		if err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		p2, err := pack.Decode(bytes.NewReader(out))
		if err != nil {
			t.Fatalf("decode re-encoded: %v", err)
		}
		if len(p2.Guides) != len(p.Guides) || len(p2.Hidden) != len(p.Hidden) || len(p2.Variables) != len(p.Variables) || p2.ETag != p.ETag {
			t.Fatalf("round trip changed the pack")
		}
		gs, probs := p.Parse()
		if len(gs)+len(probs) < len(p.Guides) && len(probs) == 0 {
			t.Fatalf("%d guides listed, %d parsed, no problem", len(p.Guides), len(gs))
		}
	})
}
