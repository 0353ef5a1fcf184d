//! The load generator's HTTP/1.1 client: each request written as bytes on a keep-alive
//! connection of its own and each answer read by its `Content-Length`.
//!
//! The load generator shares the server's two cores, so every microsecond it spends a request
//! is one the server cannot have. A general client (reqwest: a pool behind a lock, URL
//! parsing, header maps, a multi-threaded runtime's wake-ups) cost about 30 µs of CPU a
//! request here; the HTTP benchmarks measure the server, so they drive it the way `wrk`
//! would, and `cargo xtask bench --only http` measures both clients side by side.

use std::io::Write as _;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Headers an answer may carry; the server's carry about eight.
const MOST_HEADERS: usize = 32;

/// The room each read of an answer has at least, and each connection's buffers start with;
/// an answer of the benchmarks is under a kilobyte or a few.
const READ_CHUNK: usize = 16 * 1024;

/// One keep-alive connection to a server, used by one client at a time.
pub struct Connection {
    stream: TcpStream,
    host: String,
    request: Vec<u8>,
    answer: Vec<u8>,
}

/// A URL of the benchmarks (`http://host:port/path?query`) cut into where to connect and
/// what to ask for; `None` for anything else (https, no host).
pub fn split_url(url: &str) -> Option<(&str, &str)> {
    let rest = url.strip_prefix("http://")?;
    match rest.find('/') {
        Some(at) => Some((&rest[..at], &rest[at..])),
        None => Some((rest, "/")),
    }
}

impl Connection {
    /// Connects to `host` (`127.0.0.1:port`), without Nagle's delay as a client that waits
    /// for each answer must be.
    pub async fn open(host: &str) -> std::io::Result<Connection> {
        let stream = TcpStream::connect(host).await?;
        stream.set_nodelay(true)?;
        Ok(Connection {
            stream,
            host: host.to_owned(),
            request: Vec::with_capacity(READ_CHUNK),
            answer: Vec::with_capacity(READ_CHUNK),
        })
    }

    /// Sends one request and reads its whole answer; its HTTP status. An answer without a
    /// `Content-Length` (chunked, or closed at its end) is an error here: the server's JSON
    /// answers carry one; a 204 or 304 has no body whatever its headers say.
    pub async fn send(
        &mut self,
        method: &str,
        path: &str,
        token: &str,
        body: Option<&[u8]>,
    ) -> std::io::Result<u16> {
        self.request.clear();
        write!(
            self.request,
            "{method} {path} HTTP/1.1\r\nhost: {}\r\nauthorization: Bearer {token}\r\n",
            self.host
        )?;
        if let Some(body) = body {
            write!(
                self.request,
                "content-type: application/json\r\ncontent-length: {}\r\n\r\n",
                body.len()
            )?;
            self.request.extend_from_slice(body);
        } else {
            self.request.extend_from_slice(b"\r\n");
        }
        self.stream.write_all(&self.request).await?;
        self.read_answer().await
    }

    async fn read_answer(&mut self) -> std::io::Result<u16> {
        let broken = |why: String| std::io::Error::new(std::io::ErrorKind::InvalidData, why);
        loop {
            let mut headers = [httparse::EMPTY_HEADER; MOST_HEADERS];
            let mut parsed = httparse::Response::new(&mut headers);
            match parsed.parse(&self.answer) {
                Ok(httparse::Status::Complete(head)) => {
                    let status = parsed.code.unwrap_or(0);
                    let declared = parsed
                        .headers
                        .iter()
                        .find(|h| h.name.eq_ignore_ascii_case("content-length"))
                        .and_then(|h| std::str::from_utf8(h.value).ok())
                        .and_then(|v| v.trim().parse::<usize>().ok());
                    // 204 and 304 never have a body, whatever their headers say.
                    let length = match (status, declared) {
                        (204 | 304, _) => 0,
                        (_, Some(n)) => n,
                        (_, None) => {
                            return Err(broken(format!(
                                "an answer ({status}) without a content-length"
                            )))
                        }
                    };
                    while self.answer.len() < head + length {
                        self.fill().await?;
                    }
                    self.answer.drain(..head + length);
                    return Ok(status);
                }
                Ok(httparse::Status::Partial) => self.fill().await?,
                Err(e) => return Err(broken(format!("an answer that is not HTTP: {e}"))),
            }
        }
    }

    /// Reads what the server has sent so far onto the end of the answer's buffer, into the
    /// room the buffer keeps between answers (nothing zeroed first).
    async fn fill(&mut self) -> std::io::Result<()> {
        self.answer.reserve(READ_CHUNK);
        if self.stream.read_buf(&mut self.answer).await? == 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "the server closed the connection",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::{split_url, Connection};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    /// A server that answers each request on one connection with the next of `answers`,
    /// each written in pieces of `piece` bytes, and hands back the requests it read.
    async fn serve_pieces(
        answers: Vec<&'static str>,
        piece: usize,
    ) -> (String, tokio::task::JoinHandle<Vec<String>>) {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a loopback port");
        let host = listener.local_addr().expect("its address").to_string();
        let server = tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.expect("a connection");
            let mut requests = Vec::new();
            for answer in answers {
                let mut buf = vec![0u8; 4096];
                let n = socket.read(&mut buf).await.expect("a request");
                requests.push(String::from_utf8_lossy(&buf[..n]).into_owned());
                for chunk in answer.as_bytes().chunks(piece) {
                    socket.write_all(chunk).await.expect("written");
                    socket.flush().await.expect("flushed");
                    tokio::time::sleep(std::time::Duration::from_millis(2)).await;
                }
            }
            requests
        });
        (host, server)
    }

    #[tokio::test]
    async fn answers_arriving_in_pieces_are_read_whole_one_after_the_other() {
        let (host, server) = serve_pieces(
            vec![
                "HTTP/1.1 201 Created\r\ncontent-type: application/json\r\ncontent-length: 11\r\n\r\n{\"id\":\"a1\"}",
                "HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\n\r\n{}",
                "HTTP/1.1 204 No Content\r\n\r\n",
            ],
            7,
        )
        .await;
        let mut c = Connection::open(&host).await.expect("connected");
        let first = c
            .send("POST", "/v1/activities", "tok", Some(b"{\"x\":1}"))
            .await;
        assert_eq!(first.expect("an answer"), 201);
        let second = c.send("GET", "/v1/rankings/teams", "tok", None).await;
        assert_eq!(second.expect("an answer"), 404);
        let third = c.send("DELETE", "/v1/x", "tok", None).await;
        assert_eq!(third.expect("an answer without a body"), 204);
        let requests = server.await.expect("the server ran");
        assert!(
            requests[0].starts_with("POST /v1/activities HTTP/1.1\r\n"),
            "{}",
            requests[0]
        );
        assert!(requests[0].contains("authorization: Bearer tok\r\n"));
        assert!(
            requests[0].ends_with("content-length: 7\r\n\r\n{\"x\":1}"),
            "{}",
            requests[0]
        );
        assert!(
            requests[1].ends_with("authorization: Bearer tok\r\n\r\n"),
            "{}",
            requests[1]
        );
    }

    #[tokio::test]
    async fn an_answer_without_a_length_is_an_error_not_a_hang() {
        let (host, _server) = serve_pieces(
            vec!["HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n"],
            64,
        )
        .await;
        let mut c = Connection::open(&host).await.expect("connected");
        let err = c
            .send("GET", "/", "tok", None)
            .await
            .expect_err("no length");
        assert!(
            err.to_string().contains("without a content-length"),
            "{err}"
        );
    }

    #[test]
    fn a_url_is_cut_into_host_and_path() {
        assert_eq!(
            split_url("http://127.0.0.1:4000/v1/rankings/teams?limit=50"),
            Some(("127.0.0.1:4000", "/v1/rankings/teams?limit=50"))
        );
        assert_eq!(
            split_url("http://127.0.0.1:4000"),
            Some(("127.0.0.1:4000", "/"))
        );
        assert_eq!(split_url("https://127.0.0.1:4000/"), None);
    }
}
