package helpdesk

import (
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

const installIDFile = "install-id"

// loadInstallID returns this installation's random id, made and stored
// in dir the first time: it lets the help desk see that the same computer
// asked before (help.request install_id), and nothing else — it is not
// derived from the machine and goes in no insight event.
func loadInstallID(dir *outbox) (string, error) {
	path := filepath.Join(dir.dir, installIDFile)
	b, err := os.ReadFile(path)
	if err == nil {
		if id := strings.TrimSpace(string(b)); validInstallID(id) {
			return id, nil
		}
		dir.log.Warn("install id unreadable; making a new one", "file", path)
	} else if !errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("read install id: %w", err)
	}
	id := rand.Text() // 26 base32 characters
	if err := dir.writeFile(installIDFile, []byte(id+"\n")); err != nil {
		return "", fmt.Errorf("save install id: %w", err)
	}
	return id, nil
}

func validInstallID(id string) bool {
	if len(id) < 16 || len(id) > 64 {
		return false
	}
	for _, r := range id {
		if !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}
