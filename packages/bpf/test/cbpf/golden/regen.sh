#!/bin/sh
# Regenerates the golden listings from the installed libpcap (1.10.3 on the reference machine) through
# libpcap-oracle.c, which calls libpcap's own bpf_dump(). Usage: sh regen.sh (from this directory).
# corpus.bpf_asm.txt and corpus.bytecode.txt are snapshots of our own printers (no external tool here): rewrite them
# with `TFC_BLESS=1 node scripts/run-tests.mjs test/cbpf/listings` from the repository root.
set -eu
corpus="${TFC_SHARED:-$(cd "$(dirname "$0")/../../../../.." && pwd)/../shared}/corpus/pcap-libpcap-1.10.3"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
gcc -O1 -o "$tmp/oracle" libpcap-oracle.c -l:libpcap.so.0.8
for fmt in d dd; do
  : > "corpus.$fmt.txt"
  (cd "$corpus" && find . -name '*.ddd' | sed 's|^\./||' | LC_ALL=C sort) | while read -r f; do
    echo "## $f" >> "corpus.$fmt.txt"
    tail -n +2 "$corpus/$f" | "$tmp/oracle" "$fmt" >> "corpus.$fmt.txt"
  done
done
for fmt in d dd ddd; do "$tmp/oracle" "$fmt" < all-opcodes.ddd > "all-opcodes.$fmt.txt"; done
