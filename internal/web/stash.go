package web

import (
	"net/http"
	"net/url"
	"sync"
	"time"

	"linli/internal/auth"
	"linli/internal/i18n"
)

// A refused form answered with post/redirect/get: the handler stashes what was
// typed and the field problems, redirects (303) to the page the form lives on,
// and that page takes them back once and shows the form re-filled with its
// errors. A refresh then reloads the page instead of posting again.
//
// Stashes are kept in this server's memory, for their session only, for a few
// minutes and taken once; values are cut as a re-rendered page cuts them
// (clipForm). The problems also go in the flash cookie, so that behind several
// servers without sticky sessions the page still says what was wrong.

const (
	stashCookie = "linli_form"
	stashTTL    = 10 * time.Minute
	stashMax    = 2000
)

type stashEntry struct {
	owner string // the session's CSRF token: only that session takes it back
	path  string // the page it is for
	form  url.Values
	errs  *i18n.Errors
	note  string // what the handler needs to reopen its form (which step)
	at    time.Time
}

type formStash struct {
	mu sync.Mutex
	m  map[string]stashEntry
}

func (f *formStash) put(key string, e stashEntry) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.m == nil {
		f.m = map[string]stashEntry{}
	}
	if len(f.m) >= stashMax {
		for k, old := range f.m {
			if time.Since(old.at) > stashTTL || len(f.m) >= stashMax {
				delete(f.m, k)
			}
		}
	}
	f.m[key] = e
}

func (f *formStash) take(key string) (stashEntry, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	e, ok := f.m[key]
	delete(f.m, key)
	return e, ok && time.Since(e.at) <= stashTTL
}

// RedirectRefused answers a refused form post with 303 to the page at to,
// keeping form and errs for that page (TakeRefused) and note for the handler.
func (s *Server) RedirectRefused(w http.ResponseWriter, r *http.Request, to string, form url.Values, errs *i18n.Errors, note string) error {
	p, _ := r.Context().Value(principalKey{}).(*auth.Principal)
	if p != nil && p.CSRF != "" {
		key := auth.NewToken()
		path := to
		if u, err := url.Parse(to); err == nil {
			path = u.Path
		}
		s.stash.put(key, stashEntry{owner: p.CSRF, path: path, form: clipForm(form, errs), errs: errs, note: note, at: time.Now()})
		http.SetCookie(w, &http.Cookie{Name: stashCookie, Value: key, Path: "/", HttpOnly: true, Secure: s.cookieSecure(r), SameSite: http.SameSiteLaxMode, MaxAge: int(stashTTL / time.Second)})
	}
	return s.Redirect(w, r, to, errs.Error())
}

// TakeRefused returns, once, the form and problems RedirectRefused kept for
// this page and session.
func (s *Server) TakeRefused(w http.ResponseWriter, r *http.Request) (form url.Values, errs *i18n.Errors, note string, ok bool) {
	c, err := r.Cookie(stashCookie)
	if err != nil || c.Value == "" {
		return nil, nil, "", false
	}
	p, _ := r.Context().Value(principalKey{}).(*auth.Principal)
	e, found := s.stash.take(c.Value)
	http.SetCookie(w, &http.Cookie{Name: stashCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: s.cookieSecure(r), SameSite: http.SameSiteLaxMode})
	if !found || p == nil || e.owner != p.CSRF || e.path != r.URL.Path {
		return nil, nil, "", false
	}
	return e.form, e.errs, e.note, true
}
