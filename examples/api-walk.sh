#!/usr/bin/env bash
# A walk through stagegate's HTTP API with curl: submit an idea (with an Idempotency-Key), read it,
# list ideas, cast a reviewer's vote, run a report. Against `stagegate dev`, with the key it prints:
#
#   STAGEGATE_API_KEY=sgk_... bash examples/api-walk.sh
#
# STAGEGATE_URL is http://localhost:3000 unless set. The key needs the scopes submit, read and
# decide (the dev key has every scope). Needs bash, curl, grep and sed; nothing else.
set -euo pipefail

url="${STAGEGATE_URL:-http://localhost:3000}/api/v1"
key="${STAGEGATE_API_KEY:?set STAGEGATE_API_KEY to an API key (stagegate dev prints one)}"
reviewer="${STAGEGATE_REVIEWER:-hamid@cornerbakery.example}"

# curl with the key, failing on any HTTP error after printing the problem details it came with.
api() {
  local method="$1" path="$2"
  shift 2
  local answer status
  answer="$(curl -sS -X "$method" -H "Authorization: Bearer $key" -H 'Accept: application/json' -w '\n%{http_code}' "$@" "$url$path")"
  status="${answer##*$'\n'}"
  answer="${answer%$'\n'*}"
  if [ "$status" -ge 400 ]; then
    echo "$method $path answered $status: $answer" >&2
    return 1
  fi
  printf '%s\n' "$answer"
}

# The value of a top-level string field of a JSON answer (enough for ids and statuses).
field() { grep -o "\"$1\":\"[^\"]*\"" | head -n 1 | sed 's/^.*:"\(.*\)"$/\1/'; }

# The same key may be sent again (a timeout, a retry): the answer is the same idea, never a second one.
idempotency_key="walk-$(date +%s)-$RANDOM"
submission='{
  "title": "Pumpkin spice pastry",
  "description": "Customers keep asking for a seasonal pumpkin pastry in autumn.",
  "source": "customer",
  "submitter": { "email": "grace@customer.example", "name": "Grace Hall" },
  "category": "product"
}'

echo "1. Submit an idea (Idempotency-Key: $idempotency_key)"
submitted="$(api POST /ideas -H 'Content-Type: application/json' -H "Idempotency-Key: $idempotency_key" --data "$submission")"
echo "   $submitted"
idea="$(field ideaId <<<"$submitted")"

echo "2. Submit it again with the same key: the same idea, created false"
echo "   $(api POST /ideas -H 'Content-Type: application/json' -H "Idempotency-Key: $idempotency_key" --data "$submission")"

echo "3. Read the idea until its first gate round is open"
for _ in $(seq 1 60); do
  shown="$(api GET "/ideas/$idea")"
  status="$(field status <<<"$shown")"
  [ "$status" = in-review ] && break
  sleep 0.5
done
echo "   $idea is $status"
[ "$status" = in-review ]

echo "4. List ideas in review, two a page (pass next back as cursor for the page after)"
echo "   $(api GET '/ideas?status=in-review&limit=2')"

echo "5. Vote go at the open round for $reviewer"
vote='{ "reviewer": "'"$reviewer"'", "decision": "go", "scores": { "feasibility": 4, "impact": 5, "alignment": 4 }, "comment": "Customers ask every autumn" }'
echo "   $(api POST "/ideas/$idea/votes" -H 'Content-Type: application/json' --data "$vote")"

echo "6. Run the funnel report"
echo "   $(api GET /reports/funnel | cut -c 1-300)"

echo "Done: the OpenAPI document is at $url/openapi.json"
