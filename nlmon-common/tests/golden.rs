//! Golden decode tests: every buffer of the corpus in `tests/golden/` (real
//! traffic of real tools, captured by `cargo xtask golden-capture`) is decoded
//! and rendered with `Message::summary()` and `Message::tree()`, and the text
//! must equal `tests/golden/expected/<same name>` to the byte.
//!
//! `BLESS=1 cargo test -p nlmon-common --features decode --test golden`
//! rewrites the expected files; review the diff by eye before committing it.

mod support;

use std::{
    collections::BTreeSet,
    fmt::Write as _,
    fs,
    path::{Path, PathBuf},
};

use nlmon_common::decode::{DecodeOptions, Decoder, Message};
use support::{Record, unhex};

/// One corpus file: the command that ran and what it moved.
struct CorpusFile {
    name: String,
    /// The `#` lines (the command, its exit status, the kernel).
    comments: Vec<String>,
    records: Vec<Record>,
}

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

/// The corpus, file by file, in name order (which is capture order).
fn corpus() -> Vec<CorpusFile> {
    let mut files: Vec<CorpusFile> = Vec::new();
    for r in support::corpus() {
        if files.last().is_none_or(|f| f.name != r.file) {
            let text = fs::read_to_string(golden_dir().join(&r.file)).unwrap();
            files.push(CorpusFile {
                name: r.file.clone(),
                comments: text
                    .lines()
                    .filter(|l| l.starts_with('#'))
                    .map(str::to_owned)
                    .collect(),
                records: Vec::new(),
            });
        }
        files.last_mut().unwrap().records.push(r);
    }
    assert!(!files.is_empty(), "the golden corpus is empty");
    files
}

/// A decoder as nlmon runs one for a process: it learns generic netlink ids
/// from the traffic it decodes, in order.
fn decode_file(f: &CorpusFile, opts: DecodeOptions) -> Vec<(usize, Vec<Message>)> {
    let mut decoder = Decoder::new(opts);
    f.records
        .iter()
        .enumerate()
        .map(|(i, r)| {
            decoder.learn(r.protocol, &r.data);
            (i, decoder.decode(r.protocol, &r.data))
        })
        .collect()
}

fn render(f: &CorpusFile) -> String {
    let mut out = String::new();
    for c in &f.comments {
        out.push_str(c);
        out.push('\n');
    }
    for (i, messages) in decode_file(f, DecodeOptions::default()) {
        let rec = &f.records[i];
        let _ = writeln!(
            out,
            "{} {} ({} bytes)",
            rec.direction,
            rec.protocol,
            rec.data.len()
        );
        for m in messages {
            let _ = writeln!(out, "= {}", m.summary());
            for line in m.tree().lines() {
                let _ = writeln!(out, "  {line}");
            }
        }
    }
    out
}

#[test]
fn golden_renderings_match() {
    let expected_dir = golden_dir().join("expected");
    let bless = std::env::var_os("BLESS").is_some_and(|v| v != "0");
    let files = corpus();
    let mut mismatched = Vec::new();
    for f in &files {
        let path = expected_dir.join(&f.name);
        let got = render(f);
        if bless {
            fs::create_dir_all(&expected_dir).unwrap();
            fs::write(&path, &got).unwrap();
            continue;
        }
        let want = fs::read_to_string(&path).unwrap_or_default();
        if got != want {
            let line = got
                .lines()
                .zip(want.lines())
                .position(|(a, b)| a != b)
                .unwrap_or_else(|| got.lines().count().min(want.lines().count()));
            mismatched.push(format!(
                "{} (first difference at line {}):\n  got:  {}\n  want: {}",
                f.name,
                line + 1,
                got.lines().nth(line).unwrap_or("<end>"),
                want.lines().nth(line).unwrap_or("<end>")
            ));
        }
    }
    // An expected file without its corpus file is stale.
    let names: BTreeSet<&str> = files.iter().map(|f| f.name.as_str()).collect();
    for entry in fs::read_dir(&expected_dir).expect("tests/golden/expected (run with BLESS=1)") {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if !names.contains(name.as_str()) {
            if bless {
                fs::remove_file(&path).unwrap();
            } else {
                mismatched.push(format!("{name}: expected output without a corpus file"));
            }
        }
    }
    assert!(
        mismatched.is_empty(),
        "{} of {} golden files differ (BLESS=1 rewrites them; review the diff):\n{}",
        mismatched.len(),
        files.len(),
        mismatched.join("\n")
    );
}

/// What makes two messages the same shape: protocol, family, message type,
/// whether it is an error (and which), and the set of top-level attributes.
type Shape = (u32, Option<String>, String, Option<i32>, Vec<u64>);

fn shape(m: &Message) -> Shape {
    let ty = m
        .type_name
        .map(str::to_owned)
        .unwrap_or_else(|| format!("{:#x}", m.header.ty));
    let attrs: BTreeSet<u64> = m.body.iter().filter_map(|n| n.number).collect();
    (
        m.protocol,
        m.family.clone(),
        ty,
        m.error.as_ref().map(|e| e.errno),
        attrs.into_iter().collect(),
    )
}

#[test]
fn corpus_has_at_least_150_distinct_shapes() {
    let mut shapes = BTreeSet::new();
    let mut messages = 0;
    for f in corpus() {
        for (_, ms) in decode_file(&f, DecodeOptions::default()) {
            messages += ms.len();
            shapes.extend(ms.iter().map(shape));
        }
    }
    let mut per_protocol = std::collections::BTreeMap::<u32, usize>::new();
    for s in &shapes {
        *per_protocol.entry(s.0).or_default() += 1;
    }
    println!(
        "{messages} messages, {} distinct shapes; shapes per protocol: {per_protocol:?}",
        shapes.len()
    );
    let protocols: BTreeSet<u32> = per_protocol.keys().copied().collect();
    assert!(shapes.len() >= 150, "only {} distinct shapes", shapes.len());
    // route, sock_diag, xfrm, netfilter, generic at least.
    for p in [0, 4, 6, 12, 16] {
        assert!(protocols.contains(&p), "no message of protocol {p}");
    }
}

/// Key material never shows unless asked for: no corpus rendering holds the
/// made-up keys the capture script gives `ip xfrm state add`.
#[test]
fn secrets_are_redacted() {
    const KEY: &str = "00112233445566778899aabbccddeeff";
    let mut seen = 0;
    for f in corpus() {
        if !f.records.iter().any(|r| hex_contains(&r.data, KEY)) {
            continue;
        }
        // The `# cmd:` line holds the key as typed; the decoded part must not.
        let text = render(&f);
        let decoded = text.lines().filter(|l| !l.starts_with('#'));
        assert!(
            !decoded.into_iter().any(|l| l.contains(KEY)),
            "{}: a key shows in the rendering",
            f.name
        );
        seen += 1;
    }
    assert!(seen > 0, "no corpus file carries the xfrm test key");
}

fn hex_contains(data: &[u8], hex: &str) -> bool {
    let needle = unhex(hex);
    data.windows(needle.len()).any(|w| w == needle.as_slice())
}
