#!/bin/sh
# Portico's desktop: TigerVNC's Xvnc on a private unix socket (never a TCP port), a window manager
# and a terminal, and websockify on HOST:PORT bridging noVNC's WebSocket to that socket and serving
# the index page (and noVNC's files, where the gateway does not serve them itself from the app's
# static-dir). websockify checks nothing, so the gateway's owner check is the guard; a VNC
# password made here, random per session, is a second one. Only the session's index page knows it,
# and it hands it to noVNC after '#', so that it never reaches a server log or a proxy's.
#
# usage: sh portico-desktop.sh HOST PORT [GEOMETRY]
# needs: Xvnc (tigervnc-standalone-server), vncpasswd, websockify, noVNC in /usr/share/novnc,
#        openbox (or PORTICO_DESKTOP_WM), xterm (or PORTICO_DESKTOP_TERMINAL)
set -eu
host=$1
port=$2
geometry=${3:-1280x800}
novnc=${PORTICO_NOVNC_DIR:-/usr/share/novnc}

umask 077
state=$(mktemp -d "${TMPDIR:-/tmp}/portico-desktop.XXXXXXXX")
# VNC authentication uses 8 characters at most
password=$(od -An -N6 -tx1 /dev/urandom | tr -dc 0-9a-f | cut -c1-8)
printf '%s\n' "$password" | vncpasswd -f > "$state/passwd"

# noVNC's files, and an index page that connects: noVNC's path is relative to the host's root, so
# it is taken from where the browser sees this page (/user/NAME/ behind the gateway)
mkdir "$state/web"
for file in "$novnc"/*; do ln -s "$file" "$state/web/"; done
cat > "$state/web/index.html" <<HTML
<!doctype html><meta charset="utf-8"><title>Desktop</title>
<script>location.replace('vnc.html#path=' + location.pathname.replace(/^\/+/, '') + 'websockify'
  + '&autoconnect=true&resize=remote&reconnect=true&password=$password');</script>
HTML

pids=
cleanup() {
	# shellcheck disable=SC2086
	[ -n "$pids" ] && kill $pids 2>/dev/null
	rm -rf "$state"
}
trap cleanup EXIT
trap 'exit 143' TERM INT HUP

# Xvnc picks a free display itself and writes its number to fd 3: no race with other sessions
Xvnc -displayfd 3 -rfbport -1 -rfbunixpath "$state/vnc.sock" -rfbunixmode 0600 -nolisten tcp \
	-SecurityTypes VncAuth -PasswordFile "$state/passwd" -geometry "$geometry" -depth 24 \
	-desktop "Portico desktop (${PORTICO_USER:-$(id -un)})" 3> "$state/display" &
pids="$!"
i=0
while [ ! -s "$state/display" ]; do
	i=$((i + 1))
	[ "$i" -le 100 ] || { echo "Xvnc did not start within 10 s" >&2; exit 1; }
	kill -0 "$pids" 2>/dev/null || { echo "Xvnc exited" >&2; exit 1; }
	sleep 0.1
done
DISPLAY=:$(tr -dc 0-9 < "$state/display")
export DISPLAY
echo "desktop on display $DISPLAY" >&2

${PORTICO_DESKTOP_WM:-openbox} &
pids="$pids $!"
(cd "$HOME" && exec ${PORTICO_DESKTOP_TERMINAL:-xterm}) &
pids="$pids $!"

websockify --web "$state/web" --unix-target="$state/vnc.sock" "$host:$port" &
pids="$pids $!"
wait "$!"
