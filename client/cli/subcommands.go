package cli

import "io"

// subcommands are the commands besides a run: client NAME [flags] ...
var subcommands = map[string]func(args []string, stdout, stderr io.Writer) int{
	"merge":    mergeMain,
	"compare":  compareMain,
	"capacity": capacityMain,
}
