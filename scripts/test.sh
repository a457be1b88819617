#!/usr/bin/env bash
# Runs every test of the solution (real native libraries, real sockets) and ends with one summary line:
#   N passed, N failed, N skipped
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test || exit 1

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
dotnet test --solution AudioOrchestrator.sln -c Release --no-progress 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

# Microsoft.Testing.Platform prints one block per test project: "failed: N", "succeeded: N", "skipped: N".
sum() { grep -E "^\s+$1: [0-9]+" "$log" | awk '{s+=$2} END {print s+0}'; }
passed=$(sum succeeded)
failed=$(sum failed)
skipped=$(sum skipped)
if ((status != 0 && failed == 0)); then
  failed=1 # the build or a test host failed outside any test
fi
echo "${passed} passed, ${failed} failed, ${skipped} skipped"
exit "$status"
