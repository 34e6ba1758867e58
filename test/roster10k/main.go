// Command roster10k writes the benchmarks' 10 000-student fleet
// (spectest.Roster10k) into a directory, so that the whole-process figures
// of docs/performance.md can be measured with the real binary:
//
//	go run ./test/roster10k /tmp/big && /usr/bin/time -v bin/nbfleet expand /tmp/big/fleet.yaml >/dev/null
package main

import (
	"fmt"
	"os"

	"github.com/nbfleet/nbfleet/pkg/spec/spectest"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: go run ./test/roster10k DIR")
		os.Exit(2)
	}
	if err := os.MkdirAll(os.Args[1], 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "roster10k:", err)
		os.Exit(1)
	}
	fleet, err := spectest.Roster10k(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "roster10k:", err)
		os.Exit(1)
	}
	fmt.Println(fleet)
}
