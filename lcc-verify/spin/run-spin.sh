#!/usr/bin/env bash
# Runs SPIN's exhaustive safety search (invalid end states, i.e. deadlocks) on
# load-balancing.pml for N = 2..8 peers, with and without partial-order
# reduction, each bounded by LIMIT seconds (default 60) and 8 GiB; prints one line per run.
# Usage: run-spin.sh [MAX_PEERS [LIMIT_SECONDS]]      (needs `spin`, `gcc` and `bc`)
set -u
cd "$(dirname "$0")"
max=${1:-8}
limit=${2:-60}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
printf '%-5s %-6s %12s %14s %10s %10s  %s\n' peers por states states/s memoryMB seconds result
for n in $(seq 2 "$max"); do
  for por in on off; do
    extra=""; [ "$por" = off ] && extra="-DNOREDUCE"
    (cd "$work" && spin -a -DN="$n" "$OLDPWD/load-balancing.pml" >/dev/null && \
      gcc -O2 -DMEMLIM=8192 -DSAFETY -DVECTORSZ=4096 $extra -o pan pan.c 2>/dev/null) || { echo "build failed for N=$n"; continue; }
    start=$(date +%s.%N)
    out=$(cd "$work" && timeout -s INT "$limit" ./pan -m10000000 -w26 2>&1)
    rc=$?
    secs=$(echo "$(date +%s.%N) - $start" | bc)
    states=$(echo "$out" | awk '/states, stored/ {print $1; exit}')
    mem=$(echo "$out" | awk '/total actual memory usage/ {print $1; exit}')
    if [ $rc -eq 124 ]; then result="time limit ($limit s, partial)";
    elif echo "$out" | grep -q "out of memory"; then result="out of memory (8 GiB)";
    elif echo "$out" | grep -q "errors: 0"; then result="no errors";
    else result="errors: $(echo "$out" | awk '/errors:/ {print $NF; exit}')"; fi
    rate=$( [ -n "$states" ] && echo "scale=0; $states / $secs" | bc || echo "-")
    printf '%-5s %-6s %12s %14s %10s %10.1f  %s\n' "$n" "$por" "${states:--}" "$rate" "${mem:--}" "$secs" "$result"
  done
done
