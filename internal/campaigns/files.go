package campaigns

import (
	"linli/internal/i18n"
	"linli/internal/uploads"
)

// MaxFile bounds one evidence file.
const MaxFile = 8 << 20

// Accept is the evidence form's <input accept>: photos and documents, what
// uploads.Sniff recognises.
const Accept = uploads.DocumentAccept

// checkFile recognises an evidence file (a photo, a PDF, a Word or Excel
// document) from its bytes, naming a refusal in errs (internal/uploads).
func checkFile(f uploads.File, errs *i18n.Errors) (uploads.Checked, bool) {
	out := uploads.Check(errs, []uploads.File{f}, uploads.Rules{Field: "file", Max: 1, MaxBytes: MaxFile})
	if len(out) != 1 {
		return uploads.Checked{}, false
	}
	return out[0], true
}
