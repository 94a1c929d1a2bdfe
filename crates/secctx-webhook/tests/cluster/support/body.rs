//! A response body fed from a channel: one chunk for ordinary responses, a stream of JSON
//! lines kept open for watches (as the API server's chunked watch responses are).

use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::{Body, Frame};
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

/// The body.
#[derive(Debug)]
pub struct ChanBody {
    rx: UnboundedReceiver<Bytes>,
}

impl ChanBody {
    /// A body that ends after `bytes`.
    pub fn once(bytes: Vec<u8>) -> ChanBody {
        let (tx, body) = ChanBody::channel();
        let _ = tx.send(Bytes::from(bytes));
        body
    }

    /// A body that yields what is sent, and ends when the sender is dropped.
    pub fn channel() -> (UnboundedSender<Bytes>, ChanBody) {
        let (tx, rx) = unbounded_channel();
        (tx, ChanBody { rx })
    }
}

impl Body for ChanBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        self.rx
            .poll_recv(cx)
            .map(|chunk| chunk.map(|b| Ok(Frame::data(b))))
    }
}
