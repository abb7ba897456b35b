package loadreport

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/jwtharness/jwtharness/loadgen"
)

// checkShards refuses to merge shards of a split plan (issue 11) unless
// they are exactly the N shards of one plan: the same plan hash and shard
// count, no shard twice, none missing. Files without shard information
// merge as before, but not with shard files.
func checkShards(runs []*loadgen.Run) error {
	type where struct {
		file int
		info *loadgen.ShardInfo
	}
	var shards, plain []where
	for i, r := range runs {
		for _, m := range r.Header.Machines {
			if m.Shard != nil {
				shards = append(shards, where{i + 1, m.Shard})
			} else {
				plain = append(plain, where{i + 1, nil})
			}
		}
	}
	if len(shards) == 0 {
		return nil
	}
	if len(plain) > 0 {
		return fmt.Errorf("file %d is not a shard of a split plan, file %d is shard %d/%d: they were not one run", plain[0].file, shards[0].file, shards[0].info.Index, shards[0].info.Count)
	}
	first := shards[0]
	byIndex := map[int]int{}
	for _, s := range shards {
		switch {
		case s.info.PlanHash != first.info.PlanHash:
			return fmt.Errorf("file %d is a shard of plan %s, file %d of plan %s: shards of different plans (or start instants) do not merge", s.file, s.info.PlanHash, first.file, first.info.PlanHash)
		case s.info.Count != first.info.Count:
			return fmt.Errorf("file %d is shard %d/%d, file %d shard %d/%d: different shard counts", s.file, s.info.Index, s.info.Count, first.file, first.info.Index, first.info.Count)
		}
		if f, dup := byIndex[s.info.Index]; dup {
			return fmt.Errorf("file %d and file %d are both shard %d/%d: merging would count it twice", f, s.file, s.info.Index, s.info.Count)
		}
		byIndex[s.info.Index] = s.file
	}
	var missing []string
	for i := 0; i < first.info.Count; i++ {
		if _, ok := byIndex[i]; !ok {
			missing = append(missing, fmt.Sprintf("%d/%d", i, first.info.Count))
		}
	}
	if len(missing) > 0 {
		have := make([]int, 0, len(byIndex))
		for i := range byIndex {
			have = append(have, i)
		}
		sort.Ints(have)
		return fmt.Errorf("shards missing: %s (the files hold %v of %d); merge every shard of the plan", strings.Join(missing, ", "), have, first.info.Count)
	}
	return nil
}

// ShardLine is what a machine line adds for a shard of a split plan: its
// index, plan hash, whether it started on time, and its clock source; ""
// for a machine that ran a whole plan.
func ShardLine(m loadgen.Machine) string {
	si := m.Shard
	if si == nil {
		return ""
	}
	start := "no agreed start"
	switch {
	case si.Late():
		start = fmt.Sprintf("LATE START by %s", si.StartOffset.D().Round(time.Millisecond))
	case !si.StartAt.IsZero():
		start = fmt.Sprintf("on time (ready %s before the agreed start)", si.Ready.D().Round(time.Millisecond))
	}
	return fmt.Sprintf("; shard %d/%d of plan %s, %s; clock: %s", si.Index, si.Count, si.PlanHash, start, si.ClockSource)
}
