//! Hand-written tables, in the same form as the generated ones: for families
//! the kernel's YNL specs do not describe (written from UAPI headers), and the
//! pieces every protocol shares.

pub mod audit;
mod common;
pub mod connector;
mod dsl;
mod ioam6;
mod l2tp;
mod macsec;
mod nf_conntrack;
mod nf_misc;
mod nl80211;
mod rt_common;
mod rt_dcb;
pub mod rt_linkinfo;
mod rt_misc;
mod rt_nexthop;
mod seg6;
mod selinux;
pub mod sock_diag;
pub mod uevent;
mod xfrm;

pub use common::{ADDRESS_FAMILY, EXTACK, IPPROTO, NFPROTO, nfnl_subsystem};

use super::table::{Attr, Family};

/// A structure for an attribute that a spec types as plain `binary`.
pub fn binary_override(name: &str) -> Option<&'static Attr> {
    match name {
        "RTA_MULTIPATH" => Some(&rt_nexthop::RTA_MULTIPATH),
        _ => None,
    }
}

/// Families described here rather than generated from specs.
pub static ALL: &[&Family] = &[
    &rt_nexthop::FAMILY,
    &rt_misc::FAMILY,
    &xfrm::FAMILY,
    &nf_conntrack::FAMILY,
    &nf_misc::FAMILY,
    &nl80211::FAMILY,
    &seg6::FAMILY,
    &audit::FAMILY,
    &rt_dcb::FAMILY,
    &selinux::FAMILY,
    &macsec::FAMILY,
    &l2tp::FAMILY,
    &ioam6::FAMILY,
];
