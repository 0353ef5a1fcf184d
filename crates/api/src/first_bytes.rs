//! A client that connects and sends nothing. hyper's header read timeout starts at a
//! request's first byte, so a silent socket was kept open for good, holding one of the
//! server's connection permits: a few thousand of them and nobody else was served. Each
//! connection now waits at most the header read timeout for its first byte, before hyper
//! sees it.

use std::time::Duration;

use tokio::net::TcpStream;

/// Whether `stream` has a byte to read within `timeout` (peeked, not taken): false when the
/// client sent nothing in that time or closed the connection.
pub async fn arrive_within(stream: &TcpStream, timeout: Duration) -> bool {
    let mut first = [0u8; 1];
    matches!(
        tokio::time::timeout(timeout, stream.peek(&mut first)).await,
        Ok(Ok(n)) if n > 0
    )
}
