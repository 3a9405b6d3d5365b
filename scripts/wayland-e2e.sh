#!/usr/bin/env bash
# Opt-in end-to-end run of the Wayland capture (NOT part of .ci/run). Everything runs on a private
# session bus (dbus-run-session) with a private XDG_RUNTIME_DIR, bounded in time; everything it
# starts is stopped on exit.
#
# Stage 1, PipeWire: a PipeWire daemon + WirePlumber and a GStreamer `pipewiresink` video source
#   (one solid colour, in each of BGRx / RGBx / BGRA / RGBA); `stepwise bench capture
#   --pipewire-target` negotiates with it, converts its buffers, and must see the colour exactly
#   in the middle of a 1920×1080 picture.
# Stage 2, portal: a headless sway (WLR_BACKENDS=headless), xdg-desktop-portal +
#   xdg-desktop-portal-wlr (its chooser set to pick the headless output without a dialog), then
#   `stepwise bench capture` as a Wayland client without X11: the portal is asked for a screen
#   cast, PipeWire streams it. On machines without /dev/dri this stage fails at the portal's Start
#   (see ARCHITECTURE.md, "Wayland"): xdg-desktop-portal-wlr 0.7 requires a DMA-BUF format that a
#   pixman-rendered wlroots never offers.
#
#   apt-get install sway xdg-desktop-portal xdg-desktop-portal-wlr pipewire wireplumber dbus \
#     gstreamer1.0-pipewire gstreamer1.0-tools gstreamer1.0-plugins-base
#   scripts/wayland-e2e.sh [--pipewire-only] [path/to/stepwise]   # default: $CARGO_TARGET_DIR/release/stepwise
#
# Exit status 0 when every stage run passed, else 1 (with the logs printed).
set -euo pipefail
cd "$(dirname "$0")/.."

stages="pipewire portal"
if [ "${1:-}" = "--pipewire-only" ]; then
  stages="pipewire"
  shift
fi
limit_s="${STEPWISE_WAYLAND_E2E_TIMEOUT_S:-180}"
binary="${1:-${CARGO_TARGET_DIR:-target}/release/stepwise}"
binary="$(realpath "$binary")"
for tool in sway pipewire wireplumber dbus-run-session gst-launch-1.0 \
  /usr/libexec/xdg-desktop-portal /usr/libexec/xdg-desktop-portal-wlr; do
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
  "${as_user[@]}" env -u DISPLAY -u WAYLAND_DISPLAY STEPWISE_WAYLAND_E2E_INNER=1 \
    STEPWISE_WAYLAND_E2E_WORK="$work" STEPWISE_WAYLAND_E2E_STAGES="$stages" \
    XDG_RUNTIME_DIR="$work/run" HOME="$work/home" \
    timeout --kill-after=5 "$limit_s" dbus-run-session -- bash "$0" "$binary" || status=$?
  if [ "$status" -ne 0 ]; then
    for log in "$work"/*.log; do
      [ -e "$log" ] || continue
      echo "== $(basename "$log")"
      grep -v -e 'sway/main.c' -e 'sway/ipc-server' "$log" | tail -n 25
    done
  fi
  exit "$status"
fi

# Inside the private session bus.
work="$STEPWISE_WAYLAND_E2E_WORK"
idle_s="${STEPWISE_WAYLAND_E2E_IDLE_S:-10}"
mkdir -p "$HOME/.config/xdg-desktop-portal-wlr" "$HOME/.config/sway"
export XDG_CONFIG_HOME="$HOME/.config"
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
failed=0

pipewire >"$work/pipewire.log" 2>&1 & pids+=($!)
sleep 1
wireplumber >"$work/wireplumber.log" 2>&1 & pids+=($!)
sleep 1

# The portal stage first: the PipeWire stage's benchmark would D-Bus-activate a portal without
# a ScreenCast backend, which would then hold the portal's name.
if [[ " $STEPWISE_WAYLAND_E2E_STAGES " == *" portal "* ]]; then
  export XDG_CURRENT_DESKTOP=sway XDG_SESSION_TYPE=wayland
  cat >"$HOME/.config/sway/config" <<'EOF'
output HEADLESS-1 resolution 1920x1080
EOF
  WLR_BACKENDS=headless WLR_LIBINPUT_NO_DEVICES=1 WLR_RENDERER="${WLR_RENDERER:-pixman}" \
    sway -d -c "$HOME/.config/sway/config" >"$work/sway.log" 2>&1 & pids+=($!)
  socket=""
  for _ in $(seq 100); do
    socket="$(find "$XDG_RUNTIME_DIR" -maxdepth 1 -name 'wayland-*' ! -name '*.lock' -print -quit)"
    [ -n "$socket" ] && break
    sleep 0.1
  done
  [ -n "$socket" ] || { echo "portal: FAILED  sway did not start" >&2; exit 1; }
  export WAYLAND_DISPLAY="$(basename "$socket")"
  export SWAYSOCK="$(find "$XDG_RUNTIME_DIR" -maxdepth 1 -name 'sway-ipc.*' -print -quit)"
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
  report="$("$binary" bench capture --json --grabs 20 --idle-seconds "$idle_s" 2>"$work/stepwise-portal.log" || true)"
  if echo "$report" | grep -q '"source":"wayland-portal"'; then
    echo "portal (sway ${output:-?} on $WAYLAND_DISPLAY): ok  $report"
  else
    echo "portal (sway ${output:-?} on $WAYLAND_DISPLAY): FAILED  ${report:-no report}"
    grep -h -e 'unable to receive' -e 'Start' "$work/xdpw.log" | head -n 3 || true
    failed=1
  fi
fi
if [[ " $STEPWISE_WAYLAND_E2E_STAGES " == *" pipewire "* ]]; then
  # 0xAARRGGBB: red 0x20, green 0x40, blue 0xC0.
  for format in BGRx RGBx BGRA RGBA; do
    gst-launch-1.0 -q videotestsrc is-live=true pattern=solid-color foreground-color=0xff2040c0 \
      ! "video/x-raw,format=$format,width=1920,height=1080,framerate=10/1" \
      ! pipewiresink mode=provide client-name=stepwise-e2e-src \
      stream-properties="props,media.class=Video/Source,node.name=stepwise-e2e-src" \
      >"$work/gstreamer-$format.log" 2>&1 &
    gst=$!
    pids+=("$gst")
    sleep 1
    report="$("$binary" bench capture --json --grabs 20 --idle-seconds 2 \
      --pipewire-target stepwise-e2e-src 2>"$work/stepwise-pipewire-$format.log" || true)"
    kill "$gst" 2>/dev/null || true
    wait "$gst" 2>/dev/null || true
    if echo "$report" | grep -q '"centre_rgba":\[32,64,192,255\]'; then
      echo "pipewire $format: ok  $report"
    else
      echo "pipewire $format: FAILED  ${report:-no report}"
      failed=1
    fi
  done
fi

exit "$failed"
