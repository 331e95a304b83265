#!/usr/bin/env bash
# Real-browser test of fastgan.widgets: write the notebook, start the server on loopback, drive it with headless Chromium, shut down.
# usage: run_test.sh [lab|notebook]
# env:   BT      work folder for the notebook, server state, logs, screenshots (default /tmp/browser-test)
#        VENV    the virtual environment with the project, jupyterlab (or notebook) and selenium (default: the repo's .venv)
#        RUN_DIR a run directory for the Sampler (default nbs/demo_run, relative to the repo root)
#        PORT (8899), TOKEN, DRIVER_ARGS (extra drive_widgets.py options, e.g. --train-seconds 15 or --no-train)
# exit:  0 when every check passed; screenshots and results.json in $BT/shots/<ui>
set -uo pipefail
UI=${1:-lab}
BT=${BT:-/tmp/browser-test}; VENV=${VENV:-$(cd "$(dirname "$0")/../.." && pwd)/.venv}; PORT=${PORT:-8899}; TOKEN=${TOKEN:-fastgan-browser-test}
RUN_DIR=${RUN_DIR:-$PWD/nbs/demo_run}
here=$(cd "$(dirname "$0")" && pwd)
export PATH=$VENV/bin:$PATH BT
mkdir -p "$BT/logs" "$BT/shots/$UI"
python "$here/make_notebook.py" "$BT/nb" "$RUN_DIR" || exit 1
pid=$("$here/start_server.sh" "$UI" "$BT/nb" "$PORT" "$TOKEN" 900 "$BT/logs/server-$UI.log")
echo "server ($UI) pid $pid, log $BT/logs/server-$UI.log"
stop_server() {
  # a clean shutdown first (it ends the kernel too), then the signal, to the PID started above only
  curl -s -m 10 -X POST -H "Authorization: token $TOKEN" "http://127.0.0.1:$PORT/api/shutdown" >/dev/null
  for _ in $(seq 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  kill -0 "$pid" 2>/dev/null && { kill -TERM "$pid"; sleep 2; kill -KILL "$pid" 2>/dev/null; }
  true
}
trap stop_server EXIT
up=
for _ in $(seq 90); do
  if curl -s -m 2 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/api/status?token=$TOKEN" | grep -q '^200$'; then up=1; break; fi
  kill -0 "$pid" 2>/dev/null || break
  sleep 1
done
[ -n "$up" ] || { echo "server did not come up"; tail -20 "$BT/logs/server-$UI.log"; exit 1; }
timeout 600 python "$here/drive_widgets.py" --ui "$UI" --url "http://127.0.0.1:$PORT" --token "$TOKEN" \
  --nb-dir "$BT/nb" --shots "$BT/shots/$UI" ${DRIVER_ARGS:-}
rc=$?
echo "driver exit $rc; screenshots and results.json in $BT/shots/$UI"
exit $rc
