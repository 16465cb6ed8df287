package registry

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"linli/internal/auth"
	"linli/internal/i18n"
	"linli/internal/identity"
	"linli/internal/web"
)

// revealedValues are a person's full documents, shown once on the response to
// an explicit, audited request: never in a URL, a redirect or a flash.
type revealedValues struct {
	IDNumber, Phone string
}

type personData struct {
	Person     *Person
	Now        time.Time
	Today      string
	Household  *Household // nil without one, or when it lies outside the scope
	Others     []*Person  // the household's other active members
	NeedsHead  bool       // the person heads a household that others stay in
	Residences []Residence
	Timeline   []Event
	Rentals    []*Rental
	TagChoices []*Tag
	HasTag     map[int64]bool
	Relations  []string // relations other than 本人
	Revealed   *revealedValues
	Pick       dwellingPicker
	Failed     string // the form whose errors are shown: reveal, tags, move, leave
	Op         string // the change form shown on its own page: tags, move, leave
	Related    []RelatedSection
	LeaveKinds []string
	// The phone view's extras.
	BuildingID     int64
	ResidenceTypes []string
}

// personOps are the person's change operations, each a form on a page of its
// own (GET shows it, POST does it, on the same path).
var personOps = []string{"tags", "move", "leave"}

var _ = i18n.Family("registry.person_op.", personOps...)

// otherRelations are the relations a member may have to someone else who heads
// the household.
func otherRelations() []string { return Relations[1:] }

// tagChoices are the groups a user may set on a person: the visible active ones,
// plus inactive ones the person still has (so that saving keeps them).
func (h *webHandlers) tagChoices(ctx context.Context, p *auth.Principal, person *Person) ([]*Tag, map[int64]bool, error) {
	visible, err := h.s.VisibleTags(ctx, p)
	if err != nil {
		return nil, nil, err
	}
	has := map[int64]bool{}
	if person != nil {
		for _, t := range person.Tags {
			has[t.ID] = true
		}
	}
	var out []*Tag
	for _, t := range visible {
		if t.Active || has[t.ID] {
			out = append(out, t)
		}
	}
	return out, has, nil
}

// loadPerson gathers what the person page (op "") or one of its change forms
// shows; op "grid" is the phone view's quick-edit page.
func (h *webHandlers) loadPerson(ctx context.Context, p *auth.Principal, r *http.Request, id int64, op string) (*personData, error) {
	person, err := h.s.GetPerson(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if slices.Contains(personOps, op) && !(person.Access.Write && person.Status == StatusActive) {
		return nil, auth.ErrForbidden
	}
	d := &personData{Person: person, Op: op, Now: h.s.now(), Today: h.today(), Relations: otherRelations(), LeaveKinds: []string{EventMoveOut, EventDeath}, ResidenceTypes: ResidenceTypes}
	if person.HouseholdID != 0 {
		hh, err := h.s.GetHousehold(ctx, p, person.HouseholdID)
		switch {
		case err == nil:
			d.Household = hh
			for _, m := range hh.Members {
				if m.ID != person.ID && m.Status == StatusActive {
					d.Others = append(d.Others, m)
				}
			}
			d.NeedsHead = hh.HeadID == person.ID && len(d.Others) > 0
		case !errors.Is(err, auth.ErrNotFound):
			return nil, err
		}
	}
	switch op {
	case "":
		if d.Residences, err = h.s.Residences(ctx, person.CommunityID, id); err != nil {
			return nil, err
		}
		if d.Timeline, err = h.s.Timeline(ctx, person.CommunityID, id, 0, 100); err != nil {
			return nil, err
		}
		if d.Rentals, err = h.s.RentalsOf(ctx, p, person.CommunityID, id); err != nil {
			return nil, err
		}
		if d.Related, err = h.related(ctx, p, 0, []int64{id}); err != nil {
			return nil, err
		}
	case "tags", "grid": // the phone view's page edits the groups too
		if d.TagChoices, d.HasTag, err = h.tagChoices(ctx, p, person); err != nil {
			return nil, err
		}
	case "move":
		if d.Pick, err = h.picker(ctx, p, r, "move", person.DwellingID); err != nil {
			return nil, err
		}
		if d.Pick.Community == 0 {
			d.Pick.Community = person.CommunityID
			d.Pick.CommunityLevel = h.s.AccessAt(p, person.CommunityID, 0).Write
		}
	}
	return d, nil
}

// renderPerson shows the person page, or the page of the change form named by
// form (tags, move, leave) re-filled after errors or a step of the picker.
func (h *webHandlers) renderPerson(w http.ResponseWriter, r *http.Request, p *auth.Principal, id int64, form string, errs *i18n.Errors, revealed *revealedValues) error {
	op := ""
	if slices.Contains(personOps, form) {
		op = form
	}
	d, err := h.loadPerson(r.Context(), p, r, id, op)
	if err != nil {
		return err
	}
	d.Revealed = revealed
	if errs.Any() {
		d.Failed = form
	}
	title, page := d.Person.Name, "registry/person.html"
	if op != "" {
		title, page = i18n.T("registry.person_op."+op)+" · "+d.Person.Name, "registry/person_op.html"
	}
	v := web.View{Title: title, ActiveNav: "/registry", Data: d, Errors: errs}
	if errs.Any() || (op != "" && r.Method == http.MethodPost) {
		v.Form = r.PostForm
	}
	return h.srv.Render(w, r, page, v)
}

func (h *webHandlers) personPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	return h.renderPerson(w, r, p, id, "", nil, nil)
}

// personOpPage shows one change form (GET /registry/people/{id}/{op}).
func (h *webHandlers) personOpPage(op string) func(http.ResponseWriter, *http.Request, *auth.Principal) error {
	return func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
		id, err := web.PathID(r, "id")
		if err != nil {
			return err
		}
		return h.renderPerson(w, r, p, id, op, nil, nil)
	}
}

// personReveal shows the full ID number and phone once, on this response only.
func (h *webHandlers) personReveal(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := h.s.GetPerson(r.Context(), p, id); err != nil {
		return err
	}
	reason := strings.TrimSpace(r.PostFormValue("reason"))
	errs := &i18n.Errors{}
	if errs.Required("reason", i18n.T("registry.reveal_reason"), reason) {
		errs.MaxLen("reason", i18n.T("registry.reveal_reason"), reason, 200)
	}
	if errs.Any() {
		return h.renderPerson(w, r, p, id, "reveal", errs, nil)
	}
	idNumber, phone, err := h.s.Reveal(r.Context(), p, id, reason)
	if err != nil {
		return err
	}
	return h.renderPerson(w, r, p, id, "", nil, &revealedValues{IDNumber: idNumber, Phone: phone})
}

// fromGrid reports whether a form was posted from the phone view, which wants
// its own page back.
func fromGrid(r *http.Request) bool { return r.PostFormValue("from") == "grid" }

// backAfter is where a successful person action returns to.
func (h *webHandlers) backAfter(ctx context.Context, p *auth.Principal, r *http.Request, id int64) string {
	if fromGrid(r) {
		if person, err := h.s.GetPerson(ctx, p, id); err == nil && person.DwellingID != 0 {
			if d, err := h.s.Places.GetDwelling(ctx, p, person.DwellingID); err == nil {
				return "/registry/grid/buildings/" + itoa(d.BuildingID)
			}
		}
	}
	return personURL(id)
}

// failPerson re-renders the page a person form came from with its errors.
func (h *webHandlers) failPerson(w http.ResponseWriter, r *http.Request, p *auth.Principal, id int64, form string, err error) error {
	verrs, ok := validationErrors(err)
	if !ok {
		return err
	}
	if fromGrid(r) {
		return h.renderGridPerson(w, r, p, id, form, verrs)
	}
	return h.renderPerson(w, r, p, id, form, verrs, nil)
}

func (h *webHandlers) personTags(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := h.s.GetPerson(r.Context(), p, id); err != nil {
		return err
	}
	if err := h.s.SetTags(r.Context(), p, id, r.PostForm["tags"]); err != nil {
		return h.failPerson(w, r, p, id, "tags", err)
	}
	return h.srv.Redirect(w, r, h.backAfter(r.Context(), p, r, id), i18n.T("common.saved"))
}

func (h *webHandlers) personMove(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	person, err := h.s.GetPerson(r.Context(), p, id)
	if err != nil {
		return err
	}
	if pickStep(r) {
		return h.renderPerson(w, r, p, id, "move", nil, nil)
	}
	dwelling := postID(r, "dwelling_id")
	community := int64(0)
	if dwelling == 0 && truthy(r.PostFormValue("community_level")) {
		community = person.CommunityID
	}
	if err := h.s.MovePerson(r.Context(), p, id, dwelling, community, strings.TrimSpace(r.PostFormValue("on"))); err != nil {
		return h.failPerson(w, r, p, id, "move", err)
	}
	return h.srv.Redirect(w, r, personURL(id), i18n.T("registry.moved"))
}

// relationsFrom reads relation_<id> for each member (blank = keep the relation).
func relationsFrom(r *http.Request, members []*Person) map[int64]string {
	out := map[int64]string{}
	for _, m := range members {
		if v := strings.TrimSpace(r.PostFormValue("relation_" + itoa(m.ID))); v != "" {
			out[m.ID] = v
		}
	}
	return out
}

func (h *webHandlers) personLeave(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	ctx := r.Context()
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	person, err := h.s.GetPerson(ctx, p, id)
	if err != nil {
		return err
	}
	l := Leave{Kind: r.PostFormValue("kind"), On: strings.TrimSpace(r.PostFormValue("on")), Destination: strings.TrimSpace(r.PostFormValue("destination")),
		Reason: r.PostFormValue("reason"), NewHead: postID(r, "new_head")}
	if person.HouseholdID != 0 {
		if hh, err := h.s.GetHousehold(ctx, p, person.HouseholdID); err == nil {
			l.Relations = relationsFrom(r, hh.Members)
		}
	}
	back := h.backAfter(ctx, p, r, id)
	if err := h.s.Depart(ctx, p, id, l); err != nil {
		return h.failPerson(w, r, p, id, "leave", err)
	}
	msg := i18n.T("registry.left_moved_out", "name", person.Name)
	if l.Kind == EventDeath {
		msg = i18n.T("registry.left_deceased", "name", person.Name)
	}
	return h.srv.Redirect(w, r, back, msg)
}

// ---- create and edit ----

type personFormData struct {
	Person         *Person    // being edited; nil when new
	Household      *Household // being joined
	Households     []HouseholdOption
	Pick           dwellingPicker
	Tags           []*Tag
	Checked        map[string]bool
	IDTypes        []string
	Relations      []string
	ResidenceTypes []string
	Politicals     []string
	Educations     []string
	Maritals       []string
	Ethnicities    []string
	Events         []string
	DerivedFromID  bool // sex and birth date come from the ID number on file
	Today          string
}

func (h *webHandlers) formData(ctx context.Context, p *auth.Principal, person *Person) (*personFormData, error) {
	d := &personFormData{Person: person, IDTypes: identity.Kinds, Relations: otherRelations(), ResidenceTypes: ResidenceTypes, Politicals: Politicals,
		Educations: Educations, Maritals: Maritals, Ethnicities: Ethnicities, Events: []string{EventRegister, EventBirth, EventMoveIn}, Today: h.today(), Checked: map[string]bool{}}
	var err error
	if d.Tags, _, err = h.tagChoices(ctx, p, person); err != nil {
		return nil, err
	}
	if person != nil {
		for _, t := range person.Tags {
			d.Checked[t.Code] = true
		}
		d.DerivedFromID = person.IDMask != "" && (person.IDType == identity.KindIDCard || person.IDType == identity.KindHMTResidence)
	}
	return d, nil
}

// renderNew shows the new-person form: into a household (?household=), at a
// dwelling (?dwelling=), or anywhere through the dwelling picker.
func (h *webHandlers) renderNew(w http.ResponseWriter, r *http.Request, p *auth.Principal, errs *i18n.Errors) error {
	ctx := r.Context()
	d, err := h.formData(ctx, p, nil)
	if err != nil {
		return err
	}
	hhID, dwelling := queryID(r.URL.Query(), "household"), queryID(r.URL.Query(), "dwelling")
	if r.Method == http.MethodPost {
		// The form joining a household carries it hidden and has no picker;
		// the picker's form may name a household there, chosen in a select.
		hhID, dwelling = 0, postID(r, "dwelling_id")
		if !r.PostForm.Has("pick_b") {
			hhID = postID(r, "household_id")
		}
	}
	if hhID != 0 {
		if d.Household, err = h.s.GetHousehold(ctx, p, hhID); err != nil {
			return err
		}
		dwelling = d.Household.DwellingID
	}
	if d.Pick, err = h.picker(ctx, p, r, "place", dwelling); err != nil {
		return err
	}
	if d.Household == nil {
		if d.Households, err = h.s.HouseholdsAt(ctx, p, d.Pick.Dwelling); err != nil {
			return err
		}
	}
	kept := errs.Any() || r.Method == http.MethodPost // refused, or a step of the picker
	if kept {
		for _, c := range r.PostForm["tags"] {
			d.Checked[c] = true
		}
	}
	v := web.View{Title: i18n.T("registry.person_new"), ActiveNav: "/registry", Data: d, Errors: errs}
	if kept {
		v.Form = r.PostForm
	}
	return h.srv.Render(w, r, "registry/person_form.html", v)
}

func (h *webHandlers) personNew(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	return h.renderNew(w, r, p, nil)
}

func personInputFrom(r *http.Request) PersonInput {
	f := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	return PersonInput{Name: f("name"), Sex: f("sex"), BirthDate: f("birth_date"), IDType: f("id_type"), IDNumber: f("id_number"), Phone: f("phone"),
		Ethnicity: f("ethnicity"), Political: f("political"), Education: f("education"), Marital: f("marital"), Employer: f("employer"),
		HukouAddress: f("hukou_address"), ResidenceType: f("residence_type"), Remark: f("remark"), Tags: r.PostForm["tags"],
		HouseholdNumber: f("household_number"), Relation: f("relation"), Since: f("since"), Event: f("event")}
}

func (h *webHandlers) personCreate(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	ctx := r.Context()
	if pickStep(r) {
		return h.renderNew(w, r, p, nil)
	}
	in := personInputFrom(r)
	if hh := postID(r, "household_id"); hh != 0 {
		household, err := h.s.GetHousehold(ctx, p, hh)
		if err != nil {
			return err
		}
		in.HouseholdID, in.DwellingID, in.CommunityID = household.ID, household.DwellingID, household.CommunityID
	} else {
		in.NewHousehold = true
		in.DwellingID = postID(r, "dwelling_id")
		if in.DwellingID == 0 && truthy(r.PostFormValue("community_level")) {
			in.CommunityID = postID(r, "community_id")
		}
	}
	if err := h.checkDwelling(ctx, p, in.DwellingID); err != nil {
		return err
	}
	id, err := h.s.CreatePerson(ctx, p, in)
	if verrs, ok := validationErrors(err); ok {
		return h.renderNew(w, r, p, verrs)
	}
	if err != nil {
		return err
	}
	return h.srv.Redirect(w, r, personURL(id), i18n.T("registry.person_created", "name", in.Name))
}

func (h *webHandlers) renderEdit(w http.ResponseWriter, r *http.Request, p *auth.Principal, person *Person, errs *i18n.Errors) error {
	d, err := h.formData(r.Context(), p, person)
	if err != nil {
		return err
	}
	v := web.View{Title: i18n.T("registry.person_edit") + " · " + person.Name, ActiveNav: "/registry", Data: d, Errors: errs}
	if errs.Any() {
		v.Form = r.PostForm
	}
	return h.srv.Render(w, r, "registry/person_form.html", v)
}

// editable loads a person the user may change: the routes that call it need
// PermWrite, and GetPerson reads in scope, so a person outside it is not found.
func (h *webHandlers) editable(ctx context.Context, p *auth.Principal, r *http.Request) (*Person, error) {
	id, err := web.PathID(r, "id")
	if err != nil {
		return nil, err
	}
	return h.s.GetPerson(ctx, p, id)
}

func (h *webHandlers) personEdit(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	person, err := h.editable(r.Context(), p, r)
	if err != nil {
		return err
	}
	return h.renderEdit(w, r, p, person, nil)
}

func (h *webHandlers) personUpdate(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	person, err := h.editable(r.Context(), p, r)
	if err != nil {
		return err
	}
	in := personInputFrom(r)
	err = h.s.UpdatePerson(r.Context(), p, person.ID, in)
	if verrs, ok := validationErrors(err); ok {
		return h.renderEdit(w, r, p, person, verrs)
	}
	if err != nil {
		return err
	}
	return h.srv.Redirect(w, r, personURL(person.ID), i18n.T("common.saved"))
}
