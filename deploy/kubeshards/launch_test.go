package kubeshards

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/rest"
	k8stesting "k8s.io/client-go/testing"

	"github.com/greenlang/gl001/reports/runlog"
	"github.com/greenlang/gl001/scenarios"
	"github.com/greenlang/gl001/xk6-gl001/executor"
	"github.com/greenlang/gl001/xk6-gl001/metrics"
	"github.com/greenlang/gl001/xk6-gl001/record"
	"github.com/greenlang/gl001/xk6-gl001/thresholds"
)

// shardStream is shard i of n's intervals.ndjson as its pod logs it:
// a stderr line, the header, and an interval a second for seconds.
func shardStream(t *testing.T, i, n, seconds int) []byte {
	t.Helper()
	sc := scenarios.NewScenario()
	sc.TestName, sc.DurationMinutes, sc.Plants, sc.SubAgents = "kube_test", float64(seconds)/60, 6, 18
	sc.HeatOptimizationRequestsPerMinute, sc.AgentCoordinationEventsPerSecond = 60, 0
	seg, err := executor.ParseSegment("--segment", fmt.Sprintf("%d/%d", i, n), "")
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	reg := metrics.NewRegistry(t0)
	lat := reg.MustNew(record.MetricOptimizeDuration, metrics.Trend, metrics.Time)
	meta := record.Meta{Scenario: sc, IntervalSeconds: 1, Shard: &record.Shard{Segment: seg.String(), Sequence: seg.Sequence(),
		Index: i, Count: n, RunID: "r1", Sampler: i == 0}}
	mj, _ := json.Marshal(meta)
	var b bytes.Buffer
	b.WriteString("gl001 run /config/scenario.json: 6 plants\n")
	w, err := metrics.NewIntervalWriter(&b, reg.Header(mj))
	if err != nil {
		t.Fatal(err)
	}
	configs, _ := sc.Executors()
	for s := 1; s <= seconds; s++ {
		reg.Add(lat, float64(10*s+i))
		iv := reg.Flush(t0.Add(time.Duration(s) * time.Second))
		execs := map[string]record.Executor{}
		for name, c := range configs {
			done := seg.Scale(c.Arrivals()) * int64(s) / int64(seconds)
			execs[name] = record.Executor{Scheduled: done, Started: done}
		}
		eb, _ := json.Marshal(execs)
		iv.Extra = map[string]json.RawMessage{record.ExecutorsKey: eb}
		if err := w.Write(iv); err != nil {
			t.Fatal(err)
		}
	}
	return b.Bytes()
}

// cluster stands in for the Job controller and kubelet over a fake
// clientset: once the Job is created it makes its pods, running, and
// each pod's log is what stream returns.
type cluster struct {
	t      *testing.T
	client *fake.Clientset
	ns     string
	mu     sync.Mutex
	opened map[string]int
}

func newCluster(t *testing.T) *cluster {
	return &cluster{t: t, client: fake.NewClientset(), ns: "greenlang", opened: map[string]int{}}
}

// job waits for the launcher's Job (bounded: 10 s).
func (c *cluster) job() *batchv1.Job {
	c.t.Helper()
	for range 1000 {
		l, err := c.client.BatchV1().Jobs(c.ns).List(context.Background(), metav1.ListOptions{})
		if err == nil && len(l.Items) == 1 {
			return &l.Items[0]
		}
		time.Sleep(10 * time.Millisecond)
	}
	c.t.Fatal("no Job was created")
	return nil
}

// startPods creates the Job's pods in phase.
func (c *cluster) startPods(job *batchv1.Job, phase corev1.PodPhase) {
	c.t.Helper()
	for i := range int(*job.Spec.Completions) {
		pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("%s-%d-x", job.Name, i), Namespace: c.ns,
			Labels:      map[string]string{LabelJobName: job.Name},
			Annotations: map[string]string{IndexAnnotation: fmt.Sprint(i)}},
			Spec:   job.Spec.Template.Spec,
			Status: corev1.PodStatus{Phase: phase}}
		if _, err := c.client.CoreV1().Pods(c.ns).Create(context.Background(), pod, metav1.CreateOptions{}); err != nil {
			c.t.Fatal(err)
		}
	}
}

func (c *cluster) setPhase(phase corev1.PodPhase) {
	pods, _ := c.client.CoreV1().Pods(c.ns).List(context.Background(), metav1.ListOptions{})
	for _, p := range pods.Items {
		p.Status.Phase = phase
		if _, err := c.client.CoreV1().Pods(c.ns).UpdateStatus(context.Background(), &p, metav1.UpdateOptions{}); err != nil {
			c.t.Fatal(err)
		}
	}
}

func (c *cluster) finishJob(job *batchv1.Job, cond batchv1.JobConditionType) {
	j, err := c.client.BatchV1().Jobs(c.ns).Get(context.Background(), job.Name, metav1.GetOptions{})
	if err != nil {
		c.t.Fatal(err)
	}
	j.Status.Conditions = append(j.Status.Conditions, batchv1.JobCondition{Type: cond, Status: corev1.ConditionTrue})
	if _, err := c.client.BatchV1().Jobs(c.ns).UpdateStatus(context.Background(), j, metav1.UpdateOptions{}); err != nil {
		c.t.Fatal(err)
	}
}

func (c *cluster) opener(stream func(pod *corev1.Pod, attempt int) io.ReadCloser) LogOpener {
	return func(ctx context.Context, pod *corev1.Pod) (io.ReadCloser, error) {
		c.mu.Lock()
		n := c.opened[pod.Name]
		c.opened[pod.Name]++
		c.mu.Unlock()
		return stream(pod, n), nil
	}
}

func options(c *cluster, out string, shards int) Options {
	return Options{Client: c.client, Out: out, Reopen: time.Millisecond, Drain: time.Second, Grace: 5 * time.Second,
		Spec: Spec{Namespace: c.ns, Shards: shards, Image: "ghcr.io/greenlang/gl001:test", RunID: "r1", Args: []string{"--target", "http://gl-001:8000"}}}
}

type result struct {
	out Outcome
	err error
}

func launch(ctx context.Context, o Options) chan result {
	ch := make(chan result, 1)
	go func() { out, err := Run(ctx, o); ch <- result{out, err} }()
	return ch
}

func wait(t *testing.T, ch chan result) result {
	t.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(60 * time.Second):
		t.Fatal("the launch did not return within 60 s")
	}
	return result{}
}

// The Job runs to its end: its pods' streams are merged into one folder
// that is complete, one stream broke midway and was read again without
// counting twice, and the Job is left for its TTL.
func TestLaunchFollowsTheJob(t *testing.T) {
	c := newCluster(t)
	streams := [][]byte{shardStream(t, 0, 2, 10), shardStream(t, 1, 2, 10)}
	o := options(c, filepath.Join(t.TempDir(), "merged"), 2)
	o.Logs = c.opener(func(pod *corev1.Pod, attempt int) io.ReadCloser {
		b := streams[shardIndex(pod)]
		if shardIndex(pod) == 1 && attempt == 0 {
			pr, pw := io.Pipe()
			go func() { pw.Write(b[:len(b)/2]); pw.CloseWithError(errors.New("http2: stream reset")) }()
			return pr
		}
		return io.NopCloser(bytes.NewReader(b))
	})
	ch := launch(context.Background(), o)
	job := c.job()
	if *job.Spec.Completions != 2 || *job.Spec.CompletionMode != batchv1.IndexedCompletion || job.Labels[LabelRunID] != "r1" {
		t.Errorf("job %+v", job.Spec)
	}
	c.startPods(job, corev1.PodRunning)
	time.Sleep(50 * time.Millisecond)
	c.setPhase(corev1.PodSucceeded)
	c.finishJob(job, batchv1.JobComplete)
	r := wait(t, ch)
	if r.err != nil {
		t.Fatal(r.err)
	}
	if r.out.JobResult != "Complete" || r.out.JobDeleted || r.out.Stopped != "" {
		t.Errorf("outcome %+v", r.out)
	}
	for _, sh := range r.out.Merged.Shards {
		if !sh.Complete {
			t.Errorf("shard %+v", sh)
		}
	}
	if sh := r.out.Merged.Shards[1]; sh.ReplayedIntervals == 0 || sh.OtherLines != 1 {
		t.Errorf("shard 1 after a broken stream: %+v", sh)
	}
	run, err := runlog.Load(o.Out)
	if err != nil {
		t.Fatal(err)
	}
	if n := run.Totals[record.MetricOptimizeDuration].Count(); n != 20 {
		t.Errorf("merged %d samples, the shards recorded 20", n)
	}
	if _, err := c.client.BatchV1().Jobs(c.ns).Get(context.Background(), job.Name, metav1.GetOptions{}); err != nil {
		t.Errorf("a finished Job is kept for its TTL: %v", err)
	}
}

// waitForFile waits for path to exist (bounded: 30 s).
func waitForFile(t *testing.T, path string) {
	t.Helper()
	for range 3000 {
		if _, err := os.Stat(path); err == nil {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("%s did not appear within 30 s", path)
}

// blocking streams a shard's first half, then holds the stream open, as
// a pod still running does.
func blocking(ctx context.Context, b []byte) io.ReadCloser {
	pr, pw := io.Pipe()
	go func() {
		pw.Write(b[:len(b)/2])
		<-ctx.Done()
		pw.CloseWithError(ctx.Err())
	}()
	return pr
}

// Ctrl-C deletes the Job and still writes the merged folder, its shards
// marked incomplete.
func TestLaunchInterruptedDeletesTheJob(t *testing.T) {
	c := newCluster(t)
	streams := [][]byte{shardStream(t, 0, 2, 20), shardStream(t, 1, 2, 20)}
	o := options(c, filepath.Join(t.TempDir(), "merged"), 2)
	o.Logs = func(ctx context.Context, pod *corev1.Pod) (io.ReadCloser, error) {
		return blocking(ctx, streams[shardIndex(pod)]), nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	ch := launch(ctx, o)
	job := c.job()
	c.startPods(job, corev1.PodRunning)
	waitForFile(t, filepath.Join(o.Out, runlog.IntervalsFile)) // a window merged: the shards are streaming
	cancel()
	r := wait(t, ch)
	if r.err != nil {
		t.Fatal(r.err)
	}
	if r.out.Stopped != "interrupted" || !r.out.JobDeleted {
		t.Errorf("outcome %+v", r.out)
	}
	if _, err := c.client.BatchV1().Jobs(c.ns).Get(context.Background(), job.Name, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("the Job is still there: %v", err)
	}
	for _, sh := range r.out.Merged.Shards {
		if sh.Complete || !strings.Contains(sh.Problem, "stopped before its share") || !strings.Contains(sh.Problem, "interrupted") {
			t.Errorf("shard %+v", sh)
		}
	}
	if _, err := os.Stat(filepath.Join(o.Out, runlog.IntervalsFile)); err != nil {
		t.Error(err)
	}
}

// An abortOnFail threshold is judged on the merged data, and deletes the
// Job when it fails.
func TestLaunchAbortOnFailDeletesTheJob(t *testing.T) {
	c := newCluster(t)
	streams := [][]byte{shardStream(t, 0, 2, 20), shardStream(t, 1, 2, 20)}
	o := options(c, filepath.Join(t.TempDir(), "merged"), 2)
	set, err := thresholds.Decode([]byte(`{"gl001_optimize_duration": [{"threshold": "max<50", "abortOnFail": true}]}`))
	if err != nil {
		t.Fatal(err)
	}
	o.Thresholds = set
	o.Logs = func(ctx context.Context, pod *corev1.Pod) (io.ReadCloser, error) {
		return blocking(ctx, streams[shardIndex(pod)]), nil
	}
	ch := launch(context.Background(), o)
	c.startPods(c.job(), corev1.PodRunning)
	r := wait(t, ch)
	if r.err != nil {
		t.Fatal(r.err)
	}
	if len(r.out.Aborted) != 1 || !r.out.JobDeleted || !strings.Contains(r.out.Stopped, "abortOnFail") {
		t.Errorf("outcome %+v", r.out)
	}
}

// A shard whose header is refused (the ConfigMap holds another scenario)
// stops the launch with that error, and the Job is deleted.
func TestLaunchRefusedShardStops(t *testing.T) {
	c := newCluster(t)
	o := options(c, filepath.Join(t.TempDir(), "merged"), 1)
	o.Accept = func(record.Meta) error { return errors.New("the ConfigMap's scenario is not FILE's") }
	o.Logs = func(ctx context.Context, pod *corev1.Pod) (io.ReadCloser, error) {
		return blocking(ctx, shardStream(t, 0, 1, 5)), nil
	}
	ch := launch(context.Background(), o)
	c.startPods(c.job(), corev1.PodRunning)
	r := wait(t, ch)
	if r.err == nil || !strings.Contains(r.err.Error(), "not FILE's") || !r.out.JobDeleted {
		t.Errorf("%+v, %v", r.out, r.err)
	}
}

// A pod that failed before its container ran closes its shard, named.
func TestLaunchPodFailedBeforeItRan(t *testing.T) {
	c := newCluster(t)
	o := options(c, filepath.Join(t.TempDir(), "merged"), 2)
	o.Logs = c.opener(func(pod *corev1.Pod, _ int) io.ReadCloser {
		return io.NopCloser(bytes.NewReader(shardStream(t, 0, 2, 5)))
	})
	ch := launch(context.Background(), o)
	job := c.job()
	pod0 := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p0", Namespace: c.ns, Labels: map[string]string{LabelJobName: job.Name},
		Annotations: map[string]string{IndexAnnotation: "0"}}, Status: corev1.PodStatus{Phase: corev1.PodSucceeded}}
	pod1 := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p1", Namespace: c.ns, Labels: map[string]string{LabelJobName: job.Name},
		Annotations: map[string]string{IndexAnnotation: "1"}}, Status: corev1.PodStatus{Phase: corev1.PodFailed, Reason: "Evicted", Message: "node out of memory"}}
	for _, p := range []*corev1.Pod{pod0, pod1} {
		if _, err := c.client.CoreV1().Pods(c.ns).Create(context.Background(), p, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	r := wait(t, ch)
	if r.err != nil {
		t.Fatal(r.err)
	}
	if sh := r.out.Merged.Shards[1]; !sh.Missing || !strings.Contains(sh.Problem, "pod p1 failed before it ran: Evicted node out of memory") {
		t.Errorf("shard 1 %+v", sh)
	}
	if !r.out.Merged.Shards[0].Complete {
		t.Errorf("shard 0 %+v", r.out.Merged.Shards[0])
	}
}

// Without RBAC for Jobs the error names the overlay; with no API server
// at all it is ErrUnreachable.
func TestLaunchAPIErrors(t *testing.T) {
	c := newCluster(t)
	c.client.PrependReactor("create", "jobs", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewForbidden(schema.GroupResource{Group: "batch", Resource: "jobs"}, "", errors.New("no RBAC"))
	})
	_, err := Run(context.Background(), options(c, filepath.Join(t.TempDir(), "a"), 1))
	if !errors.Is(err, ErrSpec) || !strings.Contains(err.Error(), "overlays/launcher") {
		t.Errorf("forbidden: %v", err)
	}
	cs, err := kubernetes.NewForConfig(&rest.Config{Host: "http://127.0.0.1:1", Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	o := options(c, filepath.Join(t.TempDir(), "b"), 1)
	o.Client = cs
	if _, err := Run(context.Background(), o); !errors.Is(err, ErrUnreachable) {
		t.Errorf("no API server: %v", err)
	}
}

// The API server ends a watch after a while; the launcher watches again
// and still sees the pods that appeared meanwhile.
func TestLaunchWatchesAgain(t *testing.T) {
	c := newCluster(t)
	first := watch.NewFake()
	var calls atomic.Int32
	c.client.PrependWatchReactor("pods", func(a k8stesting.Action) (bool, watch.Interface, error) {
		if calls.Add(1) == 1 {
			return true, first, nil
		}
		return false, nil, nil // the tracker's own watch
	})
	streams := [][]byte{shardStream(t, 0, 1, 5)}
	o := options(c, filepath.Join(t.TempDir(), "merged"), 1)
	o.Logs = c.opener(func(pod *corev1.Pod, _ int) io.ReadCloser { return io.NopCloser(bytes.NewReader(streams[0])) })
	ch := launch(context.Background(), o)
	job := c.job()
	first.Stop() // the server ends the first watch before any pod exists
	for i := 0; calls.Load() < 2; i++ {
		if i == 2000 {
			t.Fatal("the launcher did not watch the pods again within 10 s")
		}
		time.Sleep(5 * time.Millisecond)
	}
	c.startPods(job, corev1.PodSucceeded)
	c.finishJob(job, batchv1.JobComplete)
	r := wait(t, ch)
	if r.err != nil || !r.out.Merged.Shards[0].Complete {
		t.Fatalf("%+v %v", r.out.Merged, r.err)
	}
}

// A shard whose pod never runs holds the merge back (its first window is
// unknown) and the running shard waits; when the Job fails, the shard
// that never ran is closed, named, and every interval of the other is
// merged, past the merge's queue bound.
func TestLaunchPendingPodDoesNotLoseTheOthers(t *testing.T) {
	c := newCluster(t)
	const seconds = 700 // more than the merge queues per shard
	stream := shardStream(t, 0, 2, seconds)
	o := options(c, filepath.Join(t.TempDir(), "merged"), 2)
	o.Drain = 3 * time.Second // the pending pod is closed then: shard 0's follower must have started by then, on a busy machine too
	o.Logs = c.opener(func(pod *corev1.Pod, _ int) io.ReadCloser { return io.NopCloser(bytes.NewReader(stream)) })
	ch := launch(context.Background(), o)
	job := c.job()
	for i, phase := range []corev1.PodPhase{corev1.PodSucceeded, corev1.PodPending} {
		pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("p%d", i), Namespace: c.ns, Labels: map[string]string{LabelJobName: job.Name},
			Annotations: map[string]string{IndexAnnotation: fmt.Sprint(i)}}, Status: corev1.PodStatus{Phase: phase,
			ContainerStatuses: []corev1.ContainerStatus{{Name: ContainerName, State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ImagePullBackOff"}}}}}}
		if i == 0 {
			pod.Status.ContainerStatuses[0].State = corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{}}
		}
		if _, err := c.client.CoreV1().Pods(c.ns).Create(context.Background(), pod, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(100 * time.Millisecond)
	c.finishJob(job, batchv1.JobFailed)
	r := wait(t, ch)
	if r.err != nil {
		t.Fatal(r.err)
	}
	if sh := r.out.Merged.Shards[0]; !sh.Complete || sh.Intervals != seconds {
		t.Errorf("shard 0: %+v", sh)
	}
	if sh := r.out.Merged.Shards[1]; !sh.Missing || !strings.Contains(sh.Problem, "pod p1 never ran (container gl001 waiting: ImagePullBackOff") {
		t.Errorf("shard 1: %+v", sh)
	}
	run, err := runlog.Load(o.Out)
	if err != nil {
		t.Fatal(err)
	}
	if n := run.Totals[record.MetricOptimizeDuration].Count(); n != seconds {
		t.Errorf("merged %d samples of %d", n, seconds)
	}
}
