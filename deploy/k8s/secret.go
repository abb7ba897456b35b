package k8s

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// MaxSecretBytes is the Kubernetes limit on a Secret's data.
const MaxSecretBytes = 1 << 20

var secretKey = regexp.MustCompile(`^[-._a-zA-Z0-9]+$`)

// SecretFiles reads the regular files directly in dir (the target file's
// directory) for the target Secret: name → content. Hidden files, run files
// (*.ndjson) and reports (*.html) are left out; subdirectories are listed in
// skipped, since a Secret volume is flat. It fails when a name cannot be a
// Secret key or the data exceeds MaxSecretBytes.
func SecretFiles(dir string) (files map[string][]byte, skipped []string, err error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, nil, fmt.Errorf("target directory: %w", err)
	}
	files = map[string][]byte{}
	total := 0
	for _, e := range ents {
		name := e.Name()
		switch {
		case strings.HasPrefix(name, "."):
			continue
		case e.IsDir():
			skipped = append(skipped, name+"/")
			continue
		case !e.Type().IsRegular() && e.Type()&os.ModeSymlink == 0:
			skipped = append(skipped, name)
			continue
		case strings.HasSuffix(name, ".ndjson") || strings.HasSuffix(name, ".html"):
			skipped = append(skipped, name)
			continue
		}
		if !secretKey.MatchString(name) {
			return nil, nil, fmt.Errorf("target directory: %q cannot be a Secret key (letters, digits, '-', '_', '.')", name)
		}
		path := filepath.Join(dir, name)
		st, err := os.Stat(path)
		if err != nil {
			return nil, nil, fmt.Errorf("target directory: %w", err)
		}
		if !st.Mode().IsRegular() {
			skipped = append(skipped, name)
			continue
		}
		if total += int(st.Size()); total > MaxSecretBytes {
			return nil, nil, fmt.Errorf("target directory %s: more than %d bytes at %s: a Secret holds at most 1 MiB; move other files out of the directory", dir, MaxSecretBytes, name)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, nil, fmt.Errorf("target directory: %w", err)
		}
		files[name] = b
	}
	sort.Strings(skipped)
	return files, skipped, nil
}

// FileNames lists the keys of files, sorted (for messages: never contents).
func FileNames(files map[string][]byte) []string {
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// MaterializeSecret writes files into dir (0600), as the Secret volume will
// present them, so the target file can be loaded from exactly what the
// pods will see.
func MaterializeSecret(dir string, files map[string][]byte) error {
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			return err
		}
	}
	return nil
}
