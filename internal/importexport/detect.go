package importexport

import (
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"linli/internal/i18n"
)

// Field is one column a ledger may have.
type Field struct {
	Key      string   // stable code name, e.g. "id_number"
	Label    string   // canonical Chinese header, e.g. "身份证号"
	Synonyms []string // other headers seen in real ledgers: "公民身份号码", "身份证号码", "证件号码"
	Required bool
}

// Mapping says which column holds which field.
type Mapping struct {
	Sheet     string
	HeaderRow int      // 1-based row number of the header in the sheet
	Columns   []Column // one per non-empty header cell, in sheet order
	Missing   []string // keys of Required fields not found
}

// Column is one non-empty header cell.
type Column struct {
	Index  int    // 0-based column index
	Header string // header text as in the file (normalised spaces); a repeated header gets " (2)", " (3)"… so that Extras keeps both
	Field  string // Field.Key it maps to, or "" for an unknown column (kept as an extra attribute, never dropped)
}

// detectRows is how far down the header may sit below title rows.
const detectRows = 30

// Detect finds the header row within the first 30 rows of the sheet ("" =
// the first sheet) and maps its columns to fields. Title rows and merged
// cells may sit above the header. The header is the first row that matches
// the most fields: at least 2, or 1 when only one field is defined. Matching
// ignores spaces, full-width forms, case, marks such as "*" and bracketed
// notes ("身份证号（必填）", "电话(手机)"); an exact match of the label or a
// synonym wins over a header that merely contains one. A column maps to at
// most one field and a field to at most one column (the first).
func (s *Source) Detect(sheet string, fields []Field) (*Mapping, error) {
	sheet, err := s.sheetName(sheet)
	if err != nil {
		return nil, err
	}
	mt := newMatcher(fields)
	need := 2
	if len(fields) == 1 {
		need = 1
	}
	it, err := s.iter(sheet)
	if err != nil {
		return nil, err
	}
	defer it.close()
	var (
		bestRow, bestScore int
		bestCells          []string
		bestAssign         []int
	)
	for i := 0; i < detectRows; i++ {
		num, cells, ok := it.next()
		if !ok {
			break
		}
		if len(cells) > s.lim.MaxCols {
			return nil, errTooManyCols(num, s.lim.MaxCols)
		}
		assign, score := mt.match(cells)
		if score > bestScore {
			bestRow, bestScore = num, score
			bestCells, bestAssign = slices.Clone(cells), assign
		}
	}
	if err := it.err(); err != nil {
		return nil, err
	}
	if len(fields) == 0 || bestScore < need {
		return nil, i18n.NewError(CodeValidation, "importexport.no_header",
			"sheet", sheet, "rows", detectRows, "min", need, "labels", labelList(fields))
	}
	m := &Mapping{Sheet: sheet, HeaderRow: bestRow}
	seen := map[string]int{}
	for i, cell := range bestCells {
		h := NormalizeCell(cell)
		if h == "" {
			continue
		}
		seen[h]++
		if n := seen[h]; n > 1 {
			h = h + " (" + strconv.Itoa(n) + ")"
		}
		c := Column{Index: i, Header: h}
		if f := bestAssign[i]; f >= 0 {
			c.Field = fields[f].Key
		}
		m.Columns = append(m.Columns, c)
	}
	m.Missing = missing(fields, m.Columns)
	return m, nil
}

// Remap lets the UI or caller override the mapping: assignments maps a
// column index to a field key ("" = keep the column as an extra attribute).
// It fails, naming the column, if the column does not exist, a key is unknown,
// or a field ends up on two columns; on failure m is unchanged. Missing is
// recomputed.
func (m *Mapping) Remap(fields []Field, assignments map[int]string) error {
	byKey := map[string]Field{}
	for _, f := range fields {
		byKey[f.Key] = f
	}
	cols := slices.Clone(m.Columns)
	idx := make([]int, 0, len(assignments))
	for i := range assignments {
		idx = append(idx, i)
	}
	slices.Sort(idx)
	for _, i := range idx {
		p := slices.IndexFunc(cols, func(c Column) bool { return c.Index == i })
		if p < 0 {
			return i18n.NewError(CodeValidation, "importexport.remap_no_column", "column", ColumnName(i))
		}
		key := assignments[i]
		if _, ok := byKey[key]; key != "" && !ok {
			return i18n.NewError(CodeValidation, "importexport.remap_unknown_field",
				"column", columnLabel(cols[p]), "field", key)
		}
		cols[p].Field = key
	}
	owner := map[string]Column{}
	for _, c := range cols {
		if c.Field == "" {
			continue
		}
		if prev, dup := owner[c.Field]; dup {
			return i18n.NewError(CodeValidation, "importexport.remap_duplicate",
				"column", columnLabel(c), "other", columnLabel(prev), "field", byKey[c.Field].Label)
		}
		owner[c.Field] = c
	}
	m.Columns = cols
	m.Missing = missing(fields, cols)
	return nil
}

// columnLabel names a column the way users look for it: letter and header.
func columnLabel(c Column) string {
	return i18n.T("importexport.column", "col", ColumnName(c.Index), "header", c.Header)
}

func missing(fields []Field, cols []Column) []string {
	var out []string
	for _, f := range fields {
		if f.Required && !slices.ContainsFunc(cols, func(c Column) bool { return c.Field == f.Key }) {
			out = append(out, f.Key)
		}
	}
	return out
}

func labelList(fields []Field) string {
	labels := make([]string, 0, len(fields))
	for _, f := range fields {
		labels = append(labels, f.Label)
	}
	return strings.Join(labels, "、")
}

func (s *Source) sheetName(sheet string) (string, error) {
	if sheet == "" {
		return s.sheets[0], nil
	}
	for _, n := range s.sheets {
		if n == sheet {
			return n, nil
		}
	}
	for _, n := range s.sheets {
		if strings.EqualFold(strings.TrimSpace(n), strings.TrimSpace(sheet)) {
			return n, nil
		}
	}
	return "", i18n.NewError(CodeValidation, "importexport.no_sheet", "sheet", sheet)
}

// matcher holds the normalised names of each field.
type matcher struct {
	names [][]string // per field: normalised label and synonyms
}

func newMatcher(fields []Field) *matcher {
	m := &matcher{names: make([][]string, len(fields))}
	for i, f := range fields {
		for _, n := range append([]string{f.Label}, f.Synonyms...) {
			if k := headerKey(n); k != "" && !slices.Contains(m.names[i], k) {
				m.names[i] = append(m.names[i], k)
			}
		}
	}
	return m
}

// match assigns fields to the cells of a candidate header row: exact matches
// first, then "contains" matches, each field and column used once. It returns
// the field index per cell (-1 for none) and the number of fields matched.
func (m *matcher) match(cells []string) ([]int, int) {
	assign := make([]int, len(cells))
	keys := make([]string, len(cells))
	for i, c := range cells {
		assign[i] = -1
		keys[i] = headerKey(c)
	}
	used := make([]bool, len(m.names))
	score := 0
	for ci, k := range keys {
		if k == "" {
			continue
		}
		for fi, names := range m.names {
			if !used[fi] && slices.Contains(names, k) {
				assign[ci], used[fi] = fi, true
				score++
				break
			}
		}
	}
	for ci, k := range keys {
		if k == "" || assign[ci] >= 0 {
			continue
		}
		best, bestLen := -1, 0
		for fi, names := range m.names {
			if used[fi] {
				continue
			}
			for _, n := range names {
				// One-character names ("男") would match almost any header.
				if l := utf8.RuneCountInString(n); l >= 2 && l > bestLen && strings.Contains(k, n) {
					best, bestLen = fi, l
				}
			}
		}
		if best >= 0 {
			assign[ci], used[best] = best, true
			score++
		}
	}
	return assign, score
}

// headerKey normalises a header for matching: no spaces, full-width folded,
// lower case, without required-marks, colons and bracketed notes.
func headerKey(s string) string {
	s = strings.ReplaceAll(strings.ToLower(NormalizeCell(s)), " ", "")
	base := s
	for {
		t := strings.Trim(s, "*※★☆:")
		t = stripBracketed(t)
		if t == s {
			break
		}
		s = t
	}
	if s == "" {
		return base // a header that is only a note, such as "(备注)"
	}
	return s
}

var bracketPairs = [][2]string{{"(", ")"}, {"[", "]"}, {"【", "】"}, {"〔", "〕"}, {"《", "》"}, {"<", ">"}, {"{", "}"}}

// stripBracketed removes one bracketed note at the end or the start of s,
// as long as something is left.
func stripBracketed(s string) string {
	for _, p := range bracketPairs {
		if strings.HasSuffix(s, p[1]) {
			if i := strings.LastIndex(s, p[0]); i > 0 {
				return s[:i]
			}
		}
		if strings.HasPrefix(s, p[0]) {
			if i := strings.Index(s, p[1]); i > 0 && i+len(p[1]) < len(s) {
				return s[i+len(p[1]):]
			}
		}
	}
	return s
}
