#!/bin/bash
# usage: cpu-per-request.sh <rounds> <label:port:pid>...  interleaved 10 s wrk runs at 32 and 128 connections;
# prints requests/s, p50, p99 and the proxy process's CPU time per request (utime+stime from /proc).
rounds=$1; shift
tick=$(getconf CLK_TCK)
cpu() { awk '{print $14+$15}' /proc/$1/stat; }
for t in "$@"; do IFS=: read l port pid <<< "$t"; wrk -t2 -c32 -d3s http://127.0.0.1:$port/ > /dev/null; done
for r in $(seq 1 $rounds); do
  for c in 32 128; do
    for t in "$@"; do
      IFS=: read label port pid <<< "$t"
      load=$(cut -d' ' -f1 /proc/loadavg)
      c0=$(cpu $pid)
      out=$(wrk -t2 -c$c -d10s --latency http://127.0.0.1:$port/)
      c1=$(cpu $pid)
      total=$(echo "$out" | awk '/requests in/ {print $1}')
      rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
      p50=$(echo "$out" | awk '$1=="50%" {print $2}')
      p99=$(echo "$out" | awk '$1=="99%" {print $2}')
      err=$(echo "$out" | grep -E "Non-2xx|Socket errors" | tr '\n' ' ')
      us=$(awk -v a=$c0 -v b=$c1 -v n=$total -v t=$tick 'BEGIN {printf "%.1f", (b-a)/t*1e6/n}')
      echo "round=$r $label c=$c rps=$rps p50=$p50 p99=$p99 cpu_us_per_req=$us load1=$load $err"
    done
  done
done
