# shellcheck shell=bash
# Shared helpers for setup/run.sh and setup/test.sh. Sourced, never executed.
#
# Where things live (all outside the repository, all reused by later runs):
#   QBTS_HOME   ${XDG_CACHE_HOME:-~/.cache}/qb_timesheet_sync
#   ODOO_SRC    an Odoo 18.0 source tree; default $QBTS_HOME/odoo-18.0
#   QBTS_VENV   the Python virtualenv; default $QBTS_HOME/venv
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
QBTS_HOME="${QBTS_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/qb_timesheet_sync}"
QBTS_VENV="${QBTS_VENV:-$QBTS_HOME/venv}"
ODOO_DEFAULT_SRC="$QBTS_HOME/odoo-18.0"
ODOO_GIT_URL="${ODOO_GIT_URL:-https://github.com/odoo/odoo.git}"
PYTHON="${PYTHON:-python3}"

say() { printf '[qb_timesheet_sync] %s\n' "$*" >&2; }
die() { printf '\n[qb_timesheet_sync] ERROR: %s\n' "$*" >&2; exit 1; }

# Debian packages: PostgreSQL client headers (psycopg2), LDAP/SASL headers are
# not needed (python-ldap is left out), Chromium for Odoo's browser tests.
ensure_system_packages() {
    local missing=()
    command -v pg_config >/dev/null 2>&1 || missing+=(libpq-dev)
    command -v psql >/dev/null 2>&1 || missing+=(postgresql-client)
    command -v chromium >/dev/null 2>&1 || missing+=(chromium)
    [ ${#missing[@]} -eq 0 ] && return 0
    if ! command -v apt-get >/dev/null 2>&1; then
        die "Please install these system packages first: ${missing[*]}."
    fi
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    say "Installing system packages: ${missing[*]}"
    $sudo apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
}

# Finds an Odoo 18.0 source tree and exports ODOO_SRC. Order: $ODOO_SRC, an
# importable `odoo` package, the default location, then (with internet) a
# shallow clone of the official 18.0 branch into the default location.
# Returns 1 when none can be had; the caller decides whether that is fatal.
find_odoo_src() {
    local fetch="${1:-fetch}"
    if [ -n "${ODOO_SRC:-}" ]; then
        [ -f "$ODOO_SRC/odoo/release.py" ] || die "ODOO_SRC=$ODOO_SRC is not an Odoo source tree (no odoo/release.py)."
    elif [ -f "$ODOO_DEFAULT_SRC/odoo/release.py" ]; then
        ODOO_SRC="$ODOO_DEFAULT_SRC"
    else
        local pkg
        pkg="$("$PYTHON" -c 'import os, odoo; print(os.path.dirname(os.path.dirname(odoo.__file__)))' 2>/dev/null || true)"
        if [ -n "$pkg" ] && [ -f "$pkg/odoo/release.py" ]; then
            ODOO_SRC="$pkg"
        elif [ "$fetch" = fetch ] && command -v git >/dev/null 2>&1; then
            say "No Odoo 18.0 source found; cloning the official 18.0 branch into $ODOO_DEFAULT_SRC"
            mkdir -p "$QBTS_HOME"
            if git clone --quiet --depth 1 --branch 18.0 "$ODOO_GIT_URL" "$ODOO_DEFAULT_SRC.partial" 2>/dev/null; then
                mv "$ODOO_DEFAULT_SRC.partial" "$ODOO_DEFAULT_SRC"
                ODOO_SRC="$ODOO_DEFAULT_SRC"
            else
                rm -rf "$ODOO_DEFAULT_SRC.partial"
                return 1
            fi
        else
            return 1
        fi
    fi
    grep -q "version_info = (18, 0" "$ODOO_SRC/odoo/release.py" \
        || die "The Odoo source at $ODOO_SRC is not Odoo 18.0."
    export ODOO_SRC
}

ODOO_MISSING_SENTENCE="No Odoo 18.0 source found: set ODOO_SRC to an Odoo 18.0 source tree, or put one at $ODOO_DEFAULT_SRC (git clone --depth 1 -b 18.0 https://github.com/odoo/odoo $ODOO_DEFAULT_SRC)."

# The virtualenv: our requirements always; Odoo's when an Odoo source exists.
# Odoo 18's pins for Python < 3.12 do not all build on current toolchains, so
# its requirement markers are evaluated as Python 3.12 (those pins install
# fine on 3.11). python-ldap is left out: it needs LDAP headers and only
# serves auth_ldap.
ensure_venv() {
    local with_odoo="${1:-}"
    if [ ! -x "$QBTS_VENV/bin/python" ]; then
        say "Creating the virtualenv in $QBTS_VENV"
        "$PYTHON" -m venv "$QBTS_VENV"
    fi
    local stamp="$QBTS_VENV/.qbts-stamp" want
    want="$(cat "$REPO_ROOT/requirements.txt" "$REPO_ROOT/setup/lib.sh" | sha1sum | cut -c1-12)"
    if [ -n "$with_odoo" ]; then
        want="$want-$(sha1sum "$ODOO_SRC/requirements.txt" | cut -c1-12)"
    fi
    if [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
        return 0
    fi
    say "Installing Python packages into the virtualenv (first run only)"
    "$QBTS_VENV/bin/python" -m pip install -q --upgrade pip wheel "setuptools<81" packaging
    if [ -n "$with_odoo" ]; then
        "$QBTS_VENV/bin/python" "$REPO_ROOT/setup/odoo_requirements.py" "$ODOO_SRC/requirements.txt" \
            > "$QBTS_VENV/odoo-requirements.txt"
        "$QBTS_VENV/bin/python" -m pip install -q -r "$QBTS_VENV/odoo-requirements.txt"
        # Puts `odoo` on the venv's path without copying the source.
        "$QBTS_VENV/bin/python" -c 'import site, sys; open(site.getsitepackages()[0] + "/odoo-src.pth", "w").write(sys.argv[1] + "\n")' "$ODOO_SRC"
    fi
    "$QBTS_VENV/bin/python" -m pip install -q -r "$REPO_ROOT/requirements.txt"
    echo "$want" > "$stamp"
}

# PostgreSQL: a local server reachable as the current user (trust auth on
# loopback or the socket). PGHOST/PGPORT/PGUSER are honoured.
ensure_postgres() {
    if ! psql -d postgres -Atc 'select 1' >/dev/null 2>&1; then
        if command -v pg_ctlcluster >/dev/null 2>&1 && ls /etc/postgresql >/dev/null 2>&1; then
            say "Starting the local PostgreSQL cluster"
            pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start >/dev/null 2>&1 || true
        fi
        psql -d postgres -Atc 'select 1' >/dev/null 2>&1 \
            || die "PostgreSQL is not reachable: start a local server and make sure '$(id -un)' may connect (PGHOST/PGUSER are honoured)."
    fi
}

# A free TCP port on loopback.
free_port() {
    "$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}
