package locale

import (
	"testing"
	"time"
)

func TestZoneAndSizes(t *testing.T) {
	// 2026-01-01 00:30 in Beijing is still 2025-12-31 in UTC.
	at := time.Date(2025, 12, 31, 16, 30, 0, 0, time.UTC).In(Zone)
	if at.Format(time.DateOnly) != "2026-01-01" {
		t.Fatalf("zone: %s", at)
	}
	for n, want := range map[int64]string{512: "512 B", 2048: "2 KB", 300 << 20: "300 MB", 3 << 30: "3.0 GB"} {
		if got := HumanBytes(n); got != want {
			t.Errorf("HumanBytes(%d) = %q, want %q", n, got, want)
		}
	}
}
