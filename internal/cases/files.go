package cases

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"path"
	"strings"
	"unicode/utf8"

	"linli/internal/auth"
	"linli/internal/db"
	"linli/internal/i18n"
	"linli/internal/locale"
	"linli/internal/uploads"
)

// Upload is a file as received.
type Upload struct {
	Name string
	Data []byte
}

// checkedFile is an upload whose type was recognised from its bytes.
type checkedFile struct {
	name, contentType string
	data              []byte
}

// MaxFilesPerStep bounds the files attached in one step.
const MaxFilesPerStep = 9

// Sniff recognises the file types a case accepts from their first bytes —
// never from the name or the browser's word: JPEG, PNG, WebP and GIF photos,
// PDF, and Word/Excel documents (OOXML and the older binary formats). Anything
// else ("" returned) is refused, so nothing served back can be HTML or script.
func Sniff(b []byte) (contentType, ext string) {
	if ct, ext := uploads.SniffImage(b); ct != "" {
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

// UploadAccept is the <input type="file" accept> of every upload form: the
// types Sniff recognises (and cases.files_hint names), so that the browser
// offers what the server takes.
const UploadAccept = PhotoAccept + ",.jpg,.jpeg,.png,.webp,.gif,.pdf,.doc,.docx,.xls,.xlsx"

// PhotoAccept is the accept of a form that opens the camera (capture): the
// photo types Sniff recognises.
const PhotoAccept = "image/jpeg,image/png,image/webp,image/gif"

// IsImage reports whether a stored content type is a photo shown inline.
func IsImage(ct string) bool { return strings.HasPrefix(ct, "image/") }

// checkUploads recognises and bounds the files of one step, adding a message
// naming each refused file to errs.
func (s *Service) checkUploads(files []Upload, errs *i18n.Errors) []checkedFile {
	if len(files) > MaxFilesPerStep {
		errs.Add("files", "cases.too_many_files", "max", MaxFilesPerStep)
		return nil
	}
	var out []checkedFile
	for _, f := range files {
		name := cleanName(f.Name)
		if int64(len(f.Data)) > s.maxFile() {
			errs.Add("files", "cases.file_too_large", "name", name, "max", locale.HumanBytes(s.maxFile()))
			continue
		}
		if len(f.Data) == 0 {
			errs.Add("files", "cases.file_empty", "name", name)
			continue
		}
		ct, ext := Sniff(f.Data)
		if ct == "" {
			errs.Add("files", "cases.file_type", "name", name)
			continue
		}
		if ext == ".doc" && strings.HasSuffix(strings.ToLower(name), ".xls") {
			ext = ".xls"
		}
		if !strings.EqualFold(path.Ext(name), ext) {
			name = strings.TrimSuffix(name, path.Ext(name)) + ext
		}
		out = append(out, checkedFile{name: name, contentType: ct, data: f.Data})
	}
	return out
}

// cleanName keeps a file name printable and short; it is only ever shown and
// put in a Content-Disposition filename*.
func cleanName(n string) string {
	n = path.Base(strings.ReplaceAll(n, "\\", "/"))
	n = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '"' || r == '/' {
			return -1
		}
		return r
	}, n)
	if !utf8.ValidString(n) || n == "" || n == "." {
		n = "file"
	}
	if r := []rune(n); len(r) > 80 {
		n = string(r[len(r)-80:])
	}
	return n
}

func insertFiles(ctx context.Context, tx *db.Tx, caseID, community, eventID int64, p *auth.Principal, files []checkedFile, public bool) error {
	for _, f := range files {
		sum := sha256.Sum256(f.data)
		if _, err := tx.ExecContext(ctx, `INSERT INTO case_file (case_id, community_id, event_id, name, content_type, size, sha256, data, public, created_at, created_by)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, caseID, community, nullInt(eventID), f.name, f.contentType, len(f.data), hex.EncodeToString(sum[:]), f.data,
			public, db.Now(), nullInt(p.UserID)); err != nil {
			return err
		}
	}
	return nil
}

// File is a stored file's description.
type File struct {
	ID          int64
	CaseID      int64
	EventID     int64
	Name        string
	ContentType string
	Size        int64
	Public      bool
	CreatedAt   int64
	CreatedBy   int64
}

// IsImage reports whether the file is a photo.
func (f *File) IsImage() bool { return IsImage(f.ContentType) }

// Files lists a case's files (residents: only the public ones, see files).
func (s *Service) Files(ctx context.Context, p *auth.Principal, caseID int64) ([]*File, error) {
	c, err := s.Get(ctx, p, caseID)
	if err != nil {
		return nil, err
	}
	return s.files(ctx, c.CommunityID, c.ID, !p.Can(PermRead), p.UserID)
}

// files lists a case's files; for the resident's view (public) only those
// shown to the public, named neutrally unless viewer uploaded them: a file's
// name is staff text ("刘洋现场核实.jpg").
func (s *Service) files(ctx context.Context, community, caseID int64, public bool, viewer int64) ([]*File, error) {
	q := `SELECT id, case_id, COALESCE(event_id, 0), name, content_type, size, public, created_at, COALESCE(created_by, 0) FROM case_file WHERE community_id = ? AND case_id = ?`
	if public {
		q += ` AND public = TRUE`
	}
	rows, err := s.DB.QueryContext(ctx, q+` ORDER BY id`, community, caseID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*File
	for rows.Next() {
		f := &File{}
		if err := rows.Scan(&f.ID, &f.CaseID, &f.EventID, &f.Name, &f.ContentType, &f.Size, &f.Public, &f.CreatedAt, &f.CreatedBy); err != nil {
			return nil, err
		}
		if public {
			f.hideName(viewer)
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// hideName replaces the name of a file the viewer did not upload with a
// neutral one ("照片-12.jpg").
func (f *File) hideName(viewer int64) {
	if viewer != 0 && f.CreatedBy == viewer {
		return
	}
	key := "cases.file_other"
	if f.IsImage() {
		key = "cases.file_photo"
	}
	f.Name = i18n.T(key, "id", f.ID) + path.Ext(f.Name)
}

// OpenFile returns a file and its bytes when p may read its case.
func (s *Service) OpenFile(ctx context.Context, p *auth.Principal, id int64) (*File, []byte, error) {
	if err := p.Require(PermFile); err != nil {
		return nil, nil, err
	}
	f := &File{}
	var data []byte
	err := s.DB.QueryRowContext(ctx, `SELECT id, case_id, COALESCE(event_id, 0), name, content_type, size, public, created_at, COALESCE(created_by, 0), data
		FROM case_file WHERE id = ?`, id).
		Scan(&f.ID, &f.CaseID, &f.EventID, &f.Name, &f.ContentType, &f.Size, &f.Public, &f.CreatedAt, &f.CreatedBy, &data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, auth.ErrNotFound
	}
	if err != nil {
		return nil, nil, err
	}
	if _, err := s.Get(ctx, p, f.CaseID); err != nil {
		return nil, nil, err
	}
	if !p.Can(PermRead) {
		if !f.Public {
			return nil, nil, auth.ErrNotFound
		}
		f.hideName(p.UserID)
	}
	return f, data, nil
}
