package activities

import (
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"linli/internal/auth"
	"linli/internal/i18n"
	"linli/internal/locale"
	"linli/internal/uploads"
	"linli/internal/web"
)

// The summary's files: staff open photos (inline) and materials (as
// downloads) of an activity they see; residents see a summarised
// activity's photos on the portal.
func (s *Service) summaryRoutes(srv *web.Server, h *handlers) {
	srv.Page("GET", "/activities/{id}/summary/files/{seq}", PermRead, "activity", h.file)
	srv.Page("GET", "/portal/activities/{id}/photos/{seq}", PermPortal, "activity", h.portalPhoto)
}

// summaryInput reads the summary form: urlencoded (text only) or multipart
// with photos, materials and the files chosen for removal.
func summaryInput(r *http.Request) (SummaryInput, error) {
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		if err := r.ParseMultipartForm(8 << 20); err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				return SummaryInput{}, err
			}
			return SummaryInput{}, i18n.NewError("bad_request", "err.bad_request")
		}
	}
	in := SummaryInput{Text: r.PostFormValue("summary")}
	var err error
	if in.Photos, err = uploads.FromForm(r, "photos", MaxPhotoBytes); err != nil {
		return in, err
	}
	if in.Materials, err = uploads.FromForm(r, "materials", MaxMaterialBytes); err != nil {
		return in, err
	}
	for _, v := range r.PostForm["remove"] {
		if n, err := strconv.Atoi(v); err == nil && n > 0 {
			in.Remove = append(in.Remove, n)
		}
	}
	return in, nil
}

// summarise handles the summary op: the flash names the files removed.
func (h *handlers) summarise(r *http.Request, p *auth.Principal, id int64) (string, error) {
	in, err := summaryInput(r)
	if err != nil {
		return "", err
	}
	removed, err := h.s.WriteSummary(r.Context(), p, id, in)
	if err != nil || len(removed) == 0 {
		return i18n.T("activities.done.summary"), err
	}
	return i18n.T("activities.summary_removed", "n", len(removed), "names", strings.Join(removed, "、")), nil
}

func seqOf(r *http.Request) int {
	n, err := strconv.Atoi(r.PathValue("seq"))
	if err != nil {
		return 0
	}
	return n
}

// file serves a summary's file to those who may see the activity. Its type
// was recognised from its bytes on upload: never HTML or script. Photos
// show inline, materials download under their cleaned name.
func (h *handlers) file(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	f, data, err := h.s.OpenFile(r.Context(), p, id, seqOf(r))
	if err != nil {
		return err
	}
	return serveFile(w, f, data)
}

func (h *handlers) portalPhoto(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	f, data, err := h.s.PortalPhoto(r.Context(), p, id, seqOf(r))
	if err != nil {
		return err
	}
	return serveFile(w, f, data)
}

func serveFile(w http.ResponseWriter, f *File, data []byte) error {
	disp := "attachment"
	if f.IsPhoto() && uploads.IsImage(f.ContentType) {
		disp = "inline"
	}
	w.Header().Set("Content-Type", f.ContentType)
	w.Header().Set("Content-Disposition", disp+"; filename*=UTF-8''"+url.PathEscape(f.Name))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; img-src 'self'; sandbox")
	w.Header().Set("Cache-Control", "private, max-age=86400")
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	_, err := w.Write(data)
	return err
}

// summaryData adds the summary's files and the feedback to an activity's
// page.
func (h *handlers) summaryData(r *http.Request, p *auth.Principal, d *pageData) error {
	var err error
	if d.Files, err = h.s.Files(r.Context(), d.A); err != nil {
		return err
	}
	d.Feedback, err = h.s.FeedbackOf(r.Context(), p, d.A)
	return err
}

// Photos and Materials split the page's files by kind.
func (d pageData) Photos() []*File    { return filesOf(d.Files, FilePhoto) }
func (d pageData) Materials() []*File { return filesOf(d.Files, FileMaterial) }

func filesOf(fs []*File, kind string) []*File {
	var out []*File
	for _, f := range fs {
		if f.Kind == kind {
			out = append(out, f)
		}
	}
	return out
}

// The summary form's file inputs: what they accept and their bounds.
func (pageData) PhotoAccept() string     { return uploads.PhotoAccept }
func (pageData) DocumentAccept() string  { return uploads.DocumentAccept }
func (pageData) MaxPhotos() int          { return MaxPhotos }
func (pageData) MaxMaterials() int       { return MaxMaterials }
func (pageData) MaxPhotoSize() string    { return locale.HumanBytes(MaxPhotoBytes) }
func (pageData) MaxMaterialSize() string { return locale.HumanBytes(MaxMaterialBytes) }

// FileJSON is one of the summary's files: its number, kind (photo,
// material), name and address.
type FileJSON struct {
	ID   int    `json:"id"`
	Kind string `json:"kind"`
	Name string `json:"name"`
	URL  string `json:"url"`
}

// withFiles is one activity with its summary's files (its GET).
func withFiles(a *Activity, files []*File) any {
	out := struct {
		JSON
		Files []FileJSON `json:"files"`
	}{JSON: toJSON(a), Files: make([]FileJSON, 0, len(files))}
	for _, f := range files {
		out.Files = append(out.Files, FileJSON{ID: f.Seq, Kind: f.Kind, Name: f.Name, URL: f.URL()})
	}
	return out
}

// fileReq is a file sent in JSON: its name (for messages and downloads)
// and its bytes in base64.
type fileReq struct {
	Name string `json:"name"`
	Data string `json:"data"`
}

// maxSummaryJSON bounds a summary's JSON body: all its files in base64 and
// the text.
const maxSummaryJSON = (MaxPhotos*MaxPhotoBytes+MaxMaterials*MaxMaterialBytes)*4/3 + 1<<20

// decodeFiles reads the base64 files of field, naming each one that is not
// base64.
func decodeFiles(errs *i18n.Errors, field string, in []fileReq) []uploads.File {
	var out []uploads.File
	for i, f := range in {
		data, err := base64.StdEncoding.DecodeString(f.Data)
		if err != nil {
			data, err = base64.RawStdEncoding.DecodeString(f.Data)
		}
		if err != nil {
			errs.Add(field, "activities.err_file_data", "n", i+1, "name", uploads.CleanName(f.Name))
			continue
		}
		out = append(out, uploads.File{Name: f.Name, Data: data})
	}
	return out
}

// apiSummary writes or edits the summary: {"summary", "photos", "materials",
// "remove"}; the answer is the activity with its files.
func (s *Service) apiSummary(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	var req struct {
		Summary   string    `json:"summary"`
		Photos    []fileReq `json:"photos"`
		Materials []fileReq `json:"materials"`
		Remove    []int     `json:"remove"`
	}
	if err := web.DecodeJSONLimit(r, &req, maxSummaryJSON); err != nil {
		return err
	}
	errs := &i18n.Errors{}
	in := SummaryInput{Text: req.Summary, Photos: decodeFiles(errs, "photos", req.Photos), Materials: decodeFiles(errs, "materials", req.Materials), Remove: req.Remove}
	if errs.Any() {
		return errs
	}
	if _, err := s.WriteSummary(r.Context(), p, id, in); err != nil {
		return err
	}
	return s.apiGet(w, r, p)
}
