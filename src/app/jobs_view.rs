//! The jobs table's view state: which jobs are shown (filter), in which order (sort), which
//! one is selected, which are marked, and the scroll position. The selection follows the job,
//! not the row number, so re-sorting or a new snapshot never moves it to another job.

use std::collections::{HashMap, HashSet};

use crate::domain::{JobKey, JobState};
use crate::jobs::JobView;

use super::filter::{QuickFilter, TextFilter};
use super::sort::{NaturalKey, Sort};

#[derive(Debug, Clone, Default)]
pub struct JobsView {
    pub filter: Option<TextFilter>,
    pub quick: QuickFilter,
    pub sort: Sort,
    /// Indices into the snapshot's jobs, in display order.
    visible: Vec<usize>,
    /// Position of the selection in `visible`.
    selected: usize,
    selected_key: Option<JobKey>,
    /// First visible row.
    offset: usize,
    marks: HashSet<JobKey>,
    /// Name order per job, parsed once (job keys never change).
    natural: HashMap<JobKey, NaturalKey>,
}

impl JobsView {
    /// Recomputes the shown rows after the jobs, filters or sort changed, keeping the
    /// selection on the same job when it is still shown (else on the same row number).
    pub fn refresh(&mut self, jobs: &[JobView], lagging: &HashSet<String>, page: usize) {
        let mut visible: Vec<usize> = (0..jobs.len())
            .filter(|&i| {
                let j = &jobs[i];
                self.quick.matches(j, lagging) && self.filter.as_ref().is_none_or(|f| f.matches(j))
            })
            .collect();
        let sort = self.sort;
        for j in jobs {
            if !self.natural.contains_key(&j.key) {
                self.natural.insert(j.key.clone(), NaturalKey::of(&j.key));
            }
        }
        let natural: Vec<&NaturalKey> = jobs.iter().map(|j| &self.natural[&j.key]).collect();
        visible.sort_by(|&a, &b| sort.compare_with(&jobs[a], &jobs[b], natural[a].cmp(natural[b])));
        self.visible = visible;
        let found = self
            .selected_key
            .as_ref()
            .and_then(|k| self.visible.iter().position(|&i| &jobs[i].key == k));
        match found {
            Some(pos) => self.selected = pos,
            None => {
                self.selected = self.selected.min(self.visible.len().saturating_sub(1));
                self.selected_key = self
                    .visible
                    .get(self.selected)
                    .map(|&i| jobs[i].key.clone());
            }
        }
        self.scroll_into_view(page);
    }

    /// Moves the selection by `delta` rows (clamped).
    pub fn move_by(&mut self, jobs: &[JobView], delta: isize, page: usize) {
        if self.visible.is_empty() {
            return;
        }
        let last = self.visible.len() - 1;
        let to = (self.selected as isize + delta).clamp(0, last as isize) as usize;
        self.select(jobs, to, page);
    }

    pub fn select_first(&mut self, jobs: &[JobView], page: usize) {
        self.select(jobs, 0, page);
    }

    pub fn select_last(&mut self, jobs: &[JobView], page: usize) {
        self.select(jobs, self.visible.len().saturating_sub(1), page);
    }

    fn select(&mut self, jobs: &[JobView], pos: usize, page: usize) {
        if let Some(&i) = self.visible.get(pos) {
            self.selected = pos;
            self.selected_key = Some(jobs[i].key.clone());
            self.scroll_into_view(page);
        }
    }

    /// Keeps the selected row inside the `page` rows starting at `offset`.
    pub fn scroll_into_view(&mut self, page: usize) {
        let page = page.max(1);
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + page {
            self.offset = self.selected + 1 - page;
        }
        let max_offset = self.visible.len().saturating_sub(page);
        self.offset = self.offset.min(max_offset);
    }

    pub fn visible(&self) -> &[usize] {
        &self.visible
    }

    /// Position of the selection among the shown rows (meaningless when nothing is shown).
    pub fn selected_pos(&self) -> usize {
        self.selected
    }

    pub fn selected_key(&self) -> Option<&JobKey> {
        self.selected_key.as_ref()
    }

    /// The selected job, if any is shown.
    pub fn selected_job<'a>(&self, jobs: &'a [JobView]) -> Option<&'a JobView> {
        self.visible.get(self.selected).map(|&i| &jobs[i])
    }

    pub fn offset(&self) -> usize {
        self.offset
    }

    /// Marks or unmarks the selected job; returns whether it is now marked.
    pub fn toggle_mark(&mut self) -> Option<bool> {
        let key = self.selected_key.clone()?;
        if self.marks.remove(&key) {
            Some(false)
        } else {
            self.marks.insert(key);
            Some(true)
        }
    }

    pub fn is_marked(&self, key: &JobKey) -> bool {
        self.marks.contains(key)
    }

    pub fn marks(&self) -> &HashSet<JobKey> {
        &self.marks
    }

    /// Marked keys in a stable order.
    pub fn marked_keys(&self) -> Vec<JobKey> {
        let mut v: Vec<JobKey> = self.marks.iter().cloned().collect();
        v.sort();
        v
    }

    pub fn clear_marks(&mut self) -> bool {
        let had = !self.marks.is_empty();
        self.marks.clear();
        had
    }

    /// Whether a text or quick filter hides some jobs.
    pub fn is_filtered(&self) -> bool {
        self.filter.is_some() || self.quick != QuickFilter::All
    }

    /// Keys of the shown jobs, optionally only those in `state`.
    pub fn shown_keys(&self, jobs: &[JobView], state: Option<JobState>) -> Vec<JobKey> {
        self.visible
            .iter()
            .map(|&i| &jobs[i])
            .filter(|j| state.is_none_or(|s| j.state == s))
            .map(|j| j.key.clone())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::sample;
    use crate::app::sort::{SortColumn, SortDir};

    fn jobs(names: &[&str]) -> Vec<JobView> {
        names
            .iter()
            .map(|n| sample::job("futures", n, JobState::Running, None))
            .collect()
    }

    fn shown(v: &JobsView, jobs: &[JobView]) -> Vec<String> {
        v.visible()
            .iter()
            .map(|&i| jobs[i].key.instrument.clone())
            .collect()
    }

    #[test]
    fn selection_follows_the_job_across_resorts() {
        let js = jobs(&["A", "B", "C", "D"]);
        let mut v = JobsView::default();
        v.refresh(&js, &HashSet::new(), 10);
        v.move_by(&js, 1, 10);
        assert_eq!(v.selected_key().unwrap().instrument, "B");
        v.sort = Sort {
            column: SortColumn::Job,
            dir: SortDir::Desc,
        };
        v.refresh(&js, &HashSet::new(), 10);
        assert_eq!(shown(&v, &js), ["D", "C", "B", "A"]);
        assert_eq!(v.selected_key().unwrap().instrument, "B");
        assert_eq!(v.selected_pos(), 2);
    }

    #[test]
    fn a_filtered_out_selection_moves_to_the_same_row_number() {
        let js = jobs(&["A", "B", "C", "D"]);
        let mut v = JobsView::default();
        v.refresh(&js, &HashSet::new(), 10);
        v.move_by(&js, 3, 10);
        v.filter = TextFilter::parse("!D").unwrap();
        v.refresh(&js, &HashSet::new(), 10);
        assert_eq!(v.selected_key().unwrap().instrument, "C");
        v.filter = TextFilter::parse("nothing-matches").unwrap();
        v.refresh(&js, &HashSet::new(), 10);
        assert!(v.selected_job(&js).is_none());
        assert_eq!(v.selected_key(), None);
    }

    #[test]
    fn scrolling_keeps_the_selection_in_the_page() {
        let names: Vec<String> = (0..50).map(|i| format!("J{i:02}")).collect();
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        let js = jobs(&refs);
        let mut v = JobsView::default();
        v.refresh(&js, &HashSet::new(), 10);
        v.move_by(&js, 12, 10);
        assert_eq!((v.selected_pos(), v.offset()), (12, 3));
        v.move_by(&js, -5, 10);
        assert_eq!(
            (v.selected_pos(), v.offset()),
            (7, 3),
            "moving up inside the page does not scroll"
        );
        v.select_last(&js, 10);
        assert_eq!((v.selected_pos(), v.offset()), (49, 40));
        v.move_by(&js, 100, 10);
        assert_eq!(v.selected_pos(), 49, "clamped");
        v.select_first(&js, 10);
        assert_eq!((v.selected_pos(), v.offset()), (0, 0));
    }

    #[test]
    fn marks_toggle_and_survive_filters() {
        let js = jobs(&["A", "B"]);
        let mut v = JobsView::default();
        v.refresh(&js, &HashSet::new(), 10);
        assert_eq!(v.toggle_mark(), Some(true));
        v.filter = TextFilter::parse("B").unwrap();
        v.refresh(&js, &HashSet::new(), 10);
        assert_eq!(v.marked_keys().len(), 1);
        assert_eq!(v.toggle_mark(), Some(true));
        assert_eq!(
            v.marked_keys()
                .iter()
                .map(|k| k.instrument.as_str())
                .collect::<Vec<_>>(),
            ["A", "B"]
        );
        assert_eq!(v.toggle_mark(), Some(false));
        assert!(v.clear_marks());
        assert!(!v.clear_marks());
    }
}
