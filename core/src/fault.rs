//! How a talk with a provider fails, in the provider's own words: what the
//! HTTP layer and every provider report, and what the engine reads to decide
//! whether a smaller retry can help.

use thiserror::Error;

/// A failure talking to a provider, with the provider's own words.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum ProviderError {
    /// The provider answered with an error.
    #[error("HTTP {status}: {message}")]
    Status { status: u16, message: String },
    /// No answer: connection refused, TLS failure, timeout.
    #[error("{0}")]
    Transport(String),
    /// An answer that is not what the API documents.
    #[error("unexpected answer: {0}")]
    InvalidResponse(String),
    /// A command on the provider's side ended with a non-zero exit code
    /// (HestiaCP's); `message` is its own text (`Error: …`), when it gave
    /// one, and `described` the whole of it as the provider words it.
    #[error("{described}")]
    Exit {
        code: u32,
        message: String,
        described: String,
    },
    /// A DNS server answered with an error RCODE (RFC 2136 updates and
    /// queries): `rcode` is its mnemonic with the TSIG error, if any
    /// (`NOTAUTH (BADSIG)`), `message` what it means for this zone.
    #[error("{rcode}: {message}")]
    Dns { rcode: String, message: String },
    /// Refused before sending, e.g. a name the provider cannot take.
    #[error("{0}")]
    Refused(String),
}

impl ProviderError {
    /// The provider understood the request and said no (4xx other than 408
    /// and 429): trying the same thing again cannot help, but a smaller
    /// request without the offending record can.
    pub fn is_refusal(&self) -> bool {
        match self {
            ProviderError::Status { status, .. } => {
                (400..500).contains(status) && *status != 408 && *status != 429
            }
            ProviderError::Dns { rcode, .. } => rcode != "SERVFAIL",
            _ => false,
        }
    }
}
