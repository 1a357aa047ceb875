//! `http::local::serve` answers connections in parallel: each in its own task, so one slow
//! request does not hold the others up. Two requests meet at a rendezvous that holds its task
//! until the other arrives; served within one task, the first would wait it out alone.

use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use kizuna_sender::http::local::{bind, serve, Handler, LocalResponse};
use kizuna_sender::http::ApiRequest;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Answers "together" when another request arrived while this one waited, "alone" otherwise.
#[derive(Default)]
struct Rendezvous {
    arrived: Mutex<usize>,
    met: Condvar,
}

impl Handler for Rendezvous {
    async fn answer(&self, _request: ApiRequest) -> LocalResponse {
        // Holds its task until the other request arrives (`block_in_place` hands the worker's other
        // tasks to another thread): a server answering every connection within one task cannot
        // take the second connection until this returns.
        let together = tokio::task::block_in_place(|| {
            let mut arrived = self.arrived.lock().expect("lock");
            *arrived += 1;
            self.met.notify_all();
            let (arrived, _) = self.met.wait_timeout_while(arrived, Duration::from_secs(10), |n| *n < 2).expect("lock");
            *arrived >= 2
        });
        let body = if together { "together" } else { "alone" };
        LocalResponse { status: 200, headers: Vec::new(), body: body.as_bytes().to_vec() }
    }
}

async fn get(port: u16) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).await.expect("connect");
    let request = format!("GET /api/x HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.expect("read");
    answer
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_slow_requests_are_answered_in_parallel() {
    let listener = bind("127.0.0.1:0".parse().expect("address")).await.expect("bind");
    let port = listener.local_addr().expect("address").port();
    tokio::spawn(serve(listener, Arc::new(Rendezvous::default())));
    let (first, second) = tokio::join!(get(port), get(port));
    for answer in [first, second] {
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        assert!(answer.ends_with("together"), "both requests were in the handler at once: {answer}");
    }
}
