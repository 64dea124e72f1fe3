//! Any bytes, read as a buffer of any netlink protocol, decode and render
//! without panicking. The first byte picks the protocol (and whether secrets
//! are shown); the rest is the buffer.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use nlmon_common::decode::{DecodeOptions, Decoder, families};

/// Every generic netlink family with a table gets an id (from 0x20 up, as
/// the kernel would give), so their tables are reachable.
fn decoder(show_secrets: bool) -> Decoder {
    let mut d = Decoder::new(DecodeOptions { show_secrets });
    let genl = families().filter(|f| f.protocol == 16 && f.name != "nlctrl");
    for (i, f) in genl.enumerate() {
        d.add_genl_family(0x20 + i as u16, f.name);
    }
    d
}

static HIDE: LazyLock<Decoder> = LazyLock::new(|| decoder(false));
static SHOW: LazyLock<Decoder> = LazyLock::new(|| decoder(true));

/// Renders every view; the summary lines written without a tree must be
/// the tree's.
fn render(d: &Decoder, protocol: u32, buf: &[u8]) {
    let msgs = d.decode(protocol, buf);
    let lines = d.summaries(protocol, buf);
    assert_eq!(msgs.len(), lines.len());
    for (m, (_, line)) in msgs.iter().zip(&lines) {
        assert_eq!(&m.summary(), line);
        let _ = m.tree();
        let _ = m.to_json();
    }
    let _ = d.secret_ranges(protocol, buf);
}

fuzz_target!(|data: &[u8]| {
    let Some((&first, buf)) = data.split_first() else {
        return;
    };
    let protocol = u32::from(first & 0x1f);
    let base = if first & 0x80 != 0 { &*SHOW } else { &*HIDE };
    if protocol == 16 {
        // Learning rewrites family ids: on a copy, so inputs stay independent.
        let mut d = base.clone();
        d.learn(protocol, buf);
        render(&d, protocol, buf);
    } else {
        render(base, protocol, buf);
    }
});
