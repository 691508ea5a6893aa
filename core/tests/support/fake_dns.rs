//! A DNS server over TCP that misbehaves on purpose: it answers every
//! message with SERVFAIL, or reads and never answers. It counts what it
//! was sent.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use hickory_proto::op::{Message, ResponseCode};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

#[derive(Clone, Copy, Debug)]
pub enum Behaviour {
    ServFail,
    Silent,
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
                        let Behaviour::ServFail = behaviour else {
                            continue;
                        };
                        let Ok(request) = Message::from_vec(&bytes) else {
                            return;
                        };
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
