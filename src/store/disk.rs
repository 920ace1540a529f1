//! Free space of the volume holding a path (`statvfs`).

use std::path::Path;

use super::types::DiskSpace;

/// Free and total bytes of the filesystem holding `dir`; `None` if it cannot be measured.
pub fn free_space(dir: &Path) -> Option<DiskSpace> {
    let st = rustix::fs::statvfs(dir).ok()?;
    let frsize = st.f_frsize;
    Some(DiskSpace {
        path: dir.to_path_buf(),
        available_bytes: st.f_bavail.saturating_mul(frsize),
        total_bytes: st.f_blocks.saturating_mul(frsize),
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn measures_the_temp_dir() {
        let d = super::free_space(&std::env::temp_dir()).expect("statvfs on the temp dir");
        assert!(d.total_bytes > 0 && d.available_bytes <= d.total_bytes);
        assert!(super::free_space(std::path::Path::new("/no/such/dir/xyz")).is_none());
    }
}
