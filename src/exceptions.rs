//! The exception classes and the mapping of core errors onto them.
//!
//! They are registered with a plain `ClassBuilder` rather than
//! `#[php_class]`: a Rust-backed class always gets a Rust constructor, and
//! that would replace `Exception::__construct($message, $code, $previous)`,
//! so PHP code could not `new ConfigException('…')` or rethrow with a
//! message. Built this way they are ordinary PHP exception classes.

use std::sync::atomic::{AtomicPtr, Ordering};

use ext_php_rs::builders::ClassBuilder;
use ext_php_rs::exception::PhpException;
use ext_php_rs::zend::{ce, ClassEntry};
use puq_dns_core::ConfigError;

pub const DNS_EXCEPTION: &str = "PuqDns\\DnsException";
pub const CONFIG_EXCEPTION: &str = "PuqDns\\ConfigException";

static DNS_EXCEPTION_CE: AtomicPtr<ClassEntry> = AtomicPtr::new(std::ptr::null_mut());
static CONFIG_EXCEPTION_CE: AtomicPtr<ClassEntry> = AtomicPtr::new(std::ptr::null_mut());

/// A registered class entry; `\Exception` before registration, which only
/// a failed module startup could leave us with.
fn registered(slot: &AtomicPtr<ClassEntry>) -> &'static ClassEntry {
    let ptr = slot.load(Ordering::Acquire);
    // SAFETY: the pointer is either null or a class entry that the engine
    // registered for the life of the process.
    unsafe { ptr.as_ref() }.unwrap_or_else(ce::exception)
}

fn dns_exception_ce() -> &'static ClassEntry {
    registered(&DNS_EXCEPTION_CE)
}

fn config_exception_ce() -> &'static ClassEntry {
    registered(&CONFIG_EXCEPTION_CE)
}

/// Registers both classes; called from the module startup (MINIT).
pub extern "C" fn register(_type: i32, _module_number: i32) -> i32 {
    let base = ClassBuilder::new(DNS_EXCEPTION)
        .extends((ce::exception, "\\Exception"))
        .registration(|ce, _| DNS_EXCEPTION_CE.store(ce, Ordering::Release))
        .register();
    let config = ClassBuilder::new(CONFIG_EXCEPTION)
        .extends((dns_exception_ce, "\\PuqDns\\DnsException"))
        .registration(|ce, _| CONFIG_EXCEPTION_CE.store(ce, Ordering::Release))
        .register();
    match (base, config) {
        (Ok(()), Ok(())) => 0,
        _ => -1,
    }
}

pub fn config_exception(error: ConfigError) -> PhpException {
    PhpException::new(error.to_string(), 0, config_exception_ce())
}

pub fn dns_exception(message: impl Into<String>) -> PhpException {
    PhpException::new(message.into(), 0, dns_exception_ce())
}
