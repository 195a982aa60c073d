package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/greenlang/gl001/deploy/kubeshards"
	"github.com/greenlang/gl001/reports/runlog"
	"github.com/greenlang/gl001/scenarios"
	"github.com/greenlang/gl001/simulator"
	"github.com/greenlang/gl001/xk6-gl001/metrics"
	"github.com/greenlang/gl001/xk6-gl001/record"
)

// podsAsProcesses plays the Job controller and the kubelet for a fake
// clientset: the Job's pods are created running, and a pod's log is the
// stdout of this test binary run with the pod's own arguments (its index
// for $(JOB_COMPLETION_INDEX), the scenario file for the ConfigMap's
// mount, a folder for /results). When a shard's process exits its pod
// ends, and when all have, the Job completes.
type podsAsProcesses struct {
	t        *testing.T
	client   *fake.Clientset
	scenario string
	dir      string
	mu       sync.Mutex
	ended    int
	stderr   map[int]*bytes.Buffer
}

func (p *podsAsProcesses) start(ctx context.Context) {
	go func() {
		for ctx.Err() == nil {
			l, err := p.client.BatchV1().Jobs("greenlang").List(ctx, metav1.ListOptions{})
			if err == nil && len(l.Items) == 1 {
				job := l.Items[0]
				for i := range int(*job.Spec.Completions) {
					pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("%s-%d", job.Name, i), Namespace: "greenlang",
						Labels: map[string]string{kubeshards.LabelJobName: job.Name}, Annotations: map[string]string{kubeshards.IndexAnnotation: fmt.Sprint(i)}},
						Spec: job.Spec.Template.Spec, Status: corev1.PodStatus{Phase: corev1.PodRunning}}
					if _, err := p.client.CoreV1().Pods("greenlang").Create(ctx, pod, metav1.CreateOptions{}); err != nil {
						p.t.Error(err)
					}
				}
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
	}()
}

// logs runs the pod's container as a process and streams its stdout.
func (p *podsAsProcesses) logs(c kubernetes.Interface) kubeshards.LogOpener {
	return func(ctx context.Context, pod *corev1.Pod) (io.ReadCloser, error) {
		i := pod.Annotations[kubeshards.IndexAnnotation]
		var args []string
		for _, a := range pod.Spec.Containers[0].Args {
			a = strings.ReplaceAll(a, "$(JOB_COMPLETION_INDEX)", i)
			switch a {
			case kubeshards.ScenarioPath:
				a = p.scenario
			case "/results":
				a = filepath.Join(p.dir, "shard-"+i)
			case "--kube": // no cluster here for shard 0 to sample: the kube samplers have their own tests
				continue
			}
			args = append(args, a)
		}
		// Every sample as well, to check the merged percentiles against.
		args = append(args, "--out", "json="+filepath.Join(p.dir, "points-"+i+".json"))
		self, err := os.Executable()
		if err != nil {
			return nil, err
		}
		cmd := exec.CommandContext(ctx, self, args...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			return nil, err
		}
		if err := cmd.Start(); err != nil {
			return nil, err
		}
		return &podLog{ReadCloser: out, end: func() {
			err := cmd.Wait()
			phase := corev1.PodSucceeded
			if err != nil {
				phase = corev1.PodFailed
				p.t.Logf("shard %s: %v\n%s", i, err, stderr.String())
			}
			p.finish(c, pod, phase)
		}}, nil
	}
}

func (p *podsAsProcesses) finish(c kubernetes.Interface, pod *corev1.Pod, phase corev1.PodPhase) {
	ctx := context.Background()
	cur, err := c.CoreV1().Pods("greenlang").Get(ctx, pod.Name, metav1.GetOptions{})
	if err != nil {
		return
	}
	cur.Status.Phase = phase
	_, _ = c.CoreV1().Pods("greenlang").UpdateStatus(ctx, cur, metav1.UpdateOptions{})
	p.mu.Lock()
	p.ended++
	all := p.ended == 2
	p.mu.Unlock()
	job, err := c.BatchV1().Jobs("greenlang").Get(ctx, pod.Labels[kubeshards.LabelJobName], metav1.GetOptions{})
	if all && err == nil {
		job.Status.Conditions = append(job.Status.Conditions, batchv1.JobCondition{Type: batchv1.JobComplete, Status: corev1.ConditionTrue})
		_, _ = c.BatchV1().Jobs("greenlang").UpdateStatus(ctx, job, metav1.UpdateOptions{})
	}
}

// podLog is a container's stdout; at its end the container has exited.
type podLog struct {
	io.ReadCloser
	end  func()
	once sync.Once
}

func (l *podLog) Read(b []byte) (int, error) {
	n, err := l.ReadCloser.Read(b)
	if err == io.EOF {
		l.once.Do(l.end)
	}
	return n, err
}

// kubeFixture is one stand-in, a fake cluster whose pods are shard
// processes, and the seams of --kube-shards pointed at them.
func kubeFixture(t *testing.T, minutes string) (scPath string, sc scenarios.Scenario, si *simulator.StandIn, client *fake.Clientset) {
	t.Helper()
	dir := t.TempDir()
	scPath = writeScenario(t, dir, strings.Replace(strings.Replace(tiny, "%s", "", 1), `"duration_minutes": 0.05`, `"duration_minutes": `+minutes, 1))
	sc, err := scenarios.Load(scPath)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	si, err = simulator.Start(ctx, simulator.Options{Plants: sc.Plants, Agents: sc.SubAgents, Replicas: 1, Partitions: 2, Listen: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = si.Stop() })
	client = fake.NewClientset()
	pods := &podsAsProcesses{t: t, client: client, scenario: scPath, dir: dir}
	pods.start(ctx)
	kubeClient = func(string, string) (kubernetes.Interface, error) { return client, nil }
	kubeLogs = pods.logs
	t.Cleanup(func() { kubeClient, kubeLogs = defaultKubeClient, kubeshards.PodLogs })
	return scPath, sc, si, client
}

// gl001 run --kube-shards 2 against one stand-in: the Job is created from
// the manifest, each pod's arguments are run as a real shard process,
// their streams are merged live into one folder, and the merged counts
// are the scenario's exactly.
func TestRunKubeShards(t *testing.T) {
	if testing.Short() {
		t.Skip("runs shard processes against a stand-in")
	}
	scPath, sc, si, client := kubeFixture(t, "0.05")
	out := filepath.Join(t.TempDir(), "merged")
	r := gl001(t, "", false, "run", scPath, "--kube-shards", "2", "--target", si.API(), "--brokers", strings.Join(si.Brokers(), ","),
		"--image", "ghcr.io/greenlang/gl001:test", "--out", out)
	r.expect(t, 0, []string{"Job gl001-load-test-", ": Complete", "shard 0 (segment 0:1/2):", "shard 1 (segment 1/2:1):", "complete", "verdict"},
		[]string{"2 shards as Job greenlang/gl001-load-test-", "shard job created"})
	run, err := runlog.Load(out)
	if err != nil {
		t.Fatal(err)
	}
	configs, _ := sc.Executors()
	last := run.Intervals[len(run.Intervals)-1].Executors
	for name, c := range configs {
		if last[name].Started+last[name].Dropped != c.Arrivals() {
			t.Errorf("%s: merged %d started + %d dropped, the scenario's %d", name, last[name].Started, last[name].Dropped, c.Arrivals())
		}
	}
	if m := run.Meta.Merged; m == nil || len(m.Shards) != 2 || !m.Shards[0].Complete || !m.Shards[1].Complete || !m.Shards[0].Sampler {
		t.Errorf("merged %+v", run.Meta.Merged)
	}
	if n := run.Totals[record.MetricIterations].Values()["count"]; n != float64(last["optimize"].Started+last["coordinate"].Started) {
		t.Errorf("merged iterations %v, the shards started %d", n, last["optimize"].Started+last["coordinate"].Started)
	}
	// The merged histograms' percentiles are those of every sample the
	// shards recorded (their k6 JSON points).
	for _, name := range []string{record.MetricOptimizeDuration, record.MetricCoordinationDuration} {
		all := metrics.NewSink(metrics.Trend, metrics.Time)
		for _, i := range []string{"0", "1"} {
			b, err := os.ReadFile(filepath.Join(filepath.Dir(scPath), "points-"+i+".json"))
			if err != nil {
				t.Fatal(err)
			}
			for _, line := range bytes.Split(b, []byte("\n")) {
				var pt struct {
					Type, Metric string
					Data         struct{ Value float64 }
				}
				if json.Unmarshal(line, &pt) == nil && pt.Type == "Point" && pt.Metric == name {
					all.Add(pt.Data.Value)
				}
			}
		}
		got := run.Totals[name]
		if got == nil || got.Count() != all.Count() || all.Count() == 0 {
			t.Fatalf("%s: merged %v samples, the shards' points %d", name, got, all.Count())
		}
		for _, q := range []float64{50, 90, 95, 99, 100} {
			if got.Percentile(q) != all.Percentile(q) {
				t.Errorf("%s p(%v): merged %v, of every sample %v", name, q, got.Percentile(q), all.Percentile(q))
			}
		}
	}
	for _, f := range []string{"report.md", "junit.xml"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Error(err)
		}
	}
	jobs, _ := client.BatchV1().Jobs("greenlang").List(context.Background(), metav1.ListOptions{})
	if len(jobs.Items) != 1 {
		t.Fatalf("%d jobs", len(jobs.Items))
	}
	if _, err := client.BatchV1().Jobs("greenlang").Get(context.Background(), jobs.Items[0].Name, metav1.GetOptions{}); apierrors.IsNotFound(err) {
		t.Error("a completed Job was deleted")
	}
}

// Ctrl-C during a --kube-shards run deletes the Job and still writes the
// merged folder and its report, the shards named incomplete: exit 1.
func TestRunKubeShardsInterrupted(t *testing.T) {
	if testing.Short() {
		t.Skip("runs shard processes against a stand-in")
	}
	scPath, _, si, client := kubeFixture(t, "2")
	out := filepath.Join(t.TempDir(), "merged")
	sigs := make(chan os.Signal, 1)
	go func() { // Ctrl-C once the shards are streaming: the merged file has a window (bounded: 60 s)
		for range 600 {
			if _, err := os.Stat(filepath.Join(out, "intervals.ndjson")); err == nil {
				time.Sleep(time.Second)
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		sigs <- os.Interrupt
	}()
	var stdout, stderr bytes.Buffer
	start := time.Now()
	code := run([]string{"run", scPath, "--kube-shards", "2", "--target", si.API(), "--brokers", strings.Join(si.Brokers(), ","), "--out", out},
		streams{in: strings.NewReader(""), out: &stdout, err: &stderr, isTerminal: func() bool { return false }, signals: sigs})
	if code != exitFailed || time.Since(start) > 100*time.Second {
		t.Fatalf("exit %d after %s, want 1 soon after the signal\nstdout %s\nstderr %s", code, time.Since(start), stdout.String(), stderr.String())
	}
	for _, want := range []string{"stopped: interrupted (Job deleted)", "INCOMPLETE: it stopped before its share", "verdict"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout.String())
		}
	}
	if jobs, _ := client.BatchV1().Jobs("greenlang").List(context.Background(), metav1.ListOptions{}); len(jobs.Items) != 0 {
		t.Errorf("%d Jobs left", len(jobs.Items))
	}
	if _, err := os.Stat(filepath.Join(out, "report.md")); err != nil {
		t.Error(err)
	}
}

// --kube-shards refuses what cannot reach its pods, and a cluster it
// cannot reach, before it creates anything.
func TestRunKubeShardsBadInput(t *testing.T) {
	dir := t.TempDir()
	sc := writeScenario(t, dir, strings.Replace(tiny, "%s", "", 1))
	t.Setenv("KUBECONFIG", filepath.Join(dir, "nope"))
	t.Setenv("KUBERNETES_SERVICE_HOST", "")
	if err := os.WriteFile(filepath.Join(dir, "p.json"), []byte(`{"namespace": "staging"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--kube-shards", "2"}, "--kube-shards needs --target"},
		{[]string{"--kube-shards", "2", "--target", "http://x", "--segment", "0/2"}, "--segment does not go with --kube-shards"},
		{[]string{"--kube-shards", "2", "--target", "http://x", "--profile", filepath.Join(dir, "p.json")}, "the pods need a built-in profile"},
		{[]string{"--kube-shards", "2", "--target", "http://x", "--kafka-sasl-password", "s"}, "a secret does not go in a Job's arguments"},
		{[]string{"--kube-shards", "2", "--target", "http://x"}, "$KUBECONFIG=" + filepath.Join(dir, "nope") + ": no such file"},
		{[]string{"--kube-shards", "0", "--target", "http://x", "--kubeconfig", writeKubeconfig(t, dir)}, "--kube-shards 0: want 1 to 1000"},
		{[]string{"--kube-shards", "2", "--target", "http://x", "--kubeconfig", writeKubeconfig(t, dir)}, "cannot reach the cluster"},
	} {
		r := gl001(t, "", false, append([]string{"run", sc}, tc.args...)...)
		if r.code != exitBadInput || !strings.Contains(r.stder, tc.want) {
			t.Errorf("%v: exit %d, stderr %q, want 2 and %q", tc.args, r.code, r.stder, tc.want)
		}
	}
}

// writeKubeconfig names an API server on a loopback port nothing listens on.
func writeKubeconfig(t *testing.T, dir string) string {
	p := filepath.Join(dir, "kubeconfig")
	cfg := "apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: \"https://127.0.0.1:1\"}}]\n" +
		"users: [{name: u, user: {token: t}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n"
	if err := os.WriteFile(p, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}
