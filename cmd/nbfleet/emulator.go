package main

import (
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/nbfleet/nbfleet/internal/ops"
	"github.com/nbfleet/nbfleet/pkg/emulator"
	"github.com/nbfleet/nbfleet/pkg/modelarts"
)

// emulatorOptions are the flags of `nbfleet emulator` (a contract scripts use).
type emulatorOptions struct {
	cloud       string
	listen      string
	allowRemote bool
	projectID   string
	ak, sk      string
	user        string
	password    string
	domain      string
	auth        string
	latency     time.Duration
	jitter      time.Duration
	createTime  time.Duration
	startTime   time.Duration
	stopTime    time.Duration
	deleteTime  time.Duration
	resizeTime  time.Duration
	deletedVis  time.Duration
	staleReads  time.Duration
	rateLimit   float64
	rateWindow  string
	noRA        bool
	quota       int
	faults      string
	seed        int64
	state       string
	log         string
	printEnv    bool
}

func newEmulatorCmd(e *env) *cobra.Command {
	o := &emulatorOptions{}
	cmd := &cobra.Command{
		Use:   "emulator",
		Short: "Run a local emulator of the ModelArts notebook API",
		Long: `Run a local emulator of the ModelArts notebook API v1 and IAM, for demos,
tests and benchmarks. When it is ready it prints
  nbfleet emulator listening on http://127.0.0.1:PORT (project ID)
and the export lines that point nbfleet at it (endpoint, demo access key
pair, project id); it logs one line per request to stderr and stops on
SIGINT/SIGTERM. --print-env prints only the export lines, for the same
flags, and exits: eval "$(nbfleet emulator --print-env)".`,
		Example: `  nbfleet emulator
  eval "$(nbfleet emulator --print-env)"
  nbfleet emulator --create-time 2s --faults "500=0.02,create-failed=0.05" --state emulator.json`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts, err := o.toOptions(e.stderr)
			if err != nil {
				return usage(cmd, err)
			}
			if o.printEnv {
				url, err := listenURL(o.listen)
				if err != nil {
					return usage(cmd, err)
				}
				return printEmulatorEnv(e.stdout, url, opts)
			}
			return runEmulator(e, opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.cloud, "cloud", emulator.CloudHuawei, "cloud whose documented wire format to speak: huaweicloud | otc")
	f.StringVar(&o.listen, "listen", "127.0.0.1:8787", "address to listen on (loopback only unless --allow-remote)")
	f.BoolVar(&o.allowRemote, "allow-remote", false, "allow a non-loopback --listen address")
	f.StringVar(&o.projectID, "project-id", emulator.DefaultProjectID, "project id of the emulated project")
	f.StringVar(&o.ak, "ak", emulator.DefaultAK, "access key accepted for SDK-HMAC-SHA256 signatures (demo default)")
	f.StringVar(&o.sk, "sk", emulator.DefaultSK, "secret key of --ak (demo default)")
	f.StringVar(&o.user, "user", emulator.DefaultUser, "IAM user name for password authentication")
	f.StringVar(&o.password, "password", emulator.DefaultPassword, "IAM password of --user (demo default)")
	f.StringVar(&o.domain, "domain", emulator.DefaultDomain, "IAM domain (account) name of --user")
	f.StringVar(&o.auth, "auth", emulator.AuthRequired, "authentication: required | none")
	f.DurationVar(&o.latency, "latency", 0, "added to every API and IAM request")
	f.DurationVar(&o.jitter, "jitter", 0, "random extra latency in [0, jitter)")
	f.DurationVar(&o.createTime, "create-time", emulator.DefaultCreateTime, "CREATING → RUNNING")
	f.DurationVar(&o.startTime, "start-time", emulator.DefaultStartTime, "STARTING → RUNNING")
	f.DurationVar(&o.stopTime, "stop-time", emulator.DefaultStopTime, "STOPPING → STOPPED")
	f.DurationVar(&o.deleteTime, "delete-time", emulator.DefaultDeleteTime, "DELETING → DELETED")
	f.DurationVar(&o.resizeTime, "resize-time", emulator.DefaultResizeTime, "how long volume.status shows RESIZING after a storage growth")
	f.DurationVar(&o.deletedVis, "deleted-visible", emulator.DefaultDeletedVisible, "how long a deleted notebook is still listed and shown as DELETED (0: gone at once)")
	f.DurationVar(&o.staleReads, "stale-reads", 0, "for this long after a stop or delete, reads still say RUNNING (0: off)")
	f.Float64Var(&o.rateLimit, "rate-limit", 0, "requests per --rate-window per project, 429 APIG.0308 beyond (0: off)")
	f.StringVar(&o.rateWindow, "rate-window", "1s", "throttling window: 1s (a token bucket) | 1m (fixed windows of a minute)")
	f.BoolVar(&o.noRA, "no-retry-after", false, "answer 429 without a Retry-After header")
	f.IntVar(&o.quota, "quota", 0, "maximum instances per project, ModelArts.6302 beyond (0: unlimited)")
	f.StringVar(&o.faults, "faults", "", `fault probabilities, e.g. "500=0.02,502=0.01,503=0.01,reset=0.01,lost-create=0.01,create-failed=0.02,start-failed=0.01"`)
	f.Int64Var(&o.seed, "seed", 1, "seed of the random source (ids, jitter, faults)")
	f.StringVar(&o.state, "state", "", "file to load state from and save it to (atomically)")
	f.StringVar(&o.log, "log", "info", "request log level: debug | info | warn | error | off")
	f.BoolVar(&o.printEnv, "print-env", false, "print the export lines that point nbfleet at an emulator with these flags, and exit")
	return cmd
}

// toOptions checks the flags and builds the library options; request logs
// go to logw.
func (o *emulatorOptions) toOptions(logw io.Writer) (emulator.Options, error) {
	faults, err := emulator.ParseFaults(o.faults)
	if err != nil {
		return emulator.Options{}, fmt.Errorf("--faults: %w", err)
	}
	if o.cloud != emulator.CloudHuawei && o.cloud != emulator.CloudOTC {
		return emulator.Options{}, fmt.Errorf("--cloud %q: want huaweicloud or otc", o.cloud)
	}
	if o.auth != emulator.AuthRequired && o.auth != emulator.AuthNone {
		return emulator.Options{}, fmt.Errorf("--auth %q: want required or none", o.auth)
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"--latency", o.latency}, {"--jitter", o.jitter}, {"--create-time", o.createTime}, {"--start-time", o.startTime},
		{"--stop-time", o.stopTime}, {"--delete-time", o.deleteTime}, {"--resize-time", o.resizeTime}, {"--stale-reads", o.staleReads}} {
		if d.v < 0 {
			return emulator.Options{}, fmt.Errorf("%s %v: must not be negative", d.name, d.v)
		}
	}
	if o.rateLimit < 0 || o.quota < 0 {
		return emulator.Options{}, fmt.Errorf("--rate-limit and --quota must not be negative")
	}
	var window time.Duration
	switch o.rateWindow {
	case "1s":
		window = time.Second
	case "1m":
		window = time.Minute
	default:
		return emulator.Options{}, fmt.Errorf("--rate-window %q: want 1s or 1m", o.rateWindow)
	}
	if o.ak == "" || o.sk == "" {
		return emulator.Options{}, fmt.Errorf("--ak and --sk must not be empty")
	}
	var level slog.Level
	var logger *slog.Logger
	switch strings.ToLower(o.log) {
	case "off":
		logger = slog.New(slog.DiscardHandler)
	case "debug", "info", "warn", "error":
		if err := level.UnmarshalText([]byte(o.log)); err != nil {
			return emulator.Options{}, fmt.Errorf("--log %q: %w", o.log, err)
		}
		logger = slog.New(slog.NewTextHandler(logw, &slog.HandlerOptions{Level: level}))
	default:
		return emulator.Options{}, fmt.Errorf("--log %q: want debug, info, warn, error or off", o.log)
	}
	deletedVis := o.deletedVis
	if deletedVis == 0 {
		deletedVis = -1 // the flag's 0 means what it says: gone at once
	}
	return emulator.Options{
		Cloud:  o.cloud,
		Listen: o.listen, AllowRemote: o.allowRemote, ProjectID: o.projectID,
		AccessKeys: map[string]string{o.ak: o.sk},
		Users:      []emulator.User{{Name: o.user, Password: o.password, Domain: o.domain}},
		Auth:       o.auth, Latency: o.latency, Jitter: o.jitter,
		CreateTime: o.createTime, StartTime: o.startTime, StopTime: o.stopTime, DeleteTime: o.deleteTime,
		ResizeTime: o.resizeTime, DeletedVisible: deletedVis, StaleReads: o.staleReads,
		RateLimit: o.rateLimit, RateWindow: window, NoRetryAfter: o.noRA, Quota: o.quota, Faults: faults, Seed: o.seed, StatePath: o.state,
		Logger: logger,
	}, nil
}

// runEmulator serves until an interrupt, then shuts down and saves state.
func runEmulator(e *env, opts emulator.Options) error {
	srv, err := emulator.New(opts)
	if err != nil {
		return err
	}
	e.watching.Store(true) // it stops on the first interrupt itself
	fmt.Fprintf(e.stdout, "nbfleet emulator listening on %s (project %s)\n", srv.URL(), srv.ProjectID())
	fmt.Fprintln(e.stdout, "# To point nbfleet at it, paste these lines into your shell:")
	if err := printEmulatorEnv(e.stdout, srv.URL(), opts); err != nil {
		return err
	}
	<-e.interrupted
	if err := srv.Close(); err != nil {
		return fmt.Errorf("emulator shutdown: %w", err)
	}
	return nil
}

// printEmulatorEnv writes the shell lines that point nbfleet at the
// emulator at url: its endpoint for ModelArts and IAM (so no credential
// goes anywhere else, whatever OS_AUTH_URL says), its access key pair and
// its project id. The endpoint is set in the environment, the one nbfleet
// trusts over a fleet file's target.endpoint.
func printEmulatorEnv(w io.Writer, url string, opts emulator.Options) error {
	var ak, sk string
	for k, v := range opts.AccessKeys {
		ak, sk = k, v
	}
	project := opts.ProjectID
	if project == "" {
		project = emulator.DefaultProjectID
	}
	for _, kv := range modelarts.EnvForEndpoint(url, ak, sk, project) {
		if _, err := fmt.Fprintf(w, "export %s=%s\n", kv[0], ops.ShellQuote(kv[1])); err != nil {
			return err
		}
	}
	return nil
}

// listenURL is the URL of an emulator listening on addr, for --print-env,
// which does not start one: the port must be fixed.
func listenURL(addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("--listen %q: %w", addr, err)
	}
	if port == "0" || port == "" {
		return "", ops.WithHint(fmt.Errorf("--print-env needs a fixed port, not --listen %s", addr),
			"give --listen HOST:PORT, or start the emulator: it prints the lines with the port it got")
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port), nil
}
