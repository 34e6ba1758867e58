// Package emulator is a local emulator of the ModelArts notebook API v1
// and of the IAM calls nbfleet needs, for tests, demos and benchmarks
// (`nbfleet emulator`). It owns the emulated service: wire format,
// validation, the asynchronous lifecycle, quotas, rate limits, injected
// faults and authentication checks. It must not be used by production
// code paths, and it does not import pkg/modelarts: it reads the sources
// independently so that a misreading in the client is caught by tests
// instead of shared.
//
// It is held to the real service as real-service.md states it, rule by
// rule, from primary sources: the Open Telekom Cloud API reference
// (opentelekomcloud-docs/modelarts, revision
// 1ba1873d960563c60759f67898a855d9ba3c3502 of 2025-08-26,
// api-ref/source/development_environment_management/*.rst, and
// appendix/error_codes.rst at da7a49594093de6ffed53c2740e116673c7e887e),
// the official Huawei Cloud Go SDK (github.com/huaweicloud/huaweicloud-sdk-go-v3
// v0.1.207, services/modelarts/v1) and the Terraform provider
// (huaweicloud/terraform-provider-huaweicloud and chnsz/golangsdk).
// pkg/modelarts/testdata/fixtures holds their JSON, against which the
// client's tests check this emulator's answers field by field.
//
// # Use
//
//	srv, err := emulator.New(emulator.Options{Cloud: emulator.CloudOTC, CreateTime: 50 * time.Millisecond})
//	defer srv.Close()
//	// point a client at srv.URL(), project srv.ProjectID(),
//	// AK emulator.DefaultAK / SK emulator.DefaultSK
//
// NewHandler builds one without a listener for httptest. Seed inserts
// notebooks in any status; Notebooks, Stats, Reset, SetFaults,
// SetRateLimit, RevokeTokens and Advance inspect and steer it mid-test.
//
// # Cloud profiles
//
// Options.Cloud (`--cloud`) is CloudHuawei (default) or CloudOTC. Both
// read requests the same way, as both clouds document them since the OTC
// docs of 2025-08-26: endpoints as service, key_pair_names and
// allowed_access_ips (the obsolete dev_service and ssh_keys are ignored,
// as a lenient backend ignores unknown fields, so a client that sends them
// loses the setting). They answer differently:
//
//   - endpoints: HWC service, dev_service, key_pair_names,
//     allowed_access_ips, uri; OTC service, dev_service, ssh_keys,
//     allowed_access_ips, uri;
//   - volume: HWC capacity, category, ownership, mount_path, status, id,
//     uri; OTC the same without id and uri;
//   - action_progress steps: HWC status, step, description; OTC
//     notebook_id, status, step, step_description;
//   - the list's workspace filter: HWC workspace_id, OTC workspaceId (the
//     other spelling is an unknown parameter, ignored).
//
// No answer of either carries hooks: they can be written, never read.
//
// # Paths
//
// The notebook API on its real paths under /v1/{project_id}: create, list
// (/notebooks lists the caller's notebooks, /notebooks/all every user's),
// show, update (PUT), delete, start, stop, lease show/renew, flavors,
// images. IAM: POST /v3/auth/tokens (password method, project scope by
// name or id → 201 and X-Subject-Token) and GET /v3/projects?name=.
// Control endpoints without auth: GET /_emulator/notebooks,
// GET /_emulator/stats, POST /_emulator/reset, POST /_emulator/revoke-tokens,
// POST /_emulator/clock {"advance":"2h"} (time travel, see Advance),
// POST /_emulator/flavors {"flavor":ID,"sold_out":true} (see SetSoldOut),
// GET /_emulator/health, and GET /_emulator/notebook/{id}/lab (the page a
// notebook url points to).
//
// # Behaviour
//
// Every answer carries X-Request-Id. Errors are
// {"error_code":"ModelArts.xxxx","error_msg":"…"} (APIG errors add
// request_id): not found 400 ModelArts.6309; a field the status does not
// allow 6347 ("When the instance is in the 'X' status, the 'F' parameter
// cannot be modified."); start or stop in the wrong state 6305 (already
// running), 6306 (starting), 6307 (already stopped), 6308 (stopping),
// otherwise 6357; renew of a notebook that is not running 6327; any
// sort_key 6303; quota 6302; a second DEFAULT notebook 6301; unknown
// flavor 6323; sold out 6329; capacity 6331; a renew without duration
// 6348; duration out of range 6349; other body rules 6400; unparseable
// bodies 0104; bad query parameters 0101; a token of another project 404
// ModelArts.2786.
//
// Lifecycle transitions are lazy: each notebook holds a pending transition
// with a due time that is applied, against the clock, whenever the
// notebook is read. Create answers 200 CREATING and becomes RUNNING (with a
// url) after CreateTime, action_progress steps 1–4 advancing evenly; stop
// STOPPING → STOPPED; start STARTING → RUNNING; delete DELETING → DELETED,
// which is listed and shown for DeletedVisible (every other operation on
// it answers 6309), then the notebook is gone and show answers 6309.
// StaleReads, when set, makes show and list report the previous status
// (RUNNING) for that long after a stop or delete was accepted.
//
// Updates follow the service's rules: name, description and hooks change
// while RUNNING or STOPPED (or START_FAILED); flavor, image_id and
// endpoints only while stopped; storage_new_size only while RUNNING, for an
// EVS volume, by at most 100 GB and up to 4096 GB, not while the volume is
// RESIZING. The volume then shows status RESIZING, and its old capacity,
// for ResizeTime. A refused field changes nothing.
//
// Leases: create starts a lease of duration (or lease.duration, or 1 h)
// from create_at; lease.duration is measured from lease.create_at, so a
// start or renew of d at time t makes the stop time t + d and reports
// duration t + d − create_at. A start without duration leases 1 h. A renew
// with a duration in the query ignores the body, its type included (a
// timing stop); a renew without one reads duration and type from the body.
// A RUNNING notebook whose stop time passes becomes STOPPED.
//
// Time travel: Advance (or POST /_emulator/clock) moves the lifecycle clock
// forward, so that transitions, resizes, leases and DELETED notebooks fall
// due without waiting. Authentication, signatures and throttling keep the
// real clock, since clients sign with it. A restart from StatePath keeps
// the offset.
//
// Authentication: an X-Auth-Token the emulator issued (valid TokenTTL,
// scoped to one project) or an SDK-HMAC-SHA256 signature by one of
// Options.AccessKeys, verifying whatever SignedHeaders lists, with X-Sdk-Date
// within 15 minutes of the clock. Failures are 401 APIG.0301. Five
// consecutive signature failures for one access key lock it for five minutes
// (by the clock); while locked even correct signatures are refused. An
// X-Project-Id that differs from the path is 403 ModelArts.0108. Auth
// "none" turns every check off. The principal (the access key, or the
// token's user) owns the notebooks it creates, for /notebooks.
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
// # Known differences from the sources
//
// Each is a choice where the sources are silent, or a simplification that
// no nbfleet behaviour depends on:
//
//   - create_at and update_at at the top level of a notebook are answered
//     on both profiles. Neither cloud's response table lists them; the OTC
//     delete example and the Terraform provider's golangsdk show them.
//   - Answers leave out documented fields nbfleet does not use:
//     billing_items, user, and on HWC affinity, custom_spec, data_volumes,
//     ip, run_user, tags, user_id, user_vpc, is_need_credentials,
//     jupyter_version; volume read_only, dew_secret_name, evs_sku_code,
//     mount_type; image namespace, origin, size, status_message.
//   - Request bodies: unknown fields (including HWC-only ones such as
//     affinity, custom_spec, data_volumes) are ignored, as a lenient
//     backend ignores them; the real service may reject some. An endpoint
//     without service is kept without one (service is optional in the
//     docs; what the service then does is not documented).
//   - Enums in bodies (volume category/ownership, feature, lease type, hook
//     type, endpoint service) are case-insensitive and stored upper case;
//     the OTC create example sends "evs" and "managed" in lower case.
//   - duration -1 (Terraform's "never stop") is accepted on create, start
//     and renew and disables the lease; it is undocumented. An IDLE lease
//     stops the notebook at the same time a TIMING one would: the emulator
//     sees no activity.
//   - No source names a sort_key the service accepts, so every sort_key is
//     6303; the default order is create_at descending (then id), which no
//     source documents either, and sort_dir=ASC reverses it. size is the
//     page size (limit), as in the OTC example.
//   - name and flavor filters are case-insensitive substring matches; the
//     billing, tags and owner filters, the tag, storage-mount,
//     switchable-flavor and save-image APIs are not served (404 APIG.0101);
//     rule 22's tags exist on HWC only and are not emulated.
//   - /notebooks shows the caller's notebooks (and seeded ones, which have
//     no owner) always; the real one "may" show only the caller's, and the
//     owner filter is for admin accounts. pool_id and workspace_id are not
//     checked against existing pools or workspaces.
//   - Names allow only ASCII letters, digits, - and _ (the HWC SDK also
//     allows Chinese characters).
//   - The notebook url is http://{emulator host}/_emulator/notebook/{id}/lab
//     (plain HTTP, a placeholder page); the real one is an HTTPS JupyterLab.
//   - Transition times are fixed (CreateTime, StartTime, StopTime,
//     DeleteTime, ResizeTime, DeletedVisible); the real service varies and
//     also shows INIT. During RESIZING the old capacity is shown (the
//     sources do not say which); hooks may change while RUNNING (the docs
//     list no status for them) and take effect at the next start.
//   - Delete is allowed in every state without a pending transition
//     (RUNNING included, as Terraform relies on); ModelArts.6304 "stop the
//     instance before deleting", in the table, is never returned. Deleting
//     a DELETING notebook is 6357, a DELETED one 6309.
//   - Quota counts every instance of the project that is not DELETED
//     (ModelArts.6302); flavor quotas (0113/0118) and frozen accounts are
//     not emulated.
//   - Only the IAM password method with a project scope is supported;
//     tokens are opaque strings, not PKI tokens, and are not persisted. IAM
//     errors use IAM's own {"error":{"code","message","title"}} shape. The
//     2786 message text is the emulator's own (the sources give the code
//     only).
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
