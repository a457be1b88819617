#!/usr/bin/env bash
# Runs every test of the solution (real native libraries, real sockets) and ends with one summary line:
#   N passed, N failed, N skipped
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test || exit 1

# PostgreSQL for tests/AudioOrchestrator.Persistence.Tests, Archive.Tests and Cluster.Tests: starts the local server (Debian cluster of the newest
# installed version) on 127.0.0.1, makes a role that may create the per-test databases, and exports its connection
# string. Idempotent; an AUDIOORCHESTRATOR_TEST_POSTGRES already set (another server) is kept as is.
start_test_postgres() {
  local role=audioorchestrator_test password=audioorchestrator_test version port
  local root=() as_postgres=(runuser -u postgres --)
  if [[ "$(id -u)" != "0" ]]; then root=(sudo); as_postgres=(sudo -u postgres); fi
  version="$(ls /usr/lib/postgresql 2>/dev/null | sort -V | tail -n 1)"
  if [[ -z "$version" ]] || ! command -v pg_lsclusters >/dev/null; then
    echo "test: PostgreSQL is not installed (scripts/setup.sh --test installs it)" >&2
    return 1
  fi
  if [[ -z "$(pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main"')" ]]; then
    "${root[@]}" pg_createcluster "$version" main >/dev/null || return 1
  fi
  if [[ -z "$(pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" && $4 == "online"')" ]]; then
    "${root[@]}" pg_ctlcluster "$version" main start || return 1
  fi
  port="$(pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" {print $3}')"
  for _ in $(seq 1 30); do
    pg_isready -q -h 127.0.0.1 -p "$port" && break
    sleep 1
  done
  (cd / && "${as_postgres[@]}" psql -p "$port" -q -v ON_ERROR_STOP=1 -c "
    DO \$\$ BEGIN
      IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$role') THEN
        CREATE ROLE $role LOGIN CREATEDB PASSWORD '$password';
      ELSE
        ALTER ROLE $role LOGIN CREATEDB PASSWORD '$password';
      END IF;
    END \$\$;") || return 1
  if [[ "$(cd / && "${as_postgres[@]}" psql -p "$port" -tAc "SELECT 1 FROM pg_database WHERE datname = '$role'")" != "1" ]]; then
    (cd / && "${as_postgres[@]}" createdb -p "$port" -O "$role" "$role") || return 1
  fi
  export AUDIOORCHESTRATOR_TEST_POSTGRES="Host=127.0.0.1;Port=$port;Username=$role;Password=$password;Database=$role"
  echo "test: PostgreSQL $version on 127.0.0.1:$port (AUDIOORCHESTRATOR_TEST_POSTGRES)"
}
if [[ -z "${AUDIOORCHESTRATOR_TEST_POSTGRES:-}" ]]; then
  start_test_postgres || echo "test: PostgreSQL could not be started; the persistence and archive tests will fail" >&2
fi

log="$(mktemp)"
# Services the tests start archive their turns in a file of this run, not in the user's own archive.
archive_dir="$(mktemp -d)"
export Archive__SqlitePath="${Archive__SqlitePath:-$archive_dir/archive.db}"
trap 'rm -f "$log"; rm -rf "$archive_dir"' EXIT
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
# The failures again, just above the summary, so the end of a long log says which tests failed and why.
if ((failed > 0)); then
  echo "Failed tests:"
  awk '/^failed / {show = 1; lines = 0; print; next}
       show && /^  / && lines < 12 {print; lines++; next}
       {show = 0}' "$log"
fi
echo "${passed} passed, ${failed} failed, ${skipped} skipped"
exit "$status"
