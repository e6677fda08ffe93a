//! Dropping large values on a background thread. Replacing a file's parse frees
//! the previous syntax tree: hundreds of thousands of small allocations for a
//! 10,000-line model, which would otherwise be paid between an edit and its
//! diagnostics.

use std::any::Any;
use std::ops::Deref;
use std::sync::Mutex;
use std::sync::mpsc::{Sender, channel};

/// A value that is dropped on the background dropper thread.
#[derive(Debug, Clone, PartialEq)]
pub struct DropLater<T: Send + 'static>(Option<T>);

impl<T: Send + 'static> DropLater<T> {
    /// Wraps `value`.
    pub fn new(value: T) -> DropLater<T> {
        DropLater(Some(value))
    }
}

impl<T: Send + 'static> Deref for DropLater<T> {
    type Target = T;

    fn deref(&self) -> &T {
        self.0.as_ref().expect("present until dropped")
    }
}

impl<T: Send + 'static> Drop for DropLater<T> {
    fn drop(&mut self) {
        if let Some(value) = self.0.take() {
            // If the dropper thread cannot be reached, drop here.
            if let Some(sender) = dropper() {
                let _ = sender.send(Box::new(value));
            }
        }
    }
}

/// The channel to the dropper thread, started on first use.
fn dropper() -> Option<Sender<Box<dyn Any + Send>>> {
    static SENDER: Mutex<Option<Sender<Box<dyn Any + Send>>>> = Mutex::new(None);
    let mut sender = SENDER.lock().ok()?;
    if sender.is_none() {
        let (tx, rx) = channel::<Box<dyn Any + Send>>();
        std::thread::Builder::new()
            .name("lcc-lsp-dropper".into())
            .spawn(move || rx.into_iter().for_each(drop))
            .ok()?;
        *sender = Some(tx);
    }
    sender.clone()
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    use super::*;

    struct Flag(Arc<AtomicBool>);

    impl Drop for Flag {
        fn drop(&mut self) {
            self.0.store(true, Ordering::SeqCst);
        }
    }

    #[test]
    fn the_value_is_dropped_eventually() {
        let dropped = Arc::new(AtomicBool::new(false));
        drop(DropLater::new(Flag(dropped.clone())));
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while !dropped.load(Ordering::SeqCst) && std::time::Instant::now() < deadline {
            std::thread::yield_now();
        }
        assert!(dropped.load(Ordering::SeqCst));
    }
}
