#!/usr/bin/env bash
# Makes this machine able to run every suite: installs (as root, on Debian/Ubuntu) the system tools the kernel and
# differential suites use, and mounts tracefs. Runs before the tests (`pnpm test`), so README line 2 alone needs
# nothing installed by hand. Invariants: idempotent and quick when everything is present (no network then);
# never fails the run: without root or apt it says what is missing and the suites that need it skip with a reason.
set -uo pipefail

need_apt=()
have() { command -v "$1" >/dev/null 2>&1; }
have gcc || need_apt+=(gcc libc6-dev)
have tcpdump || need_apt+=(tcpdump)
have bpftool || need_apt+=(bpftool)
have tc || need_apt+=(iproute2)
have clang || need_apt+=(clang)
have tshark || need_apt+=(tshark)
have nft || need_apt+=(nftables)
have python3 || need_apt+=(python3) # the raw live proof's ping socket (sock_rcvqueue_full)
have trace-cmd || need_apt+=(trace-cmd) # the reference of the bench trace suite
have zsh || need_apt+=(zsh) # zsh -n checks tfc completion zsh
have groff || need_apt+=(groff-base) # groff renders docs/tfc.1 in the man page test
ldconfig -p 2>/dev/null | grep -q 'libpcap.so.0.8' || need_apt+=(libpcap0.8)

if [ "${#need_apt[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && have apt-get; then
    echo "ensure-tools: installing ${need_apt[*]} (apt-get)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null 2>&1 || echo "ensure-tools: apt-get update failed"
    apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null 2>&1 ||
      echo "ensure-tools: apt-get install failed; suites needing ${need_apt[*]} will skip"
  else
    echo "ensure-tools: not root (or no apt-get): ${need_apt[*]} missing; the suites that need them skip"
  fi
fi

# tracefs: the kernel oracle suites judge tfc against the kernel's own filter interpreter.
if [ ! -d /sys/kernel/tracing/events ] && [ "$(id -u)" = 0 ]; then
  mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null || echo "ensure-tools: could not mount tracefs"
fi
exit 0
