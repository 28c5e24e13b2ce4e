package main

import (
	"flag"
	"os"
	"path/filepath"
	"testing"
)

func TestParseFlagsAndEnv(t *testing.T) {
	t.Setenv("LIFELINE_DATA", "/from/env")
	t.Setenv("LIFELINE_LISTEN", "127.0.0.1:1")
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	data := fs.String("data", "default", "")
	listen := fs.String("listen", "default", "")
	admin := fs.Bool("admin", false, "")
	pos, err := parse(fs, []string{"alex", "--admin", "--listen", "127.0.0.1:2"})
	if err != nil {
		t.Fatal(err)
	}
	if len(pos) != 1 || pos[0] != "alex" || !*admin {
		t.Fatalf("pos %v admin %v", pos, *admin)
	}
	if *listen != "127.0.0.1:2" {
		t.Fatalf("flag must win over env: %q", *listen)
	}
	if *data != "/from/env" {
		t.Fatalf("env not applied: %q", *data)
	}
}

func TestReadPasswordFromPipe(t *testing.T) {
	f := filepath.Join(t.TempDir(), "pw")
	os.WriteFile(f, []byte("s3cret-password\n"), 0o600)
	in, err := os.Open(f)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	pw, err := readPassword(in, os.Stderr)
	if err != nil || pw != "s3cret-password" {
		t.Fatalf("got %q %v", pw, err)
	}
}
