// Package locale is how every module shows users times and sizes, without the
// web layer: services compute "today", deadlines and printed dates in the
// users' time zone, and messages name sizes the same way as pages do.
package locale

import (
	"fmt"
	"time"
)

// Zone is the time zone of the users (China Standard Time). A system without
// the time-zone database gets the fixed offset, which China has kept since 1991.
var Zone = func() *time.Location {
	if l, err := time.LoadLocation("Asia/Shanghai"); err == nil {
		return l
	}
	return time.FixedZone("CST", 8*3600)
}()

// HumanBytes renders a size for messages: 300 MB.
func HumanBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%d MB", n>>20)
	case n >= 1<<10:
		return fmt.Sprintf("%d KB", n>>10)
	}
	return fmt.Sprintf("%d B", n)
}

// DocumentDate writes a date ("2026-12-10") as official documents print it,
// "2026年12月10日" (GB/T 9704: Arabic numerals, no leading zeros); anything
// that is not such a date is returned as it is.
func DocumentDate(s string) string {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return s
	}
	return fmt.Sprintf("%d年%d月%d日", t.Year(), t.Month(), t.Day())
}
