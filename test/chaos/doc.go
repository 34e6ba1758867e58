// Package chaos is nbfleet's chaos suite: it tries hard to make `nbfleet
// apply` lose, duplicate or wrongly touch a notebook, and counts how often
// it failed to (`make chaos`). It holds tests only and no API.
//
// The suite builds the real nbfleet binary once and, for each of CHAOS_RUNS
// seeded runs, starts `nbfleet emulator` as a subprocess with one fault
// scenario at a high rate: 429 storms (a low --rate-limit), 500/502/503,
// connection resets, lost creates, CREATE_FAILED, START_FAILED, creates
// slower than --timeout, the emulator stopped and restarted from its
// --state file in the middle of an apply, SIGINT (once or twice) or SIGKILL
// to the apply process at a random moment (the next apply must take the
// killed run's lock over, saying so), two applies at once spelling the
// endpoint 127.0.0.1 and localhost (they must share the fleet's lock), and
// a saved plan applied twice at once (exactly one may carry it out). Every
// run seeds foreign notebooks (no
// marker, another fleet's marker, and one with a name the fleet declares)
// and, in half the runs, changes the fleet file between applies so that
// notebooks are pruned, added, stopped and started.
//
// After every apply, through GET /_emulator/notebooks, it checks that no
// name ever has two live notebooks of the fleet and that every foreign
// notebook is byte-for-byte what it was; that report.json has exactly one
// entry per declared name with a sensible outcome. After convergence (an
// apply that exits 0) it checks that every declared name has exactly one
// notebook in the declared status, that no undeclared notebook of the fleet
// is left, and that what the report says succeeded exists with that id. It
// prints the figures at the end: runs, applies, faults injected by kind
// (from /_emulator/stats), duplicates, lost, foreign notebooks touched,
// interrupts and restarts survived, and applies needed to converge.
//
// Without CHAOS_RUNS the tests skip (so `go test ./...` stays fast).
// CHAOS_SEED (default 1) picks the seeds (CI derives one from the commit);
// a run is deterministic per seed as far as the concurrency of the apply
// allows, and a failed run prints the command that replays it alone. Every subprocess runs under a
// context with a timeout and is killed when the test ends.
package chaos
