package emulator

import (
	"strings"
	"testing"
	"time"
)

// TestNegativeOptionsRefused: a negative duration or rate is a mistake of
// the caller, not a request for the default: New refuses it by name.
func TestNegativeOptionsRefused(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts Options
		want string
	}{
		{"create time", Options{CreateTime: -time.Second}, "create time"},
		{"start time", Options{StartTime: -1}, "start time"},
		{"stop time", Options{StopTime: -1}, "stop time"},
		{"delete time", Options{DeleteTime: -1}, "delete time"},
		{"resize time", Options{ResizeTime: -1}, "resize time"},
		{"token TTL", Options{TokenTTL: -time.Hour}, "token TTL"},
		{"stale reads", Options{StaleReads: -1}, "stale reads"},
		{"latency", Options{Latency: -1}, "latency"},
	} {
		tc.opts.Listen = "127.0.0.1:0"
		s, err := New(tc.opts)
		if err == nil {
			s.Close()
			t.Errorf("%s: accepted", tc.name)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v does not name it", tc.name, err)
		}
	}
}
