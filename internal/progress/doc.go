// Package progress shows an apply or destroy as it runs: Live, the live
// view on a terminal, and Lines, log lines for a stream that is not one.
// Both are execute.Observers.
//
// It is its own package because it is a view with its own rules — the
// phases of the work in flight, a bar that counts only work to do (not
// unchanged notebooks or conflicts), an estimate from the durations
// observed so far rather than the first sample, frames cut to the
// terminal's width so that nothing wraps or stays stale, a final summary
// line coloured by outcome — and its own tests: golden files of every
// frame replayed on a model of a terminal, and of the log lines. It holds
// no business logic: what a run does, and what its outcome is, come from
// the observer's calls (the plan, the executor's events and the report's
// entries), never from its own reckoning.
//
// It must not read the environment: whether to draw the live view at all,
// whether to colour, the terminal's width, the clock and the ticker are
// the caller's to decide and pass in (cmd/nbfleet decides them in
// terminal.go). It must not decide anything about the run, print anywhere
// but the writer it is given, or write an escape sequence outside the
// live view. Text from the cloud (names, statuses, error messages) is
// shown inert (safetext.Terminal).
package progress
