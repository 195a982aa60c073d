package main

import "testing"

func TestLimitFlagsParseKubernetesQuantities(t *testing.T) {
	for in, want := range map[string]int{"200m": 200, "0.5": 500, "1": 1000, "2.25": 2250, "10m": 10, "256": 256000} {
		f := &cpuFlag{lo: 10, hi: 256000}
		if err := f.Set(in); err != nil || f.millicores != want {
			t.Errorf("--replica-cpu-limit %s: %dm, %v; want %dm", in, f.millicores, err, want)
		}
	}
	for _, in := range []string{"9m", "257", "-1", "1.5cores", ""} {
		if err := (&cpuFlag{lo: 10, hi: 256000}).Set(in); err == nil {
			t.Errorf("--replica-cpu-limit %q accepted", in)
		}
	}
	for in, want := range map[string]int{"256Mi": 256, "1Gi": 1024, "1.5Gi": 1536, "512M": 488, "67108864": 64, "1Ti": 1 << 20} {
		f := &memoryFlag{lo: 64, hi: 1 << 20}
		if err := f.Set(in); err != nil || f.mib != want {
			t.Errorf("--replica-memory-limit %s: %dMi, %v; want %dMi", in, f.mib, err, want)
		}
	}
	for _, in := range []string{"63Mi", "2Ti", "256", "lots"} {
		if err := (&memoryFlag{lo: 64, hi: 1 << 20}).Set(in); err == nil {
			t.Errorf("--replica-memory-limit %q accepted", in)
		}
	}
}
