// Command conformance checks nbfleet's reading of the ModelArts notebook
// API (real-service.md) against a real account: `make conformance`. It
// creates ONE notebook named nbfleet-conformance-XXXXXXXX (the smallest CPU
// flavor, 5 GB EVS, a 1 h lease), shows, lists, updates, stops, starts,
// renews and deletes it, prints one line per check and deletes the
// notebook again whatever happens. It touches no other notebook.
//
// Credentials and target come from the environment, as for nbfleet
// (HUAWEICLOUD_SDK_AK/SK or OS_*; HUAWEICLOUD_SDK_REGION or OS_REGION_NAME;
// HUAWEICLOUD_SDK_PROJECT_ID; NBFLEET_ENDPOINT); NBFLEET_CONFORMANCE_CLOUD
// forces the cloud, NBFLEET_CONFORMANCE_FLAVOR and _IMAGE the flavor and
// image, NBFLEET_CONFORMANCE_WAIT the longest wait for one status (default
// 15m). Without credentials it says so and exits 0. `make test` runs the
// same suite against the emulator on both cloud profiles.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"time"

	"github.com/nbfleet/nbfleet/pkg/modelarts"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	os.Exit(run(ctx, os.Getenv, os.Stdout, defaultTimings))
}

// timings are the suite's waits; tests shorten them.
type timings struct{ poll, wait, total time.Duration }

var defaultTimings = timings{poll: 10 * time.Second, wait: 15 * time.Minute, total: time.Hour}

func hasCredentials(getenv func(string) string) bool {
	for _, k := range []string{"HUAWEICLOUD_SDK_AK", "OS_ACCESS_KEY", "OS_AUTH_TOKEN", "OS_USERNAME"} {
		if getenv(k) != "" {
			return true
		}
	}
	return false
}

func run(ctx context.Context, getenv func(string) string, out io.Writer, t timings) int {
	if !hasCredentials(getenv) {
		fmt.Fprintln(out, "conformance: no credentials in the environment (HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK, OS_AUTH_TOKEN, or OS_USERNAME, OS_PASSWORD and OS_DOMAIN_NAME): nothing checked")
		return 0
	}
	cfg, err := modelarts.ConfigFromEnv(getenv, modelarts.Overrides{Cloud: modelarts.Cloud(getenv("NBFLEET_CONFORMANCE_CLOUD"))})
	if err != nil {
		fmt.Fprintf(out, "conformance: %v\n", err)
		return 1
	}
	cfg.UserAgent = "nbfleet-conformance"
	if v := getenv("NBFLEET_CONFORMANCE_WAIT"); v != "" {
		if t.wait, err = time.ParseDuration(v); err != nil {
			fmt.Fprintf(out, "conformance: NBFLEET_CONFORMANCE_WAIT: %v\n", err)
			return 1
		}
	}
	c, err := modelarts.New(cfg)
	if err != nil {
		fmt.Fprintf(out, "conformance: %v\n", err)
		return 1
	}
	ctx, cancel := context.WithTimeout(ctx, t.total)
	defer cancel()
	fmt.Fprintf(out, "conformance: cloud %s, region %q, endpoint %s\n", cfg.Cloud, cfg.Region, cfg.Endpoint)
	s := &suite{c: c, out: out, every: t.poll, wait: t.wait, now: time.Now,
		flavor: getenv("NBFLEET_CONFORMANCE_FLAVOR"), image: getenv("NBFLEET_CONFORMANCE_IMAGE")}
	if n := s.run(ctx); n > 0 {
		fmt.Fprintf(out, "conformance: %d check(s) failed; please send this output (it holds no secret) with `nbfleet version` in an issue\n", n)
		return 1
	}
	fmt.Fprintln(out, "conformance: every check passed")
	return 0
}
