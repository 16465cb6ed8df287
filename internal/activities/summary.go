package activities

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"linli/internal/audit"
	"linli/internal/auth"
	"linli/internal/db"
	"linli/internal/i18n"
	"linli/internal/uploads"
)

// The summary (小结) is the activity's record: what happened (text), its
// photos and materials (sign-in sheet scans, handouts), and beside them the
// participants' feedback. It may be edited until the activity is reported.

// Kinds of a summary's files.
const (
	FilePhoto    = "photo"
	FileMaterial = "material"
)

// Bounds of a summary's files: at most this many of each kind in all.
const (
	MaxPhotos        = 9
	MaxPhotoBytes    = 5 << 20
	MaxMaterials     = 9
	MaxMaterialBytes = 10 << 20
)

// File is a photo or material of an activity's summary (without its bytes).
type File struct {
	CommunityID, ActivityID int64
	Seq                     int
	Kind                    string
	Name                    string
	ContentType             string
	Bytes                   int64
	CreatedAt               int64
}

// URL is where staff open the file.
func (f *File) URL() string {
	return fmt.Sprintf("/activities/%d/summary/files/%d", f.ActivityID, f.Seq)
}

// PortalURL is where a resident sees a photo.
func (f *File) PortalURL() string {
	return fmt.Sprintf("/portal/activities/%d/photos/%d", f.ActivityID, f.Seq)
}

// IsPhoto reports whether the file is one of the summary's photos.
func (f *File) IsPhoto() bool { return f.Kind == FilePhoto }

// SummaryInput is a summary written or edited: its text, files to add and
// the numbers (Seq) of files to remove.
type SummaryInput struct {
	Text      string
	Photos    []uploads.File
	Materials []uploads.File
	Remove    []int
}

// Summarise writes the summary (小结) of an activity that has begun, text
// only.
func (s *Service) Summarise(ctx context.Context, p *auth.Principal, id int64, text string) error {
	_, err := s.WriteSummary(ctx, p, id, SummaryInput{Text: text})
	return err
}

// WriteSummary writes or edits the summary of an activity that has begun
// (and is not yet reported): the text, the files added and removed and the
// status change in one transaction, the audit entry last. A refused file
// refuses everything. It returns the names of the files removed.
func (s *Service) WriteSummary(ctx context.Context, p *auth.Principal, id int64, in SummaryInput) ([]string, error) {
	a, err := s.managed(ctx, p, id)
	if err != nil {
		return nil, err
	}
	text := strings.TrimSpace(in.Text)
	errs := &i18n.Errors{}
	if errs.Required("summary", i18n.T("activities.summary"), text) {
		errs.MaxLen("summary", i18n.T("activities.summary"), text, maxText)
	}
	photos := uploads.Check(errs, in.Photos, uploads.Rules{Field: "photos", Max: MaxPhotos, MaxBytes: MaxPhotoBytes, PhotosOnly: true})
	materials := uploads.Check(errs, in.Materials, uploads.Rules{Field: "materials", Max: MaxMaterials, MaxBytes: MaxMaterialBytes})
	if errs.Any() {
		return nil, errs
	}
	if !a.Access.Summary {
		return nil, ErrState
	}
	remove := slices.Compact(slices.Sorted(slices.Values(in.Remove)))
	now := s.now().UnixMilli()
	var removed []string
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		removed = nil
		// The row's UPDATE comes first: it locks the activity, so two edits
		// at once take their turns, and hands out the files' numbers.
		n := len(photos) + len(materials)
		var last int
		err := tx.QueryRowContext(ctx, `UPDATE activity SET status = ?, summary = ?, summary_at = ?, summary_by = ?, file_seq = file_seq + ?, updated_at = ?
			WHERE community_id = ? AND id = ? AND status IN (?, ?, ?) RETURNING file_seq`,
			StatusSummarised, text, now, p.UserID, n, now, a.CommunityID, a.ID, StatusPublished, StatusHeld, StatusSummarised).Scan(&last)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrState
		}
		if err != nil {
			return err
		}
		if len(remove) > 0 {
			seqs := make([]int64, len(remove))
			for i, q := range remove {
				seqs[i] = int64(q)
			}
			set, args := s.DB.Dialect().IDSet("seq", seqs)
			args = append([]any{a.CommunityID, a.ID}, args...)
			rows, err := tx.QueryContext(ctx, `SELECT name FROM activity_file WHERE community_id = ? AND activity_id = ? AND `+set+` ORDER BY seq`, args...)
			if err != nil {
				return err
			}
			for rows.Next() {
				var name string
				if err := rows.Scan(&name); err != nil {
					rows.Close()
					return err
				}
				removed = append(removed, name)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			if len(removed) != len(remove) {
				// A file already gone (removed by someone else): say so
				// rather than remove the rest of the choice.
				e := &i18n.Errors{}
				e.Add("remove", "activities.err_file_gone")
				return e
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM activity_file WHERE community_id = ? AND activity_id = ? AND `+set, args...); err != nil {
				return err
			}
		}
		if n > 0 {
			kept := map[string]int{}
			rows, err := tx.QueryContext(ctx, `SELECT kind, COUNT(*) FROM activity_file WHERE community_id = ? AND activity_id = ? GROUP BY kind`, a.CommunityID, a.ID)
			if err != nil {
				return err
			}
			for rows.Next() {
				var k string
				var c int
				if err := rows.Scan(&k, &c); err != nil {
					rows.Close()
					return err
				}
				kept[k] = c
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			e := &i18n.Errors{}
			if len(photos) > 0 && kept[FilePhoto]+len(photos) > MaxPhotos {
				e.Add("photos", "activities.err_photos_total", "max", MaxPhotos, "have", kept[FilePhoto])
			}
			if len(materials) > 0 && kept[FileMaterial]+len(materials) > MaxMaterials {
				e.Add("materials", "activities.err_materials_total", "max", MaxMaterials, "have", kept[FileMaterial])
			}
			if e.Any() {
				return e
			}
		}
		seq := last - n
		for _, f := range []struct {
			kind  string
			files []uploads.Checked
		}{{FilePhoto, photos}, {FileMaterial, materials}} {
			for _, c := range f.files {
				seq++
				if _, err := tx.ExecContext(ctx, `INSERT INTO activity_file (community_id, activity_id, seq, kind, name, content_type, bytes, data, created_by, created_at)
					VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, a.CommunityID, a.ID, seq, f.kind, c.Name, c.ContentType, len(c.Data), c.Data, p.UserID, now); err != nil {
					return err
				}
			}
		}
		// Keys the audit page names (web's audit.field.*): files added and
		// the names of those removed.
		detail := map[string]any{}
		if n > 0 {
			detail["files"] = n
		}
		if len(removed) > 0 {
			detail["removed"] = strings.Join(removed, "、")
		}
		return s.Audit.Record(ctx, tx, audit.Event(p, "activities.summarise", "activity", a.ID, a.CommunityID, audit.Success).WithDetail(detail))
	})
	if err != nil {
		return nil, err
	}
	return removed, nil
}

const fileCols = `community_id, activity_id, seq, kind, name, content_type, bytes, created_at`

func scanFile(sc interface{ Scan(...any) error }) (*File, error) {
	f := &File{}
	err := sc.Scan(&f.CommunityID, &f.ActivityID, &f.Seq, &f.Kind, &f.Name, &f.ContentType, &f.Bytes, &f.CreatedAt)
	return f, err
}

// Files lists the summary's files of a, an activity p was given (by Get or
// PortalGet): photos first, then materials, each in the order added.
func (s *Service) Files(ctx context.Context, a *Activity) ([]*File, error) {
	rows, err := s.DB.QueryContext(ctx, `SELECT `+fileCols+` FROM activity_file WHERE community_id = ? AND activity_id = ?
		ORDER BY CASE kind WHEN 'photo' THEN 0 ELSE 1 END, seq`, a.CommunityID, a.ID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*File
	for rows.Next() {
		f, err := scanFile(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// OpenFile reads file seq of an activity p may see; any other is not found.
func (s *Service) OpenFile(ctx context.Context, p *auth.Principal, id int64, seq int) (*File, []byte, error) {
	a, err := s.Get(ctx, p, id)
	if err != nil {
		return nil, nil, err
	}
	return s.openFile(ctx, a, seq, "")
}

// PortalPhoto reads photo seq of a summarised (or reported) activity p, a
// resident, may see; materials stay with staff.
func (s *Service) PortalPhoto(ctx context.Context, p *auth.Principal, id int64, seq int) (*File, []byte, error) {
	a, err := s.PortalGet(ctx, p, id)
	if err != nil {
		return nil, nil, err
	}
	if !PortalShowsPhotos(a) {
		return nil, nil, auth.ErrNotFound
	}
	return s.openFile(ctx, a, seq, FilePhoto)
}

// PortalShowsPhotos says whether residents see an activity's photos: once
// it is summarised.
func PortalShowsPhotos(a *Activity) bool {
	return a.Status == StatusSummarised || a.Status == StatusReported
}

func (s *Service) openFile(ctx context.Context, a *Activity, seq int, kind string) (*File, []byte, error) {
	if seq <= 0 {
		return nil, nil, auth.ErrNotFound
	}
	f := &File{}
	var data []byte
	err := s.DB.QueryRowContext(ctx, `SELECT `+fileCols+`, data FROM activity_file WHERE community_id = ? AND activity_id = ? AND seq = ?`, a.CommunityID, a.ID, seq).
		Scan(&f.CommunityID, &f.ActivityID, &f.Seq, &f.Kind, &f.Name, &f.ContentType, &f.Bytes, &f.CreatedAt, &data)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && kind != "" && f.Kind != kind) {
		return nil, nil, auth.ErrNotFound
	}
	if err != nil {
		return nil, nil, err
	}
	return f, data, nil
}

// Feedback is the participants' feedback on an activity: how many rated
// it, the average satisfaction (1–5) and their comments.
type Feedback struct {
	Count    int
	Average  float64
	Comments []string
}

// AverageText is the average as people read it ("4.5").
func (f Feedback) AverageText() string { return fmt.Sprintf("%.1f", math.Round(f.Average*10)/10) }

// FeedbackOf gathers the feedback on a, an activity p was given by Get.
func (s *Service) FeedbackOf(ctx context.Context, p *auth.Principal, a *Activity) (Feedback, error) {
	var fb Feedback
	if err := p.Require(PermRead); err != nil {
		return fb, err
	}
	rows, err := s.DB.QueryContext(ctx, `SELECT satisfaction, feedback FROM activity_signup WHERE community_id = ? AND activity_id = ?
		AND (satisfaction > 0 OR feedback <> '') ORDER BY updated_at, person_id`, a.CommunityID, a.ID)
	if err != nil {
		return fb, err
	}
	defer rows.Close()
	sum := 0
	for rows.Next() {
		var sat int
		var text string
		if err := rows.Scan(&sat, &text); err != nil {
			return fb, err
		}
		if sat > 0 {
			fb.Count++
			sum += sat
		}
		if text != "" {
			fb.Comments = append(fb.Comments, text)
		}
	}
	if fb.Count > 0 {
		fb.Average = float64(sum) / float64(fb.Count)
	}
	return fb, rows.Err()
}
