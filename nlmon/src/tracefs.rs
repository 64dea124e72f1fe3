//! tracefs and bpffs: mounting them when absent, and reading syscall
//! tracepoint formats.

use std::{ffi::CString, fs, io, path::Path};

/// Where tracefs is expected (aya looks here first).
pub const TRACEFS: &str = "/sys/kernel/tracing";
pub const BPFFS: &str = "/sys/fs/bpf";

#[derive(Debug, thiserror::Error)]
pub enum TracefsError {
    #[error("cannot mount {fstype} at {path}: {source}")]
    Mount {
        fstype: &'static str,
        path: &'static str,
        source: io::Error,
    },
    #[error("cannot read tracepoint format {path}: {source}")]
    Format { path: String, source: io::Error },
    #[error("tracepoint format {path} has no field {field}")]
    Field { path: String, field: &'static str },
}

fn mounted(fstype: &str, path: &str) -> bool {
    fs::read_to_string("/proc/self/mounts")
        .map(|m| {
            m.lines().any(|l| {
                let mut f = l.split_whitespace();
                let (_, at, ty) = (f.next(), f.next(), f.next());
                at == Some(path) && ty == Some(fstype)
            })
        })
        .unwrap_or(false)
}

fn mount(fstype: &'static str, path: &'static str) -> Result<(), TracefsError> {
    if mounted(fstype, path) {
        return Ok(());
    }
    let err = |source| TracefsError::Mount {
        fstype,
        path,
        source,
    };
    let c = |s: &str| CString::new(s).map_err(|e| err(io::Error::other(e)));
    let (src, dst, ty) = (c(fstype)?, c(path)?, c(fstype)?);
    // SAFETY: valid NUL-terminated strings; no data argument.
    let r = unsafe { libc::mount(src.as_ptr(), dst.as_ptr(), ty.as_ptr(), 0, std::ptr::null()) };
    if r != 0 {
        return Err(err(io::Error::last_os_error()));
    }
    log::info!("mounted {fstype} at {path}");
    Ok(())
}

/// Mounts tracefs (for tracepoints and kprobes) when it is not mounted.
pub fn ensure_tracefs() -> Result<(), TracefsError> {
    if Path::new(TRACEFS).join("events").exists() {
        return Ok(());
    }
    mount("tracefs", TRACEFS)
}

/// Mounts bpffs when it is not mounted (nlmon pins nothing, but bpftool and
/// operators expect it).
pub fn ensure_bpffs() -> Result<(), TracefsError> {
    mount("bpf", BPFFS)
}

/// Byte offset of a field in a tracepoint's record, from its format file
/// (`field:int fd;\toffset:16;\tsize:8;\tsigned:0;`).
pub fn field_offset(category: &str, event: &str, field: &'static str) -> Result<u32, TracefsError> {
    let path = format!("{TRACEFS}/events/{category}/{event}/format");
    let text = fs::read_to_string(&path).map_err(|source| TracefsError::Format {
        path: path.clone(),
        source,
    })?;
    parse_field_offset(&text, field).ok_or(TracefsError::Field { path, field })
}

fn parse_field_offset(format: &str, field: &str) -> Option<u32> {
    format.lines().find_map(|line| {
        let decl = line.trim().strip_prefix("field:")?.split(';').next()?;
        let name = decl.rsplit([' ', '*']).next()?;
        if name != field {
            return None;
        }
        let off = line.split("offset:").nth(1)?.split(';').next()?;
        off.trim().parse().ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SENDTO: &str = "name: sys_enter_sendto
ID: 1234
format:
\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;
\tfield:int __syscall_nr;\toffset:8;\tsize:4;\tsigned:1;
\tfield:int fd;\toffset:16;\tsize:8;\tsigned:0;
\tfield:void * buff;\toffset:24;\tsize:8;\tsigned:0;
\tfield:struct sockaddr * addr;\toffset:48;\tsize:8;\tsigned:0;
";

    #[test]
    fn parses_format_fields() {
        assert_eq!(parse_field_offset(SENDTO, "fd"), Some(16));
        assert_eq!(parse_field_offset(SENDTO, "buff"), Some(24));
        assert_eq!(parse_field_offset(SENDTO, "addr"), Some(48));
        assert_eq!(parse_field_offset(SENDTO, "__syscall_nr"), Some(8));
        assert_eq!(parse_field_offset(SENDTO, "len"), None);
        assert_eq!(parse_field_offset("garbage\nfield:x", "x"), None);
    }
}
