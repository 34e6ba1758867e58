package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/nbfleet/nbfleet/pkg/modelarts"
)

// NamePrefix starts the name of the one notebook the suite creates.
const NamePrefix = "nbfleet-conformance-"

// suite is one run of the checks against one account.
type suite struct {
	c   *modelarts.Client
	out io.Writer
	// every is the time between two reads while waiting; wait bounds one
	// wait for a status.
	every, wait time.Duration
	// flavor and image override the choice from the catalogues ("" chooses).
	flavor, image string
	now           func() time.Time

	failed int
	id     string // the notebook the suite made, "" before the create
}

// check prints one line: "ok   NAME: DETAIL" or "FAIL NAME: DETAIL".
func (s *suite) check(name string, err error, detail string, args ...any) bool {
	msg := fmt.Sprintf(detail, args...)
	if err != nil {
		s.failed++
		if msg != "" {
			msg += ": "
		}
		fmt.Fprintf(s.out, "FAIL %s: %s%v\n", name, msg, err)
		return false
	}
	if msg == "" {
		fmt.Fprintf(s.out, "ok   %s\n", name)
	} else {
		fmt.Fprintf(s.out, "ok   %s: %s\n", name, msg)
	}
	return true
}

// run carries out the checks: create → show → list → update → stop →
// start → renew → delete of one notebook, and always tries to delete it
// at the end if it was made. It touches no other notebook. It returns the
// number of failed checks.
func (s *suite) run(ctx context.Context) int {
	defer s.cleanup()
	flavor, image, ok := s.choose(ctx)
	if !ok {
		return s.failed
	}
	name := NamePrefix + randomSuffix()
	req := &modelarts.CreateRequest{
		Name: name, Description: "nbfleet conformance check, safe to delete", Feature: "NOTEBOOK",
		Flavor: flavor, ImageID: image,
		Volume: modelarts.VolumeReq{Category: "EVS", Ownership: "MANAGED", Capacity: 5},
		Lease:  &modelarts.LeaseReq{Duration: time.Hour.Milliseconds(), Type: "timing"},
	}
	created := s.now()
	nb, err := s.c.Create(ctx, req)
	if !s.check("create", err, "%s with %s, 5 GB EVS, a 1 h lease", name, flavor) {
		return s.failed
	}
	s.id = nb.ID
	s.check("create answer", noHooks(nb), "id %s, status %s", nb.ID, nb.Status)

	nb, err = s.waitFor(ctx, modelarts.StatusRunning)
	if !s.check("show until RUNNING", err, "%s", status(nb)) {
		return s.failed
	}
	s.check("show carries no hooks (rule 7)", noHooks(nb), "")
	s.check("lease counts from create_at (rule 15)", leaseFromCreate(nb, created, time.Hour), "%s", leaseText(nb.Lease))

	list, err := s.c.List(ctx, modelarts.ListOptions{Name: name, Feature: "NOTEBOOK"})
	s.check("list /notebooks/all by name (rules 1, 2, 21)", found(list, s.id, err), "%d notebook(s) named %s", len(list), name)

	desc := req.Description + " (updated)"
	nb, err = s.c.Update(ctx, s.id, &modelarts.UpdateRequest{Description: &desc})
	s.check("update description while RUNNING (rule 12)", err, "%s", status(nb))
	// A harmless hook ("true"): the docs give hooks no status, and nbfleet
	// changes them while running.
	nb, err = s.c.Update(ctx, s.id, &modelarts.UpdateRequest{Hooks: &modelarts.Hooks{ContainerHooks: &modelarts.ContainerHooks{
		PostStart: &modelarts.HookConfig{Script: "dHJ1ZQ==", Type: "COMMAND"}}}})
	s.check("update hooks while RUNNING (rule 11; the docs give hooks no status)", err, "%s", status(nb))
	s.check("the update answer carries no hooks (rule 7)", noHooks(nb), "")
	_, err = s.c.Update(ctx, s.id, &modelarts.UpdateRequest{Flavor: flavor})
	s.check("update flavor while RUNNING is refused with 6347 (rule 12)", wantCode(err, "ModelArts.6347"), "")
	nb, err = s.c.Update(ctx, s.id, &modelarts.UpdateRequest{StorageNewSize: 6})
	if s.check("grow storage 5 → 6 GB while RUNNING (rule 12)", err, "volume %s", volume(nb)) {
		nb, err = s.waitGrown(ctx, 6)
		s.check("volume RESIZING, then 6 GB (rule 10)", err, "volume %s", volume(nb))
	}

	_, err = s.c.Stop(ctx, s.id)
	if s.check("stop", err, "") {
		nb, err = s.waitFor(ctx, modelarts.StatusStopped)
		s.check("show until STOPPED", err, "%s", status(nb))
	}
	_, err = s.c.Update(ctx, s.id, &modelarts.UpdateRequest{StorageNewSize: 7})
	s.check("grow storage while STOPPED is refused with 6347 (rule 12)", wantCode(err, "ModelArts.6347"), "")

	started := s.now()
	_, err = s.c.Start(ctx, s.id, &modelarts.LeaseReq{Duration: time.Hour.Milliseconds(), Type: "timing"})
	if s.check("start with a 1 h lease (rule 13)", err, "") {
		nb, err = s.waitFor(ctx, modelarts.StatusRunning)
		if s.check("show until RUNNING", err, "%s", status(nb)) {
			s.check("the start's lease ends 1 h after the start (rule 15)", leaseEndsAt(nb, started, time.Hour), "%s", leaseText(nb.Lease))
		}
	}

	l, err := s.c.RenewLease(ctx, s.id, modelarts.LeaseReq{Duration: 2 * time.Hour.Milliseconds(), Type: "idle"})
	if s.check("renew 2 h idle, the lease in the body (rule 14)", err, "%s", leaseText(l)) {
		s.check("the renewed lease is IDLE (rule 14)", wantLeaseType(l, "IDLE"), "")
	}

	err = s.c.Delete(ctx, s.id)
	if s.check("delete", err, "") {
		seen, err := s.waitGone(ctx)
		if s.check("show until DELETED or not found (rules 5, 6)", err, "saw %s", seen) {
			s.id = ""
		}
	}
	return s.failed
}

// choose picks the smallest CPU flavor on sale and a CPU image, unless
// given.
func (s *suite) choose(ctx context.Context) (flavor, image string, ok bool) {
	flavor, image = s.flavor, s.image
	if flavor == "" {
		fs, err := s.c.ListFlavors(ctx)
		flavor = smallestCPU(fs)
		if err == nil && flavor == "" {
			err = errors.New("no CPU flavor on sale; set NBFLEET_CONFORMANCE_FLAVOR")
		}
		if !s.check("list flavors", err, "%d flavors, chose %s", len(fs), flavor) {
			return "", "", false
		}
	}
	if image == "" {
		ims, err := s.c.ListImages(ctx, modelarts.ImageListOptions{Type: "BUILD_IN"})
		image = cpuImage(ims)
		if err == nil && image == "" {
			err = errors.New("no built-in image; set NBFLEET_CONFORMANCE_IMAGE")
		}
		if !s.check("list images", err, "%d built-in images, chose %s", len(ims), image) {
			return "", "", false
		}
	}
	return flavor, image, true
}

var cpuCores = regexp.MustCompile(`cpu\.(\d+)u`)

// smallestCPU is the CPU flavor for billed notebooks, on sale, with the
// fewest cores in its id ("modelarts.vm.cpu.2u"), ties by id.
func smallestCPU(fs []modelarts.Flavor) string {
	best, bestCores := "", 0
	for _, f := range fs {
		if f.SoldOut || f.Free || !strings.EqualFold(f.Category, "CPU") || f.Feature != "" && !strings.EqualFold(f.Feature, "NOTEBOOK") {
			continue
		}
		cores := 1 << 30
		if m := cpuCores.FindStringSubmatch(f.ID); m != nil {
			cores, _ = strconv.Atoi(m[1])
		}
		if best == "" || cores < bestCores || cores == bestCores && f.ID < best {
			best, bestCores = f.ID, cores
		}
	}
	return best
}

// cpuImage is the first built-in image (by name) that names a CPU, else
// the first one.
func cpuImage(ims []modelarts.Image) string {
	sort.Slice(ims, func(i, j int) bool { return ims[i].Name < ims[j].Name })
	for _, im := range ims {
		if strings.Contains(strings.ToLower(im.Name), "cpu") {
			return im.ID
		}
	}
	if len(ims) > 0 {
		return ims[0].ID
	}
	return ""
}

// cleanup deletes the suite's notebook when a failed check left it behind.
func (s *suite) cleanup() {
	if s.id == "" {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	err := s.c.Delete(ctx, s.id)
	if errors.Is(err, modelarts.ErrNotFound) {
		err = nil
	}
	s.check("cleanup: delete the conformance notebook", err, "%s", s.id)
}

func (s *suite) get(ctx context.Context) (*modelarts.Notebook, error) { return s.c.Get(ctx, s.id) }

// poll reads the notebook until done says so or s.wait passes.
func (s *suite) poll(ctx context.Context, what string, done func(*modelarts.Notebook, error) bool) (*modelarts.Notebook, error) {
	deadline := s.now().Add(s.wait)
	for {
		nb, err := s.get(ctx)
		if done(nb, err) {
			return nb, err
		}
		if err != nil && !modelarts.IsRetryable(err) {
			return nb, err
		}
		if s.now().After(deadline) {
			return nb, fmt.Errorf("no %s after %s (last: %s, %v)", what, s.wait, status(nb), err)
		}
		select {
		case <-ctx.Done():
			return nb, ctx.Err()
		case <-time.After(s.every):
		}
	}
}

func (s *suite) waitFor(ctx context.Context, want string) (*modelarts.Notebook, error) {
	nb, err := s.poll(ctx, want, func(nb *modelarts.Notebook, err error) bool {
		return err == nil && (nb.Status == want || strings.HasSuffix(nb.Status, "_FAILED") || nb.Status == modelarts.StatusError)
	})
	if err == nil && nb.Status != want {
		err = fmt.Errorf("ended %s: %s", nb.Status, nb.FailReason)
	}
	return nb, err
}

func (s *suite) waitGrown(ctx context.Context, gb int) (*modelarts.Notebook, error) {
	return s.poll(ctx, fmt.Sprintf("%d GB volume", gb), func(nb *modelarts.Notebook, err error) bool {
		return err == nil && nb.Volume != nil && nb.Volume.Capacity >= gb && nb.Volume.Status != "RESIZING"
	})
}

// waitGone waits for DELETED or not found and says which it saw first.
func (s *suite) waitGone(ctx context.Context) (string, error) {
	seen := ""
	_, err := s.poll(ctx, "DELETED or not found", func(nb *modelarts.Notebook, err error) bool {
		switch {
		case errors.Is(err, modelarts.ErrNotFound):
			seen += "not found (" + codeOf(err) + ")"
			return true
		case err == nil && nb.Status == modelarts.StatusDeleted:
			seen += "DELETED"
			return true
		}
		return false
	})
	if errors.Is(err, modelarts.ErrNotFound) {
		err = nil
	}
	return seen, err
}

func codeOf(err error) string {
	var ae *modelarts.APIError
	if errors.As(err, &ae) {
		return fmt.Sprintf("%d %s", ae.HTTPStatus, ae.Code)
	}
	return "?"
}

func wantCode(err error, code string) error {
	var ae *modelarts.APIError
	switch {
	case err == nil:
		return errors.New("accepted; real-service.md says the service refuses it")
	case errors.As(err, &ae) && ae.Code == code:
		return nil
	}
	return fmt.Errorf("answered %v, want %s", err, code)
}

func wantLeaseType(l *modelarts.Lease, typ string) error {
	if l == nil || !strings.EqualFold(l.Type, typ) {
		return fmt.Errorf("lease %+v, want type %s", l, typ)
	}
	return nil
}

func noHooks(nb *modelarts.Notebook) error {
	if nb != nil && nb.Hooks != nil {
		return fmt.Errorf("the answer carries hooks %+v; real-service.md rule 7 says it never does", nb.Hooks)
	}
	return nil
}

func found(list []modelarts.Notebook, id string, err error) error {
	if err != nil {
		return err
	}
	for _, nb := range list {
		if nb.ID == id {
			return nil
		}
	}
	return fmt.Errorf("notebook %s not listed", id)
}

// leaseFromCreate: lease.create_at is the create time and the stop time
// create_at + duration is d after it (a minute of slack for clocks).
func leaseFromCreate(nb *modelarts.Notebook, created time.Time, d time.Duration) error {
	if nb.Lease == nil || !nb.Lease.Enable {
		return errors.New("no enabled lease")
	}
	at := time.UnixMilli(nb.Lease.CreateAt)
	if diff := at.Sub(created); diff < -time.Minute || diff > time.Minute {
		return fmt.Errorf("lease.create_at %s is not the create time %s", at.UTC(), created.UTC())
	}
	if got := time.Duration(nb.Lease.Duration) * time.Millisecond; got != d {
		return fmt.Errorf("lease.duration %s, want %s", got, d)
	}
	return nil
}

// leaseEndsAt: create_at + duration is d after the start.
func leaseEndsAt(nb *modelarts.Notebook, started time.Time, d time.Duration) error {
	if nb.Lease == nil {
		return errors.New("no lease")
	}
	end := time.UnixMilli(nb.Lease.CreateAt).Add(time.Duration(nb.Lease.Duration) * time.Millisecond)
	if diff := end.Sub(started.Add(d)); diff < -time.Minute || diff > time.Minute {
		return fmt.Errorf("create_at + duration = %s, want about %s (start + %s)", end.UTC(), started.Add(d).UTC(), d)
	}
	return nil
}

func leaseText(l *modelarts.Lease) string {
	if l == nil {
		return "no lease"
	}
	return fmt.Sprintf("create_at %s, duration %s, type %s, enable %v", time.UnixMilli(l.CreateAt).UTC().Format(time.RFC3339),
		time.Duration(l.Duration)*time.Millisecond, l.Type, l.Enable)
}

func status(nb *modelarts.Notebook) string {
	if nb == nil {
		return "no answer"
	}
	return nb.Status
}

func volume(nb *modelarts.Notebook) string {
	if nb == nil || nb.Volume == nil {
		return "unknown"
	}
	if nb.Volume.Status != "" {
		return fmt.Sprintf("%d GB, %s", nb.Volume.Capacity, nb.Volume.Status)
	}
	return fmt.Sprintf("%d GB", nb.Volume.Capacity)
}

func randomSuffix() string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
