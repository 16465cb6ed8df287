package importexport

import (
	"errors"
	"log/slog"
	"runtime/debug"

	"github.com/xuri/excelize/v2"

	"linli/internal/i18n"
)

// Row is one data row after the header.
type Row struct {
	Num    int               // 1-based row number in the sheet, as Excel shows it (for error messages)
	Values map[string]string // field key → normalised text (NormalizeCell applied), every mapped field
	Extras map[string]string // header → text for unknown columns (non-empty only)
	// Date1904: the workbook counts serial dates from 1904 (Excel for Mac's
	// date system, workbookPr date1904); ParseDate applies it.
	Date1904 bool
}

// ParseDate is ParseDate for a value of this row: a serial number is read
// in the date system of the row's workbook.
func (r Row) ParseDate(s string) (iso string, ok bool) { return parseDate(s, r.Date1904) }

// Rows streams the data rows after the header row to fn; fully empty rows
// are skipped. An xlsx is read by the streaming reader in xlsxsheet.go, which
// returns what excelize's row iterator returns with raw cell values (and
// hands over to it where unsure), so dates arrive as Excel serial numbers
// (ParseDate reads them) and long numbers as Excel stored them (see
// ScientificNumber). Values has every mapped field, "" when the cell is
// empty. Extras has the non-empty cells of unknown columns under their
// header, and of columns without a header under the column's name ("F 列"),
// so that nothing typed is lost.
// Rows stops with fn's error, or with an error when MaxRows data rows are
// exceeded.
func (s *Source) Rows(m *Mapping, fn func(r Row) error) error {
	if m == nil {
		return errors.New("importexport: Rows needs a mapping")
	}
	sheet, err := s.sheetName(m.Sheet)
	if err != nil {
		return err
	}
	width := 0
	for _, c := range m.Columns {
		width = max(width, c.Index+1)
	}
	cols := make([]*Column, width)
	for i := range m.Columns {
		cols[m.Columns[i].Index] = &m.Columns[i]
	}
	it, err := s.iter(sheet)
	if err != nil {
		return err
	}
	defer it.close()
	// The sheet is read and its rows built on another goroutine, a few batches
	// ahead of fn: decoding the file's XML then overlaps fn's checks and
	// writes (and, on PostgreSQL, the server's work) instead of adding to them.
	batches := make(chan rowBatch, 4)
	stop := make(chan struct{})
	go func() {
		defer close(batches)
		var b rowBatch
		send := func() bool {
			select {
			case batches <- b:
				b = rowBatch{}
				return true
			case <-stop:
				return false
			}
		}
		defer func() {
			// A file that breaks the reader is a damaged file, not a crashed
			// server: this goroutine is beyond the request's recovery.
			if p := recover(); p != nil {
				slog.Error("importexport: reading a sheet panicked", "panic", p, "stack", string(debug.Stack()))
				b.rows, b.err = nil, errDamaged()
				send()
			}
		}()
		count := 0
		for {
			num, cells, ok := it.next()
			if !ok {
				break
			}
			if num <= m.HeaderRow || len(cells) == 0 {
				continue // the header, or a blank row (buildRow would find it empty)
			}
			if len(cells) > s.lim.MaxCols {
				b.err = errTooManyCols(num, s.lim.MaxCols)
				send()
				return
			}
			r, empty := buildRow(num, cells, cols)
			if empty {
				continue
			}
			r.Date1904 = s.date1904
			if count++; count > s.lim.MaxRows {
				b.err = errTooManyRows(s.lim.MaxRows)
				send()
				return
			}
			b.rows = append(b.rows, r)
			if len(b.rows) == rowBatchSize && !send() {
				return
			}
		}
		b.err = it.err()
		send()
	}()
	defer func() {
		close(stop)
		for range batches { // wait for the reader before it.close
		}
	}()
	for b := range batches {
		for _, r := range b.rows {
			if err := fn(r); err != nil {
				return err
			}
		}
		if b.err != nil {
			return b.err
		}
	}
	return nil
}

// rowBatch is a run of built rows handed from the reading goroutine to fn;
// err ends the sheet.
type rowBatch struct {
	rows []Row
	err  error
}

const rowBatchSize = 256

func buildRow(num int, cells []string, cols []*Column) (Row, bool) {
	r := Row{Num: num, Values: make(map[string]string, len(cols))}
	empty := true
	for _, c := range cols {
		if c != nil && c.Field != "" {
			r.Values[c.Field] = ""
		}
	}
	for i, raw := range cells {
		if raw == "" {
			continue
		}
		v := NormalizeCell(raw)
		if v == "" {
			continue
		}
		empty = false
		var c *Column
		if i < len(cols) {
			c = cols[i]
		}
		switch {
		case c != nil && c.Field != "":
			r.Values[c.Field] = v
		case c != nil:
			r.extra(c.Header, v)
		default:
			r.extra(i18n.T("importexport.column_letter", "col", ColumnName(i)), v)
		}
	}
	return r, empty
}

func (r *Row) extra(k, v string) {
	if r.Extras == nil {
		r.Extras = map[string]string{}
	}
	r.Extras[k] = v
}

// useFastXLSX can switch the fast xlsx reader off, so that tests and
// benchmarks can compare it with excelize's.
var useFastXLSX = true

// rowIter walks the rows of a sheet, xlsx or csv alike.
type rowIter interface {
	next() (num int, cells []string, ok bool) // cells are valid until the next call
	err() error
	close()
}

func (s *Source) iter(sheet string) (rowIter, error) {
	if s.format == "csv" {
		return s.csvRows(), nil
	}
	if s.xf == nil {
		return nil, errDamaged() // closed
	}
	if !useFastXLSX {
		return s.excelizeIter(sheet)
	}
	return s.xlsxIter(sheet)
}

// excelizeIter reads a sheet with excelize's streaming row iterator.
func (s *Source) excelizeIter(sheet string) (rowIter, error) {
	if s.xf == nil {
		return nil, errDamaged()
	}
	var rows *excelize.Rows
	err := guard(func() error {
		var err error
		rows, err = s.xf.Rows(sheet)
		return err
	})
	if err != nil {
		return nil, errDamaged()
	}
	return &xlsxRows{rows: rows}, nil
}

// guard turns a panic inside excelize into the "damaged file" error:
// excelize is not written for hostile input.
func guard(fn func() error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = errDamaged()
		}
	}()
	return fn()
}

type xlsxRows struct {
	rows *excelize.Rows
	num  int
	e    error
}

func (x *xlsxRows) next() (num int, cells []string, ok bool) {
	if x.e != nil {
		return 0, nil, false
	}
	x.e = guard(func() error {
		// Next is called once per row number, blank rows included, so
		// counting calls gives the row number Excel shows.
		if !x.rows.Next() {
			if err := x.rows.Error(); errors.Is(err, excelize.ErrMaxRows) {
				return errSheetTooManyRows()
			} else if err != nil {
				return errDamaged()
			}
			return nil
		}
		x.num++
		c, err := x.rows.Columns()
		if errors.Is(err, excelize.ErrMaxRows) {
			return errSheetTooManyRows()
		} else if err != nil {
			return errDamaged()
		}
		cells, ok = c, true
		return nil
	})
	if x.e != nil {
		return 0, nil, false
	}
	return x.num, cells, ok
}

func (x *xlsxRows) err() error { return x.e }
func (x *xlsxRows) close()     { _ = x.rows.Close() }

func (c *csvRows) err() error { return c.e }
func (c *csvRows) close()     {}
