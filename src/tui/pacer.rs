//! When to draw. Nothing is drawn unless the app asks for a redraw; operator input is drawn
//! at the next frame slot (at most `max_fps` frames per second); new data at most every
//! [`DATA_REFRESH`], which keeps a busy backfill's terminal traffic low over SSH.

use std::time::Duration;

use tokio::time::Instant;

use crate::app::Redraw;

/// Data-only redraws (snapshots, metrics, log lines, the clock) come at most this often.
pub const DATA_REFRESH: Duration = Duration::from_millis(500);
/// Bounds for `max_fps`.
pub const MAX_FPS_RANGE: (u32, u32) = (1, 60);

#[derive(Debug, Clone)]
pub struct FramePacer {
    frame: Duration,
    data: Duration,
    last: Option<Instant>,
}

impl FramePacer {
    pub fn new(max_fps: u32) -> Self {
        let fps = max_fps.clamp(MAX_FPS_RANGE.0, MAX_FPS_RANGE.1);
        let frame = Duration::from_secs(1) / fps;
        Self {
            frame,
            data: frame.max(DATA_REFRESH),
            last: None,
        }
    }

    /// The shortest time between two frames.
    pub fn frame_interval(&self) -> Duration {
        self.frame
    }

    /// When the next frame may be drawn for this redraw request; `None` when nothing is asked.
    pub fn deadline(&self, redraw: Redraw, now: Instant) -> Option<Instant> {
        let gap = match redraw {
            Redraw::None => return None,
            Redraw::Data => self.data,
            Redraw::Now => self.frame,
        };
        Some(self.last.map_or(now, |l| (l + gap).max(now)))
    }

    pub fn drawn(&mut self, at: Instant) {
        self.last = Some(at);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_interval_is_one_over_fps() {
        assert_eq!(
            FramePacer::new(10).frame_interval(),
            Duration::from_millis(100)
        );
        assert_eq!(FramePacer::new(1).frame_interval(), Duration::from_secs(1));
        assert_eq!(
            FramePacer::new(0).frame_interval(),
            Duration::from_secs(1),
            "clamped"
        );
        assert_eq!(
            FramePacer::new(1000).frame_interval(),
            Duration::from_secs(1) / 60
        );
    }

    #[test]
    fn deadlines() {
        let t0 = Instant::now();
        let mut p = FramePacer::new(10);
        assert_eq!(p.deadline(Redraw::None, t0), None);
        assert_eq!(
            p.deadline(Redraw::Data, t0),
            Some(t0),
            "first frame at once"
        );
        p.drawn(t0);
        assert_eq!(
            p.deadline(Redraw::Now, t0),
            Some(t0 + Duration::from_millis(100))
        );
        assert_eq!(p.deadline(Redraw::Data, t0), Some(t0 + DATA_REFRESH));
        // Long after the last frame, input draws at once.
        let later = t0 + Duration::from_secs(5);
        assert_eq!(p.deadline(Redraw::Now, later), Some(later));
        // A slow max_fps stretches data frames too.
        let mut slow = FramePacer::new(1);
        slow.drawn(t0);
        assert_eq!(
            slow.deadline(Redraw::Data, t0),
            Some(t0 + Duration::from_secs(1))
        );
    }
}
