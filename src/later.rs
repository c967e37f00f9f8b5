//! Work for later: what the preview does on threads of its own for a
//! later rebuild (the matcher of every name, made anew after a rename) or
//! to be rid of what the last one left (the scans and matchers replaced),
//! held back while a rebuild makes the pages a reader waits for.
//!
//! A rebuild marks that stretch with [`urgent`]; work for later calls
//! [`wait`] before it starts. Lowering such a thread's priority was not
//! enough: on two cores it still took a fifth of the CPU while the texts
//! that hold a renamed entity's name were scanned (at 100,000 documents),
//! and freeing the last matcher's memory on another thread made the
//! scan's allocations wait for the allocator. A thread that a rebuild
//! needs after all (it joins the matcher being built) is let go at once
//! (see [`Hurry`]).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};

/// How many rebuilds are making their first pages now.
static URGENT: Mutex<usize> = Mutex::new(0);
static QUIET: Condvar = Condvar::new();

/// While held, work for later waits to start (see [`wait`]).
#[must_use = "work for later waits only while this is held"]
pub struct Urgent(());

/// Holds back work for later until the value returned is dropped.
pub fn urgent() -> Urgent {
    *lock() += 1;
    Urgent(())
}

impl Drop for Urgent {
    fn drop(&mut self) {
        let mut urgent = lock();
        *urgent = urgent.saturating_sub(1);
        if *urgent == 0 {
            QUIET.notify_all();
        }
    }
}

/// A flag that lets one thread of work for later go at once, raised by
/// whoever waits for that work.
#[derive(Clone, Default)]
pub struct Hurry(Arc<AtomicBool>);

impl Hurry {
    /// Lets the thread that waits with this flag go.
    pub fn now(&self) {
        // (Set under the lock, so that a thread that just found the flag
        // down is waiting by the time it is told.)
        let _urgent = lock();
        self.0.store(true, Ordering::Relaxed);
        QUIET.notify_all();
    }

    fn raised(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// Blocks while a rebuild makes its first pages, unless `hurry` is raised;
/// then lowers the calling thread's priority, so that the rest of the
/// work gives way to the next rebuild.
pub fn wait(hurry: Option<&Hurry>) {
    let mut urgent = lock();
    while *urgent > 0 && !hurry.is_some_and(Hurry::raised) {
        urgent = QUIET.wait(urgent).unwrap_or_else(|poisoned| poisoned.into_inner());
    }
    std::mem::drop(urgent);
    lower_priority();
}

/// Lowers the calling thread's priority.
pub fn lower_priority() {
    #[cfg(target_os = "linux")]
    // SAFETY: setpriority with PRIO_PROCESS and who = 0 changes only the
    // calling thread (Linux keeps a nice value per thread); it takes no
    // pointers.
    unsafe {
        libc::setpriority(libc::PRIO_PROCESS, 0, 10);
    }
}

/// Drops `value` on a thread of its own once the rebuild's first pages
/// are made: freeing a map of 200,000 names, or the scans of 3,600 texts,
/// takes milliseconds that a rebuild need not wait for.
pub fn drop(value: impl Send + 'static) {
    // Without a thread, the value is dropped here, as it would have been.
    let _ = std::thread::Builder::new().name("annals-drop".into()).spawn(move || {
        wait(None);
        std::mem::drop(value);
    });
}

fn lock() -> std::sync::MutexGuard<'static, usize> {
    URGENT.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc::channel;
    use std::time::Duration;

    /// Work for later starts once the urgent stretch ends, or at once
    /// when hurried. (One test: the state is the process's.)
    #[test]
    fn work_for_later_waits_for_the_urgent_stretch_unless_hurried() {
        let urgent = urgent();
        let (tx, rx) = channel();
        let waiting = std::thread::spawn({
            let tx = tx.clone();
            move || {
                wait(None);
                tx.send("plain").unwrap();
            }
        });
        let hurry = Hurry::default();
        let hurried = std::thread::spawn({
            let hurry = hurry.clone();
            move || {
                wait(Some(&hurry));
                tx.send("hurried").unwrap();
            }
        });
        assert!(
            rx.recv_timeout(Duration::from_millis(200)).is_err(),
            "started while urgent"
        );
        hurry.now();
        assert_eq!(rx.recv_timeout(Duration::from_secs(10)), Ok("hurried"));
        assert!(
            rx.recv_timeout(Duration::from_millis(100)).is_err(),
            "started while urgent"
        );
        std::mem::drop(urgent);
        assert_eq!(rx.recv_timeout(Duration::from_secs(10)), Ok("plain"));
        waiting.join().unwrap();
        hurried.join().unwrap();
    }
}
