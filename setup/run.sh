#!/usr/bin/env bash
# Sets everything up and runs the product: PostgreSQL database, Odoo 18 with
# qb_timesheet_sync installed and demo timesheets, and the local QuickBooks
# Online sandbox, with Odoo pointed at the sandbox. Safe to run again: it
# reuses the virtualenv, the database and the sandbox's saved state.
#
# Variables: ODOO_SRC, QBTS_DB (qb_timesheet_demo), QBTS_ODOO_PORT (8069),
# QBTS_SANDBOX_PORT (8085), QBTS_HOME (~/.cache/qb_timesheet_sync).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

DB="${QBTS_DB:-qb_timesheet_demo}"
ODOO_PORT="${QBTS_ODOO_PORT:-8069}"
SANDBOX_PORT="${QBTS_SANDBOX_PORT:-8085}"
SANDBOX_URL="http://127.0.0.1:$SANDBOX_PORT"

ensure_system_packages
find_odoo_src fetch || die "$ODOO_MISSING_SENTENCE"
ensure_venv odoo
ensure_postgres
PY="$QBTS_VENV/bin/python"
export PYTHONPATH="$REPO_ROOT${PYTHONPATH:+:$PYTHONPATH}"
ODOO_BIN=("$PY" "$ODOO_SRC/odoo-bin")
ODOO_ARGS=(--database="$DB" --addons-path="$ODOO_SRC/odoo/addons,$REPO_ROOT")

# The QuickBooks sandbox, in the background, keeping its data between runs.
if ! "$PY" -c "import urllib.request; urllib.request.urlopen('$SANDBOX_URL/_sandbox/config', timeout=2)" 2>/dev/null; then
    say "Starting the local QuickBooks sandbox on $SANDBOX_URL"
    (cd "$REPO_ROOT" && nohup "$PY" -m tests.qbo_sandbox --port "$SANDBOX_PORT" \
        --state-file "$QBTS_HOME/sandbox-state.json" >"$QBTS_HOME/sandbox.log" 2>&1 &)
    for _ in $(seq 1 50); do
        grep -q "ready at" "$QBTS_HOME/sandbox.log" 2>/dev/null && break
        sleep 0.2
    done
    grep -q "ready at" "$QBTS_HOME/sandbox.log" || die "The QuickBooks sandbox did not start: see $QBTS_HOME/sandbox.log."
fi

# Webhooks: the sandbox tells Odoo what changes in QuickBooks (billing, edits,
# deletions), signed with a verifier token that Odoo knows too. The token is
# made once and kept beside the sandbox's state.
WEBHOOK_URL="http://127.0.0.1:$ODOO_PORT/qb_timesheet_sync/webhook"
TOKEN_FILE="$QBTS_HOME/webhook-verifier-token"
if [ ! -s "$TOKEN_FILE" ]; then
    (umask 077 && "$PY" -c "import secrets; print(secrets.token_urlsafe(32))" >"$TOKEN_FILE")
fi
WEBHOOK_TOKEN="$(cat "$TOKEN_FILE")"
WEBHOOK_URL="$WEBHOOK_URL" WEBHOOK_TOKEN="$WEBHOOK_TOKEN" "$PY" - "$SANDBOX_URL" <<'PYEOF' \
    || die "The QuickBooks sandbox refused the webhook subscription: see $QBTS_HOME/sandbox.log."
import json, os, sys, urllib.request
body = {"url": os.environ["WEBHOOK_URL"], "verifier_token": os.environ["WEBHOOK_TOKEN"]}
request = urllib.request.Request(
    sys.argv[1] + "/_sandbox/webhooks", data=json.dumps(body).encode(),
    headers={"Content-Type": "application/json"}, method="POST")
urllib.request.urlopen(request, timeout=10).read()
PYEOF

# The database, once: the addon, then the demo data and settings.
if ! psql -d postgres -Atc "select 1 from pg_database where datname = '$DB'" | grep -q 1; then
    say "Creating the Odoo database '$DB' with qb_timesheet_sync (a few minutes, first run only)"
    if ! "${ODOO_BIN[@]}" "${ODOO_ARGS[@]}" --init=qb_timesheet_sync --without-demo=all \
            --stop-after-init --log-level=warn \
        || ! "${ODOO_BIN[@]}" shell "${ODOO_ARGS[@]}" --no-http --log-level=warn \
            <"$REPO_ROOT/setup/demo_data.py"; then
        dropdb --if-exists "$DB"
        die "Creating the database '$DB' failed (see the lines above); nothing was kept."
    fi
fi
"${ODOO_BIN[@]}" shell "${ODOO_ARGS[@]}" --no-http --log-level=warn <<PYEOF >/dev/null
env["ir.config_parameter"].set_param("web.base.url", "http://localhost:$ODOO_PORT")
env["ir.config_parameter"].set_param("qb_timesheet_sync.custom_base_url", "$SANDBOX_URL")
env["ir.config_parameter"].set_param("qb_timesheet_sync.webhook_verifier_token", "$WEBHOOK_TOKEN")
env.cr.commit()
PYEOF

cat <<MSG

  Odoo with qb_timesheet_sync:  http://localhost:$ODOO_PORT   (login: admin, password: admin)
  QuickBooks sandbox:           $SANDBOX_URL/_sandbox/   (what QuickBooks received; bill,
                                edit or delete time there as a QuickBooks user: Odoo hears
                                of it through the webhook $WEBHOOK_URL)
  Connect in Timesheets > Configuration > Settings > QuickBooks Online > Connect to QuickBooks.
  Stop with Ctrl+C (the sandbox keeps running in the background; its data is saved).

MSG
exec "${ODOO_BIN[@]}" "${ODOO_ARGS[@]}" --http-port="$ODOO_PORT" --gevent-port="$(free_port)" --log-level=info
