#!/usr/bin/env bash
# Make sure Debian packages are present. Usage: ensure-system-packages.sh <command>=<package> ...
# As root, installs what is missing with apt-get; otherwise prints the exact command and fails.
set -euo pipefail

missing=()
for pair in "$@"; do
  cmd=${pair%%=*}
  pkg=${pair#*=}
  found=0
  case "$cmd" in
    /*) [ -x "$cmd" ] && found=1 ;;
    python3-venv) python3 -c "import ensurepip, venv" 2>/dev/null && found=1 ;;
    initdb) { command -v initdb >/dev/null || compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null; } && found=1 ;;
    *) command -v "$cmd" >/dev/null 2>&1 && found=1 ;;
  esac
  [ "$found" = 1 ] || missing+=("$pkg")
done

[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Installing system packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "Missing system packages: ${missing[*]}" >&2
  echo "Install them with:" >&2
  echo "  sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
