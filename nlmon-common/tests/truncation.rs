//! The truncation matrix: every prefix of every test buffer decodes without
//! panicking, and a cut message says it was cut.

mod support;

use nlmon_common::decode::{DecodeOptions, Decoder, Message, Node};
use support::{attr, built, corpus, msg};

fn built() -> Vec<(u32, Vec<u8>)> {
    let mut ifaddr = vec![2u8, 24, 0x80, 0];
    ifaddr.extend(3u32.to_ne_bytes());
    ifaddr.extend(attr(2, &[10, 0, 0, 1]));
    ifaddr.extend(attr(1, &[10, 0, 0, 1]));
    ifaddr.extend(attr(0x2a, &[1, 2, 3, 4, 5, 6, 7, 8]));
    let mut err = (-22i32).to_ne_bytes().to_vec();
    err.extend(msg(20, 0x605, 17, &ifaddr));
    err.extend(attr(1, b"bad thing\0"));
    err.extend(attr(2, &36u32.to_ne_bytes()));
    vec![
        (0, msg(20, 0x605, 17, &ifaddr)),
        (0, msg(2, 0x200, 17, &err)),
        (16, msg(16, 0x301, 1, &[3, 1, 0, 0])),
    ]
}

/// Decodes every prefix of `data`; each message cut short must be marked.
fn matrix(d: &Decoder, protocol: u32, data: &[u8], what: &str) -> usize {
    let mut checked = 0;
    for cut in 0..data.len() {
        let msgs = d.decode(protocol, &data[..cut]);
        same_without_trees(
            d,
            protocol,
            &data[..cut],
            &msgs,
            &format!("{what} cut {cut}"),
        );
        for m in &msgs {
            let (start, end) = (m.range.0 as usize, m.range.1 as usize);
            assert!(
                start <= end && end <= cut,
                "{what} cut {cut}: range {start}..{end}"
            );
            // A message whose declared length runs past the cut is truncated.
            let cut_short = start + (m.header.len as usize) > cut || m.malformed.is_some();
            if cut_short {
                assert!(
                    m.truncated,
                    "{what} cut {cut}: {} not marked truncated",
                    m.summary()
                );
            }
            let _ = m.tree();
        }
        checked += 1;
    }
    checked
}

/// What is made without building trees (summary lines, secret ranges) is
/// what the trees give.
fn same_without_trees(d: &Decoder, protocol: u32, data: &[u8], msgs: &[Message], what: &str) {
    let lines = d.summaries(protocol, data);
    assert_eq!(lines.len(), msgs.len(), "{what}");
    for (m, (h, line)) in msgs.iter().zip(&lines) {
        assert_eq!(&m.summary(), line, "{what}");
        assert_eq!((m.range, m.truncated), (h.range, h.truncated), "{what}");
    }
    let mut ranges = Vec::new();
    for m in msgs {
        secret_nodes(&m.body, &mut ranges);
        if let Some(req) = m.error.as_ref().and_then(|e| e.request.as_ref()) {
            secret_nodes(&req.body, &mut ranges);
        }
    }
    assert_eq!(d.secret_ranges(protocol, data), ranges, "{what}");
}

fn secret_nodes(nodes: &[Node], out: &mut Vec<(u32, u32)>) {
    for n in nodes {
        if n.redacted {
            let skip = if n.number.is_some() { 4 } else { 0 };
            out.push(((n.range.0 + skip).min(n.range.1), n.range.1));
        }
        secret_nodes(&n.children, out);
    }
}

/// The whole corpus, with family ids learned as a running nlmon does.
#[test]
fn summaries_and_secrets_without_trees() {
    let mut d = Decoder::new(DecodeOptions::default());
    let mut lines = 0;
    for r in corpus() {
        d.learn(r.protocol, &r.data);
        let msgs = d.decode(r.protocol, &r.data);
        same_without_trees(&d, r.protocol, &r.data, &msgs, &r.file);
        lines += msgs.len();
    }
    assert!(lines > 0 || corpus().is_empty());
}

#[test]
fn every_prefix_of_built_messages() {
    let d = Decoder::new(DecodeOptions::default());
    for (i, (p, data)) in built().iter().enumerate() {
        matrix(&d, *p, data, &format!("built #{i}"));
        for cut in 0..data.len() {
            same_json(
                &d.decode(*p, &data[..cut]),
                &format!("built #{i} cut {cut}"),
            );
        }
    }
}

/// The messages of families the corpus lacks (`support/built.rs`).
#[test]
fn every_prefix_of_messages_the_corpus_lacks() {
    let mut d = Decoder::new(DecodeOptions::default());
    d.add_genl_family(built::L2TP_ID, "l2tp");
    d.add_genl_family(built::IOAM6_ID, "IOAM6");
    for (what, data) in built::all() {
        matrix(&d, 16, &data, what);
        for cut in 0..data.len() {
            same_json(&d.decode(16, &data[..cut]), &format!("{what} cut {cut}"));
        }
    }
}

/// The hand-written JSON is serde's.
fn same_json(msgs: &[Message], what: &str) {
    for m in msgs {
        let serde = serde_json::to_string(m).unwrap();
        assert_eq!(m.to_json(), serde, "{what}");
    }
}

#[test]
fn hand_written_json_is_serdes() {
    let mut d = Decoder::new(DecodeOptions::default());
    let shown = Decoder::new(DecodeOptions { show_secrets: true });
    for r in corpus() {
        d.learn(r.protocol, &r.data);
        same_json(&d.decode(r.protocol, &r.data), &r.file);
        same_json(&shown.decode(r.protocol, &r.data), &r.file);
    }
}

#[test]
fn every_prefix_of_the_golden_corpus() {
    let d = Decoder::new(DecodeOptions::default());
    let records = corpus();
    let mut prefixes = 0;
    // Per message, not per buffer: dump buffers hold hundreds of messages,
    // and each message's prefixes are what the matrix is about.
    for r in &records {
        for m in d.decode(r.protocol, &r.data) {
            let bytes = &r.data[m.range.0 as usize..m.range.1 as usize];
            prefixes += matrix(&d, r.protocol, bytes, &r.file);
        }
    }
    println!("{} records, {prefixes} prefixes", records.len());
}

#[test]
#[ignore]
fn show() {
    let mut d = Decoder::new(DecodeOptions::default());
    let want = std::env::var("SHOW").unwrap_or_default();
    for r in corpus().iter().filter(|r| r.file.contains(&want)) {
        println!("== {} {} {}", r.file, r.direction, r.protocol);
        d.learn(r.protocol, &r.data);
        for m in d.decode(r.protocol, &r.data) {
            println!("{}", m.summary());
            if std::env::var("TREE").is_ok() {
                print!("{}", m.tree());
            }
        }
    }
}

/// Rough decode throughput over the corpus (`--ignored`, release).
#[test]
#[ignore]
fn throughput() {
    let d = Decoder::new(DecodeOptions::default());
    let records = corpus();
    let start = std::time::Instant::now();
    let mut n = 0usize;
    for _ in 0..20 {
        for r in &records {
            n += d.decode(r.protocol, &r.data).len();
        }
    }
    let secs = start.elapsed().as_secs_f64();
    println!("{n} messages in {secs:.2}s: {:.0} msgs/s", n as f64 / secs);
    let start = std::time::Instant::now();
    let mut len = 0usize;
    for r in &records {
        for m in d.decode(r.protocol, &r.data) {
            len += m.summary().len();
        }
    }
    println!(
        "with summary: {:.0} msgs/s ({len} bytes)",
        (n / 20) as f64 / start.elapsed().as_secs_f64()
    );
    let start = std::time::Instant::now();
    for _ in 0..20 {
        for r in &records {
            std::hint::black_box(d.decode_headers(r.protocol, &r.data));
        }
    }
    let secs = start.elapsed().as_secs_f64();
    println!("headers only: {:.0} msgs/s", n as f64 / secs);
}

/// The cheap walk names every corpus message as the full one does.
#[test]
fn headers_match_full_decodes() {
    let mut d = Decoder::new(DecodeOptions::default());
    for r in corpus() {
        d.learn(r.protocol, &r.data);
        let full = d.decode(r.protocol, &r.data);
        let heads = d.decode_headers(r.protocol, &r.data);
        assert_eq!(full.len(), heads.len(), "{}", r.file);
        for (f, h) in full.iter().zip(&heads) {
            assert_eq!(
                (f.type_name, &f.family, &f.flag_names, f.range),
                (h.type_name, &h.family, &h.flag_names, h.range),
                "{}",
                r.file
            );
            assert_eq!(
                f.error.as_ref().map(|e| e.errno),
                h.error.as_ref().map(|e| e.errno)
            );
        }
    }
}
