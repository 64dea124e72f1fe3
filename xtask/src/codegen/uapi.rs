//! Constants from the kernel's UAPI headers, for what the YNL specs leave
//! out: the enum a header declares (`enum { IF_OPER_UNKNOWN, ... }`) or a
//! run of `#define PREFIX_NAME value` lines. Only what these headers use is
//! understood: integer literals, and names of the same enum.

use std::{collections::BTreeMap, fs, path::PathBuf};

use anyhow::{Context as _, Result, bail};

/// The headers of one kernel source, read on demand.
pub struct Headers {
    dir: PathBuf,
    texts: BTreeMap<String, String>,
}

/// Where a list of names comes from.
#[derive(Clone, Copy)]
pub enum Source {
    /// The `enum` block of `header` that declares `first`, from `first` on.
    Enum {
        header: &'static str,
        first: &'static str,
    },
    /// Every `#define PREFIX... N` of `header`.
    Defines {
        header: &'static str,
        prefix: &'static str,
    },
}

impl Headers {
    pub fn new(dir: PathBuf) -> Self {
        Self {
            dir,
            texts: BTreeMap::new(),
        }
    }

    fn text(&mut self, header: &str) -> Result<&str> {
        if !self.texts.contains_key(header) {
            let path = self.dir.join(header);
            let raw = fs::read_to_string(&path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            self.texts.insert(header.into(), strip_comments(&raw));
        }
        Ok(self.texts.get(header).map_or("", String::as_str))
    }

    /// (name, value) in header order; names of the `__X_MAX` kind and
    /// `X_MAX` bounds left out.
    pub fn constants(&mut self, src: Source) -> Result<Vec<(String, u64)>> {
        let list = match src {
            Source::Enum { header, first } => {
                let text = self.text(header)?;
                enum_from(text, first).with_context(|| format!("{header}: enum with {first}"))?
            }
            Source::Defines { header, prefix } => defines(self.text(header)?, prefix),
        };
        if list.is_empty() {
            bail!("no constants found for this table");
        }
        Ok(list
            .into_iter()
            .filter(|(n, _)| !n.starts_with("__") && !n.ends_with("_MAX"))
            .collect())
    }
}

fn strip_comments(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find("/*") {
        out.push_str(&rest[..i]);
        rest = rest[i + 2..]
            .find("*/")
            .map_or("", |j| &rest[i + 2 + j + 2..]);
        out.push(' ');
    }
    out.push_str(rest);
    out.lines()
        .map(|l| l.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

fn literal(s: &str) -> Option<u64> {
    let s = s.trim().trim_end_matches(['U', 'L', 'u', 'l']);
    match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some(h) => u64::from_str_radix(h, 16).ok(),
        None => s.parse().ok(),
    }
}

/// The members of the enum declaring `first`, from `first` on.
fn enum_from(text: &str, first: &str) -> Result<Vec<(String, u64)>> {
    let mut pos = 0;
    while let Some(i) = text[pos..].find("enum") {
        let start = pos + i;
        pos = start + 4;
        let Some(open) = text[start..].find('{').map(|o| start + o) else {
            break;
        };
        let Some(close) = text[open..].find('}').map(|c| open + c) else {
            break;
        };
        // Headers such as in.h `#define` each member right after it.
        let body: String = text[open + 1..close]
            .lines()
            .filter(|l| !l.trim_start().starts_with('#'))
            .collect::<Vec<_>>()
            .join("\n");
        let body = body.as_str();
        let names: Vec<&str> = body
            .split(',')
            .map(|m| m.split('=').next().unwrap_or("").trim())
            .collect();
        if !names.contains(&first) {
            continue;
        }
        let mut out: Vec<(String, u64)> = Vec::new();
        let mut next = 0u64;
        for m in body.split(',') {
            let m = m.trim();
            if m.is_empty() {
                continue;
            }
            let (name, value) = match m.split_once('=') {
                Some((n, v)) => {
                    let (n, v) = (n.trim(), v.trim());
                    let Some(value) =
                        literal(v).or_else(|| out.iter().find(|(o, _)| o == v).map(|p| p.1))
                    else {
                        // Bounds such as `X_MAX = __X_MAX - 1` are left out
                        // anyway.
                        if n.ends_with("_MAX") {
                            continue;
                        }
                        bail!("cannot read the value of {m}");
                    };
                    (n, value)
                }
                None => (m, next),
            };
            next = value + 1;
            out.push((name.into(), value));
        }
        let at = out.iter().position(|(n, _)| n == first).unwrap_or(0);
        return Ok(out.split_off(at));
    }
    bail!("not found")
}

fn defines(text: &str, prefix: &str) -> Vec<(String, u64)> {
    text.lines()
        .filter_map(|l| {
            let mut w = l.split_whitespace();
            if w.next() != Some("#define") {
                return None;
            }
            let name = w.next().filter(|n| n.starts_with(prefix))?;
            Some((name.to_owned(), literal(w.next()?)?))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enums_and_defines() {
        let text = strip_comments(
            "enum a { X_A = 3, /* c */ X_B, X_C = X_A,\n __X_MAX, X_MAX = __X_MAX - 1 };\n#define P_ONE 1 // x\n#define P_TWO 0x10U\n#define Q 3\n",
        );
        assert_eq!(
            enum_from(&text, "X_B").unwrap(),
            vec![("X_B".into(), 4), ("X_C".into(), 3), ("__X_MAX".into(), 4)]
        );
        assert_eq!(
            defines(&text, "P_"),
            vec![("P_ONE".into(), 1), ("P_TWO".into(), 16)]
        );
    }
}
