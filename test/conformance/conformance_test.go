package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/nbfleet/nbfleet/pkg/emulator"
	"github.com/nbfleet/nbfleet/pkg/modelarts"
)

// TestConformanceEmulator runs the suite `make conformance` runs against a
// real account against the emulator, on each cloud profile: the emulator
// and the client must pass what the real service is expected to pass.
func TestConformanceEmulator(t *testing.T) {
	for _, cloud := range []string{emulator.CloudHuawei, emulator.CloudOTC} {
		t.Run(cloud, func(t *testing.T) {
			srv, err := emulator.New(emulator.Options{Cloud: cloud, Seed: 1,
				CreateTime: 20 * time.Millisecond, StartTime: 20 * time.Millisecond, StopTime: 20 * time.Millisecond,
				DeleteTime: 20 * time.Millisecond, ResizeTime: 20 * time.Millisecond, StaleReads: 10 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			defer srv.Close()
			region := map[string]string{emulator.CloudHuawei: "cn-north-4", emulator.CloudOTC: "eu-de"}[cloud]
			env := map[string]string{
				"HUAWEICLOUD_SDK_AK": emulator.DefaultAK, "HUAWEICLOUD_SDK_SK": emulator.DefaultSK,
				"HUAWEICLOUD_SDK_REGION": region, "HUAWEICLOUD_SDK_PROJECT_ID": srv.ProjectID(),
				"NBFLEET_ENDPOINT": srv.URL(),
			}
			var out bytes.Buffer
			code := run(context.Background(), func(k string) string { return env[k] }, &out,
				timings{poll: 5 * time.Millisecond, wait: 10 * time.Second, total: time.Minute})
			t.Log("\n" + out.String())
			if code != 0 || strings.Contains(out.String(), "FAIL") {
				t.Fatalf("exit %d", code)
			}
			for _, want := range []string{"ok   create: " + NamePrefix, "ok   renew 2 h idle", "ok   show until DELETED or not found (rules 5, 6): saw DELETED", "every check passed"} {
				if !strings.Contains(out.String(), want) {
					t.Errorf("output lacks %q", want)
				}
			}
			if n := strings.Count(out.String(), "\nok   "); n < 20 {
				t.Errorf("%d checks, want at least 20", n)
			}
			for _, nb := range srv.Notebooks("") {
				if nb.Status != emulator.StatusDeleted {
					t.Errorf("left behind: %s %s", nb.Name, nb.Status)
				}
			}
		})
	}
}

// TestConformanceNoCredentials: without credentials nothing is sent and
// the exit code is 0, so `make conformance` is safe to run anywhere.
func TestConformanceNoCredentials(t *testing.T) {
	var out bytes.Buffer
	if code := run(context.Background(), func(string) string { return "" }, &out, defaultTimings); code != 0 || !strings.Contains(out.String(), "no credentials") {
		t.Errorf("exit %d: %s", code, out.String())
	}
}

// TestSmallestCPU pins the flavor choice: the CPU flavor on sale with the
// fewest cores, never a free, sold-out or GPU one.
func TestSmallestCPU(t *testing.T) {
	fs := []modelarts.Flavor{
		{ID: "modelarts.vm.cpu.free", Category: "CPU", Feature: "DEFAULT", Free: true},
		{ID: "modelarts.vm.cpu.8u", Category: "CPU", Feature: "NOTEBOOK"},
		{ID: "modelarts.vm.cpu.2u", Category: "CPU", Feature: "NOTEBOOK", SoldOut: true},
		{ID: "modelarts.vm.cpu.4u", Category: "CPU", Feature: "NOTEBOOK"},
		{ID: "modelarts.bm.gpu.v100NV32", Category: "GPU", Feature: "NOTEBOOK"},
	}
	if got := smallestCPU(fs); got != "modelarts.vm.cpu.4u" {
		t.Errorf("smallestCPU = %s", got)
	}
	if got := smallestCPU(fs[:1]); got != "" {
		t.Errorf("smallestCPU of the free flavor = %s", got)
	}
}
