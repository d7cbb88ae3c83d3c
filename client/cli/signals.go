package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"
)

// notifySignals and stopSignals are signal.Notify for SIGINT and SIGTERM,
// and signal.Stop; tests replace them.
var (
	notifySignals = func(c chan<- os.Signal) { signal.Notify(c, os.Interrupt, syscall.SIGTERM) }
	stopSignals   = signal.Stop
)

// interrupts watches SIGINT and SIGTERM while a run goes on: the first
// cancels the run (dispatching stops, requests in flight get --timeout),
// the second closes abort (requests in flight are aborted).
type interrupts struct {
	signals chan os.Signal
	abort   chan struct{}
	quit    chan struct{}
	watcher sync.WaitGroup
	once    sync.Once
	first   os.Signal // written by the watcher, read once it has ended
}

func watchInterrupts(cancel context.CancelFunc, timeout time.Duration, stderr io.Writer) *interrupts {
	w := &interrupts{signals: make(chan os.Signal, 2), abort: make(chan struct{}), quit: make(chan struct{})}
	notifySignals(w.signals)
	w.watcher.Go(func() {
		select {
		case w.first = <-w.signals:
		case <-w.quit:
			return
		}
		fmt.Fprintf(stderr, "\nclient: %v — stopped sending; waiting up to %v for requests in flight (again to abort them)\n", w.first, timeout)
		cancel()
		select {
		case <-w.signals:
			fmt.Fprintf(stderr, "client: aborting the requests in flight\n")
			close(w.abort)
		case <-w.quit:
		}
	})
	return w
}

// stop ends the watch, once the run is over, and returns the first signal
// (nil if none came). Signals still arrive (and are ignored) until release:
// one that lands as the summary is written does not cut it short.
func (w *interrupts) stop() os.Signal {
	w.once.Do(func() {
		close(w.quit)
		w.watcher.Wait()
	})
	return w.first
}

// release stops catching signals; call it as Main returns.
func (w *interrupts) release() {
	w.stop()
	stopSignals(w.signals)
}
