//! The async runtime behind every network call.
//!
//! Nothing is started at module load: the runtime is built on first use.
//! It is a current-thread runtime, so every future, and every call back into
//! PHP, runs on the PHP thread that asked for it. A forked child (php-fpm
//! workers, `pcntl_fork`) inherits the parent's runtime without the threads
//! of its blocking pool, so the child leaks that copy and builds its own.

use std::cell::Cell;
use std::future::Future;
use std::sync::Mutex;

use tokio::runtime::{Builder, Runtime};

use crate::exceptions::dns_exception;
use ext_php_rs::exception::PhpException;

struct Owned {
    pid: u32,
    runtime: &'static Runtime,
}

static RUNTIME: Mutex<Option<Owned>> = Mutex::new(None);

thread_local! {
    static INSIDE: Cell<bool> = const { Cell::new(false) };
}

fn runtime() -> Result<&'static Runtime, PhpException> {
    let pid = std::process::id();
    let mut slot = RUNTIME
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(owned) = slot.as_ref() {
        if owned.pid == pid {
            return Ok(owned.runtime);
        }
        // A forked child: the parent's runtime stays leaked, as dropping it
        // would wait for threads that do not exist in this process.
    }
    let runtime = Builder::new_current_thread()
        .enable_all()
        .thread_name("puq-dns")
        .build()
        .map_err(|e| dns_exception(format!("cannot start the async runtime: {e}")))?;
    let runtime: &'static Runtime = Box::leak(Box::new(runtime));
    *slot = Some(Owned { pid, runtime });
    Ok(runtime)
}

/// Where the runtime stands in this process, for `php --ri puq_dns`.
pub fn status() -> String {
    let pid = std::process::id();
    let slot = RUNTIME
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    match slot.as_ref() {
        Some(owned) if owned.pid == pid => format!("started (pid {pid})"),
        Some(owned) => format!(
            "not started in this process (pid {pid}; started in its parent, pid {})",
            owned.pid
        ),
        None => "not started (it starts on the first sync)".to_owned(),
    }
}

/// Runs a future to completion on the PHP thread.
///
/// Refuses to nest: a PHP callback (`on_progress`) that calls back into
/// puq_dns would otherwise try to start a runtime inside the running one.
pub fn block_on<F: Future>(future: F) -> Result<F::Output, PhpException> {
    if INSIDE.with(Cell::get) {
        return Err(dns_exception(
            "puq_dns cannot be called from inside an on_progress callback",
        ));
    }
    let runtime = runtime()?;
    let _entered = Entered::new();
    Ok(runtime.block_on(future))
}

/// Marks the thread as inside `block_on` until dropped, even by an unwind.
struct Entered;

impl Entered {
    fn new() -> Self {
        INSIDE.with(|inside| inside.set(true));
        Entered
    }
}

impl Drop for Entered {
    fn drop(&mut self) {
        INSIDE.with(|inside| inside.set(false));
    }
}
