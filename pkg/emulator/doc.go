// Package emulator is a faithful local emulator of the ModelArts notebook
// API v1 and of the IAM calls nbfleet needs, for tests, demos and
// benchmarks (`nbfleet emulator`). It owns the emulated service: wire
// format, validation, the asynchronous lifecycle, quotas, rate limits,
// injected faults and authentication checks. It must not be used by
// production code paths, and it does not import pkg/modelarts: it reads the
// reference documents independently so that a misreading in the client is
// caught by tests instead of shared.
//
// # Use
//
//	srv, err := emulator.New(emulator.Options{CreateTime: 50 * time.Millisecond})
//	defer srv.Close()
//	// point a client at srv.URL(), project srv.ProjectID(),
//	// AK emulator.DefaultAK / SK emulator.DefaultSK
//
// NewHandler builds one without a listener for httptest. Seed inserts
// notebooks in any status; Notebooks, Stats, Reset, SetFaults,
// SetRateLimit and RevokeTokens inspect and steer it mid-test.
//
// # Paths
//
// The notebook API on its real paths under /v1/{project_id}: create, list
// (also …/notebooks/all), show, update (PUT), delete, start, stop, lease
// show/renew, flavors, images. IAM: POST /v3/auth/tokens (password method,
// project scope by name or id → 201 and X-Subject-Token) and
// GET /v3/projects?name=. Control endpoints without auth:
// GET /_emulator/notebooks, GET /_emulator/stats, POST /_emulator/reset,
// POST /_emulator/revoke-tokens, GET /_emulator/health, and
// GET /_emulator/notebook/{id}/lab (the page a notebook url points to).
//
// # Behaviour
//
// Every answer carries X-Request-Id. Errors are 400 with
// {"error_code":"ModelArts.xxxx","error_msg":"…"}: not found ModelArts.6404,
// busy (an operation on a transitional notebook, stop of a stopped one,
// start of a running one, flavor/image/endpoints/hooks changes while not
// STOPPED) ModelArts.6357, quota ModelArts.6302, unknown flavor 6323, sold
// out 6329, unknown image 6797, capacity 6331, duration 6349, other body
// rules 6400, unparseable bodies 0104, bad query parameters 0101.
//
// Lifecycle transitions are lazy: each notebook holds a pending transition
// with a due time that is applied, against Options.Clock, whenever the
// notebook is read. Create answers 200 CREATING and becomes RUNNING (with a
// url) after CreateTime, action_progress steps 1–4 advancing evenly; stop
// STOPPING → STOPPED; start STARTING → RUNNING; delete DELETING → gone. A
// RUNNING notebook whose lease runs out becomes STOPPED.
//
// Authentication: an X-Auth-Token the emulator issued (valid TokenTTL,
// scoped to one project) or an SDK-HMAC-SHA256 signature by one of
// Options.AccessKeys, verifying whatever SignedHeaders lists, with X-Sdk-Date
// within 15 minutes of the clock. Failures are 401 APIG.0301. Five
// consecutive signature failures for one access key lock it for five minutes
// (by the clock); while locked even correct signatures are refused. A token
// for another project, or an X-Project-Id that differs from the path, is 403
// ModelArts.0108. Auth "none" turns every check off.
//
// Throttling (Options.RateLimit, RateWindow): beyond the limit a request
// is answered 429 APIG.0308 "The throttling threshold has been reached:
// policy user over ratelimit,limit:N,time:1 second" (or "time:1 minute"),
// APIG's wording, with Retry-After in whole seconds, at least 1 — the time
// until the window admits again — unless NoRetryAfter (APIG does not
// document that it sends one; see also Options.RetryAfter). The two
// windows are emulated differently, on purpose:
//
//   - per second (the default): a token bucket per project, refilled
//     continuously at RateLimit per second, RateBurst deep (default
//     max(1, RateLimit/10)). That is stricter than a counter per second: a
//     client that bunches its requests is refused although its average is
//     under the limit, so a client that copes here copes with a counter.
//   - per minute: fixed windows. APIG documents a throttling policy as "the
//     maximum number of times an API can be called within a specified
//     period" (a period of a number of seconds, minutes, hours or days),
//     and its quota policies reset at fixed times, by default counted from
//     the first call. So each project's windows follow each other back to
//     back from its first request; a window admits RateLimit requests and
//     refuses every further one until it ends. A client that spends the
//     budget early waits out the rest of the minute — without Retry-After
//     it is not told for how long. (A sliding window would refuse for as
//     long; the fixed one is the documented reading.)
//
// Faults, from the one random source seeded by Options.Seed (same request
// sequence → same outcomes): 500 (ModelArts.0010), 502 (APIG.0202), 503
// (APIG.0203) and connection reset apply to /v1 requests after auth and
// throttling and before handling; lost-create commits the create and then
// answers 500 or resets the connection; create-failed ends a create in
// CREATE_FAILED with a fail_reason; start-failed ends a start in
// START_FAILED. IAM and control paths get no faults unless FaultsOnIAM.
//
// # Known differences from the real service
//
//   - Both clouds' endpoint spellings are accepted on input (service or
//     dev_service, key_pair_names or ssh_keys) and both are written in every
//     response; a real cloud accepts and answers one spelling.
//   - duration -1 (Terraform's "never stop") is accepted on create, start and
//     renew and disables the lease; it is undocumented.
//   - Unknown body fields (including HWC-only extras such as affinity,
//     custom_spec, data_volumes) are ignored, as a Java backend with lenient
//     JSON binding does; the real service may reject some of them.
//   - Enums in bodies (volume category/ownership, feature, lease type, hook
//     type, endpoint service) are case-insensitive and stored upper case.
//   - Names allow only ASCII letters, digits, - and _ (the HWC SDK also
//     allows Chinese characters).
//   - pool_id and workspace_id are not checked against existing pools or
//     workspaces; list shows every workspace unless workspace_id or
//     workspaceId is given (the real default filter is "0").
//   - List supports sort_dir but sorts only by create_at (then id); sort_key
//     is ignored. name and flavor filters are case-insensitive/substring.
//     size is the number of items on the page. Tags, billing and owner
//     filters are not supported; the tag, storage-mount, switchable-flavor
//     and save-image APIs are not served (404 APIG.0101).
//   - The notebook url is http://{emulator host}/_emulator/notebook/{id}/lab
//     (plain HTTP, a placeholder page); the real one is an HTTPS JupyterLab.
//   - Transition times are fixed (CreateTime, StartTime, StopTime,
//     DeleteTime); the real service varies and also shows INIT. Volumes are
//     never RESIZING: storage_new_size applies at once.
//   - Update is allowed in RUNNING, STOPPED and START_FAILED; name,
//     description and storage_new_size in any of them, flavor, image_id,
//     endpoints and hooks only in STOPPED (the OTC doc says update needs a
//     stopped instance; Terraform updates name/description while running).
//   - Delete is allowed in every state without a pending transition
//     (RUNNING included, as Terraform relies on); ModelArts.6304 is never
//     returned. Deleting a DELETING notebook is ModelArts.6357.
//   - Quota counts every existing instance of the project (ModelArts.6302);
//     a second DEFAULT (free) instance is ModelArts.6301. Flavor quotas
//     (0113/0118) and frozen accounts are not emulated.
//   - Only the IAM password method with a project scope is supported; tokens
//     are opaque strings, not PKI tokens, and are not persisted. IAM errors
//     use IAM's own {"error":{"code","message","title"}} shape.
//   - An access key may act on any project; a real AK is limited to its
//     account's projects. The lockout also applies to unknown access keys.
//   - Retry-After is sent on 429 unless NoRetryAfter (the real APIG may
//     omit it). Throttling counts per project, not per API and user or IP,
//     and has one window (a second or a minute), where APIG may combine
//     several policies. The per-second window is a token bucket, stricter
//     than APIG's counter (see Throttling above).
//   - 500/502/503 bodies are ModelArts.0010 / APIG.0202 / APIG.0203; real
//     gateway errors may be HTML or differently coded.
//   - Request bodies larger than 1 MiB are refused with ModelArts.0104.
package emulator
