//! Objects and changes on the golden corpus: every request and notification
//! of real tools' traffic that maps to an object, as `verb kind description
//! [key]`, must equal `tests/golden/objects.expected` to the byte.
//!
//! `BLESS=1 cargo test -p nlmon-common --features decode --test objects`
//! rewrites it; review the diff by eye before committing it.

mod support;

use std::{fmt::Write as _, fs, path::Path};

use nlmon_common::decode::{DecodeOptions, Decoder, objects};

#[test]
fn corpus_objects_match_expected() {
    let mut decoder = Decoder::new(DecodeOptions::default());
    let mut out = String::new();
    let mut file = String::new();
    for r in support::corpus() {
        decoder.learn(r.protocol, &r.data);
        // Requests the tool sent and notifications; replies to dumps are
        // not changes.
        let sent = r.direction == "to_kernel";
        for m in decoder.decode(r.protocol, &r.data) {
            let notification = !sent && m.header.flags & 0x2 == 0 && m.header.ty >= 16;
            if !sent && !notification {
                continue;
            }
            let Some(o) = objects::object(&m) else {
                continue;
            };
            if r.file != file {
                writeln!(out, "# {}", r.file).unwrap();
                file.clone_from(&r.file);
            }
            let mut name = |i: u32| Some(format!("#{i}"));
            writeln!(
                out,
                "{} {} {} {} [{}]",
                if sent { "→" } else { "←" },
                o.verb.as_str(),
                o.kind,
                o.description(&mut name),
                o.key(&mut name)
            )
            .unwrap();
        }
    }
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/objects.expected");
    if std::env::var_os("BLESS").is_some() {
        fs::write(&path, &out).unwrap();
        return;
    }
    let want = fs::read_to_string(&path).unwrap_or_default();
    assert!(
        want == out,
        "objects differ from {} (BLESS=1 to rewrite)",
        path.display()
    );
}
