#!/usr/bin/env bash
# Installs what the service and its tests need, only where it is missing (idempotent).
#   scripts/setup.sh          native runtime libraries for the service
#   scripts/setup.sh --enrol  plus the CMUSphinx training tools voice enrolment runs (scripts/run.sh --enrol-espeak)
#   scripts/setup.sh --test   plus the tools the tests use (sox, espeak-ng CLI, flite, and the CMUSphinx
#                             training tools that SpeakerAdaptation runs to enrol the espeak-ng voice, and the
#                             PostgreSQL server the persistence tests run against; scripts/test.sh starts it)
set -euo pipefail

runtime_packages=(libopus0 libsoxr0 libsodium23 libespeak-ng1 espeak-ng-data libpocketsphinx3 libsphinxbase3 pocketsphinx-en-us)
enrol_packages=(sphinxtrain sphinxbase-utils pocketsphinx)
test_packages=(espeak-ng sox flite postgresql "${enrol_packages[@]}")

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
