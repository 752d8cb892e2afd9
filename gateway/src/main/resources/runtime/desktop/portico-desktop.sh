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
# GPU nodes: PORTICO_DESKTOP_VIRTUALGL=on runs the window manager and the terminal under VirtualGL's
# vglrun (and so every program started from them renders OpenGL on the node's GPU, not in software);
# auto does so only where vglrun and a GPU device exist; off (the default) never. VGL_DISPLAY picks
# the GPU (default egl, which needs no X server on the GPU).
set -eu
host=$1
port=$2
geometry=${3:-1280x800}
# the gateway allows only its descriptor's choices; a site's own descriptor or a hand start may not: check
# again that it is WIDTHxHEIGHT in digits, within what Xvnc can draw, before it reaches Xvnc's arguments
case $geometry in
	[1-9]*x[1-9]*) width=${geometry%%x*} height=${geometry#*x} ;;
	*) width= height= ;;
esac
case $width$height in
	'' | *[!0-9]*) echo "portico-desktop: the geometry must be WIDTHxHEIGHT in pixels, not '$geometry'" >&2; exit 2 ;;
esac
if [ "${#width}" -gt 5 ] || [ "${#height}" -gt 5 ] || [ "$width" -lt 320 ] || [ "$width" -gt 8192 ] \
	|| [ "$height" -lt 200 ] || [ "$height" -gt 8192 ]; then
	echo "portico-desktop: the geometry $geometry is outside 320x200 to 8192x8192" >&2
	exit 2
fi
novnc=${PORTICO_NOVNC_DIR:-/usr/share/novnc}
vgl=
case ${PORTICO_DESKTOP_VIRTUALGL:-off} in
	off) ;;
	on)
		command -v vglrun >/dev/null 2>&1 || { echo "PORTICO_DESKTOP_VIRTUALGL=on, but vglrun (VirtualGL) is not installed here" >&2; exit 1; }
		vgl=vglrun ;;
	auto)
		if command -v vglrun >/dev/null 2>&1 && { [ -e /dev/nvidia0 ] || [ -e /dev/dri/renderD128 ]; }; then vgl=vglrun; fi ;;
	*) echo "PORTICO_DESKTOP_VIRTUALGL is on, auto or off, not '${PORTICO_DESKTOP_VIRTUALGL}'" >&2; exit 1 ;;
esac
if [ -n "$vgl" ]; then
	VGL_DISPLAY=${VGL_DISPLAY:-egl}
	export VGL_DISPLAY
	echo "desktop: OpenGL through VirtualGL on $VGL_DISPLAY" >&2
fi

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

# shellcheck disable=SC2086
$vgl ${PORTICO_DESKTOP_WM:-openbox} &
pids="$pids $!"
# shellcheck disable=SC2086
(cd "$HOME" && exec $vgl ${PORTICO_DESKTOP_TERMINAL:-xterm}) &
pids="$pids $!"

websockify --web "$state/web" --unix-target="$state/vnc.sock" "$host:$port" &
pids="$pids $!"
wait "$!"
