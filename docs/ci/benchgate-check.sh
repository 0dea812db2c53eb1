#!/usr/bin/env bash
# benchgate in any CI: get benchgate, run the gate, keep the JUnit report,
# and exit with benchgate's own exit code so the CI job fails on a
# regression. Copy it into your repository (e.g. ci/benchgate-check.sh) and
# call it from a job: `bash ci/benchgate-check.sh`. Needs bash, tar, curl
# and sha256sum (or shasum) for a download, cargo for a source build, and
# whatever your app needs to run.
#
# Settings, all from the environment:
#   BENCHGATE_CONFIG       the suite file [benchgate.yaml]
#   BENCHGATE_REPORT_DIR   where check writes comparison.json, comparison.md,
#                          junit.xml and report.html [benchgate-report]
#   BENCHGATE_AB           a base commit (SHA, branch or tag): measure it
#                          beside this checkout instead of using the stored
#                          baseline (`check --ab`); the clone must reach it
# Where benchgate comes from, first match wins:
#   BENCHGATE_BIN          a benchgate binary already on the machine
#   BENCHGATE_RELEASE_URL  a release's download folder, e.g.
#                          https://github.com/OWNER/benchgate/releases/download/vX.Y.Z
#                          holding BENCHGATE_ARCHIVE and SHA256SUMS; the
#                          archive is installed only if its checksum matches
#   BENCHGATE_ARCHIVE      the archive's name [benchgate-<target>.tar.gz,
#                          target from this machine: x86_64-unknown-linux-musl,
#                          aarch64-apple-darwin, …]
#   otherwise              `cargo install --locked benchgate`
#                          (BENCHGATE_VERSION picks the version), or from
#                          BENCHGATE_GIT at BENCHGATE_REV when set
#
# Exit codes are benchgate's: 0 the gate passed, 1 a regression over the
# threshold, 2 bad usage, suite or baseline file, 3 the run itself failed.
set -euo pipefail

config=${BENCHGATE_CONFIG:-benchgate.yaml}
report_dir=${BENCHGATE_REPORT_DIR:-benchgate-report}
tools=$(mktemp -d "${TMPDIR:-/tmp}/benchgate-ci.XXXXXX")
trap 'rm -rf "$tools"' EXIT

say() { echo "benchgate-check: $*" >&2; }
fail() {
  say "$1"
  exit 2
}

target() {
  local arch os
  case "$(uname -m)" in
    x86_64 | amd64) arch=x86_64 ;;
    aarch64 | arm64) arch=aarch64 ;;
    *) fail "no benchgate release for $(uname -m); unset BENCHGATE_RELEASE_URL to build from source" ;;
  esac
  case "$(uname -s)" in
    Linux) os=unknown-linux-musl ;;
    Darwin) os=apple-darwin ;;
    *) fail "no benchgate release for $(uname -s); unset BENCHGATE_RELEASE_URL to build from source" ;;
  esac
  echo "$arch-$os"
}

sha256() {
  if command -v sha256sum >/dev/null; then sha256sum "$1"; else shasum -a 256 "$1"; fi | cut -d' ' -f1
}

# Downloads the archive and SHA256SUMS, refuses a checksum mismatch, and
# prints the path of the benchgate binary it unpacked.
download() {
  local url=${BENCHGATE_RELEASE_URL%/} archive=${BENCHGATE_ARCHIVE:-}
  if [ -z "$archive" ]; then archive="benchgate-$(target).tar.gz"; fi
  say "downloading $archive from $url"
  curl --fail --silent --show-error --location --retry 3 -o "$tools/$archive" "$url/$archive" ||
    fail "cannot download $url/$archive; check BENCHGATE_RELEASE_URL and BENCHGATE_ARCHIVE"
  curl --fail --silent --show-error --location --retry 3 -o "$tools/SHA256SUMS" "$url/SHA256SUMS" ||
    fail "cannot download $url/SHA256SUMS; a release without checksums is not installed"
  local want got
  want=$(awk -v name="$archive" '$2 == name || $2 == "*" name { print $1; exit }' "$tools/SHA256SUMS")
  [ -n "$want" ] || fail "$url/SHA256SUMS lists no $archive"
  got=$(sha256 "$tools/$archive")
  [ "$got" = "$want" ] || fail "checksum mismatch for $archive: SHA256SUMS says $want, the download is $got; not installed"
  mkdir "$tools/unpacked"
  tar -xzf "$tools/$archive" -C "$tools/unpacked"
  local bin
  bin=$(find "$tools/unpacked" -type f -name benchgate | head -n 1)
  [ -n "$bin" ] || fail "$archive holds no benchgate binary"
  chmod +x "$bin"
  echo "$bin"
}

# Builds benchgate with cargo into the temporary folder and prints its path.
build() {
  command -v cargo >/dev/null ||
    fail "no benchgate: set BENCHGATE_BIN or BENCHGATE_RELEASE_URL, or install a Rust toolchain to build it"
  local args=(install --locked --quiet --root "$tools/cargo")
  if [ -n "${BENCHGATE_GIT:-}" ]; then
    args+=(--git "$BENCHGATE_GIT")
    if [ -n "${BENCHGATE_REV:-}" ]; then args+=(--rev "$BENCHGATE_REV"); fi
  elif [ -n "${BENCHGATE_VERSION:-}" ]; then
    args+=(--version "$BENCHGATE_VERSION")
  fi
  say "building benchgate from source (cargo ${args[*]} benchgate)"
  cargo "${args[@]}" benchgate >&2
  echo "$tools/cargo/bin/benchgate"
}

if [ -n "${BENCHGATE_BIN:-}" ]; then
  [ -x "$BENCHGATE_BIN" ] || fail "BENCHGATE_BIN=$BENCHGATE_BIN is not an executable file"
  benchgate=$BENCHGATE_BIN
elif [ -n "${BENCHGATE_RELEASE_URL:-}" ]; then
  benchgate=$(download)
else
  benchgate=$(build)
fi
say "$("$benchgate" --version)"

args=(check --config "$config" --report-dir "$report_dir")
if [ -n "${BENCHGATE_AB:-}" ]; then
  case "$BENCHGATE_AB" in
    -* | *:*) fail "BENCHGATE_AB='$BENCHGATE_AB' is not a commit, branch or tag name" ;;
  esac
  args+=(--ab "$BENCHGATE_AB")
fi

code=0
"$benchgate" "${args[@]}" || code=$?
# Exit 0 is a pass, or a run not judged (a possible regression, or no
# gated metric could see the threshold): the report's outcome tells.
outcome=$(sed -n 's/^  "outcome": "\([a-z-]*\)",$/\1/p' "$report_dir/comparison.json" 2>/dev/null || true)
case "$code" in
  0) case "$outcome" in
       possible-regression | not-judged) say "not judged ($outcome, exit 0): see the report's ⚠ headline" ;;
       *) say "passed" ;;
     esac ;;
  1) say "a regression (exit 1): see the report" ;;
  2) say "bad usage, suite or baseline file (exit 2)" ;;
  3) say "the run itself failed (exit 3)" ;;
  *) say "benchgate exited $code" ;;
esac
if [ -f "$report_dir/junit.xml" ]; then
  say "JUnit report: $report_dir/junit.xml"
fi
exit "$code"
