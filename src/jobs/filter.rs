//! `--instruments` names or globs, e.g. `BTC-*,ETH-PERPETUAL`.

use globset::{Glob, GlobSet, GlobSetBuilder};

/// Matches instrument names against a list of exact names or glob patterns.
#[derive(Debug, Clone)]
pub struct InstrumentFilter {
    patterns: Vec<String>,
    set: GlobSet,
}

#[derive(Debug, thiserror::Error)]
#[error(
    "--instruments {pattern:?} is not a valid name or glob: {reason} — use names like BTC-27DEC24 or globs like 'BTC-*'"
)]
pub struct FilterError {
    pub pattern: String,
    pub reason: String,
}

impl InstrumentFilter {
    pub fn new<S: AsRef<str>>(patterns: &[S]) -> Result<Self, FilterError> {
        let mut builder = GlobSetBuilder::new();
        let mut kept = Vec::new();
        for p in patterns {
            let p = p.as_ref().trim();
            if p.is_empty() {
                continue;
            }
            if !is_glob(p) {
                crate::domain::InstrumentName::parse(&p.to_uppercase()).map_err(|e| {
                    FilterError {
                        pattern: p.to_string(),
                        reason: e.reason,
                    }
                })?;
            }
            let glob = Glob::new(&p.to_uppercase()).map_err(|e| FilterError {
                pattern: p.to_string(),
                reason: e.kind().to_string(),
            })?;
            builder.add(glob);
            kept.push(p.to_string());
        }
        let set = builder.build().map_err(|e| FilterError {
            pattern: kept.join(","),
            reason: e.to_string(),
        })?;
        Ok(Self {
            patterns: kept,
            set,
        })
    }

    pub fn matches(&self, name: &str) -> bool {
        self.set.is_match(name)
    }

    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    pub fn patterns(&self) -> &[String] {
        &self.patterns
    }

    /// The patterns that are plain names (no glob characters), upper-cased.
    pub fn exact_names(&self) -> Vec<String> {
        self.patterns
            .iter()
            .filter(|p| !is_glob(p))
            .map(|p| p.to_uppercase())
            .collect()
    }
}

fn is_glob(p: &str) -> bool {
    p.contains(['*', '?', '[', '{'])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_globs() {
        let f = InstrumentFilter::new(&["BTC-*", "eth-perpetual"]).unwrap();
        assert!(f.matches("BTC-27DEC24"));
        assert!(f.matches("BTC-PERPETUAL"));
        assert!(f.matches("ETH-PERPETUAL"));
        assert!(!f.matches("ETH-27DEC24"));
        assert!(!f.matches("BTC_USDC-PERPETUAL"));
        let f = InstrumentFilter::new(&["*DEC24"]).unwrap();
        assert!(f.matches("ETH-27DEC24") && !f.matches("ETH-29NOV24"));
    }

    #[test]
    fn plain_names_must_be_instrument_names() {
        let e = InstrumentFilter::new(&["BTC-31FEB24"])
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("BTC-31FEB24") && e.contains("not a real date"),
            "{e}"
        );
        let f = InstrumentFilter::new(&["btc-27dec24", "ETH-*"]).unwrap();
        assert_eq!(f.exact_names(), vec!["BTC-27DEC24"]);
    }

    #[test]
    fn bad_globs_name_the_fix() {
        let e = InstrumentFilter::new(&["BTC-[27"]).unwrap_err().to_string();
        assert!(e.contains("BTC-[27") && e.contains("globs like"), "{e}");
    }
}
