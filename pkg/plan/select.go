package plan

// Selects reports whether name passes Targets and Excludes: the selection
// Diff and Destroy apply, for commands that select notebooks themselves
// (status, renew, import). A malformed glob matches nothing; call Validate.
func (o Options) Selects(name string) bool { return o.keep(name) }
