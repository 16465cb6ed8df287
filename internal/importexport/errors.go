package importexport

import (
	"fmt"

	"github.com/xuri/excelize/v2"

	"linli/internal/i18n"
)

// Error codes of the *i18n.Error values this package returns. "too_large"
// and "validation" are the codes the web layer already maps to 413 and 422.
const (
	CodeBadFile    = "bad_file"   // not a readable .xlsx/.csv, or a format we refuse
	CodeTooLarge   = "too_large"  // a limit was exceeded
	CodeValidation = "validation" // the sheet or mapping does not fit the fields
)

func errUnsupported() error { return i18n.NewError(CodeBadFile, "importexport.unsupported_format") }
func errEmpty() error       { return i18n.NewError(CodeBadFile, "importexport.empty_file") }
func errDamaged() error     { return i18n.NewError(CodeBadFile, "importexport.damaged") }
func errXLS() error         { return i18n.NewError(CodeBadFile, "importexport.xls") }
func errEncrypted() error   { return i18n.NewError(CodeBadFile, "importexport.encrypted") }

func errTooBig(max int64) error {
	return i18n.NewError(CodeTooLarge, "importexport.too_big", "max", humanBytes(max))
}

func errZipBomb() error { return i18n.NewError(CodeTooLarge, "importexport.zip_bomb") }

// errCellTooLong refuses a worksheet cell or shared string far beyond Excel's
// 32,767 characters, which only a damaged or hostile file has.
func errCellTooLong() error {
	return i18n.NewError(CodeTooLarge, "importexport.xlsx_cell_too_long", "max", 32767)
}

func errTooManyRows(max int) error {
	return i18n.NewError(CodeTooLarge, "importexport.too_many_rows", "max", max)
}

// errSheetTooManyRows refuses a sheet with a row beyond Excel's last
// (1,048,576): excelize cannot read it, and it is not damaged as such.
func errSheetTooManyRows() error {
	return i18n.NewError(CodeTooLarge, "importexport.sheet_too_many_rows", "max", excelize.TotalRows)
}

func errTooManyCols(row, max int) error {
	return i18n.NewError(CodeTooLarge, "importexport.too_many_cols", "row", row, "max", max)
}

// humanBytes renders a byte limit the way users read it (300 MB, 3 GB).
func humanBytes(n int64) string {
	const (
		kb = 1 << 10
		mb = 1 << 20
		gb = 1 << 30
	)
	switch {
	case n >= gb && n%gb == 0:
		return fmt.Sprintf("%d GB", n/gb)
	case n >= gb:
		return fmt.Sprintf("%.1f GB", float64(n)/gb)
	case n >= mb && n%mb == 0:
		return fmt.Sprintf("%d MB", n/mb)
	case n >= mb:
		return fmt.Sprintf("%.1f MB", float64(n)/mb)
	case n >= kb:
		return fmt.Sprintf("%d KB", n/kb)
	}
	return fmt.Sprintf("%d B", n)
}

// ColumnName turns a 0-based column index into Excel's letters (0 → "A",
// 27 → "AB"), which is how users find a column in their sheet.
func ColumnName(index int) string {
	name, err := excelize.ColumnNumberToName(index + 1)
	if err != nil {
		return fmt.Sprint(index + 1)
	}
	return name
}
