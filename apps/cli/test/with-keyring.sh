#!/bin/sh
# Run a command inside a private D-Bus session with an unlocked gnome-keyring, so that the
# keychain tests store and read real secrets through the Secret Service. The keyring's files
# live in a temporary directory that is deleted afterwards, never in the user's own keyring.
#
# Usage: sh test/with-keyring.sh COMMAND [ARGUMENT...]
set -eu

for tool in dbus-run-session gnome-keyring-daemon; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "error: the CLI tests need $tool for the OS keychain tests. Install it: apt-get install -y dbus gnome-keyring" >&2
    exit 1
  fi
done

keyring_home=$(mktemp -d)
trap 'rm -rf "$keyring_home"' EXIT
mkdir -m 700 "$keyring_home/data" "$keyring_home/run"

status=0
dbus-run-session -- sh -c '
  keyring_home=$1
  shift
  printf pass | XDG_DATA_HOME="$keyring_home/data" XDG_RUNTIME_DIR="$keyring_home/run" \
    gnome-keyring-daemon --unlock --components=secrets >/dev/null
  MEM0_TEST_KEYRING=gnome-keyring exec "$@"
' sh "$keyring_home" "$@" || status=$?
exit "$status"
