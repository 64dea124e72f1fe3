//! Running a command to trace (`nlmon -- CMD ARGS...`): it is forked held
//! at a gate, so that its pid can be put in the in-kernel filter before it
//! runs, then released to drop to the invoking user and exec.

use std::{
    ffi::{CString, OsString},
    io,
    os::{
        fd::{AsRawFd, FromRawFd, OwnedFd},
        unix::ffi::OsStrExt,
    },
};

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("no command given")]
    Empty,
    #[error("the command line contains a NUL byte")]
    Nul,
    #[error("{what}: {source}")]
    Sys {
        what: &'static str,
        source: io::Error,
    },
    #[error("{var}={value:?} is not a number")]
    BadEnv { var: &'static str, value: String },
    #[error("cannot run {cmd}: {}", crate::words::errno_text(*.errno))]
    Exec { cmd: String, errno: i32 },
}

fn sys(what: &'static str) -> RunError {
    RunError::Sys {
        what,
        source: io::Error::last_os_error(),
    }
}

/// Who the command runs as.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Credentials {
    pub uid: u32,
    pub gid: u32,
    /// Supplementary groups.
    pub groups: Vec<u32>,
}

impl Credentials {
    /// The user who ran `sudo nlmon`, from `SUDO_UID`/`SUDO_GID`, with the
    /// groups the group database gives them. None when not run by sudo (the
    /// command then runs as nlmon does).
    pub fn invoking_user() -> Result<Option<Self>, RunError> {
        let num = |var: &'static str| -> Result<Option<u32>, RunError> {
            match std::env::var(var) {
                Ok(v) => v
                    .trim()
                    .parse()
                    .map(Some)
                    .map_err(|_| RunError::BadEnv { var, value: v }),
                Err(_) => Ok(None),
            }
        };
        let Some(uid) = num("SUDO_UID")? else {
            return Ok(None);
        };
        let gid = match num("SUDO_GID")? {
            Some(g) => g,
            None => primary_gid(uid).unwrap_or(uid),
        };
        let groups = user_name(uid)
            .map(|name| group_list(&name, gid))
            .unwrap_or_else(|| vec![gid]);
        Ok(Some(Self { uid, gid, groups }))
    }
}

fn passwd(uid: u32) -> Option<(CString, u32)> {
    let mut buf = vec![0 as libc::c_char; 16384];
    // SAFETY: zeroed passwd is a valid out-parameter.
    let mut pw: libc::passwd = unsafe { std::mem::zeroed() };
    let mut res: *mut libc::passwd = std::ptr::null_mut();
    // SAFETY: every pointer is valid for the call; buf outlives the result.
    let r = unsafe { libc::getpwuid_r(uid, &mut pw, buf.as_mut_ptr(), buf.len(), &mut res) };
    if r != 0 || res.is_null() {
        return None;
    }
    // SAFETY: pw_name points into buf, NUL-terminated.
    let name = unsafe { std::ffi::CStr::from_ptr(pw.pw_name) }.to_owned();
    Some((name, pw.pw_gid))
}

fn user_name(uid: u32) -> Option<CString> {
    passwd(uid).map(|(n, _)| n)
}

fn primary_gid(uid: u32) -> Option<u32> {
    passwd(uid).map(|(_, g)| g)
}

fn group_list(name: &CString, gid: u32) -> Vec<u32> {
    let mut n: libc::c_int = 64;
    loop {
        let mut groups = vec![0 as libc::gid_t; n as usize];
        let want = n;
        // SAFETY: groups has room for n entries; n is updated on return.
        let r = unsafe { libc::getgrouplist(name.as_ptr(), gid, groups.as_mut_ptr(), &mut n) };
        if r >= 0 {
            groups.truncate(n as usize);
            return groups;
        }
        if n <= want {
            n = want * 2;
        }
        if n > 65536 {
            return vec![gid];
        }
    }
}

/// A forked command waiting at the gate.
#[derive(Debug)]
pub struct Gated {
    pid: u32,
    go: OwnedFd,
    exec_err: OwnedFd,
    cmd: String,
}

/// A released command.
#[derive(Debug)]
pub struct Running {
    pub pid: u32,
}

fn pipe() -> Result<(OwnedFd, OwnedFd), RunError> {
    let mut fds = [0; 2];
    // SAFETY: fds has room for two descriptors.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(sys("pipe2"));
    }
    // SAFETY: both descriptors are fresh and ours.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

impl Gated {
    /// Forks the command, which waits until [`Gated::release`]. Call it
    /// while the process has one thread (before starting a runtime): the
    /// child runs Rust code between fork and exec.
    pub fn spawn(argv: &[OsString], creds: Option<&Credentials>) -> Result<Self, RunError> {
        let first = argv.first().ok_or(RunError::Empty)?;
        let cargs: Vec<CString> = argv
            .iter()
            .map(|a| CString::new(a.as_bytes()).map_err(|_| RunError::Nul))
            .collect::<Result<_, _>>()?;
        let mut ptrs: Vec<*const libc::c_char> = cargs.iter().map(|c| c.as_ptr()).collect();
        ptrs.push(std::ptr::null());
        let (gate_r, gate_w) = pipe()?;
        let (err_r, err_w) = pipe()?;
        // SAFETY: the child only makes async-signal-safe calls below and
        // never returns into Rust code that expects the parent's state.
        let pid = unsafe { libc::fork() };
        if pid < 0 {
            return Err(sys("fork"));
        }
        if pid == 0 {
            // SAFETY: in the child; everything used was prepared before fork.
            unsafe { child(&gate_r, &err_w, creds, &ptrs) }
        }
        drop(gate_r);
        drop(err_w);
        Ok(Self {
            pid: pid as u32,
            go: gate_w,
            exec_err: err_r,
            cmd: first.to_string_lossy().into_owned(),
        })
    }

    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// Lets the command run; returns once it has exec'd (or says why it
    /// could not).
    pub fn release(self) -> Result<Running, RunError> {
        // SAFETY: writing one byte from a valid buffer to our pipe.
        let n = unsafe { libc::write(self.go.as_raw_fd(), [1u8].as_ptr().cast(), 1) };
        if n != 1 {
            return Err(sys("releasing the command"));
        }
        drop(self.go);
        // The error pipe closes on a successful exec (O_CLOEXEC) or carries
        // the child's errno.
        let mut errno = [0u8; 4];
        let mut got = 0;
        while got < 4 {
            // SAFETY: reading into the rest of a valid buffer.
            let n = unsafe {
                libc::read(
                    self.exec_err.as_raw_fd(),
                    errno[got..].as_mut_ptr().cast(),
                    4 - got,
                )
            };
            if n < 0 && io::Error::last_os_error().kind() == io::ErrorKind::Interrupted {
                continue;
            }
            if n <= 0 {
                break;
            }
            got += n as usize;
        }
        if got == 4 {
            // Reap it: it has exited with 127.
            // SAFETY: waiting for our own child.
            unsafe { libc::waitpid(self.pid as i32, std::ptr::null_mut(), 0) };
            return Err(RunError::Exec {
                cmd: self.cmd,
                errno: i32::from_ne_bytes(errno),
            });
        }
        Ok(Running { pid: self.pid })
    }
}

/// The child's side: wait at the gate, become the user, exec.
///
/// # Safety
/// Only in the child of `fork`; `argv` is NUL-terminated.
unsafe fn child(
    gate: &OwnedFd,
    err: &OwnedFd,
    creds: Option<&Credentials>,
    argv: &[*const libc::c_char],
) -> ! {
    let fail = |e: i32| -> ! {
        let b = e.to_ne_bytes();
        // SAFETY: async-signal-safe calls on our own descriptors.
        unsafe {
            libc::write(err.as_raw_fd(), b.as_ptr().cast(), 4);
            libc::_exit(127)
        }
    };
    let errno = || {
        io::Error::last_os_error()
            .raw_os_error()
            .unwrap_or(libc::EIO)
    };
    let mut b = [0u8; 1];
    loop {
        // SAFETY: reading one byte into a valid buffer.
        let n = unsafe { libc::read(gate.as_raw_fd(), b.as_mut_ptr().cast(), 1) };
        if n == 1 {
            break;
        }
        if n < 0 && errno() == libc::EINTR {
            continue;
        }
        // nlmon went away before tracing started: do not run untraced.
        // SAFETY: ending the child.
        unsafe { libc::_exit(127) };
    }
    if let Some(c) = creds {
        // SAFETY: plain syscalls with valid arguments; groups before gid
        // before uid, since each drops the right to do the next.
        unsafe {
            if libc::setgroups(c.groups.len(), c.groups.as_ptr()) != 0 {
                fail(errno());
            }
            if libc::setgid(c.gid) != 0 {
                fail(errno());
            }
            if libc::setuid(c.uid) != 0 {
                fail(errno());
            }
        }
    }
    // SAFETY: argv is a NUL-terminated array of C strings.
    unsafe { libc::execvp(argv[0], argv.as_ptr()) };
    fail(errno())
}

impl RunError {
    /// The status a shell gives a command it cannot run: 126 when it is
    /// not executable, 127 otherwise (not found).
    pub fn exit_code(&self) -> Option<u8> {
        match self {
            Self::Exec { errno, .. } if *errno == libc::EACCES || *errno == libc::ENOEXEC => {
                Some(126)
            }
            Self::Exec { .. } => Some(127),
            _ => None,
        }
    }
}

/// How a command ended, as a shell reports it: its exit code, or 128 plus
/// the signal that killed it.
pub fn exit_code(status: libc::c_int) -> u8 {
    if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status) as u8
    } else if libc::WIFSIGNALED(status) {
        (128 + libc::WTERMSIG(status)) as u8
    } else {
        1
    }
}

/// Reaps the command if it has ended; its shell-style exit code then.
pub fn try_wait(pid: u32) -> Result<Option<u8>, RunError> {
    let mut status = 0;
    // SAFETY: waiting for our own child without blocking.
    let r = unsafe { libc::waitpid(pid as i32, &mut status, libc::WNOHANG) };
    match r {
        0 => Ok(None),
        r if r < 0 => Err(sys("waitpid")),
        _ => Ok(Some(exit_code(status))),
    }
}

/// Sends a signal to the command (passing on Ctrl-C or SIGTERM).
pub fn signal(pid: u32, sig: i32) {
    // SAFETY: signalling our own child.
    unsafe { libc::kill(pid as i32, sig) };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_like_a_shell() {
        assert_eq!(exit_code(3 << 8), 3);
        assert_eq!(exit_code(libc::SIGTERM), 128 + 15);
    }

    #[test]
    fn gate_holds_until_released() {
        let argv: Vec<OsString> = ["sh", "-c", "exit 7"].iter().map(Into::into).collect();
        let g = Gated::spawn(&argv, None).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(50));
        assert_eq!(try_wait(g.pid()).unwrap(), None, "ran before release");
        let r = g.release().unwrap();
        let mut status = 0;
        // SAFETY: waiting for our child.
        unsafe { libc::waitpid(r.pid as i32, &mut status, 0) };
        assert_eq!(exit_code(status), 7);
    }

    #[test]
    fn missing_command_is_reported() {
        let argv = vec![OsString::from("/nonexistent/nlmon-no-such-cmd")];
        let e = Gated::spawn(&argv, None).unwrap().release().unwrap_err();
        assert!(
            matches!(&e, RunError::Exec { errno, .. } if *errno == libc::ENOENT),
            "{e}"
        );
    }
}
