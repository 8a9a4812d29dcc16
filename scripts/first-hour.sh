#!/usr/bin/env bash
# The first hour of a new user, timed: git clone -> pnpm install -> pnpm start (packages, embedded
# database) -> a prompt created with the README's curl -> a gateway answer streamed from the offline fake
# LLM, chunk by chunk. Each step prints its time; everything it starts is stopped at the end.
#
#   bash scripts/first-hour.sh                 # clones this checkout's current branch into a temp dir
#   PROMPTREG_REPO=https://github.com/…/promptreg.git PROMPTREG_REF=main bash scripts/first-hour.sh
#   KEEP=1 bash scripts/first-hour.sh          # keep the clone (its path is printed)
#
# Needs what the README's "Two commands" need: Node >= 20.19, pnpm 10, Go >= 1.24 (the embedded
# database is built from source on a fresh clone), git, curl. No network for the LLM: the fake answers.
set -euo pipefail
if [ -z "${EPOCHREALTIME:-}" ]; then echo "needs bash >= 5 (for EPOCHREALTIME)"; exit 2; fi

here="$(cd "$(dirname "$0")/.." && pwd)"
repo="${PROMPTREG_REPO:-$here}"
ref="${PROMPTREG_REF:-$(git -C "$here" rev-parse --abbrev-ref HEAD)}"
work="$(mktemp -d "${TMPDIR:-/tmp}/promptreg-first-hour.XXXXXX")"
clone="$work/promptreg"
key="first-hour-admin-key-0123456789"
free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
port="$(free_port)"
fake_port="$(free_port)"
url="http://127.0.0.1:$port"

# Seconds with microseconds (bash >= 5), for step times and each streamed chunk's arrival.
now() { printf '%s' "${EPOCHREALTIME/,/.}"; }
since() { awk -v a="$1" -v b="$(now)" -v scale="${2:-1}" -v fmt="${3:-%.1f}" 'BEGIN { printf fmt, (b - a) * scale }'; }
t0=$(now)
step_started=$t0
step() { step_started=$(now); printf '\n== %s\n' "$1"; }
took() { printf -- '-- %s: %s s (total %s s)\n' "$1" "$(since "$step_started")" "$(since "$t0")"; }

server_pid=""
fake_pid=""
cleanup() {
  # Ctrl-C-like stop of pnpm start's whole process group (pnpm, turbo, the server, the embedded database:
  # the server shuts down gracefully and stops the database), then TERM for whatever is left, then the fake.
  if [ -n "$server_pid" ] && kill -0 -- "-$server_pid" 2>/dev/null; then
    kill -INT -- "-$server_pid" 2>/dev/null || true
    for _ in $(seq 1 40); do kill -0 -- "-$server_pid" 2>/dev/null || break; sleep 0.25; done
    kill -TERM -- "-$server_pid" 2>/dev/null || true
  fi
  if [ -n "$fake_pid" ]; then kill "$fake_pid" 2>/dev/null || true; fi
  if [ "${KEEP:-0}" = "1" ]; then echo "kept: $clone"; else rm -rf "$work"; fi
}
trap cleanup EXIT

step "git clone ($repo, $ref)"
git clone --quiet --depth 1 --branch "$ref" "file://$(cd "$repo" 2>/dev/null && pwd || echo "$repo")" "$clone" 2>/dev/null || git clone --quiet --depth 1 --branch "$ref" "$repo" "$clone"
cd "$clone"
took "clone"

step "pnpm install (the README's first command)"
pnpm install --frozen-lockfile --reporter=silent
took "install"

step "pnpm start (builds the packages and, once, the embedded database; then serves $url)"
# The server is pointed at the fake LLM's port now; the fake starts once pnpm start has built it.
# Job control on for this one job: it gets a process group of its own (cleanup signals the whole group:
# pnpm's children would outlive pnpm), and SIGINT is not ignored as it is for a script's background jobs.
set -m
PORT="$port" PROMPTREG_API_KEY="$key" OPENAI_BASE_URL="http://127.0.0.1:$fake_port/v1" OPENAI_API_KEY=sk-offline \
  PROMPTREG_LOG_LEVEL=warn pnpm start > "$work/start.log" 2>&1 &
server_pid=$!
set +m
printed=0
until curl -sf "$url/healthz" > /dev/null 2>&1; do
  if ! kill -0 "$server_pid" 2>/dev/null; then cat "$work/start.log"; echo "pnpm start ended"; exit 1; fi
  lines=$(wc -l < "$work/start.log")
  if [ "$lines" -gt "$printed" ]; then sed -n "$((printed + 1)),${lines}p" "$work/start.log" | sed 's/^/   | /'; printed=$lines; fi
  sleep 0.5
done
sed -n "$((printed + 1)),\$p" "$work/start.log" | sed 's/^/   | /'
took "start"

step "the offline fake LLM on :$fake_port (streams when asked)"
# The fake's command line answers with one JSON completion; a streamed answer needs it told to stream, which
# its module does (startFakeLlm().behave): the pieces below arrive 150 ms apart, as a model's tokens would.
# When the command line streams by itself (stream: true in the request), it is used as is.
node packages/fake-llm/bin/promptreg-fake-llm.js "$fake_port" > "$work/fake.log" 2>&1 &
fake_pid=$!
until curl -s "http://127.0.0.1:$fake_port/v1/chat/completions" -d '{}' > /dev/null 2>&1; do sleep 0.2; done
if curl -s -D - -o /dev/null "http://127.0.0.1:$fake_port/v1/chat/completions" -H 'content-type: application/json' \
  -d '{"model":"m","stream":true,"messages":[{"role":"user","content":"hi"}]}' | grep -qi '^content-type: text/event-stream'; then
  echo "   the fake's command line streams: using it"
else
  kill "$fake_pid"; wait "$fake_pid" 2>/dev/null || true
  node --input-type=module -e "
    import { startFakeLlm } from './packages/fake-llm/dist/index.js';
    const fake = await startFakeLlm({ port: $fake_port, record: false });
    fake.behave({ kind: 'stream', chunks: ['Your order ', 'left our warehouse ', 'this morning ', 'and arrives ', 'tomorrow.'], delayMs: 150 });
    process.on('SIGTERM', () => fake.close().then(() => process.exit(0)));
  " > "$work/fake.log" 2>&1 &
  fake_pid=$!
  until curl -s "http://127.0.0.1:$fake_port/v1/chat/completions" -d '{}' -o /dev/null 2>/dev/null; do sleep 0.2; done
  echo "   the fake's command line answers in one piece: started it from its module, streaming five fixed pieces"
fi
took "fake LLM"

step "create a prompt (the README's quick start)"
H=(-H "Authorization: Bearer $key" -H "Content-Type: application/json")
created=$(curl -s "${H[@]}" "$url/v1/prompt-2025" -d '{
  "name": "support-agent", "tags": ["support"],
  "promptBody": {"model": "gpt-4o-mini", "temperature": 0.2, "messages": [
    {"role": "system", "content": "You help customers of {{hc:company:string}}."},
    {"role": "user", "content": "{{hc:question:string}}"}]}}')
echo "   $created"
PROMPT=$(node -pe 'JSON.parse(process.argv[1]).data.id' "$created")
took "create"

step "a streamed answer through the gateway (prompt_id + inputs, stream: true)"
t_request=$(now)
curl -sN "${H[@]}" "$url/v1/chat/completions" \
  -d "{\"prompt_id\": \"$PROMPT\", \"inputs\": {\"company\": \"Acme\", \"question\": \"Where is my order?\"}, \"stream\": true}" |
  while IFS= read -r line; do
    [ -z "$line" ] && continue
    printf '   +%5s ms  %s\n' "$(since "$t_request" 1000 %.0f)" "$line"
  done
took "streamed answer"

printf '\n== first hour: from git clone to a streamed answer in %s s\n' "$(since "$t0")"
