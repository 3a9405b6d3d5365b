#!/usr/bin/env bash
# Opt-in end-to-end run of the Wayland capture (NOT part of .ci/run): a headless sway
# (WLR_BACKENDS=headless), PipeWire + WirePlumber, xdg-desktop-portal + xdg-desktop-portal-wlr
# (its chooser set to pick the headless output without a dialog), all on a private session bus
# (dbus-run-session), then `stepwise bench capture --json` as a Wayland client without X11:
# the portal is asked for a screen cast, PipeWire streams it, the first picture and the idle CPU
# are reported. Bounded in time; everything it starts is stopped on exit.
#
#   apt-get install sway xdg-desktop-portal xdg-desktop-portal-wlr pipewire wireplumber dbus
#   scripts/wayland-e2e.sh [path/to/stepwise]      # default: $CARGO_TARGET_DIR/release/stepwise
#
# Exit status 0 when a `wayland-portal` source was measured, else 1 (with the logs printed).
set -euo pipefail
cd "$(dirname "$0")/.."

limit_s="${STEPWISE_WAYLAND_E2E_TIMEOUT_S:-120}"
binary="${1:-${CARGO_TARGET_DIR:-target}/release/stepwise}"
binary="$(realpath "$binary")"
for tool in sway pipewire wireplumber dbus-run-session /usr/libexec/xdg-desktop-portal /usr/libexec/xdg-desktop-portal-wlr; do
  command -v "$tool" >/dev/null || { echo "missing: $tool" >&2; exit 1; }
done

if [ "${STEPWISE_WAYLAND_E2E_INNER:-}" != 1 ]; then
  work="$(mktemp -d)"
  mkdir -p "$work/run" "$work/home"
  chmod 700 "$work" "$work/run"
  trap 'rm -rf "$work"' EXIT
  # sway refuses to run as root: as root, run the session as `nobody`.
  as_user=()
  if [ "$(id -u)" -eq 0 ]; then
    chown -R nobody:nogroup "$work"
    as_user=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
  fi
  status=0
  "${as_user[@]}" env -u DISPLAY -u WAYLAND_DISPLAY STEPWISE_WAYLAND_E2E_INNER=1 STEPWISE_WAYLAND_E2E_WORK="$work" \
    XDG_RUNTIME_DIR="$work/run" HOME="$work/home" \
    timeout --kill-after=5 "$limit_s" dbus-run-session -- bash "$0" "$binary" || status=$?
  if [ "$status" -ne 0 ]; then
    for log in "$work"/*.log; do echo "== $(basename "$log")"; tail -n 30 "$log"; done
  fi
  exit "$status"
fi

# Inside the private session bus.
work="$STEPWISE_WAYLAND_E2E_WORK"
mkdir -p "$XDG_RUNTIME_DIR" "$HOME/.config/xdg-desktop-portal-wlr" "$HOME/.config/sway"
chmod 700 "$XDG_RUNTIME_DIR"
export XDG_CURRENT_DESKTOP=sway XDG_SESSION_TYPE=wayland XDG_CONFIG_HOME="$HOME/.config"
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

pipewire >"$work/pipewire.log" 2>&1 & pids+=($!)
sleep 1
wireplumber >"$work/wireplumber.log" 2>&1 & pids+=($!)

cat >"$HOME/.config/sway/config" <<'EOF'
output HEADLESS-1 resolution 1920x1080
exec_always true
EOF
WLR_BACKENDS=headless WLR_LIBINPUT_NO_DEVICES=1 WLR_RENDERER="${WLR_RENDERER:-pixman}" \
  sway -d -c "$HOME/.config/sway/config" >"$work/sway.log" 2>&1 & pids+=($!)
for _ in $(seq 100); do
  socket="$(find "$XDG_RUNTIME_DIR" -maxdepth 1 -name 'wayland-*' ! -name '*.lock' -print -quit)"
  [ -n "$socket" ] && break
  sleep 0.1
done
[ -n "${socket:-}" ] || { echo "sway did not start" >&2; exit 1; }
export WAYLAND_DISPLAY="$(basename "$socket")"
export SWAYSOCK="$(find "$XDG_RUNTIME_DIR" -maxdepth 1 -name 'sway-ipc.*' -print -quit)"
dbus-update-activation-environment WAYLAND_DISPLAY XDG_CURRENT_DESKTOP XDG_SESSION_TYPE SWAYSOCK 2>/dev/null || true

output="$(swaymsg -t get_outputs -r 2>/dev/null | sed -n 's/.*"name": "\([^"]*\)".*/\1/p' | head -n 1)"
cat >"$HOME/.config/xdg-desktop-portal-wlr/config" <<EOF
[screencast]
output_name=${output:-HEADLESS-1}
chooser_type=none
max_fps=30
EOF
/usr/libexec/xdg-desktop-portal-wlr -l DEBUG >"$work/xdpw.log" 2>&1 & pids+=($!)
sleep 0.5
/usr/libexec/xdg-desktop-portal -v >"$work/portal.log" 2>&1 & pids+=($!)
sleep 1

echo "sway output ${output:-?} on $WAYLAND_DISPLAY; running the capture bench"
report="$("$binary" bench capture --json --grabs 20 --idle-seconds "${STEPWISE_WAYLAND_E2E_IDLE_S:-10}" 2>"$work/stepwise.log")"
echo "$report"
echo "$report" | grep -q '"source":"wayland-portal"'
