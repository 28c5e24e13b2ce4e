package assist

import (
	"crypto/rand"
	"crypto/sha256"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/lifeline-desk/lifeline/assist/fileproto"
	"github.com/lifeline-desk/lifeline/internal/testenv"
)

// TestReceiveFileDiskFull: a file that does not fit on a real (tmpfs,
// 256 KiB) disk stops with "disk full" for both sides, and what was
// written is deleted, so the disk is as full as before.
func TestReceiveFileDiskFull(t *testing.T) {
	testenv.RequireRoot(t, "mount a small tmpfs")
	dir := t.TempDir()
	if err := syscall.Mount("lifeline-test", dir, "tmpfs", 0, "size=256k"); err != nil {
		testenv.Missing(t, "mount tmpfs: "+err.Error())
	}
	t.Cleanup(func() { syscall.Unmount(dir, 0) })

	data := make([]byte, 1<<20)
	rand.Read(data)
	var last FileEvent
	tr := newTestTransfers(&fileConsent{path: filepath.Join(dir, "big.bin")}, func(e FileEvent) { last = e })
	tr.maxSize = func() int64 { return 2 << 20 }
	ch := newRecordingChannel()
	tr.attach(ch)
	defer tr.close()
	tr.handle(msg(t, fileproto.Message{Type: fileproto.TypeOffer, ID: 1, Size: uint64(len(data)), Name: "big.bin"}))
	ch.next(t, fileproto.TypeAccept)
	for off := 0; off < len(data); off += fileproto.ChunkSize {
		tr.handle(msg(t, fileproto.Message{Type: fileproto.TypeChunk, ID: 1, Data: data[off : off+fileproto.ChunkSize]}))
	}
	tr.handle(msg(t, fileproto.Message{Type: fileproto.TypeEnd, ID: 1, SHA256: sha256.Sum256(data)}))
	if m := ch.next(t, fileproto.TypeCancel); m.Reason != fileproto.ReasonDiskFull {
		t.Errorf("the technician was told reason %d, want disk_full", m.Reason)
	}
	if last.State != FileFailed || last.Reason != fileproto.ReasonDiskFull {
		t.Errorf("the user was told %+v, want disk full", last)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("%d files left on the full disk", len(entries))
	}
}
