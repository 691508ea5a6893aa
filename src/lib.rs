//! puq_dns: the PHP extension. A thin binding over `puq_dns_core`: each class
//! converts PHP arrays to core values, calls the core and converts back.

#![cfg_attr(windows, feature(abi_vectorcall))]

mod convert;
mod exceptions;
mod redact;
mod runtime;
mod sync;
mod zone_manager;

use ext_php_rs::prelude::*;
use ext_php_rs::zend::ModuleEntry;
use ext_php_rs::{info_table_end, info_table_row, info_table_start};

/// `php --ri puq_dns`: what it is, what it was built for and with, and
/// whether this process has started its runtime.
extern "C" fn module_info(_module: *mut ModuleEntry) {
    info_table_start!();
    info_table_row!("puq_dns support", "enabled");
    info_table_row!("version", puq_dns_core::VERSION);
    info_table_row!(
        "built for",
        format!(
            "PHP API {}, {}{}",
            ext_php_rs::ffi::ZEND_MODULE_API_NO,
            if ext_php_rs::PHP_ZTS { "ZTS" } else { "NTS" },
            if ext_php_rs::PHP_DEBUG { ", debug" } else { "" }
        )
    );
    info_table_row!("built with", env!("PUQ_DNS_RUSTC"));
    info_table_row!("ext-php-rs", ext_php_rs::VERSION);
    info_table_row!("TLS", env!("PUQ_DNS_TLS"));
    info_table_row!("runtime", runtime::status());
    let providers: Vec<&str> = puq_dns_core::provider::REGISTRY
        .iter()
        .map(|r| r.spec.name)
        .collect();
    info_table_row!("providers", providers.join(", "));
    info_table_end!();
}

#[php_module]
pub fn get_module(module: ModuleBuilder) -> ModuleBuilder {
    module
        .startup_function(exceptions::register)
        .class::<zone_manager::DnsZoneManager>()
        .class::<sync::DnsSync>()
        .class::<redact::Redact>()
        .info_function(module_info)
}
