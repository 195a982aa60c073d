// Package progress shows a running load test: on a terminal, one live bar
// per scenario (elapsed of total, achieved rate against target, failures,
// dropped iterations) drawn with mpb; elsewhere (CI logs), one plain line
// per scenario every Every.
package progress

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"
)

// Line is one scenario's state at an update.
type Line struct {
	Name           string
	Elapsed, Total time.Duration
	// RatePerSecond is the achieved start rate over RateWindow, a trailing
	// window long enough to hold a readable count of arrivals; 0 with a
	// zero RateWindow before there is one.
	RatePerSecond   float64
	RateWindow      time.Duration
	TargetPerSecond float64 // the schedule's rate now
	// Started and Scheduled are the iterations started so far and the
	// arrivals the schedule has called for so far.
	Started, Scheduled int64
	Iterations         int64 // completed
	Failed             int64
	Dropped            int64
	VUs                int64
}

// String renders the line for logs:
//
//	optimize    1m0s/2m0s  started 99 of 100 due  rate 1.67/s over 12s (target 1.67/s)  failed 0  dropped 0  vus 1
func (l Line) String() string {
	return fmt.Sprintf("%-11s %s/%s  started %d of %d due  rate %s (target %.2f/s)  failed %d  dropped %d  vus %d",
		l.Name, l.Elapsed.Truncate(time.Second), l.Total.Truncate(time.Second),
		l.Started, l.Scheduled, l.rate(), l.TargetPerSecond, l.Failed, l.Dropped, l.VUs)
}

// rate words the achieved rate with its window.
func (l Line) rate() string {
	if l.RateWindow <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f/s over %s", l.RatePerSecond, l.RateWindow.Round(time.Second))
}

// Display receives updates; Close draws the last state and releases the
// terminal. Implementations are safe for concurrent use.
type Display interface {
	Update(lines []Line)
	Close()
}

// New returns bars on a terminal and plain lines otherwise.
func New(w io.Writer, terminal bool, every time.Duration) Display {
	if terminal {
		return &bars{p: mpb.New(mpb.WithOutput(w), mpb.WithAutoRefresh(), mpb.WithRefreshRate(200*time.Millisecond)),
			bars: map[string]*bar{}}
	}
	return &plain{w: w, every: every}
}

// plain writes every scenario's line at most once per every.
type plain struct {
	mu    sync.Mutex
	w     io.Writer
	every time.Duration
	last  time.Time
	lines []Line
}

func (p *plain) Update(lines []Line) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.lines = lines
	if now := time.Now(); now.Sub(p.last) >= p.every {
		p.last = now
		p.write()
	}
}

func (p *plain) write() {
	for _, l := range p.lines {
		fmt.Fprintln(p.w, l)
	}
}

func (p *plain) Close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.write()
}

type bars struct {
	mu   sync.Mutex
	p    *mpb.Progress
	bars map[string]*bar
}

type bar struct {
	b    *mpb.Bar
	mu   sync.Mutex
	line Line
}

func (b *bar) get() Line { b.mu.Lock(); defer b.mu.Unlock(); return b.line }

func (d *bars) Update(lines []Line) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, l := range lines {
		b, ok := d.bars[l.Name]
		if !ok {
			b = &bar{line: l}
			b.b = d.p.AddBar(max(int64(l.Total/time.Millisecond), 1),
				mpb.PrependDecorators(decor.Name(l.Name, decor.WC{W: 11, C: decor.DindentRight}),
					decor.Any(func(decor.Statistics) string {
						x := b.get()
						return fmt.Sprintf("%s/%s", x.Elapsed.Truncate(time.Second), x.Total.Truncate(time.Second))
					}, decor.WC{W: 11})),
				mpb.AppendDecorators(decor.Any(func(decor.Statistics) string {
					x := b.get()
					rate := "-"
					if x.RateWindow > 0 {
						rate = fmt.Sprintf("%.2f", x.RatePerSecond)
					}
					return fmt.Sprintf("%d/%d due  %s/%.2f/s  fail %d drop %d vus %d",
						x.Started, x.Scheduled, rate, x.TargetPerSecond, x.Failed, x.Dropped, x.VUs)
				})))
			d.bars[l.Name] = b
		}
		b.mu.Lock()
		b.line = l
		b.mu.Unlock()
		b.b.SetCurrent(min(int64(l.Elapsed/time.Millisecond), int64(l.Total/time.Millisecond)))
	}
}

func (d *bars) Close() {
	d.mu.Lock()
	for _, b := range d.bars {
		b.b.SetTotal(-1, true)
	}
	d.mu.Unlock()
	d.p.Wait()
}
