//! `nlmon-testgen capture-file BYTES PATH`: writes a pcapng capture of
//! about BYTES bytes with nlmon's own writer, for `cargo xtask bench` to
//! read back with `nlmon -r` (memory must not grow with the file). The
//! traffic repeats what `ip address add` and `ip link show` exchange: a
//! request with attributes, its ack, the notification, a dump request and
//! a dump reply of several links, with sequence numbers, processes and
//! times that move on, as a long capture's do.

use std::{
    fs::File,
    io::{self, BufWriter, Write},
    time::{Duration, SystemTime},
};

use anyhow::Context as _;
use nlmon::{
    event::{Direction, Event, Peer},
    pcapng::PcapngWriter,
};
use nlmon_common::nlmsg::{NLM_F_MULTI, NLMSG_ERROR};

use super::{
    NLM_F_ACK, NLM_F_CREATE, NLM_F_DUMP, NLM_F_EXCL, NLM_F_REQUEST, NLMSG_DONE, RTM_GETLINK,
};

const RTM_NEWLINK: u16 = 16;
const RTM_NEWADDR: u16 = 20;
const IFLA_IFNAME: u16 = 3;
const IFLA_MTU: u16 = 4;
const IFA_ADDRESS: u16 = 1;
const IFA_LOCAL: u16 = 2;

/// Bytes written so far.
struct Counted<W> {
    w: W,
    n: u64,
}

impl<W: Write> Write for Counted<W> {
    fn write(&mut self, b: &[u8]) -> io::Result<usize> {
        let n = self.w.write(b)?;
        self.n += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.w.flush()
    }
}

fn attr(m: &mut Vec<u8>, ty: u16, v: &[u8]) {
    m.extend_from_slice(&((4 + v.len()) as u16).to_ne_bytes());
    m.extend_from_slice(&ty.to_ne_bytes());
    m.extend_from_slice(v);
    m.resize(m.len().next_multiple_of(4), 0);
}

fn msg(ty: u16, flags: u16, seq: u32, pid: u32, body: &[u8]) -> Vec<u8> {
    let mut m = Vec::with_capacity(16 + body.len());
    m.extend_from_slice(&((16 + body.len()) as u32).to_ne_bytes());
    m.extend_from_slice(&ty.to_ne_bytes());
    m.extend_from_slice(&flags.to_ne_bytes());
    m.extend_from_slice(&seq.to_ne_bytes());
    m.extend_from_slice(&pid.to_ne_bytes());
    m.extend_from_slice(body);
    m
}

fn addr_body(ifindex: u32, a: [u8; 4]) -> Vec<u8> {
    let mut b = vec![2, 24, 0, 0];
    b.extend_from_slice(&ifindex.to_ne_bytes());
    attr(&mut b, IFA_LOCAL, &a);
    attr(&mut b, IFA_ADDRESS, &a);
    b
}

fn link_body(ifindex: u32, name: &str, mtu: u32) -> Vec<u8> {
    let mut b = vec![0u8; 16];
    b[4..8].copy_from_slice(&ifindex.to_ne_bytes());
    let mut n = name.as_bytes().to_vec();
    n.push(0);
    attr(&mut b, IFLA_IFNAME, &n);
    attr(&mut b, IFLA_MTU, &mtu.to_ne_bytes());
    b
}

fn event(tgid: u32, portid: u32, dir: Direction, ns: u64, data: Vec<u8>) -> Event {
    let mut ev = nlmon::event::sample("ip", tgid, portid, data);
    ev.mono_ns = ns;
    ev.time = SystemTime::UNIX_EPOCH + Duration::from_nanos(1_800_000_000_000_000_000 + ns);
    ev.socket.netns = 4026531840;
    ev.socket.fd = Some(3);
    ev.direction = dir;
    ev.peer = Some(Peer {
        portid: 0,
        groups: 0,
    });
    ev
}

pub fn run(args: &[String]) -> anyhow::Result<()> {
    let (Some(bytes), Some(path)) = (
        args.first().and_then(|b| b.parse::<u64>().ok()),
        args.get(1),
    ) else {
        anyhow::bail!("usage: nlmon-testgen capture-file BYTES PATH");
    };
    let f = File::create(path).with_context(|| format!("cannot create {path}"))?;
    let mut w = PcapngWriter::new(Counted {
        w: BufWriter::with_capacity(1 << 20, f),
        n: 0,
    })?;
    let mut ns = 0u64;
    let mut round = 0u32;
    while w.get_mut().n < bytes {
        round += 1;
        let tgid = 1000 + round % 5000;
        let portid = tgid;
        let seq = round;
        let a = [10, (round >> 16) as u8, (round >> 8) as u8, round as u8];
        let req = msg(
            RTM_NEWADDR,
            NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL,
            seq,
            0,
            &addr_body(2, a),
        );
        let mut ack = 0i32.to_ne_bytes().to_vec();
        ack.extend_from_slice(&req[..16]);
        let ack = msg(NLMSG_ERROR, 0x100, seq, portid, &ack);
        let notify = msg(RTM_NEWADDR, 0, seq, portid, &addr_body(2, a));
        let dump = msg(
            RTM_GETLINK,
            NLM_F_REQUEST | NLM_F_DUMP,
            seq + 1,
            0,
            &[0; 16],
        );
        let mut reply = Vec::new();
        for i in 1..=8u32 {
            reply.extend(msg(
                RTM_NEWLINK,
                NLM_F_MULTI,
                seq + 1,
                portid,
                &link_body(i, &format!("veth{i}"), 1500),
            ));
        }
        reply.extend(msg(
            NLMSG_DONE,
            NLM_F_MULTI,
            seq + 1,
            portid,
            &0i32.to_ne_bytes(),
        ));
        let mut listener = event(999, 999, Direction::FromKernel, ns, notify);
        listener.process.comm = "ip monitor".into();
        listener.peer = Some(Peer {
            portid: 0,
            groups: 0x10,
        });
        for ev in [
            event(tgid, portid, Direction::ToKernel, ns, req),
            event(tgid, portid, Direction::FromKernel, ns + 10_000, ack),
            listener,
            event(tgid, portid, Direction::ToKernel, ns + 20_000, dump),
            event(tgid, portid, Direction::FromKernel, ns + 30_000, reply),
        ] {
            w.write_event(&ev)?;
        }
        ns += 1_000_000;
    }
    w.flush()?;
    let packets = w.packets();
    println!("{{\"bytes\":{},\"packets\":{packets}}}", w.get_mut().n);
    Ok(())
}
