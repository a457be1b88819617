#!/usr/bin/env bash
# Starts AudioOrchestrator with embedded defaults on http://127.0.0.1:5000 (no keys, no servers).
# Extra arguments go to the service, e.g. --urls http://0.0.0.0:8080 or --input q.wav --output a.wav
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec dotnet run --project src/AudioOrchestrator.Silo -c Release -- "$@"
