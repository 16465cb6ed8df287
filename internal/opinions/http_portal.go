package opinions

import (
	"errors"
	"net/http"
	"time"

	"linli/internal/auth"
	"linli/internal/i18n"
	"linli/internal/org"
	"linli/internal/web"
)

// The portal: a resident gives an opinion, logged in (and reads the answers
// to their own) or as an anonymous visitor (who gets a receipt code to read
// the answer with). Anonymous pages are public: their form carries the
// pre-login CSRF token like the login form, and submissions are limited per
// address (and per account), since nobody stands behind them.

// Portal limits: submissions per window, per address or account.
const (
	portalLimit  = 5
	portalWindow = 10 * time.Minute
)

func (s *Service) portalRoutes(srv *web.Server, h *handlers) {
	srv.Page("GET", "/portal/opinions", PermPortal, "", h.portalList)
	srv.Page("GET", "/portal/opinions/new", PermPortal, "", h.portalNew)
	srv.Page("POST", "/portal/opinions", PermPortal, "", h.portalCreate)
	srv.Page("GET", "/portal/opinions/{id}", PermPortal, "op_opinion", h.portalOpinion)
	srv.Handle(web.Route{Method: "GET", Pattern: "/portal/opinions/say", Public: true}, h.sayPage)
	srv.Handle(web.Route{Method: "POST", Pattern: "/portal/opinions/say", Public: true}, h.say)
	srv.Handle(web.Route{Method: "GET", Pattern: "/portal/opinions/receipt", Public: true}, h.receiptPage)
}

type portalData struct {
	Opinions    []*Opinion
	O           *Opinion
	Communities []*org.Unit
	Categories  []string
	Anonymous   bool   // the visitor is not logged in
	Receipt     string // the code just given
}

func (h *handlers) portalList(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	list, err := h.s.ListOwn(r.Context(), p)
	if err != nil {
		return err
	}
	return h.srv.Render(w, r, "opinions/portal_list.html", web.View{Title: i18n.T("opinions.portal_title"), ActiveNav: "/portal/opinions",
		Data: portalData{Opinions: list}})
}

func (h *handlers) renderPortalNew(w http.ResponseWriter, r *http.Request, p *auth.Principal, anonymous bool, errs *i18n.Errors) error {
	// Community names are public; a resident's account reaches no org unit,
	// so the list is read as the program itself.
	comms, err := h.s.Org.InScope(r.Context(), auth.System("portal"), org.Community)
	if err != nil {
		return err
	}
	v := web.View{Title: i18n.T("opinions.portal_new"), ActiveNav: "/portal/opinions", Errors: errs,
		Data: portalData{Communities: comms, Categories: Categories, Anonymous: anonymous}}
	if errs.Any() {
		v.Form = r.PostForm
	}
	return h.srv.Render(w, r, "opinions/portal_new.html", v)
}

func (h *handlers) portalNew(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	return h.renderPortalNew(w, r, p, false, nil)
}

func portalInput(r *http.Request) PortalInput {
	return PortalInput{CommunityID: web.QueryID(r.PostForm, "community_id"), Category: r.PostFormValue("category"), Content: r.PostFormValue("content"),
		Name: r.PostFormValue("name"), Anonymous: r.PostFormValue("anonymous") == "1", Phone: r.PostFormValue("phone")}
}

// tooOften is the form's answer to one submission too many.
func tooOften() *i18n.Errors {
	errs := &i18n.Errors{}
	errs.Add("content", "opinions.err_too_often")
	return errs
}

func (h *handlers) portalCreate(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	if !h.s.Allow("user:"+itoa(p.UserID), portalLimit, portalWindow) {
		return h.renderPortalNew(w, r, p, false, tooOften())
	}
	id, _, err := h.s.CreatePortal(r.Context(), p, portalInput(r))
	var verrs *i18n.Errors
	if errors.As(err, &verrs) {
		return h.renderPortalNew(w, r, p, false, verrs)
	}
	if err != nil {
		return err
	}
	return h.srv.Redirect(w, r, "/portal/opinions/"+itoa(id), i18n.T("opinions.portal_thanks"))
}

func (h *handlers) portalOpinion(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	o, _, err := h.s.Get(r.Context(), p, id)
	if err != nil {
		return err
	}
	return h.srv.Render(w, r, "opinions/portal_opinion.html", web.View{Title: i18n.T("opinions.one"), ActiveNav: "/portal/opinions", Data: portalData{O: o}})
}

// resident is p when p is a logged-in resident; anyone else on the public
// pages gives an opinion as an anonymous visitor.
func resident(p *auth.Principal) *auth.Principal {
	if p != nil && p.Can(PermPortal) {
		return p
	}
	return nil
}

func (h *handlers) sayPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	if resident(p) != nil {
		http.Redirect(w, r, "/portal/opinions/new", http.StatusSeeOther)
		return nil
	}
	return h.renderPortalNew(w, r, nil, true, nil)
}

func (h *handlers) say(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	if p = resident(p); p != nil {
		return h.portalCreate(w, r, p)
	}
	if !h.s.Allow("ip:"+h.srv.ClientIP(r), portalLimit, portalWindow) {
		return h.renderPortalNew(w, r, nil, true, tooOften())
	}
	in := portalInput(r)
	id, code, err := h.s.CreatePortal(r.Context(), nil, in)
	var verrs *i18n.Errors
	if errors.As(err, &verrs) {
		return h.renderPortalNew(w, r, nil, true, verrs)
	}
	if err != nil {
		return err
	}
	o, err := h.s.ByReceipt(r.Context(), code)
	if err != nil || o.ID != id {
		return errors.Join(err, errors.New("opinions: the receipt does not find its opinion"))
	}
	// The code is shown once, on this answer to the post: it is not put in
	// an address that a browser's history or a referrer would keep.
	return h.srv.Render(w, r, "opinions/receipt.html", web.View{Title: i18n.T("opinions.receipt_title"), Data: portalData{O: o, Receipt: code, Anonymous: true}})
}

func (h *handlers) receiptPage(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	code := r.URL.Query().Get("code")
	d := portalData{Anonymous: true}
	if code != "" {
		o, err := h.s.ByReceipt(r.Context(), code)
		if err != nil && !errors.Is(err, auth.ErrNotFound) {
			return err
		}
		d.O = o
		if o == nil {
			errs := &i18n.Errors{}
			errs.Add("code", "opinions.err_receipt")
			return h.srv.RenderStatus(w, r, http.StatusNotFound, "opinions/receipt.html", web.View{Title: i18n.T("opinions.receipt_title"), Data: d, Errors: errs})
		}
	}
	return h.srv.Render(w, r, "opinions/receipt.html", web.View{Title: i18n.T("opinions.receipt_title"), Data: d})
}
