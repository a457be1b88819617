#!/usr/bin/env bash
# Starts AudioOrchestrator with embedded defaults on http://127.0.0.1:5000 (no keys, no servers).
#   scripts/run.sh                      the service (arguments go to it: --urls ..., --Section:Key=value)
#   scripts/run.sh --enrol-espeak       first enrol pocketsphinx to espeak-ng's en-us voice (once, ~20 s, cached),
#                                       then start with that model, so questions made with espeak-ng are understood
#   scripts/run.sh --input q.wav --output a.wav     answer one recorded question and exit
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ "${1:-}" == "--enrol-espeak" ]]; then
  shift
  scripts/setup.sh --enrol
  model="${XDG_CACHE_HOME:-$HOME/.cache}/audio-orchestrator/espeak-en-us"
  if [[ ! -f "$model/ADAPTATION" ]]; then
    dotnet run --project src/AudioOrchestrator.Silo -c Release -- --enrol-espeak-voice --model-output "$model"
  fi
  set -- "--Speech:PocketSphinx:AcousticModelPath=$model" "$@"
else
  scripts/setup.sh
fi

exec dotnet run --project src/AudioOrchestrator.Silo -c Release -- "$@"
