package importexport

import "sync/atomic"

// Why the fast xlsx reader hands a sheet to excelize: the reason label of
// the linli_import_excelize_fallbacks_total metric.
const (
	FallbackPackage       = "package"        // the package could not be opened a second time
	FallbackWorkbook      = "workbook"       // sheets not found as excelize finds them (Strict namespaces, duplicate parts)
	FallbackSharedStrings = "shared_strings" // the shared string table outside the usual shape
	FallbackSheet         = "sheet"          // the worksheet XML outside the usual shape, at its start or further down
)

var fallbackReasons = [...]string{FallbackPackage, FallbackWorkbook, FallbackSharedStrings, FallbackSheet}

// fallbackFiles counts, since the process started, the files opened whose
// reading went to excelize, by reason; a file counts once per reason
// however many of its sheets, and however many times, went there.
var fallbackFiles [len(fallbackReasons)]atomic.Uint64

// Fallbacks returns the counts by reason, every reason present. They only
// grow: the web layer exposes them as a Prometheus counter.
func Fallbacks() map[string]uint64 {
	out := make(map[string]uint64, len(fallbackReasons))
	for i, r := range fallbackReasons {
		out[r] = fallbackFiles[i].Load()
	}
	return out
}

// fallback reads a sheet with excelize where the fast reader is unsure,
// and counts it: the one place the fast reader hands over.
func (s *Source) fallback(sheet, reason string) (rowIter, error) {
	s.fallbacks++
	for i, r := range fallbackReasons {
		if r == reason && s.fellBack&(1<<i) == 0 {
			s.fellBack |= 1 << i
			fallbackFiles[i].Add(1)
		}
	}
	return s.excelizeIter(sheet)
}
