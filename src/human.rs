//! Human formats, one place for every output (dashboard, headless lines, `status`, `verify`,
//! reports): counts, durations, rates, bytes (binary units: KiB, MiB, GiB), days. Rounded
//! values keep cells stable between frames, so the terminal diff stays small over SSH; the app
//! also uses them to tell whether a clock tick changes anything on screen. A leaf: it uses
//! nothing of the crate.

/// `1234567` → `1,234,567`.
pub fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Seconds as `1h02m03s`, `4m05s`, `6s`.
pub fn duration(seconds: f64) -> String {
    if !seconds.is_finite() || seconds < 0.0 {
        return "?".into();
    }
    let s = seconds.round() as u64;
    let (h, m, sec) = (s / 3600, (s % 3600) / 60, s % 60);
    if h > 0 {
        format!("{h}h{m:02}m{sec:02}s")
    } else if m > 0 {
        format!("{m}m{sec:02}s")
    } else {
        format!("{sec}s")
    }
}

/// Three significant digits with k/M/G suffixes: `0`, `9.87`, `98.7`, `987`, `9.87k`, `1.23M`.
pub fn sig3(v: f64) -> String {
    if !v.is_finite() {
        return "?".into();
    }
    let a = v.abs();
    if a < 0.005 {
        return "0".into();
    }
    let (scaled, suffix) = match a {
        a if a >= 999.5e6 => (v / 1e9, "G"),
        a if a >= 999.5e3 => (v / 1e6, "M"),
        a if a >= 999.5 => (v / 1e3, "k"),
        _ => (v, ""),
    };
    let s = scaled.abs();
    let text = if s >= 99.95 {
        format!("{scaled:.0}")
    } else if s >= 9.995 {
        format!("{scaled:.1}")
    } else {
        format!("{scaled:.2}")
    };
    format!("{text}{suffix}")
}

/// A rate such as rows/s or requests/s, three significant digits.
pub fn rate(v: f64) -> String {
    sig3(v)
}

/// Seconds left, coarser as it grows: `40s`, `4m30s` (to 10 s), `12m`, `2h05m`, `3d04h`;
/// `-` when not known yet (the engine withholds an ETA until its rate is stable).
pub fn eta(seconds: Option<f64>) -> String {
    let Some(s) = seconds.filter(|s| s.is_finite() && *s >= 0.0) else {
        return "-".into();
    };
    let s = s.round() as u64;
    match s {
        0..600 => {
            let t = s.div_ceil(10) * 10;
            if t < 60 {
                format!("{t}s")
            } else {
                format!("{}m{:02}s", t / 60, t % 60)
            }
        }
        600..3600 => format!("{}m", s.div_ceil(60)),
        3600..172_800 => {
            let m = s.div_ceil(60);
            format!("{}h{:02}m", m / 60, m % 60)
        }
        _ => {
            let h = s.div_ceil(3600);
            format!("{}d{:02}h", h / 24, h % 24)
        }
    }
}

/// Time since start: seconds under an hour (`12m34s`), minutes after (`1h02m`).
pub fn elapsed(seconds: f64) -> String {
    if !seconds.is_finite() || seconds < 0.0 {
        return "?".into();
    }
    let s = seconds.floor() as u64;
    if s < 3600 {
        duration(s as f64)
    } else {
        let m = s / 60;
        if m < 48 * 60 {
            format!("{}h{:02}m", m / 60, m % 60)
        } else {
            format!("{}d{:02}h", m / 1440, (m % 1440) / 60)
        }
    }
}

/// Bytes with binary units, three significant digits: `512 B`, `64.0 KiB`, `1.23 GiB`.
pub fn bytes(n: i64) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    let mut v = n.max(0) as f64;
    let mut i = 0;
    while v >= 999.5 && i + 1 < units.len() {
        v /= 1024.0;
        i += 1;
    }
    if i == 0 {
        return format!("{} B", n.max(0));
    }
    let text = if v >= 99.95 {
        format!("{v:.0}")
    } else if v >= 9.995 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    };
    format!("{text} {}", units[i])
}

/// Whole percent, rounded down so 100% means complete.
pub fn percent(fraction: f64) -> String {
    if !fraction.is_finite() {
        return "?".into();
    }
    format!("{}%", (fraction.clamp(0.0, 1.0) * 100.0).floor() as u32)
}

/// Days, e.g. for "disk full in": `12 d`, `0.5 d`, `>999 d`.
pub fn days(d: f64) -> String {
    if !d.is_finite() || d > 999.0 {
        ">999 d".into()
    } else if d < 10.0 {
        format!("{d:.1} d")
    } else {
        format!("{d:.0} d")
    }
}

/// `text` cut to `width` characters, with `…` when cut.
pub fn truncate(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    if width == 0 {
        return String::new();
    }
    let mut s: String = text.chars().take(width - 1).collect();
    s.push('…');
    s
}

/// A threshold in seconds as `90s`, `2m`, `15m`, `1h`, `1h30m`.
pub fn threshold(seconds: u64) -> String {
    match seconds {
        s if s < 60 || (s < 3600 && s % 60 != 0) => format!("{s}s"),
        s if s < 3600 => format!("{}m", s / 60),
        s if s % 3600 == 0 => format!("{}h", s / 3600),
        s => format!("{}h{}m", s / 3600, (s % 3600) / 60),
    }
}

/// A gauge drawn with text: `████░░░░`, readable without colour.
pub fn bar(fraction: f64, width: usize) -> String {
    let f = if fraction.is_finite() {
        fraction.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let filled = (f * width as f64).round() as usize;
    let mut s = "█".repeat(filled);
    s.push_str(&"░".repeat(width - filled));
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_significant_digits() {
        let cases = [
            (0.0, "0"),
            (0.001, "0"),
            (1.234, "1.23"),
            (12.34, "12.3"),
            (812.46, "812"),
            (999.4, "999"),
            (999.6, "1.00k"),
            (1520.7, "1.52k"),
            (12_345.0, "12.3k"),
            (987_654.0, "988k"),
            (12_345_678.0, "12.3M"),
            (-4.5, "-4.50"),
        ];
        for (v, want) in cases {
            assert_eq!(sig3(v), want, "{v}");
        }
    }

    #[test]
    fn eta_gets_coarser_with_size() {
        assert_eq!(eta(None), "-");
        assert_eq!(eta(Some(f64::NAN)), "-");
        assert_eq!(eta(Some(1.0)), "10s");
        assert_eq!(eta(Some(41.0)), "50s");
        assert_eq!(eta(Some(55.0)), "1m00s");
        assert_eq!(eta(Some(95.0)), "1m40s");
        assert_eq!(eta(Some(412.0)), "7m00s");
        assert_eq!(eta(Some(1810.0)), "31m");
        assert_eq!(eta(Some(3600.0)), "1h00m");
        assert_eq!(eta(Some(7380.0)), "2h03m");
        assert_eq!(
            eta(Some(7381.0)),
            "2h04m",
            "rounded up to the minute past an hour"
        );
        assert_eq!(eta(Some(200_000.0)), "2d08h");
    }

    #[test]
    fn eta_is_stable_within_its_resolution() {
        // Every second between 7321 and 7380 shows the same text.
        let shown: std::collections::HashSet<String> =
            (7321..=7380).map(|s| eta(Some(s as f64))).collect();
        assert_eq!(shown.len(), 1, "{shown:?}");
    }

    #[test]
    fn elapsed_and_bytes_and_percent() {
        assert_eq!(elapsed(5.4), "5s");
        assert_eq!(elapsed(754.0), "12m34s");
        assert_eq!(elapsed(3723.0), "1h02m");
        assert_eq!(elapsed(3779.0), "1h02m", "minute resolution past an hour");
        assert_eq!(elapsed(200_000.0), "2d07h");
        assert_eq!(bytes(512), "512 B");
        assert_eq!(bytes(65_536), "64.0 KiB");
        assert_eq!(bytes(728_000_000), "694 MiB");
        assert_eq!(bytes(40_200_000_000), "37.4 GiB");
        assert_eq!(percent(0.999), "99%");
        assert_eq!(percent(1.0), "100%");
        assert_eq!(days(26.8), "27 d");
        assert_eq!(days(0.26), "0.3 d");
        assert_eq!(days(5000.0), ">999 d");
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(truncate("abc", 4), "abc");
        assert_eq!(threshold(120), "2m");
        assert_eq!(threshold(900), "15m");
        assert_eq!(threshold(90), "90s");
        assert_eq!(threshold(5400), "1h30m");
        assert_eq!(bar(0.5, 4), "██░░");
        assert_eq!(bar(f64::NAN, 2), "░░");
    }
}
