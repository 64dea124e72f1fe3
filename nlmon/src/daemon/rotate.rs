//! A file that rotates by size: `PATH` is written, `PATH.1` is the newest
//! rotated file, `PATH.<keep>` the oldest kept. Each new file starts with
//! the format's header (pcapng needs one per file). If the file is removed
//! or moved while open, the next flush notices and reopens it.

use std::{
    ffi::OsString,
    fs::{self, File, OpenOptions},
    io::{self, BufWriter, Write},
    os::unix::fs::MetadataExt,
    path::{Path, PathBuf},
};

pub struct RotatingFile {
    path: PathBuf,
    max_size: u64,
    keep: u32,
    /// Bytes every file starts with.
    header: Vec<u8>,
    file: Option<Open>,
}

struct Open {
    out: BufWriter<File>,
    size: u64,
    /// (device, inode) when opened, to notice removal or renaming.
    id: (u64, u64),
}

impl RotatingFile {
    pub fn new(path: PathBuf, max_size: u64, keep: u32, header: Vec<u8>) -> Self {
        Self {
            path,
            max_size,
            keep,
            header,
            file: None,
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one record, rotating first if it would not fit (a record
    /// larger than `max_size` gets a file of its own).
    pub fn write_record(&mut self, record: &[u8]) -> io::Result<()> {
        if self.file.is_none() {
            self.file = Some(self.open()?);
        }
        let header = self.header.len() as u64;
        if self
            .file
            .as_ref()
            .is_some_and(|f| f.size > header && f.size + record.len() as u64 > self.max_size)
        {
            self.rotate()?;
            self.file = Some(self.open()?);
        }
        let Some(f) = &mut self.file else {
            return Ok(());
        };
        f.out.write_all(record)?;
        f.size += record.len() as u64;
        Ok(())
    }

    /// Flushes, and reopens if the file was removed or moved away.
    pub fn flush(&mut self) -> io::Result<()> {
        let Some(f) = &mut self.file else {
            return Ok(());
        };
        let here = fs::metadata(&self.path).map(|m| (m.dev(), m.ino())).ok();
        if here == Some(f.id) {
            return f.out.flush();
        }
        log::warn!(
            "{} was removed or replaced while open; starting it again",
            self.path.display()
        );
        // What is still buffered goes to the new file, not the lost one.
        let Some(old) = self.file.take() else {
            return Ok(());
        };
        let (_, pending) = old.out.into_parts();
        let pending = pending.unwrap_or_else(|p| p.into_inner());
        let mut new = self.open()?;
        new.out.write_all(&pending)?;
        new.size += pending.len() as u64;
        new.out.flush()?;
        self.file = Some(new);
        Ok(())
    }

    /// Drops the open file (after an error); the next write reopens it.
    pub fn reset(&mut self) {
        if let Some(mut f) = self.file.take() {
            // The error that led here is already reported.
            let _ = f.out.flush();
        }
    }

    fn open(&self) -> io::Result<Open> {
        if let Some(dir) = self.path.parent()
            && !dir.as_os_str().is_empty()
        {
            fs::create_dir_all(dir)?;
        }
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)?;
        let m = file.metadata()?;
        let mut out = BufWriter::with_capacity(64 << 10, file);
        out.write_all(&self.header)?;
        Ok(Open {
            out,
            size: m.len() + self.header.len() as u64,
            id: (m.dev(), m.ino()),
        })
    }

    fn numbered(&self, n: u32) -> PathBuf {
        let mut p: OsString = self.path.clone().into();
        p.push(format!(".{n}"));
        p.into()
    }

    /// PATH → PATH.1 → … → PATH.keep; older ones are removed.
    fn rotate(&mut self) -> io::Result<()> {
        if let Some(mut f) = self.file.take() {
            f.out.flush()?;
        }
        self.remove_beyond_keep();
        for n in (1..self.keep).rev() {
            match fs::rename(self.numbered(n), self.numbered(n + 1)) {
                Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
                _ => {}
            }
        }
        if self.keep == 0 {
            fs::remove_file(&self.path)
        } else {
            fs::rename(&self.path, self.numbered(1))
        }
    }

    /// Removes `PATH.N` for N > keep (left by a larger `keep` before a
    /// reload or restart).
    fn remove_beyond_keep(&self) {
        let (Some(dir), Some(name)) = (self.path.parent(), self.path.file_name()) else {
            return;
        };
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        let Ok(entries) = fs::read_dir(dir) else {
            return;
        };
        let prefix = format!("{}.", name.to_string_lossy());
        for e in entries.flatten() {
            let n = e.file_name();
            let n = n.to_string_lossy();
            if let Some(num) = n.strip_prefix(&prefix).and_then(|s| s.parse::<u32>().ok())
                && num > self.keep
                && let Err(err) = fs::remove_file(e.path())
            {
                log::warn!("removing old {}: {err}", e.path().display());
            }
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;

    /// A fresh directory under the system's temp dir, removed on drop.
    pub(crate) struct TempDir(pub PathBuf);

    impl TempDir {
        pub(crate) fn new() -> Self {
            static N: AtomicU32 = AtomicU32::new(0);
            let p = std::env::temp_dir().join(format!(
                "nlmon-test-{}-{}",
                std::process::id(),
                N.fetch_add(1, Ordering::Relaxed)
            ));
            let _ = fs::remove_dir_all(&p);
            fs::create_dir_all(&p).unwrap();
            Self(p)
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    fn read(p: &Path) -> String {
        fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
    }

    #[test]
    fn rotates_by_size_and_keeps_count() {
        let d = TempDir::new();
        let path = d.0.join("sub/log.jsonl");
        let mut f = RotatingFile::new(path.clone(), 10, 2, b"H\n".to_vec());
        for rec in ["aaaa\n", "bbbb\n", "cccc\n", "dddd\n", "eeee\n", "ffff\n"] {
            f.write_record(rec.as_bytes()).unwrap();
        }
        f.flush().unwrap();
        // 2 header + 5 + 5 > 10: one record per file after the header.
        assert_eq!(read(&path), "H\nffff\n");
        assert_eq!(read(&d.0.join("sub/log.jsonl.1")), "H\neeee\n");
        assert_eq!(read(&d.0.join("sub/log.jsonl.2")), "H\ndddd\n");
        assert!(!d.0.join("sub/log.jsonl.3").exists());
    }

    #[test]
    fn fills_up_to_max_size() {
        let d = TempDir::new();
        let path = d.0.join("log");
        let mut f = RotatingFile::new(path.clone(), 12, 1, Vec::new());
        for rec in ["aaa\n", "bbb\n", "ccc\n", "ddd\n"] {
            f.write_record(rec.as_bytes()).unwrap();
        }
        f.flush().unwrap();
        assert_eq!(read(&d.0.join("log.1")), "aaa\nbbb\nccc\n");
        assert_eq!(read(&path), "ddd\n");
    }

    #[test]
    fn keep_zero_and_old_files_beyond_keep() {
        let d = TempDir::new();
        let path = d.0.join("log");
        fs::write(d.0.join("log.7"), "old").unwrap();
        fs::write(d.0.join("log.x"), "not ours").unwrap();
        let mut f = RotatingFile::new(path.clone(), 4, 0, Vec::new());
        f.write_record(b"abc\n").unwrap();
        f.write_record(b"def\n").unwrap();
        f.flush().unwrap();
        assert_eq!(read(&path), "def\n");
        assert!(!d.0.join("log.1").exists());
        assert!(!d.0.join("log.7").exists());
        assert!(d.0.join("log.x").exists());
    }

    #[test]
    fn appends_to_an_existing_file_counting_its_size() {
        let d = TempDir::new();
        let path = d.0.join("log");
        fs::write(&path, "12345678\n").unwrap();
        let mut f = RotatingFile::new(path.clone(), 12, 3, Vec::new());
        f.write_record(b"abcd\n").unwrap();
        f.flush().unwrap();
        assert_eq!(read(&d.0.join("log.1")), "12345678\n");
        assert_eq!(read(&path), "abcd\n");
    }

    #[test]
    fn a_removed_directory_is_recreated() {
        let d = TempDir::new();
        let path = d.0.join("dir/log");
        let mut f = RotatingFile::new(path.clone(), 1000, 3, Vec::new());
        f.write_record(b"one\n").unwrap();
        f.flush().unwrap();
        fs::remove_dir_all(d.0.join("dir")).unwrap();
        f.write_record(b"two\n").unwrap();
        f.flush().unwrap();
        f.write_record(b"three\n").unwrap();
        f.flush().unwrap();
        assert_eq!(read(&path), "two\nthree\n");
    }
}
