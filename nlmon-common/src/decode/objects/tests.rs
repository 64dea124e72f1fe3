use alloc::{collections::BTreeSet, vec::Vec};

use super::*;
use crate::decode::{
    families,
    table::{AttrKind, AttrSet, FieldKind, Struct},
};

fn struct_names(s: &Struct, out: &mut BTreeSet<&'static str>) {
    for f in s.fields {
        out.insert(f.name);
        if let FieldKind::Struct(inner) = f.kind {
            struct_names(inner, out);
        }
    }
}

fn set_names(set: &'static AttrSet, out: &mut BTreeSet<&'static str>, seen: &mut Vec<usize>) {
    let id = core::ptr::from_ref(set) as usize;
    if seen.contains(&id) {
        return;
    }
    seen.push(id);
    for a in set.attrs {
        out.insert(a.name);
        match a.kind {
            AttrKind::Nest(s) | AttrKind::NestTypeValue { set: s, .. } => set_names(s, out, seen),
            AttrKind::Struct(s) | AttrKind::StructArray(s) => struct_names(s, out),
            AttrKind::StructAttrs(st, s) | AttrKind::Records(st, s) => {
                struct_names(st, out);
                set_names(s, out, seen);
            }
            _ => {}
        }
    }
}

/// Every name the tables read exists in the decoder's tables for that
/// protocol: a typo would silently find nothing.
#[test]
fn every_name_is_one_the_decoder_gives() {
    for def in OBJECTS {
        let mut names = BTreeSet::new();
        let mut types = BTreeSet::new();
        let mut seen = Vec::new();
        for fam in families().filter(|f| f.protocol == def.protocol) {
            for m in fam.messages {
                types.insert(m.name);
                if let Some(h) = m.header {
                    struct_names(h, &mut names);
                }
                if let Some(a) = m.attrs {
                    set_names(a, &mut names, &mut seen);
                }
            }
        }
        // The generic netlink header's fields and nfgenmsg's.
        for (t, _) in def.types {
            assert!(types.contains(t), "{}: no message type {t}", def.kind);
        }
        let paths = def
            .parts
            .iter()
            .flat_map(|p| {
                let len = match p.form {
                    Form::Prefix(l) => Some(l),
                    _ => None,
                };
                p.paths.iter().copied().chain(len)
            })
            .chain(def.when.map(|w| w.0));
        for path in paths {
            for name in path.split('.') {
                if name == "*" || name.starts_with('#') {
                    continue;
                }
                assert!(
                    names.contains(name),
                    "{}: no field or attribute {name}",
                    def.kind
                );
            }
        }
    }
}

#[test]
fn tc_handles_read_as_tc_writes_them() {
    assert_eq!(tc_handle(0x0001_0000), "1:");
    assert_eq!(tc_handle(0x0001_0010), "1:10");
    assert_eq!(tc_handle(0xffff_ffff), "root");
    assert_eq!(tc_handle(0xffff_fff1), "ingress");
}
