package kubeshards

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"

	"github.com/greenlang/gl001/reports/merge"
	"github.com/greenlang/gl001/xk6-gl001/metrics"
	"github.com/greenlang/gl001/xk6-gl001/record"
	"github.com/greenlang/gl001/xk6-gl001/thresholds"
)

// ErrUnreachable is returned when the cluster does not answer at all: no
// API server at the address the credentials name.
var ErrUnreachable = errors.New("cannot reach the cluster")

// LogOpener opens one pod's log stream, following it, from its start.
// A stream is an io.Reader of the shard's interval lines (and its
// stderr), so child processes piped in stand for pods in tests.
type LogOpener func(ctx context.Context, pod *corev1.Pod) (io.ReadCloser, error)

// PodLogs follows the gl001 container's log through the API server.
func PodLogs(c kubernetes.Interface) LogOpener {
	return func(ctx context.Context, pod *corev1.Pod) (io.ReadCloser, error) {
		return c.CoreV1().Pods(pod.Namespace).GetLogs(pod.Name, &corev1.PodLogOptions{Container: ContainerName, Follow: true}).Stream(ctx)
	}
}

// Options configure one launch.
type Options struct {
	Client kubernetes.Interface
	Spec   Spec
	// Logs opens the pods' log streams (default PodLogs(Client)).
	Logs LogOpener
	// Out is the merged results folder.
	Out string
	// Thresholds with abortOnFail are checked on the merged data after
	// every merged window; one that fails stops the Job.
	Thresholds thresholds.Set
	// Accept vets each shard's header (the scenario it loaded from the
	// ConfigMap); its error stops the launch.
	Accept func(record.Meta) error
	Logger *slog.Logger
	// Reopen is the wait before a broken log stream is opened again
	// (default 2 s); Drain how long the streams get to end once the Job
	// has finished (default 30 s); Grace bounds the Job's deletion and
	// the streams' end after a stop (default 30 s).
	Reopen, Drain, Grace time.Duration
}

// Outcome is what a launch did.
type Outcome struct {
	Job        string
	Dir        string
	Merged     *record.Merged
	JobResult  string   // "Complete", "Failed: …", or "" when it was stopped before
	Aborted    []string // the abortOnFail thresholds that stopped it
	Stopped    string   // why it stopped early, "" when the Job ran to its end
	JobDeleted bool
	Start, End time.Time
}

// maxReopens bounds how often one shard's stream is opened again.
const maxReopens = 100

// Run creates the shard Job and follows it to its end, merging every
// pod's log stream live into o.Out. It returns when the Job has finished
// and every stream has ended (or Drain has passed), or, having deleted
// the Job, when ctx is cancelled, an abortOnFail threshold fails on the
// merged data, or Accept refuses a shard. The merged folder is written in
// every case once a shard has sent an interval.
func Run(ctx context.Context, o Options) (Outcome, error) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	o.Reopen, o.Drain, o.Grace = orDefault(o.Reopen, 2*time.Second), orDefault(o.Drain, 30*time.Second), orDefault(o.Grace, 30*time.Second)
	if o.Logs == nil {
		o.Logs = PodLogs(o.Client)
	}
	job, err := o.Spec.Job()
	if err != nil {
		return Outcome{}, err
	}
	out := Outcome{Job: job.Name, Dir: o.Out}
	runCtx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	var acc metrics.Accumulator
	var t0 time.Time
	m, err := merge.New(o.Out, merge.Options{
		Accept: func(meta record.Meta) error {
			if o.Accept == nil {
				return nil
			}
			if err := o.Accept(meta); err != nil {
				stop(err)
				return err
			}
			return nil
		},
		OnWindow: func(iv metrics.Interval) {
			if t0.IsZero() {
				t0 = iv.Start
			}
			if err := acc.Add(&iv); err != nil {
				o.Logger.Warn("merged window not counted for abortOnFail", "seq", iv.Seq, "err", err)
				return
			}
			if abort, which := o.Thresholds.ShouldAbort(record.Sources(acc.Sinks()), iv.End.Sub(t0)); abort && out.Aborted == nil {
				out.Aborted = which
				stop(fmt.Errorf("an abortOnFail threshold failed on the merged data: %v", which))
			}
		},
	})
	if err != nil {
		return out, err
	}
	inputs := make([]*merge.Input, o.Spec.Shards)
	for i := range inputs {
		inputs[i] = m.Input(fmt.Sprintf("%s/%s index %d", o.Spec.Namespace, job.Name, i), i)
	}

	// Watch before creating, so no pod event is missed.
	jobs := o.Client.BatchV1().Jobs(o.Spec.Namespace)
	pods := o.Client.CoreV1().Pods(o.Spec.Namespace)
	watchPods := func() (watch.Interface, error) {
		return pods.Watch(runCtx, metav1.ListOptions{LabelSelector: LabelJobName + "=" + job.Name})
	}
	watchJob := func() (watch.Interface, error) {
		return jobs.Watch(runCtx, metav1.ListOptions{FieldSelector: "metadata.name=" + job.Name})
	}
	podW, err := watchPods()
	if err != nil {
		return out, apiError("watch pods", o.Spec, err)
	}
	defer func() { podW.Stop() }()
	jobW, err := watchJob()
	if err != nil {
		return out, apiError("watch jobs", o.Spec, err)
	}
	defer func() { jobW.Stop() }()
	if _, err := jobs.Create(runCtx, job, metav1.CreateOptions{}); err != nil {
		return out, apiError("create the shard Job", o.Spec, err)
	}
	out.Start = time.Now()
	o.Logger.Info("shard job created", "job", job.Name, "namespace", o.Spec.Namespace, "shards", o.Spec.Shards)

	f := &followers{o: o, pods: pods, inputs: inputs, done: make(chan int, o.Spec.Shards), active: map[int]bool{}, closed: map[int]bool{}, pod: map[int]*corev1.Pod{}}
	var drain, last, jobWait <-chan time.Time
	podEvents, jobEvents := podW.ResultChan(), jobW.ResultChan()
loop:
	for {
		if f.allClosed() {
			if out.JobResult != "" || jobEvents == nil {
				break
			}
			if jobWait == nil { // the streams are over: the Job's own end follows
				jobWait = time.After(o.Drain)
			}
		}
		select {
		case <-jobWait:
			break loop
		case ev, ok := <-podEvents:
			if !ok { // the server ends watches after a while: watch again, from the pods as they are now
				podEvents = nil
				if w, err := rewatch(runCtx, watchPods, o); err == nil {
					podW, podEvents = w, w.ResultChan()
				}
				continue
			}
			if pod, isPod := ev.Object.(*corev1.Pod); isPod && ev.Type != watch.Deleted && pod.Labels[LabelJobName] == job.Name {
				f.seen(runCtx, pod)
			}
		case ev, ok := <-jobEvents:
			if !ok {
				jobEvents = nil
				if w, err := rewatch(runCtx, watchJob, o); err == nil {
					jobW, jobEvents = w, w.ResultChan()
				}
				continue
			}
			if j, isJob := ev.Object.(*batchv1.Job); isJob && j.Name == job.Name {
				if r := finished(j); r != "" && out.JobResult == "" {
					out.JobResult = r
					o.Logger.Info("shard job finished", "job", job.Name, "result", r)
					drain = time.After(o.Drain)
				}
				if ev.Type == watch.Deleted && out.JobResult == "" {
					out.JobResult = "Deleted"
					drain = time.After(o.Drain)
				}
			}
		case <-f.done: // a shard's stream is over: the loop checks them all
		case <-drain:
			// The shards that never ran end now, which lets the others'
			// windows merge; those still streaming get Grace to finish.
			f.closeIdle(fmt.Sprintf("the Job finished (%s)", out.JobResult))
			drain, last = nil, time.After(o.Grace)
		case <-last:
			for i := range inputs {
				f.close(i, fmt.Sprintf("its stream had not ended %s after the Job finished (%s)", o.Drain+o.Grace, out.JobResult))
			}
			break loop
		case <-runCtx.Done():
			break loop
		}
	}
	if cause := context.Cause(runCtx); cause != nil {
		out.Stopped = cause.Error()
		if errors.Is(cause, context.Canceled) {
			out.Stopped = "interrupted"
		}
		out.JobDeleted = deleteJob(o, job.Name)
		for i := range inputs {
			f.close(i, "the launch was stopped: "+out.Stopped)
		}
		f.wait(o.Grace)
	}
	out.End = time.Now()
	rec, err := m.Close()
	out.Merged = rec
	if cause := context.Cause(runCtx); o.Accept != nil && cause != nil && !errors.Is(cause, context.Canceled) && out.Aborted == nil {
		return out, cause // a shard refused: the run is not the one asked for
	}
	return out, err
}

// rewatch opens a watch again after the server ended one, trying for a
// while (a watch opened without a resource version starts with the
// objects as they are, so nothing is missed).
func rewatch(ctx context.Context, open func() (watch.Interface, error), o Options) (watch.Interface, error) {
	var err error
	for range 10 {
		var w watch.Interface
		if w, err = open(); err == nil {
			return w, nil
		}
		o.Logger.Warn("cannot watch again", "err", err)
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(o.Reopen):
		}
	}
	return nil, err
}

// followers keeps one log follower per shard index.
type followers struct {
	o    Options
	pods interface {
		Get(context.Context, string, metav1.GetOptions) (*corev1.Pod, error)
	}
	inputs []*merge.Input
	done   chan int

	mu     sync.Mutex
	active map[int]bool
	closed map[int]bool
	pod    map[int]*corev1.Pod // the latest seen of each index
	wg     sync.WaitGroup
}

// seen takes a pod event: a shard whose container has started gets a
// follower; a pod that failed before it ran closes its shard.
func (f *followers) seen(ctx context.Context, pod *corev1.Pod) {
	i := shardIndex(pod)
	if i < 0 || i >= len(f.inputs) {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.pod[i] = pod
	if f.active[i] || f.closed[i] {
		return
	}
	if !started(pod) {
		if pod.Status.Phase == corev1.PodFailed {
			f.closeLocked(i, fmt.Sprintf("pod %s failed before it ran: %s", pod.Name, podWhy(pod)))
		}
		return
	}
	f.active[i] = true
	f.o.Logger.Info("following shard", "index", i, "pod", pod.Name, "node", pod.Spec.NodeName)
	f.wg.Add(1)
	go f.follow(ctx, i, pod)
}

// follow reads one pod's stream into its shard's input, opening it again
// while the pod runs, and reports on f.done when the stream is over.
func (f *followers) follow(ctx context.Context, i int, pod *corev1.Pod) {
	defer f.wg.Done()
	in := f.inputs[i]
	why := ""
	for attempt := 0; ; attempt++ {
		rc, err := f.o.Logs(ctx, pod)
		if err == nil {
			err = in.Read(rc)
			_ = rc.Close()
		}
		if errors.Is(err, merge.ErrMismatch) || errors.Is(err, merge.ErrRestarted) {
			why = err.Error()
			f.o.Logger.Warn("shard stream refused", "pod", pod.Name, "err", err)
			break
		}
		if ctx.Err() != nil {
			return
		}
		cur, gerr := f.pods.Get(ctx, pod.Name, metav1.GetOptions{})
		if err == nil && gerr == nil && terminated(cur) {
			// The stream ended with the container: the whole log was read.
			if cur.Status.Phase == corev1.PodFailed {
				why = fmt.Sprintf("pod %s failed: %s", cur.Name, podWhy(cur))
			}
			break
		}
		if apierrors.IsNotFound(gerr) {
			why = fmt.Sprintf("pod %s was deleted", pod.Name)
			break
		}
		// A stream that broke, or ended while the container runs, is
		// opened again (a finished pod's log is still there to read).
		if attempt >= maxReopens {
			why = fmt.Sprintf("pod %s: its stream broke %d times: %v", pod.Name, attempt+1, err)
			break
		}
		f.o.Logger.Info("reopening a shard's stream", "pod", pod.Name, "after", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(f.o.Reopen):
		}
	}
	f.mu.Lock()
	f.active[i] = false
	f.closeLocked(i, why)
	f.mu.Unlock()
	select {
	case f.done <- i:
	default:
	}
}

// closeIdle closes the shards no follower is reading: their pods never
// ran, or never appeared.
func (f *followers) closeIdle(why string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range f.inputs {
		if f.active[i] {
			continue
		}
		r := why + ": no pod of this index ever appeared"
		if p := f.pod[i]; p != nil {
			r = fmt.Sprintf("%s: pod %s never ran (%s)", why, p.Name, podWhy(p))
		}
		f.closeLocked(i, r)
	}
}

func (f *followers) close(i int, why string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closeLocked(i, why)
}

func (f *followers) closeLocked(i int, why string) {
	if f.closed[i] {
		return
	}
	f.closed[i] = true
	f.inputs[i].Close(why)
}

func (f *followers) allClosed() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.closed) == len(f.inputs)
}

// wait waits for the followers, at most d: a stream that does not end
// when its context does is left behind.
func (f *followers) wait(d time.Duration) {
	ch := make(chan struct{})
	go func() { f.wg.Wait(); close(ch) }()
	select {
	case <-ch:
	case <-time.After(d):
	}
}

// deleteJob deletes the Job and its pods, on a context of its own: the
// run's is cancelled by then.
func deleteJob(o Options, name string) bool {
	ctx, cancel := context.WithTimeout(context.Background(), o.Grace)
	defer cancel()
	bg := metav1.DeletePropagationBackground
	err := o.Client.BatchV1().Jobs(o.Spec.Namespace).Delete(ctx, name, metav1.DeleteOptions{PropagationPolicy: &bg})
	if err != nil && !apierrors.IsNotFound(err) {
		o.Logger.Error("cannot delete the shard job; delete it by hand", "job", name, "namespace", o.Spec.Namespace, "err", err,
			"command", fmt.Sprintf("kubectl delete job -n %s %s", o.Spec.Namespace, name))
		return false
	}
	o.Logger.Info("shard job deleted", "job", name)
	return true
}

// finished is the Job's terminal condition, or "".
func finished(j *batchv1.Job) string {
	for _, c := range j.Status.Conditions {
		if c.Status != corev1.ConditionTrue {
			continue
		}
		switch c.Type {
		case batchv1.JobComplete:
			return "Complete"
		case batchv1.JobFailed:
			return fmt.Sprintf("Failed: %s %s", c.Reason, c.Message)
		}
	}
	return ""
}

// started says the pod's container has started (its log exists).
func started(pod *corev1.Pod) bool {
	for _, cs := range pod.Status.ContainerStatuses {
		if cs.Name == ContainerName && (cs.State.Running != nil || cs.State.Terminated != nil || cs.RestartCount > 0) {
			return true
		}
	}
	return pod.Status.Phase == corev1.PodRunning || pod.Status.Phase == corev1.PodSucceeded
}

func terminated(pod *corev1.Pod) bool {
	return pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed || pod.DeletionTimestamp != nil
}

func podWhy(pod *corev1.Pod) string {
	for _, cs := range pod.Status.ContainerStatuses {
		if t := cs.State.Terminated; t != nil {
			return fmt.Sprintf("container %s exited %d (%s) %s", cs.Name, t.ExitCode, t.Reason, t.Message)
		}
		if w := cs.State.Waiting; w != nil {
			return fmt.Sprintf("container %s waiting: %s %s", cs.Name, w.Reason, w.Message)
		}
	}
	if pod.Status.Reason != "" || pod.Status.Message != "" {
		return pod.Status.Reason + " " + pod.Status.Message
	}
	return "phase " + string(pod.Status.Phase)
}

// apiError names what failed; an API server that does not answer is
// ErrUnreachable, one that forbids says which overlay grants it.
func apiError(what string, s Spec, err error) error {
	var st apierrors.APIStatus
	switch {
	case apierrors.IsForbidden(err):
		return fmt.Errorf("%w: %s in namespace %s is forbidden: %v (the launcher needs deploy/k8s/overlays/launcher's Roles: jobs create, watch, delete; pods get, watch; pods/log get)", ErrSpec, what, s.Namespace, err)
	case !errors.As(err, &st):
		return fmt.Errorf("%w: %s: %w", ErrUnreachable, what, err)
	}
	return fmt.Errorf("%s in namespace %s: %w", what, s.Namespace, err)
}

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}
