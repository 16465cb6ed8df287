package registry

import (
	"net/http"
	"strconv"
	"strings"

	"linli/internal/auth"
	"linli/internal/i18n"
	"linli/internal/web"
)

// Group administration for the system administrator.

type tagsData struct {
	Tags          []*Tag
	Tag           *Tag // the group being edited
	Roles         []auth.Role
	Lines         []string
	Sensitivities []int
}

func newTagsData() tagsData {
	return tagsData{Roles: TagRoles, Lines: auth.Lines, Sensitivities: Sensitivities}
}

func tagInputFrom(r *http.Request) TagInput {
	atoi := func(k string, def int) int {
		v := strings.TrimSpace(r.PostFormValue(k))
		if v == "" {
			return def
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			return -1
		}
		return n
	}
	return TagInput{Code: r.PostFormValue("code"), Name: r.PostFormValue("name"), Sensitivity: atoi("sensitivity", 0),
		Roles: r.PostForm["roles"], Lines: r.PostForm["lines"], Sort: atoi("sort", 0), Active: truthy(r.PostFormValue("active"))}
}

func (h *webHandlers) renderTags(w http.ResponseWriter, r *http.Request, p *auth.Principal, errs *i18n.Errors) error {
	d := newTagsData()
	var err error
	if d.Tags, err = h.s.AllTags(r.Context(), p); err != nil {
		return err
	}
	v := web.View{Title: i18n.T("registry.tags_admin"), ActiveNav: "/registry/tags", Data: d, Errors: errs}
	if errs.Any() {
		v.Form = r.PostForm
	}
	return h.srv.Render(w, r, "registry/tags.html", v)
}

func (h *webHandlers) tagsPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	return h.renderTags(w, r, p, nil)
}

func (h *webHandlers) tagCreate(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	in := tagInputFrom(r)
	_, err := h.s.CreateTag(r.Context(), p, in)
	if verrs, ok := validationErrors(err); ok {
		return h.renderTags(w, r, p, verrs)
	}
	if err != nil {
		return err
	}
	return h.srv.Redirect(w, r, "/registry/tags", i18n.T("registry.tag_saved", "name", strings.TrimSpace(in.Name)))
}

func (h *webHandlers) renderTag(w http.ResponseWriter, r *http.Request, p *auth.Principal, id int64, errs *i18n.Errors) error {
	t, err := h.s.GetTag(r.Context(), p, id)
	if err != nil {
		return err
	}
	d := newTagsData()
	d.Tag = t
	v := web.View{Title: i18n.T("registry.tag_edit") + " · " + t.Name, ActiveNav: "/registry/tags", Data: d, Errors: errs}
	if errs.Any() {
		v.Form = r.PostForm
	}
	return h.srv.Render(w, r, "registry/tag_form.html", v)
}

func (h *webHandlers) tagPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	return h.renderTag(w, r, p, id, nil)
}

func (h *webHandlers) tagUpdate(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	in := tagInputFrom(r)
	err = h.s.UpdateTag(r.Context(), p, id, in)
	if verrs, ok := validationErrors(err); ok {
		return h.renderTag(w, r, p, id, verrs)
	}
	if err != nil {
		return err
	}
	return h.srv.Redirect(w, r, "/registry/tags", i18n.T("registry.tag_saved", "name", strings.TrimSpace(in.Name)))
}
