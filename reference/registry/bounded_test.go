package registry

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestLoadBounded: serve --registry refuses hostile files quickly, naming
// the file and the problem, without reading them whole.
func TestLoadBounded(t *testing.T) {
	dir := t.TempDir()
	deep := filepath.Join(dir, "deep.yaml")
	if err := os.WriteFile(deep, []byte("clients: "+strings.Repeat("[", 40<<10)), 0o600); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(dir, "big.yaml")
	if err := os.WriteFile(big, []byte(strings.Repeat("k: v\n", 300_000)), 0o600); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "fifo.yaml")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	zeroSecret := filepath.Join(dir, "zero.yaml")
	if err := os.WriteFile(zeroSecret, []byte("clients:\n  - client_id: c\n    methods: [client_secret_jwt]\n    secret_file: /dev/zero\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct{ name, path, want string }{
		{"nested [", deep, "nested"},
		{"large file", big, "cap"},
		{"/dev/zero", "/dev/zero", "is a device"},
		{"FIFO", fifo, "named pipe"},
		{"directory", dir, "is a directory"},
		{"secret_file /dev/zero", zeroSecret, "is a device"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(tc.path)
			if err == nil || !strings.Contains(err.Error(), tc.path) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v does not name %s and %q", err, tc.path, tc.want)
			}
		})
	}
}
