package cliflag

import (
	"flag"
	"io"
	"os"
	"slices"
	"strings"
	"testing"
)

func TestEnvName(t *testing.T) {
	for in, want := range map[string]string{"turn-external-ip": "LIFELINE_TURN_EXTERNAL_IP", "data": "LIFELINE_DATA", "tls-cert": "LIFELINE_TLS_CERT"} {
		if got := EnvName(in); got != want {
			t.Errorf("EnvName(%q) = %q, want %q", in, got, want)
		}
	}
}

func newSet() *flag.FlagSet {
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

func TestParse(t *testing.T) {
	tests := []struct {
		name   string
		env    map[string]string
		args   []string
		rename map[string]string
		listen string
		limit  int
		guides []string
	}{
		{name: "defaults", listen: "default", limit: 5},
		{name: "env sets what the command line does not", env: map[string]string{"LIFELINE_LISTEN": "127.0.0.1:1", "LIFELINE_LIMIT": "9"},
			listen: "127.0.0.1:1", limit: 9},
		{name: "the command line wins", env: map[string]string{"LIFELINE_LISTEN": "127.0.0.1:1"}, args: []string{"--listen", "127.0.0.1:2"},
			listen: "127.0.0.1:2", limit: 5},
		{name: "renamed variable", env: map[string]string{"LIFELINE_RELAY": "https://help", "LIFELINE_LISTEN": "ignored"},
			rename: map[string]string{"listen": "LIFELINE_RELAY"}, listen: "https://help", limit: 5},
		{name: "list from env, split", env: map[string]string{"LIFELINE_GUIDES": "/a: /b::"}, listen: "default", limit: 5, guides: []string{"/a", "/b"}},
		{name: "list flags win over env", env: map[string]string{"LIFELINE_GUIDES": "/a"}, args: []string{"--guides", "/c", "--guides", "/d:/e"},
			listen: "default", limit: 5, guides: []string{"/c", "/d", "/e"}},
		{name: "empty variable is a value", env: map[string]string{"LIFELINE_LISTEN": ""}, listen: "", limit: 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, k := range []string{"LIFELINE_LISTEN", "LIFELINE_LIMIT", "LIFELINE_GUIDES", "LIFELINE_RELAY"} {
				t.Setenv(k, "") // restored after the test
				os.Unsetenv(k)
			}
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			fs := newSet()
			listen := fs.String("listen", "default", "")
			limit := fs.Int("limit", 5, "")
			guides := NewList(fs, "guides", ":", "")
			if err := Parse(fs, tt.args, tt.rename); err != nil {
				t.Fatal(err)
			}
			if *listen != tt.listen || *limit != tt.limit || !slices.Equal(guides.Values, tt.guides) {
				t.Errorf("listen %q limit %d guides %q, want %q %d %q", *listen, *limit, guides.Values, tt.listen, tt.limit, tt.guides)
			}
		})
	}
}

func TestParseBadEnvNamesTheVariable(t *testing.T) {
	t.Setenv("LIFELINE_LIMIT", "many")
	fs := newSet()
	fs.Int("limit", 5, "")
	err := Parse(fs, nil, nil)
	if err == nil || !strings.Contains(err.Error(), "LIFELINE_LIMIT") {
		t.Errorf("Parse with LIFELINE_LIMIT=many = %v, want an error naming the variable", err)
	}
}

func TestListWithoutSepKeepsEachValueWhole(t *testing.T) {
	fs := newSet()
	vars := NewList(fs, "var", "", "")
	if err := Parse(fs, []string{"--var", "PRINTER=HP, floor 2", "--var", "SITE=HQ"}, nil); err != nil {
		t.Fatal(err)
	}
	if want := []string{"PRINTER=HP, floor 2", "SITE=HQ"}; !slices.Equal(vars.Values, want) {
		t.Errorf("values %q, want %q", vars.Values, want)
	}
	if got := vars.String(); got != "PRINTER=HP, floor 2,SITE=HQ" {
		t.Errorf("String() = %q", got)
	}
}
