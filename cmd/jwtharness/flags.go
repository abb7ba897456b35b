package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// Numeric flag checks shared by serve, token and conform: a value that
// makes no sense is exit 2 naming the flag, never silently replaced.

// positiveDuration refuses d <= 0 for flag of cmd.
func positiveDuration(cmd, flag string, d time.Duration) error {
	if d <= 0 {
		return fmt.Errorf("%s: --%s %s: want a duration above zero", cmd, flag, d)
	}
	return nil
}

// nonNegativeDuration refuses d < 0 for flag of cmd.
func nonNegativeDuration(cmd, flag string, d time.Duration) error {
	if d < 0 {
		return fmt.Errorf("%s: --%s %s: want zero or more", cmd, flag, d)
	}
	return nil
}

// validateServeFlags checks serve's numeric flags.
func validateServeFlags(f *serveFlags) error {
	return errors.Join(
		positiveDuration("serve", "max-lifetime", f.maxLifetime),
		nonNegativeDuration("serve", "leeway", f.leeway),
		atLeast("serve", "token-lifetime", f.tokenLife, time.Second), // expires_in is in seconds
	)
}

// validateConformFlags checks conform's numeric flags.
func validateConformFlags(f *conformFlags) error {
	return positiveDuration("conform", "timeout", f.timeout)
}

func atLeast(cmd, flag string, d, min time.Duration) error {
	if d < min {
		return fmt.Errorf("%s: --%s %s: want at least %s", cmd, flag, d, min)
	}
	return nil
}

// checkReportDir makes sure reports can be written to dir before a run
// starts, without creating it: dir (or, when it does not exist yet, its
// nearest existing parent) must be a directory this process can write to.
func checkReportDir(cmd, dir string) error {
	if dir == "" {
		return nil
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return fmt.Errorf("%s: --report-dir %s: %w", cmd, dir, err)
	}
	probe := abs
	for {
		st, err := os.Stat(probe)
		if err == nil {
			if !st.IsDir() {
				return fmt.Errorf("%s: --report-dir %s: %s is not a directory", cmd, dir, probe)
			}
			break
		}
		if !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("%s: --report-dir %s: %w", cmd, dir, err)
		}
		parent := filepath.Dir(probe)
		if parent == probe {
			return fmt.Errorf("%s: --report-dir %s: no existing parent directory", cmd, dir)
		}
		probe = parent
	}
	f, err := os.CreateTemp(probe, ".jwtharness-write-check-*")
	if err != nil {
		return fmt.Errorf("%s: --report-dir %s cannot be written: %w", cmd, dir, err)
	}
	name := f.Name()
	f.Close()
	if err := os.Remove(name); err != nil {
		return fmt.Errorf("%s: --report-dir %s: %w", cmd, dir, err)
	}
	return nil
}
