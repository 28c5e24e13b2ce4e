package server_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/lifeline-desk/lifeline/relay/store"
)

// guideBenchRelay is a relay whose organisation published n guides of
// about 1 kB each (ids org-0000 …).
func guideBenchRelay(b *testing.B, n int) (*relay, *tech) {
	b.Helper()
	r := startRelay(b)
	r.addTech("kim", true)
	var vs []store.GuideVersion
	for i := range n {
		id := fmt.Sprintf("org-%04d", i)
		vs = append(vs, store.GuideVersion{GuideID: id, YAML: strings.Replace(wifiGuide("escalate", "Forget {{wifi_name}} and join it again."), "office-wifi", id, 1), Author: "kim"})
	}
	if _, err := r.Store.ImportGuides(context.Background(), store.GuideImport{Versions: vs, Origins: map[string]string{}, At: r.clock.Now()}); err != nil {
		b.Fatal(err)
	}
	return r, r.login("kim")
}

// BenchmarkGuideSync is one desktop's download of a pack of 1,000 guides
// (200) and its check that nothing changed (304).
func BenchmarkGuideSync(b *testing.B) {
	r, _ := guideBenchRelay(b, 1000)
	_, etag, p := r.syncPack("")
	b.Logf("pack of %d guides", len(p.Guides))
	for _, bc := range []struct{ name, inm string }{{"200", ""}, {"304", etag}} {
		b.Run(bc.name, func(b *testing.B) {
			var size int64
			for b.Loop() {
				r.clock.Advance(time.Second) // past the per-address rate
				req, _ := http.NewRequest("GET", r.URL+"/api/client/guides", nil)
				if bc.inm != "" {
					req.Header.Set("If-None-Match", bc.inm)
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				size, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode/100 == 4 || resp.StatusCode/100 == 5 {
					b.Fatalf("status %d", resp.StatusCode)
				}
			}
			b.ReportMetric(float64(size), "body-bytes")
		})
	}
}

// BenchmarkGuidePublish is an editor's save and publish of one guide in
// a pack of 1,000 (lint with the whole pack, the size check, the store).
func BenchmarkGuidePublish(b *testing.B) {
	_, kim := guideBenchRelay(b, 1000)
	if st, g := kim.guide("POST", "/api/guides", map[string]string{"yaml": wifiGuide("escalate", "v0")}); st != 201 {
		b.Fatalf("create: %d %+v", st, g)
	}
	i := 0
	for b.Loop() {
		i++
		if st, g := kim.guide("PUT", "/api/guides/office-wifi/draft", map[string]string{"yaml": wifiGuide("escalate", fmt.Sprint("v", i))}); st != 200 {
			b.Fatalf("draft: %d %+v", st, g)
		}
		if st, g := kim.guide("POST", "/api/guides/office-wifi/publish", nil); st != 200 {
			b.Fatalf("publish: %d %+v", st, g)
		}
	}
}
