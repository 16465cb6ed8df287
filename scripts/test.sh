#!/usr/bin/env bash
# Runs Linli's whole test suite: formatting, vet, golangci-lint, and every Go test on SQLite and
# on a real PostgreSQL server, plus the browser tests in headless Chromium.
#
# It starts what it needs: a throwaway PostgreSQL (unless LINLI_TEST_POSTGRES
# names one) and Chromium from Debian if it is missing and we may install it.
# Whatever it cannot provide it names loudly at the end; under CI=true a missing
# PostgreSQL or Chromium fails the run instead.
#
# Extra arguments go to "go test" (e.g. scripts/test.sh -run Matrix ./internal/app).
set -euo pipefail
cd "$(dirname "$0")/.."

skipped=()
notes=()
. scripts/pg.sh
. scripts/citus.sh
trap 'stop_postgres; stop_citus' EXIT

say() { printf '\n== %s\n' "$*"; }

find_chromium() {
  for c in "${LINLI_CHROMIUM:-}" chromium chromium-browser google-chrome; do
    [ -n "$c" ] && command -v "$c" >/dev/null 2>&1 && { command -v "$c"; return 0; }
  done
  return 1
}

say "PostgreSQL"
if [ -n "${LINLI_TEST_POSTGRES:-}" ]; then
  echo "using LINLI_TEST_POSTGRES from the environment"
elif ! start_postgres; then
  skipped+=("PostgreSQL: no PostgreSQL server binaries (initdb) found; every store test ran on SQLite only")
  unset LINLI_TEST_POSTGRES
fi

say "Chromium"
if ! chrome="$(find_chromium)"; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing chromium from Debian …"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/tmp/linli-apt.log 2>&1) || tail -20 /tmp/linli-apt.log || true
  fi
  chrome="$(find_chromium || true)"
fi
if [ -n "$chrome" ]; then
  export LINLI_CHROMIUM="$chrome"
  echo "using $chrome ($("$chrome" --version 2>/dev/null | head -1))"
else
  skipped+=("BROWSER TESTS: no Chromium found and it could not be installed (apt-get install chromium)")
fi

say "LibreOffice Writer"
# The .docx exports (internal/docx) are checked by converting them with
# LibreOffice headless; Calc alone cannot open them.
has_writer() { command -v soffice >/dev/null 2>&1 && compgen -G "/usr/lib/libreoffice/program/libsw*.so" >/dev/null; }
if ! has_writer && [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing libreoffice-writer-nogui from Debian …"
  (DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libreoffice-writer-nogui >/tmp/linli-apt-writer.log 2>&1) || tail -20 /tmp/linli-apt-writer.log || true
fi
if has_writer; then
  echo "using $(command -v soffice)"
else
  skipped+=("DOCX CHECK: no LibreOffice Writer; the .docx exports were not opened (apt-get install libreoffice-writer-nogui)")
fi

say "Citus"
# The distributed lane: every PostgreSQL test again on a coordinator and two
# workers, tables distributed by community. Built from the source kept beside
# the project when the extension is missing (a few minutes, once per machine).
citus_lane=""
if [ -n "${LINLI_TEST_CITUS:-}" ]; then
  echo "using LINLI_TEST_CITUS from the environment"
  citus_lane=yes
elif [ -z "${LINLI_TEST_POSTGRES:-}" ]; then
  skipped+=("CITUS: no PostgreSQL server binaries, so no Citus cluster either")
elif citus_installed || citus_source >/dev/null; then
  if build_citus && start_citus; then
    citus_lane=yes
  else
    skipped+=("CITUS: the Citus cluster could not be built or started (see above); the distributed lane did not run")
  fi
else
  # Not beside the project (a user's machine): said loudly, not a failure.
  notes+=("CITUS: no Citus installed and no source at ../shared/third_party/citus-*.tar.xz; the distributed lane did not run")
fi

if [ "${CI:-}" = "true" ] && [ ${#skipped[@]} -gt 0 ]; then
  printf '\nCI must run everything, but:\n'
  printf '  - %s\n' "${skipped[@]}"
  exit 1
fi

say "gofmt and go vet"
unformatted="$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './vendor/*'))"
if [ -n "$unformatted" ]; then
  echo "gofmt would change:"; echo "$unformatted"; exit 1
fi
go vet ./...

say "golangci-lint"
# Built from the Go module proxy at a pinned version (never a downloaded
# binary); the Go build cache makes every run after the first quick.
lint_version=v2.15.0
lint_bin="$(go env GOPATH)/bin/golangci-lint-$lint_version"
if [ ! -x "$lint_bin" ]; then
  lint_tmp="$(mktemp -d)"
  if GOBIN="$lint_tmp" go install "github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$lint_version" >/tmp/linli-lint-install.log 2>&1; then
    mkdir -p "$(dirname "$lint_bin")" && mv "$lint_tmp/golangci-lint" "$lint_bin"
  else
    tail -5 /tmp/linli-lint-install.log
  fi
  rm -rf "$lint_tmp"
fi
if [ -x "$lint_bin" ]; then
  "$lint_bin" run ./...
else
  skipped+=("LINT: golangci-lint $lint_version could not be built from the Go module proxy")
  if [ "${CI:-}" = "true" ]; then
    echo "CI must lint, but golangci-lint could not be built"; exit 1
  fi
fi

say "go test"
args=("$@")
[ ${#args[@]} -eq 0 ] && args=(./...)
go test -count=1 -timeout 60m "${args[@]}"

if [ -n "$citus_lane" ]; then
  say "go test on Citus (the PostgreSQL half of every store test, on the cluster)"
  # Only the packages whose tests use the database harness; their SQLite
  # halves skip themselves in this lane.
  lane_pkgs=()
  if [ $# -eq 0 ]; then
    while read -r pkg; do lane_pkgs+=("$pkg"); done < <(go list -f '{{.ImportPath}} {{join .TestImports " "}} {{join .XTestImports " "}}' ./... | awk '/linli\/internal\/(dbtest|apptest)( |$)/ {print $1}')
  else
    lane_pkgs=("$@")
  fi
  LINLI_TEST_LANE=citus go test -count=1 -timeout 60m "${lane_pkgs[@]}"
fi

if [ ${#skipped[@]} -gt 0 ]; then
  printf '\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n'
  printf '!! SKIPPED — these parts of the suite did NOT run on this machine:\n'
  printf '!!   - %s\n' "${skipped[@]}"
  printf '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n'
fi
if [ ${#notes[@]} -gt 0 ]; then
  printf '\n!! NOT RUN here (not required on this machine):\n'
  printf '!!   - %s\n' "${notes[@]}"
fi
if [ ${#skipped[@]} -eq 0 ] && [ ${#notes[@]} -eq 0 ]; then
  printf '\nAll tests ran on SQLite, PostgreSQL, Citus (%s) and headless Chromium.\n' "$(citus_version 2>/dev/null || echo 'from LINLI_TEST_CITUS')"
fi
