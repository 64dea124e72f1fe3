//! Hand-written tables, in the same form as the generated ones: for families
//! the kernel's YNL specs do not describe (written from UAPI headers), and the
//! pieces every protocol shares.

mod common;

pub use common::{ADDRESS_FAMILY, EXTACK, nfnl_subsystem};

use super::table::Family;

/// Families described here rather than generated from specs.
pub static ALL: &[&Family] = &[];
