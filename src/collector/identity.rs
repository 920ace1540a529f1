//! Who a collector is: a stable id per host and process unless the operator names it.

/// This machine's name (`/etc/hostname`, `$HOSTNAME`, or `unknown-host`).
pub fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "unknown-host".to_string())
}

/// The id of a collector: the operator's `--id`, or `host:pid`.
pub fn collector_id(explicit: Option<&str>) -> String {
    match explicit {
        Some(id) if !id.trim().is_empty() => id.trim().to_string(),
        _ => format!("{}:{}", hostname(), std::process::id()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids() {
        assert_eq!(collector_id(Some(" eu-1 ")), "eu-1");
        let id = collector_id(None);
        assert!(id.ends_with(&format!(":{}", std::process::id())), "{id}");
        assert!(!hostname().is_empty());
    }
}
