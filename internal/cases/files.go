package cases

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"path"

	"linli/internal/auth"
	"linli/internal/db"
	"linli/internal/i18n"
	"linli/internal/uploads"
)

// Upload is a file as received.
type Upload = uploads.File

// MaxFilesPerStep bounds the files attached in one step.
const MaxFilesPerStep = 9

// checkUploads recognises and bounds the files of one step, adding a message
// naming each refused file to errs.
func (s *Service) checkUploads(files []Upload, errs *i18n.Errors) []uploads.Checked {
	return uploads.Check(errs, files, uploads.Rules{Field: "files", Max: MaxFilesPerStep, MaxBytes: s.maxFile()})
}

func insertFiles(ctx context.Context, tx *db.Tx, caseID, community, eventID int64, p *auth.Principal, files []uploads.Checked, public bool) error {
	for _, f := range files {
		sum := sha256.Sum256(f.Data)
		if _, err := tx.ExecContext(ctx, `INSERT INTO case_file (case_id, community_id, event_id, name, content_type, size, sha256, data, public, created_at, created_by)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, caseID, community, nullInt(eventID), f.Name, f.ContentType, len(f.Data), hex.EncodeToString(sum[:]), f.Data,
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
func (f *File) IsImage() bool { return uploads.IsImage(f.ContentType) }

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
