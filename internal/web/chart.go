package web

import (
	"fmt"
	"html"
	"html/template"
	"math"
	"strconv"
	"strings"

	"linli/internal/i18n"
)

// Charts are drawn on the server as inline SVG: no script, no outside file,
// readable on a 390 px phone (the drawing scales to the width, its text with
// it), printable, and each followed by its numbers as a table for screen
// readers and for anyone who would rather read than look.

// ChartKind is how a chart is drawn.
type ChartKind int

const (
	ChartLine ChartKind = iota // a line over time (months)
	ChartBars                  // horizontal bars, largest first
)

// Chart is one chart and its data.
type Chart struct {
	ID      string // element id, unique on the page
	Kind    ChartKind
	Title   string
	Def     string // 口径: what the figure counts, from the catalogue
	Caption string // the period or scope, shown small beside the title
	Label   string // header of the table's first column (月份, 网格)
	Value   string // header of the table's value column
	Points  []Point
	Percent bool   // values are percentages: the scale is 0–100 %
	Empty   string // said instead of a drawing when no point has a value above 0
}

// Point is one value of a chart.
type Point struct {
	Label string // short, on the axis (3月) or beside the bar
	Long  string // in the table (2026-03); Label when empty
	Value float64
	Text  string // the value as written ("93.5%"); formatted from Value when empty
	None  bool   // no value (a rate with nothing to divide): a gap in the line
	Href  string // where a bar leads (optional)
}

func (pt Point) text(percent bool) string {
	switch {
	case pt.None:
		return "—"
	case pt.Text != "":
		return pt.Text
	case percent:
		return strconv.FormatFloat(pt.Value, 'f', 1, 64) + "%"
	}
	return strconv.FormatFloat(pt.Value, 'f', -1, 64)
}

func (pt Point) long() string {
	if pt.Long != "" {
		return pt.Long
	}
	return pt.Label
}

// DefHTML is the 口径 of a figure as a small ⓘ that shows the definition on
// hover (its title) and on tap (a <details>, no script needed).
func DefHTML(def string) template.HTML {
	if def == "" {
		return ""
	}
	d := html.EscapeString(def)
	return template.HTML(`<details class="def"><summary title="` + d + `" aria-label="` + html.EscapeString(i18n.T("web.def")) + `">ⓘ</summary><span class="def-text">` + d + `</span></details>`)
}

// niceMax rounds v up to 1, 2 or 5 times a power of ten (at least 1).
func niceMax(v float64) float64 {
	if v <= 1 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if v <= m*p {
			return m * p
		}
	}
	return 10 * p
}

func num(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }

// HTML writes the chart: a figure with its caption, the SVG and the table.
func (c Chart) HTML() template.HTML {
	var b strings.Builder
	e := html.EscapeString
	fmt.Fprintf(&b, `<figure class="chart chart-%s" id="%s">`, map[ChartKind]string{ChartLine: "line", ChartBars: "bars"}[c.Kind], e(c.ID))
	fmt.Fprintf(&b, `<figcaption><span class="chart-title">%s</span>%s`, e(c.Title), DefHTML(c.Def))
	if c.Caption != "" {
		fmt.Fprintf(&b, ` <span class="muted">%s</span>`, e(c.Caption))
	}
	b.WriteString(`</figcaption>`)
	some := false
	for _, pt := range c.Points {
		some = some || (!pt.None && pt.Value > 0)
	}
	if !some && c.Empty != "" {
		fmt.Fprintf(&b, `<p class="muted chart-empty">%s</p>`, e(c.Empty))
	} else if c.Kind == ChartBars {
		c.bars(&b)
	} else {
		c.line(&b)
	}
	fmt.Fprintf(&b, `<details class="chart-data"><summary>%s</summary><table class="chart-table"><caption>%s</caption><thead><tr><th scope="col">%s</th><th scope="col">%s</th></tr></thead><tbody>`,
		e(i18n.T("web.chart_table")), e(c.Title), e(c.Label), e(c.Value))
	for _, pt := range c.Points {
		fmt.Fprintf(&b, `<tr><th scope="row">%s</th><td>%s</td></tr>`, e(pt.long()), e(pt.text(c.Percent)))
	}
	b.WriteString(`</tbody></table></details></figure>`)
	return template.HTML(b.String())
}

// Geometry of the drawings, in the SVG's own units (it scales to the width).
const (
	chartW      = 360.0
	lineH       = 170.0
	lineLeft    = 36.0
	lineRight   = 10.0
	lineTop     = 12.0
	lineBottom  = 24.0
	barRow      = 26.0
	barLabelW   = 118.0
	barValueW   = 34.0
	chartColor  = "#c8102e"
	chartMuted  = "#667085"
	chartGridln = "#d0d7de"
)

func (c Chart) svgOpen(b *strings.Builder, h float64) {
	e := html.EscapeString
	parts := make([]string, 0, len(c.Points))
	for _, pt := range c.Points {
		parts = append(parts, pt.long()+" "+pt.text(c.Percent))
	}
	fmt.Fprintf(b, `<svg class="chart-svg" viewBox="0 0 %s %s" width="100%%" preserveAspectRatio="xMinYMin meet" role="img" aria-labelledby="%s-t" font-size="11">`, num(chartW), num(h), e(c.ID))
	fmt.Fprintf(b, `<title id="%s-t">%s：%s</title>`, e(c.ID), e(c.Title), e(strings.Join(parts, "，")))
}

func (c Chart) line(b *strings.Builder) {
	e := html.EscapeString
	top := 0.0
	for _, pt := range c.Points {
		if !pt.None {
			top = math.Max(top, pt.Value)
		}
	}
	top = niceMax(top)
	if c.Percent {
		top = 100
	}
	c.svgOpen(b, lineH)
	plotW, plotH := chartW-lineLeft-lineRight, lineH-lineTop-lineBottom
	y := func(v float64) float64 { return lineTop + plotH - v/top*plotH }
	n := len(c.Points)
	x := func(i int) float64 {
		if n <= 1 {
			return lineLeft + plotW/2
		}
		return lineLeft + plotW*float64(i)/float64(n-1)
	}
	// Scale: 0, half and top, with light lines across.
	for _, v := range []float64{0, top / 2, top} {
		label := strconv.FormatFloat(v, 'f', -1, 64)
		if c.Percent {
			label += "%"
		}
		fmt.Fprintf(b, `<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="1"/>`, num(lineLeft), num(y(v)), num(chartW-lineRight), num(y(v)), chartGridln)
		fmt.Fprintf(b, `<text x="%s" y="%s" text-anchor="end" fill="%s">%s</text>`, num(lineLeft-4), num(y(v)+4), chartMuted, e(label))
	}
	// The line, broken where a value is missing.
	var path strings.Builder
	pen := false
	for i, pt := range c.Points {
		if pt.None {
			pen = false
			continue
		}
		if pen {
			path.WriteString(" L")
		} else {
			path.WriteString(" M")
		}
		fmt.Fprintf(&path, "%s %s", num(x(i)), num(y(pt.Value)))
		pen = true
	}
	if path.Len() > 0 {
		fmt.Fprintf(b, `<path d="%s" fill="none" stroke="%s" stroke-width="2" stroke-linejoin="round"/>`, strings.TrimSpace(path.String()), chartColor)
	}
	for i, pt := range c.Points {
		if !pt.None {
			fmt.Fprintf(b, `<circle class="pt" cx="%s" cy="%s" r="3" fill="%s"><title>%s %s</title></circle>`, num(x(i)), num(y(pt.Value)), chartColor, e(pt.long()), e(pt.text(c.Percent)))
		}
		fmt.Fprintf(b, `<text x="%s" y="%s" text-anchor="middle" fill="%s">%s</text>`, num(x(i)), num(lineH-6), chartMuted, e(pt.Label))
	}
	b.WriteString(`</svg>`)
}

func (c Chart) bars(b *strings.Builder) {
	e := html.EscapeString
	top := 0.0
	for _, pt := range c.Points {
		top = math.Max(top, pt.Value)
	}
	if top <= 0 {
		top = 1
	}
	h := barRow*float64(len(c.Points)) + 4
	c.svgOpen(b, h)
	full := chartW - barLabelW - barValueW
	for i, pt := range c.Points {
		y0 := 2 + barRow*float64(i)
		w := pt.Value / top * full
		if pt.Value > 0 {
			w = math.Max(w, 2)
		}
		label := []rune(pt.Label)
		if len(label) > 10 {
			label = append(label[:9], '…')
		}
		if pt.Href != "" {
			fmt.Fprintf(b, `<a href="%s">`, e(pt.Href))
		}
		fmt.Fprintf(b, `<text x="%s" y="%s" text-anchor="end" fill="#1f2328">%s</text>`, num(barLabelW-6), num(y0+barRow/2+4), e(string(label)))
		fmt.Fprintf(b, `<rect class="bar" x="%s" y="%s" width="%s" height="%s" rx="2" fill="%s"><title>%s %s</title></rect>`, num(barLabelW), num(y0+4), num(w), num(barRow-8), chartColor, e(pt.long()), e(pt.text(c.Percent)))
		fmt.Fprintf(b, `<text x="%s" y="%s" fill="%s">%s</text>`, num(barLabelW+w+4), num(y0+barRow/2+4), chartMuted, e(pt.text(c.Percent)))
		if pt.Href != "" {
			b.WriteString(`</a>`)
		}
	}
	b.WriteString(`</svg>`)
}
