// Package uploads recognises uploaded files from their bytes, never from
// their names or the browser's word, and bounds them, for every module that
// takes photos or documents: one set of checks and one set of messages.
package uploads

import (
	"archive/zip"
	"bytes"
	"io"
	"net/http"
	"path"
	"strings"
	"unicode/utf8"

	"linli/internal/i18n"
	"linli/internal/locale"
)

// SniffImage recognises a JPEG, PNG or WebP photo from its first bytes and
// returns its content type and file extension; anything else is "", "".
func SniffImage(b []byte) (contentType, ext string) {
	switch {
	case bytes.HasPrefix(b, []byte{0xFF, 0xD8, 0xFF}):
		return "image/jpeg", ".jpg"
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		return "image/png", ".png"
	case len(b) >= 12 && bytes.Equal(b[:4], []byte("RIFF")) && bytes.Equal(b[8:12], []byte("WEBP")):
		return "image/webp", ".webp"
	}
	return "", ""
}

// Sniff recognises the documents a form accepts from their first bytes:
// JPEG, PNG, WebP and GIF photos, PDF, and Word/Excel documents (OOXML and the
// older binary formats). Anything else ("" returned) is refused, so nothing
// served back can be HTML or script.
func Sniff(b []byte) (contentType, ext string) {
	if ct, ext := SniffImage(b); ct != "" {
		return ct, ext
	}
	switch {
	case bytes.HasPrefix(b, []byte("GIF87a")) || bytes.HasPrefix(b, []byte("GIF89a")):
		return "image/gif", ".gif"
	case bytes.HasPrefix(b, []byte("%PDF-")):
		return "application/pdf", ".pdf"
	case bytes.HasPrefix(b, []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}):
		// Compound file: .doc or .xls; which one the name says, but the
		// content type stays generic and the file is only ever downloaded.
		return "application/octet-stream", ".doc"
	case bytes.HasPrefix(b, []byte("PK\x03\x04")):
		zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			return "", ""
		}
		hasTypes, word, excel := false, false, false
		for _, f := range zr.File {
			switch {
			case f.Name == "[Content_Types].xml":
				hasTypes = true
			case strings.HasPrefix(f.Name, "word/"):
				word = true
			case strings.HasPrefix(f.Name, "xl/"):
				excel = true
			}
		}
		switch {
		case hasTypes && word:
			return "application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx"
		case hasTypes && excel:
			return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx"
		}
	}
	return "", ""
}

// DocumentAccept is the <input type="file" accept> of a document form: the
// types Sniff recognises, so that the browser offers what the server takes.
const DocumentAccept = PhotoAccept + ",.jpg,.jpeg,.png,.webp,.gif,.pdf,.doc,.docx,.xls,.xlsx"

// PhotoAccept is the accept of a form that opens the camera (capture).
const PhotoAccept = "image/jpeg,image/png,image/webp,image/gif"

// IsImage reports whether a stored content type is a photo shown inline.
func IsImage(ct string) bool { return strings.HasPrefix(ct, "image/") }

// File is a file as received.
type File struct {
	Name string
	Data []byte
}

// Checked is a file whose type was recognised from its bytes; its name is
// cleaned and ends with the extension of that type.
type Checked struct {
	Name, ContentType string
	Data              []byte
}

// Rules bound the files of one form field.
type Rules struct {
	Field      string // the form field the messages name
	Max        int    // files at most
	MaxBytes   int64  // bytes per file at most
	PhotosOnly bool   // only JPEG, PNG and WebP (SniffImage), named 照片 in messages
}

// messages are the keys of a refusal, for documents and for photos.
type messages struct{ count, empty, size, kind string }

var (
	fileMessages  = messages{"uploads.file_count", "uploads.file_empty", "uploads.file_size", "uploads.file_type"}
	photoMessages = messages{"uploads.photo_count", "uploads.photo_empty", "uploads.photo_size", "uploads.photo_type"}
)

// Check recognises and bounds files, adding to errs a message naming each
// refused one (its number and name); the checked ones are returned.
func Check(errs *i18n.Errors, files []File, r Rules) []Checked {
	msg := fileMessages
	if r.PhotosOnly {
		msg = photoMessages
	}
	if len(files) > r.Max {
		errs.Add(r.Field, msg.count, "max", r.Max)
		return nil
	}
	var out []Checked
	for i, f := range files {
		name := CleanName(f.Name)
		ct, ext := Sniff(f.Data)
		if r.PhotosOnly {
			ct, ext = SniffImage(f.Data)
		}
		switch {
		case len(f.Data) == 0:
			errs.Add(r.Field, msg.empty, "n", i+1, "name", name)
		case int64(len(f.Data)) > r.MaxBytes:
			errs.Add(r.Field, msg.size, "n", i+1, "name", name, "max", locale.HumanBytes(r.MaxBytes))
		case ct == "":
			errs.Add(r.Field, msg.kind, "n", i+1, "name", name)
		default:
			if ext == ".doc" && strings.HasSuffix(strings.ToLower(name), ".xls") {
				ext = ".xls"
			}
			if !strings.EqualFold(path.Ext(name), ext) {
				name = strings.TrimSuffix(name, path.Ext(name)) + ext
			}
			out = append(out, Checked{Name: name, ContentType: ct, Data: f.Data})
		}
	}
	return out
}

// FromForm reads the files of field of a parsed multipart form, each only up
// to one byte past maxBytes: Check names a bigger one. An input left empty
// is no file.
func FromForm(r *http.Request, field string, maxBytes int64) ([]File, error) {
	if r.MultipartForm == nil {
		return nil, nil
	}
	var out []File
	for _, fh := range r.MultipartForm.File[field] {
		if fh.Size == 0 && fh.Filename == "" {
			continue
		}
		f, err := fh.Open()
		if err != nil {
			return nil, err
		}
		data, err := io.ReadAll(io.LimitReader(f, maxBytes+1))
		_ = f.Close()
		if err != nil {
			return nil, err
		}
		out = append(out, File{Name: fh.Filename, Data: data})
	}
	return out, nil
}

// CleanName keeps a file name printable and short: it is only ever shown and
// put in a Content-Disposition filename*.
func CleanName(n string) string {
	n = path.Base(strings.ReplaceAll(strings.TrimSpace(n), "\\", "/"))
	n = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '"' || r == '/' {
			return -1
		}
		return r
	}, n)
	if !utf8.ValidString(n) {
		n = strings.ToValidUTF8(n, "")
	}
	if n == "" || n == "." {
		n = "file"
	}
	if r := []rune(n); len(r) > 80 {
		n = string(r[len(r)-80:])
	}
	return n
}
