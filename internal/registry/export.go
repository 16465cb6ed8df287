package registry

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"time"

	"linli/internal/audit"
	"linli/internal/auth"
	"linli/internal/i18n"
	"linli/internal/identity"
	"linli/internal/importexport"
	"linli/internal/places"
)

// ParseFilter reads a list filter from query parameters, as the resident list,
// the export and GET /api/v1/people take them: q, org, grid, estate, building,
// tag, age_min, age_max, sex, residence_type, head, status, sort.
func ParseFilter(q url.Values) Filter {
	id := func(k string) int64 {
		n, _ := strconv.ParseInt(strings.TrimSpace(q.Get(k)), 10, 64)
		return n
	}
	head := q.Get("head")
	return Filter{
		Q: q.Get("q"), OrgID: id("org"), GridID: id("grid"), EstateID: id("estate"), BuildingID: id("building"), DwellingID: id("dwelling"),
		Tag: strings.TrimSpace(q.Get("tag")), AgeMin: ParseAge(q.Get("age_min")), AgeMax: ParseAge(q.Get("age_max")),
		Sex: q.Get("sex"), ResidenceType: q.Get("residence_type"), HeadOnly: head == "1" || head == "true" || head == "on",
		Status: q.Get("status"), Sort: q.Get("sort"),
	}
}

// describe says in words what a filter selects, for the export's info line:
// names, never codes or ids (a group by its name, a place by its address).
func (s *Service) describe(ctx context.Context, pr *auth.Principal, f Filter) string {
	var parts []string
	add := func(label, v string) {
		if v != "" {
			parts = append(parts, label+"："+v)
		}
	}
	add(i18n.T("common.search"), f.Q)
	for _, id := range []int64{f.OrgID, f.GridID} {
		if u, ok := s.Org.Lookup(ctx, id); ok && id != 0 {
			add(i18n.T("org.unit"), u.Name)
		}
	}
	switch {
	case f.DwellingID != 0:
		if d, err := s.Places.GetDwelling(ctx, pr, f.DwellingID); err == nil {
			add(i18n.T("registry.dwelling"), d.Address())
		}
	case f.BuildingID != 0:
		if b, err := s.Places.GetBuilding(ctx, pr, f.BuildingID); err == nil {
			add(i18n.T("registry.building"), places.JoinAddress(b.EstateName, b.Name))
		}
	case f.EstateID != 0:
		if e, err := s.Places.GetEstate(ctx, pr, f.EstateID); err == nil {
			add(i18n.T("registry.estate"), e.Name)
		}
	}
	if f.Tag != "" {
		name := f.Tag
		if t, err := s.visibleTag(ctx, pr, f.Tag); err == nil {
			name = t.Name
		}
		add(i18n.T("registry.tags"), name)
	}
	if f.AgeMin >= 0 || f.AgeMax >= 0 {
		lo, hi := "", ""
		if f.AgeMin >= 0 {
			lo = strconv.Itoa(f.AgeMin)
		}
		if f.AgeMax >= 0 {
			hi = strconv.Itoa(f.AgeMax)
		}
		add(i18n.T("registry.age"), lo+"–"+hi)
	}
	if f.Sex != "" {
		add(i18n.T("registry.sex"), i18n.T("registry.sex."+f.Sex))
	}
	if f.ResidenceType != "" {
		add(i18n.T("registry.residence_type"), i18n.T("registry.residence."+f.ResidenceType))
	}
	switch f.Status {
	case "":
	case "all":
		add(i18n.T("registry.status"), i18n.T("registry.status_all"))
	default:
		add(i18n.T("registry.status"), label("registry.status.", f.Status))
	}
	if f.HeadOnly {
		parts = append(parts, i18n.T("registry.head"))
	}
	return strings.Join(parts, "，")
}

// exportHeaders are the columns of a resident export.
func exportHeaders() []string {
	keys := []string{"registry.name", "registry.sex", "registry.birth_date", "registry.age", "registry.id_type", "registry.id_number", "registry.phone",
		"registry.ethnicity", "registry.political", "registry.education", "registry.marital", "registry.household_number", "registry.relation",
		"registry.residence_type", "org.level.grid", "registry.address", "registry.hukou_address", "registry.employer", "registry.tags", "registry.status", "registry.extra", "common.remark"}
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = i18n.T(k)
	}
	return out
}

func label(prefix, code string) string {
	if code == "" {
		return ""
	}
	return i18n.T(prefix + code)
}

// Export writes every person matching f to w as xlsx (or csv), masked unless
// unmasked is asked for by someone allowed to reveal. Only the groups the viewer
// may see are written. The export is audited with its filter and size. Rows are
// read in pages by id so that memory stays flat for a million rows; an xlsx past
// 1,048,576 rows continues on another sheet.
func (s *Service) Export(ctx context.Context, pr *auth.Principal, f Filter, format string, unmasked bool, reason string, w io.Writer) (int, error) {
	job, err := s.PrepareExport(ctx, pr, f, format, unmasked, reason)
	if err != nil {
		return 0, err
	}
	return job.Write(ctx, w)
}

// ExportJob is an export that has been allowed: PrepareExport decides
// everything that can refuse it, once, and Write only writes (an error there
// can only cut the file short).
type ExportJob struct {
	s        *Service
	pr       *auth.Principal
	f        Filter
	q        *query
	format   string
	unmasked bool
	reason   string
}

// PrepareExport checks the permissions (PermExport, and PermReveal with a
// reason for full values) and the filter, and builds the scoped query.
func (s *Service) PrepareExport(ctx context.Context, pr *auth.Principal, f Filter, format string, unmasked bool, reason string) (*ExportJob, error) {
	if err := pr.Require(PermExport); err != nil {
		return nil, err
	}
	if unmasked {
		if err := pr.Require(PermReveal); err != nil {
			return nil, err
		}
		if strings.TrimSpace(reason) == "" {
			e := &i18n.Errors{}
			e.Add("reason", "err.required", "field", i18n.T("registry.reason"))
			return nil, e
		}
	}
	q, err := s.build(ctx, pr, f)
	if err != nil {
		return nil, err
	}
	return &ExportJob{s: s, pr: pr, f: f, q: q, format: format, unmasked: unmasked, reason: reason}, nil
}

// Write writes the export to w and records it in the audit log.
func (j *ExportJob) Write(ctx context.Context, w io.Writer) (int, error) {
	s, pr, f, q, format, unmasked, reason := j.s, j.pr, j.f, j.q, j.format, j.unmasked, j.reason
	var err error
	_, who, _, _ := pr.AuditActor()
	meta := importexport.Meta{Title: i18n.T("registry.people"), ExportedBy: fmt.Sprintf("%s（%s）", pr.DisplayName, who), ExportedAt: time.Now().In(shanghai), Masked: !unmasked, Filter: s.describe(ctx, pr, f)}
	var out importexport.RowWriter
	if format == "csv" {
		out, err = importexport.NewCSVWriter(w, meta, exportHeaders())
	} else {
		out, err = importexport.NewWriter(w, meta, exportHeaders())
	}
	if err != nil {
		return 0, err
	}
	gridNames := map[int64]string{}
	gridName := func(id int64) string {
		if id == 0 {
			return ""
		}
		if n, ok := gridNames[id]; ok {
			return n
		}
		u, _ := s.Org.Lookup(ctx, id)
		name := ""
		if u != nil {
			name = u.Name
		}
		gridNames[id] = name
		return name
	}
	now := s.now()
	count := 0
	if !q.empty {
		const page = 2000
		var last int64
		for {
			rows, err := s.DB.QueryContext(ctx, personSelect+` WHERE `+q.sql()+` AND p.id > ? ORDER BY p.id LIMIT ?`, append(append([]any{}, q.args...), last, page)...)
			if err != nil {
				return count, err
			}
			var batch []*Person
			for rows.Next() {
				p, err := scanPerson(rows)
				if err != nil {
					rows.Close()
					return count, err
				}
				batch = append(batch, p)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return count, err
			}
			if len(batch) == 0 {
				break
			}
			if err := s.attachTags(ctx, s.DB.Reader(), pr, batch); err != nil {
				return count, err
			}
			full := map[int64][2]string{}
			if unmasked {
				if full, err = s.openDocuments(ctx, batch); err != nil {
					return count, err
				}
			}
			for _, p := range batch {
				idv, phone := p.IDMask, p.PhoneMask
				if unmasked {
					idv, phone = full[p.ID][0], full[p.ID][1]
				}
				var tags []string
				for _, t := range p.Tags {
					tags = append(tags, t.Name)
				}
				age := ""
				if p.BirthDate != "" {
					age = strconv.Itoa(p.Age(now))
				}
				var extra []string
				for k, v := range p.Extra {
					extra = append(extra, k+"："+v)
				}
				if err := out.Write(p.Name, label("registry.sex.", p.Sex), p.BirthDate, age, identity.KindLabel(p.IDType), idv, phone,
					p.Ethnicity, label("registry.political.", p.Political), label("registry.education.", p.Education), label("registry.marital.", p.Marital),
					p.HouseholdNumber, label("registry.relation.", p.Relation), label("registry.residence.", p.ResidenceType), gridName(p.GridID), p.Address,
					p.HukouAddress, p.Employer, strings.Join(tags, "、"), label("registry.status.", p.Status), strings.Join(extra, "；"), p.Remark); err != nil {
					return count, err
				}
				count++
			}
			last = batch[len(batch)-1].ID
			if len(batch) < page {
				break
			}
		}
	}
	if err := out.Close(); err != nil {
		return count, err
	}
	action := "person.export"
	if unmasked {
		action = "person.export_unmasked"
	}
	detail := map[string]any{"rows": count, "filter": meta.Filter, "format": format}
	if unmasked {
		detail["reason"] = truncate(reason, 200)
	}
	return count, s.Audit.RecordAlone(ctx, s.DB, audit.Event(pr, action, "person", "", 0, audit.Success).WithDetail(detail))
}

// openDocuments decrypts the ID numbers and phones of a page of people.
func (s *Service) openDocuments(ctx context.Context, batch []*Person) (map[int64][2]string, error) {
	ids := make([]int64, len(batch))
	for i, p := range batch {
		ids[i] = p.ID
	}
	in, args := s.DB.IDsIn("id", ids)
	rows, err := s.DB.QueryContext(ctx, `SELECT id, id_enc, phone_enc FROM reg_person WHERE `+in, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64][2]string{}
	for rows.Next() {
		var id int64
		var ie, pe []byte
		if err := rows.Scan(&id, &ie, &pe); err != nil {
			return nil, err
		}
		idv, err := s.Keys.Open(ie, "reg_person.id_number")
		if err != nil {
			return nil, err
		}
		ph, err := s.Keys.Open(pe, "reg_person.phone")
		if err != nil {
			return nil, err
		}
		out[id] = [2]string{idv, ph}
	}
	return out, rows.Err()
}
