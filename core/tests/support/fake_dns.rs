//! A DNS server over TCP that misbehaves on purpose: it answers every
//! message with SERVFAIL, or reads and never answers. It counts what it
//! was sent. And a proxy in front of a real server that tampers with one
//! of its answers on the way, for the checks of a zone transfer's
//! signatures.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use hickory_proto::op::{Message, ResponseCode};
use hickory_proto::rr::{RData, RecordType};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

#[derive(Clone, Copy, Debug)]
pub enum Behaviour {
    ServFail,
    Silent,
    /// SERVFAIL, but a zone transfer's query closes the connection
    /// unanswered, as some servers refuse a transfer.
    HangUpOnTransfer,
}

pub struct FakeDns {
    pub port: u16,
    received: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl FakeDns {
    pub async fn start(behaviour: Behaviour) -> FakeDns {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("address").port();
        let received = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&received);
        let task = tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let counter = Arc::clone(&counter);
                tokio::spawn(async move {
                    loop {
                        let mut length = [0u8; 2];
                        if stream.read_exact(&mut length).await.is_err() {
                            return;
                        }
                        let mut bytes = vec![0u8; usize::from(u16::from_be_bytes(length))];
                        if stream.read_exact(&mut bytes).await.is_err() {
                            return;
                        }
                        counter.fetch_add(1, Ordering::Relaxed);
                        if let Behaviour::Silent = behaviour {
                            continue;
                        }
                        let Ok(request) = Message::from_vec(&bytes) else {
                            return;
                        };
                        let transfer = request
                            .queries
                            .iter()
                            .any(|q| q.query_type() == RecordType::AXFR);
                        if let (Behaviour::HangUpOnTransfer, true) = (behaviour, transfer) {
                            return;
                        }
                        let mut answer =
                            Message::response(request.metadata.id, request.metadata.op_code);
                        answer.metadata.response_code = ResponseCode::ServFail;
                        answer.queries = request.queries.clone();
                        let Ok(out) = answer.to_vec() else { return };
                        let mut framed = (out.len() as u16).to_be_bytes().to_vec();
                        framed.extend_from_slice(&out);
                        if stream.write_all(&framed).await.is_err() {
                            return;
                        }
                    }
                });
            }
        });
        FakeDns {
            port,
            received,
            task,
        }
    }

    /// Messages received so far.
    pub fn received(&self) -> usize {
        self.received.load(Ordering::Relaxed)
    }
}

impl Drop for FakeDns {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// What a [`TamperingProxy`] does to the server's messages.
#[derive(Clone, Copy, Debug)]
pub enum Tampering {
    /// Changes the first A record of message `n` (from 1) to 203.0.113.1,
    /// keeping the server's TSIG as it was.
    ChangeAddress(usize),
    /// Leaves message `n` out.
    Drop(usize),
}

/// A proxy on 127.0.0.1 in front of a server on 127.0.0.1: what the client
/// sends goes through as it is; of what the server sends, one message is
/// changed or left out.
pub struct TamperingProxy {
    pub port: u16,
    task: tokio::task::JoinHandle<()>,
}

impl TamperingProxy {
    pub async fn start(upstream: u16, tampering: Tampering) -> TamperingProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("address").port();
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                tokio::spawn(async move {
                    let Ok(server) = TcpStream::connect(("127.0.0.1", upstream)).await else {
                        return;
                    };
                    let (mut from_client, mut to_client) = client.into_split();
                    let (mut from_server, mut to_server) = server.into_split();
                    let asking = tokio::spawn(async move {
                        let _ = tokio::io::copy(&mut from_client, &mut to_server).await;
                    });
                    let mut n = 0;
                    loop {
                        let mut length = [0u8; 2];
                        if from_server.read_exact(&mut length).await.is_err() {
                            break;
                        }
                        let mut bytes = vec![0u8; usize::from(u16::from_be_bytes(length))];
                        if from_server.read_exact(&mut bytes).await.is_err() {
                            break;
                        }
                        n += 1;
                        let out = match tampering {
                            Tampering::Drop(at) if at == n => continue,
                            Tampering::ChangeAddress(at) if at == n => changed(&bytes),
                            _ => bytes,
                        };
                        let mut framed = (out.len() as u16).to_be_bytes().to_vec();
                        framed.extend_from_slice(&out);
                        if to_client.write_all(&framed).await.is_err() {
                            break;
                        }
                    }
                    asking.abort();
                });
            }
        });
        TamperingProxy { port, task }
    }
}

/// The message with its first A record's address changed in place, every
/// other byte (its TSIG too) as the server sent it.
fn changed(bytes: &[u8]) -> Vec<u8> {
    let message = Message::from_vec(bytes).expect("a DNS message from the server");
    let address = message
        .answers
        .iter()
        .find_map(|r| match &r.data {
            RData::A(a) => Some(a.0.octets()),
            _ => None,
        })
        .expect("an A record to change");
    // The record's RDLENGTH (4) and address, as on the wire.
    let mut rdata = vec![0, 4];
    rdata.extend_from_slice(&address);
    let at = bytes
        .windows(rdata.len())
        .position(|w| w == rdata.as_slice())
        .expect("the address on the wire");
    let mut out = bytes.to_vec();
    out[at + 2..at + 6].copy_from_slice(&[203, 0, 113, 1]);
    out
}

impl Drop for TamperingProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}
