package campaigns

import (
	"linli/internal/i18n"
	"linli/internal/uploads"
)

// MaxFile bounds one evidence file.
const MaxFile = 8 << 20

// Accept is the evidence form's <input accept>: what checkFile takes.
const Accept = "image/jpeg,image/png,image/webp"

// checkFile recognises an evidence file from its bytes (internal/uploads),
// naming the refusal in errs.
func (s *Service) checkFile(f Upload, errs *i18n.Errors) (File, bool) {
	if len(f.Data) == 0 {
		errs.Add("file", "campaigns.err_file_empty")
		return File{}, false
	}
	if len(f.Data) > MaxFile {
		errs.Add("file", "campaigns.err_file_size")
		return File{}, false
	}
	ct, ext := uploads.SniffImage(f.Data)
	if ct == "" {
		errs.Add("file", "campaigns.err_file_type")
		return File{}, false
	}
	return File{Name: "photo" + ext, ContentType: ct, Data: f.Data}, true
}
