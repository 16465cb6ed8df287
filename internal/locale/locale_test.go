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

func TestDocumentDate(t *testing.T) {
	for in, want := range map[string]string{"2026-12-10": "2026年12月10日", "2026-03-05": "2026年3月5日", "": "", "明天": "明天"} {
		if got := DocumentDate(in); got != want {
			t.Errorf("DocumentDate(%q) = %q, want %q", in, got, want)
		}
	}
}
