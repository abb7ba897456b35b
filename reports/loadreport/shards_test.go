package loadreport

import (
	"strings"
	"testing"
	"time"

	"github.com/jwtharness/jwtharness/loadgen"
)

func shardRun(hash string, index, count int) *loadgen.Run {
	m := loadgen.Machine{RunID: hash, Host: "h"}
	if count > 0 {
		m.Shard = &loadgen.ShardInfo{PlanHash: hash, Index: index, Count: count}
	}
	return &loadgen.Run{Header: loadgen.Header{Machines: []loadgen.Machine{m}}}
}

func TestCheckShards(t *testing.T) {
	for _, tc := range []struct {
		name   string
		runs   []*loadgen.Run
		errHas string
	}{
		{"all three", []*loadgen.Run{shardRun("p", 0, 3), shardRun("p", 2, 3), shardRun("p", 1, 3)}, ""},
		{"no shards at all", []*loadgen.Run{shardRun("a", 0, 0), shardRun("b", 0, 0)}, ""},
		{"missing", []*loadgen.Run{shardRun("p", 0, 3), shardRun("p", 2, 3)}, "shards missing: 1/3"},
		{"duplicate", []*loadgen.Run{shardRun("p", 0, 2), shardRun("p", 0, 2), shardRun("p", 1, 2)}, "file 1 and file 2 are both shard 0/2"},
		{"different plans", []*loadgen.Run{shardRun("p", 0, 2), shardRun("q", 1, 2)}, "shards of different plans"},
		{"different counts", []*loadgen.Run{shardRun("p", 0, 2), shardRun("p", 1, 3)}, "different shard counts"},
		{"shard with a plain run", []*loadgen.Run{shardRun("p", 0, 1), shardRun("x", 0, 0)}, "file 2 is not a shard"},
	} {
		err := checkShards(tc.runs)
		switch {
		case tc.errHas == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.errHas != "" && (err == nil || !strings.Contains(err.Error(), tc.errHas)):
			t.Errorf("%s: %v, want an error with %q", tc.name, err, tc.errHas)
		}
	}
}

func TestMachineNote(t *testing.T) {
	m := loadgen.Machine{Shard: &loadgen.ShardInfo{PlanHash: "p", Index: 1, Count: 3, StartOffset: loadgen.Duration(1500 * time.Millisecond), ClockSource: "kernel clock tsc"},
		Result: &loadgen.MachineResult{Sent: 10, OKRate: 5, P99: 2000, Starved: 4, Ceiling: 1000}}
	note := MachineNote(m)
	for _, want := range []string{"shard 1/3 of plan p", "LATE START by 1.5s", "clock: kernel clock tsc", "sent 10", "MINTING BEHIND (4", "ceiling 1000/s"} {
		if !strings.Contains(note, want) {
			t.Errorf("note %q lacks %q", note, want)
		}
	}
	if MachineNote(loadgen.Machine{}) != "" {
		t.Error("a plain machine got a note")
	}
	two := []loadgen.Machine{m, m}
	two[0].Host, two[1].Host = "a", "b"
	if got := wholeCeiling(two); len(got) != 1 || !strings.Contains(got[0], "2 generator hosts together: 2000/s") {
		t.Errorf("whole ceiling %q", got)
	}
	two[1].Host = "a"
	if got := wholeCeiling(two); len(got) != 1 || !strings.Contains(got[0], "one generator host all machines shared: 1000/s") {
		t.Errorf("whole ceiling of one shared host %q", got)
	}
	two[1].Result = nil
	if got := wholeCeiling(two); got != nil {
		t.Errorf("whole ceiling with a machine unmeasured: %q", got)
	}
}
