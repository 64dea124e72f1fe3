//! Minimal reader for the kernel's raw BTF (`/sys/kernel/btf/vmlinux`).
//!
//! The eBPF programs need a handful of struct offsets and enum values that
//! change between kernel versions; reading them from BTF at start-up lets one
//! binary run on many kernels. Only what those lookups need is decoded (format
//! facts from the kernel's `include/uapi/linux/btf.h`). Every read is
//! bounds-checked: truncated or corrupt input yields [`BtfError::Malformed`],
//! never a panic.

use std::path::{Path, PathBuf};

/// Bound on modifier chains and anonymous-member nesting, so cyclic (corrupt)
/// type graphs end in an error instead of looping or overflowing the stack.
const MAX_DEPTH: u32 = 32;

// BTF_KIND_* values we act on; the others are only skipped.
const INT: u32 = 1;
const PTR: u32 = 2;
const ARRAY: u32 = 3;
const STRUCT: u32 = 4;
const UNION: u32 = 5;
const ENUM: u32 = 6;
const FWD: u32 = 7;
const TYPEDEF: u32 = 8;
const VOLATILE: u32 = 9;
const CONST: u32 = 10;
const RESTRICT: u32 = 11;
const FUNC: u32 = 12;
const FLOAT: u32 = 16;
const TYPE_TAG: u32 = 18;
const ENUM64: u32 = 19;

/// Why loading BTF or a lookup failed; fields name the offending item.
#[derive(Debug, thiserror::Error)]
pub enum BtfError {
    #[error("cannot read BTF from {}", .path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// `offset` is the byte position of the bad record (0 when there is none,
    /// e.g. a dangling type id).
    #[error("malformed BTF at byte {offset}: {reason}")]
    Malformed { reason: &'static str, offset: usize },
    #[error("BTF has no type named `{name}` of the requested kind")]
    NoType { name: String },
    #[error("BTF type `{ty}` has no member `{member}`")]
    NoMember { ty: String, member: String },
    #[error("BTF enum `{ty}` has no enumerator `{value}`")]
    NoEnumValue { ty: String, value: String },
    #[error("`{ty}.{member}` is a bitfield and has no byte offset")]
    Bitfield { ty: String, member: String },
    #[error("`{ty}.{member}` has a type without a size (void, function, ...)")]
    NoSize { ty: String, member: String },
}

fn malformed(reason: &'static str, offset: usize) -> BtfError {
    BtfError::Malformed { reason, offset }
}

/// FNV-1a: tiny and fast, good enough to index C identifiers.
fn fnv1a(bytes: &[u8]) -> u64 {
    let step = |h: u64, &b: &u8| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, step)
}

/// Decoded `struct btf_type` header; `pos` is its byte position in the data.
#[derive(Clone, Copy, Default)]
struct Ty {
    pos: usize,
    kind: u32,
    vlen: usize,
    kflag: bool,
    size_type: u32,
}

/// A member found by name: bit offset from the searched struct, and its type.
struct Found {
    bits: u64,
    ty: u32,
    bitfield: bool,
}

/// Parsed kernel BTF: the raw bytes plus the position of every type record
/// and a name index, so loading a 5–6 MB vmlinux BTF stays cheap.
pub struct Btf {
    data: Vec<u8>,
    big_endian: bool,
    /// String section as absolute [start, end) byte positions.
    strs: (usize, usize),
    /// Byte position of each type record; index = type id - 1.
    types: Vec<usize>,
    /// Sorted (FNV-1a of name, id) for named struct/union/enum/enum64/func.
    /// Builds several times faster than a `HashMap` of ~80k owned names.
    by_name: Vec<(u64, u32)>,
    /// Every ENUM/ENUM64 id, so enumerators of anonymous enums can be found.
    enums: Vec<u32>,
}

impl Btf {
    /// Reads and parses a raw BTF file, normally `/sys/kernel/btf/vmlinux`.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Btf, BtfError> {
        let path = path.as_ref();
        let data = std::fs::read(path);
        Btf::from_bytes(data.map_err(|source| BtfError::Io {
            path: path.into(),
            source,
        })?)
    }

    /// Parses raw BTF (magic 0xeB9F, either byte order; not an ELF `.BTF`
    /// section). Validates every type record's extent and indexes names.
    pub fn from_bytes(data: Vec<u8>) -> Result<Btf, BtfError> {
        let big_endian = match data.get(..2) {
            Some([0x9f, 0xeb]) => false,
            Some([0xeb, 0x9f]) => true,
            _ => return Err(malformed("bad magic (expected 0xeB9F)", 0)),
        };
        let (strs, types, by_name, enums) = ((0, 0), vec![], vec![], vec![]);
        let mut btf = Btf {
            data,
            big_endian,
            strs,
            types,
            by_name,
            enums,
        };
        let hdr_len = btf.u32_at(4)? as usize;
        if hdr_len < 24 {
            return Err(malformed("header shorter than 24 bytes", 4));
        }
        // Section offsets in the header are relative to the end of the header.
        let section = |at: usize| -> Result<(usize, usize), BtfError> {
            let start = (btf.u32_at(at)? as usize).checked_add(hdr_len);
            let len = btf.u32_at(at + 4)? as usize;
            match start.and_then(|s| Some((s, s.checked_add(len)?))) {
                Some((s, end)) if end <= btf.data.len() => Ok((s, end)),
                _ => Err(malformed("section extends past end of data", at)),
            }
        };
        let (mut pos, types_end) = section(8)?;
        btf.strs = section(16)?;
        while pos < types_end {
            let t = btf.ty_at(pos)?;
            // Size of the data trailing each kind's 12-byte header.
            let extra = match t.kind {
                INT | 14 | 17 => 4,                          // INT, VAR, DECL_TAG
                ARRAY => 12,                                 // btf_array
                STRUCT | UNION | 15 | ENUM64 => t.vlen * 12, // members, DATASEC vars, enum64s
                ENUM | 13 => t.vlen * 8,                     // enums, FUNC_PROTO params
                PTR | FWD..=FUNC | FLOAT | TYPE_TAG => 0,
                _ => return Err(malformed("unknown BTF kind", t.pos)),
            };
            pos += 12 + extra;
            if pos > types_end {
                return Err(malformed("type record extends past type section", t.pos));
            }
            btf.types.push(t.pos);
            let id =
                u32::try_from(btf.types.len()).map_err(|_| malformed("too many types", pos))?;
            if matches!(t.kind, ENUM | ENUM64) {
                btf.enums.push(id);
            }
            let name_off = btf.u32_at(t.pos)?;
            if name_off != 0 && matches!(t.kind, STRUCT | UNION | ENUM | ENUM64 | FUNC) {
                btf.by_name.push((fnv1a(btf.name(name_off)?), id));
            }
        }
        btf.by_name.sort_unstable();
        Ok(btf)
    }

    /// Byte offset of a dotted member path inside struct/union `ty`, e.g.
    /// `("sock", "__sk_common.skc_net.net")`. Members of anonymous
    /// struct/union members are found as in C; each step sees through
    /// typedefs and qualifiers but never through pointers. Bitfields error.
    pub fn member_offset(&self, ty: &str, path: &str) -> Result<u32, BtfError> {
        let (bits, _) = self.walk(ty, path)?;
        u32::try_from(bits / 8).map_err(|_| malformed("member offset overflows u32", 0))
    }

    /// Size in bytes of the type (modifiers stripped) of the member at `path`.
    pub fn member_size(&self, ty: &str, path: &str) -> Result<u32, BtfError> {
        let (_, id) = self.walk(ty, path)?;
        let no_size = || BtfError::NoSize {
            ty: ty.into(),
            member: path.into(),
        };
        self.size_of(id, 0)?.ok_or_else(no_size)
    }

    /// Value of enumerator `name` in enum `ty`, or in any enum if `ty` is ""
    /// (many kernel enums are anonymous). With `ty` = "" the first match in
    /// type order wins; a few enumerator names (`Opt_uid`, ...) repeat.
    pub fn enum_value(&self, ty: &str, name: &str) -> Result<i64, BtfError> {
        let is_enum = |id: &u32| matches!(self.ty(*id).map(|t| t.kind), Ok(ENUM | ENUM64));
        let ids: Vec<u32> = match ty {
            "" => self.enums.clone(),
            _ => self.ids(ty).filter(is_enum).collect(),
        };
        if ids.is_empty() && !ty.is_empty() {
            return Err(BtfError::NoType { name: ty.into() });
        }
        for t in ids.into_iter().map(|id| self.ty(id)) {
            let t = t?;
            let step = if t.kind == ENUM64 { 12 } else { 8 };
            for e in (0..t.vlen).map(|i| t.pos + 12 + i * step) {
                if self.name(self.u32_at(e)?)? != name.as_bytes() {
                    continue;
                }
                let lo = self.u32_at(e + 4)?;
                // For ENUM, kind_flag marks a signed enum; ENUM64 is lo/hi words.
                return Ok(match (t.kind, t.kflag) {
                    (ENUM, true) => i64::from(lo as i32),
                    (ENUM, false) => i64::from(lo),
                    _ => ((u64::from(self.u32_at(e + 8)?) << 32) | u64::from(lo)) as i64,
                });
            }
        }
        Err(BtfError::NoEnumValue {
            ty: ty.into(),
            value: name.into(),
        })
    }

    /// Whether the kernel has a function of this name (e.g. to pick a kprobe).
    pub fn has_function(&self, name: &str) -> bool {
        self.ids(name)
            .any(|id| matches!(self.ty(id), Ok(t) if t.kind == FUNC))
    }

    /// Ids of indexed types called `name` (hash collisions filtered out).
    fn ids<'a>(&'a self, name: &'a str) -> impl Iterator<Item = u32> + 'a {
        let hash = fnv1a(name.as_bytes());
        let start = self.by_name.partition_point(|&(h, _)| h < hash);
        let same_hash = self.by_name[start..]
            .iter()
            .take_while(move |e| e.0 == hash);
        same_hash.map(|&(_, id)| id).filter(move |&id| {
            let off = self.ty(id).and_then(|t| self.u32_at(t.pos));
            off.and_then(|off| self.name(off))
                .is_ok_and(|n| n == name.as_bytes())
        })
    }

    /// Follows `path` from struct `ty`; returns (bit offset, member type id).
    fn walk(&self, ty: &str, path: &str) -> Result<(u64, u32), BtfError> {
        let composite = |id| {
            self.ty(id)
                .ok()
                .filter(|t| matches!(t.kind, STRUCT | UNION))
        };
        let found: Vec<Ty> = self.ids(ty).filter_map(composite).collect();
        // vmlinux has hundreds of config-disabled empty structs, and a few
        // names with two definitions: prefer the first one that has members.
        let first = found.iter().find(|t| t.vlen != 0).or(found.first());
        let mut cur = *first.ok_or_else(|| BtfError::NoType { name: ty.into() })?;
        let (mut bits, mut member_ty, mut consumed) = (0u64, 0, 0);
        for (i, comp) in path.split('.').enumerate() {
            consumed += comp.len() + usize::from(i > 0);
            let member = path[..consumed].to_owned();
            if i > 0 {
                cur = self.ty(self.resolve(member_ty)?)?;
            }
            let hit = match cur.kind {
                STRUCT | UNION => self.find_member(cur, comp.as_bytes(), 0)?,
                _ => None, // paths never dereference pointers or enter scalars
            };
            let Some(hit) = hit else {
                return Err(BtfError::NoMember {
                    ty: ty.into(),
                    member,
                });
            };
            if hit.bitfield {
                return Err(BtfError::Bitfield {
                    ty: ty.into(),
                    member,
                });
            }
            bits = bits.saturating_add(hit.bits);
            member_ty = hit.ty;
        }
        Ok((bits, member_ty))
    }

    /// Depth-first search for `name`, descending into anonymous members as C
    /// does (6.18's `iov_iter.count` sits in an anonymous struct in a union).
    fn find_member(&self, t: Ty, name: &[u8], depth: u32) -> Result<Option<Found>, BtfError> {
        for m in (0..t.vlen).map(|i| t.pos + 12 + i * 12) {
            let (name_off, ty, raw) = (self.u32_at(m)?, self.u32_at(m + 4)?, self.u32_at(m + 8)?);
            // With kind_flag, the top 8 bits hold the bitfield size.
            let (bits, bf_size) = if t.kflag {
                (raw & 0xff_ffff, raw >> 24)
            } else {
                (raw, 0)
            };
            let bits = u64::from(bits);
            if name_off != 0 {
                if self.name(name_off)? == name {
                    let bitfield = bf_size != 0 || bits % 8 != 0;
                    return Ok(Some(Found { bits, ty, bitfield }));
                }
            } else if depth < MAX_DEPTH {
                let inner = self.ty(self.resolve(ty)?)?;
                if matches!(inner.kind, STRUCT | UNION)
                    && let Some(f) = self.find_member(inner, name, depth + 1)?
                {
                    let bits = bits + f.bits;
                    let bitfield = f.bitfield || bits % 8 != 0;
                    return Ok(Some(Found {
                        bits,
                        bitfield,
                        ..f
                    }));
                }
            }
        }
        Ok(None)
    }

    /// Strips typedef/volatile/const/restrict/type_tag (never pointers).
    fn resolve(&self, mut id: u32) -> Result<u32, BtfError> {
        for _ in 0..MAX_DEPTH {
            let t = self.ty(id)?;
            if !matches!(t.kind, TYPEDEF | VOLATILE | CONST | RESTRICT | TYPE_TAG) {
                return Ok(id);
            }
            id = t.size_type;
        }
        Err(malformed("modifier chain too long (cycle?)", 0))
    }

    /// Size in bytes, or None for types without one (void, func, fwd, ...).
    fn size_of(&self, id: u32, depth: u32) -> Result<Option<u32>, BtfError> {
        let t = self.ty(self.resolve(id)?)?;
        Ok(match t.kind {
            INT | STRUCT | UNION | ENUM | ENUM64 | FLOAT => Some(t.size_type),
            PTR => Some(8),
            ARRAY if depth < MAX_DEPTH => {
                let (elem, n) = (self.u32_at(t.pos + 12)?, self.u32_at(t.pos + 20)?);
                let overflow = || malformed("array size overflows u32", t.pos);
                let size = self.size_of(elem, depth + 1)?;
                size.map(|s| s.checked_mul(n).ok_or_else(overflow))
                    .transpose()?
            }
            _ => None,
        })
    }

    /// Type record for `id`; id 0 (void) decodes as kind 0 without data.
    fn ty(&self, id: u32) -> Result<Ty, BtfError> {
        match id.checked_sub(1) {
            None => Ok(Ty::default()),
            Some(i) => match self.types.get(i as usize) {
                Some(&pos) => self.ty_at(pos),
                None => Err(malformed("type id out of range", 0)),
            },
        }
    }

    fn ty_at(&self, pos: usize) -> Result<Ty, BtfError> {
        let info = self.u32_at(pos + 4)?;
        Ok(Ty {
            pos,
            kind: (info >> 24) & 0x1f,
            vlen: (info & 0xffff) as usize,
            kflag: info >> 31 != 0,
            size_type: self.u32_at(pos + 8)?,
        })
    }

    /// NUL-terminated string at `off` in the string section, without the NUL.
    fn name(&self, off: u32) -> Result<&[u8], BtfError> {
        let start = self.strs.0.saturating_add(off as usize);
        let tail = self.data.get(start..self.strs.1);
        let tail = tail.ok_or(malformed("string offset out of range", start))?;
        let len = tail.iter().position(|&b| b == 0);
        Ok(&tail[..len.ok_or(malformed("unterminated string", start))?])
    }

    fn u32_at(&self, pos: usize) -> Result<u32, BtfError> {
        let bytes = pos.checked_add(4).and_then(|end| self.data.get(pos..end));
        let b: [u8; 4] = bytes
            .and_then(|b| b.try_into().ok())
            .ok_or(malformed("read past end of data", pos))?;
        Ok(if self.big_endian {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// OR into a kind to set kind_flag (bit 31 of info once shifted by 24).
    const KF: u32 = 0x80;

    /// Hand-assembles little-endian raw BTF (optionally byte-swapped to BE).
    struct Builder {
        types: Vec<u32>,
        strs: Vec<u8>,
        next: u32,
    }

    impl Builder {
        fn s(&mut self, s: &str) -> u32 {
            if s.is_empty() {
                return 0;
            }
            self.strs.extend_from_slice(s.as_bytes());
            self.strs.push(0);
            (self.strs.len() - s.len() - 1) as u32
        }
        /// One type: name, kind (| KF), vlen, then the words after `info`.
        fn add(&mut self, name: &str, kind: u32, vlen: usize, words: &[u32]) -> u32 {
            let name = self.s(name);
            self.types.extend([name, (kind << 24) | vlen as u32]);
            self.types.extend_from_slice(words);
            self.next += 1;
            self.next - 1
        }
        /// Struct/union from (name, type, bit offset) triples.
        fn sou(&mut self, name: &str, kind: u32, size: u32, m: &[(&str, u32, u32)]) -> u32 {
            let mut words = vec![size];
            m.iter()
                .for_each(|&(n, ty, off)| words.extend([self.s(n), ty, off]));
            self.add(name, kind, m.len(), &words)
        }
        fn enumeration(&mut self, name: &str, kind: u32, values: &[(&str, i64)]) {
            let mut words = vec![if kind == ENUM64 { 8 } else { 4 }];
            for &(n, v) in values {
                words.extend([self.s(n), v as u32]);
                words.extend((kind == ENUM64).then_some((v >> 32) as u32));
            }
            self.add(name, kind, values.len(), &words);
        }
        fn build(&self, big_endian: bool) -> Vec<u8> {
            let len = self.types.len() as u32 * 4;
            let header = [24, 0, len, len, self.strs.len() as u32];
            let mut out = vec![0x9f, 0xeb, 1, 0];
            for w in header.iter().chain(&self.types) {
                out.extend(w.to_le_bytes());
            }
            if big_endian {
                out.swap(0, 1);
                out[4..].chunks_mut(4).for_each(|w| w.reverse());
            }
            out.extend_from_slice(&self.strs);
            out
        }
    }

    /// struct outer { long a; union { struct { int x; T y; }; long z; }; inner_t in; int bf:3; }
    /// plus a FWD, a typedef and an empty struct also named `outer`, enums, a
    /// function and one record of every kind that is only skipped.
    fn sample() -> Builder {
        let mut b = Builder {
            types: vec![],
            strs: vec![0],
            next: 1,
        };
        let int = b.add("int", INT, 0, &[4, 32]);
        let long = b.add("long", INT, 0, &[8, 64]);
        // Kinds only skipped, each with its own trailing-data size.
        b.add("", 13, 2, &[int, 0, int, 0, long]); // FUNC_PROTO int (int, long)
        b.add("v", 14, 0, &[int, 1]); // VAR
        b.add(".data", 15, 1, &[8, 5, 0, 4]); // DATASEC
        b.add("tag", 17, 0, &[int, u32::MAX]); // DECL_TAG
        b.add("tag", TYPE_TAG, 0, &[int]);
        b.add("double", FLOAT, 0, &[8]);
        b.add("outer", FWD, 0, &[0]);
        let ptr = b.add("", PTR, 0, &[int]);
        let cptr = b.add("", CONST, 0, &[ptr]);
        let t = b.add("T", TYPEDEF, 0, &[cptr]);
        let anon_s = b.sou("", STRUCT, 16, &[("x", int, 0), ("y", t, 64)]);
        let anon_c = b.add("", CONST, 0, &[anon_s]); // const struct { ... };
        let anon_u = b.sou("", UNION, 16, &[("", anon_c, 0), ("z", long, 0)]);
        let arr = b.add("", ARRAY, 0, &[0, int, int, 3]);
        let inner = b.sou("inner", STRUCT, 12, &[("p", int, 0), ("q", arr, 0)]);
        let inner_t = b.add("inner_t", TYPEDEF, 0, &[inner]);
        let inner_v = b.add("", VOLATILE, 0, &[inner_t]);
        b.add("outer", TYPEDEF, 0, &[int]);
        b.sou("outer", STRUCT, 0, &[]); // config-disabled twin, as in vmlinux
        b.sou("plain", STRUCT, 4, &[("c", int, 4)]);
        let bf = (3 << 24) | 288;
        let m = [
            ("a", long, 0),
            ("", anon_u, 64),
            ("in", inner_v, 192),
            ("bf", int, bf),
        ];
        b.sou("outer", STRUCT | KF, 40, &m);
        b.enumeration("", ENUM | KF, &[("NEG", -5), ("POS", 7)]);
        b.enumeration("e", ENUM, &[("BIG", 0xffff_fff0)]);
        b.enumeration("e64", ENUM64, &[("HUGE", (2 << 32) | 1)]);
        b.add("f", FUNC, 0, &[0]);
        b
    }

    /// Variant name of the error ("Ok" if none), to keep assertions short.
    fn err<T>(r: Result<T, BtfError>) -> String {
        let e = r.map_or_else(|e| format!("{e:?}"), |_| "Ok".into());
        e.split([' ', '(']).next().unwrap_or_default().to_owned()
    }

    #[test]
    fn offsets_sizes_and_errors() {
        let btf = Btf::from_bytes(sample().build(false)).unwrap();
        let off = |p| btf.member_offset("outer", p);
        assert_eq!(
            (off("a").unwrap(), off("z").unwrap(), off("x").unwrap()),
            (0, 8, 8)
        );
        assert_eq!((off("y").unwrap(), off("in.q").unwrap()), (16, 24));
        assert_eq!(btf.member_size("outer", "y").unwrap(), 8); // typedef -> const -> ptr
        assert_eq!(btf.member_size("outer", "in.q").unwrap(), 12);
        assert_eq!(btf.member_size("outer", "in").unwrap(), 12);
        assert_eq!(err(off("bf")), "Bitfield"); // kind_flag bitfield
        assert_eq!(err(btf.member_offset("plain", "c")), "Bitfield"); // odd bit offset
        assert_eq!(err(btf.member_offset("nope", "a")), "NoType");
        assert!(matches!(off("in.r"), Err(BtfError::NoMember { member, .. }) if member == "in.r"));
        assert_eq!(err(off("y.x")), "NoMember"); // through a pointer
        assert_eq!(err(off("a.b")), "NoMember"); // into a scalar
        assert_eq!(err(off("")), "NoMember");
    }

    #[test]
    fn enums_and_functions() {
        let btf = Btf::from_bytes(sample().build(false)).unwrap();
        assert_eq!(btf.enum_value("", "NEG").unwrap(), -5);
        assert_eq!(btf.enum_value("", "POS").unwrap(), 7);
        assert_eq!(btf.enum_value("e", "BIG").unwrap(), 0xffff_fff0);
        assert_eq!(btf.enum_value("e64", "HUGE").unwrap(), (2 << 32) | 1);
        assert_eq!(err(btf.enum_value("e", "NEG")), "NoEnumValue");
        assert_eq!(err(btf.enum_value("outer", "NEG")), "NoType");
        assert!(btf.has_function("f") && !btf.has_function("outer"));
    }

    #[test]
    fn big_endian() {
        let btf = Btf::from_bytes(sample().build(true)).unwrap();
        assert_eq!(btf.member_offset("outer", "in.q").unwrap(), 24);
        assert_eq!(btf.enum_value("", "NEG").unwrap(), -5);
    }

    #[test]
    fn truncated_and_corrupt_input_never_panics() {
        let data = sample().build(false);
        for len in 0..data.len() {
            assert!(
                Btf::from_bytes(data[..len].to_vec()).is_err(),
                "prefix {len}"
            );
        }
        let mut bad = data.clone();
        bad[24 + 7] = 20; // first type's kind byte -> unknown kind 20
        assert_eq!(err(Btf::from_bytes(bad)), "Malformed");
        // Random byte flips: any result is fine as long as nothing panics.
        let mut seed = 0x1234_5678u32;
        for _ in 0..20_000 {
            let mut d = data.clone();
            for _ in 0..3 {
                seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                let i = (seed >> 8) as usize % d.len();
                d[i] = (seed >> 3) as u8;
            }
            if let Ok(btf) = Btf::from_bytes(d) {
                let _ = (
                    btf.member_offset("outer", "in.q"),
                    btf.member_size("outer", "y"),
                );
                let _ = (btf.enum_value("", "HUGE"), btf.has_function("f"));
            }
        }
    }

    #[test]
    fn real_kernel() {
        let path = "/sys/kernel/btf/vmlinux";
        if !Path::new(path).exists() {
            eprintln!("{path} absent; skipping kernel BTF test");
            return;
        }
        let btf = Btf::from_file(path).unwrap();
        let paths = "task_struct.files files_struct.fdt fdtable.max_fds fdtable.fd file.f_inode \
            file.private_data inode.i_mode socket.sk sock.__sk_common.skc_family sock.sk_protocol \
            sock.__sk_common.skc_net.net net.ns.inum netlink_sock.portid netlink_sock.dst_portid \
            netlink_sock.dst_group netlink_sock.groups msghdr.msg_name msghdr.msg_iter \
            msghdr.msg_flags iov_iter.iter_type iov_iter.iov_offset iov_iter.count iov_iter.ubuf \
            iov_iter.nr_segs";
        for full in paths.split_whitespace() {
            let (ty, p) = full.split_once('.').unwrap();
            let off = btf
                .member_offset(ty, p)
                .unwrap_or_else(|e| panic!("{full}: {e}"));
            eprintln!("{full} = {off}");
        }
        assert_eq!(btf.member_size("sock", "sk_protocol").unwrap(), 2);
        assert!(btf.has_function("netlink_sendmsg") && !btf.has_function("no_such_fn_xyz"));
        let ubuf = btf.enum_value("iter_type", "ITER_UBUF").unwrap();
        let iovec = btf.enum_value("iter_type", "ITER_IOVEC").unwrap();
        let release = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
        if release.starts_with("6.18") {
            assert_eq!(btf.member_offset("msghdr", "msg_iter").unwrap(), 16);
            assert_eq!(btf.member_offset("iov_iter", "count").unwrap(), 24);
            assert_eq!(btf.member_offset("iov_iter", "ubuf").unwrap(), 16);
            assert_eq!((ubuf, iovec), (0, 1));
        }
    }
}
