#!/usr/bin/env bash
# Installs what the service and its tests need, only where it is missing (idempotent).
#   scripts/setup.sh          native runtime libraries for the service
#   scripts/setup.sh --enrol  plus the CMUSphinx training tools voice enrolment runs and the espeak-ng command line
#                             that makes spoken questions (scripts/run.sh --enrol-espeak)
#   scripts/setup.sh --test   plus the tools the tests use (sox, espeak-ng CLI, flite, and the CMUSphinx
#                             training tools that SpeakerAdaptation runs to enrol the espeak-ng voice, and the
#                             PostgreSQL server the persistence tests run against; scripts/test.sh starts it; and
#                             Debian's chromium, the headless browser the console tests drive with Playwright;
#                             and Debian's prometheus, which the metrics test runs as its own process on a free
#                             loopback port: the package's system service is not needed by the tests)
# Every mode also provisions the Silero VAD model (npm package @ricky0123/vad-web@0.0.31, sha256-checked) into
#   ${XDG_CACHE_HOME:-$HOME/.cache}/audio-orchestrator/models/silero_vad_v5.onnx
set -euo pipefail

runtime_packages=(libopus0 libsoxr0 libsodium23 libespeak-ng1 espeak-ng-data libpocketsphinx3 libsphinxbase3 pocketsphinx-en-us)
enrol_packages=(sphinxtrain sphinxbase-utils pocketsphinx espeak-ng)
test_packages=(espeak-ng sox flite postgresql chromium prometheus "${enrol_packages[@]}")

wanted=("${runtime_packages[@]}")
case "${1:-}" in
  --test) wanted+=("${test_packages[@]}") ;;
  --enrol) wanted+=("${enrol_packages[@]}") ;;
  "") ;;
  *) echo "usage: scripts/setup.sh [--enrol|--test]" >&2; exit 2 ;;
esac

missing=()
for package in "${wanted[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if ((${#missing[@]} > 0)); then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=()
  if [[ "$(id -u)" != "0" ]]; then sudo_cmd=(sudo); fi
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v dotnet >/dev/null 2>&1; then
  echo "setup: the .NET 10 SDK is required (dotnet on PATH); see https://dot.net" >&2
  exit 1
fi

# Silero VAD v5 (MIT) from the npm package @ricky0123/vad-web; the service and the tests read it from the cache.
silero_package="@ricky0123/vad-web@0.0.31"
silero_sha256="2623a2953f6ff3d2c1e61740c6cdb7168133479b267dfef114a4a3cc5bdd788f"
silero_dir="${XDG_CACHE_HOME:-$HOME/.cache}/audio-orchestrator/models"
silero_model="$silero_dir/silero_vad_v5.onnx"
sha256_of() { sha256sum "$1" | cut -d' ' -f1; }
if [[ -f "$silero_model" && "$(sha256_of "$silero_model")" == "$silero_sha256" ]]; then
  :
else
  if [[ -f "$silero_model" ]]; then
    echo "setup: $silero_model has the wrong sha256; fetching it again"
  fi
  if ! command -v npm >/dev/null 2>&1; then
    echo "setup: npm is required (on PATH) to fetch the Silero VAD model from $silero_package" >&2
    exit 1
  fi
  echo "setup: fetching the Silero VAD model from $silero_package"
  silero_tmp="$(mktemp -d)"
  trap 'rm -rf "$silero_tmp"' EXIT
  (cd "$silero_tmp" && npm pack --silent "$silero_package" >/dev/null) || {
    echo "setup: npm pack $silero_package failed" >&2
    exit 1
  }
  tar -xzf "$silero_tmp"/*.tgz -C "$silero_tmp" package/dist/silero_vad_v5.onnx
  actual="$(sha256_of "$silero_tmp/package/dist/silero_vad_v5.onnx")"
  if [[ "$actual" != "$silero_sha256" ]]; then
    echo "setup: silero_vad_v5.onnx from $silero_package has sha256 $actual, expected $silero_sha256" >&2
    exit 1
  fi
  mkdir -p "$silero_dir"
  cp "$silero_tmp/package/dist/silero_vad_v5.onnx" "$silero_model.tmp.$$"
  mv -f "$silero_model.tmp.$$" "$silero_model"
  rm -rf "$silero_tmp"
  trap - EXIT
  echo "setup: Silero VAD model cached at $silero_model"
fi
