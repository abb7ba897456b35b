//go:build !linux

package loadgen

// ClockSource is unknown off Linux.
func ClockSource() string { return "unknown (not Linux): clocks assumed NTP-synced" }
