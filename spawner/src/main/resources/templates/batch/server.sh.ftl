<#-- The body shared by all schedulers: read the secrets, pick a free port, start the server, wait until it
     listens, report host and port to the gateway with the per-spawn secret (retrying until accepted), then
     wait for it. The secret reaches the reporting process through its environment, never an argument list;
     the server's environment is exported only in the server's own subshell. -->
umask 077
set -u
<#if secretsFile??>
. [=secretsFile] || { echo "portico: cannot read the job's secrets file" >&2; exit 1; }
rm -f [=secretsFile]
<#else>
[=secrets]
</#if>
<#if nodeVariable?has_content>
PORTICO_NODE="${[=nodeVariable?no_esc]:-$(hostname)}"
<#else>
PORTICO_NODE="$(hostname)"
</#if>
cd [=spec.workDir] || { echo "portico: cannot enter the working directory" >&2; exit 1; }
PORTICO_PORT=$([=python] -c 'import socket; s = socket.socket(); s.bind(("", 0)); print(s.getsockname()[1]); s.close()') \
	|| { echo "portico: could not pick a free port" >&2; exit 1; }
echo "portico: starting the server on ${PORTICO_NODE}:${PORTICO_PORT}"
(
	portico_server_environment
<#-- The placement seat's share: thread counts and, where the scheduler does not bind it, the GPU. -->
<#list pins as name, value>
	export [=name?no_esc]=[=value]
</#list>
	exec<#list command as word> [=word]</#list>
) &
PORTICO_SERVER_PID=$!
trap 'kill -TERM "$PORTICO_SERVER_PID" 2>/dev/null' TERM INT HUP

if ! PORTICO_CALLBACK_SECRET="$PORTICO_CALLBACK_SECRET" [=python] - "$PORTICO_NODE" "$PORTICO_PORT" [=callback.url] [=spec.startTimeoutSeconds?c] "$PORTICO_SERVER_PID" <<'PORTICO_PY'
import json, os, socket, sys, time, urllib.error, urllib.request

node, port, url, timeout, pid = sys.argv[1], int(sys.argv[2]), sys.argv[3], float(sys.argv[4]), int(sys.argv[5])
secret = os.environ.pop("PORTICO_CALLBACK_SECRET")
deadline = time.monotonic() + timeout


def alive():
    try:
        os.kill(pid, 0)
        return True
    except OSError:
        return False


def listening():
    for host in (node, "127.0.0.1", "::1"):
        try:
            socket.create_connection((host, port), timeout=1).close()
            return True
        except OSError:
            pass
    return False


while not listening():
    if not alive():
        print("portico: the server exited before it listened", file=sys.stderr)
        sys.exit(3)
    if time.monotonic() > deadline:
        print("portico: the server did not listen within %d s" % timeout, file=sys.stderr)
        sys.exit(4)
    time.sleep(0.5)

body = json.dumps({"host": node, "port": port}).encode()
delay = 1.0
while True:
    request = urllib.request.Request(url, data=body, method="POST", headers={
        "Content-Type": "application/json", "Authorization": "Bearer " + secret})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            if 200 <= response.status < 300:
                print("portico: reported %s:%d to the gateway" % (node, port))
                sys.exit(0)
    except urllib.error.HTTPError as error:
        if error.code in (400, 403, 404, 410):
            print("portico: the gateway refused the report (HTTP %d)" % error.code, file=sys.stderr)
            sys.exit(5)
    except (urllib.error.URLError, OSError):
        pass
    if not alive():
        print("portico: the server exited before it was reported", file=sys.stderr)
        sys.exit(3)
    if time.monotonic() > deadline:
        print("portico: the gateway did not accept the report within %d s" % timeout, file=sys.stderr)
        sys.exit(6)
    time.sleep(delay)
    delay = min(delay * 2, 10.0)
PORTICO_PY
then
	echo "portico: stopping the server" >&2
	kill -TERM "$PORTICO_SERVER_PID" 2>/dev/null
	wait "$PORTICO_SERVER_PID"
	exit 1
fi

wait "$PORTICO_SERVER_PID"
PORTICO_STATUS=$?
# A signal interrupts wait (the trap forwards it): wait again until the server is really gone.
while kill -0 "$PORTICO_SERVER_PID" 2>/dev/null; do
	wait "$PORTICO_SERVER_PID"
	PORTICO_STATUS=$?
done
exit "$PORTICO_STATUS"
