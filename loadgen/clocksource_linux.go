package loadgen

import (
	"fmt"
	"os"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// ClockSource describes how this host keeps its wall clock: the kernel
// clock source and, from adjtimex(2), whether NTP (or PTP/chrony)
// synchronises it and the kernel's estimated and maximum error.
func ClockSource() string {
	src := "unknown"
	if b, err := os.ReadFile("/sys/devices/system/clocksource/clocksource0/current_clocksource"); err == nil {
		src = strings.TrimSpace(string(b))
	}
	var tx unix.Timex
	state, err := unix.Adjtimex(&tx)
	switch {
	case err != nil:
		return fmt.Sprintf("kernel clock %s; synchronisation unknown (%v)", src, err)
	case state == unix.TIME_ERROR || tx.Status&unix.STA_UNSYNC != 0:
		return fmt.Sprintf("kernel clock %s, NOT synchronised (adjtimex; max error %s): intervals may be misaligned", src, us(tx.Maxerror))
	}
	return fmt.Sprintf("kernel clock %s, synchronised (adjtimex; estimated error %s, max error %s)", src, us(tx.Esterror), us(tx.Maxerror))
}

func us(v int64) time.Duration { return time.Duration(v) * time.Microsecond }
