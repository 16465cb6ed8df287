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
. scripts/pg.sh
trap stop_postgres EXIT

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

if [ ${#skipped[@]} -gt 0 ]; then
  printf '\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n'
  printf '!! SKIPPED — these parts of the suite did NOT run on this machine:\n'
  printf '!!   - %s\n' "${skipped[@]}"
  printf '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n'
else
  printf '\nAll tests ran on SQLite, PostgreSQL and headless Chromium.\n'
fi
