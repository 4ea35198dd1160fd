package runner

import (
	"sync"
	"time"

	"k8s.io/utils/clock"
)

// work is the pod worker's clock together with a count of the work in
// flight: goroutines that are running rather than waiting on the clock, and
// messages sent to the pod worker but not yet handled. Every wait on the
// clock goes through it, so that a test on a fake clock can wait until
// everything that can happen at the current instant has happened (idle) and
// then jump to the next instant anything waits for (next).
type work struct {
	clk clock.WithDelayedExecution

	mu     sync.Mutex
	idleC  *sync.Cond
	busy   int
	timers map[*pending]struct{}
}

// pending is a clock wait not yet fired.
type pending struct{ at time.Time }

func newWork(clk clock.WithDelayedExecution) *work {
	w := &work{clk: clk, timers: map[*pending]struct{}{}}
	w.idleC = sync.NewCond(&w.mu)
	return w
}

func (w *work) now() time.Time { return w.clk.Now() }

func (w *work) since(t time.Time) time.Duration { return w.clk.Since(t) }

// begin counts one more unit of work: a goroutine about to run, a message
// about to be sent.
func (w *work) begin() {
	w.mu.Lock()
	w.busy++
	w.mu.Unlock()
}

// end counts one unit of work as done.
func (w *work) end() {
	w.mu.Lock()
	w.busy--
	if w.busy == 0 {
		w.idleC.Broadcast()
	}
	w.mu.Unlock()
}

// goTracked runs f in a goroutine counted as work while it runs.
func (w *work) goTracked(f func()) {
	w.begin()
	go func() {
		defer w.end()
		f()
	}()
}

// timer arranges for fire to be called after d, with one unit of work
// counted for it from the moment the clock reaches the time (fire must end
// it, directly or by handing it on). stop cancels it and reports whether it
// had not fired.
func (w *work) timer(d time.Duration, fire func()) (stop func() bool) {
	p := &pending{at: w.clk.Now().Add(d)}
	w.mu.Lock()
	w.timers[p] = struct{}{}
	w.mu.Unlock()
	t := w.clk.AfterFunc(d, func() {
		// A fake clock calls this while it steps, so the unit is counted
		// before the test can see the clock idle.
		w.mu.Lock()
		delete(w.timers, p)
		w.busy++
		w.mu.Unlock()
		fire()
	})
	return func() bool {
		if !t.Stop() {
			return false
		}
		w.mu.Lock()
		delete(w.timers, p)
		w.mu.Unlock()
		return true
	}
}

// sleep waits d on the clock, or until quit is closed (it then returns
// false). The caller must hold a unit of work, which it gives up while it
// waits.
func (w *work) sleep(d time.Duration, quit <-chan struct{}) bool {
	if d <= 0 {
		select {
		case <-quit:
			return false
		default:
			return true
		}
	}
	fired := make(chan struct{})
	stop := w.timer(d, func() { close(fired) })
	w.end()
	select {
	case <-fired:
		return true
	case <-quit:
		if stop() {
			w.begin()
			return false
		}
		<-fired // fired concurrently: its unit is ours
		return false
	}
}

// wait waits for ch to be closed, giving up the caller's unit of work
// meanwhile: whoever closes ch must hold one for the waiter (handOff).
func (w *work) wait(ch <-chan struct{}) {
	w.end()
	<-ch
}

// idle blocks until no work is in flight.
func (w *work) idle() {
	w.mu.Lock()
	for w.busy > 0 {
		w.idleC.Wait()
	}
	w.mu.Unlock()
}

// next returns the earliest time a clock wait is due, if any.
func (w *work) next() (time.Time, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	var first time.Time
	for p := range w.timers {
		if first.IsZero() || p.at.Before(first) {
			first = p.at
		}
	}
	return first, !first.IsZero()
}

// event is a one-shot signal whose firing hands a unit of work to each
// goroutine waiting for it (waitEvent), so that a wake-up on it is counted
// from the moment it fires.
type event struct {
	w       *work
	mu      sync.Mutex
	fired   bool
	waiters map[chan struct{}]struct{}
}

func (w *work) newEvent() *event { return &event{w: w, waiters: map[chan struct{}]struct{}{}} }

// fire signals the event; later calls do nothing.
func (e *event) fire() {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.fired {
		return
	}
	e.fired = true
	for ch := range e.waiters {
		e.w.begin()
		close(ch)
	}
	e.waiters = nil
}

// waitEvent waits until e fires or, when d is not negative, d has passed on
// the clock; it reports whether e fired. The caller holds a unit of work,
// given up while it waits.
func (w *work) waitEvent(e *event, d time.Duration) bool {
	e.mu.Lock()
	if e.fired {
		e.mu.Unlock()
		return true
	}
	ch := make(chan struct{})
	e.waiters[ch] = struct{}{}
	e.mu.Unlock()
	timedOut := make(chan struct{})
	stop := func() bool { return true }
	if d >= 0 {
		stop = w.timer(d, func() { close(timedOut) })
	}
	w.end()
	select {
	case <-ch:
		if !stop() {
			<-timedOut
			w.end() // the timer's unit: one is enough
		}
		return true
	case <-timedOut:
		e.mu.Lock()
		if _, waiting := e.waiters[ch]; waiting {
			delete(e.waiters, ch)
			e.mu.Unlock()
			return false
		}
		e.mu.Unlock()
		<-ch
		w.end() // fired at the same time: keep one unit
		return true
	}
}
