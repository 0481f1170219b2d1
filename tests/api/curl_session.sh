#!/usr/bin/env bash
# The README's curl session, run as written by tests/api/test_curl_session.py.
# Needs: ona (on PATH), curl, jq. Run from the repository root:
#   PORT=8000 STORE=ona.duckdb bash tests/api/curl_session.sh
set -euo pipefail
PORT=${PORT:-8000}
STORE=${STORE:-ona.duckdb}
URL=http://127.0.0.1:$PORT

# 1. Create one key per role (the secret is printed once; only a hash is kept).
ANALYST=$(ona keys create --role analyst --name "people analytics" --store "$STORE" -q)
VIEWER=$(ona keys create --role viewer --name "leadership team" --store "$STORE" -q)

# 2. Start the service (loopback only by default).
ona serve --store "$STORE" --port "$PORT" &
SERVER=$!
trap 'kill $SERVER' EXIT
until curl -sf "$URL/api/v1/health" > /dev/null; do sleep 0.5; done

# 3. Upload the sample organization; the answer holds the validation report.
curl -sf -H "Authorization: Bearer $ANALYST" \
     -F people=@sample_data/people.csv -F emails=@sample_data/emails.csv \
     -F meetings=@sample_data/meetings.csv -F tickets=@sample_data/tickets.csv \
     -F name="sample organization" \
     "$URL/api/v1/datasets" > upload.json
jq '{dataset: .dataset.dataset_id, people: .dataset.people, rejected: .validation.rejected_total,
     first_rejected: .validation.rejected[0]}' upload.json
DATASET=$(jq -r .dataset.dataset_id upload.json)

# 4. Start an analysis (a background job) and poll it until it has ended.
ANALYSIS=$(curl -sf -H "Authorization: Bearer $ANALYST" -H "Content-Type: application/json" \
     -d "{\"dataset_id\": \"$DATASET\", \"parameters\": {\"seed\": 7}}" \
     "$URL/api/v1/analyses" | jq -r .analysis_id)
until curl -sf -H "Authorization: Bearer $ANALYST" "$URL/api/v1/analyses/$ANALYSIS" \
      | jq -e '.status == "done" or .status == "failed"' > /dev/null; do sleep 1; done
curl -sf -H "Authorization: Bearer $ANALYST" "$URL/api/v1/analyses/$ANALYSIS" | jq '{status, error}'

# 5. Read the silos, the weakest links and the people the organization depends on (analyst).
curl -sf -H "Authorization: Bearer $ANALYST" "$URL/api/v1/analyses/$ANALYSIS/groups?silo=true" \
     | jq '.items[] | {group, headcount, ei_index, insularity, p_value, silo_reasons}'
curl -sf -H "Authorization: Bearer $ANALYST" "$URL/api/v1/analyses/$ANALYSIS/links?weak=true&limit=3" \
     | jq '.items[] | {source, target, ratio, handoffs, bridge_people, weak_reasons}'
curl -sf -H "Authorization: Bearer $ANALYST" "$URL/api/v1/analyses/$ANALYSIS/people?sort=-betweenness&limit=3" \
     | jq '.items[] | {person_id, group, betweenness, depended_on_by}'

# 6. A leader (viewer key) sees the same silos, group-level only; people are refused.
curl -sf -H "Authorization: Bearer $VIEWER" "$URL/api/v1/analyses/$ANALYSIS/groups?silo=true" \
     | jq '{silos: [.items[].group], privacy: .privacy.note}'
curl -s -H "Authorization: Bearer $VIEWER" "$URL/api/v1/analyses/$ANALYSIS/people" | jq '{status, detail}'
