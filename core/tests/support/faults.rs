//! A server on 127.0.0.1 that answers every request with one fault: what a
//! broken provider, proxy or network does to a client.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Accepts, reads the request, never answers.
    Silent,
    /// Sends the headers, then one byte of body a second.
    Trickle,
    /// Promises 1000 bytes of body, sends 20 and closes.
    CutBody,
    /// Closes the connection as soon as the request is read.
    Hangup,
    /// 200 with a web server's HTML page.
    Html,
    /// 200 with JSON cut short.
    BrokenJson,
    /// 200 with Cloudflare's failure envelope and no errors in it.
    FalseSuccess,
    /// 400 with the whole request, headers and body, echoed back: a
    /// credential in it must not reach the result.
    Echo,
    /// 503 every time.
    Unavailable,
}

impl Fault {
    pub const ALL: [Fault; 9] = [
        Fault::Silent,
        Fault::Trickle,
        Fault::CutBody,
        Fault::Hangup,
        Fault::Html,
        Fault::BrokenJson,
        Fault::FalseSuccess,
        Fault::Echo,
        Fault::Unavailable,
    ];
}

pub struct FaultServer {
    pub port: u16,
    /// Connections accepted so far.
    pub connections: Arc<AtomicUsize>,
    task: JoinHandle<()>,
}

impl FaultServer {
    pub async fn start(fault: Fault) -> FaultServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let connections = Arc::new(AtomicUsize::new(0));
        let counted = Arc::clone(&connections);
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                counted.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(answer(stream, fault));
            }
        });
        FaultServer {
            port,
            connections,
            task,
        }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for FaultServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Reads one request: headers, then as much body as Content-Length says.
async fn read_request(stream: &mut TcpStream) -> Vec<u8> {
    let mut request = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let Ok(n) = stream.read(&mut buf).await else {
            return request;
        };
        if n == 0 {
            return request;
        }
        request.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&request).to_string();
        if let Some(end) = text.find("\r\n\r\n") {
            let length = text[..end]
                .lines()
                .find_map(|l| {
                    let (name, value) = l.split_once(':')?;
                    name.eq_ignore_ascii_case("content-length")
                        .then(|| value.trim().parse::<usize>().ok())?
                })
                .unwrap_or(0);
            if request.len() >= end + 4 + length {
                return request;
            }
        }
    }
}

async fn answer(mut stream: TcpStream, fault: Fault) {
    let request = read_request(&mut stream).await;
    let respond = |status: &str, kind: &str, body: &[u8]| {
        let mut out = format!(
            "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        )
        .into_bytes();
        out.extend_from_slice(body);
        out
    };
    let bytes = match fault {
        Fault::Silent => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            return;
        }
        Fault::Hangup => return,
        Fault::Trickle => {
            let head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\nConnection: close\r\n\r\n";
            if stream.write_all(head.as_bytes()).await.is_err() {
                return;
            }
            for _ in 0..100 {
                if stream.write_all(b" ").await.is_err() {
                    return;
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
            return;
        }
        Fault::CutBody => {
            let head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\nConnection: close\r\n\r\n{\"rrsets\": [{\"name\"";
            let _ = stream.write_all(head.as_bytes()).await;
            return;
        }
        Fault::Html => respond(
            "200 OK",
            "text/html",
            b"<html><head><title>Welcome to nginx!</title></head><body><h1>Welcome to nginx!</h1></body></html>",
        ),
        Fault::BrokenJson => respond("200 OK", "application/json", b"{\"result\": [{\"id\": "),
        Fault::FalseSuccess => respond(
            "200 OK",
            "application/json",
            b"{\"success\": false, \"errors\": [], \"messages\": [], \"result\": null}",
        ),
        Fault::Echo => respond("400 Bad Request", "text/plain", &request),
        Fault::Unavailable => respond(
            "503 Service Unavailable",
            "text/html",
            b"<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>",
        ),
    };
    let _ = stream.write_all(&bytes).await;
    let _ = stream.shutdown().await;
}
