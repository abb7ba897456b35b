package loadgen

import (
	"fmt"
	"syscall"
)

// DefaultMaxRate is the highest --rate accepted without an explicit
// --max-rate: well above what one generator process sends (tens of
// thousands per second per core), low enough that a typo such as 1e9 is
// caught before it runs.
const DefaultMaxRate = 200_000

// fdReserve is what the process keeps for everything but connections
// (files, the listener, the runtime).
const fdReserve = 64

// FDLimit returns the file descriptors this process may open (the soft
// RLIMIT_NOFILE, which the Go runtime raises to the hard limit at start).
func FDLimit() (uint64, error) {
	var r syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &r); err != nil {
		return 0, err
	}
	return r.Cur, nil
}

// CheckConnections refuses a plan needing more connections than the file
// descriptor limit allows. flag names the option that asked for them;
// embedded doubles the need (the in-process server holds the other end).
func CheckConnections(conns int, flag string, embedded bool) error {
	limit, err := FDLimit()
	if err != nil {
		return nil // cannot tell: let the run say so
	}
	need := uint64(conns) + fdReserve
	if embedded {
		need += uint64(conns)
	}
	if need <= limit {
		return nil
	}
	max := int64(limit) - fdReserve
	if embedded {
		max /= 2
	}
	if max < 1 {
		max = 1
	}
	why := ""
	if embedded {
		why = " (the embedded server holds the other end of each connection)"
	}
	return fmt.Errorf("%s %d needs about %d file descriptors%s but this process may open %d: lower %s to at most %d, or raise the limit (ulimit -n) before running",
		flag, conns, need, why, limit, flag, max)
}
