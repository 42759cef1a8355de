#!/bin/bash
# What each piece of an overlay costs on this machine's kernel, without Flotilla running: two namespace "hosts"
# (bridge fl-br-4242 + VXLAN fl-vx-4242 nolearning proxy with static fdb/neigh entries + a veth into a task namespace
# each, over an underlay bridge in its own namespace) against two task namespaces on one plain bridge, iperf3 between
# the task namespaces. Every namespace, device and rule lives in namespaces named $P-* (PREFIX, default flnp); nothing is
# sent outside them.
#
#   scripts/overlay-pieces.sh up     make the namespaces with the pieces chosen by the environment (0/1):
#       BRNF     bridge-nf-call-iptables=1 in the hosts (Docker's setting); alone, FORWARD DROP + conntrack accept
#       DOCKER   Docker 20.10's filter and nat rules for the bridges (FORWARD DROP, DOCKER-USER, isolation chains)
#       FL       Flotilla's chains as network/.../FirewallRules writes them for one non-internal network
#       ADDR     the gateway and the node's address on the overlay bridge, as LinkChanges puts them
#       CTFIRST  a conntrack RELATED,ESTABLISHED accept first in FLOTILLA-FORWARD
#       UNF      the underlay bridge as the test bed has it in the root namespace (netfilter, conntrack, 3 rules)
#       OMTU     the overlay MTU (1450; the underlay's is 50 more)
#   scripts/overlay-pieces.sh run    RUNS (3) pairs of T (5) s runs, plain and overlay alternating; per run Gbit/s and
#                                    Gbit per CPU-second of both iperf3 processes (softirq work in their context
#                                    included: this kernel has no IRQ time accounting), the figure that survives load
#   scripts/overlay-pieces.sh down   remove the namespaces
set -e
P=${PREFIX:-flnp}
[[ $P =~ ^[a-z][a-z0-9]{1,7}$ ]] || { echo "overlay-pieces: PREFIX is 2 to 8 of a-z0-9, not \"$P\"" >&2; exit 2; }
for tool in ip iptables bridge iperf3 taskset python3; do
  command -v $tool >/dev/null || { echo "overlay-pieces: $tool is missing" >&2; exit 1; }
done
NS="$P-u $P-h1 $P-h2 $P-t1 $P-t2 $P-pb $P-p1 $P-p2"
cleanup() { for n in $NS; do ip netns del $n 2>/dev/null || true; done; }

up() {
cleanup
cleanup() { for n in $NS; do ip netns del $n 2>/dev/null || true; done; }
OMTU=${OMTU:-1450}; UMTU=$((OMTU+50))
for n in $NS; do ip netns add $n; ip -n $n link set lo up; done
BR=fl-br-4242; VX=fl-vx-4242
# plain: p1, p2 on one bridge in pb (Docker's user network: MTU 1500)
ip -n $P-pb link add ${P}br type bridge; ip -n $P-pb link set ${P}br up
ip -n $P-pb addr add 10.77.0.254/24 dev ${P}br
for i in 1 2; do
  ip link add ${P}pv$i netns $P-pb type veth peer name eth0 netns $P-p$i
  ip -n $P-pb link set ${P}pv$i master ${P}br up
  ip -n $P-p$i addr add 10.77.0.1$i/24 dev eth0; ip -n $P-p$i link set eth0 up
done
ip -n $P-u link add ${P}ub type bridge; ip -n $P-u link set ${P}ub mtu $UMTU up
for i in 1 2; do
  h=$P-h$i
  ip link add ${P}uv$i netns $P-u mtu $UMTU type veth peer name eth0 netns $h mtu $UMTU
  ip -n $P-u link set ${P}uv$i master ${P}ub up
  ip -n $h addr add 10.78.0.$i/24 dev eth0; ip -n $h link set eth0 up
  ip -n $h link add $BR mtu $OMTU address 02:42:0a:4f:00:01 type bridge; ip -n $h link set $BR up
  if [ "${ADDR:-0}" = 1 ]; then ip -n $h addr add 10.79.0.1/24 dev $BR; ip -n $h addr add 10.79.0.25$i/32 dev $BR; fi
  ip -n $h link add $VX mtu $OMTU type vxlan id 4242 local 10.78.0.$i dstport 4789 nolearning proxy ${VXOPT:-}
  ip -n $h link set $VX master $BR up
  ip link add ${P}tv$i netns $h mtu $OMTU type veth peer name eth0 netns $P-t$i mtu $OMTU
  ip -n $h link set ${P}tv$i master $BR up
  ip -n $P-t$i link set eth0 address 02:42:0a:4f:00:1$i
  ip -n $P-t$i addr add 10.79.0.1$i/24 dev eth0; ip -n $P-t$i link set eth0 up
done
for i in 1 2; do o=$((3-i))
  bridge -n $P-h$i fdb add 02:42:0a:4f:00:1$o dev $VX dst 10.78.0.$o self permanent
  ip -n $P-h$i neigh add 10.79.0.1$o lladdr 02:42:0a:4f:00:1$o dev $VX nud permanent
done
for h in $P-h1 $P-h2 $P-pb; do
  x() { ip netns exec $h "$@"; }
  b=$BR; [ $h = $P-pb ] && b=${P}br
  if [ "${BRNF:-0}" = 1 ]; then
    x sysctl -qw net.bridge.bridge-nf-call-iptables=1 net.ipv4.ip_forward=1
  else
    x sysctl -qw net.bridge.bridge-nf-call-iptables=0 net.ipv4.ip_forward=1
  fi
  if [ "${DOCKER:-0}" = 1 ]; then
    x ip link add docker0 type bridge
    x iptables -w -P FORWARD DROP
    for c in DOCKER DOCKER-ISOLATION-STAGE-1 DOCKER-ISOLATION-STAGE-2 DOCKER-USER; do x iptables -w -N $c; done
    x iptables -w -t nat -N DOCKER
    x iptables -w -A FORWARD -j DOCKER-USER
    x iptables -w -A FORWARD -j DOCKER-ISOLATION-STAGE-1
    for d in $b docker0; do
      x iptables -w -A FORWARD -o $d -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
      x iptables -w -A FORWARD -o $d -j DOCKER
      x iptables -w -A FORWARD -i $d ! -o $d -j ACCEPT
      x iptables -w -A FORWARD -i $d -o $d -j ACCEPT
      x iptables -w -A DOCKER-ISOLATION-STAGE-1 -i $d ! -o $d -j DOCKER-ISOLATION-STAGE-2
      x iptables -w -A DOCKER-ISOLATION-STAGE-2 -o $d -j DROP
      x iptables -w -t nat -A DOCKER -i $d -j RETURN
    done
    x iptables -w -A DOCKER-ISOLATION-STAGE-1 -j RETURN
    x iptables -w -A DOCKER-ISOLATION-STAGE-2 -j RETURN
    x iptables -w -A DOCKER-USER -j RETURN
    x iptables -w -t nat -A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER
    x iptables -w -t nat -A OUTPUT ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j DOCKER
    x iptables -w -t nat -A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE
  fi
  if [ "${FL:-0}" = 1 ]; then
    # as FirewallRules.between writes them for one non-internal network (fl-br-4242, 10.79.0.0/24), on every host of the
    # bench (flh1 holds the plain bridge too, and Flotilla's chains are there)
    from=FORWARD; [ "${DOCKER:-0}" = 1 ] && from=DOCKER-USER
    peer=10.78.0.2; [ $h = $P-h2 ] && peer=10.78.0.1
    x iptables -w -N FLOTILLA-FORWARD; x iptables -w -N FLOTILLA-INPUT; x iptables -w -N FLOTILLA-VXLAN
    x iptables -w -t nat -N FLOTILLA-POSTROUTING; x iptables -w -t nat -N FLOTILLA-VIP
    if [ "${CTFIRST:-0}" = 1 ]; then
      x iptables -w -A FLOTILLA-FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
    fi
    x iptables -w -A FLOTILLA-FORWARD -i $BR -o $BR -j ACCEPT
    x iptables -w -A FLOTILLA-FORWARD -i $BR -j ACCEPT
    x iptables -w -A FLOTILLA-FORWARD -o $BR -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
    x iptables -w -A FLOTILLA-VXLAN -s $peer/32 -j RETURN
    x iptables -w -A FLOTILLA-VXLAN -j DROP
    x iptables -w -t nat -A FLOTILLA-POSTROUTING -s 10.79.0.0/24 ! -o $BR -j MASQUERADE
    x iptables -w -t nat -A FLOTILLA-VIP -d 10.79.0.200/32 -i $BR -p tcp -j DNAT --to-destination 10.79.0.1:7946
    x iptables -w -I $from 1 -m comment --comment flotilla -j FLOTILLA-FORWARD
    x iptables -w -I INPUT 1 -m comment --comment flotilla -j FLOTILLA-INPUT
    x iptables -w -I INPUT 1 -p udp -m udp --dport 4789 -m comment --comment flotilla -j FLOTILLA-VXLAN
    x iptables -w -t nat -I POSTROUTING 1 -m comment --comment flotilla -j FLOTILLA-POSTROUTING
    x iptables -w -t nat -I PREROUTING 1 -m comment --comment flotilla -j FLOTILLA-VIP
  fi
  if [ "${BRNF:-0}" = 1 ] && [ "${DOCKER:-0}" = 0 ] && [ "${FL:-0}" = 0 ]; then
    # the raw experiment's "FORWARD DROP + accept rules + conntrack"
    x iptables -w -P FORWARD DROP
    x iptables -w -A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
    x iptables -w -A FORWARD -i $b -o $b -j ACCEPT
  fi
done
if [ "${UNF:-0}" = 1 ]; then
  # the test bed's underlay bridge lives in the root namespace: bridge-nf-call-iptables=1, Docker's nat table (conntrack
  # on) and FORWARD DROP with the test bed's three rules first
  x() { ip netns exec $P-u "$@"; }
  x iptables -w -P FORWARD DROP
  x iptables -w -A FORWARD ! -i ${P}ub -o ${P}ub -j DROP
  x iptables -w -A FORWARD -i ${P}ub ! -o ${P}ub -j DROP
  x iptables -w -A FORWARD -i ${P}ub -o ${P}ub -j ACCEPT
  x iptables -w -t nat -A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE
fi
ip netns exec $P-t1 ping -c1 -W2 10.79.0.12 >/dev/null
ip netns exec $P-p1 ping -c1 -W2 10.77.0.12 >/dev/null
}

run() {
RUNS=${RUNS:-3}; T=${T:-5}
m() { ip netns exec $1 taskset -c 1 iperf3 -s -1 -D -p 5301; sleep 0.3
      ip netns exec $2 taskset -c 0 iperf3 -c $3 -p 5301 -t $T -J | python3 -c '
import json,sys; j=json.load(sys.stdin)["end"]; b=j["sum_received"]["bits_per_second"]/1e9; c=j["cpu_utilization_percent"]
print("%.2f %.2f"%(b, b/((c["host_total"]+c["remote_total"])/100)))'; }
out=""
for r in $(seq $RUNS); do
  l=$(cut -d' ' -f1 /proc/loadavg)
  if [ $((r%2)) = 1 ]; then p=$(m $P-p2 $P-p1 10.77.0.12); o=$(m $P-t2 $P-t1 10.79.0.12)
  else o=$(m $P-t2 $P-t1 10.79.0.12); p=$(m $P-p2 $P-p1 10.77.0.12); fi
  out="$out$l $p $o
"
done
printf "%s" "$out" | python3 -c '
import sys,statistics as s
rows=[list(map(float,l.split())) for l in sys.stdin if l.strip()]
for r in rows: print("  load %.2f plain %.2f Gb/s %.2f Gb/cpu-s | overlay %.2f Gb/s %.2f Gb/cpu-s | ratio %.2f eff %.2f"%(r[0],r[1],r[2],r[3],r[4],r[3]/r[1],r[4]/r[2]))
md=lambda i: s.median(r[i] for r in rows)
print("  MEDIAN plain %.2f (%.2f/cpu-s) overlay %.2f (%.2f/cpu-s) ratio %.2f eff-ratio %.2f load %s"%(md(1),md(2),md(3),md(4),md(3)/md(1),md(4)/md(2),open("/proc/loadavg").read().split()[0]))'
}

case "${1:-}" in
  up) up ;;
  run) run ;;
  down) cleanup ;;
  *) echo "usage: $0 up|run|down (see the comment at the top)" >&2; exit 2 ;;
esac
