//! A guest's stdout and stderr: passed through to the host's or captured
//! into a bounded buffer, and in either case with the last bytes kept, so
//! that an error can say what the guest printed before it failed (a Go
//! panic's message, the words before a `proc_exit`).

use std::collections::VecDeque;
use std::io::Write;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use bytes::Bytes;
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::p2::{OutputStream, Pollable, StreamError, StreamResult};

/// How many of the last bytes written are kept.
pub(crate) const TAIL_BYTES: usize = 4096;

/// The last [`TAIL_BYTES`] bytes a guest wrote to one stream, and how many
/// it wrote in all.
#[derive(Clone, Debug, Default)]
pub(crate) struct Tail(Arc<TailInner>);

#[derive(Debug)]
struct TailInner {
    bytes: Mutex<VecDeque<u8>>,
    written: AtomicU64,
    /// The count of bytes written past which a passed-through stream
    /// refuses writes ([`Tail::allow`]).
    allowed: AtomicU64,
}

impl Default for TailInner {
    fn default() -> Self {
        TailInner {
            bytes: Mutex::default(),
            written: AtomicU64::new(0),
            allowed: AtomicU64::new(u64::MAX),
        }
    }
}

impl Tail {
    /// Lets the stream take `limit` more bytes after `mark`.
    #[inline(always)]
    fn allow(&self, mark: u64, limit: u64) {
        self.0.allowed.store(mark.saturating_add(limit), Ordering::Relaxed);
    }

    /// Whether `len` more bytes are within what is allowed.
    fn admits(&self, len: usize) -> bool {
        self.mark().saturating_add(len as u64) <= self.0.allowed.load(Ordering::Relaxed)
    }

    fn push(&self, bytes: &[u8]) {
        let mut tail = self.lock();
        let kept = &bytes[bytes.len().saturating_sub(TAIL_BYTES)..];
        let excess = (tail.len() + kept.len()).saturating_sub(TAIL_BYTES);
        tail.drain(..excess);
        tail.extend(kept);
        self.0.written.fetch_add(bytes.len() as u64, Ordering::Release);
    }

    /// How many bytes were written so far: a mark for [`Self::since`].
    #[inline(always)]
    pub(crate) fn mark(&self) -> u64 {
        self.0.written.load(Ordering::Acquire)
    }

    /// What was written since `mark`, at most the last [`TAIL_BYTES`].
    pub(crate) fn since(&self, mark: u64) -> Vec<u8> {
        let tail = self.lock();
        let new = (self.0.written.load(Ordering::Acquire).saturating_sub(mark) as usize).min(tail.len());
        tail.iter().skip(tail.len() - new).copied().collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, VecDeque<u8>> {
        // Bytes are only appended and drained: a panic cannot leave them
        // inconsistent.
        self.0.bytes.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// What an instance keeps of its guest's output: the captured streams
/// (when the runtime captures output), the last bytes of stdout and stderr
/// either way, and how much of each had been written when the current call
/// began, so that a failed call's error can quote what the guest said
/// during it.
#[derive(Debug)]
pub(crate) struct OutputLog {
    stdout: Option<MemoryOutputPipe>,
    stderr: Option<MemoryOutputPipe>,
    /// stdout's and stderr's last bytes.
    recent: [Tail; 2],
    /// How much of each had been written when the current call began.
    call_began: [u64; 2],
    /// The bytes a call (or the start-up) may pass through to each of the
    /// host's streams (`None`: output is captured, into bounded buffers).
    passthrough_limit: Option<u64>,
}

impl OutputLog {
    /// `passthrough_limit` is `max_output_bytes`, for streams passed
    /// through to the host's.
    pub(crate) fn new(
        stdout: Option<MemoryOutputPipe>,
        stderr: Option<MemoryOutputPipe>,
        recent: [Tail; 2],
        passthrough_limit: Option<u64>,
    ) -> Self {
        if let Some(limit) = passthrough_limit {
            recent.iter().for_each(|t| t.allow(0, limit));
        }
        OutputLog {
            stdout,
            stderr,
            recent,
            call_began: [0; 2],
            passthrough_limit,
        }
    }

    /// Marks the start of a call, which may pass `max_output_bytes` more
    /// through.
    #[inline(always)]
    pub(crate) fn begin_call(&mut self) {
        self.call_began = [self.recent[0].mark(), self.recent[1].mark()];
        if let Some(limit) = self.passthrough_limit {
            self.recent[0].allow(self.call_began[0], limit);
            self.recent[1].allow(self.call_began[1], limit);
        }
    }

    /// What the guest wrote during the current call, as its last words
    /// (stderr first), and whether they are a Go panic's.
    pub(crate) fn last_words_of_call(&self) -> Option<(String, bool)> {
        let texts = [1, 0].map(|i| self.recent[i].since(self.call_began[i]));
        let panic = texts.iter().find_map(|t| last_words(t).filter(|(_, panic)| *panic));
        panic.or_else(|| texts.iter().find_map(|t| last_words(t)))
    }

    /// What the guest wrote to stdout, when the runtime captures output.
    pub(crate) fn stdout(&self) -> Option<Vec<u8>> {
        self.stdout.as_ref().map(|p| p.contents().to_vec())
    }

    /// What the guest wrote to stderr, when the runtime captures output.
    pub(crate) fn stderr(&self) -> Option<Vec<u8>> {
        self.stderr.as_ref().map(|p| p.contents().to_vec())
    }
}

/// Where a guest's stream goes.
#[derive(Clone, Debug)]
pub(crate) enum Sink {
    Stdout,
    Stderr,
    Capture(MemoryOutputPipe),
}

/// One of a guest's output streams, as WASI sees it.
#[derive(Clone, Debug)]
pub(crate) struct GuestOutput {
    pub tail: Tail,
    pub sink: Sink,
}

impl GuestOutput {
    pub(crate) fn new(sink: Sink) -> Self {
        GuestOutput {
            tail: Tail::default(),
            sink,
        }
    }

    /// Writes `bytes` through, or refuses them past `max_output_bytes` (a
    /// failed write to the guest, as a full capture buffer is): a guest
    /// printing without end cannot fill the host's disk or pipe.
    fn write_all(&mut self, bytes: &[u8]) -> StreamResult<()> {
        if !matches!(self.sink, Sink::Capture(_)) && !self.tail.admits(bytes.len()) {
            return Err(StreamError::LastOperationFailed(wasmtime::Error::msg(
                "the guest wrote more than the runtime's max_output_bytes in this call",
            )));
        }
        self.tail.push(bytes);
        let written = match &mut self.sink {
            Sink::Stdout => std::io::stdout().write_all(bytes),
            Sink::Stderr => std::io::stderr().write_all(bytes),
            Sink::Capture(pipe) => return pipe.write(Bytes::copy_from_slice(bytes)),
        };
        written.map_err(|e| StreamError::LastOperationFailed(e.into()))
    }
}

impl IsTerminal for GuestOutput {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for GuestOutput {
    fn p2_stream(&self) -> Box<dyn OutputStream> {
        Box::new(self.clone())
    }

    fn async_stream(&self) -> Box<dyn tokio::io::AsyncWrite + Send + Sync> {
        Box::new(self.clone())
    }
}

#[async_trait::async_trait]
impl Pollable for GuestOutput {
    async fn ready(&mut self) {}
}

impl OutputStream for GuestOutput {
    fn write(&mut self, bytes: Bytes) -> StreamResult<()> {
        self.write_all(&bytes)
    }

    fn flush(&mut self) -> StreamResult<()> {
        match &mut self.sink {
            Sink::Capture(pipe) => pipe.flush(),
            Sink::Stdout => std::io::stdout()
                .flush()
                .map_err(|e| StreamError::LastOperationFailed(e.into())),
            Sink::Stderr => Ok(()),
        }
    }

    fn check_write(&mut self) -> StreamResult<usize> {
        match &mut self.sink {
            Sink::Capture(pipe) => pipe.check_write(),
            _ => Ok(64 * 1024),
        }
    }
}

impl tokio::io::AsyncWrite for GuestOutput {
    fn poll_write(self: Pin<&mut Self>, _cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        let this = self.get_mut();
        let n = match &mut this.sink {
            Sink::Capture(pipe) => buf.len().min(pipe.check_write().unwrap_or(0)),
            _ => buf.len(),
        };
        Poll::Ready(
            this.write_all(&buf[..n])
                .map(|()| n)
                .map_err(|e| std::io::Error::other(e.to_string())),
        )
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

/// What the guest said about why it stopped, from the tail of its output:
/// the message of a Go panic (`panic: ...`; `true`), or else the last line
/// it wrote (`false`). At most 300 characters.
pub(crate) fn last_words(tail: &[u8]) -> Option<(String, bool)> {
    let text = String::from_utf8_lossy(tail);
    let lines: Vec<&str> = text.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    let short = |l: &str| l.chars().take(300).collect::<String>();
    if let Some(panic) = lines.iter().rev().find_map(|l| l.strip_prefix("panic: ")) {
        return Some((short(panic.trim_end_matches(" [recovered]")), true));
    }
    lines.last().map(|l| (short(l), false))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tail_keeps_the_last_bytes_since_a_mark() {
        let t = Tail::default();
        t.push(&vec![b'a'; TAIL_BYTES]);
        let mark = t.mark();
        t.push(b"panic: boom\n");
        assert_eq!(t.since(mark), b"panic: boom\n");
        let kept = t.since(0);
        assert_eq!(kept.len(), TAIL_BYTES);
        assert!(kept.ends_with(b"panic: boom\n"));
        assert!(t.since(t.mark()).is_empty());
    }

    #[test]
    fn last_words_prefer_a_go_panic() {
        let out = b"hello\npanic: runtime error: index out of range [5] with length 3\n\ngoroutine 1 [running]:\n";
        assert_eq!(last_words(out), Some(("runtime error: index out of range [5] with length 3".to_string(), true)));
        assert_eq!(last_words(b"usage: tool FILE\n"), Some(("usage: tool FILE".to_string(), false)));
        assert_eq!(last_words(b"\n\n"), None);
    }
}
