#!/usr/bin/env bash
# Helicone's documented prompt API calls, as curl, against promptreg: the same requests work against
# Helicone by changing the base URL and key. Each step prints the request and the answer.
#
#   PROMPTREG_API_KEY=dev-admin-key-change-me bash apps/example-rest/scripts/helicone-curl.sh
#
# PROMPTREG_URL (default http://127.0.0.1:8787), PROMPTREG_API_KEY (required).
# JSON fields are read with jq when it is installed, else with node (PROMPTREG_JSON_TOOL=node forces node).
# The gateway steps need an upstream: OPENAI_API_KEY on the server, or the fake LLM (see README.md).
set -euo pipefail

URL="${PROMPTREG_URL:-http://127.0.0.1:8787}"
URL="${URL%/}"
KEY="${PROMPTREG_API_KEY:?set PROMPTREG_API_KEY (dev-admin-key-change-me with pnpm start)}"

command -v curl >/dev/null || { echo "curl is required" >&2; exit 1; }
if [[ "${PROMPTREG_JSON_TOOL:-}" != "node" ]] && command -v jq >/dev/null; then JSON_TOOL=jq; else JSON_TOOL=node; fi
command -v "$JSON_TOOL" >/dev/null || { echo "jq or node is required" >&2; exit 1; }

HEADERS_FILE=$(mktemp)
trap 'rm -f "$HEADERS_FILE"' EXIT

# field FILTER: the value at FILTER (a jq path such as .data.id or .data[0].id) of the JSON on stdin;
# strings raw, objects and arrays as JSON, "null" when absent.
field() {
  if [[ $JSON_TOOL == jq ]]; then
    jq -r "$1"
  else
    node -e '
      let text = "";
      process.stdin.on("data", (c) => (text += c)).on("end", () => {
        let value = JSON.parse(text);
        for (const [, key, index] of process.argv[1].matchAll(/\.([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]/g)) {
          value = value === null || value === undefined ? undefined : value[key ?? Number(index)];
        }
        console.log(value === null || value === undefined ? "null" : typeof value === "object" ? JSON.stringify(value) : String(value));
      });' "$1"
  fi
}

# pretty TEXT: prints TEXT, indented when it is JSON and jq is at hand.
pretty() {
  if [[ $JSON_TOOL == jq ]] && printf '%s' "$1" | jq . 2>/dev/null; then return; fi
  printf '%s\n' "$1"
}

STEP=0
# step TITLE: announces the next step.
step() {
  STEP=$((STEP + 1))
  printf '\n== %d. %s\n' "$STEP" "$1"
}

# request METHOD PATH [JSON] [EXPECTED_STATUS]: calls the API with the key, prints the request and the
# answer, and stops the script unless the status is EXPECTED_STATUS (default: any 2xx).
# Leaves the answer in $BODY, its status in $STATUS and its headers in $HEADERS_FILE.
request() {
  local method=$1 path=$2 data=${3-} expected=${4-}
  local args=(-sS -X "$method" -H "Authorization: Bearer $KEY" -D "$HEADERS_FILE" -w '\n%{http_code}')
  if [[ -n $data ]]; then args+=(-H "Content-Type: application/json" --data-binary "$data"); fi
  printf '$ curl -X %s %s -H "Authorization: Bearer $PROMPTREG_API_KEY"%s\n' "$method" "$URL$path" "${data:+ -H \"Content-Type: application/json\" -d '$data'}"
  local out
  out=$(curl "${args[@]}" "$URL$path") || { echo "cannot reach $URL" >&2; exit 1; }
  STATUS=${out##*$'\n'}
  BODY=${out%$'\n'*}
  echo "-> $STATUS"
  pretty "$BODY"
  if [[ -n $expected && $STATUS != "$expected" ]] || [[ -z $expected && ! $STATUS =~ ^2 ]]; then
    echo "unexpected status $STATUS for $method $path" >&2
    exit 1
  fi
}

# header NAME: a header of the last answer.
header() {
  { grep -i "^$1:" "$HEADERS_FILE" || true; } | head -n1 | cut -d' ' -f2- | tr -d '\r'
}

# expect_equal WHAT ACTUAL EXPECTED: stops the script when they differ.
expect_equal() {
  if [[ $2 != "$3" ]]; then
    echo "$1: expected $3, got $2" >&2
    exit 1
  fi
}

echo "promptreg at $URL (JSON via $JSON_TOOL)"

step "Create a prompt (POST /v1/prompt-2025): version 1.0, deployed to production"
NAME="customer-support-curl-$(date +%s)"
request POST /v1/prompt-2025 '{
  "name": "'"$NAME"'",
  "tags": ["support", "curl-example"],
  "promptBody": {
    "model": "gpt-4o-mini",
    "temperature": 0.7,
    "messages": [
      {"role": "system", "content": "You are a helpful customer support agent for {{hc:company:string}}. Be friendly and solution-oriented."},
      {"role": "user", "content": "Customer {{hc:customer_name:string}} is asking about {{hc:issue_type:string}}"}
    ]
  }
}' 201
PROMPT_ID=$(printf '%s' "$BODY" | field .data.id)
V1=$(printf '%s' "$BODY" | field .data.versionId)

step "Get the prompt (GET /v1/prompt-2025/id/{promptId})"
request GET "/v1/prompt-2025/id/$PROMPT_ID"
expect_equal "prompt name" "$(printf '%s' "$BODY" | field .data.name)" "$NAME"

step "Query versions (POST /v1/prompt-2025/query/versions)"
request POST /v1/prompt-2025/query/versions '{"promptId": "'"$PROMPT_ID"'"}'
expect_equal "newest version" "$(printf '%s' "$BODY" | field .data[0].id)" "$V1"

step "Query one version (POST /v1/prompt-2025/query/version)"
request POST /v1/prompt-2025/query/version '{"promptVersionId": "'"$V1"'"}'
expect_equal "1.0 environments" "$(printf '%s' "$BODY" | field .data.environments[0])" "production"

step "Create a subversion (legacy POST /v1/prompt/version/{promptVersionId}/subversion): 1.1"
request POST "/v1/prompt/version/$V1/subversion" '{
  "newHeliconeTemplate": {
    "model": "gpt-4o-mini",
    "messages": [
      {"role": "system", "content": "You are an expert customer support assistant with detailed product knowledge."},
      {"role": "user", "content": "{{user_question}}"}
    ]
  },
  "isMajorVersion": false,
  "metadata": {"changelog": "Enhanced system prompt with product expertise"}
}' 201
V2=$(printf '%s' "$BODY" | field .data.id)
expect_equal "subversion number" "$(printf '%s' "$BODY" | field .data.major_version).$(printf '%s' "$BODY" | field .data.minor_version)" "1.1"

step "Deploy 1.1 to staging (POST /v1/prompt-2025/update/environment)"
request POST /v1/prompt-2025/update/environment '{"promptId": "'"$PROMPT_ID"'", "promptVersionId": "'"$V2"'", "environment": "staging"}'

step "What staging serves, with its body (POST /v2/prompt-2025/query/environment-version)"
request POST /v2/prompt-2025/query/environment-version '{"promptId": "'"$PROMPT_ID"'", "environment": "staging"}'
expect_equal "staging version" "$(printf '%s' "$BODY" | field .data.id)" "$V2"
S3_URL=$(printf '%s' "$BODY" | field .data.s3_url)

step "What production serves (POST /v1/prompt-2025/query/production-version)"
request POST /v1/prompt-2025/query/production-version '{"promptId": "'"$PROMPT_ID"'"}'
expect_equal "production version" "$(printf '%s' "$BODY" | field .data.id)" "$V1"

step "The body of 1.1 (GET /v1/prompt-2025/{promptVersionId}/prompt-body)"
request GET "/v1/prompt-2025/$V2/prompt-body"
expect_equal "1.1 user message" "$(printf '%s' "$BODY" | field .data.messages[1].content)" "{{user_question}}"

step "The signed s3_url, fetched without a key (as Helicone's SDK does)"
printf "\$ curl '%s'\n" "$S3_URL"
SIGNED=$(curl -sS --fail "$S3_URL") || { echo "the signed s3_url did not answer 2xx" >&2; exit 1; }
pretty "$SIGNED"
expect_equal "signed body model" "$(printf '%s' "$SIGNED" | field .model)" "gpt-4o-mini"

step "Gateway, production (POST /v1/chat/completions with prompt_id + inputs)"
request POST /v1/chat/completions '{
  "prompt_id": "'"$PROMPT_ID"'",
  "inputs": {"company": "TechCorp", "customer_name": "Sarah Johnson", "issue_type": "billing"}
}'
PRODUCTION_ANSWER=$(printf '%s' "$BODY" | field .choices[0].message.content)
PRODUCTION_SERVED=$(header x-prompt-version)
echo "x-prompt-version: $PRODUCTION_SERVED"

step "Gateway, staging (POST /v1/chat/completions with prompt_id + environment + inputs)"
request POST /v1/chat/completions '{
  "prompt_id": "'"$PROMPT_ID"'",
  "environment": "staging",
  "inputs": {"user_question": "I was charged twice this month"}
}'
STAGING_ANSWER=$(printf '%s' "$BODY" | field .choices[0].message.content)
STAGING_SERVED=$(header x-prompt-version)
echo "x-prompt-version: $STAGING_SERVED"
expect_equal "version served by staging" "$STAGING_SERVED" "1.1"

step "Remove staging from 1.1 (POST /v1/prompt-2025/remove/environment)"
request POST /v1/prompt-2025/remove/environment '{"promptId": "'"$PROMPT_ID"'", "promptVersionId": "'"$V2"'", "environment": "staging"}'

step "Staging now serves nothing: 404 (POST /v1/prompt-2025/query/environment-version)"
request POST /v1/prompt-2025/query/environment-version '{"promptId": "'"$PROMPT_ID"'", "environment": "staging"}' 404

printf '\n== Summary\n'
echo "prompt: $PROMPT_ID ($NAME)"
echo "version 1.0: $V1 (production)"
echo "version 1.1: $V2 (subversion; staging until removed)"
echo "gateway production served $PRODUCTION_SERVED: $PRODUCTION_ANSWER"
echo "gateway staging served $STAGING_SERVED: $STAGING_ANSWER"
echo "OK"
