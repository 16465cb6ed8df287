#!/bin/sh
# Rebuilds the spreadsheet corpus of the xlsx reader's differential test
# (internal/importexport/corpus_test.go) in internal/importexport/testdata/corpus.
#
# lo-*.xlsx are made by LibreOffice from the hand-written sources in src/:
# residents.csv (UTF-8; imported once as LibreOffice guesses the types, once
# with the ID and 户号 columns set to text, as a careful user does) and
# ledger.fods (a flat ODS file: merged title rows, an instructions sheet
# first, dates, text-typed numbers, long ID numbers as numbers, empty cells),
# converted directly and by way of a legacy .xls.
#
# gen-*.xlsx carry traits of Excel and WPS that LibreOffice never writes;
# the Go generator in corpus_test.go writes them, byte for byte the same
# each time.
#
# Needs LibreOffice Calc: apt-get install -y libreoffice-calc-nogui
set -eu
cd "$(dirname "$0")/.."
root=$(pwd)
corpus="$root/internal/importexport/testdata/corpus"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
lo() {
	soffice --headless -env:UserInstallation="file://$out/profile" "$@" >/dev/null
}
cd "$corpus/src"
# CSV filter options: separator (44 = ","), quote (34), charset (76 = UTF-8),
# first line, then column types (column/type pairs, 2 = text).
lo --infilter='CSV:44,34,76,1' --convert-to xlsx --outdir "$out/guess" residents.csv
lo --infilter='CSV:44,34,76,1,2/2/6/2' --convert-to xlsx --outdir "$out/text" residents.csv
lo --convert-to xlsx --outdir "$out/fods" ledger.fods
lo --convert-to 'xls:MS Excel 97' --outdir "$out/xls" ledger.fods
lo --convert-to xlsx --outdir "$out/xls" "$out/xls/ledger.xls"
cp "$out/guess/residents.xlsx" "$corpus/lo-csv-guessed.xlsx"
cp "$out/text/residents.xlsx" "$corpus/lo-csv-text-columns.xlsx"
cp "$out/fods/ledger.xlsx" "$corpus/lo-ods-ledger.xlsx"
cp "$out/xls/ledger.xlsx" "$corpus/lo-xls-ledger.xlsx"
cd "$root"
go test ./internal/importexport -run 'TestXLSXCorpusGenerated$' -count=1 -write-corpus
ls -l "$corpus"
