//go:build !linux

package load

import "time"

type waiter struct{ timer *time.Timer }

func newWaiter() *waiter { return &waiter{timer: time.NewTimer(time.Hour)} }

func (w *waiter) release() { w.timer.Stop() }

func (w *waiter) sleep(d time.Duration) { time.Sleep(d) }
