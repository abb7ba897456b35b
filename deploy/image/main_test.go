package main

import (
	"archive/tar"
	"compress/gzip"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestImageRuns builds the static binary and the image, unpacks the image
// tarball as a container runtime would (manifest.json → config → layers),
// checks the entrypoint and user, and runs `jwtharness --version` from the
// unpacked filesystem. It compiles the whole command: about 20–40 s.
func TestImageRuns(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary (20–40 s); skipped with -short")
	}
	if runtime.GOOS != "linux" {
		t.Skip("runs the linux binary from the image")
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "image.tar")
	o := Options{Out: out, Tag: "jwtharness:test", Arch: runtime.GOARCH, Version: "v0.0.0-imagetest", CA: "/etc/ssl/certs/ca-certificates.crt", Created: time.Unix(0, 0).UTC()}
	var log strings.Builder
	digest, err := Build(o, &log)
	if err != nil {
		t.Fatalf("build: %v\n%s", err, log.String())
	}
	t.Logf("image %s", digest)

	entries := readTar(t, out)
	var manifest []struct {
		Config   string
		RepoTags []string
		Layers   []string
	}
	if err := json.Unmarshal(entries["manifest.json"], &manifest); err != nil || len(manifest) != 1 {
		t.Fatalf("manifest.json: %v (%d images)", err, len(manifest))
	}
	m := manifest[0]
	if len(m.RepoTags) != 1 || m.RepoTags[0] != "jwtharness:test" {
		t.Errorf("repo tags %v", m.RepoTags)
	}
	var cfg struct {
		Architecture, OS string
		Config           struct {
			Entrypoint []string
			User       string
			Labels     map[string]string
		}
	}
	if err := json.Unmarshal(entries[m.Config], &cfg); err != nil {
		t.Fatalf("config %s: %v", m.Config, err)
	}
	if strings.Join(cfg.Config.Entrypoint, " ") != "/jwtharness" || cfg.Config.User != User || cfg.OS != "linux" || cfg.Architecture != runtime.GOARCH {
		t.Errorf("config: entrypoint %q user %q os/arch %s/%s", cfg.Config.Entrypoint, cfg.Config.User, cfg.OS, cfg.Architecture)
	}
	if cfg.Config.Labels["org.opencontainers.image.version"] != o.Version {
		t.Errorf("version label %q", cfg.Config.Labels["org.opencontainers.image.version"])
	}

	rootfs := filepath.Join(dir, "rootfs")
	for _, l := range m.Layers {
		unpackLayer(t, entries[l], rootfs)
	}
	bin := filepath.Join(rootfs, strings.TrimPrefix(cfg.Config.Entrypoint[0], "/"))
	st, err := os.Stat(bin)
	if err != nil || st.Mode().Perm()&0o111 == 0 {
		t.Fatalf("entrypoint in rootfs: %v %v", st, err)
	}
	got, err := exec.Command(bin, "--version").CombinedOutput()
	if err != nil {
		t.Fatalf("%s --version: %v\n%s", bin, err, got)
	}
	if !strings.Contains(string(got), "jwtharness version "+o.Version) {
		t.Errorf("--version printed %q, want the stamped %s", got, o.Version)
	}

	// Same inputs, same image.
	o.Out, o.Binary = filepath.Join(dir, "again.tar"), bin
	o2 := o
	again, err := Build(o2, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	o.Out = filepath.Join(dir, "third.tar")
	third, err := Build(o, io.Discard)
	if err != nil || again != third {
		t.Errorf("rebuilding from the same binary gave %s then %s (%v)", again, third, err)
	}
}

func TestCheckStaticRefusesDynamic(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("needs a linux ELF")
	}
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	sh, _ = filepath.EvalSymlinks(sh)
	if err := CheckStatic(sh, runtime.GOARCH); err == nil || !strings.Contains(err.Error(), "dynamically linked") {
		t.Errorf("CheckStatic(%s) = %v, want dynamically linked", sh, err)
	}
	if err := CheckStatic("main.go", runtime.GOARCH); err == nil {
		t.Error("CheckStatic accepted a Go source file")
	}
}

func readTar(t *testing.T, path string) map[string][]byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string][]byte{}
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		out[h.Name] = b
	}
}

func unpackLayer(t *testing.T, compressed []byte, root string) {
	t.Helper()
	zr, err := gzip.NewReader(strings.NewReader(string(compressed)))
	if err != nil {
		t.Fatalf("layer: %v", err)
	}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(root, filepath.Clean("/"+h.Name))
		switch h.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(p, 0o755); err != nil {
				t.Fatal(err)
			}
		case tar.TypeReg:
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			b, err := io.ReadAll(tr)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, b, os.FileMode(h.Mode).Perm()); err != nil {
				t.Fatal(err)
			}
		default:
			t.Errorf("unexpected entry %s type %c", h.Name, h.Typeflag)
		}
	}
}
