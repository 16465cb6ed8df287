package registry

import (
	"html"
	"html/template"
	"strconv"
	"strings"
	"time"

	"linli/internal/i18n"
)

// peopleRows writes the body rows of the resident list. It is the one piece
// of markup built in Go rather than in a template: fifty rows of nine cells
// cost html/template about two milliseconds of reflection per request, more
// than the database, on the page workers open most. Every value goes through
// html.EscapeString; the markup matches the table head in list.html.
func peopleRows(people []*Person, now time.Time) template.HTML {
	if len(people) == 0 {
		return template.HTML(`<tr><td colspan="9" class="muted">` + html.EscapeString(i18n.T("registry.no_people")) + `</td></tr>`)
	}
	label := func(key string) string { return html.EscapeString(i18n.T(key)) }
	lName, lSex, lAge, lID, lPhone := label("registry.name"), label("registry.sex"), label("registry.age"), label("registry.id_number"), label("registry.phone")
	lAddress, lHousehold, lResidence, lTags := label("registry.address"), label("registry.household"), label("registry.residence_type"), label("registry.tags")
	var b strings.Builder
	b.Grow(len(people) * 640) // a row is about 500 bytes
	// Each cell has a class: on a phone the row shows the name, then sex,
	// age, address and groups on a second line (app.css, "phone registry").
	cell := func(class, lbl string) {
		b.WriteString(`<td class="`)
		b.WriteString(class)
		b.WriteString(`" data-label="`)
		b.WriteString(lbl)
		b.WriteString(`">`)
	}
	text := func(s string) { b.WriteString(html.EscapeString(s)) }
	for _, p := range people {
		b.WriteString("<tr>\n")
		cell("c-name", lName)
		b.WriteString(`<a href="/registry/people/`)
		b.WriteString(strconv.FormatInt(p.ID, 10))
		b.WriteString(`">`)
		text(p.Name)
		b.WriteString(`</a>`)
		if p.Status != StatusActive {
			b.WriteString(` <span class="badge">`)
			text(i18n.T("registry.status." + p.Status))
			b.WriteString(`</span>`)
		}
		b.WriteString("</td>\n")
		cell("c-sex", lSex)
		if p.Sex != "" {
			text(i18n.T("registry.sex." + p.Sex))
		}
		b.WriteString("</td>\n")
		cell("c-age", lAge)
		if p.BirthDate != "" {
			text(i18n.T("registry.age_years", "n", p.Age(now)))
		}
		b.WriteString("</td>\n")
		cell("c-id", lID)
		text(p.IDMask)
		b.WriteString("</td>\n")
		cell("c-phone", lPhone)
		text(p.PhoneMask)
		b.WriteString("</td>\n")
		cell("c-addr", lAddress)
		if p.Address != "" {
			// Broken only between its parts: "翠苑一区 1幢", never "1" / "幢".
			b.WriteString(`<span class="addr">`)
			text(p.Address)
			b.WriteString(`</span>`)
		} else {
			b.WriteString(`<span class="muted">`)
			text(i18n.T("registry.no_dwelling"))
			b.WriteString(`</span>`)
		}
		b.WriteString("</td>\n")
		cell("c-household", lHousehold)
		if p.HouseholdID != 0 {
			b.WriteString(`<a href="/registry/households/`)
			b.WriteString(strconv.FormatInt(p.HouseholdID, 10))
			b.WriteString(`">`)
			if p.HouseholdNumber != "" {
				text(p.HouseholdNumber)
			} else {
				text(i18n.T("registry.household_file"))
			}
			b.WriteString(`</a>`)
			if p.Relation != "" {
				b.WriteString(` · `)
				text(i18n.T("registry.relation." + p.Relation))
			}
		}
		b.WriteString("</td>\n")
		cell("c-residence", lResidence)
		text(i18n.T("registry.residence." + p.ResidenceType))
		b.WriteString("</td>\n")
		cell("c-tags", lTags)
		for _, t := range p.Tags {
			b.WriteString(`<span class="badge`)
			if t.Sensitivity != 0 {
				b.WriteString(` warn`)
			}
			b.WriteString(`">`)
			text(t.Name)
			b.WriteString(`</span> `)
		}
		b.WriteString("</td>\n</tr>\n")
	}
	return template.HTML(b.String())
}
