package registry

import (
	"html"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"linli/internal/i18n"
	"linli/internal/web"
)

// The resident list on a phone: the search box and a 筛选 button first (the
// filters folded behind it), the filters in use as chips that remove them,
// compact two-line rows, 20 a page and 加载更多. The page size is the one thing
// the server must know the device for; everything else is CSS by width.

// Page sizes of the resident list.
const (
	listPerPage      = 50
	listPerPagePhone = 20
)

// phoneClient tells a phone by its request: the client hint Sec-CH-UA-Mobile
// where the browser sends one, otherwise "Mobi" in the User-Agent (iPhone,
// Android phones, WeChat's browser; not tablets), as MDN recommends.
func phoneClient(r *http.Request) bool {
	switch r.Header.Get("Sec-CH-UA-Mobile") {
	case "?1":
		return true
	case "?0":
		return false
	}
	return strings.Contains(r.Header.Get("User-Agent"), "Mobi")
}

// listPageSize is the resident list's page size for the request.
func listPageSize(r *http.Request) int {
	if phoneClient(r) {
		return listPerPagePhone
	}
	return listPerPage
}

// filterChip is a filter in use, with the list's address without it.
type filterChip struct {
	Label     string
	RemoveURL template.URL
}

// filterChips lists the filters in use (the search word is in its box, the
// sort is no filter), labelled as their choices are.
func filterChips(v url.Values, d *listData) []filterChip {
	without := func(keys ...string) template.URL {
		q := url.Values{}
		for k, vs := range v {
			q[k] = vs
		}
		for _, k := range append(keys, "page", "fragment", "fopen") {
			q.Del(k)
		}
		if len(q) == 0 {
			return "/registry"
		}
		return template.URL("/registry?" + q.Encode())
	}
	chosen := func(opts []web.Option) string {
		for _, o := range opts {
			if o.Selected && o.Value != "" {
				return o.Label
			}
		}
		return ""
	}
	var out []filterChip
	add := func(key, label, value string) {
		if value != "" {
			out = append(out, filterChip{Label: label + "：" + value, RemoveURL: without(key)})
		}
	}
	if v.Get("org") != "" {
		add("org", i18n.T("org.level.community"), chosen(d.Communities))
	}
	if v.Get("grid") != "" {
		add("grid", i18n.T("org.level.grid"), chosen(d.Grids))
	}
	if v.Get("estate") != "" {
		add("estate", i18n.T("registry.estate"), chosen(d.Estates))
	}
	if v.Get("building") != "" {
		add("building", i18n.T("registry.building"), chosen(d.Buildings))
	}
	if v.Get("tag") != "" {
		add("tag", i18n.T("registry.tags"), chosen(d.Tags))
	}
	if n := ParseAge(v.Get("age_min")); n >= 0 {
		add("age_min", i18n.T("registry.age_min"), strconv.Itoa(n))
	}
	if n := ParseAge(v.Get("age_max")); n >= 0 {
		add("age_max", i18n.T("registry.age_max"), strconv.Itoa(n))
	}
	if sx := v.Get("sex"); sx == "M" || sx == "F" {
		add("sex", i18n.T("registry.sex"), i18n.T("registry.sex."+sx))
	}
	if v.Get("residence_type") != "" {
		add("residence_type", i18n.T("registry.residence_type"), chosen(d.ResidenceTypes))
	}
	switch st := v.Get("status"); st {
	case "", StatusActive:
	case "all":
		add("status", i18n.T("registry.status"), i18n.T("registry.status_all"))
	default:
		add("status", i18n.T("registry.status"), chosen(d.Statuses))
	}
	if truthy(v.Get("head")) {
		out = append(out, filterChip{Label: i18n.T("registry.head_only"), RemoveURL: without("head")})
	}
	return out
}

// loadMoreHTML writes the phone list's foot: the total and, while there is a
// next page, 加载更多 — a link to it, which app.js turns into rows appended in
// place (it asks for the same address with fragment=rows).
func loadMoreHTML(pg pageNav) template.HTML {
	var b strings.Builder
	b.WriteString(`<div class="loadmore noprint" id="load-more"><span class="muted">`)
	b.WriteString(html.EscapeString(i18n.T("common.total", "n", pg.Total)))
	b.WriteString(`</span>`)
	if pg.PrevURL != "" {
		b.WriteString(` <a href="`)
		b.WriteString(html.EscapeString(string(pg.PrevURL)))
		b.WriteString(`" rel="prev">`)
		b.WriteString(html.EscapeString(i18n.T("common.prev")))
		b.WriteString(`</a>`)
	}
	if pg.NextURL != "" {
		b.WriteString(`<a class="button wide" href="`)
		b.WriteString(html.EscapeString(string(pg.NextURL)))
		b.WriteString(`" rel="next" data-load-more="people">`)
		b.WriteString(html.EscapeString(i18n.T("registry.load_more")))
		b.WriteString(`</a>`)
	}
	b.WriteString(`</div>`)
	return template.HTML(b.String())
}

// writeRowsFragment answers fragment=rows: only the page's rows (in a table,
// so that they parse as rows) and the foot with the link to the page after,
// without the layout or the filters' choices. The list was read exactly as
// the whole page reads it: same filter, scope, page size and paging.
func writeRowsFragment(w http.ResponseWriter, rows template.HTML, n int, pg pageNav) error {
	var b strings.Builder
	b.WriteString(`<table><tbody>`)
	if n > 0 {
		b.WriteString(string(rows))
	}
	b.WriteString(`</tbody></table>`)
	b.WriteString(string(loadMoreHTML(pg)))
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Vary", "User-Agent, Sec-CH-UA-Mobile")
	_, err := w.Write([]byte(b.String()))
	return err
}
