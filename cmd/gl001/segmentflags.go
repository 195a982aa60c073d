package main

import (
	"fmt"

	"github.com/spf13/pflag"

	"github.com/greenlang/gl001/xk6-gl001/engine"
	"github.com/greenlang/gl001/xk6-gl001/executor"
)

// segmentFlags are run's flags for one shard of a distributed run.
type segmentFlags struct {
	segment, sequence string
	samplerShard      int
	runID             string
}

func addSegmentFlags(f *pflag.FlagSet) *segmentFlags {
	sf := &segmentFlags{}
	f.StringVar(&sf.segment, "segment", "", `run one shard of the schedule: "i/n" (shard i of n, 0-based, as JOB_COMPLETION_INDEX) or k6's execution segment "a:b" such as 0:1/3; the shards of one run add up to it exactly`)
	f.StringVar(&sf.sequence, "segment-sequence", "", `with --segment a:b, k6's --execution-segment-sequence the segment is one of, such as 0,1/3,2/3,1 (default: 0,a,b,1)`)
	f.IntVar(&sf.samplerShard, "sampler-shard", 0, "with --segment, the index of the one shard that runs the samplers (the others record none, so a merge counts the target once)")
	f.StringVar(&sf.runID, "run-id", "", "with --segment, the id every shard of one distributed run carries, which a merge checks")
	return sf
}

// apply sets o's segment from the flags; without --segment the other
// three are usage errors.
func (sf *segmentFlags) apply(f *pflag.FlagSet, o *engine.Options) error {
	if sf.segment == "" {
		for _, name := range []string{"segment-sequence", "sampler-shard", "run-id"} {
			if f.Changed(name) {
				return fmt.Errorf("--%s applies to a shard: give --segment too", name)
			}
		}
		return nil
	}
	seg, err := executor.ParseSegment("--segment", sf.segment, sf.sequence)
	if err != nil {
		return err
	}
	if sf.samplerShard < 0 || sf.samplerShard >= seg.Count() {
		return fmt.Errorf("--sampler-shard %d: want a shard index from 0 to %d of the %d shards of --segment %s", sf.samplerShard, seg.Count()-1, seg.Count(), sf.segment)
	}
	o.Segment, o.SamplerShard, o.RunID = &seg, seg.Index() == sf.samplerShard, sf.runID
	return nil
}
