package reference

import (
	"sync"
	"time"
)

// logLimiter lets through at most perSecond lines in each wall-clock second
// and counts the rest, so that a flood of refused requests costs the log a
// bounded number of lines per second (perSecond plus one summary line).
type logLimiter struct {
	perSecond int // < 0: unlimited
	now       func() time.Time

	mu         sync.Mutex
	window     int64 // the second being counted (Unix seconds)
	used       int   // lines let through in window
	suppressed int   // lines held back since the last summary
}

func newLogLimiter(perSecond int) *logLimiter {
	return &logLimiter{perSecond: perSecond, now: time.Now}
}

// allow reports whether one more line may be written now and, when a new
// second has begun after lines were held back, how many were (to be
// reported once, in a summary line, before the line itself).
func (l *logLimiter) allow() (ok bool, heldBack int) {
	if l.perSecond < 0 {
		return true, 0
	}
	sec := l.now().Unix()
	l.mu.Lock()
	defer l.mu.Unlock()
	if sec != l.window {
		l.window, l.used = sec, 0
		heldBack, l.suppressed = l.suppressed, 0
	}
	if l.used >= l.perSecond {
		l.suppressed++
		return false, heldBack
	}
	l.used++
	return true, heldBack
}
