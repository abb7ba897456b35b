// Command image builds the jwtharness container image offline, without
// Docker: it compiles the static binary (CGO_ENABLED=0), puts it in one
// layer on an empty base (nothing is downloaded), sets the entrypoint, and
// writes a docker-format image tarball with go-containerregistry. That
// tarball loads with `docker load -i`, `kind load image-archive` and
// `crane push`.
//
//	go run ./deploy/image -o jwtharness-image.tar [-tag jwtharness:dev] [-arch arm64]
//
// The image holds /jwtharness (the entrypoint, running as 65532:65532) and,
// when this machine has one, the CA bundle at
// /etc/ssl/certs/ca-certificates.crt so https token endpoints verify.
package main

import (
	"archive/tar"
	"bytes"
	"debug/elf"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// Paths and identity inside the image.
const (
	Entrypoint = "/jwtharness"
	CABundle   = "etc/ssl/certs/ca-certificates.crt"
	User       = "65532:65532"
)

// Options describe one image build.
type Options struct {
	Out     string // image tarball to write
	Tag     string // reference recorded in the tarball (docker load names the image so)
	Binary  string // prebuilt static linux binary; "" builds ./cmd/jwtharness
	Arch    string // GOARCH of the image
	Version string // -X main.version and the image's version label
	CA      string // CA bundle to include; "" or missing: none
	// Created is the image's creation time and every file's mtime
	// (reproducible builds: SOURCE_DATE_EPOCH, else the Unix epoch).
	Created time.Time
}

func main() {
	o := Options{}
	flag.StringVar(&o.Out, "o", "jwtharness-image.tar", "image tarball to write")
	flag.StringVar(&o.Tag, "tag", "jwtharness:dev", "image reference (repository:tag)")
	flag.StringVar(&o.Binary, "binary", "", "prebuilt static linux binary (default: build ./cmd/jwtharness with CGO_ENABLED=0)")
	flag.StringVar(&o.Arch, "arch", runtime.GOARCH, "image architecture (GOARCH): amd64, arm64, ...")
	flag.StringVar(&o.Version, "version", "dev", "version stamped into the binary and the image label")
	flag.StringVar(&o.CA, "ca-bundle", "/etc/ssl/certs/ca-certificates.crt", "CA bundle copied into the image (\"\" for none)")
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "image: unexpected argument %q\n", flag.Arg(0))
		os.Exit(2)
	}
	o.Created = time.Unix(0, 0).UTC()
	if s := os.Getenv("SOURCE_DATE_EPOCH"); s != "" {
		var sec int64
		if _, err := fmt.Sscan(s, &sec); err != nil {
			fmt.Fprintf(os.Stderr, "image: SOURCE_DATE_EPOCH %q: want seconds since the epoch\n", s)
			os.Exit(2)
		}
		o.Created = time.Unix(sec, 0).UTC()
	}
	digest, err := Build(o, os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "image:", err)
		os.Exit(1)
	}
	fmt.Printf("wrote %s: %s (%s), image %s\n", o.Out, o.Tag, o.Arch, digest)
	fmt.Printf("  docker load -i %s\n  kind load image-archive %s\n  crane push %s registry.example/jwtharness:%s\n", o.Out, o.Out, o.Out, o.Version)
}

// Build makes the image o describes and writes it to o.Out; it returns the
// image digest. Progress goes to log.
func Build(o Options, log io.Writer) (v1.Hash, error) {
	ref, err := name.NewTag(o.Tag)
	if err != nil {
		return v1.Hash{}, fmt.Errorf("-tag %q: %w", o.Tag, err)
	}
	bin := o.Binary
	if bin == "" {
		tmp, err := os.MkdirTemp("", "jwtharness-image-")
		if err != nil {
			return v1.Hash{}, err
		}
		defer os.RemoveAll(tmp)
		bin = filepath.Join(tmp, "jwtharness")
		if err := BuildBinary(bin, o.Arch, o.Version, log); err != nil {
			return v1.Hash{}, err
		}
	}
	if err := CheckStatic(bin, o.Arch); err != nil {
		return v1.Hash{}, err
	}
	files := []file{{path: strings.TrimPrefix(Entrypoint, "/"), src: bin, mode: 0o755}}
	env := []string{"PATH=/"}
	if o.CA != "" {
		if _, err := os.Stat(o.CA); err == nil {
			files = append(files, file{path: CABundle, src: o.CA, mode: 0o644})
			env = append(env, "SSL_CERT_FILE=/"+CABundle)
		} else {
			fmt.Fprintf(log, "no CA bundle at %s: https endpoints will need tls.ca_file in the target file\n", o.CA)
		}
	}
	layerTar, err := layerTar(files, o.Created)
	if err != nil {
		return v1.Hash{}, err
	}
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(layerTar)), nil })
	if err != nil {
		return v1.Hash{}, fmt.Errorf("layer: %w", err)
	}
	img, err := mutate.AppendLayers(empty.Image, layer)
	if err != nil {
		return v1.Hash{}, fmt.Errorf("image: %w", err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return v1.Hash{}, fmt.Errorf("image config: %w", err)
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = "linux", o.Arch
	cf.Created = v1.Time{Time: o.Created}
	cf.Config = v1.Config{
		Entrypoint: []string{Entrypoint},
		User:       User,
		WorkingDir: "/",
		Env:        env,
		Labels: map[string]string{
			"org.opencontainers.image.title":       "jwtharness",
			"org.opencontainers.image.description": "Conformance and load testing for OAuth 2.0 token endpoints that take JWT assertions (RFC 7523)",
			"org.opencontainers.image.version":     o.Version,
		},
	}
	if img, err = mutate.ConfigFile(img, cf); err != nil {
		return v1.Hash{}, fmt.Errorf("image config: %w", err)
	}
	digest, err := img.Digest()
	if err != nil {
		return v1.Hash{}, fmt.Errorf("image digest: %w", err)
	}
	if err := tarball.WriteToFile(o.Out, ref, img); err != nil {
		return v1.Hash{}, fmt.Errorf("write %s: %w", o.Out, err)
	}
	return digest, nil
}

// BuildBinary compiles ./cmd/jwtharness of the module this command runs in
// as a static linux binary for arch.
func BuildBinary(out, arch, version string, log io.Writer) error {
	gomod, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return fmt.Errorf("go env GOMOD: %w", err)
	}
	root := filepath.Dir(strings.TrimSpace(string(gomod)))
	if root == "." || root == "" || strings.TrimSpace(string(gomod)) == os.DevNull {
		return errors.New("run from the jwtharness module (go run ./deploy/image), or give -binary")
	}
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w -X main.version="+version, "-o", out, "./cmd/jwtharness")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+arch)
	cmd.Stdout, cmd.Stderr = log, log
	fmt.Fprintf(log, "building %s: CGO_ENABLED=0 GOOS=linux GOARCH=%s go build ./cmd/jwtharness\n", out, arch)
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build: %w", err)
	}
	return nil
}

var elfMachine = map[string]elf.Machine{
	"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64, "386": elf.EM_386, "arm": elf.EM_ARM,
	"ppc64le": elf.EM_PPC64, "s390x": elf.EM_S390, "riscv64": elf.EM_RISCV,
}

// CheckStatic reports an error unless path is a linux ELF executable for
// arch with no program interpreter (statically linked): the empty base has
// no libc.
func CheckStatic(path, arch string) error {
	f, err := elf.Open(path)
	if err != nil {
		return fmt.Errorf("%s: not a linux executable: %w", path, err)
	}
	defer f.Close()
	if m, ok := elfMachine[arch]; ok && f.Machine != m {
		return fmt.Errorf("%s: built for %s, the image is %s", path, f.Machine, arch)
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return fmt.Errorf("%s is dynamically linked (build it with CGO_ENABLED=0): the image has no libc", path)
		}
	}
	return nil
}

type file struct {
	path string // inside the image, no leading slash
	src  string
	mode int64
}

// layerTar writes files (and their parent directories) as one tar with
// fixed owner root and mtime, so the same inputs give the same layer.
func layerTar(files []file, mtime time.Time) ([]byte, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	dirs := map[string]bool{}
	for _, f := range files {
		var parents []string
		for d := filepath.Dir(f.path); d != "." && !dirs[d]; d = filepath.Dir(d) {
			parents = append([]string{d}, parents...)
			dirs[d] = true
		}
		for _, d := range parents {
			if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: d + "/", Mode: 0o755, ModTime: mtime, Format: tar.FormatPAX}); err != nil {
				return nil, err
			}
		}
		b, err := os.ReadFile(f.src)
		if err != nil {
			return nil, err
		}
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: f.path, Mode: f.mode, Size: int64(len(b)), ModTime: mtime, Format: tar.FormatPAX}); err != nil {
			return nil, err
		}
		if _, err := tw.Write(b); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
