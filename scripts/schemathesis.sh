#!/usr/bin/env bash
# Property-based test of the HTTP API with schemathesis: it reads GET /openapi.json from a live server and
# sends generated requests (valid and invalid) to every operation, checking that no answer is a 5xx and
# that every answer matches the document (status, content type, headers, body schema).
#
#   scripts/schemathesis.sh                 # builds, starts FerretDB + server + fake upstream, runs, stops
#   SCHEMATHESIS_MAX_EXAMPLES=50 SCHEMATHESIS_MAX_TIME=600 scripts/schemathesis.sh
#   SCHEMATHESIS_PYTHON=/path/to/python3.13 scripts/schemathesis.sh       # the Python of its virtualenv
#   scripts/schemathesis.sh --include-path-regex '^/v1/chat'   # extra arguments go to `schemathesis run`
#
# Bounded: SCHEMATHESIS_MAX_TIME seconds of testing in all (default 180; the fuzzing and stateful phases
# repeat until it is spent), SCHEMATHESIS_MAX_EXAMPLES cases per operation and round (default 30).
# Exits non-zero when schemathesis finds a failure. Reports land in .cache/schemathesis/ (JUnit XML).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

ST_VERSION=4.32.5
max_examples=${SCHEMATHESIS_MAX_EXAMPLES:-30}
max_time=${SCHEMATHESIS_MAX_TIME:-180}
api_key=schemathesis-admin-key-0123456789
report_dir="$root/.cache/schemathesis"
export TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1

# schemathesis itself: the pinned version on PATH, else a virtualenv of our own (PyPI, once) on the newest
# Python found (SCHEMATHESIS_PYTHON to choose; CPython before 3.11.8 / 3.12.2 can crash inside Hypothesis
# with "AST constructor recursion depth mismatch", gh-106905).
if command -v schemathesis >/dev/null 2>&1 && schemathesis --version 2>/dev/null | grep -q "version ${ST_VERSION}$"; then
  st=schemathesis
else
  python=${SCHEMATHESIS_PYTHON:-}
  if [ -z "$python" ]; then
    for candidate in python3.13 python3.12 python3; do
      if "$candidate" -c "" 2>/dev/null; then python=$candidate; break; fi
    done
  fi
  venv="$root/.cache/schemathesis-venv-$("$python" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])')"
  if ! "$venv/bin/schemathesis" --version 2>/dev/null | grep -q "version ${ST_VERSION}$"; then
    echo "installing schemathesis ${ST_VERSION} into $venv"
    "$python" -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==${ST_VERSION}"
  fi
  st="$venv/bin/schemathesis"
fi

# The server and the fake upstream, built; the embedded database binary, built once (cached).
pnpm turbo run build --filter=@promptreg/server... --filter=@promptreg/fake-llm --output-logs=errors-only
pnpm db:build >/dev/null

work=$(mktemp -d "${TMPDIR:-/tmp}/promptreg-schemathesis.XXXXXX")
server_pid="" fake_pid=""
cleanup() {
  # Our own children only, by pid; SIGTERM lets the server stop its embedded FerretDB.
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
  [ -n "$fake_pid" ] && kill "$fake_pid" 2>/dev/null && wait "$fake_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

# Waits until a log file holds a line matching a pattern (or the process died), then prints that line.
wait_for_line() {
  local file=$1 pattern=$2 pid=$3
  for _ in $(seq 1 600); do
    if grep -q -m1 -E "$pattern" "$file" 2>/dev/null; then grep -m1 -E "$pattern" "$file"; return 0; fi
    kill -0 "$pid" 2>/dev/null || { echo "process $pid exited:" >&2; cat "$file" >&2; return 1; }
    sleep 0.1
  done
  echo "timed out waiting for /$pattern/ in $file" >&2
  return 1
}

# A fake OpenAI-compatible upstream on a free loopback port, so gateway calls answer without a real key.
node packages/fake-llm/dist/cli.js 0 >"$work/fake.log" 2>&1 &
fake_pid=$!
fake_url=$(wait_for_line "$work/fake.log" "OPENAI_BASE_URL=" "$fake_pid" | sed -E 's/.*OPENAI_BASE_URL=([^ ]+).*/\1/')

# The server on a free port (PORT=0), its own embedded FerretDB in a throw-away data directory.
PORT=0 HOST=127.0.0.1 MONGODB_URI="" PROMPTREG_DATA_DIR="$work/data" PROMPTREG_API_KEY="$api_key" \
  PROMPTREG_LOG_LEVEL=info OPENAI_BASE_URL="$fake_url" OPENAI_API_KEY=sk-fake \
  node apps/server/dist/main.js >"$work/server.log" 2>&1 &
server_pid=$!
url=$(wait_for_line "$work/server.log" '"url":"http://' "$server_pid" | sed -E 's/.*"url":"([^"]+)".*/\1/')
echo "server at $url (fake upstream at $fake_url)"

# Seed data, and hand its ids to schemathesis as dictionaries: generated requests then reach real prompts,
# versions and environments most of the time, instead of stopping at a 404 for a random id.
api() { curl -sS --fail-with-body -H "Authorization: Bearer $api_key" -H "Content-Type: application/json" "$url$1" -d "$2"; }
json_field() { node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{let v=JSON.parse(s);for(const k of process.argv[1].split("."))v=v[k];process.stdout.write(String(v))})' "$1"; }
body='{"model":"gpt-4o-mini","temperature":0.2,"messages":[{"role":"system","content":"You help {{hc:company:string}}."},{"role":"user","content":"{{hc:question:string}}"}]}'
prompt_ids=() version_ids=()
for n in 1 2 3 4 5 6; do
  created=$(api /v1/prompt-2025 "{\"name\":\"seed $n\",\"tags\":[\"seed\"],\"promptBody\":$body}")
  prompt_id=$(json_field data.id <<<"$created")
  first=$(json_field data.versionId <<<"$created")
  second=$(api /v1/prompt-2025/update "{\"promptId\":\"$prompt_id\",\"promptVersionId\":\"$first\",\"commitMessage\":\"seed\",\"environment\":\"staging\",\"promptBody\":$body}" | json_field data.id)
  prompt_ids+=("\"$prompt_id\"") version_ids+=("\"$first\"" "\"$second\"")
done
# A signed body URL (s3_url) of one seeded version: its path id, expiry and signature.
s3_url=$(api /v1/prompt-2025/query/version "{\"promptVersionId\":$(cut -d, -f1 <<<"${version_ids[0]}")}" | json_field data.s3_url)
signed_version=$(sed -E 's#.*/prompt-body/([^?]+)\?.*#\1#' <<<"$s3_url")
signed_expires=$(sed -E 's#.*[?&]expires=([^&]+).*#\1#' <<<"$s3_url")
signed_signature=$(sed -E 's#.*[?&]signature=([^&]+).*#\1#' <<<"$s3_url")
join() { local IFS=,; echo "$*"; }
cat >"$work/schemathesis.toml" <<TOML
[cache]
directory = "$report_dir/state"

[dictionaries]
prompt-ids = { values = [$(join "${prompt_ids[@]}")] }
version-ids = { values = [$(join "${version_ids[@]}")] }
environments = { values = ["production", "staging"] }
signed-version = { values = ["$signed_version"] }
signed-expires = { values = ["$signed_expires"] }
signed-signature = { values = ["$signed_signature"] }

[parameters]
"path.promptId" = { dictionary = "prompt-ids", probability = 0.7 }
"body.promptId" = { dictionary = "prompt-ids", probability = 0.7 }
"body.prompt_id" = { dictionary = "prompt-ids", probability = 0.7 }
"path.promptVersionId" = { dictionary = "version-ids", probability = 0.7 }
"path.versionId" = { dictionary = "signed-version", probability = 0.8 }
"query.expires" = { dictionary = "signed-expires", probability = 0.8 }
"query.signature" = { dictionary = "signed-signature", probability = 0.8 }
"body.promptVersionId" = { dictionary = "version-ids", probability = 0.7 }
"body.version_id" = { dictionary = "version-ids", probability = 0.5 }
"body.environment" = { dictionary = "environments", probability = 0.7 }
TOML

mkdir -p "$report_dir"
status=0
"$st" --config-file "$work/schemathesis.toml" run "$url/openapi.json" \
  --header "Authorization: Bearer $api_key" \
  --checks "${SCHEMATHESIS_CHECKS:-not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance}" \
  --exclude-path /v1/deployments/stream \
  --max-examples "$max_examples" \
  --max-time "$max_time" \
  --request-timeout 10 \
  --workers 2 \
  --seed "${SCHEMATHESIS_SEED:-42}" \
  --report junit --report-dir "$report_dir" \
  "$@" || status=$?

# What the server saw, from its request log: one line per request.
echo "the server answered $(grep -c '"msg":"request completed"' "$work/server.log") requests; by status:"
grep -o '"status":[0-9]*' "$work/server.log" | cut -d: -f2 | sort | uniq -c | sort -k2 | tr '\n' ' '
echo
if grep -q '"level":50' "$work/server.log"; then
  echo "the server logged errors during the run:" >&2
  grep '"level":50' "$work/server.log" | head -20 >&2
  [ "$status" -ne 0 ] || status=1
fi
exit "$status"
