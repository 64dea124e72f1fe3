//! Decoder throughput over the golden corpus, for `cargo xtask bench`
//! (workload 4): messages per second on one core, for decoding alone, for
//! decoding plus the one-line text view (`Decoder::summaries`, which
//! writes the lines without building trees, as nlmon's default output
//! does), and for decoding plus JSON.
//!
//! `cargo run --release -p nlmon-common --features decode --example
//! decode-bench -- SECONDS [VIEW...]`: prints one JSON line per view (all
//! three unless named). `SECONDS` 0 makes one pass per view, for counting
//! instructions under callgrind; the view `none` only loads the corpus.

use std::{hint::black_box, process::ExitCode, time::Instant};

use nlmon_common::decode::{DecodeOptions, Decoder, Message};

#[path = "../tests/support/mod.rs"]
mod support;

/// What is done with each decoded message.
const VIEWS: [&str; 3] = ["decode", "text", "json"];

fn view(name: &str, m: &Message, buf: &mut Vec<u8>) -> usize {
    match name {
        "json" => {
            // As nlmon --json writes it: by hand, into a reused buffer.
            buf.clear();
            m.write_json(buf);
            buf.len()
        }
        _ => 0,
    }
}

fn main() -> ExitCode {
    let secs: f64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(2.0);
    let views: Vec<String> = std::env::args().skip(2).collect();
    let corpus = support::corpus();
    if corpus.is_empty() {
        eprintln!("decode-bench: no golden corpus in nlmon-common/tests/golden");
        return ExitCode::FAILURE;
    }
    // Family ids first, as a running nlmon learns them from traffic.
    let mut decoder = Decoder::new(DecodeOptions::default());
    for r in &corpus {
        decoder.learn(r.protocol, &r.data);
    }
    let bytes: usize = corpus.iter().map(|r| r.data.len()).sum();
    for name in VIEWS
        .into_iter()
        .filter(|v| views.is_empty() || views.iter().any(|w| w == v))
    {
        let start = Instant::now();
        let (mut messages, mut passes, mut out) = (0u64, 0u64, 0usize);
        let mut buf = Vec::new();
        while passes == 0 || start.elapsed().as_secs_f64() < secs {
            for r in &corpus {
                if name == "text" {
                    // The live default: lines written without building trees.
                    let lines = decoder.summaries(r.protocol, black_box(&r.data));
                    messages += lines.len() as u64;
                    out += lines.iter().map(|(_, l)| l.len()).sum::<usize>();
                    black_box(&lines);
                    continue;
                }
                let msgs = decoder.decode(r.protocol, black_box(&r.data));
                messages += msgs.len() as u64;
                for m in &msgs {
                    out += view(name, m, &mut buf);
                }
                black_box(&msgs);
            }
            passes += 1;
        }
        let took = start.elapsed().as_secs_f64();
        println!(
            r#"{{"view":"{name}","records":{},"corpus_bytes":{bytes},"passes":{passes},"messages":{messages},"output_bytes":{out},"secs":{took:.3},"messages_per_sec":{:.0}}}"#,
            corpus.len(),
            messages as f64 / took
        );
    }
    ExitCode::SUCCESS
}
