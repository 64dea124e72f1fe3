//! What runs inside the systemd VM: a oneshot unit that installs the
//! package and checks the service as an operator would use it. Each result
//! is a `nlmon-vm:` line, the verdict an `init: success|failure` line; both
//! go to the second serial port (the results file) and the console.

/// The test, run by `nlmon-vm-test.service` once multi-user is reached.
pub const TEST: &str = r#"#!/bin/sh
set -u
out() { echo "$*" >/dev/ttyS1; echo "$*" >/dev/console; }
say() { out "nlmon-vm: $*"; }
fail() {
    say "FAIL: $*"
    journalctl -u nlmon --no-pager -n 40 -o short-monotonic >/dev/console 2>&1
    out "init: failure $*"
    exit 1
}
check() { what=$1; shift; if "$@"; then say "ok: $what"; else fail "$what"; fi; }
not() { ! "$@"; }
# Journal entries of the service matching the given fields.
has() { journalctl -u nlmon --no-pager -o cat "$@" 2>/dev/null | grep -q .; }
json=/var/log/nlmon/nlmon.jsonl
# The process object goes on after comm (cgroup, unit, container, pod).
in_json() { grep -q "\"process\":{\"tgid\":$1,\"tid\":[0-9]*,\"uid\":0,\"comm\":\"$2\"[,}]" $json; }
our_links() { bpftool link show | grep -qE "tracing|kprobe|perf_event|tracepoint"; }
settle() { sleep 3; journalctl --sync 2>/dev/null; }

say "kernel $(uname -r), $(systemctl --version | head -1)"
cd /root
check "apt install ./nlmon_*.deb" sh -c 'apt install -y -q ./nlmon_*.deb >/tmp/apt.log 2>&1 || { cat /tmp/apt.log >/dev/console; false; }'
check "group nlmon exists" getent group nlmon
systemctl start nlmon
check "nlmon.service is active (Type=notify: READY=1 after attach)" systemctl is-active --quiet nlmon
say "status: $(systemctl show -p StatusText --value nlmon)"
say "$(journalctl -u nlmon --no-pager -o cat | grep 'attached with')"
check "BPF links present while running" our_links
check "the daemon learned the generic netlink families at start" not sh -c "journalctl -u nlmon --no-pager -o cat | grep 'cannot list generic netlink families' >/dev/console"

ip netns add vmtest
ip -n vmtest link add d0 type veth peer name d1 & p1=$!; wait $p1
ip -n vmtest addr add 10.7.0.1/24 dev d0 & p2=$!; wait $p2
ip netns exec vmtest nft add table inet nlmonvm & p3=$!; wait $p3
ip -n vmtest link show >/dev/null & p4=$!; wait $p4
settle
check "journal: RTM_NEWLINK by ip[$p1]" has NLMON_PID=$p1 NLMON_COMM=ip NLMON_TYPE=RTM_NEWLINK NLMON_DIR=to_kernel
check "journal: its ack to ip[$p1]" has NLMON_PID=$p1 NLMON_TYPE=NLMSG_ERROR NLMON_ERRNO=0
check "journal: RTM_NEWADDR by ip[$p2]" has NLMON_PID=$p2 NLMON_COMM=ip NLMON_TYPE=RTM_NEWADDR
check "journal: nftables batch by nft[$p3]" has NLMON_PID=$p3 NLMON_COMM=nft NLMON_FAMILY=netfilter
check "journal: no reads by default (ip link show)" not has NLMON_PID=$p4
check "json: ip[$p1]" in_json $p1 ip
check "json: ip[$p2]" in_json $p2 ip
check "json: nft[$p3]" in_json $p3 nft
check "json: no reads by default" sh -c "! grep -q '\"tgid\":$p4,' $json"

# Attribution: a transient unit. ExecStopPost keeps its cgroup a second
# after ip exits: the daemon (without CAP_DAC_READ_SEARCH) finds cgroups
# by walking the tree, and a cgroup removed before that is not named.
unit=nlmon-test-writer.service
nlmon attach --unit $unit --json >/tmp/unit.feed 2>/tmp/unit.err & ua=$!
for _ in $(seq 50); do grep -q attached /tmp/unit.err && break; sleep 0.2; done
check "systemd-run --unit=nlmon-test-writer ip link add" systemd-run --quiet --wait \
    --unit=nlmon-test-writer -p 'ExecStopPost=/bin/sleep 1' ip -n vmtest link add u0 type veth peer name u1
ip -n vmtest link add n0 type veth peer name n1 & pn=$!; wait $pn
settle
kill $ua
upid=$(journalctl -u nlmon --no-pager -o export NLMON_UNIT=$unit NLMON_TYPE=RTM_NEWLINK | sed -n 's/^NLMON_PID=//p' | head -1)
check "journal: RTM_NEWLINK with NLMON_UNIT=$unit (ip[$upid])" sh -c "[ -n '$upid' ] && journalctl -u nlmon --no-pager -o cat NLMON_UNIT=$unit NLMON_PID=$upid NLMON_COMM=ip NLMON_CGROUP=/system.slice/$unit | grep -q ."
check "journal text: ip[$upid] ($unit)" sh -c "journalctl -u nlmon --no-pager -o cat NLMON_PID=$upid | grep -qF 'ip[$upid] ($unit)'"
check "json: ip[$upid] has unit $unit" sh -c "grep '\"tgid\":$upid,' $json | grep -q '\"unit\":\"$unit\"'"
check "attach --unit $unit: shows ip[$upid]" grep -q "\"tgid\":$upid," /tmp/unit.feed
check "attach --unit $unit: not ip[$pn] outside it" not grep -q "\"tgid\":$pn," /tmp/unit.feed
check "json: ip[$pn] outside the unit has no unit $unit" sh -c "grep '\"tgid\":$pn,' $json | grep -q . && ! grep '\"tgid\":$pn,' $json | grep -q '\"unit\":\"$unit\"'"

# Attribution: a podman container from an image imported from a local
# root filesystem (no registry), changing an address in its own namespace.
img=/tmp/img
mkdir -p $img/bin
cp /bin/busybox $img/bin/busybox
for a in sh ip sleep; do ln -s busybox $img/bin/$a; done
tar -C $img -cf /tmp/img.tar .
check "podman import" sh -c 'podman import -q /tmp/img.tar localhost/nlmon-busybox >/tmp/podman.log 2>&1 || { cat /tmp/podman.log >/dev/console; false; }'
RUST_LOG=info nlmon --container web --json >/tmp/ctr.feed 2>/tmp/ctr.err & ca=$!
for _ in $(seq 100); do grep -q attached /tmp/ctr.err && break; sleep 0.2; done
check "podman run web: ip addr add in its own namespace" sh -c 'podman run --name web --network none --cap-add NET_ADMIN \
    localhost/nlmon-busybox sh -c "ip addr add 10.9.0.1/32 dev lo && sleep 2" >/tmp/podman.log 2>&1 || { cat /tmp/podman.log >/dev/console; false; }'
ip -n vmtest addr add 10.9.0.1/32 dev d0 & ph=$!; wait $ph
settle
kill -INT $ca; wait $ca
cid=$(podman inspect -f '{{.Id}}' web)
say "container web: $cid, feed: $(grep -c . /tmp/ctr.feed) lines, $(grep -o '"netns_name":[^,]*' /tmp/ctr.feed | sort | uniq -c | tr '\n' ' ')"
ctr="\"container\":{\"runtime\":\"podman\",\"id\":\"$cid\",\"name\":\"web\"}"
check "nlmon --container web: RTM_NEWADDR of podman:web" sh -c "grep RTM_NEWADDR /tmp/ctr.feed | grep -qF '$ctr'"
check "nlmon --container web: its namespace is named podman:web" sh -c "grep RTM_NEWADDR /tmp/ctr.feed | grep -qF '\"netns_name\":\"podman:web\"'"
check "nlmon --container web: not ip[$ph] outside it" not grep -q "\"tgid\":$ph," /tmp/ctr.feed
check "journal: RTM_NEWADDR with NLMON_CONTAINER=web" has NLMON_CONTAINER=web NLMON_CONTAINER_ID=$cid NLMON_CONTAINER_RUNTIME=podman NLMON_TYPE=RTM_NEWADDR
check "json: the daemon names podman:web" sh -c "grep RTM_NEWADDR $json | grep -qF '$ctr'"
podman rm -f web >/dev/null 2>&1

# Metrics: node_exporter runs as its own service (nlmon's unit has no
# network) and serves nlmon's textfile. Written every status.interval.
sed -i 's/^# interval = 60$/interval = 2/' /etc/nlmon/nlmon.toml
check "reload with status.interval = 2" systemctl reload nlmon
for i in 1 2 3; do ip -n vmtest addr add 10.8.0.$i/24 dev d0; done
ip -n vmtest addr add 10.8.0.1/24 dev d0 2>/dev/null
# A sample of node_exporter's /metrics at least $2 (labels in its order:
# sorted by name).
scraped() { curl -s http://localhost:9100/metrics | awk -v k="$1" -v n="$2" '$1 == k && $2 + 0 >= n { ok = 1 } END { exit !ok }'; }
newaddr='nlmon_messages_total{direction="to_kernel",family="route",type="RTM_NEWADDR"}'
for _ in $(seq 60); do scraped "$newaddr" 4 && scraped 'nlmon_errors_total{errno="EEXIST",source="reply"}' 1 && break; sleep 1; done
say "metrics: $(curl -s http://localhost:9100/metrics | grep -E '^nlmon_(messages_total.*NEWADDR|errors|changes|ring_lost|up)' | tr '\n' ' ')"
check "metrics: node_exporter read nlmon.prom without error" sh -c "curl -s http://localhost:9100/metrics | grep -qx 'node_textfile_scrape_error 0'"
check "metrics: >= 4 RTM_NEWADDR requests (4 ip addr add)" scraped "$newaddr" 4
check "metrics: >= 1 EEXIST reply (the address added twice)" scraped 'nlmon_errors_total{errno="EEXIST",source="reply"}' 1
check "metrics: >= 4 changes by ip" scraped 'nlmon_changes_total{process="ip"}' 4
check "metrics: ring loss counter exported" sh -c "curl -s http://localhost:9100/metrics | grep -q '^nlmon_ring_lost_total '"
check "metrics: nlmon_up 1" scraped nlmon_up 1

check "attach --stats as root" sh -c 'nlmon attach --stats | grep -q "^captured"'
check "attach refused for a user outside group nlmon" sh -c \
    '! setpriv --reuid=65534 --regid=65534 --clear-groups nlmon attach --stats >/tmp/a.out 2>&1 && grep -q "neither root nor a member of group nlmon" /tmp/a.out'
gid=$(getent group nlmon | cut -d: -f3)
check "attach allowed for a member of group nlmon" sh -c \
    "setpriv --reuid=65534 --regid=65534 --groups=$gid nlmon attach --stats | grep -q '^captured'"
nlmon attach --comm ip --json >/tmp/feed 2>/tmp/feed.err & a=$!
for _ in $(seq 50); do grep -q attached /tmp/feed.err && break; sleep 0.2; done
ip -n vmtest link set d0 up & p5=$!; wait $p5
sleep 2; kill $a
check "attach: live feed shows ip[$p5]" grep -q "\"tgid\":$p5," /tmp/feed

check "reload (SIGHUP)" systemctl reload nlmon
check "active after reload" systemctl is-active --quiet nlmon

old=$(systemctl show -p MainPID --value nlmon)
systemctl kill -s SIGKILL nlmon
new=0
for _ in $(seq 120); do
    new=$(systemctl show -p MainPID --value nlmon)
    if [ "$new" != 0 ] && [ "$new" != "$old" ] && systemctl is-active --quiet nlmon; then break; fi
    sleep 0.5
done
check "restarted after SIGKILL (pid $old -> $new)" sh -c "[ $new != 0 ] && [ $new != $old ] && systemctl is-active --quiet nlmon"
ip -n vmtest link add d2 type veth peer name d3 & p6=$!; wait $p6
settle
check "capture resumed: RTM_NEWLINK by ip[$p6] from nlmon[$new]" has _PID=$new NLMON_PID=$p6 NLMON_TYPE=RTM_NEWLINK

systemctl stop nlmon
check "stop: exit status 0" sh -c '[ "$(systemctl show -p ExecMainStatus --value nlmon)" = 0 ] && [ "$(systemctl show -p Result --value nlmon)" = success ]'
check "stop: no nlmon BPF links left" not our_links
check "stop: no nlmon BPF programs left" sh -c '! bpftool prog show | grep -qE "netlink_|sys_enter_|sys_exit_|mmsg_step"'
ip netns del vmtest
out "init: success"
"#;

/// The unit that runs [`TEST`] and powers the VM off either way.
pub const UNIT: &str = "[Unit]
Description=nlmon service test
After=multi-user.target
SuccessAction=poweroff-force
FailureAction=poweroff-force

[Service]
Type=oneshot
ExecStart=/usr/local/bin/nlmon-vm-test
StandardOutput=journal+console
StandardError=journal+console
TimeoutStartSec=15min

[Install]
WantedBy=multi-user.target
";

/// The initramfs init: load the modules for a virtio ext4 root, mount it
/// and hand over to systemd.
pub const INIT: &str = r#"#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
for m in $(cat /modules/order); do
    insmod /modules/$m.ko || echo "nlmon-vm: insmod $m failed"
done
for _ in $(seq 100); do [ -b /dev/vda ] && break; sleep 0.1; done
mkdir -p /newroot
if ! mount -t ext4 -o rw /dev/vda /newroot; then
    echo "init: failure: cannot mount the root filesystem"
    poweroff -f
fi
umount /proc /sys
mount --move /dev /newroot/dev
exec switch_root /newroot /sbin/init
"#;
