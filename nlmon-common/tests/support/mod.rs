//! Test inputs for the decoder: the golden corpus files and a small builder
//! of netlink messages.
#![allow(dead_code)]

pub mod built;

use std::{fs, path::PathBuf};

/// One captured buffer of the golden corpus.
pub struct Record {
    pub file: String,
    pub protocol: u32,
    pub direction: String,
    pub data: Vec<u8>,
}

/// Every record of every `tests/golden/*.txt` file (none if the corpus is absent).
pub fn corpus() -> Vec<Record> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.retain(|p| p.extension().is_some_and(|x| x == "txt"));
    files.sort();
    let mut out = Vec::new();
    for path in files {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let text = fs::read_to_string(&path).unwrap();
        for line in text.lines() {
            if line.starts_with('#') || line.trim().is_empty() {
                continue;
            }
            if let Some(hex) = line.strip_prefix("  ") {
                let rec: &mut Record = out.last_mut().expect("hex before a record line");
                rec.data.extend(unhex(hex.trim()));
                continue;
            }
            let mut words = line.split_whitespace();
            let direction = words.next().unwrap().to_owned();
            let protocol = words.next().and_then(|p| p.parse().ok()).unwrap_or(0);
            out.push(Record {
                file: name.clone(),
                protocol,
                direction,
                data: Vec::new(),
            });
        }
    }
    out
}

pub fn unhex(s: &str) -> Vec<u8> {
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
        .collect()
}

/// A netlink message: header, then `payload` (already built), padded to 4.
pub fn msg(ty: u16, flags: u16, seq: u32, payload: &[u8]) -> Vec<u8> {
    let len = (16 + payload.len()) as u32;
    let mut v = Vec::new();
    v.extend_from_slice(&len.to_ne_bytes());
    v.extend_from_slice(&ty.to_ne_bytes());
    v.extend_from_slice(&flags.to_ne_bytes());
    v.extend_from_slice(&seq.to_ne_bytes());
    v.extend_from_slice(&0u32.to_ne_bytes());
    v.extend_from_slice(payload);
    while v.len() % 4 != 0 {
        v.push(0);
    }
    v
}

/// An attribute with its payload, padded to 4.
pub fn attr(ty: u16, payload: &[u8]) -> Vec<u8> {
    let mut v = Vec::new();
    v.extend_from_slice(&((4 + payload.len()) as u16).to_ne_bytes());
    v.extend_from_slice(&ty.to_ne_bytes());
    v.extend_from_slice(payload);
    while v.len() % 4 != 0 {
        v.push(0);
    }
    v
}
