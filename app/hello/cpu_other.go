//go:build !linux

package hello

import (
	"context"
	"time"
)

// burnCPU spins for d of wall time (thread CPU clocks are Linux-only here).
func burnCPU(ctx context.Context, d time.Duration) { burnWall(ctx, d) }
