// Command nbfleet provisions fleets of ModelArts notebook instances
// declaratively: validate → plan → apply → report.
package main

import "os"

func main() {
	os.Exit(run(os.Args[1:], newEnv()))
}
