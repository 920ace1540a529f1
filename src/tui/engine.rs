//! What the loop needs from the engine, so tests can stand in for it. Every call returns at
//! once: the loop never waits on the engine.

use crate::jobs::{Command, EngineStopped, JobsHandle, Selector};

pub trait EngineControl {
    fn command(&self, selector: Selector, command: Command) -> Result<(), EngineStopped>;
    fn set_parallel(&self, n: usize) -> Result<(), EngineStopped>;
    /// Queues gap jobs for the selected jobs' instruments (`g`).
    fn queue_gaps(&self, selector: Selector) -> Result<(), EngineStopped>;
    /// Asks the engine to checkpoint and stop; its snapshot shows `stopped` once it has.
    fn shutdown(&self);
}

impl EngineControl for JobsHandle {
    fn command(&self, selector: Selector, command: Command) -> Result<(), EngineStopped> {
        self.try_command(selector, command)
    }

    fn set_parallel(&self, n: usize) -> Result<(), EngineStopped> {
        JobsHandle::set_parallel(self, n)
    }

    fn queue_gaps(&self, selector: Selector) -> Result<(), EngineStopped> {
        self.try_queue_gaps(selector)
    }

    fn shutdown(&self) {
        let handle = self.clone();
        tokio::spawn(async move { handle.shutdown().await });
    }
}
