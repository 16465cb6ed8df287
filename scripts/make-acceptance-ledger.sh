#!/bin/sh
# Rebuilds the LibreOffice-made ledger of the import acceptance test
# (internal/registry/acceptance_test.go) from its hand-written source.
#
# internal/registry/testdata/acceptance-ledger.fods is a flat ODS file (XML)
# written by hand: a merged title row (table:number-columns-spanned), a
# 填报单位 row, shuffled and renamed columns, ID numbers typed in groups, in
# full-width digits, with a lowercase x, as 15-digit numbers (one a number
# cell) and as a number cell Excel-style notation ate, dates in several
# styles (one a date cell), no 网格 column, a blank row and a handful of bad
# rows. LibreOffice converts it to .xlsx and .csv, which are committed: the
# test reads them and needs no LibreOffice.
#
# Needs LibreOffice Calc: apt-get install -y libreoffice-calc-nogui
set -eu
cd "$(dirname "$0")/../internal/registry/testdata"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
soffice --headless -env:UserInstallation="file://$out/profile" \
	--convert-to xlsx --outdir "$out" acceptance-ledger.fods
# CSV: comma-separated, quoted text, UTF-8 (76), as shown (formatted) values.
soffice --headless -env:UserInstallation="file://$out/profile" \
	--convert-to 'csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true' --outdir "$out" acceptance-ledger.fods
cp "$out/acceptance-ledger.xlsx" "$out/acceptance-ledger.csv" .
echo "wrote $(pwd)/acceptance-ledger.xlsx and acceptance-ledger.csv"
