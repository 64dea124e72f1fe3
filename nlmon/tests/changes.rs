//! `nlmon --changes` and `nlmon history` on real `ip` traffic in a network
//! namespace this test creates and removes (root only; skipped otherwise).

use std::process::Command;

const NLMON: &str = env!("CARGO_BIN_EXE_nlmon");

struct Netns(&'static str);

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = Command::new("ip").args(["netns", "del", self.0]).status();
    }
}

fn nlmon(args: &[&str]) -> String {
    let out = Command::new(NLMON).args(args).output().unwrap();
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn address_changes_in_plain_words_and_history() {
    if unsafe { libc::geteuid() } != 0 {
        eprintln!("skipped: needs root");
        return;
    }
    let ns = Netns("nlmon-changes-t");
    assert!(
        Command::new("ip")
            .args(["netns", "add", ns.0])
            .status()
            .unwrap()
            .success()
    );
    let add = [
        "--changes",
        "--attach",
        "tracepoint",
        "--",
        "ip",
        "-n",
        ns.0,
        "addr",
        "add",
        "10.0.0.1/24",
        "dev",
        "lo",
    ];
    let ok = nlmon(&add);
    assert!(
        ok.trim_end()
            .ends_with("added address 10.0.0.1/24 dev lo (netns nlmon-changes-t): ok"),
        "{ok}"
    );
    assert_eq!(ok.lines().count(), 1, "{ok}");
    let again = nlmon(&add);
    assert!(
        again.trim_end().ends_with(
            "added address 10.0.0.1/24 dev lo (netns nlmon-changes-t): failed: EEXIST (ipv4: Address already assigned)"
        ),
        "{again}"
    );
    let dir = std::env::temp_dir().join(format!("nlmon-changes-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("del.jsonl");
    let json = nlmon(&[
        "--json",
        "--attach",
        "tracepoint",
        "--",
        "ip",
        "-n",
        ns.0,
        "addr",
        "del",
        "10.0.0.1/24",
        "dev",
        "lo",
    ]);
    std::fs::write(&file, json).unwrap();
    let f = file.to_str().unwrap();
    let h = nlmon(&["history", "--file", f, "address", "10.0.0.0/8"]);
    assert!(
        h.contains("] deleted address 10.0.0.1/24 dev lo (netns nlmon-changes-t): ok"),
        "{h}"
    );
    assert!(h.contains(" ip["), "{h}");
    assert!(nlmon(&["history", "--file", f, "address", "192.168.0.0/16"]).is_empty());
    assert!(nlmon(&["history", "--file", f, "--comm", "nft"]).is_empty());
    let _ = std::fs::remove_dir_all(&dir);
}
