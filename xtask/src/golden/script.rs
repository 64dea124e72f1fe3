//! What the golden capture runs, in order. Later steps build on the state
//! earlier ones made (addresses before routes, a table before its chains), and
//! failures are kept on purpose: a request the kernel refuses (a qdisc this
//! kernel lacks, a duplicate) is a message shape too, with its extack reply.
//!
//! Addresses: `v0` (10.0.0.1/24, 2001:db8::1/64) lives in the golden namespace;
//! its veth peer `v1` (10.0.0.2, 2001:db8::2) is moved to the peer namespace,
//! so that gateways and pings have somewhere to go.

use anyhow::{Result, bail};

pub const NETNS: &str = "nlmon-golden";
pub const PEER_NETNS: &str = "nlmon-golden-peer";

/// The process names nlmon is told to follow; the capture then keeps only the
/// messages of the pids it started.
pub const COMMS: &[&str] = &[
    "ip",
    "tc",
    "bridge",
    "ss",
    "nft",
    "ethtool",
    "genl",
    "conntrack",
    "ipset",
    "tcpdump",
    "forkstat",
    "iw",
    "busybox",
    "devlink",
    "dcb",
    "vdpa",
    "tipc",
];

pub enum Step {
    /// Run a command in the golden namespace; its messages get a corpus file.
    Run(&'static str),
    /// Start a listener, run `during`, stop the listener with SIGINT. The
    /// listener's messages (notifications, events) get their own file.
    Listen {
        cmd: &'static str,
        /// Outside the golden namespace (read-only listeners of host-only families).
        host: bool,
        during: &'static [Step],
    },
    /// Start a helper process (sockets for `ss` to find) and leave it running
    /// while `during` runs; it sends no netlink and gets no file.
    Serve {
        cmd: &'static str,
        during: &'static [Step],
    },
    Sleep(u64),
}

use Step::{Listen, Run, Serve, Sleep};

pub const STEPS: &[Step] = &[
    // --- links ---
    Run("ip link show"),
    Listen {
        cmd: "ip monitor all",
        host: false,
        during: &[
            Run("ip link add v0 type veth peer name v1"),
            Run("ip link set v1 netns nlmon-golden-peer"),
            Run("ip link set v0 up"),
            Run("ip -n nlmon-golden-peer link set v1 up"),
            Run("ip -4 addr add 10.0.0.1/24 dev v0"),
            Run("ip -n nlmon-golden-peer addr add 10.0.0.2/24 dev v1"),
            Run("ip -6 addr add 2001:db8::1/64 dev v0 nodad"),
            Run("ip -n nlmon-golden-peer -6 addr add 2001:db8::2/64 dev v1 nodad"),
            Run("ip route add 192.168.10.0/24 via 10.0.0.2"),
            Run("ip link set lo up"),
        ],
    },
    Run("ip link set v0 mtu 1400"),
    Run("ip link set dev v0 address 02:00:00:00:00:01"),
    Run("ip link set dev v0 alias golden-uplink"),
    Run("ip link set dev v0 txqueuelen 500 group 5"),
    Run("ip link property add dev v0 altname uplink0"),
    Run("ip link add br0 type bridge stp_state 0 forward_delay 400 mcast_snooping 1"),
    Run("ip link add br1 type bridge vlan_filtering 1"),
    Run("ip link set br0 up"),
    Run("ip link add v2 type veth peer name v3"),
    Run("ip link set v2 master br0"),
    Run("ip link set v2 up"),
    Run("ip link set v3 up"),
    Run("ip link add link v0 name v0.100 type vlan id 100"),
    Run(
        "ip link add vx0 type vxlan id 42 dstport 4789 local 10.0.0.1 remote 10.0.0.2 dev v0 ttl 16",
    ),
    Run("ip link add mv0 link v3 type macvlan mode bridge"),
    Run("ip link add bond0 type bond mode 802.3ad miimon 100"),
    Run("ip link add dummy0 type dummy"),
    Run("ip link add gre1 type gre remote 10.0.0.2 local 10.0.0.1 ttl 64"),
    Run("ip -d link show"),
    Run("ip -d link show dev br0"),
    Run("ip -s -s link show dev v0"),
    Run("ip -j -d link show dev vx0"),
    Run("ip link show type veth"),
    Run("ip link xstats type bridge"),
    Run("ip stats show dev v0 group link"),
    Run("ip stats show group offload"),
    Run("ip link set dev mv0 down"),
    Run("ip link del mv0"),
    // --- addresses ---
    Run("ip addr add 10.0.0.5/24 brd + dev v0 label v0:sec"),
    Run("ip -6 addr add 2001:db8:1::1/64 dev v0 valid_lft 300 preferred_lft 200 nodad"),
    Run("ip addr add 10.1.0.1 peer 10.1.0.2 dev v0"),
    Run("ip addr show"),
    Run("ip -4 addr show dev v0"),
    Run("ip -6 addr show dev v0"),
    Run("ip addr del 10.0.0.5/24 dev v0"),
    Run("ip addr add 10.0.0.1/24 dev v0"),
    Run("ip addr add 10.0.0.9/24 dev missing0"),
    Run("ip addrlabel add prefix 2001:db8:2::/48 label 100"),
    Run("ip addrlabel list"),
    Run("ip token set ::1a/64 dev v0"),
    Run("ip token list"),
    Run("ip maddr show dev v0"),
    // --- routes ---
    Run("ip route add 192.168.20.0/24 nexthop via 10.0.0.2 weight 1 nexthop via 10.0.0.3 weight 2"),
    Run(
        "ip -6 route add 2001:db8:10::/64 nexthop via 2001:db8::2 dev v0 nexthop via 2001:db8::3 dev v0",
    ),
    Run("ip route add 192.168.30.0/24 dev v0 metric 50 proto static table 100"),
    Run("ip route add unreachable 192.168.40.0/24"),
    Run("ip route add prohibit 192.168.41.0/24"),
    Run("ip route add 192.168.50.0/24 via 10.0.0.2 mtu 1300 advmss 1200 initcwnd 10"),
    Run("ip route add 192.168.99.0/24 via 10.0.0.2 src 10.0.0.1"),
    Run("ip -6 route add 2001:db8:60::/64 encap seg6 mode encap segs 2001:db8::9 dev v0"),
    Run("ip route add 192.168.61.0/24 encap mpls 100 via 10.0.0.2"),
    Run("ip route replace 192.168.10.0/24 via 10.0.0.3"),
    Run("ip route change 192.168.10.0/24 via 10.0.0.2 realm 5"),
    Run("ip route show"),
    Run("ip route show table all"),
    Run("ip -6 route show"),
    Run("ip route show table 100"),
    Run("ip route get 192.168.20.5"),
    Run("ip route get 192.168.10.1 from 10.0.0.1 mark 7"),
    Run("ip -6 route get 2001:db8:10::5"),
    Run("ip route get fibmatch 192.168.10.1"),
    Run("ip route get 10.0.0.2 ipproto tcp dport 80"),
    Run("ip route add 192.168.20.0/24 via 10.0.0.2"),
    Run("ip route del 192.168.40.0/24"),
    Run("ip route flush table 100"),
    // --- nexthops ---
    Run("ip nexthop add id 1 via 10.0.0.2 dev v0"),
    Run("ip nexthop add id 2 via 10.0.0.3 dev v0"),
    Run("ip nexthop add id 3 blackhole"),
    Run("ip -6 nexthop add id 6 via 2001:db8::2 dev v0"),
    Run("ip nexthop add id 10 group 1/2"),
    Run("ip nexthop add id 11 group 1,3/2,5 type resilient buckets 8 idle_timer 60"),
    Run("ip route add 192.168.70.0/24 nhid 10"),
    Run("ip nexthop show"),
    Run("ip nexthop show id 10"),
    Run("ip nexthop bucket show id 11"),
    Run("ip nexthop del id 3"),
    // --- neighbours ---
    Run("ip neigh add 10.0.0.2 lladdr 02:00:00:00:00:02 dev v0 nud permanent"),
    Run("ip -6 neigh add 2001:db8::2 lladdr 02:00:00:00:00:02 dev v0 router"),
    Run("ip neigh add proxy 10.0.0.77 dev v0"),
    Run("ip neigh change 10.0.0.2 lladdr 02:00:00:00:00:22 dev v0 nud reachable"),
    Run("ip neigh show"),
    Run("ip neigh show proxy"),
    Run("ip neigh get 10.0.0.2 dev v0"),
    Run("ip neigh del 10.0.0.2 dev v0"),
    Run("ip ntable show dev v0"),
    Run("ip ntable change name arp_cache dev v0 queue 8"),
    // --- rules ---
    Run("ip rule add from 10.0.0.0/24 table 100 pref 100"),
    Run("ip rule add fwmark 0x10/0xff lookup 100 pref 110"),
    Run("ip rule add to 192.168.0.0/16 iif v0 priority 120 table main"),
    Run("ip rule add ipproto tcp dport 80-90 table 100 pref 130"),
    Run("ip rule add not from all uidrange 1000-2000 goto 200 pref 140"),
    Run("ip -6 rule add from 2001:db8::/32 table 100 pref 150"),
    Run("ip rule show"),
    Run("ip -6 rule show"),
    Run("ip rule del pref 110"),
    // --- netconf, netns ids ---
    Run("ip netconf show"),
    Run("ip -6 netconf show dev v0"),
    Run("ip netns set nlmon-golden-peer 7"),
    Run("ip netns list-id"),
    Run("ip netns list"),
    // --- generic netlink families ip knows ---
    Run("ip mptcp endpoint add 10.0.0.1 id 1 signal"),
    Run("ip mptcp endpoint show"),
    Run("ip mptcp limits set subflow 2 add_addr_accepted 2"),
    Run("ip mptcp limits show"),
    Run("ip mptcp endpoint flush"),
    Run("ip tcp_metrics show"),
    Run("ip sr tunsrc set 2001:db8::1"),
    Run("ip sr tunsrc show"),
    Run("ip fou add port 5555 ipproto 4"),
    Run("ip macsec show"),
    // The family itself is absent where the corpus was captured (no l2tp
    // modules): its tables are tested on built messages (`hand_tables.rs`).
    Run("ip l2tp show tunnel"),
    // --- bridge ---
    Run("bridge link show"),
    Run("bridge link set dev v2 cost 10 priority 3"),
    Run("bridge fdb add 02:00:00:00:00:aa dev v2 master static"),
    Run("bridge fdb add 02:00:00:00:00:bb dev v2 vlan 10 master"),
    Run("bridge fdb show br br0"),
    Run("bridge fdb del 02:00:00:00:00:aa dev v2 master"),
    Run("bridge vlan add vid 10 dev v2"),
    Run("bridge vlan add vid 20-22 dev v2 pvid untagged"),
    Run("bridge vlan show"),
    Run("bridge -d vlan show"),
    Run("bridge vlan global show"),
    Run("bridge mdb add dev br0 port v2 grp 239.1.1.1 permanent"),
    Run("bridge mdb show"),
    Run("bridge -s link show"),
    // --- tc ---
    Run("tc qdisc add dev v0 root handle 1: htb default 10"),
    Run("tc class add dev v0 parent 1: classid 1:10 htb rate 10mbit ceil 20mbit"),
    Run("tc class add dev v0 parent 1: classid 1:20 htb rate 5mbit prio 2"),
    Run("tc qdisc add dev v0 parent 1:20 handle 20: tbf rate 1mbit burst 32kbit latency 400ms"),
    Run("tc qdisc add dev v0 parent 1:10 handle 10: fq_codel"),
    Run("tc qdisc add dev v0 parent 1:10 handle 30: netem delay 10ms loss 1%"),
    Run(
        "tc filter add dev v0 parent 1: protocol ip prio 1 u32 match ip dst 192.168.10.0/24 flowid 1:10",
    ),
    Run(
        "tc filter add dev v0 parent 1: protocol ip prio 2 u32 match ip sport 80 0xffff action mirred egress redirect dev v2",
    ),
    Run(
        "tc filter add dev v0 parent 1: protocol ip prio 3 flower dst_ip 10.0.0.9 action gact drop",
    ),
    Run("tc filter add dev v0 parent 1: prio 4 matchall action drop"),
    Run("tc qdisc add dev v2 ingress"),
    Run(
        "tc filter add dev v2 ingress protocol all u32 match u32 0 0 action mirred egress mirror dev v0",
    ),
    Run("tc qdisc show"),
    Run("tc -s qdisc show dev v0"),
    Run("tc class show dev v0"),
    Run("tc -s class show dev v0"),
    Run("tc filter show dev v0"),
    Run("tc -s filter show dev v2 ingress"),
    Run("tc chain show dev v0"),
    Run("tc actions add action mirred egress redirect dev v2 index 5"),
    Run("tc actions list action mirred"),
    Run("tc actions get action mirred index 5"),
    Run("tc actions del action mirred index 5"),
    Run("tc qdisc change dev v0 root handle 1: htb default 20"),
    Run("tc filter del dev v0 parent 1: prio 1"),
    Run("tc qdisc del dev v0 root"),
    // --- nftables ---
    Run("nft add table inet golden"),
    Run("nft add chain inet golden input { type filter hook input priority 0 ; policy accept ; }"),
    Run("nft add chain inet golden output { type filter hook output priority 0 ; }"),
    Run("nft add set inet golden blocked { type ipv4_addr ; flags interval ; }"),
    Run("nft add element inet golden blocked { 10.9.0.0/16, 192.0.2.1 }"),
    Run("nft add map inet golden portmap { type inet_service : verdict ; }"),
    Run("nft add counter inet golden hits"),
    Run("nft add quota inet golden budget { over 10 mbytes }"),
    Run("nft add rule inet golden input ip saddr @blocked counter drop"),
    Run(
        "nft add rule inet golden input tcp dport { 22, 80 } ct state new log prefix \"golden\" accept",
    ),
    Run("nft add rule inet golden input meta l4proto icmp limit rate 10/second accept"),
    Run("nft add rule inet golden input iifname v0 ip6 daddr 2001:db8::/64 counter name hits"),
    Run("nft add rule inet golden output meta l4proto icmp log group 5"),
    Run("nft add chain inet golden post { type nat hook postrouting priority 100 ; }"),
    Run("nft add rule inet golden post oifname v0 masquerade"),
    Run("nft add table netdev golden_ingress"),
    Run(
        "nft add chain netdev golden_ingress in { type filter hook ingress device v0 priority 0 ; }",
    ),
    Run("nft list ruleset"),
    Run("nft -j list ruleset"),
    Run("nft -a list chain inet golden input"),
    Run("nft list tables"),
    Run("nft list set inet golden blocked"),
    Run("nft delete element inet golden blocked { 192.0.2.1 }"),
    Run("nft add rule inet golden nochain accept"),
    // --- packets: nflog, conntrack events, xfrm acquire and expire ---
    Listen {
        cmd: "tcpdump -n -i nflog:5 -c 50",
        host: false,
        during: &[Run("busybox ping -c 2 -W 1 10.0.0.2")],
    },
    Run("nft flush chain inet golden input"),
    Run("nft delete table inet golden"),
    Run("nft delete table netdev golden_ingress"),
    // --- conntrack ---
    Listen {
        cmd: "conntrack -E",
        host: false,
        during: &[
            Run(
                "conntrack -I -p tcp -s 10.0.0.1 -d 10.0.0.2 --sport 40000 --dport 80 --state ESTABLISHED -t 120 -u ASSURED --mark 7",
            ),
            Run("conntrack -I -p udp -s 10.0.0.1 -d 10.0.0.2 --sport 5000 --dport 53 -t 30"),
            Run(
                "conntrack -I -p icmp -s 10.0.0.1 -d 10.0.0.2 --icmp-type 8 --icmp-code 0 --icmp-id 77 -t 30",
            ),
            Run("conntrack -U -p tcp -s 10.0.0.1 -d 10.0.0.2 --sport 40000 --dport 80 --mark 9"),
            Run("conntrack -D -p udp -s 10.0.0.1 -d 10.0.0.2"),
        ],
    },
    Run("conntrack -L"),
    Run("conntrack -L -o extended,id"),
    Run("conntrack -G -p tcp -s 10.0.0.1 -d 10.0.0.2 --sport 40000 --dport 80"),
    Run("conntrack -C"),
    Run("conntrack -S"),
    Run("conntrack -L expect"),
    Run("conntrack -F"),
    // --- ipset ---
    Run("ipset create golden hash:ip timeout 300 counters comment"),
    Run("ipset add golden 10.0.0.9 timeout 60 comment 'golden entry'"),
    Run("ipset add golden 10.0.0.10"),
    Run("ipset test golden 10.0.0.9"),
    Run("ipset list golden"),
    Run("ipset list -n"),
    Run("ipset del golden 10.0.0.10"),
    Run("ipset destroy golden"),
    // --- sock_diag, with sockets to find ---
    Serve {
        cmd: "socat TCP-LISTEN:8080,reuseaddr 'EXEC:sleep 20'",
        during: &[Serve {
            cmd: "socat ABSTRACT-LISTEN:nlmon-golden 'EXEC:sleep 20'",
            during: &[Serve {
                cmd: "socat -u UDP6-RECV:5353 /dev/null",
                during: &[Serve {
                    cmd: "tcpdump -n -i v0 -w /dev/null",
                    during: &[Serve {
                        cmd: "socat TCP:127.0.0.1:8080 'EXEC:sleep 20'",
                        during: &[Serve {
                            cmd: "socat ABSTRACT-CONNECT:nlmon-golden 'EXEC:sleep 20'",
                            during: &[
                                Sleep(300),
                                Run("ss -tan"),
                                Run("ss -tanie"),
                                Run("ss -tanm"),
                                Run("ss -uan"),
                                Run("ss -6an"),
                                Run("ss -xa"),
                                Run("ss -xap"),
                                Run("ss -a -f netlink"),
                                Run("ss -0a"),
                                Run("ss -wa"),
                                Run("ss -Ma"),
                                Run("ss -tn state established ( dport = :8080 or sport = :8080 )"),
                                Run("ss -K -tn dport = :1"),
                            ],
                        }],
                    }],
                }],
            }],
        }],
    },
    // --- ethtool ---
    Run("ethtool v0"),
    Run("ethtool -i v0"),
    Run("ethtool -k v0"),
    Run("ethtool -K v0 tso off gro on"),
    Run("ethtool -g v0"),
    Run("ethtool -G v0 rx 128"),
    Run("ethtool -l v0"),
    Run("ethtool -L v0 rx 1 tx 1"),
    Run("ethtool -c v0"),
    Run("ethtool -a v0"),
    Run("ethtool -T v0"),
    Run("ethtool --show-eee v0"),
    Run("ethtool --show-fec v0"),
    Run("ethtool --show-pse v0"),
    Run("ethtool --show-tunnels v0"),
    Run("ethtool -s v0 msglvl 0x7"),
    Run("ethtool --json -k v0"),
    // --- genl control and other genl tools ---
    Run("genl ctrl list"),
    Run("genl ctrl get name nlctrl"),
    Run("genl ctrl get name ethtool"),
    Run("genl ctrl policy name mptcp_pm"),
    Run("genl ctrl get name no-such-family"),
    Run("devlink dev show"),
    Run("devlink port show"),
    Run("dcb ets show dev v0"),
    Run("vdpa dev show"),
    Run("iw dev"),
    // --- xfrm ---
    Listen {
        cmd: "ip xfrm monitor",
        host: false,
        during: &[
            Run(
                "ip xfrm state add src 10.0.0.1 dst 10.0.0.2 proto esp spi 0x100 reqid 1 mode tunnel enc cbc(aes) 0x00112233445566778899aabbccddeeff auth-trunc hmac(sha256) 0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f 128",
            ),
            Run(
                "ip xfrm state add src 10.0.0.2 dst 10.0.0.1 proto esp spi 0x101 reqid 2 mode transport aead rfc4106(gcm(aes)) 0x0102030405060708090a0b0c0d0e0f1011121314 128",
            ),
            Run(
                "ip xfrm state add src 10.0.0.1 dst 10.0.0.2 proto ah spi 0x102 mode transport auth hmac(sha1) 0x0102030405060708090a0b0c0d0e0f1011121314",
            ),
            Run(
                "ip xfrm state add src 10.0.0.1 dst 10.0.0.3 proto esp spi 0x103 mode tunnel enc cbc(aes) 0xffeeddccbbaa99887766554433221100 encap espinudp 4500 4500 0.0.0.0",
            ),
            Run(
                "ip xfrm state add src 10.0.0.1 dst 10.0.0.4 proto esp spi 0x104 mode tunnel enc cbc(aes) 0x0f0e0d0c0b0a09080706050403020100 limit time-hard 1",
            ),
            Run(
                "ip xfrm policy add src 10.0.0.0/24 dst 192.168.99.0/24 dir out priority 10 tmpl src 10.0.0.1 dst 10.0.0.2 proto esp reqid 5 mode tunnel",
            ),
            Run(
                "ip xfrm policy add src 192.168.99.0/24 dst 10.0.0.0/24 dir in mark 5 tmpl src 10.0.0.2 dst 10.0.0.1 proto esp reqid 1 mode tunnel",
            ),
            Run("busybox ping -c 1 -W 1 192.168.99.1"),
            Sleep(2500),
            Run("ip xfrm state allocspi src 10.0.0.1 dst 10.0.0.5 proto esp min 0x200 max 0x300"),
            Run("ip xfrm state list"),
            Run("ip xfrm policy list"),
            Run("ip xfrm state get src 10.0.0.1 dst 10.0.0.2 proto esp spi 0x100"),
            Run("ip xfrm state count"),
            Run("ip xfrm policy count"),
            Run("ip xfrm policy getdefault"),
            Run("ip xfrm policy delete src 192.168.99.0/24 dst 10.0.0.0/24 dir in mark 5"),
            Run("ip xfrm state deleteall"),
            Run("ip xfrm policy flush"),
        ],
    },
    // --- kobject uevents (net devices announce themselves in their namespace) ---
    Listen {
        cmd: "busybox uevent",
        host: false,
        during: &[
            Run("ip link add v4 type veth peer name v5"),
            Run("ip link set v4 up"),
            Run("ip link del v4"),
        ],
    },
    // --- proc connector: only the initial namespace has it; forkstat only listens ---
    Listen {
        cmd: "forkstat -e fork,exec,exit,comm",
        host: true,
        during: &[Run("ip -br link show dev lo")],
    },
    // --- teardown ---
    Listen {
        cmd: "ip monitor link address route",
        host: false,
        during: &[
            Run("ip addr flush dev v0"),
            Run("ip link set v0 down"),
            Run("ip link del br0"),
            Run("ip link del v0"),
        ],
    },
    Run("ip link show"),
    // --- IOAM6 (generic netlink; needs no links). Last, so that adding it
    // kept the numbers of the files captured before it. ---
    Run("ip ioam namespace add 123 data 0xdeadbeef wide 0xcafec0caf00dc0de"),
    Run("ip ioam namespace add 123"),
    Run("ip ioam schema add 7 golden-schema"),
    Run("ip ioam namespace set 123 schema 7"),
    Run("ip ioam namespace show"),
    Run("ip ioam schema show"),
    Run("ip ioam namespace set 123 schema none"),
    Run("ip ioam schema del 7"),
    Run("ip ioam namespace del 123"),
];

/// Splits a command line on whitespace; `'…'` keeps spaces (no other shell syntax).
pub fn split(cmd: &str) -> Result<Vec<String>> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut quoted = false;
    for c in cmd.chars() {
        match c {
            '\'' => {
                quoted = !quoted;
                in_word = true;
            }
            c if c.is_whitespace() && !quoted => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            c => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if quoted {
        bail!("unbalanced quote in `{cmd}`");
    }
    if in_word {
        words.push(word);
    }
    if words.is_empty() {
        bail!("empty command");
    }
    Ok(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_on_spaces_and_keeps_quoted_ones() {
        assert_eq!(
            split("socat TCP-LISTEN:8080 'EXEC:sleep 20'").unwrap(),
            ["socat", "TCP-LISTEN:8080", "EXEC:sleep 20"]
        );
        assert_eq!(split("  ip  link ").unwrap(), ["ip", "link"]);
        assert_eq!(split("a ''").unwrap(), ["a", ""]);
        assert!(split("a 'b").is_err());
        assert!(split("  ").is_err());
    }

    #[test]
    fn every_step_parses() {
        fn walk(steps: &[Step]) {
            for s in steps {
                match s {
                    Run(cmd) => drop(split(cmd).unwrap()),
                    Listen { cmd, during, .. } | Serve { cmd, during } => {
                        split(cmd).unwrap();
                        walk(during);
                    }
                    Sleep(_) => {}
                }
            }
        }
        walk(STEPS);
    }
}
