#!/usr/bin/env bash
# The GitHub Action's install step: download the release binary of the
# version the action was used at, instead of compiling benchgate.
#
# The version: the `version` input (BENCHGATE_VERSION) when set; otherwise
# the ref the action was used at, when it is a release tag (v1.2.3), or a
# commit SHA that the release of this checkout's Cargo.toml version was built
# from (its COMMIT file). `version: source` always builds from source.
#
# From `<release-url>/v<version>/` it downloads `benchgate-<target>.tar.gz`
# (target from this machine: x86_64-unknown-linux-musl, aarch64-apple-darwin,
# ...) and SHA256SUMS, refuses a checksum mismatch, verifies the build
# provenance attestation with `gh attestation verify` when gh and a token
# (GH_TOKEN) are there, and unpacks the binary under $RUNNER_TEMP.
#
# It writes to $GITHUB_OUTPUT either `from=release` and `bin=<path>`, or
# `from=source` when there is no release to use (a branch like main, no
# release at that URL, a platform without a binary): the action's next steps
# then build from source with the cache. Exit 2, with one `::error::` line
# and no source build, when a download fails otherwise, the checksum does not
# match or the attestation does not verify.
set -euo pipefail

say() { echo "benchgate: $*"; }
refuse() {
  echo "::error::benchgate: $*"
  exit 2
}
output() { echo "$1" >> "${GITHUB_OUTPUT:?GITHUB_OUTPUT is not set}"; }
from_source() {
  say "$*: building from source"
  output "from=source"
  exit 0
}

semver='^v?[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.+-]+)?$'
# A ref or repository name safe to print in a log line.
printable() {
  if [[ $1 =~ ^[A-Za-z0-9._/+-]+$ ]]; then echo "$1"; else echo "this ref"; fi
}

# Composite actions do not always get GITHUB_ACTION_REPOSITORY and
# GITHUB_ACTION_REF; the action's own folder, .../_actions/OWNER/REPO/REF,
# names both.
repository=${GITHUB_ACTION_REPOSITORY:-}
ref=${GITHUB_ACTION_REF:-}
if [ -z "$repository" ] || [ -z "$ref" ]; then
  if [[ ${GITHUB_ACTION_PATH:-} =~ /_actions/([^/]+/[^/]+)/([^/]+)/?$ ]]; then
    repository=${repository:-${BASH_REMATCH[1]}}
    ref=${ref:-${BASH_REMATCH[2]}}
  fi
fi

# Which release: the version input wins, then a release tag, then a commit.
version=${BENCHGATE_VERSION:-}
commit=""
if [ "$version" = source ]; then
  from_source "the version input is source"
elif [ -n "$version" ]; then
  [[ $version =~ $semver ]] ||
    refuse "the version input must be a release like 1.2.3 (or source), not '$(printable "$version")'"
  version=${version#v}
elif [[ $ref =~ $semver ]] && [[ $ref == v* ]]; then
  version=${ref#v}
elif [[ $ref =~ ^[0-9a-f]{40}$ ]]; then
  # Pinned to a commit: the release of this checkout's version, if it was
  # built from exactly this commit.
  version=$(sed -n 's/^version *= *"\([^"]*\)".*$/\1/p' "${GITHUB_ACTION_PATH:-.}/Cargo.toml" 2>/dev/null | head -n 1)
  [[ $version =~ $semver ]] || from_source "no release version in the action's Cargo.toml at $ref"
  commit=$ref
elif [ -n "$ref" ]; then
  from_source "no release for $(printable "$ref")"
else
  from_source "the action was not used at a release (no ref)"
fi

case "$(uname -m)" in
  x86_64 | amd64) arch=x86_64 ;;
  aarch64 | arm64) arch=aarch64 ;;
  *) from_source "no release binary for $(uname -m)" ;;
esac
case "$(uname -s)" in
  Linux) os=unknown-linux-musl ;;
  Darwin) os=apple-darwin ;;
  *) from_source "no release binary for $(uname -s)" ;;
esac
archive="benchgate-$arch-$os.tar.gz"

base=${BENCHGATE_RELEASE_URL:-}
if [ -z "$base" ]; then
  [ -n "$repository" ] || from_source "the action's repository is unknown, so is its release"
  base="https://github.com/$repository/releases/download"
fi
url="${base%/}/v$version"
dir="${RUNNER_TEMP:-${TMPDIR:-/tmp}}/benchgate-$version"
rm -rf "$dir"
mkdir -p "$dir"

# Fetches $url/$1 into $dir/$1 and prints the HTTP status (000: no answer).
fetch() {
  curl --silent --show-error --location --retry 3 --connect-timeout 10 --max-time 120 \
    --output "$dir/$1" --write-out '%{http_code}' "$url/$1" 2>"$dir/curl.err" || true
}
# Like fetch, but a 404 means there is no release to use.
need() {
  local status
  status=$(fetch "$1")
  case "$status" in
    200) ;;
    404) from_source "no release v$version at $url ($1 not found)" ;;
    *) refuse "cannot download $url/$1 (HTTP $status: $(head -c 200 "$dir/curl.err" | tr '\n' ' ')); rerun the job, or set the version input to source to build from source" ;;
  esac
}

if [ -n "$commit" ]; then
  need COMMIT
  built_from=$(head -c 64 "$dir/COMMIT" | tr -d '[:space:]')
  [ "$built_from" = "$commit" ] ||
    from_source "release v$version was built from another commit than $commit"
fi
need "$archive"
need SHA256SUMS

sha256() {
  if command -v sha256sum >/dev/null; then sha256sum "$1"; else shasum -a 256 "$1"; fi | cut -d' ' -f1
}
want=$(awk -v name="$archive" '$2 == name || $2 == "*" name { print $1; exit }' "$dir/SHA256SUMS")
[ -n "$want" ] || refuse "$url/SHA256SUMS lists no $archive; not installed"
got=$(sha256 "$dir/$archive")
[ "$got" = "$want" ] ||
  refuse "checksum mismatch for $url/$archive: SHA256SUMS says $want, the download is $got; not installed"
checked="checksum verified"

# The attestation says which workflow of which repository built the archive.
if ! command -v gh >/dev/null; then
  checked="$checked; attestation not checked (no gh on this runner)"
elif [ -z "${GH_TOKEN:-}" ]; then
  checked="$checked; attestation not checked (no token for gh)"
elif [ -z "$repository" ]; then
  checked="$checked; attestation not checked (the action's repository is unknown)"
else
  gh attestation verify "$dir/$archive" --repo "$repository" \
    --signer-workflow "$repository/.github/workflows/release.yml" >"$dir/gh.log" 2>&1 ||
    refuse "the build provenance attestation of $archive does not verify against $(printable "$repository")'s release workflow (gh attestation verify: $(tail -n 1 "$dir/gh.log")); not installed"
  checked="$checked, attestation verified"
fi

tar -xzf "$dir/$archive" -C "$dir"
bin="$dir/benchgate-$arch-$os/benchgate"
[ -f "$bin" ] || refuse "$archive holds no benchgate-$arch-$os/benchgate; not installed"
chmod +x "$bin"
"$bin" --version >/dev/null || refuse "$bin from $archive does not run on this machine"
say "benchgate $version from the release, $checked"
output "from=release"
output "bin=$bin"
