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

// machinesWithResults returns r's machines; a single-machine run's copy
// carries that machine's own figures from r's summary.
func machinesWithResults(r *loadgen.Run) []loadgen.Machine {
	ms := append([]loadgen.Machine(nil), r.Header.Machines...)
	if len(ms) != 1 || r.Summary == nil {
		return ms
	}
	s := r.Summary
	res := &loadgen.MachineResult{Sent: s.All.Counters.Sent, AsExpected: s.All.Counters.AsExpected(), OKRate: s.All.OKRate,
		P99: s.All.Response.P99, Dropped: s.All.Counters.Dropped}
	if s.CPU != nil {
		res.CPUShare = s.CPU.Share
	}
	if s.Pool != nil {
		res.Starved = s.Pool.Starved
	}
	if r.Header.Ceiling != nil {
		res.Ceiling = r.Header.Ceiling.AllCores
	}
	ms[0].Result = res
	return ms
}

// wholeCeiling notes the sum of the generator hosts' own verify ceilings,
// when every machine measured one: what those hosts could verify together,
// beside the endpoint's merged rate. Machines with the same host name
// count once (their highest), since they shared its cores.
func wholeCeiling(ms []loadgen.Machine) []string {
	byHost := map[string]float64{}
	for _, m := range ms {
		if m.Result == nil || m.Result.Ceiling <= 0 {
			return nil
		}
		byHost[m.Host] = max(byHost[m.Host], m.Result.Ceiling)
	}
	var sum float64
	for _, c := range byHost {
		sum += c
	}
	hosts := fmt.Sprintf("the %d generator hosts together", len(byHost))
	if len(byHost) == 1 {
		hosts = "the one generator host all machines shared"
	}
	return []string{fmt.Sprintf("raw verify ceiling of %s: %.0f/s (each machine's is on its line)", hosts, sum)}
}

// MachineNote is what a machine line adds: for a shard of a split plan its
// index, plan hash, whether it started on time and its clock source; in a
// merged run the machine's own figures. "" when there is nothing to add.
func MachineNote(m loadgen.Machine) string {
	var b strings.Builder
	if si := m.Shard; si != nil {
		start := "no agreed start"
		switch {
		case si.Late():
			start = fmt.Sprintf("LATE START by %s", si.StartOffset.D().Round(time.Millisecond))
		case !si.StartAt.IsZero():
			start = fmt.Sprintf("on time (ready %s before the agreed start)", si.Ready.D().Round(time.Millisecond))
		}
		fmt.Fprintf(&b, "; shard %d/%d of plan %s, %s; clock: %s", si.Index, si.Count, si.PlanHash, start, si.ClockSource)
	}
	if r := m.Result; r != nil {
		fmt.Fprintf(&b, "; sent %d, as expected %.0f/s, p99 %s, dropped %d", r.Sent, r.OKRate, loadgen.FormatMicros(float64(r.P99)), r.Dropped)
		if r.CPUShare > 0 {
			fmt.Fprintf(&b, ", generator CPU %.0f%%", r.CPUShare*100)
		}
		if r.Starved > 0 {
			fmt.Fprintf(&b, ", MINTING BEHIND (%d requests waited for an assertion)", r.Starved)
		}
		if r.Ceiling > 0 {
			fmt.Fprintf(&b, ", ceiling %.0f/s", r.Ceiling)
		}
	}
	return b.String()
}
