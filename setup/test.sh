#!/usr/bin/env bash
# Runs the whole test suite: the plain-Python tier (QuickBooks sandbox,
# client, mapping rules, Odoo's own pylint checkers and ESLint on the addon)
# always; the Odoo tier (the addon's tests, browser tours included, and the
# rest of Odoo's test_lint on the addon) and the system tier (odoo-bin and
# the sandbox as processes, killed and restarted mid-send) when an Odoo 18.0
# source tree is available;
# the live tier (the QuickBooks client's contract against a real Intuit
# company, and the fidelity report) only with a maintainer's Intuit keys
# (QBTS_LIVE_*, README "Against a real Intuit company"): without them it is
# reported as skipped, and no request leaves this machine.
#
#   bash setup/test.sh            # everything
#   QBTS_TIERS=python bash setup/test.sh   # one tier: python | odoo | system | live
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
set +e

tiers="${QBTS_TIERS:-python,odoo,system,live}"
summary=()
total_passed=0
total_failed=0
status=0

ensure_system_packages || die "Could not install the system packages."
have_odoo=1
odoo_fetch=nofetch  # clone Odoo only for the tiers that need it
if [[ ",$tiers," == *",odoo,"* || ",$tiers," == *",system,"* ]]; then odoo_fetch=fetch; fi
find_odoo_src "$odoo_fetch" || have_odoo=0
if [ $have_odoo -eq 1 ]; then ensure_venv odoo; else ensure_venv; fi || die "Could not install the Python packages."
PY="$QBTS_VENV/bin/python"
export PYTHONPATH="$REPO_ROOT${PYTHONPATH:+:$PYTHONPATH}"
LOG_DIR="${QBTS_LOG_DIR:-$QBTS_HOME/test-logs}"
mkdir -p "$LOG_DIR"

# A skipped test proves nothing: said loudly, with where the reasons are.
skipped_warning() {
    if [ "${2:-0}" -gt 0 ]; then
        summary+=("$(echo "$1" | tr '[:lower:]' '[:upper:]') TIER: $2 TESTS SKIPPED, NOT PASSED (reasons: 'SKIPPED' lines of $3)")
    fi
}

# ESLint for tests/test_lint.py (Odoo's eslintrc, as Odoo's test_eslint.py runs
# it): ESLint 8, the one Odoo 18's web/tooling/_package.json asks for,
# installed once with npm. Without npm the test says it did not run.
ensure_eslint() {
    local dir="$QBTS_HOME/eslint"
    if command -v eslint >/dev/null 2>&1; then return 0; fi
    if [ ! -x "$dir/node_modules/.bin/eslint" ]; then
        command -v npm >/dev/null 2>&1 || return 1
        say "Installing ESLint 8 into $dir (Odoo's JavaScript lint)"
        npm install --silent --no-audit --no-fund --prefix "$dir" "eslint@8" >/dev/null 2>&1 || return 1
    fi
    export QBTS_ESLINT="$dir/node_modules/.bin/eslint"
}

# --- Tier 1: plain Python -------------------------------------------------
if [[ ",$tiers," == *",python,"* ]]; then
    ensure_eslint || say "ESLint could not be installed (no npm?): tests/test_lint.py will say it did not run."
    say "Plain-Python tier: pytest tests/ (tests/system apart)"
    (cd "$REPO_ROOT" && QBTS_CONTRACT_TARGET=local "$PY" -m pytest tests -q -p no:cacheprovider -p no:odoo -o addopts="" -rs \
        --ignore=tests/system \
        --junitxml="$LOG_DIR/python-junit.xml") 2>&1 | tee "$LOG_DIR/python.log"
    rc=${PIPESTATUS[0]}
    read -r p f s < <("$PY" "$REPO_ROOT/setup/junit_counts.py" "$LOG_DIR/python-junit.xml")
    total_passed=$((total_passed + p)); total_failed=$((total_failed + f))
    if [ "$rc" -ne 0 ] || [ "$p" -eq 0 ]; then status=1; fi
    summary+=("Plain-Python tier: ran, $p passed, $f failed, $s skipped (exit $rc)")
    skipped_warning "Plain-Python" "$s" "$LOG_DIR/python.log"
fi

# --- Tier 2: Odoo -----------------------------------------------------------
if [[ ",$tiers," == *",odoo,"* ]]; then
    if [ $have_odoo -eq 0 ]; then
        summary+=("ODOO TIER SKIPPED: no Odoo 18.0 source found (set ODOO_SRC, or put one at $ODOO_DEFAULT_SRC). Only the plain-Python tier ran.")
    else
        ensure_postgres
        db="qbts_test_$$"
        http_port="$(free_port)"
        rm -f "$LOG_DIR/odoo.log"  # odoo-bin appends to its log file
        say "Odoo tier: installing qb_timesheet_sync in a fresh database ($db) and running its tests"
        "$PY" "$ODOO_SRC/odoo-bin" \
            --database="$db" \
            --addons-path="$ODOO_SRC/odoo/addons,$REPO_ROOT" \
            --init=qb_timesheet_sync \
            --test-tags="/qb_timesheet_sync" \
            --without-demo=all \
            --http-port="$http_port" \
            --gevent-port="$(free_port)" \
            --stop-after-init \
            --log-level=info \
            --logfile="$LOG_DIR/odoo.log"
        rc=$?
        dropdb --if-exists "$db" >/dev/null 2>&1
        rm -rf "$HOME/.local/share/Odoo/filestore/$db"
        read -r p f s problems < <("$PY" "$REPO_ROOT/setup/odoo_log_counts.py" "$LOG_DIR/odoo.log")
        grep -E "^[0-9-]+ [0-9:,]+ [0-9]+ (WARNING|ERROR|CRITICAL) " "$LOG_DIR/odoo.log" \
            | grep -v "Running as user 'root'" | tail -40
        total_passed=$((total_passed + p)); total_failed=$((total_failed + f))
        if [ "$rc" -ne 0 ] || [ "$f" -ne 0 ] || [ "$problems" -ne 0 ] || [ "$p" -eq 0 ]; then status=1; fi
        summary+=("Odoo tier: ran, $p passed, $f failed, $s skipped, $problems warning/error log lines (exit $rc; log: $LOG_DIR/odoo.log)")
        skipped_warning "Odoo" "$s" "$LOG_DIR/odoo.log"
    fi
fi

# --- Tier 3: system (real processes) ---------------------------------------
if [[ ",$tiers," == *",system,"* ]]; then
    if [ $have_odoo -eq 0 ]; then
        summary+=("SYSTEM TIER SKIPPED: no Odoo 18.0 source found (set ODOO_SRC, or put one at $ODOO_DEFAULT_SRC).")
    else
        ensure_postgres
        say "System tier: pytest tests/system (odoo-bin and the sandbox as processes)"
        (cd "$REPO_ROOT" && "$PY" -m pytest tests/system -q -p no:cacheprovider -p no:odoo -o addopts="" -rs \
            --junitxml="$LOG_DIR/system-junit.xml") 2>&1 | tee "$LOG_DIR/system.log"
        rc=${PIPESTATUS[0]}
        read -r p f s < <("$PY" "$REPO_ROOT/setup/junit_counts.py" "$LOG_DIR/system-junit.xml")
        total_passed=$((total_passed + p)); total_failed=$((total_failed + f))
        if [ "$rc" -ne 0 ] || [ "$p" -eq 0 ]; then status=1; fi
        summary+=("System tier: ran, $p passed, $f failed, $s skipped (exit $rc)")
        skipped_warning "System" "$s" "$LOG_DIR/system.log"
    fi
fi

# --- Tier 4: live (a real Intuit company) -----------------------------------
# The contract tests (tests/contract) against the Intuit sandbox company of the
# QBTS_LIVE_* variables, then against the local sandbox, compared in the
# fidelity report. Never without those variables, so never in CI.
if [[ ",$tiers," == *",live,"* ]]; then
    live_missing=()
    for name in QBTS_LIVE_CLIENT_ID QBTS_LIVE_CLIENT_SECRET QBTS_LIVE_REFRESH_TOKEN QBTS_LIVE_REALM_ID; do
        [ -n "${!name:-}" ] || live_missing+=("$name")
    done
    if [ ${#live_missing[@]} -gt 0 ]; then
        live_missing_text="$(printf '%s, ' "${live_missing[@]}")"
        summary+=("LIVE TIER SKIPPED: no Intuit keys (set ${live_missing_text%, }; see README.md 'Against a real Intuit company'). Nothing was checked against a real QuickBooks company.")
    else
        live_report="${QBTS_LIVE_REPORT:-$LOG_DIR/live-fidelity-report.txt}"
        live_token_file="${QBTS_LIVE_TOKEN_FILE:-$QBTS_HOME/live-refresh-token}"
        token_before="$(cat "$live_token_file" 2>/dev/null || true)"
        say "Live tier: the QuickBooks client against company $QBTS_LIVE_REALM_ID, then the local sandbox (tests/contract)"
        (cd "$REPO_ROOT" && QBTS_CONTRACT_TARGET=live QBTS_LIVE_REPORT="$live_report" QBTS_LIVE_TOKEN_FILE="$live_token_file" \
            "$PY" -m pytest tests/contract/test_contract.py -q -p no:cacheprovider -p no:odoo -o addopts="" -rs \
            --junitxml="$LOG_DIR/live-junit.xml") 2>&1 | tee "$LOG_DIR/live.log"
        rc=${PIPESTATUS[0]}
        read -r p f s < <("$PY" "$REPO_ROOT/setup/junit_counts.py" "$LOG_DIR/live-junit.xml")
        total_passed=$((total_passed + p)); total_failed=$((total_failed + f))
        if [ "$rc" -ne 0 ] || [ "$p" -eq 0 ]; then status=1; fi
        summary+=("Live tier (Intuit company $QBTS_LIVE_REALM_ID): ran, $p passed, $f failed, $s skipped (exit $rc; fidelity report: $live_report)")
        skipped_warning "Live" "$s" "$LOG_DIR/live.log"
        # Intuit rotates the refresh token: shown here (not in the logs), and kept in the file.
        token_after="$(cat "$live_token_file" 2>/dev/null || true)"
        if [ -n "$token_after" ] && [ "$token_after" != "$token_before" ] \
            && [ "$token_after" != "$QBTS_LIVE_REFRESH_TOKEN" ]; then
            summary+=("NEW REFRESH TOKEN (Intuit rotated it; set it as QBTS_LIVE_REFRESH_TOKEN next time, also saved in $live_token_file): $token_after")
        fi
    fi
fi

echo
echo "==================== qb_timesheet_sync test summary ===================="
for line in "${summary[@]}"; do echo "$line"; done
echo "$total_passed passed, $total_failed failed"
exit $status
