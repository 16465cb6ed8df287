package workplans

import (
	"html/template"
	"strings"

	"linli/internal/docx"
	"linli/internal/i18n"
)

// Block is one part of a document as printed: a heading, a paragraph, the
// leading group's table or the tasks' table.
type Block struct {
	Kind string // "h1", "para", "empty", "group", "tasks"
	Text string
	HTML template.HTML // a paragraph with its figures linked
}

// Layout is the document's body in print order: each section's heading and
// paragraphs, the leading group's table after the 组织领导 section and the
// tasks' after the 工作任务 one (at the end when those headings are gone).
func (pl *Plan) Layout() []Block {
	var out []Block
	group, tasks := len(pl.Group) > 0, len(pl.Tasks) > 0
	figs := pl.Figures
	for _, sec := range pl.Sections {
		if sec.Heading != "" {
			out = append(out, Block{Kind: "h1", Text: sec.Heading})
		}
		lines := paragraphs(sec.Text)
		if len(lines) == 0 && sec.Heading != "" {
			out = append(out, Block{Kind: "empty", Text: i18n.T("workplans.empty_section")})
		}
		for _, l := range lines {
			var h template.HTML
			h, figs = Linked(l, figs)
			out = append(out, Block{Kind: "para", Text: l, HTML: h})
		}
		if group && sec.Heading == i18n.T("workplans.h.leadership") {
			out, group = append(out, Block{Kind: "group"}), false
		}
		if tasks && (sec.Heading == i18n.T("workplans.h.tasks") || sec.Heading == i18n.T("workplans.h.focus")) {
			out, tasks = append(out, Block{Kind: "tasks"}), false
		}
	}
	if group {
		out = append(out, Block{Kind: "h1", Text: i18n.T("workplans.group")}, Block{Kind: "group"})
	}
	if tasks {
		out = append(out, Block{Kind: "h1", Text: i18n.T("workplans.tasks")}, Block{Kind: "tasks"})
	}
	return out
}

func paragraphs(text string) []string {
	var out []string
	for _, l := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// Linked is paragraph text with the figures it quotes made links to where
// they are computed; a figure is found only as the draft wrote it (a number
// standing alone, " 12 " or " 93.5%"), so an edited sentence that no longer
// holds it simply has no link. It returns the figures not found, for the
// paragraphs after.
func Linked(text string, figs []Figure) (template.HTML, []Figure) {
	var b strings.Builder
	rest := text
	left := append([]Figure(nil), figs...)
	for {
		// The figure found first in what is left of the text (the earlier
		// listed on a tie).
		at, which := -1, -1
		for i, f := range left {
			if j := findFigure(rest, f.Text); j >= 0 && (at < 0 || j < at) {
				at, which = j, i
			}
		}
		if which < 0 {
			break
		}
		f := left[which]
		b.WriteString(template.HTMLEscapeString(rest[:at]))
		b.WriteString(`<a class="wp-figure" data-code="` + template.HTMLEscapeString(f.Code) + `" href="` + template.HTMLEscapeString(f.Href) + `" title="` +
			template.HTMLEscapeString(f.Name) + `">` + template.HTMLEscapeString(f.Text) + `</a>`)
		rest = rest[at+len(f.Text):]
		left = append(left[:which], left[which+1:]...)
	}
	b.WriteString(template.HTMLEscapeString(rest))
	return template.HTML(b.String()), left
}

// findFigure is where v stands alone in s: after a space and not followed
// by a digit or a point.
func findFigure(s, v string) int {
	if v == "" {
		return -1
	}
	for off := 0; ; {
		i := strings.Index(s[off:], " "+v)
		if i < 0 {
			return -1
		}
		at := off + i + 1
		end := at + len(v)
		if end == len(s) || !strings.ContainsRune("0123456789.", rune(s[end])) {
			return at
		}
		off = at
	}
}

// Docx is the document as a Word file.
func (pl *Plan) Docx(author string) ([]byte, error) {
	d := docx.New(pl.Title, author)
	d.Heading(pl.Title)
	if pl.DocNumber != "" {
		d.Number(pl.DocNumber)
	}
	if pl.Theme != "" {
		d.Line(i18n.T("workplans.theme") + "：" + pl.Theme)
	}
	for _, b := range pl.Layout() {
		switch b.Kind {
		case "h1":
			d.H1(b.Text)
		case "para":
			d.Para(b.Text)
		case "group":
			rows := make([][]string, 0, len(pl.Group))
			for _, m := range pl.Group {
				rows = append(rows, []string{m.Role, m.Name, m.Unit})
			}
			d.Table([]string{i18n.T("workplans.role"), i18n.T("workplans.name"), i18n.T("workplans.member_unit")}, rows, []int{2, 2, 5})
		case "tasks":
			rows := make([][]string, 0, len(pl.Tasks))
			for _, t := range pl.Tasks {
				rows = append(rows, []string{t.Department, t.Content, t.Owner, t.Deadline, i18n.T("workplans.status." + t.Status)})
			}
			d.Table([]string{i18n.T("workplans.department"), i18n.T("workplans.content"), i18n.T("workplans.owner"), i18n.T("workplans.deadline"),
				i18n.T("workplans.status")}, rows, []int{2, 6, 2, 3, 2})
		}
	}
	return d.Bytes()
}
