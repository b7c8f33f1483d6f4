#!/usr/bin/env bash
# How the GitHub Action (action.yml) gets ddbguard.
#
#   install.sh plan       decide: download a release binary, or build from source
#   install.sh download   download the release binary, verify its checksum, install it
#
# Environment:
#   VERSION        the action's `version` input: a version (0.1.0 or v0.1.0) downloads that
#                  release; `source` builds from the action's checkout; empty follows ACTION_REF
#   ACTION_REF     the ref the workflow uses the action at (github.action_ref): a release
#                  tag (v0.1.0) downloads that release; a branch, a SHA or nothing builds
#                  from source, since no binary exists for an unreleased commit
#   REPOSITORY     the action's repository (github.action_repository), owner/name
#   ACTION_PATH    where the runner put the action (github.action_path):
#                  .../_actions/<owner>/<repo>/<ref>. GitHub does not promise
#                  github.action_ref and github.action_repository inside composite actions
#                  (actions/runner#2473); when they are empty, they are read from this path
#   INSTALL_ROOT   download: the binary goes to $INSTALL_ROOT/bin/ddbguard
#   DDBGUARD_DOWNLOAD_BASE
#                  where releases are downloaded from, instead of
#                  https://github.com/$REPOSITORY/releases/download (a mirror, or a test server)
#   GITHUB_OUTPUT  plan writes method=download|source, version= and target= there
#
# A release v1.2.3 publishes, for each target, ddbguard-v1.2.3-<target>.tar.gz (holding the
# ddbguard binary) and ddbguard-v1.2.3-<target>.tar.gz.sha256 (`<sha256>  <file name>`);
# .github/workflows/release.yml makes them.
set -euo pipefail

die() {
  echo "::error title=ddbguard::$1"
  exit 2
}

# The release target of this runner, or nothing.
target() {
  case "$(uname -s)-$(uname -m)" in
    Linux-x86_64) echo x86_64-unknown-linux-gnu ;;
    Linux-aarch64 | Linux-arm64) echo aarch64-unknown-linux-gnu ;;
    Darwin-arm64) echo aarch64-apple-darwin ;;
    Darwin-x86_64) echo x86_64-apple-darwin ;;
    *) echo "" ;;
  esac
}

# A release version (1.2.3, 1.2.3-rc.1) without its `v`, or nothing.
release_version() {
  local v="${1#v}"
  if [[ "$v" =~ ^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]]; then
    echo "$v"
  fi
}

# The ref the action is used at: ACTION_REF, else the last part of a runner's action path.
action_ref() {
  if [ -n "${ACTION_REF:-}" ]; then
    echo "$ACTION_REF"
    return
  fi
  case "${ACTION_PATH:-}" in
    */_actions/*/*/*) basename "$ACTION_PATH" ;;
  esac
}

# owner/name of the action's repository: REPOSITORY, else from a runner's action path.
repository() {
  if [ -n "${REPOSITORY:-}" ]; then
    echo "$REPOSITORY"
    return
  fi
  case "${ACTION_PATH:-}" in
    */_actions/*/*/*)
      local repo_dir="${ACTION_PATH%/*}"
      echo "$(basename "$(dirname "$repo_dir")")/$(basename "$repo_dir")"
      ;;
  esac
}

output() {
  echo "$1" >> "${GITHUB_OUTPUT:-/dev/null}"
  echo "$1"
}

plan() {
  local version="${VERSION:-}" ref t
  ref="$(action_ref)"
  t="$(target)"
  case "$version" in
    source)
      output "method=source"
      return
      ;;
    "")
      version="$(release_version "$ref")"
      if [ -z "$version" ]; then
        echo "ddbguard: the action is used at ${ref:-a local path}, not at a release tag: building from source"
        output "method=source"
        return
      fi
      if [ -z "$t" ]; then
        echo "ddbguard: no release binary for $(uname -s) $(uname -m): building from source"
        output "method=source"
        return
      fi
      ;;
    *)
      local v
      v="$(release_version "$version")"
      [ -n "$v" ] || die "version: ${version} is neither a release version (0.1.0) nor \`source\`"
      version="$v"
      [ -n "$t" ] || die "no ddbguard release for $(uname -s) $(uname -m): set version: source to build from source"
      ;;
  esac
  output "method=download"
  output "version=$version"
  output "target=$t"
}

sha256() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | cut -d' ' -f1
  else
    shasum -a 256 "$1" | cut -d' ' -f1
  fi
}

fetch() {
  curl --fail --silent --show-error --location --retry 3 --connect-timeout 20 --max-time 300 \
    --output "$2" "$1"
}

tmp=""
cleanup() {
  if [ -n "$tmp" ]; then rm -rf "$tmp"; fi
}
trap cleanup EXIT

download() {
  local version target base archive expected actual
  version="$(release_version "${VERSION:-}")"
  [ -n "$version" ] || die "download: VERSION=${VERSION:-} is not a release version"
  target="${TARGET:-$(target)}"
  [ -n "$target" ] || die "no ddbguard release for $(uname -s) $(uname -m)"
  [ -n "${INSTALL_ROOT:-}" ] || die "download: INSTALL_ROOT is not set"
  if [ -n "${DDBGUARD_DOWNLOAD_BASE:-}" ]; then
    base="$DDBGUARD_DOWNLOAD_BASE"
  else
    local repo
    repo="$(repository)"
    [ -n "$repo" ] || die "download: the action's repository is not known (REPOSITORY, ACTION_PATH)"
    base="https://github.com/${repo}/releases/download"
  fi
  archive="ddbguard-v${version}-${target}.tar.gz"
  tmp="$(mktemp -d)"

  fetch "${base}/v${version}/${archive}" "$tmp/$archive" ||
    die "cannot download ${base}/v${version}/${archive}: is ${version} a released version? (version: source builds from source)"
  fetch "${base}/v${version}/${archive}.sha256" "$tmp/$archive.sha256" ||
    die "cannot download the checksum ${base}/v${version}/${archive}.sha256"
  expected="$(cut -d' ' -f1 < "$tmp/$archive.sha256" | tr 'A-F' 'a-f')"
  actual="$(sha256 "$tmp/$archive")"
  if ! [[ "$expected" =~ ^[0-9a-f]{64}$ ]]; then
    die "${archive}.sha256 holds no SHA-256 checksum"
  fi
  if [ "$expected" != "$actual" ]; then
    die "checksum mismatch for ${archive}: expected ${expected}, got ${actual}; not installed"
  fi
  echo "ddbguard: ${archive}: checksum ${actual} verified"

  mkdir -p "$tmp/x" "$INSTALL_ROOT/bin"
  tar -xzf "$tmp/$archive" -C "$tmp/x" ddbguard || die "${archive} holds no ddbguard binary"
  install -m 755 "$tmp/x/ddbguard" "$INSTALL_ROOT/bin/ddbguard"
  "$INSTALL_ROOT/bin/ddbguard" --version || die "the downloaded ddbguard does not run on this runner"
}

case "${1:-}" in
  plan) plan ;;
  download) download ;;
  *)
    echo "usage: $0 plan|download" >&2
    exit 2
    ;;
esac
